"""Rate-limit storage: wired to the app with a clear error naming ``RATELIMIT_STORAGE_URI``.

Limits count in a moving window (exact: a burst at a window edge cannot pass twice the
limit). ``memory://`` counts per gunicorn worker; ``redis://…`` is shared by every worker and
host. An unusable storage is a startup error that names the setting, not a traceback from
inside the library: an unknown scheme or a missing client when the app is created, a Redis
that does not answer when a web or scheduler process starts (``check_reachable``). A Redis
that goes away later degrades to per-worker counting until it answers again, rather than
failing every limited request (sign-in, tokens, estimates).
"""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import Flask
from limits.errors import ConfigurationError

from broker.config import ConfigError
from broker.extensions import limiter

SETTING = "RATELIMIT_STORAGE_URI"
# A Redis that does not answer must not hold a request (or a starting process) for long.
REDIS_TIMEOUTS = {"socket_connect_timeout": 2, "socket_timeout": 2}


def masked(uri: str) -> str:
    """The URI without its password, for messages and logs."""
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.hostname or ""
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def init_app(app: Flask) -> None:
    uri = app.config[SETTING]
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if uri.startswith(("redis://", "rediss://", "redis+unix://")):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))
    try:
        limiter.init_app(app)
    except ConfigurationError as e:
        hint = " (the Redis client comes with Parity's dependencies: reinstall with `pip install -e .`)" \
            if "prerequisite" in str(e) else " (use memory:// or redis://HOST:PORT/DB)"
        raise ConfigError(f"{SETTING}={masked(uri)} cannot be used: {e}{hint}") from None
    except ValueError as e:  # a malformed URI, e.g. a port that is not a number
        raise ConfigError(f"{SETTING}={masked(uri)} cannot be used: {e}") from None


def check_reachable(app: Flask) -> None:
    """Raise ``ConfigError`` unless the storage answers (called when a process starts)."""
    uri = app.config[SETTING]
    if not app.config.get("RATELIMIT_ENABLED", True) or uri.startswith("memory://"):
        return
    if not limiter.storage.check():
        raise ConfigError(f"{SETTING}={masked(uri)}: the rate-limit storage does not answer; "
                          f"start it or correct the setting (memory:// counts per worker)")
