"""Orders: each allocation becomes an order the vendor accepts (or declines, with a reason)
and delivers against.

A declined order gives its units back exactly as an order released unpaid does
(``payments.charges.give_back``): the allocation stops holding capacity, so the next spot
round may hand the units out again, and the developer's request wants them again (its
``units_allocated`` goes down, with a ``reopened`` receipt, so the developer's own check of
later rounds still adds up).

Units not delivered when the period ends are reported as short (``mark_shorts``, run by the
scheduler). A delivery with an ``external_id`` already recorded is a replay, not new work.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from broker.access.principal import Principal
from broker.clock import now
from broker.errors import ApiError
from broker.models import (OPEN_REQUEST_STATUSES, RETURNED_ORDER_STATUSES, Allocation, CapacityRequest, Delivery,
                           Notification, Offering, Order, OrderStatus, Org, OrgKind, RequestStatus, User)
from broker.payments import charges, service as payments
from broker.periods import period_end, period_start
from broker import audit
from broker.services import receipts
from broker.tlog import service as tlog

LIVE = (OrderStatus.offered, OrderStatus.accepted)



MAX_REASON = 1000


def number(order_id: int) -> str:
    """How people read an order's number (``O-187``); requests read ``R-212``."""
    return f"O-{order_id}"


def holds_capacity():
    """SQL condition on Allocation: its units still occupy capacity. An order released for
    non-payment or declined by its vendor gives its units back to the pool (the next spot
    round can hand them out)."""
    released = select(Order.allocation_id).where(Order.status.in_(RETURNED_ORDER_STATUSES))
    return Allocation.id.not_in(released)

def _scope(stmt, p: Principal):
    if p.is_operator:
        return stmt
    column = Order.vendor_org_id if p.role == OrgKind.vendor else Order.developer_org_id
    return stmt.where(column == p.org_id)


def list_for(s: Session, p: Principal, *, status: str | None = None, after_id: int | None = None,
             limit: int = 50) -> list[Order]:
    stmt = _scope(select(Order), p)
    if status:
        stmt = stmt.where(Order.status == OrderStatus(status))
    if after_id:
        stmt = stmt.where(Order.id < after_id)
    return list(s.exec(stmt.order_by(Order.id.desc()).limit(limit)))


def get(s: Session, p: Principal, order_id: int, *, lock: bool = False) -> Order:
    stmt = _scope(select(Order).where(Order.id == order_id), p)
    if lock:
        stmt = stmt.with_for_update()
    order = s.exec(stmt).first()
    if order is None:
        raise ApiError(f"No order {order_id} is visible to you.", status=404, type_="not-found")
    return order


def _vendor_only(p: Principal, order: Order) -> None:
    if not p.is_operator and (p.role != OrgKind.vendor or order.vendor_org_id != p.org_id):
        raise ApiError("Only the vendor of this order can do that.", status=403, type_="forbidden")


def _notify(s: Session, order: Order, kind: str, message: str, **data) -> None:
    s.add(Notification(org_id=order.developer_org_id, kind=kind, message=message,
                       data={"order_id": order.id, **data}))


def accept(s: Session, p: Principal, order_id: int) -> Order:
    order = get(s, p, order_id, lock=True)
    _vendor_only(p, order)
    if order.status != OrderStatus.offered:
        raise ApiError(f"Order {number(order.id)} is {order.status.value}; only an offered order can be accepted.",
                       status=409, type_="conflict")
    before = audit.snapshot(order)
    order.status, order.accepted_at = OrderStatus.accepted, now()
    s.add(order)
    audit.record(s, p, "order.accept", "purchase_order", order.id, before=before, after=audit.snapshot(order))
    _notify(s, order, "order.accepted",
            f"{_vendor_name(s, order)} accepted order {number(order.id)}: {order.units:,} units of "
            f"{offering_title(s, order)} for {order.period}.")
    return order


def _vendor_name(s: Session, order: Order) -> str:
    org = s.get(Org, order.vendor_org_id)
    return org.name if org else "The vendor"


