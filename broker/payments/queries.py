"""What each caller may read about money, scoped through ``owned()``: a developer sees its
orders' payments and ledger lines, a vendor its payouts, an operator everything."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from broker.access.principal import Principal, owned
from broker.catalog.money import format_money
from broker.models import LedgerEntry, Offering, Order, OrgKind
from broker.models.ledger import Payment
from broker.payments import ledger

ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX",
                "VND", "VUV", "XAF", "XOF", "XPF"}


def money(minor: int | None, currency: str) -> str:
    """Display form of an amount: ``USD 1,234.50`` (``catalog.money.format_money``, the one
    form every page uses; never through a float)."""
    if minor is None:
        return "—"
    return format_money(int(minor), currency.upper())


def _order_column(principal: Principal) -> str:
    return "vendor_org_id" if principal.role == OrgKind.vendor else "developer_org_id"


def visible_orders(principal: Principal):
    """A SELECT over the orders the principal may see (by its side of the order)."""
    return owned(select(Order), Order, principal, _order_column(principal))


def visible_order(s: Session, principal: Principal, order_id: int) -> Order | None:
    return s.exec(visible_orders(principal).where(Order.id == order_id)).first()


def orders(s: Session, principal: Principal, limit: int = 10) -> list[tuple[Order, Offering, Payment | None]]:
    """The newest orders with their offering and payment (the payments page's summary; every
    order is on the paged /orders)."""
    rows = s.exec(visible_orders(principal).order_by(Order.id.desc()).limit(limit)).all()
    offs = {o.id: o for o in s.exec(select(Offering).where(Offering.id.in_({r.offering_id for r in rows})))} if rows else {}
    pays = {p.order_id: p for p in s.exec(select(Payment).where(Payment.order_id.in_([r.id for r in rows])))} if rows else {}
    return [(r, offs.get(r.offering_id), pays.get(r.id)) for r in rows]


INVOICE_METHODS = ("invoice", "invoice_terms")


def payments(s: Session, principal: Principal, *, after_id: int | None = None, limit: int = 50,
             status: str | None = None, methods: tuple[str, ...] | None = None) -> list[Payment]:
    """The caller's payments, newest first (keyset on the id); ``methods`` narrows them, e.g.
    to ``INVOICE_METHODS``."""
    stmt = owned(select(Payment), Payment, principal)
    if principal.role == OrgKind.vendor:
        return []
    if status:
        stmt = stmt.where(Payment.status == status)
    if methods:
        stmt = stmt.where(Payment.method.in_(methods))
    if after_id:
        stmt = stmt.where(Payment.id < after_id)
    return list(s.exec(stmt.order_by(Payment.id.desc()).limit(limit)).all())


def entries(s: Session, principal: Principal, *, after_id: int | None = None, limit: int = 50) -> list[LedgerEntry]:
    """Ledger lines of the caller's orders (every leg, fees included: fees are public)."""
    stmt = select(LedgerEntry).order_by(LedgerEntry.id.desc())
    if not principal.is_operator:
        stmt = stmt.where(LedgerEntry.order_id.in_(visible_orders(principal).with_only_columns(Order.id)))
    if after_id:
        stmt = stmt.where(LedgerEntry.id < after_id)
    return list(s.exec(stmt.limit(limit)).all())


@dataclass(frozen=True)
class PayoutLine:
    entry_id: int  # the earning's ledger line: the list's order and its page key
    txn_id: str
    order_id: int
    amount_minor: int
    currency: str
    status: str  # paid | pending | reversed
    transfer_id: str | None
    at: datetime


def payouts(s: Session, principal: Principal, *, after_id: int | None = None, limit: int = 25) -> list[PayoutLine]:
    """A vendor's earnings per delivery, newest first (keyset on the earning's ledger line):
    paid (with the transfer), reversed, or pending."""
    if principal.role != OrgKind.vendor and not principal.is_operator:
        return []
    from broker.payments.payouts import release_txn

    vendor_line = LedgerEntry.account.like("vendor:%")
    stmt = select(LedgerEntry).where(LedgerEntry.order_id.in_(visible_orders(principal).with_only_columns(Order.id)),
                                     vendor_line, LedgerEntry.kind == "earn")
    if after_id:
        stmt = stmt.where(LedgerEntry.id < after_id)
    earns = s.exec(stmt.order_by(LedgerEntry.id.desc()).limit(limit)).all()
    if not earns:
        return []
    paid = {e.txn_id: e for e in s.exec(select(LedgerEntry).where(
        vendor_line, LedgerEntry.kind == "payout", LedgerEntry.txn_id.in_({release_txn(e.txn_id) for e in earns})))}
    transfers = {p.external_id for p in paid.values() if p.external_id}
    reversed_ids = set(s.exec(select(LedgerEntry.external_id).where(
        vendor_line, LedgerEntry.kind == "reversal", LedgerEntry.external_id.in_(transfers)))) if transfers else set()
    out = []
    for e in earns:
        p = paid.get(release_txn(e.txn_id))
        status = "pending" if p is None else ("reversed" if p.external_id in reversed_ids else "paid")
        out.append(PayoutLine(e.id, e.txn_id, e.order_id, -e.amount_minor, e.currency, status,
                              p.external_id if p else None, p.created_at if p else e.created_at))
    return out


def order_money(s: Session, order: Order) -> ledger.OrderMoney:
    return ledger.order_money(s, order)
