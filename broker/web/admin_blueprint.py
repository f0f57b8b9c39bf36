"""The operator's blueprint (/admin): its pages live in admin.py (overview, policy, groups,
rounds), admin_lists.py (lists), confirm.py (confirmations) and applications.py (approvals)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
