"""Developers pay: start a payment for an order, record it paid or failed, settle invoices by
hand, and release orders left unpaid past their payment window.

Three ways to pay (``Payment.method``):
- ``checkout`` — Stripe Checkout in the order's currency (Stripe mode);
- ``invoice`` — the embedded mode's invoice, settled by hand by an operator, due within the
  payment window like a checkout;
- ``invoice_terms`` — organisations an operator approved for terms (``Org.invoice_terms_days``):
  the charge is booked at once against their receivable, work proceeds, and the invoice is due
  after the terms. Only this kind keeps an unpaid allocation past the payment window.
"""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from broker.access.principal import Principal
from broker.catalog.money import format_money
from broker.clock import now
from broker.errors import ApiError
from broker.models import RETURNED_ORDER_STATUSES, Notification, Offering, Order, OrderStatus, Org, OrgStatus
from broker.models.ledger import Payment
from broker.payments import ledger, payouts
from broker.payments.ledger import payment_of
from broker.payments.stripe_gateway import GatewayError, gateway
from broker.policy import current_params
from broker import audit

# Checkout sessions live at most 24 h at Stripe (and at least 30 min).
MAX_CHECKOUT_SECONDS = 24 * 3600


def number_of(order: Order) -> str:
    return f"INV-{order.period}-{order.id}"


def due_at(s: Session, order: Order, windows: dict[str, int] | None = None):
    """When ``order`` must be paid. ``windows`` memoises each period's payment window (hours)
    for callers that read many orders."""
    if order.payment_due_at is not None:
        return order.payment_due_at
    hours = windows.get(order.period) if windows is not None else None
    if hours is None:
        hours = int(current_params(s, order.period)["payment_window_hours"])
        if windows is not None:
            windows[order.period] = hours
    return order.created_at + timedelta(hours=hours)


def start(s: Session, order: Order, principal: Principal | None, *, success_url: str,
          cancel_url: str) -> Payment:
    """Take payment for ``order`` (idempotent: an open or settled payment is returned as is).
    A Stripe Checkout sends the payer back to ``success_url`` or ``cancel_url``."""
    if order.status == OrderStatus.released:
        raise ApiError(f"Order {order.id} was released: {_release_reason(s, order)}", status=409,
                       type_="order-released")
    if order.status == OrderStatus.declined:
        raise ApiError(f"Order {order.id} was declined by its vendor: {order.decline_reason}", status=409,
                       type_="order-declined")
    pay = payment_of(s, order.id)
    if pay is not None and (pay.status == "paid" or pay.method == "invoice_terms"
                            or (pay.status == "open" and (pay.method == "invoice" or pay.url))):
        return pay
    org = s.get(Org, order.developer_org_id)
    amount = order.units * order.unit_price_minor
    gw = gateway(s)
    if org.invoice_terms_days is not None and org.status == OrgStatus.approved:
        return _invoice_with_terms(s, order, org, pay, amount, principal)
    if gw is None:
        return _save(s, pay, order, principal, method="invoice", amount=amount, due=due_at(s, order))
    return _checkout(s, gw, order, pay, amount, principal, success_url, cancel_url)


def _save(s, pay, order, principal, **fields) -> Payment:
    before = audit.snapshot(pay)
    if pay is None:
        pay = Payment(order_id=order.id, org_id=order.developer_org_id, number=number_of(order),
                      currency=order.currency, amount_minor=fields.pop("amount"), due_at=fields.pop("due"),
                      **fields)
    else:
        pay.attempts += 1
        pay.amount_minor, pay.due_at = fields.pop("amount"), fields.pop("due")
        pay.status, pay.reason = "open", ""
        for k, v in fields.items():
            setattr(pay, k, v)
    s.add(pay)
    s.flush()
    audit.record(s, principal, "payment.start", "payment", pay.id, before, audit.snapshot(pay))
    return pay


