"""Vendors are paid for what they deliver; developers get back what was not delivered.

Two steps, so that a crash or a retry never pays twice:
1. *Accrue* (inside the caller's transaction, with the delivery or the period's close):
   an ``earn`` transaction moves the delivered units' value from the developer's held funds
   to the vendor's payable and the platform's fees; a ``refund_due`` transaction moves what
   was not delivered to the developer's refund_due. Nothing leaves Parity yet.
2. *Release* (each in its own short transaction, after the accrual committed): one Stripe
   transfer per ``earn`` and one refund per ``refund_due``, each with an idempotency key
   derived from the accrual's transaction id, then the ``payout``/``refund`` transaction
   that records it. A crash between the Stripe call and the commit leaves the accrual
   unreleased; the next run sends the same key, Stripe answers with the transfer it already
   made, and the ledger records it once.
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlmodel import Session, select

from broker import db
from broker.config import SETTINGS_KEY, settings_of
from broker.models import LedgerEntry, Order
from broker.models.ledger import ConnectAccount
from broker.payments import ledger
from broker.payments.stripe_gateway import GatewayError, gateway

log = logging.getLogger("parity.payments")


def _after_stripe_call() -> None:
    """Called after Stripe moved money and before the ledger commits (the crash tests raise here)."""


def accrue_earnings(s: Session, order: Order) -> LedgerEntry | None:
    """Book the delivered units not yet earned: vendor share to payable, fee to the platform."""
    m = ledger.order_money(s, order)
    if m.charged == 0:
        return None  # not paid yet: booked when the money arrives
    delivered = ledger.delivered_units(s, order)
    target = min(delivered * order.unit_price_minor, m.earned + m.held)
    gross = target - m.earned
    txn = f"earn:o{order.id}:u{delivered}"
    if gross <= 0 or ledger.posted(s, txn):
        if delivered * order.unit_price_minor > m.earned + m.held:
            log.warning("order %s: %s units delivered after the undelivered value was refunded", order.id, delivered)
        return None
    fee = ledger.fee_of(m.earned + gross, order.fee_rate) - m.fee
    ledger.post(s, txn, "earn", order.currency,
                {ledger.held(order.developer_org_id): gross,
                 ledger.payable(order.vendor_org_id): -(gross - fee), ledger.FEES: -fee},
                order_id=order.id)
    schedule_release(s, order.id)
    return txn


def owe_refund(s: Session, order: Order, *, reason: str) -> str | None:
    """Owe the developer everything still held for ``order`` (undelivered units)."""
    m = ledger.order_money(s, order)
    if m.held <= 0:
        return None
    txn = f"refund-due:o{order.id}:{m.refunded + m.held}"
    if ledger.posted(s, txn):
        return None
    ledger.post(s, txn, "refund_due", order.currency,
                {ledger.held(order.developer_org_id): m.held, ledger.refund_due(order.developer_org_id): -m.held},
                order_id=order.id)
    log.info("order %s: refund of %s %s owed (%s)", order.id, m.held, order.currency, reason)
    schedule_release(s, order.id)
    return txn


# --- release -------------------------------------------------------------------------

def pending(s: Session, order_ids=None) -> list[tuple[str, int, str, int]]:
    """Accruals not yet released: (accrual txn, order id, kind, amount), oldest first."""
    stmt = select(LedgerEntry).where(
        ((LedgerEntry.kind == "earn") & LedgerEntry.account.like("vendor:%:payable"))
        | ((LedgerEntry.kind == "refund_due") & LedgerEntry.account.like("developer:%:refund_due")))
    if order_ids is not None:
        stmt = stmt.where(LedgerEntry.order_id.in_(list(order_ids)))
    accruals = s.exec(stmt.order_by(LedgerEntry.id)).all()
    if not accruals:
        return []
    done = set(s.exec(select(LedgerEntry.txn_id).where(
        LedgerEntry.kind.in_(["payout", "refund"]),
        LedgerEntry.order_id.in_([a.order_id for a in accruals]))).all())
    return [(a.txn_id, a.order_id, a.kind, -a.amount_minor) for a in accruals
            if release_txn(a.txn_id) not in done]


def release_txn(accrual_txn: str) -> str:
    return ("payout:" if accrual_txn.startswith("earn:") else "refund:") + accrual_txn.split(":", 1)[1]


def release_due(s: Session, order_ids=None) -> list[str]:
    """Send every accrued payout and refund not sent yet; one transaction each. Returns a
    line per item (sent, waiting, or failed and left for the next run)."""
    out = []
    for accrual, order_id, kind, amount in pending(s, order_ids):
        try:
            with db.transaction(s):
                out.append(_release_one(s, accrual, order_id, kind, amount))
        except GatewayError as e:
            log.warning("order %s: %s not sent, will retry: %s", order_id, accrual, e)
            out.append(f"{accrual}: retry later ({e})")
    return out


def _release_one(s: Session, accrual: str, order_id: int, kind: str, amount: int) -> str:
    # Lock the order: two releasers (the after-commit hook and the scheduler) serialise here,
    # and the second finds the release already booked.
    order = s.exec(select(Order).where(Order.id == order_id).with_for_update()).one()
    txn = release_txn(accrual)
    if ledger.posted(s, txn):
        return f"{accrual}: already released"
    key = f"parity-{txn}"
    gw = gateway(s)
    if kind == "earn":
        return _pay_vendor(s, gw, order, txn, key, amount)
    return _refund(s, gw, order, txn, key, amount)


def _pay_vendor(s, gw, order: Order, txn: str, key: str, amount: int) -> str:
    vendor = ledger.payable(order.vendor_org_id)
    if gw is None:
        ledger.post(s, txn, "payout", order.currency, {vendor: amount, ledger.CASH_BANK: -amount},
                    order_id=order.id, idempotency_key=key)
        return f"{txn}: {amount} {order.currency} owed to vendor {order.vendor_org_id}, settled by hand"
    acct = s.get(ConnectAccount, order.vendor_org_id)
    if acct is None or not acct.payouts_enabled:
        return f"{txn}: waiting for vendor {order.vendor_org_id} to finish Stripe onboarding"
    tr = gw.transfer(amount=amount, currency=order.currency, destination=acct.account_id,
                     order_id=order.id, ledger_txn=txn, key=key)
    _after_stripe_call()
    ledger.post(s, txn, "payout", order.currency, {vendor: amount, ledger.CASH_STRIPE: -amount},
                order_id=order.id, idempotency_key=key, external_id=tr.id)
    return f"{txn}: transfer {tr.id} of {amount} {order.currency}"


def _refund(s, gw, order: Order, txn: str, key: str, amount: int) -> str:
    owed = ledger.refund_due(order.developer_org_id)
    pay = ledger.payment_of(s, order.id)
    legs = {owed: amount}
    external = None
    if pay is not None and pay.method == "invoice_terms":
        # A credit note first: lower what the developer still owes on the invoice.
        open_amount = max(0, ledger.balance(s, ledger.receivable(order.developer_org_id), order_id=order.id))
        credit = min(open_amount, amount)
        legs[ledger.receivable(order.developer_org_id)] = -credit
        if amount - credit:
            legs[ledger.CASH_BANK] = -(amount - credit)
    elif pay is not None and pay.method == "checkout" and gw is not None and pay.payment_intent_id:
        rf = gw.refund(payment_intent=pay.payment_intent_id, amount=amount, order_id=order.id,
                       ledger_txn=txn, key=key)
        _after_stripe_call()
        legs[ledger.CASH_STRIPE] = -amount
        external = rf.id
    else:
        legs[ledger.CASH_BANK] = -amount  # paid by hand, refunded by hand
    ledger.post(s, txn, "refund", order.currency, legs, order_id=order.id, idempotency_key=key,
                external_id=external)
    return f"{txn}: refund of {amount} {order.currency}" + (f" ({external})" if external else "")


# --- after commit -------------------------------------------------------------------

def schedule_release(s: Session, order_id: int) -> None:
    """Release this order's accruals right after the caller's transaction commits.

    If that fails (Stripe down, process killed), the scheduler's ``payments_settle`` job
    releases them on its next run: the accrual is committed, so nothing is lost.
    """
    s.info.setdefault("parity_release", set()).add(order_id)
    if not s.info.get("parity_release_hooked"):
        event.listen(s, "after_commit", _release_after_commit)
        event.listen(s, "after_rollback", _forget)
        s.info["parity_release_hooked"] = True


def _forget(s: Session) -> None:
    s.info.pop("parity_release", None)


def _release_after_commit(s: Session) -> None:
    ids = s.info.pop("parity_release", None)
    if not ids:
        return
    try:
        with Session(s.get_bind(), expire_on_commit=False, info={SETTINGS_KEY: settings_of(s)}) as fresh:
            release_due(fresh, ids)
    except Exception:  # noqa: BLE001 — the delivery is committed; the scheduler retries
        log.exception("releasing payouts for orders %s failed; the scheduler will retry", sorted(ids))
