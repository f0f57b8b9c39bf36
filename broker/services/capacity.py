"""Capacity per period: a vendor may raise it any time and lower it only down to what is
already committed (units allocated, and reservations, whose total may never exceed capacity)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, func, select

from broker.access.principal import Principal
from broker.errors import ApiError
from broker.models import Allocation, Capacity, Guarantee
from broker.periods import period_end, period_of, periods_from, validate_period
from broker import audit
from broker.services.offerings import exposure_limit, exposure_refusal, get_for_change, invalid
from broker.services.orders import holds_capacity

MAX_UNITS = 1_000_000_000
MAX_PERIODS_AHEAD = 104  # two years of weeks


def committed(s: Session, offering_id: int, period: str) -> tuple[int, int]:
    """(units allocated, units reserved) at the offering in the period."""
    allocated = s.exec(select(func.coalesce(func.sum(Allocation.units), 0)).where(
        Allocation.offering_id == offering_id, Allocation.period == period, holds_capacity())).one()
    reserved = s.exec(select(func.coalesce(func.sum(Guarantee.units), 0)).where(
        Guarantee.offering_id == offering_id, Guarantee.period == period)).one()
    return int(allocated), int(reserved)


def of_offering(s: Session, offering_id: int, from_period: str) -> list[Capacity]:
    return list(s.exec(select(Capacity).where(Capacity.offering_id == offering_id,
                                              Capacity.period >= from_period).order_by(Capacity.period)))


def set_capacity(s: Session, actor: Principal, offering_id: int, *, period: str, units: int,
                 now: datetime) -> Capacity:
    offering = get_for_change(s, actor, offering_id)
    try:
        validate_period(period)
    except ValueError as e:
        raise invalid([{"field": "period", "message": str(e)}]) from None
    if not isinstance(units, int) or isinstance(units, bool) or not 0 <= units <= MAX_UNITS:
        raise invalid([{"field": "units", "message": f"must be a whole number from 0 to {MAX_UNITS:,}"}])
    if period_end(period) <= now:
        raise invalid([{"field": "period", "message": "this period is over"}])
    if period > periods_from(period_of(now), MAX_PERIODS_AHEAD)[-1]:
        raise invalid([{"field": "period", "message": f"at most {MAX_PERIODS_AHEAD} weeks ahead"}])
    limit = exposure_limit(s, offering, period)
    if limit is not None and units > limit[0]:
        raise exposure_refusal(limit[1], limit[0])
    row = s.exec(select(Capacity).where(Capacity.offering_id == offering.id, Capacity.period == period)).first()
    before = audit.snapshot(row)
    if row is None or units < row.units:
        allocated, reserved = committed(s, offering.id, period)
        floor = max(allocated, reserved)
        if units < floor:
            raise ApiError(f"Capacity for {period} can go down only to {floor} units: {allocated} are "
                           f"allocated and {reserved} reserved.", status=409, type_="capacity-committed",
                           errors=[{"field": "units", "message": f"at least {floor}"}])
    if row is None:
        row = Capacity(offering_id=offering.id, period=period, units=units, updated_at=now)
    else:
        row.units, row.updated_at = units, now
    s.add(row)
    s.flush()
    if before is None or before["units"] != units:
        audit.record(s, actor, "capacity.set", "capacity", row.id, before=before, after=audit.snapshot(row))
    return row