def _invoice_with_terms(s, order, org, pay, amount, principal) -> Payment:
    due = now() + timedelta(days=org.invoice_terms_days)
    pay = _save(s, pay, order, principal, method="invoice_terms", amount=amount, due=due)
    txn = f"charge:o{order.id}"
    if not ledger.posted(s, txn):
        ledger.post(s, txn, "charge", order.currency,
                    {ledger.receivable(org.id): amount, ledger.held(org.id): -amount}, order_id=order.id)
    order.payment_status = "invoiced"
    s.add(order)
    return pay


def _checkout(s, gw, order, pay, amount, principal, success_url, cancel_url) -> Payment:
    off = s.get(Offering, order.offering_id)
    attempt = (pay.attempts + 1) if pay is not None else 1
    due = due_at(s, order)
    left = int((due - now()).total_seconds())
    expires = int((now() + timedelta(seconds=min(max(left, 1800), MAX_CHECKOUT_SECONDS))).timestamp())
    try:
        cs = gw.checkout_session(order_id=order.id, name=f"{off.title if off else 'Order'} · order {order.id} · {order.period}",
                                 units=order.units, unit_amount=order.unit_price_minor, currency=order.currency,
                                 success_url=success_url, cancel_url=cancel_url, expires_at=expires,
                                 key=f"parity-checkout-o{order.id}-a{attempt}")
    except GatewayError as e:
        raise ApiError(f"The payment could not be started: {e}", status=502, type_="payment-provider") from None
    return _save(s, pay, order, principal, method="checkout", amount=amount, due=due,
                 external_id=cs.id, url=cs.url)


def record_paid(s: Session, order: Order, *, payment_intent: str | None, external_id: str | None,
                principal: Principal | None = None, cash: str = ledger.CASH_STRIPE) -> bool:
    """Book the money received for ``order`` (once; later calls change nothing).

    Returns True when this call booked it. A payment that arrives for an order already
    released (paid after its window) is booked and owed back in full at once.
    """
    txn = f"charge:o{order.id}"
    if ledger.posted(s, txn):
        return False
    pay = payment_of(s, order.id)
    before = audit.snapshot(pay)
    amount = order.units * order.unit_price_minor
    ledger.post(s, txn, "charge", order.currency,
                {cash: amount, ledger.held(order.developer_org_id): -amount},
                order_id=order.id, external_id=payment_intent or external_id)
    if pay is not None:
        pay.status, pay.paid_at, pay.reason = "paid", now(), ""
        pay.payment_intent_id = payment_intent or pay.payment_intent_id
        s.add(pay)
        audit.record(s, principal, "payment.paid", "payment", pay.id, before, audit.snapshot(pay))
    if order.status in RETURNED_ORDER_STATUSES:
        payouts.owe_refund(s, order, reason=f"paid after the order was {order.status.value}")
    else:
        order.payment_status = "paid"
        s.add(order)
        payouts.accrue_earnings(s, order)  # units delivered before the money arrived
    return True


def record_failed(s: Session, order: Order, reason: str) -> None:
    pay = payment_of(s, order.id)
    if ledger.posted(s, f"charge:o{order.id}"):
        return  # a later success already booked it
    if pay is not None:
        before = audit.snapshot(pay)
        pay.status, pay.reason = "failed", reason[:500]
        s.add(pay)
        audit.record(s, None, "payment.failed", "payment", pay.id, before, audit.snapshot(pay))
    order.payment_status = "failed"
    s.add(order)


