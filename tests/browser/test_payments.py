"""Payments in a real browser: a developer pays an allocation through the (fake) Stripe
Checkout and sees it paid; the vendor onboards to Stripe Connect and sees the payout."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from broker.models import Order, OrgKind
from tests.browser import seed
from tests.payments.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, FakeStripeServer

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"


@pytest.fixture
def fake_stripe(live_server):
    server = FakeStripeServer()
    server.fake.webhook_url = live_server + "/stripe/webhook"
    live_server.app.config.update(STRIPE_API_KEY=SECRET_KEY, STRIPE_API_BASE=server.url,
                                  STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET)
    yield server.fake
    server.fake.wait_deliveries()
    server.stop()


def _setup(live_server):
    from broker.services import accounts

    with live_server.transaction() as s:
        dev = accounts.create_org(s, None, name="Pay Labs", kind=OrgKind.developer, headcount=30)
        ven = accounts.create_org(s, None, name="Deliver Co", kind=OrgKind.vendor, headcount=300)
        accounts.create_user(s, None, org=dev, email="dev@pay.example", password=PASSWORD)
        accounts.create_user(s, None, org=ven, email="ven@pay.example", password=PASSWORD)
        order = seed.order_for(s, dev, ven, units=10, price_minor=1200, due_in=timedelta(hours=72))
        return order.id, ven.id


@pytest.mark.parametrize("live_server", [{"demo": False}], indirect=True)
def test_developer_pays_through_checkout_and_vendor_sees_the_payout(live_server, page, login_as, fake_stripe,
                                                                    browser):
    order_id, vendor_id = _setup(live_server)

    # The developer pays on the hosted checkout page and comes back to see it paid.
    login_as(page, "dev@pay.example", PASSWORD)
    page.get_by_role("link", name="Payments").click()
    row = page.locator(f"#order-{order_id}")
    assert "To pay by" in row.inner_text() and "10.00%" in row.inner_text()
    row.get_by_role("button", name=f"Pay O-{order_id} by card").click()
    expect(page.get_by_role("heading", name="Fake Stripe Checkout")).to_be_visible()
    page.get_by_role("button", name="Pay 120.00 EUR").click()  # the fake Stripe page
    page.wait_for_url(live_server + "/payments")
    assert "Payment received for order" in page.locator("[role=status]").inner_text()
    assert "Paid on" in page.locator(f"#order-{order_id}").inner_text()
    assert "EUR 120.00" in page.get_by_role("table").nth(1).inner_text()  # the receipt

    # The vendor onboards through Stripe Connect, delivers 4 units, and sees the payout.
    ctx = browser.new_context(base_url=live_server.url)
    vpage = ctx.new_page()
    try:
        login_as(vpage, "ven@pay.example", PASSWORD)
        vpage.goto("/payments")
        vpage.get_by_role("button", name="Set up payouts with Stripe").click()
        vpage.get_by_role("button", name="Finish onboarding").click()
        vpage.wait_for_url(live_server + "/payments")
        assert "onboarding is complete" in vpage.locator("[role=status]").inner_text()

        from broker import db
        from broker.access.principal import Principal
        from broker.access.roles import ROLE_SCOPES
        from broker.payments import service
        from broker.services import orders

        vendor = Principal(org_id=vendor_id, role=OrgKind.vendor, scopes=ROLE_SCOPES[OrgKind.vendor])
        with live_server.app.app_context():
            s = db.session()
            with db.transaction(s):
                orders.accept(s, vendor, order_id)
            with db.transaction(s):
                d = orders.deliver(s, vendor, order_id, units=4)
                service.on_delivery_recorded(s, s.get(Order, order_id), d)
        vpage.reload()
        payouts = vpage.get_by_role("table").first.inner_text()
        assert "EUR 43.20" in payouts and "paid" in payouts and "tr_" in payouts  # 4 × 12.00 − 10 %
    finally:
        ctx.close()
    [tr] = fake_stripe.of("transfer")
    assert (tr["amount"], tr["currency"]) == (4320, "eur")
    with live_server.app.app_context():
        from broker.payments import ledger

        assert ledger.check_all(db.session()) == []
