"""What the broker calls, each inside the caller's ``db.transaction``:

- ``on_allocation_confirmed(s, order, principal)`` — the developer confirms: start payment
  (Stripe Checkout, or an invoice in the embedded mode or under approved terms);
- ``on_delivery_recorded(s, order, delivery)`` — book the vendor's earnings; the transfer
  goes out right after the commit (and from the scheduler if that fails);
- ``on_period_end(s, period)`` — owe the developer the undelivered units; refunds go out
  after the commit;
- ``release_unpaid(s, now)`` — unpaid orders past their window return to the pool.

``settle(s, at)`` is the scheduler job's body: release overdue orders, close ended periods,
send whatever payouts and refunds are still due.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, select

from broker import db
from broker.access.principal import Principal
from broker.errors import ApiError
from broker.models import Delivery, Order
from broker.models.ledger import Payment
from broker.payments import charges, ledger, payouts
from broker.periods import period_end

# Deliveries recorded up to a day after a period ends still count before its refunds.
DELIVERY_GRACE = timedelta(hours=24)


def on_allocation_confirmed(s: Session, order: Order, principal: Principal | None, *,
                            success_url: str, cancel_url: str) -> Payment:
    if principal is not None and not principal.is_operator and principal.org_id != order.developer_org_id:
        raise ApiError(f"No order {order.id} is visible to you.", status=404, type_="not-found")
    return charges.start(s, order, principal, success_url=success_url, cancel_url=cancel_url)


def on_delivery_recorded(s: Session, order: Order, delivery: Delivery | None = None) -> str | None:
    """Book what the delivered units earned (cumulative, so the delivery argument is only
    a witness: calling it twice, or once for two deliveries, books the same)."""
    s.flush()  # the caller's new Delivery row must count
    return payouts.accrue_earnings(s, order)


def on_period_end(s: Session, period: str) -> list[int]:
    """Owe back what was not delivered in ``period`` (idempotent). Returns the orders refunded."""
    refunded = []
    for order in s.exec(select(Order).where(Order.period == period).order_by(Order.id)).all():
        if not ledger.order_money(s, order).charged:
            continue
        payouts.accrue_earnings(s, order)
        if payouts.owe_refund(s, order, reason=f"period {period} ended with "
                              f"{order.units - ledger.delivered_units(s, order)} units undelivered"):
            refunded.append(order.id)
    return refunded


def release_unpaid(s: Session, now: datetime) -> list[int]:
    return charges.release_unpaid(s, now)


def ended_periods(s: Session, at: datetime) -> list[str]:
    """Periods past their end (plus the delivery grace) that still hold money."""
    periods = s.exec(select(Order.period).where(Order.payment_status.in_(["paid", "invoiced"]))
                     .distinct()).all()
    out = []
    for p in sorted(periods):
        if period_end(p) + DELIVERY_GRACE > at:
            continue
        orders = s.exec(select(Order).where(Order.period == p)).all()
        if any(ledger.order_money(s, o).held > 0 for o in orders):
            out.append(p)
    return out


def settle(s: Session, at: datetime) -> str:
    """The scheduler's payments job (idempotent; safe to run any time)."""
    with db.transaction(s):
        released = release_unpaid(s, at)
    closed = []
    for p in ended_periods(s, at):
        with db.transaction(s):
            on_period_end(s, p)
        closed.append(p)
    sent = payouts.release_due(s)
    return (f"released {len(released)} unpaid orders; closed periods {closed or 'none'}; "
            f"{len(sent)} payouts/refunds: " + "; ".join(sent[:5]))