def mark_invoice_paid(s: Session, pay: Payment, principal: Principal) -> Payment:
    """An operator settles an invoice by hand (bank transfer received)."""
    if not principal.is_operator:
        raise ApiError("Only operators settle invoices.", status=403, type_="forbidden")
    if pay.method not in ("invoice", "invoice_terms"):
        raise ApiError(f"Payment {pay.number} is a card checkout; Stripe settles it.", status=409,
                       type_="not-an-invoice")
    if pay.status == "paid":
        return pay
    if pay.status != "open":
        raise ApiError(f"Invoice {pay.number} is {pay.status}; it cannot be paid.", status=409,
                       type_="invoice-not-open")
    order = s.get(Order, pay.order_id)
    if pay.method == "invoice_terms":
        before = audit.snapshot(pay)
        due = ledger.balance(s, ledger.receivable(order.developer_org_id), order_id=order.id)
        ledger.post(s, f"settlement:o{order.id}", "settlement", order.currency,
                    {ledger.CASH_BANK: due, ledger.receivable(order.developer_org_id): -due}, order_id=order.id)
        pay.status, pay.paid_at = "paid", now()
        s.add(pay)
        order.payment_status = "paid"
        s.add(order)
        audit.record(s, principal, "payment.paid", "payment", pay.id, before, audit.snapshot(pay))
    else:
        record_paid(s, order, payment_intent=None, external_id=None, principal=principal, cash=ledger.CASH_BANK)
    s.add(Notification(org_id=order.developer_org_id, kind="invoice.paid",
                       message=f"Payment received for invoice {pay.number}: "
                               f"{format_money(pay.amount_minor, pay.currency)}. Thank you.",
                       data={"payment_id": pay.id, "order_id": order.id, "number": pay.number}))
    return pay


def _release_reason(s: Session, order: Order) -> str:
    pay = payment_of(s, order.id)
    return pay.reason if pay is not None and pay.reason else "not paid within its payment window"


def give_back(s: Session, order: Order, status: OrderStatus, reason: str) -> None:
    """``order`` stops holding its units (``released`` unpaid, or ``declined`` by its vendor):
    the next spot round may hand them out again (``orders.holds_capacity``). An open payment
    is voided with ``reason``; money already received is owed back in full."""
    order.status = status
    s.add(order)
    pay = payment_of(s, order.id)
    if ledger.posted(s, f"charge:o{order.id}"):
        payouts.owe_refund(s, order, reason=reason)
    elif pay is not None and pay.status != "paid":
        pay.status, pay.reason = ("expired" if pay.method == "checkout" else "void"), reason[:500]
        s.add(pay)


def release_unpaid(s: Session, at) -> list[int]:
    """Orders not paid by their due time return to the pool (inside the caller's transaction).

    The order becomes ``released``; its payment row, a notification and the audit log carry
    the reason the developer sees. Orders under invoice terms are never released here.
    """
    stmt = select(Order).where(Order.status.in_([OrderStatus.offered, OrderStatus.accepted]),
                               Order.payment_status.in_(["unpaid", "failed"]))
    released = []
    for order in s.exec(stmt.order_by(Order.id)).all():
        due = due_at(s, order)
        if due > at or ledger.posted(s, f"charge:o{order.id}"):
            continue
        pay = payment_of(s, order.id)
        if pay is not None and pay.method == "invoice_terms":
            continue
        hours = int(current_params(s, order.period)["payment_window_hours"])
        reason = (f"Not paid by {due:%Y-%m-%d %H:%M} UTC (payment window {hours} h): the {order.units} "
                  f"units went back to the pool for the next spot round.")
        before = audit.snapshot(order)
        give_back(s, order, OrderStatus.released, reason)
        if pay is None:
            s.add(Payment(order_id=order.id, org_id=order.developer_org_id, number=number_of(order),
                          method="invoice" if gateway(s) is None else "checkout", status="void",
                          amount_minor=order.units * order.unit_price_minor, currency=order.currency,
                          due_at=due, reason=reason))
        s.add(Notification(org_id=order.developer_org_id, kind="order.released", created_at=at,
                           message=f"Order #{order.id} released. {reason}",
                           data={"order_id": order.id, "units": order.units, "due_at": due.isoformat()}))
        s.add(Notification(org_id=order.vendor_org_id, kind="order.released", created_at=at,
                           message=f"Order #{order.id} was released unpaid; do not start its work.",
                           data={"order_id": order.id}))
        audit.record(s, None, "order.release_unpaid", "order", order.id, before,
                     audit.snapshot(order) | {"reason": reason})
        released.append(order.id)
    return released
