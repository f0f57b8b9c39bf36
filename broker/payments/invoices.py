"""What a developer reads about paying: each order's payment state in plain words, totals
due and overdue per currency, and an invoice (page, print, HTML and PDF) with how to pay.

Words chosen so that nothing alarms without cause: an order not yet invoiced is "to pay by
<date>", not "unpaid"; only money past its due date is "overdue".
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import Session, select

from broker.access.principal import Principal, get_owned
from broker.models import Offering, Order, OrderStatus, Org
from broker.models.ledger import Payment
from broker.payments import charges, ledger
from broker.payments.queries import money, visible_orders
from broker.periods import period_end, period_start

METHOD_NAMES = {"checkout": "card (Stripe Checkout)", "invoice": "invoice, paid by bank transfer",
                "invoice_terms": "invoice with payment terms, paid by bank transfer"}


@dataclass
class OrderLine:
    order: Order
    title: str
    vendor: str
    payment: Payment | None
    amount_minor: int
    state: str  # paid | due | overdue | released | declined | failed | refunded
    text: str  # the state in a sentence
    due_at: datetime | None
    can_pay: bool

    @property
    def amount(self) -> str:
        return money(self.amount_minor, self.order.currency)


@dataclass
class Totals:
    currency: str
    due_minor: int = 0
    overdue_minor: int = 0
    paid_minor: int = 0
    due_count: int = 0
    overdue_count: int = 0

    def fmt(self, minor: int) -> str:
        return money(minor, self.currency)


def _names(s: Session, orders: list[Order]) -> tuple[dict, dict]:
    off_ids = {o.offering_id for o in orders}
    org_ids = {o.vendor_org_id for o in orders} | {o.developer_org_id for o in orders}
    offs = {o.id: o for o in s.exec(select(Offering).where(Offering.id.in_(off_ids)))} if off_ids else {}
    orgs = {o.id: o.name for o in s.exec(select(Org).where(Org.id.in_(org_ids)))} if org_ids else {}
    return offs, orgs


def _state(s: Session, order: Order, pay: Payment | None, at: datetime,
           windows: dict[str, int] | None = None) -> tuple[str, str, datetime | None, bool]:
    """(state, sentence, due, whether the developer can start paying now)."""
    due = pay.due_at if pay is not None else charges.due_at(s, order, windows)
    when = f"{due:%Y-%m-%d %H:%M} UTC"
    if order.status == OrderStatus.released:
        return "released", ("Released: not paid by " + when + ", so the units went back to the pool. "
                            "Nothing is owed."), None, False
    if order.status == OrderStatus.declined:
        return "declined", (f"Declined by the vendor ({order.decline_reason}); the units went back to "
                            "your request for the next spot round. Nothing is owed."), None, False
    if order.payment_status == "paid" or (pay is not None and pay.status == "paid"):
        paid = f" on {pay.paid_at:%Y-%m-%d}" if pay is not None and pay.paid_at else ""
        return "paid", f"Paid{paid}. Thank you.", None, False
    overdue = due < at
    if pay is not None and pay.status == "open" and pay.method in ("invoice", "invoice_terms"):
        if overdue:
            return "overdue", f"Invoice {pay.number} was due {when}: overdue.", due, False
        return "due", f"Invoice {pay.number} issued; pay by bank transfer by {when}.", due, False
    if pay is not None and pay.status == "failed":
        return ("overdue" if overdue else "failed",
                f"The card payment did not go through ({pay.reason or 'declined'}). Try again by {when}.", due, True)
    if pay is not None and pay.status == "open" and pay.method == "checkout":
        return ("overdue" if overdue else "due", f"Card checkout started; finish it by {when}.", due, True)
    if overdue:
        return "overdue", f"The payment window closed {when}; the order will be released.", due, False
    return "due", f"To pay by {when}. Work starts when it is paid.", due, True


def _payments_of(s: Session, orders: list[Order]) -> dict[int, Payment]:
    ids = [o.id for o in orders]
    return {p.order_id: p for p in s.exec(select(Payment).where(Payment.order_id.in_(ids)))} if ids else {}


def order_lines(s: Session, principal: Principal, at: datetime, *, after_id: int | None = None,
                limit: int = 25) -> list[OrderLine]:
    """One page of the developer's orders, newest first (keyset on the order id), each with
    its payment state in a sentence."""
    stmt = visible_orders(principal).order_by(Order.id.desc())
    if after_id:
        stmt = stmt.where(Order.id < after_id)
    orders = list(s.exec(stmt.limit(limit)))
    offs, orgs = _names(s, orders)
    pays, windows = _payments_of(s, orders), {}
    lines = []
    for o in orders:
        pay = pays.get(o.id)
        state, text, due, can_pay = _state(s, o, pay, at, windows)
        off = offs.get(o.offering_id)
        lines.append(OrderLine(o, off.title if off else "Capacity", orgs.get(o.vendor_org_id, "the vendor"), pay,
                               o.units * o.unit_price_minor, state, text, due, can_pay))
    return lines


def totals(s: Session, principal: Principal, at: datetime) -> list[Totals]:
    """Due, overdue and paid per currency over *all* the developer's orders (not one page)."""
    orders = list(s.exec(visible_orders(principal)))
    pays, windows, out = _payments_of(s, orders), {}, {}
    for o in orders:
        state = _state(s, o, pays.get(o.id), at, windows)[0]
        amount = o.units * o.unit_price_minor
        t = out.setdefault(o.currency, Totals(o.currency))
        if state == "paid":
            t.paid_minor += amount
        elif state in ("due", "failed"):
            t.due_minor += amount
            t.due_count += 1
        elif state == "overdue":
            t.overdue_minor += amount
            t.overdue_count += 1
    return [out[c] for c in sorted(out)]


