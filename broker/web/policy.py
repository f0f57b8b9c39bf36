"""Public pages: the fairness policy with its history, and every reservation, stake and group."""
from __future__ import annotations

from flask import Blueprint, render_template

from broker import db
from broker.clock import now
from broker.policy import DEFAULTS, current_params
from broker.services import groups, schedule
from broker.services import policy as svc
from broker.web import policy_labels

bp = Blueprint("policy", __name__, url_prefix="/policy")


@bp.get("")
def index():
    s = db.session()
    period = schedule.current_period(s, now())
    pol = current_params(s, period)
    history = svc.history(s)
    # Each version against the one before it (the oldest against the defaults); operators
    # are named by their role, never by their address.
    older = history[1:] + [None]
    changed = [policy_labels.changes({**DEFAULTS, **(o.params if o else {})}, {**DEFAULTS, **v.params})
               for v, o in zip(history, older)]
    return render_template("policy/index.html", pol=pol, period=period,
                           rows=policy_labels.rows({**DEFAULTS, **pol.params}, DEFAULTS),
                           history=list(zip(history, changed)))


@bp.get("/quotas")
def quotas():
    s = db.session()
    return render_template("policy/quotas.html", reservations=groups.list_reservations(s),
                           stakes=groups.list_stakes(s), groups=groups.list_groups(s))
