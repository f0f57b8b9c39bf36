"""Must show: allocate → pay → deliver half → the vendor receives half minus the fee → period
end refunds the other half → the ledger's prices and fees show it; the ledger balances."""
from __future__ import annotations

from broker import db
from broker.models import Order
from broker.payments import reporting, service
from tests.helpers import auth
from tests.payments.conftest import PERIOD, deliver, money, onboard, post_event


def test_pay_deliver_half_refund_half(stripe_app, client, make, market, fake_stripe):
    app = stripe_app
    order = market.order(units=10, price=250, fee_rate="0.10")
    dev_token = make.token(market.developer, ["requests:write", "ledger:read"])

    # The developer confirms the allocation: a Stripe Checkout in the order's currency.
    r = client.post(f"/api/v1/payments/allocations/{order.allocation_id}/confirm", headers=auth(dev_token))
    assert r.status_code == 200, r.json
    assert r.json["method"] == "checkout" and r.json["status"] == "open"
    assert r.json["checkout_url"].startswith(fake_stripe.base + "/checkout/cs_")
    [cs] = fake_stripe.of("checkout.session")
    assert (cs["amount_total"], cs["currency"]) == (2500, "usd")

    # The customer pays on the hosted page; Stripe's signed webhook books the charge.
    evt = fake_stripe.complete_checkout(cs["id"])
    assert post_event(client, evt).json["result"] == "booked"
    assert market.get(Order, order.id).payment_status == "paid"
    assert money(app, order.id).charged == 2500

    # The vendor onboards, then delivers half: one transfer of half minus the 10 % fee.
    acct = onboard(app, client, fake_stripe, market.vendor)
    deliver(app, market, order.id, 5)
    [tr] = fake_stripe.of("transfer")
    assert (tr["amount"], tr["currency"], tr["destination"]) == (1125, "usd", acct)
    m = money(app, order.id)
    assert (m.earned, m.fee, m.vendor_share, m.paid_out, m.held) == (1250, 125, 1125, 1125, 1250)

    # Period end: the undelivered half goes back to the developer's card.
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            assert service.on_period_end(s, PERIOD) == [order.id]
    [rf] = fake_stripe.of("refund")
    assert (rf["amount"], rf["payment_intent"]) == (1250, evt["data"]["object"]["payment_intent"])

    m = money(app, order.id)
    assert m.settled
    assert m.charged == m.paid_out + m.fee + m.refunded == 1125 + 125 + 1250

    # The developer sees the same figures through the API.
    r = client.get(f"/api/v1/payments/orders/{order.id}", headers=auth(dev_token))
    assert r.json | {} == r.json and r.json["settled"] is True and r.json["refunded"] == 1250

    # The pricing figures from the ledger: effective price per delivered unit and the fee.
    with app.app_context():
        [row] = reporting.period_prices(db.session(), PERIOD)
    assert (row.task_type, row.currency, row.delivered_units) == ("annotation", "USD", 5)
    assert (row.charged_minor, row.earned_minor, row.fee_minor, row.refunded_minor) == (2500, 1250, 125, 1250)
    assert row.effective_price_minor == 250 and row.effective_fee_rate == 0.1

    # Running the period close again (the scheduler) moves nothing more.
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            assert service.on_period_end(s, PERIOD) == []
        service.settle(s, market_clock_end())
    assert len(fake_stripe.of("transfer")) == 1 and len(fake_stripe.of("refund")) == 1


def market_clock_end():
    from datetime import timedelta

    from broker.periods import period_end

    return period_end(PERIOD) + timedelta(days=2)
