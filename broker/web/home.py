"""The front page and each role's dashboard."""
from flask import Blueprint, g, render_template

from broker import db
from broker.auth.session_login import login_required
from broker.services import queries

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    return render_template("home.html", counts=queries.market_counts(db.session()))


@bp.get("/dashboard")
@login_required()
def dashboard():
    extra = {}
    if g.principal.role.value == "auditor":
        from broker.reports import auditing

        periods = auditing.periods(db.session())
        extra = {"periods": periods, "alerts": auditing.alerts(periods[0] if periods else None)}
    return render_template(f"dashboard/{g.principal.role.value}.html", org=g.org, user=g.user, **extra)
