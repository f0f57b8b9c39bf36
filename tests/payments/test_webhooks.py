"""The webhook: signature on the raw body, 400 for stale or forged events, each event id
processed once, and every event kind that changes the ledger."""
from __future__ import annotations

import json
import time

from sqlmodel import func, select

from broker import db
from broker.api.payments import checkout_urls
from broker.models import LedgerEntry, StripeEvent, Order
from broker.payments import charges
from tests.payments.conftest import deliver, money, onboard, post_event
from tests.payments.fake_stripe import sign
from tests.payments.test_faults import paid_order


def counts(app):
    with app.app_context():
        s = db.session()
        return (s.exec(select(func.count()).select_from(LedgerEntry)).one(),
                s.exec(select(func.count()).select_from(StripeEvent)).one())


def open_checkout(app, market, fake):
    from broker.payments import service
    from tests.builders import principal_of

    order = market.order(units=4, price=1000)
    with app.app_context(), app.test_request_context():
        s = db.session()
        with db.transaction(s):
            pay = service.on_allocation_confirmed(s, s.get(type(order), order.id), principal_of(market.developer),
                                                   **checkout_urls(order.id))
    return order, pay.external_id


def test_same_event_three_times_changes_the_ledger_once(stripe_app, client, market, fake_stripe):
    order, cs = open_checkout(stripe_app, market, fake_stripe)
    evt = fake_stripe.complete_checkout(cs)
    results = [post_event(client, evt) for _ in range(3)]
    assert [r.status_code for r in results] == [200, 200, 200]
    assert [r.json["result"] for r in results] == ["booked", "duplicate", "duplicate"]
    assert counts(stripe_app) == (2, 1)  # one balanced charge (two legs), one event row
    assert money(stripe_app, order.id).charged == 4000


def test_forged_signature_is_rejected_and_changes_nothing(stripe_app, client, market, fake_stripe):
    order, cs = open_checkout(stripe_app, market, fake_stripe)
    evt = fake_stripe.complete_checkout(cs)
    payload = json.dumps(evt).encode()
    forged = client.post("/stripe/webhook", data=payload, content_type="application/json",
                         headers={"Stripe-Signature": sign(payload, "whsec_someone_else")})
    assert forged.status_code == 400 and forged.mimetype == "application/problem+json"
    assert forged.json["type"].endswith("bad-signature")
    # A body altered after signing fails too (the check is on the raw bytes).
    tampered = payload.replace(b'"amount_total": 4000', b'"amount_total": 1')
    assert tampered != payload
    r = client.post("/stripe/webhook", data=tampered, content_type="application/json",
                    headers={"Stripe-Signature": sign(payload)})
    assert r.status_code == 400
    assert counts(stripe_app) == (0, 0)
    assert market.get(Order, order.id).payment_status == "unpaid"
    # The genuine event still goes through afterwards (the forgeries did not burn its id).
    assert post_event(client, evt).json["result"] == "booked"


def test_stale_missing_or_unconfigured_signatures_are_400(stripe_app, client, market, fake_stripe):
    order, cs = open_checkout(stripe_app, market, fake_stripe)
    evt = fake_stripe.complete_checkout(cs)
    assert post_event(client, evt, timestamp=int(time.time()) - 600).status_code == 400  # replayed old event
    assert client.post("/stripe/webhook", data=json.dumps(evt), content_type="application/json").status_code == 400
    assert client.post("/stripe/webhook", data=b"not json", content_type="application/json",
                       headers={"Stripe-Signature": sign(b"not json")}).status_code == 400
    stripe_app.config["STRIPE_WEBHOOK_SECRET"] = None
    assert post_event(client, evt).status_code == 400
    assert counts(stripe_app) == (0, 0)


def test_unknown_events_are_acknowledged_and_ignored(stripe_app, client, fake_stripe):
    evt = fake_stripe.event("customer.created", {"id": "cus_1", "object": "customer"})
    r = post_event(client, evt)
    assert r.status_code == 200 and r.json["result"] == "ignored"
    assert counts(stripe_app) == (0, 1)


def test_failed_payment_is_shown_and_a_retry_makes_a_new_checkout(stripe_app, client, market, fake_stripe):
    order, cs = open_checkout(stripe_app, market, fake_stripe)
    evt = fake_stripe.complete_checkout(cs, succeed=False)
    assert post_event(client, evt).json["result"] == "failed"
    with stripe_app.app_context():
        pay = charges.payment_of(db.session(), order.id)
    assert (pay.status, pay.reason) == ("failed", "Your card was declined.")
    assert market.get(Order, order.id).payment_status == "failed"
    from broker.payments import service
    from tests.builders import principal_of

    with stripe_app.app_context(), stripe_app.test_request_context():
        s = db.session()
        with db.transaction(s):
            again = service.on_allocation_confirmed(s, s.get(type(order), order.id), principal_of(market.developer),
                                                   **checkout_urls(order.id))
    assert again.external_id != cs and again.attempts == 2 and again.status == "open"
    assert post_event(client, fake_stripe.complete_checkout(again.external_id)).json["result"] == "booked"
    assert market.get(Order, order.id).payment_status == "paid"


