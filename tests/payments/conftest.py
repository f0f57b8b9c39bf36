"""Payments fixtures: a fake Stripe over real HTTP, an app in Stripe mode, orders to pay, and
the ledger invariant checked after every test (autouse)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

import pytest

from broker import db
from broker.access.principal import Principal
from broker.access.roles import ROLE_SCOPES
from broker.models import (Allocation, CapacityRequest, Capacity, Offering, Order, OrderStatus, OrgKind,
                           Price, Round)
from broker.payments import ledger
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


def principal_of(org) -> Principal:
    return Principal(org_id=org.id, role=org.kind, scopes=ROLE_SCOPES[org.kind], name=org.name)


OPERATOR = Principal(org_id=0, role=OrgKind.operator, scopes=ROLE_SCOPES[OrgKind.operator], name="ops")


@dataclass
class Market:
    app: object
    developer: object
    vendor: object
    offering_id: int
    n: int = 0

    def order(self, *, units=10, price=250, currency="USD", fee_rate="0.10", developer=None,
              period=PERIOD) -> Order:
        """An allocation and its order, as a round would leave them."""
        from broker.clock import now

        dev = developer or self.developer
        self.n += 1
        with self.app.app_context(), db.transaction(db.session()) as s:
            rnd = Round(run_key=f"test-{period}-{self.n}", period=period, kind="main", policy_version=0,
                        input_json="{}", output_json="{}", input_digest="sha256:x", output_digest="sha256:x")
            req = CapacityRequest(org_id=dev.id, task_type="annotation", units=units,
                                  max_unit_price_minor=price * 2, currency=currency, submitted_at=now())
            s.add_all([rnd, req])
            s.flush()
            alloc = Allocation(round_id=rnd.id, request_id=req.id, offering_id=self.offering_id, org_id=dev.id,
                               period=period, units=units, unit_price_minor=price, currency=currency,
                               explanation={})
            s.add(alloc)
            s.flush()
            from datetime import timedelta

            order = Order(allocation_id=alloc.id, vendor_org_id=self.vendor.id, developer_org_id=dev.id,
                          offering_id=self.offering_id, period=period, units=units, unit_price_minor=price,
                          currency=currency, fee_rate=Decimal(fee_rate), payment_due_at=now() + timedelta(hours=72))
            s.add(order)
            s.flush()
            return order

    def get(self, order_id: int) -> Order:
        with self.app.app_context():
            s = db.session()
            return s.get(Order, order_id)


@pytest.fixture
def market(app, make):
    dev = make.org("developer", name="Lab One")
    vendor = make.org("vendor", name="Label Co")
    with app.app_context(), db.transaction(db.session()) as s:
        from broker.clock import now

        off = Offering(vendor_org_id=vendor.id, title="Text labels", task_type="annotation", modality="text",
                       unit="item", turnaround_days=3)
        s.add(off)
        s.flush()
        s.add(Price(offering_id=off.id, amount_minor=250, currency="USD", effective_from=now()))
        s.add(Capacity(offering_id=off.id, period=PERIOD, units=100))
        off_id = off.id
    return Market(app, dev, vendor, off_id)


def deliver(app, market: Market, order_id: int, units: int):
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
