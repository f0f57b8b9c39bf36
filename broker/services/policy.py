"""Operator changes to the public fairness policy.

A change is a new ``PolicyVersion`` holding the full parameter set, effective from the next
period whose request window is still open, so a round never runs under rules that changed
after its requests were submitted. Who and why are kept on the row and in the audit log.
"""
from __future__ import annotations

import re

from sqlmodel import Session, func, select

from broker.access.principal import Principal
from broker.clock import now
from broker.errors import ApiError
from broker.models import PolicyVersion
from broker.periods import cutoff_of, next_period, period_of
from broker.catalog import payfloor
from broker.policy import FLOORS_KEY, PARAMETERS, current_params
from broker import audit
from broker.tlog import service as tlog

_CURRENCY = re.compile(r"^[A-Z]{3}$")


def check_value(name: str, value):
    """The value, normalised, or an ApiError naming the parameter."""
    if name not in PARAMETERS:
        raise ApiError(f"{name}: not a policy parameter.", status=422, type_="validation",
                       errors=[{"field": name, "message": "unknown parameter"}])
    _default, kind, bounds, _doc = PARAMETERS[name]

    def bad(msg):
        return ApiError(f"{name}: {msg}.", status=422, type_="validation",
                        errors=[{"field": name, "message": msg}])

    if kind == "currency":
        if not isinstance(value, str) or not _CURRENCY.match(value):
            raise bad("must be an ISO 4217 code such as USD")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise bad("must be a number")
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise bad("must be a whole number")
        value = int(value)
    lo, hi = bounds
    if not (lo <= value <= hi):
        raise bad(f"must be between {lo} and {hi}")
    return value


def effective_period_for_change(s: Session) -> str:
    """The first period after the current one whose cutoff is still ahead."""
    t = now()
    p = next_period(period_of(t))
    while t >= cutoff_of(p, current_params(s, p)["cutoff_hours"]):
        p = next_period(p)
    return p


def check_floors(table) -> dict:
    """A pay-floor table (country → floor), or an ApiError naming each bad row."""
    errors = payfloor.check_table(table)
    if errors:
        raise ApiError(f"{FLOORS_KEY}: {errors[0]}" + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "") + ".",
                       status=422, type_="validation", errors=[{"field": FLOORS_KEY, "message": e} for e in errors])
    return {cc: dict(table[cc]) for cc in sorted(table)}


def change(s: Session, actor: Principal, *, changes: dict, reason: str) -> PolicyVersion:
    if not actor.is_operator:
        raise ApiError("Only operators change the policy.", status=403, type_="forbidden")
    reason = (reason or "").strip()
    if len(reason) < 5 or len(reason) > 2000 or "\x00" in reason:
        raise ApiError("reason: say why the policy changes (at least 5 characters).", status=422,
                       type_="validation", errors=[{"field": "reason", "message": "too short"}])
    if not changes:
        raise ApiError("changes: name at least one parameter to change.", status=422,
                       type_="validation", errors=[{"field": "changes", "message": "empty"}])
    clean = {k: check_floors(v) if k == FLOORS_KEY else check_value(k, v) for k, v in changes.items()}
    effective = effective_period_for_change(s)
    base = current_params(s, effective)
    params = {**base.params, **clean}
    if params == base.params:
        raise ApiError("changes: every value given is already in force for that period.",
                       status=422, type_="validation",
                       errors=[{"field": "changes", "message": "no change"}])
    latest = s.exec(select(func.max(PolicyVersion.version))).one() or 0
    row = PolicyVersion(version=latest + 1, params=params, effective_period=effective,
                        reason=reason, created_by_user_id=actor.user_id)
    s.add(row)
    s.flush()
    tlog.log_policy(s, row)  # logged in the transaction that creates the version
    audit.record(s, actor, "policy.change", "policy_version", row.version,
                 before={"version": base.version, "params": base.params},
                 after=audit.snapshot(row))
    return row


def history(s: Session) -> list[PolicyVersion]:
    return list(s.exec(select(PolicyVersion).order_by(PolicyVersion.version.desc())))
