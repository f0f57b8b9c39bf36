"""Stripe webhooks: verify the signature on the raw body, process each event id once, and
update the ledger.

Events handled: checkout.session.completed / async_payment_succeeded / async_payment_failed /
expired, payment_intent.succeeded / payment_failed, transfer.created / reversed,
refund.created / updated (Parity's own, and refunds made in Stripe's dashboard),
charge.dispute.created / closed, account.updated. Others are
acknowledged and ignored. The event row and every ledger change commit together, so a
delivery processed twice (Stripe retries) changes nothing the second time.
"""
from __future__ import annotations

import logging

import stripe
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from broker import db
from broker.errors import ApiError
from broker.models import Order, StripeEvent
from broker.models.ledger import Payment
from broker.payments import charges, connect, ledger, payouts

log = logging.getLogger("parity.payments")
TOLERANCE_SECONDS = 300


def verify(payload: bytes, signature: str | None, secret: str | None):
    """The event, or a 400 naming why it was refused."""
    if not secret:
        raise ApiError("Webhooks are not configured (STRIPE_WEBHOOK_SECRET is unset).", status=400,
                       type_="webhook-not-configured")
    if not signature:
        raise ApiError("Missing Stripe-Signature header.", status=400, type_="bad-signature")
    try:
        return stripe.Webhook.construct_event(payload, signature, secret, tolerance=TOLERANCE_SECONDS)
    except stripe.SignatureVerificationError as e:
        raise ApiError(f"Signature check failed: {e.user_message or e}", status=400, type_="bad-signature") from None
    except ValueError:
        raise ApiError("The body is not a Stripe event.", status=400, type_="bad-event") from None


def handle(s: Session, payload: bytes, signature: str | None, secret: str | None) -> str:
    event = verify(payload, signature, secret)
    try:
        with db.transaction(s):
            if s.get(StripeEvent, event.id) is not None:
                return "duplicate"
            s.add(StripeEvent(event_id=event.id, type=event.type))
            s.flush()
            result = dispatch(s, event.type, event.data.object)
    except IntegrityError:
        s.rollback()  # the same event, processed concurrently by another worker
        return "duplicate"
    log.info("stripe event %s %s: %s", event.id, event.type, result)
    return result


def _order(s: Session, obj) -> Order | None:
    meta = obj.get("metadata") or {}
    oid = meta.get("parity_order_id")
    if oid and str(oid).isdigit():
        return s.exec(select(Order).where(Order.id == int(oid)).with_for_update()).first()
    pi = obj.get("payment_intent")
    if pi:
        pay = s.exec(select(Payment).where(Payment.payment_intent_id == pi)).first()
        return s.get(Order, pay.order_id) if pay else None
    return None


def plain(obj) -> dict:
    """A Stripe object as plain nested dicts (StripeObject is not a dict in stripe 16)."""
    return obj.to_dict(recursive=True) if hasattr(obj, "to_dict") else obj


def dispatch(s: Session, kind: str, obj) -> str:
    obj = plain(obj)
    handler = HANDLERS.get(kind)
    return handler(s, obj) if handler else "ignored"


def _paid(s, obj, amount_field: str, intent: str | None, external: str | None) -> str:
    order = _order(s, obj)
    if order is None:
        return "no such order"
    expected = order.units * order.unit_price_minor
    got, cur = obj.get(amount_field), (obj.get("currency") or "").upper()
    if got != expected or cur != order.currency.upper():
        charges.record_failed(s, order, f"Stripe reported {got} {cur}, expected {expected} {order.currency}")
        return "amount mismatch"
    return "booked" if charges.record_paid(s, order, payment_intent=intent, external_id=external) else "already booked"


def _checkout_completed(s, obj) -> str:
    if obj.get("payment_status") != "paid":
        return "awaiting asynchronous payment"
    return _paid(s, obj, "amount_total", obj.get("payment_intent"), obj.get("id"))


def _intent_succeeded(s, obj) -> str:
    return _paid(s, obj, "amount_received", obj.get("id"), obj.get("id"))


def _failed(s, obj) -> str:
    order = _order(s, obj)
    if order is None:
        return "no such order"
    err = obj.get("last_payment_error") or {}
    charges.record_failed(s, order, (err.get("message") if isinstance(err, dict) else None) or "The payment failed.")
    return "failed"


def _expired(s, obj) -> str:
    pay = s.exec(select(Payment).where(Payment.external_id == obj.get("id"))).first()
    if pay is None or pay.status != "open":
        return "nothing open"
    pay.status, pay.reason = "expired", "The checkout page expired before payment; pay again."
    s.add(pay)
    return "expired"


def _release_seen(s, obj) -> str:
    """A transfer or refund Stripe made for us: record it if our own record was lost (crash)."""
    txn = (obj.get("metadata") or {}).get("parity_ledger_txn")
    order = _order(s, obj)
    if not txn and order is not None and obj.get("object") == "refund":
        return _outside_refund(s, order, obj)
    if not txn or order is None:
        return "not ours"
    if ledger.posted(s, txn):
        return "already recorded"
    accrual = ("earn:" if txn.startswith("payout:") else "refund-due:") + txn.split(":", 1)[1]
    pending = {a: amount for a, _, _, amount in payouts.pending(s, [order.id])}
    if pending.get(accrual) != obj.get("amount"):
        log.warning("stripe %s for %s does not match a pending accrual", obj.get("id"), txn)
        return "no matching accrual"
    if txn.startswith("payout:"):
        legs = {ledger.payable(order.vendor_org_id): obj["amount"], ledger.CASH_STRIPE: -obj["amount"]}
        ledger.post(s, txn, "payout", order.currency, legs, order_id=order.id,
                    idempotency_key=f"parity-{txn}", external_id=obj["id"])
    else:
        legs = {ledger.refund_due(order.developer_org_id): obj["amount"], ledger.CASH_STRIPE: -obj["amount"]}
        ledger.post(s, txn, "refund", order.currency, legs, order_id=order.id,
                    idempotency_key=f"parity-{txn}", external_id=obj["id"])
    return "recorded"