def decline(s: Session, p: Principal, order_id: int, *, reason: str) -> Order:
    """The vendor declines ``order`` with a reason the developer reads. Allowed while nothing
    has been delivered (offered, or accepted with no delivery); the units go back to the pool
    for the next spot round and back to the developer's request, which waits for them again."""
    reason = (reason or "").strip()
    if not reason or "\x00" in reason:
        raise ApiError("reason: say why you decline (the developer reads it).", status=422, type_="validation",
                       errors=[{"field": "reason", "message": "required"}])
    if len(reason) > MAX_REASON:
        raise ApiError(f"reason: at most {MAX_REASON} characters.", status=422, type_="validation",
                       errors=[{"field": "reason", "message": f"at most {MAX_REASON} characters"}])
    tlog.lock(s)  # the log's lock before any row's, as rounds take them (the reopened receipt)
    order = get(s, p, order_id, lock=True)
    _vendor_only(p, order)
    if order.status not in LIVE or order.units_delivered > 0:
        state = ("partly delivered" if order.status == OrderStatus.accepted else order.status.value)
        raise ApiError(f"Order {number(order.id)} is {state}; only an order with nothing delivered yet can be "
                       "declined.", status=409, type_="conflict")
    t = now()
    before = audit.snapshot(order)
    order.declined_at, order.decline_reason = t, reason
    charges.give_back(s, order, OrderStatus.declined, f"declined by the vendor: {reason}")
    s.flush()
    reopened = _reopen_request(s, order, t)
    audit.record(s, p, "order.decline", "purchase_order", order.id, before=before,
                 after=audit.snapshot(order) | {"request_reopened": reopened})
    what = f"{order.units:,} units of {offering_title(s, order)} for {order.period}"
    then = (" Your request wants them again: the next spot round can allocate them, at this vendor or another."
            if reopened else " The units went back to the pool for the next spot round.")
    _notify(s, order, "order.declined",
            f"{_vendor_name(s, order)} declined order {number(order.id)} ({what}). Reason: {reason}.{then}",
            reason=reason, units=order.units, request_id=reopened)
    return order


def _reopen_request(s: Session, order: Order, t: datetime) -> int | None:
    """Give a declined order's units back to its request, unless the request was cancelled
    or has expired. Returns the request's id when it was reopened."""
    alloc = s.get(Allocation, order.allocation_id)
    req = s.exec(select(CapacityRequest).where(CapacityRequest.id == alloc.request_id).with_for_update()).first() \
        if alloc else None
    if req is None or req.status not in OPEN_REQUEST_STATUSES + (RequestStatus.allocated,):
        return None
    before = audit.snapshot(req)
    req.units_allocated = max(0, req.units_allocated - order.units)
    req.status = RequestStatus.partial if req.units_allocated else RequestStatus.pending
    req.reason, req.updated_at = {}, t
    s.add(req)
    s.flush()
    audit.record(s, None, "request.reopen", "capacity_request", req.id, before=before, after=audit.snapshot(req))
    receipts.issue(s, req, "reopened", t)
    return req.id


def deliver(s: Session, p: Principal, order_id: int, *, units: int, delivered_at: datetime | None = None,
            external_id: str | None = None, note: str = "") -> Delivery:
    order = get(s, p, order_id, lock=True)
    _vendor_only(p, order)
    t = now()
    if "\x00" in (note or "") + (external_id or ""):
        raise ApiError("note: may not contain the NUL character.", status=422, type_="validation",
                       errors=[{"field": "note", "message": "NUL character"}])
    if external_id:
        seen = s.exec(select(Delivery).where(Delivery.order_id == order.id,
                                             Delivery.external_id == external_id)).first()
        if seen is not None:
            if seen.units != units:
                raise ApiError("external_id: already recorded with a different number of units.",
                               status=409, type_="conflict",
                               errors=[{"field": "external_id", "message": "reused with other units"}])
            return seen
    if order.status != OrderStatus.accepted:
        raise ApiError(f"Order {order.id} is {order.status.value}; deliveries are recorded against an "
                       "accepted order.", status=409, type_="conflict")
    delivered_at = delivered_at or t
    if delivered_at > t:
        raise ApiError("delivered_at: cannot be in the future.", status=422, type_="validation",
                       errors=[{"field": "delivered_at", "message": "in the future"}])
    if delivered_at < order.created_at or delivered_at >= period_end(order.period):
        raise ApiError("delivered_at: must fall between the order and the end of its period.",
                       status=422, type_="validation",
                       errors=[{"field": "delivered_at", "message": "outside the order's period"}])
    left = order.units - order.units_delivered
    if isinstance(units, bool) or not isinstance(units, int) or not (1 <= units <= left):
        raise ApiError(f"units: must be from 1 to the {left} units still to deliver.", status=422,
                       type_="validation", errors=[{"field": "units", "message": f"1..{left}"}])
    before = audit.snapshot(order)
    d = Delivery(order_id=order.id, units=units, delivered_at=delivered_at, external_id=external_id or None,
                 note=(note or "")[:1000])
    s.add(d)
    order.units_delivered += units
    if order.units_delivered == order.units:
        order.status = OrderStatus.delivered
    s.add(order)
    s.flush()
    audit.record(s, p, "delivery.record", "delivery", d.id, after=audit.snapshot(d))
    audit.record(s, p, "order.progress", "purchase_order", order.id, before=before, after=audit.snapshot(order))
    payments.on_delivery_recorded(s, order, d)
    _notify(s, order, "delivery.new",
            f"Order {number(order.id)}: {units:,} units delivered ({order.units_delivered:,} of {order.units:,}).",
            units=units, delivery_id=d.id)
    return d


