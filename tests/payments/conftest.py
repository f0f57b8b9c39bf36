"""Payments fixtures: a fake Stripe over real HTTP, an app in Stripe mode, orders to pay, and
the ledger invariant checked after every test (autouse)."""
from __future__ import annotations

import json

import pytest

from broker import db
from broker.models import Order, OrderStatus
from broker.payments import ledger
from tests.builders import principal_of
from tests.payments.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripeServer, sign

PERIOD = "2026-W48"  # the clock fixture starts on Monday of this week


@pytest.fixture(autouse=True)
def ledger_invariant(request):
    """After every test: each transaction balances and every order's money adds up."""
    app = request.getfixturevalue("app") if "app" in request.fixturenames else None
    yield
    if app is None:
        return
    with app.app_context():
        problems = ledger.check_all(db.session())
    assert not problems, "ledger invariant broken:\n" + "\n".join(problems)


@pytest.fixture
def fake_stripe():
    server = FakeStripeServer()
    yield server.fake
    server.fake.wait_deliveries()
    server.stop()


@pytest.fixture
def stripe_app(app, fake_stripe):
    """The app in Stripe mode, talking to the fake (no SDK sleeps beyond one retry)."""
    app.config.update(STRIPE_API_KEY=SECRET_KEY, STRIPE_API_BASE=fake_stripe.base,
                      STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    return app


@pytest.fixture
def market(market, make, clock):
    """A developer, a vendor and its offering (price 250 USD, 100 units in PERIOD): the
    defaults of ``market.order``."""
    market.developer = make.org("developer", name="Lab One")
    market.vendor = make.org("vendor", name="Label Co")
    market.offering_id = market.offering(market.vendor, title="Text labels", price=250, languages=(),
                                         periods=[PERIOD], price_from=clock()).id
    market.period = PERIOD
    return market


def deliver(app, market, order_id: int, units: int):
    """The vendor records a delivery through the broker's service, plus the payments hook
    (the one line the broker's ``orders.deliver`` calls)."""
    from broker.payments import service
    from broker.services import orders

    vendor = principal_of(market.vendor)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            order = s.get(Order, order_id)
            if order.status == OrderStatus.offered:
                orders.accept(s, vendor, order_id)
        with db.transaction(s):
            d = orders.deliver(s, vendor, order_id, units=units)
            service.on_delivery_recorded(s, s.get(Order, order_id), d)


def post_event(client, evt: dict, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    payload = json.dumps(evt).encode()
    return client.post("/stripe/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign(payload, secret, timestamp)})


def onboard(app, client, fake, vendor):
    """Create the vendor's Connect account and finish its onboarding (webhook account.updated)."""
    from broker.payments import connect

    with app.app_context(), app.test_request_context():
        s = db.session()
        with db.transaction(s):
            url = connect.onboarding_link(s, vendor, principal_of(vendor), email="v@example.org",
                                          return_url="http://parity.test/r", refresh_url="http://parity.test/f")
            acct = connect.account_of(s, vendor.id).account_id
    assert "/connect/onboard/" in url
    evt = fake.finish_onboarding(acct)
    assert post_event(client, evt).status_code == 200
    return acct


def money(app, order_id) -> ledger.OrderMoney:
    with app.app_context():
        s = db.session()
        return ledger.order_money(s, s.get(Order, order_id))
