"""Invoice reminders: tell the developer when an open invoice falls due and when it is
overdue — each once per invoice, as ``Notification`` rows the outbox turns into email.

"Due" is written when an open invoice is due within ``DUE_SOON`` (for an invoice under the
payment window that is as soon as it is issued); "overdue" when its due time has passed and it
is still open (invoices under terms: the others are released by ``release_unpaid`` instead).
Each is claimed by a conditional update on the payment row, so two schedulers write it once.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from broker import db
from broker.models import Notification, Offering, Order
from broker.models.ledger import Payment
from broker.payments.queries import money

DUE_SOON = timedelta(days=3)
INVOICE_METHODS = ("invoice", "invoice_terms")


def _claim(s: Session, pay_id: int, column, at: datetime) -> bool:
    stmt = (sa.update(Payment).where(Payment.id == pay_id, column.is_(None), Payment.status == "open")
            .values({column.key: at}))
    return bool(s.connection().execute(stmt).rowcount)


def _what(s: Session, pay: Payment) -> str:
    order = s.get(Order, pay.order_id)
    off = s.get(Offering, order.offering_id) if order else None
    title = f"“{off.title}”" if off else "capacity"
    return f"{order.units:,} units of {title} for {order.period}" if order else title


def remind(s: Session, at: datetime) -> tuple[int, int]:
    """Write the due and overdue notifications that are owed; returns (due, overdue) counts."""
    open_invoices = select(Payment.id).where(Payment.status == "open", Payment.method.in_(INVOICE_METHODS))
    due_ids = s.exec(open_invoices.where(Payment.due_notice_at.is_(None), Payment.due_at <= at + DUE_SOON,
                                         Payment.due_at > at).order_by(Payment.id)).all()
    over_ids = s.exec(open_invoices.where(Payment.overdue_notice_at.is_(None), Payment.due_at <= at)
                      .order_by(Payment.id)).all()
    n_due = _notify(s, due_ids, Payment.due_notice_at, at, "invoice.due",
                    lambda pay: f"is due by {pay.due_at:%Y-%m-%d %H:%M} UTC.")
    n_over = _notify(s, over_ids, Payment.overdue_notice_at, at, "invoice.overdue",
                     lambda pay: f"was due on {pay.due_at:%Y-%m-%d %H:%M} UTC and is not paid yet.")
    return n_due, n_over


def _notify(s: Session, ids, column, at: datetime, kind: str, when) -> int:
    """One notification per invoice whose ``column`` this run claims (each in its own
    transaction, so two schedulers never notify twice); how many were written."""
    n = 0
    for pid in ids:
        with db.transaction(s):
            if not _claim(s, pid, column, at):
                continue
            pay = s.get(Payment, pid)
            s.add(Notification(org_id=pay.org_id, kind=kind, created_at=at,
                               message=f"Invoice {pay.number} for {money(pay.amount_minor, pay.currency)} "
                                       f"({_what(s, pay)}) {when(pay)}",
                               data={"payment_id": pay.id, "order_id": pay.order_id, "number": pay.number,
                                     "due_at": pay.due_at.isoformat()}))
            n += 1
    return n
