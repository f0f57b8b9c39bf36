"""Flask extensions, created unbound and wired to the app in ``create_app``."""
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
# headers_enabled: a 429 carries Retry-After (and limited endpoints X-RateLimit-*), so
# clients know when to come back.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