def deliveries(s: Session, order: Order) -> list[Delivery]:
    return list(s.exec(select(Delivery).where(Delivery.order_id == order.id).order_by(Delivery.delivered_at)))


def mark_shorts(s: Session, t: datetime) -> int:
    """Orders of ended periods still missing units become ``short`` (idempotent)."""
    n = 0
    for order in s.exec(select(Order).where(Order.status.in_(LIVE)).with_for_update()):
        if period_end(order.period) > t:
            continue
        before = audit.snapshot(order)
        order.status = OrderStatus.short
        s.add(order)
        audit.record(s, None, "order.short", "purchase_order", order.id, before=before, after=audit.snapshot(order))
        missing = order.units - order.units_delivered
        _notify(s, order, "order.short", f"Order {number(order.id)} ended {missing:,} units short.", missing=missing)
        s.add(Notification(org_id=order.vendor_org_id, kind="order.short",
                           message=f"Order {number(order.id)} ended {missing:,} units short.",
                           data={"order_id": order.id, "missing": missing}))
        n += 1
    return n


def offering_title(s: Session, order: Order) -> str:
    off = s.get(Offering, order.offering_id)
    return off.title if off else f"offering {order.offering_id}"


def delivery_schedule(units: int, start: datetime, due: datetime) -> list[tuple[datetime, int]]:
    """An even pace: (end of each UTC day from ``start`` to ``due``, units due by then in
    total). Whole units, the last day catches the remainder; one row when ``due`` is within a
    day of ``start``. A guide for the vendor, not a term of the order."""
    if due <= start:
        return [(due, units)]
    days = []
    day_end = start.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    while day_end < due:
        days.append(day_end)
        day_end += timedelta(days=1)
    days.append(due)
    span = (due - start).total_seconds()
    out = []
    for d in days:
        out.append((d, min(units, (units * int((d - start).total_seconds())) // int(span))))
    out[-1] = (due, units)
    return out


def work_sheet(s: Session, order: Order) -> dict:
    """What a vendor needs to do the work: who ordered it, their instructions, the deadline,
    the period, a delivery schedule and a person to contact."""
    alloc = s.get(Allocation, order.allocation_id)
    req = s.get(CapacityRequest, alloc.request_id) if alloc else None
    customer = s.get(Org, order.developer_org_id)
    vendor = s.get(Org, order.vendor_org_id)
    contact = s.get(User, req.created_by_user_id) if req is not None and req.created_by_user_id else None
    if contact is None:
        contact = s.exec(select(User).where(User.org_id == order.developer_org_id, User.is_active.is_(True))
                         .order_by(User.id)).first()
    start = max(order.created_at, period_start(order.period))
    if req is not None and req.earliest_start is not None:
        start = max(start, req.earliest_start)
    due = period_end(order.period)
    if req is not None and req.deadline is not None:
        due = min(due, req.deadline)
    return {"customer": customer, "vendor": vendor, "request": req, "contact": contact,
            "instructions_ref": req.instructions_ref if req is not None else "",
            "deadline": req.deadline if req is not None else None,
            "period_start": period_start(order.period), "period_end": period_end(order.period),
            "start": start, "due": due, "schedule": delivery_schedule(order.units, start, due),
            "offering": s.get(Offering, order.offering_id)}


def list_facts(s: Session, rows: list[Order]) -> dict[int, dict]:
    """For a list of orders, in three queries: order id → {customer, vendor, offering, due}
    (what ``work_sheet`` gives one order, without the contact and schedule)."""
    if not rows:
        return {}
    orgs = {o.id: o for o in s.exec(select(Org).where(Org.id.in_(
        {r.developer_org_id for r in rows} | {r.vendor_org_id for r in rows})))}
    offs = {o.id: o for o in s.exec(select(Offering).where(Offering.id.in_({r.offering_id for r in rows})))}
    deadlines = dict(s.exec(select(Allocation.id, CapacityRequest.deadline)
                            .join(CapacityRequest, CapacityRequest.id == Allocation.request_id)
                            .where(Allocation.id.in_([r.allocation_id for r in rows]))).all())
    out = {}
    for r in rows:
        due = period_end(r.period)
        if deadlines.get(r.allocation_id) is not None:
            due = min(due, deadlines[r.allocation_id])
        out[r.id] = {"customer": orgs.get(r.developer_org_id), "vendor": orgs.get(r.vendor_org_id),
                     "offering": offs.get(r.offering_id), "due": due}
    return out