@dataclass
class Invoice:
    payment: Payment
    order: Order
    number: str
    status: str  # open | paid | overdue | void | expired | failed
    status_text: str
    issued_at: datetime
    due_at: datetime
    bill_to: str
    vendor: str
    description: str
    period_text: str
    units: int
    unit_price: str
    amount: str
    fee_text: str
    method_text: str
    currency: str
    how_to_pay: list[str] = field(default_factory=list)
    can_pay_by_card: bool = False
    bank_details: str | None = None

    @property
    def reference(self) -> str:
        return self.number


def invoice(s: Session, principal: Principal, payment_id: int, at: datetime, *, stripe_on: bool,
            bank_details: str | None) -> Invoice:
    """The invoice of ``payment_id`` as its developer (or an operator) may read it; 404 otherwise."""
    pay = get_owned(s, Payment, payment_id, principal, what="invoice")
    order = s.get(Order, pay.order_id)
    offs, orgs = _names(s, [order])
    off = offs.get(order.offering_id)
    when = f"{pay.due_at:%Y-%m-%d %H:%M} UTC"
    overdue = pay.status == "open" and pay.due_at < at
    status, text = {
        "paid": ("paid", f"Paid on {pay.paid_at:%Y-%m-%d}." if pay.paid_at else "Paid."),
        "open": ("overdue", f"Overdue: it was due {when}.") if overdue else ("open", f"Due by {when}."),
        "void": ("void", f"Cancelled: {pay.reason or 'the order was released'}. Nothing is owed."),
        "expired": ("expired", f"Expired: {pay.reason or 'the checkout was not completed'}. Nothing is owed."),
        "failed": ("failed", f"The card payment failed ({pay.reason or 'declined'}); pay by {when}."),
    }.get(pay.status, (pay.status, pay.status))
    fee = ledger.fee_of(order.units * order.unit_price_minor, Decimal(order.fee_rate))
    start, end = period_start(order.period), period_end(order.period)
    inv = Invoice(
        payment=pay, order=order, number=pay.number, status=status, status_text=text,
        issued_at=pay.created_at, due_at=pay.due_at, bill_to=orgs.get(order.developer_org_id, "—"),
        vendor=orgs.get(order.vendor_org_id, "—"),
        description=f"{off.title if off else 'Capacity'} by {orgs.get(order.vendor_org_id, 'the vendor')} (order O-{order.id})",
        period_text=f"{order.period}: {start:%Y-%m-%d} to {end - timedelta(days=1):%Y-%m-%d}",
        units=order.units, unit_price=money(order.unit_price_minor, order.currency),
        amount=money(pay.amount_minor, pay.currency),
        fee_text=(f"Includes Parity's platform fee of {Decimal(order.fee_rate) * 100:.2f}% "
                  f"({money(fee, order.currency)}), paid out of the price, not added to it."),
        method_text=METHOD_NAMES.get(pay.method, pay.method), currency=pay.currency)
    if pay.status in ("open", "failed"):
        if pay.method == "checkout" and stripe_on:
            inv.can_pay_by_card = True
            inv.how_to_pay = ["Pay by card through Stripe Checkout: use “Pay by card” on this invoice's page "
                              "in Parity. The invoice shows as paid as soon as Stripe confirms it."]
        else:
            inv.bank_details = bank_details
            inv.how_to_pay = [
                f"Pay {inv.amount} by bank transfer by {when}.",
                (f"To: {bank_details}." if bank_details else
                 "Ask Parity's operators for the bank details (they are not configured on this installation)."),
                f"Reference: {pay.number} (put it on the transfer, so the payment is matched to this invoice).",
                "An operator marks the invoice paid when the money arrives; you are told by email.",
            ]
    return inv