def test_checkout_amount_mismatch_is_not_booked(stripe_app, client, market, fake_stripe):
    order, cs = open_checkout(stripe_app, market, fake_stripe)
    evt = fake_stripe.complete_checkout(cs)
    evt["id"] = "evt_other"
    evt["data"]["object"]["amount_total"] = 1
    assert post_event(client, evt).json["result"] == "amount mismatch"
    assert money(stripe_app, order.id).charged == 0


def test_transfer_reversed_and_dispute_are_booked_once(stripe_app, client, market, fake_stripe):
    order = paid_order(stripe_app, client, market, fake_stripe)
    deliver(stripe_app, market, order.id, 10)
    [tr] = fake_stripe.of("transfer")
    assert tr["amount"] == 2250
    evt = fake_stripe.reverse_transfer(tr["id"], 250)
    assert post_event(client, evt).json["result"] == "reversed 250"
    assert post_event(client, evt).json["result"] == "duplicate"
    m = money(stripe_app, order.id)
    assert (m.vendor_share, m.paid_out) == (2250, 2000)

    pi = fake_stripe.of("payment_intent")[0]["id"]
    dispute = {"id": "dp_1", "object": "dispute", "amount": 2500, "currency": "usd", "payment_intent": pi,
               "status": "needs_response", "metadata": {}}
    assert post_event(client, fake_stripe.event("charge.dispute.created", dispute)).json["result"] == "disputed"
    lost = dict(dispute, status="lost")
    assert post_event(client, fake_stripe.event("charge.dispute.closed", lost)).json["result"] == "dispute lost"
    with stripe_app.app_context():
        from broker.payments import ledger

        s = db.session()
        assert ledger.balance(s, ledger.DISPUTED) == 0
        assert ledger.balance(s, "platform:dispute_losses") == 2500


def test_account_updated_enables_payouts_that_were_waiting(stripe_app, client, market, fake_stripe):
    from broker.payments import connect, service
    from tests.builders import principal_of

    order = market.order(units=2, price=500)
    with stripe_app.app_context(), stripe_app.test_request_context():
        s = db.session()
        with db.transaction(s):
            pay = service.on_allocation_confirmed(s, s.get(type(order), order.id), principal_of(market.developer),
                                                   **checkout_urls(order.id))
    post_event(client, fake_stripe.complete_checkout(pay.external_id))
    deliver(stripe_app, market, order.id, 2)  # vendor not onboarded: the payout waits
    assert fake_stripe.of("transfer") == [] and money(stripe_app, order.id).vendor_share == 900
    onboard(stripe_app, client, fake_stripe, market.vendor)  # account.updated → payouts_enabled
    with stripe_app.app_context():
        assert connect.account_of(db.session(), market.vendor.id).payouts_enabled
    [tr] = fake_stripe.of("transfer")
    assert tr["amount"] == 900 and money(stripe_app, order.id).paid_out == 900
    unknown = fake_stripe.event("account.updated", {"id": "acct_nobody", "object": "account",
                                                    "payouts_enabled": True})
    assert post_event(client, unknown).json["result"] == "unknown account"


def _outside_refund(fake, amount: int, status: str = "succeeded", rid: str = "re_dashboard_1") -> dict:
    pi = fake.of("payment_intent")[0]["id"]
    return {"id": rid, "object": "refund", "amount": amount, "currency": "usd", "payment_intent": pi,
            "status": status, "metadata": {}}


def test_a_refund_made_in_the_stripe_dashboard_is_booked_once(stripe_app, client, market, fake_stripe):
    """Someone refunds 2 000 of a 2 500 order in Stripe's dashboard after 4 of its 10 units
    were delivered: the 1 500 still held becomes a refund sent, the 500 beyond it is the
    platform's, the vendor's earnings stay, and every ledger invariant holds."""
    order = paid_order(stripe_app, client, market, fake_stripe)
    deliver(stripe_app, market, order.id, 4)
    before = money(stripe_app, order.id)
    assert (before.charged, before.earned, before.held) == (2500, 1000, 1500)

    pending = _outside_refund(fake_stripe, 2000, status="pending")
    assert post_event(client, fake_stripe.event("refund.created", pending)).json["result"].endswith("not booked")
    done = _outside_refund(fake_stripe, 2000)
    evt = fake_stripe.event("refund.updated", done)
    assert post_event(client, evt).json["result"] == "outside refund 2000 (500 beyond what was held)"
    assert post_event(client, evt).json["result"] == "duplicate"
    again = fake_stripe.event("refund.updated", done)      # another delivery, a new event id
    assert again["id"] != evt["id"]
    assert post_event(client, again).json["result"] == "already recorded"

    m = money(stripe_app, order.id)
    assert (m.held, m.refunded, m.refund_sent, m.vendor_share) == (0, 1500, 1500, before.vendor_share)
    with stripe_app.app_context():
        from broker.payments import ledger

        s = db.session()
        assert ledger.balance(s, ledger.REFUNDS_OUTSIDE) == 500
        assert ledger.check_all(s) == []
