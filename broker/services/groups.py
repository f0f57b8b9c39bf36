"""Operators' public declarations: groups of affiliated orgs, org weights, stakes in
vendors, and reservations (guarantees) — plus each developer's quota picture.

Reservations are checked when made: one reservation holds at most ``max_reserved_share`` of
the offering's capacity for the period, and all of them together at most the capacity
(times 1 − ``small_set_aside`` when the set-aside is on).
"""
from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, func, select

from broker.access.principal import Principal
from broker.errors import ApiError
from broker.models import (Allocation, Capacity, Guarantee, Offering, Org, OrgGroup, OrgKind, Round,
                           Stake)
from broker.periods import validate_period
from broker.policy import current_params
from broker import audit
from broker.services import schedule
from broker.clock import now


def _text(field: str, value: str | None, lo: int, hi: int) -> str:
    value = (value or "").strip()
    if not lo <= len(value) <= hi or "\x00" in value:
        raise _bad(field, f"must be text of {lo}–{hi} characters")
    return value


def _operator(p: Principal) -> None:
    if not p.is_operator:
        raise ApiError("Only operators make this declaration.", status=403, type_="forbidden")


def _bad(field: str, message: str, status: int = 422) -> ApiError:
    return ApiError(f"{field}: {message}.", status=status, type_="validation" if status == 422 else "conflict",
                    errors=[{"field": field, "message": message}])


def _developer(s: Session, org_id: int, field: str = "org_id") -> Org:
    org = s.get(Org, org_id)
    if org is None or org.kind != OrgKind.developer:
        raise _bad(field, f"no developer organisation {org_id}")
    return org


# --- groups ------------------------------------------------------------------------------

def create_group(s: Session, p: Principal, *, name: str, reason: str, member_ids: list[int]) -> OrgGroup:
    _operator(p)
    name = _text("name", name, 2, 200)
    if s.exec(select(OrgGroup).where(OrgGroup.name == name)).first():
        raise _bad("name", f"a group named {name!r} exists already", 409)
    reason = _text("reason", reason, 5, 2000)
    group = OrgGroup(name=name, reason=reason)
    s.add(group)
    s.flush()
    audit.record(s, p, "group.create", "org_group", group.id, after=audit.snapshot(group))
    for oid in member_ids:
        set_group(s, p, org_id=oid, group_id=group.id)
    return group


def set_group(s: Session, p: Principal, *, org_id: int, group_id: int | None) -> Org:
    _operator(p)
    org = _developer(s, org_id)
    if group_id is not None and s.get(OrgGroup, group_id) is None:
        raise _bad("group_id", f"no group {group_id}", 404)
    before = audit.snapshot(org)
    org.group_id = group_id
    s.add(org)
    audit.record(s, p, "org.set_group", "org", org.id, before=before, after=audit.snapshot(org))
    return org


def set_weight(s: Session, p: Principal, *, org_id: int, weight, reason: str) -> Org:
    _operator(p)
    org = _developer(s, org_id)
    try:
        w = Decimal(str(weight))
    except InvalidOperation:
        raise _bad("weight", "must be a number") from None
    if not w.is_finite() or not (Decimal("0.0001") <= w <= Decimal(1000)) or w != w.quantize(Decimal("0.0001")):
        raise _bad("weight", "must be between 0.0001 and 1000 with at most 4 decimals")
    reason = _text("reason", reason, 5, 2000)
    before = audit.snapshot(org)
    org.weight = w
    s.add(org)
    audit.record(s, p, "org.set_weight", "org", org.id, before=before,
                 after=audit.snapshot(org) | {"reason": reason.strip()})
    return org


def list_groups(s: Session) -> list[tuple[OrgGroup, list[Org]]]:
    groups = s.exec(select(OrgGroup).order_by(OrgGroup.name)).all()
    members = s.exec(select(Org).where(Org.group_id.is_not(None)).order_by(Org.name)).all()
    return [(g, [m for m in members if m.group_id == g.id]) for g in groups]


# --- stakes ------------------------------------------------------------------------------

STAKE_KINDS = ("equity", "control", "board_seat", "other")


def declare_stake(s: Session, p: Principal, *, holder_org_id: int, vendor_org_id: int, percent,
                  kind: str, note: str = "") -> Stake:
    _operator(p)
    _developer(s, holder_org_id, "holder_org_id")
    vendor = s.get(Org, vendor_org_id)
    if vendor is None or vendor.kind != OrgKind.vendor:
        raise _bad("vendor_org_id", f"no vendor organisation {vendor_org_id}")
    try:
        pct = Decimal(str(percent))
    except InvalidOperation:
        raise _bad("percent", "must be a number") from None
    if not pct.is_finite() or not (0 <= pct <= 100) or pct != pct.quantize(Decimal("0.0001")):
        raise _bad("percent", "must be between 0 and 100 with at most 4 decimals")
    if kind not in STAKE_KINDS:
        raise _bad("kind", f"must be one of {', '.join(STAKE_KINDS)}")
    stake = Stake(holder_org_id=holder_org_id, vendor_org_id=vendor_org_id, percent=pct, kind=kind,
                  note=_text("note", note, 0, 2000))
    s.add(stake)
    s.flush()
    audit.record(s, p, "stake.declare", "stake", stake.id, after=audit.snapshot(stake))
    return stake


