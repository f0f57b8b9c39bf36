"""Public pages: the fairness policy with its history, and every reservation, stake and group."""
from __future__ import annotations

from flask import Blueprint, render_template
from sqlmodel import select

from broker import db
from broker.clock import now
from broker.models import User
from broker.policy import PARAMETERS, current_params
from broker.services import groups, schedule
from broker.services import policy as svc

bp = Blueprint("policy", __name__, url_prefix="/policy")


@bp.get("")
def index():
    s = db.session()
    period = schedule.current_period(s, now())
    pol = current_params(s, period)
    history = svc.history(s)
    authors = {u.id: u.email for u in s.exec(select(User).where(
        User.id.in_([v.created_by_user_id for v in history if v.created_by_user_id])))} if history else {}
    return render_template("policy/index.html", pol=pol, period=period, params=PARAMETERS,
                           history=history, authors=authors)


@bp.get("/quotas")
def quotas():
    s = db.session()
    return render_template("policy/quotas.html", reservations=groups.list_reservations(s),
                           stakes=groups.list_stakes(s), groups=groups.list_groups(s))
