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
        from broker.clock import now
        from broker.models import User
        from broker.reports import auditing

        s = db.session()
        periods = auditing.periods(s)
        me = s.get(User, g.user.id)
        # "since your last visit": reports published after this person last saw the dashboard
        extra = {"periods": periods, "alerts": auditing.alerts(periods[0] if periods else None),
                 "last_visit": me.findings_seen_at, "new_ids": auditing.published_since(s, me.findings_seen_at),
                 "me": me}
        with db.transaction(s):
            me = s.get(User, g.user.id)
            me.findings_seen_at = now()
            s.add(me)
    return render_template(f"dashboard/{g.principal.role.value}.html", org=g.org, user=g.user, **extra)