def end_stake(s: Session, p: Principal, stake_id: int) -> Stake:
    _operator(p)
    stake = s.get(Stake, stake_id)
    if stake is None:
        raise ApiError(f"No stake {stake_id}.", status=404, type_="not-found")
    if stake.ended_at is not None:
        raise _bad("stake_id", "this stake has ended already", 409)
    before = audit.snapshot(stake)
    stake.ended_at = now()
    s.add(stake)
    audit.record(s, p, "stake.end", "stake", stake.id, before=before, after=audit.snapshot(stake))
    return stake


def list_stakes(s: Session, *, include_ended: bool = True):
    stmt = select(Stake, Org).join(Org, Org.id == Stake.holder_org_id).order_by(Stake.id)
    if not include_ended:
        stmt = stmt.where(Stake.ended_at.is_(None))
    vendors = {o.id: o for o in s.exec(select(Org).where(Org.kind == OrgKind.vendor))}
    return [(st, holder, vendors.get(st.vendor_org_id)) for st, holder in s.exec(stmt)]


# --- reservations ------------------------------------------------------------------------

def reserve(s: Session, p: Principal, *, org_id: int, offering_id: int, period: str, units: int,
            reason: str) -> Guarantee:
    _operator(p)
    _developer(s, org_id)
    try:
        validate_period(period)
    except ValueError as e:
        raise _bad("period", str(e)) from None
    if period < schedule.current_period(s, now()):
        raise _bad("period", "that period's rounds are over", 409)
    if s.get(Offering, offering_id) is None:
        raise _bad("offering_id", f"no offering {offering_id}", 404)
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise _bad("units", "must be a whole number of at least 1")
    reason = _text("reason", reason, 5, 2000)
    cap = s.exec(select(Capacity).where(Capacity.offering_id == offering_id, Capacity.period == period)).first()
    if cap is None or cap.units == 0:
        raise _bad("period", f"offering {offering_id} declares no capacity for {period}", 409)
    pol = current_params(s, period)
    limit = math.floor(Decimal(str(pol["max_reserved_share"])) * cap.units)
    if units > limit:
        raise _bad("units", f"at most {limit} units (max_reserved_share {pol['max_reserved_share']} "
                            f"of the capacity {cap.units})")
    if s.exec(select(Guarantee).where(Guarantee.org_id == org_id, Guarantee.offering_id == offering_id,
                                      Guarantee.period == period)).first():
        raise _bad("org_id", "this org already holds a reservation there for that period", 409)
    taken = s.exec(select(func.coalesce(func.sum(Guarantee.units), 0)).where(
        Guarantee.offering_id == offering_id, Guarantee.period == period)).one()
    room = math.floor((1 - Decimal(str(pol["small_set_aside"]))) * cap.units) - int(taken)
    if units > room:
        raise _bad("units", f"only {max(room, 0)} units are left to reserve at this offering for {period}")
    g = Guarantee(org_id=org_id, offering_id=offering_id, period=period, units=units, reason=reason.strip())
    s.add(g)
    s.flush()
    audit.record(s, p, "reservation.create", "guarantee", g.id, after=audit.snapshot(g))
    return g


def cancel_reservation(s: Session, p: Principal, guarantee_id: int) -> None:
    _operator(p)
    g = s.get(Guarantee, guarantee_id)
    if g is None:
        raise ApiError(f"No reservation {guarantee_id}.", status=404, type_="not-found")
    if s.exec(select(Round.id).where(Round.run_key == f"{g.period}/main")).first():
        raise _bad("guarantee_id", "the period's main round ran; the reservation stands", 409)
    audit.record(s, p, "reservation.cancel", "guarantee", g.id, before=audit.snapshot(g))
    s.delete(g)


def list_reservations(s: Session, period: str | None = None):
    stmt = (select(Guarantee, Org, Offering).join(Org, Org.id == Guarantee.org_id)
            .join(Offering, Offering.id == Guarantee.offering_id)
            .order_by(Guarantee.period.desc(), Guarantee.offering_id, Guarantee.id))
    if period:
        stmt = stmt.where(Guarantee.period == period)
    return list(s.exec(stmt))


# --- the developer's quota picture ------------------------------------------------------

def quota(s: Session, org_id: int) -> dict:
    org = s.get(Org, org_id)
    period = schedule.current_period(s, now())
    group = s.get(OrgGroup, org.group_id) if org.group_id else None
    members = s.exec(select(Org).where(Org.group_id == org.group_id)).all() if group else [org]
    group_weight = max(Decimal(m.weight) for m in members)
    rows = s.exec(select(Allocation.period, func.sum(Allocation.units)).where(Allocation.org_id == org_id)
                  .group_by(Allocation.period).order_by(Allocation.period.desc())).all()
    res = s.exec(select(Guarantee).where(Guarantee.org_id == org_id, Guarantee.period >= period)
                 .order_by(Guarantee.period, Guarantee.offering_id)).all()
    used = {(a, b): int(n) for a, b, n in s.exec(
        select(Allocation.offering_id, Allocation.period, func.sum(Allocation.units))
        .where(Allocation.org_id == org_id).group_by(Allocation.offering_id, Allocation.period))}
    return {
        "org_id": org.id, "period": period,
        "weight": str(Decimal(org.weight).normalize()),
        "group": None if group is None else {"id": group.id, "name": group.name,
                                             "members": [{"id": m.id, "name": m.name} for m in members],
                                             "weight": str(group_weight.normalize())},
        "reservations": [{"id": g.id, "offering_id": g.offering_id, "period": g.period, "units": g.units,
                          "used": used.get((g.offering_id, g.period), 0)} for g in res],
        "received": {"this_period": next((int(n) for p_, n in rows if p_ == period), 0),
                     "by_period": [{"period": p_, "units": int(n)} for p_, n in rows]},
    }