def _outside_refund(s, order: Order, obj) -> str:
    """A refund someone made in Stripe's dashboard (no Parity metadata): the money has left,
    so the ledger follows. Up to what the order still holds it is a refund of undelivered
    units (held → refund due → sent, as Parity's own refunds); beyond that the vendor's
    earnings are not touched and the platform bears it (``platform:refunds_outside_parity``,
    for the operator to settle with the parties)."""
    rid, status = obj["id"], obj.get("status")
    if status != "succeeded":
        return f"outside refund {status}: not booked"
    if ledger.posted(s, f"outside-refund:{rid}") or ledger.posted(s, f"outside-refund-excess:{rid}"):
        return "already recorded"
    amount = int(obj.get("amount") or 0)
    dev = order.developer_org_id
    covered = min(amount, max(ledger.order_money(s, order).held, 0))
    if covered:
        ledger.post(s, f"outside-refund-due:{rid}", "refund_due", order.currency,
                    {ledger.held(dev): covered, ledger.refund_due(dev): -covered}, order_id=order.id, external_id=rid)
        ledger.post(s, f"outside-refund:{rid}", "refund", order.currency,
                    {ledger.refund_due(dev): covered, ledger.CASH_STRIPE: -covered}, order_id=order.id, external_id=rid)
    if amount > covered:
        log.warning("stripe refund %s of order %s exceeds what it held by %s", rid, order.id, amount - covered)
        ledger.post(s, f"outside-refund-excess:{rid}", "refund", order.currency,
                    {ledger.REFUNDS_OUTSIDE: amount - covered, ledger.CASH_STRIPE: covered - amount},
                    order_id=order.id, external_id=rid)
    return f"outside refund {amount}" + (f" ({amount - covered} beyond what was held)" if amount > covered else "")


def _transfer_reversed(s, obj) -> str:
    order = _order(s, obj)
    if order is None:
        return "not ours"
    total = int(obj.get("amount_reversed") or 0)
    already = sum(-e for e in _reversals(s, order.id, obj["id"]))
    delta = total - already
    if delta <= 0:
        return "nothing new"
    ledger.post(s, f"reversal:{obj['id']}:{total}", "reversal", order.currency,
                {ledger.CASH_STRIPE: delta, ledger.payable(order.vendor_org_id): -delta},
                order_id=order.id, external_id=obj["id"])
    return f"reversed {delta}"


def _reversals(s, order_id: int, transfer_id: str) -> list[int]:
    from broker.models import LedgerEntry

    return list(s.exec(select(LedgerEntry.amount_minor).where(
        LedgerEntry.order_id == order_id, LedgerEntry.kind == "reversal",
        LedgerEntry.external_id == transfer_id, LedgerEntry.account.like("vendor:%"))).all())


def _dispute(s, obj, closed: bool) -> str:
    order = _order(s, obj)
    amount = int(obj.get("amount") or 0)
    currency = (obj.get("currency") or (order.currency if order else "usd")).upper()
    oid = order.id if order else None
    if not closed:
        txn = f"dispute:{obj['id']}"
        if ledger.posted(s, txn):
            return "already recorded"
        ledger.post(s, txn, "dispute", currency, {ledger.DISPUTED: amount, ledger.CASH_STRIPE: -amount},
                    order_id=oid, external_id=obj["id"])
        return "disputed"
    txn = f"dispute-closed:{obj['id']}"
    if ledger.posted(s, txn) or not ledger.posted(s, f"dispute:{obj['id']}"):
        return "nothing to close"
    back = ledger.CASH_STRIPE if obj.get("status") == "won" else "platform:dispute_losses"
    ledger.post(s, txn, "dispute", currency, {back: amount, ledger.DISPUTED: -amount},
                order_id=oid, external_id=obj["id"])
    return f"dispute {obj.get('status')}"


def _account_updated(s, obj) -> str:
    acct = connect.apply_update(s, obj)
    return "updated" if acct else "unknown account"


HANDLERS = {
    "checkout.session.completed": _checkout_completed,
    "checkout.session.async_payment_succeeded": _checkout_completed,
    "checkout.session.async_payment_failed": _failed,
    "checkout.session.expired": _expired,
    "payment_intent.succeeded": _intent_succeeded,
    "payment_intent.payment_failed": _failed,
    "transfer.created": _release_seen,
    "transfer.reversed": _transfer_reversed,
    "refund.created": _release_seen,
    "refund.updated": _release_seen,
    "charge.dispute.created": lambda s, o: _dispute(s, o, False),
    "charge.dispute.closed": lambda s, o: _dispute(s, o, True),
    "account.updated": _account_updated,
}
