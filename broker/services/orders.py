"""Orders: each allocation becomes an order the vendor accepts and delivers against.

Units not delivered when the period ends are reported as short (``mark_shorts``, run by the
scheduler). A delivery with an ``external_id`` already recorded is a replay, not new work.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from broker.access.principal import Principal
from broker.clock import now
from broker.errors import ApiError
from broker.models import Allocation, Delivery, Notification, Offering, Order, OrderStatus, OrgKind
from broker.payments import service as payments
from broker.periods import period_end
from broker import audit

LIVE = (OrderStatus.offered, OrderStatus.accepted)



def holds_capacity():
    """SQL condition on Allocation: its units still occupy capacity. An order released for
    non-payment gives its units back to the pool (the next spot round can hand them out)."""
    released = select(Order.allocation_id).where(Order.status == OrderStatus.released)
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
        raise ApiError(f"Order {order.id} is {order.status.value}; only an offered order can be accepted.",
                       status=409, type_="conflict")
    before = audit.snapshot(order)
    order.status, order.accepted_at = OrderStatus.accepted, now()
    s.add(order)
    audit.record(s, p, "order.accept", "purchase_order", order.id, before=before, after=audit.snapshot(order))
    _notify(s, order, "order.accepted", f"The vendor accepted order #{order.id} ({order.units} units).")
    return order


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
            f"Order #{order.id}: {units} units delivered ({order.units_delivered} of {order.units}).",
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
        _notify(s, order, "order.short", f"Order #{order.id} ended {missing} units short.", missing=missing)
        s.add(Notification(org_id=order.vendor_org_id, kind="order.short",
                           message=f"Order #{order.id} ended {missing} units short.",
                           data={"order_id": order.id, "missing": missing}))
        n += 1
    return n


def offering_title(s: Session, order: Order) -> str:
    off = s.get(Offering, order.offering_id)
    return off.title if off else f"offering {order.offering_id}"
