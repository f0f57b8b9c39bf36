"""The double-entry ledger: balanced transactions, balances, and the per-order invariant.

Every movement of money is one transaction of two or more legs (``LedgerEntry`` rows sharing
a ``txn_id``) whose amounts sum to zero; debits are positive, credits negative. Transaction
ids are deterministic (derived from the order and what happened to it), and the table holds
each account at most once per transaction, so posting the same transaction twice fails in
the database instead of counting money twice.

Accounts (``{org}`` is an org id):

| account | nature | holds |
|---|---|---|
| ``developer:{org}:held`` | liability | money received for an order and not yet earned or refunded |
| ``developer:{org}:receivable`` | asset | invoiced under terms and not yet paid |
| ``developer:{org}:refund_due`` | liability | refunds owed, not yet sent |
| ``vendor:{org}:payable`` | liability | earned by the vendor, not yet transferred |
| ``platform:fees`` | revenue | the platform fee |
| ``cash:stripe`` / ``cash:bank`` | asset | Parity's balance at Stripe / settled by hand |
| ``stripe:disputed`` | asset | funds Stripe withdrew for a dispute |
| ``platform:refunds_outside_parity`` | expense | refunds made in Stripe's dashboard beyond what an order held |
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlmodel import Session, func, select

from broker.models import LedgerEntry, Order
from broker.models.ledger import Payment

KINDS = ("charge", "settlement", "earn", "payout", "refund_due", "refund", "reversal", "dispute")


class LedgerError(Exception):
    """A transaction that would not balance: a programming error, never a user error."""


def held(org_id: int) -> str:
    return f"developer:{org_id}:held"


def receivable(org_id: int) -> str:
    return f"developer:{org_id}:receivable"


def refund_due(org_id: int) -> str:
    return f"developer:{org_id}:refund_due"


def payable(org_id: int) -> str:
    return f"vendor:{org_id}:payable"


FEES = "platform:fees"
CASH_STRIPE = "cash:stripe"
CASH_BANK = "cash:bank"
DISPUTED = "stripe:disputed"
REFUNDS_OUTSIDE = "platform:refunds_outside_parity"


def fee_of(gross_minor: int, rate: Decimal) -> int:
    """The platform fee on ``gross_minor``, rounded half up to a whole minor unit."""
    return int((Decimal(gross_minor) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def post(s: Session, txn_id: str, kind: str, currency: str, legs: dict[str, int], *,
         order_id: int | None = None, idempotency_key: str | None = None,
         external_id: str | None = None) -> list[LedgerEntry]:
    """Add one balanced transaction to the session (the caller's transaction commits it)."""
    if kind not in KINDS:
        raise LedgerError(f"unknown kind {kind!r}")
    legs = {a: int(v) for a, v in legs.items() if int(v) != 0}
    if len(legs) < 2 or sum(legs.values()) != 0:
        raise LedgerError(f"transaction {txn_id} does not balance: {legs}")
    rows = [LedgerEntry(txn_id=txn_id, account=a, amount_minor=v, currency=currency, order_id=order_id,
                        kind=kind, idempotency_key=idempotency_key, external_id=external_id)
            for a, v in sorted(legs.items())]
    s.add_all(rows)
    s.flush()
    return rows


def posted(s: Session, txn_id: str) -> bool:
    return s.exec(select(LedgerEntry.id).where(LedgerEntry.txn_id == txn_id).limit(1)).first() is not None


def balance(s: Session, account: str, currency: str | None = None, order_id: int | None = None) -> int:
    stmt = select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(LedgerEntry.account == account)
    if currency:
        stmt = stmt.where(LedgerEntry.currency == currency)
    if order_id is not None:
        stmt = stmt.where(LedgerEntry.order_id == order_id)
    return int(s.exec(stmt).one())


@dataclass(frozen=True)
class OrderMoney:
    """Where an order's money is, in minor units of its currency (all non-negative)."""

    order_id: int
    currency: str
    charged: int  # received from the developer (or invoiced under terms)
    earned: int  # gross value of delivered units taken from the held funds
    fee: int  # platform fee out of ``earned``
    vendor_share: int  # earned − fee
    paid_out: int  # transferred to the vendor (net of reversals)
    refunded: int  # owed back to the developer for undelivered units
    refund_sent: int  # of which already sent
    held: int  # still held for undelivered units

    @property
    def settled(self) -> bool:
        """Nothing left in flight: the identity charged = paid out + fee + refunded holds."""
        return self.held == 0 and self.paid_out == self.vendor_share and self.refund_sent == self.refunded


def order_money(s: Session, order: Order) -> OrderMoney:
    rows = s.exec(select(LedgerEntry.account, LedgerEntry.kind, func.sum(LedgerEntry.amount_minor))
                  .where(LedgerEntry.order_id == order.id)
                  .group_by(LedgerEntry.account, LedgerEntry.kind)).all()
    by = defaultdict(int)
    for account, kind, amount in rows:
        by[(account.split(":")[-1] if account.startswith(("developer:", "vendor:")) else account, kind)] += int(amount)
    charged = -by[("held", "charge")]
    earned = by[("held", "earn")]
    fee = -by[(FEES, "earn")]
    vendor_share = -by[("payable", "earn")]
    paid_out = by[("payable", "payout")] + by[("payable", "reversal")]
    refunded = by[("held", "refund_due")]
    refund_sent = by[("refund_due", "refund")]
    held_now = -sum(v for (a, _), v in by.items() if a == "held")
    return OrderMoney(order.id, order.currency, charged, earned, fee, vendor_share, paid_out,
                      refunded, refund_sent, held_now)


def check_order(s: Session, order: Order) -> list[str]:
    """Every way the order's money could be wrong; empty when it is right.

    charged = vendor share + fee + refunded + still held, with nothing negative; the fee is
    the order's fee rate on what was earned; nothing is paid or refunded beyond what is owed;
    earnings never exceed the delivered units' value. Once settled, charged = paid out + fee
    + refunded exactly.
    """
    m = order_money(s, order)
    p = []
    name = f"order {order.id}"
    if m.charged != m.vendor_share + m.fee + m.refunded + m.held:
        p.append(f"{name}: charged {m.charged} != vendor {m.vendor_share} + fee {m.fee} + refunded {m.refunded} + held {m.held}")
    if m.earned != m.vendor_share + m.fee:
        p.append(f"{name}: earned {m.earned} != vendor share {m.vendor_share} + fee {m.fee}")
    for field in ("charged", "earned", "fee", "paid_out", "refunded", "refund_sent", "held"):
        if getattr(m, field) < 0:
            p.append(f"{name}: {field} is negative ({getattr(m, field)})")
    if m.fee != fee_of(m.earned, order.fee_rate):
        p.append(f"{name}: fee {m.fee} is not {order.fee_rate} of {m.earned}")
    if m.paid_out > m.vendor_share:
        p.append(f"{name}: paid out {m.paid_out} more than the vendor earned ({m.vendor_share})")
    if m.refund_sent > m.refunded:
        p.append(f"{name}: refunded {m.refund_sent} more than owed ({m.refunded})")
    if m.earned > delivered_units(s, order) * order.unit_price_minor:
        p.append(f"{name}: earned {m.earned} more than the delivered units are worth")
    if m.charged and m.charged != order.units * order.unit_price_minor:
        p.append(f"{name}: charged {m.charged} != {order.units} units × {order.unit_price_minor}")
    return p


def delivered_units(s: Session, order: Order) -> int:
    """Units delivered so far (the delivery rows, or the order's counter if it is ahead), at
    most the units ordered."""
    from broker.models import Delivery

    units = s.exec(select(func.coalesce(func.sum(Delivery.units), 0)).where(Delivery.order_id == order.id)).one()
    return min(max(int(units), order.units_delivered or 0), order.units)


def unbalanced_transactions(s: Session) -> list[str]:
    rows = s.exec(select(LedgerEntry.txn_id, LedgerEntry.currency, func.sum(LedgerEntry.amount_minor))
                  .group_by(LedgerEntry.txn_id, LedgerEntry.currency)
                  .having(func.sum(LedgerEntry.amount_minor) != 0)).all()
    return [f"transaction {t} ({c}) sums to {n}" for t, c, n in rows]


def check_all(s: Session) -> list[str]:
    """The whole ledger: every transaction balances and every order's invariant holds."""
    problems = unbalanced_transactions(s)
    ids = [i for i in s.exec(select(LedgerEntry.order_id).where(LedgerEntry.order_id.is_not(None)).distinct())]
    for order in s.exec(select(Order).where(Order.id.in_(ids))) if ids else []:
        problems += check_order(s, order)
    return problems


def payment_of(s: Session, order_id: int) -> Payment | None:
    """The payment taken (or being taken) for an order: at most one per order."""
    return s.exec(select(Payment).where(Payment.order_id == order_id)).first()
