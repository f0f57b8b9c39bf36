"""The payments API and pages: who sees what, scopes, idempotent confirm, and the pages."""
from __future__ import annotations

from broker.models import Order
from tests.helpers import auth, csrf_from, login
from tests.payments.conftest import deliver, post_event


def test_confirm_is_idempotent_and_scoped(app, client, make, market):
    order = market.order(units=4, price=500)
    token = make.token(market.developer, ["requests:write", "ledger:read"])
    url = f"/api/v1/payments/allocations/{order.allocation_id}/confirm"
    first = client.post(url, headers=auth(token) | {"Idempotency-Key": "k1"})
    again = client.post(url, headers=auth(token) | {"Idempotency-Key": "k1"})
    plain = client.post(url, headers=auth(token))
    assert first.status_code == again.status_code == plain.status_code == 200
    assert first.json == again.json and plain.json["id"] == first.json["id"]
    assert first.json["method"] == "invoice" and first.json["amount_minor"] == 2000

    other = make.org("developer", name="Other Lab")
    other_token = make.token(other, ["requests:write", "ledger:read"])
    assert client.post(url, headers=auth(other_token)).status_code == 404
    assert client.get(f"/api/v1/payments/orders/{order.id}", headers=auth(other_token)).status_code == 404
    assert client.get("/api/v1/payments/invoices", headers=auth(other_token)).json["items"] == []
    assert client.get("/api/v1/payments/ledger", headers=auth(other_token)).json["items"] == []
    r = client.get("/api/v1/payments/invoices", headers=auth(token))
    assert [i["number"] for i in r.json["items"]] == [first.json["number"]]

    assert client.post(url).status_code == 401
    read_only = make.token(market.developer, ["ledger:read"])
    assert client.post(url, headers=auth(read_only)).status_code == 403
    assert client.post("/api/v1/payments/allocations/999999/confirm", headers=auth(token)).status_code == 404
    # Only operators settle invoices.
    assert client.post(f"/api/v1/payments/invoices/{first.json['id']}/paid", headers=auth(token)).status_code == 403
    ops = make.org("operator", name="Ops")
    r = client.post(f"/api/v1/payments/invoices/{first.json['id']}/paid", headers=auth(make.token(ops)))
    assert r.status_code == 200 and r.json["status"] == "paid"


def test_ledger_pagination_and_vendor_payouts(app, client, make, market):
    order = market.order(units=10, price=100)
    ops = make.token(make.org("operator", name="Ops"))
    inv = client.post(f"/api/v1/payments/allocations/{order.allocation_id}/confirm",
                      headers=auth(make.token(market.developer, ["requests:write"]))).json
    client.post(f"/api/v1/payments/invoices/{inv['id']}/paid", headers=auth(ops))
    deliver(app, market, order.id, 3)
    deliver(app, market, order.id, 2)
    dev = make.token(market.developer, ["ledger:read"])
    page1 = client.get("/api/v1/payments/ledger?limit=4", headers=auth(dev)).json
    page2 = client.get(f"/api/v1/payments/ledger?limit=4&cursor={page1['next_cursor']}", headers=auth(dev)).json
    rest = client.get(f"/api/v1/payments/ledger?limit=50&cursor={page2['next_cursor']}", headers=auth(dev)).json
    lines = page1["items"] + page2["items"] + rest["items"]
    assert len({x["id"] for x in lines}) == len(lines) == 2 + 3 * 2 + 2 * 2  # charge, 2 earns, 2 payouts
    assert sum(x["amount_minor"] for x in lines) == 0
    vendor = make.token(market.vendor, ["ledger:read"])
    payouts = client.get("/api/v1/payments/payouts", headers=auth(vendor)).json["items"]
    assert sorted(p["amount_minor"] for p in payouts) == [180, 270] and {p["status"] for p in payouts} == {"paid"}
    assert client.get("/api/v1/payments/payouts", headers=auth(dev)).json["items"] == []
    assert client.get("/api/v1/payments/ledger?cursor=@@", headers=auth(dev)).status_code == 400


def test_pages_pay_through_checkout_and_vendor_onboarding(stripe_app, client, make, market, fake_stripe):
    order = market.order(units=2, price=1500)
    make.user(market.developer, email="dev@example.org")
    login(client, "dev@example.org")
    page = client.get("/payments").get_data(as_text=True)
    assert f"Pay O-{order.id} by card" in page and "10.00%" in page  # the fee rate is on every order
    r = client.post(f"/payments/orders/{order.id}/pay", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 302 and r.location.startswith(fake_stripe.base + "/checkout/cs_")
    # Missing CSRF token: refused.
    assert client.post(f"/payments/orders/{order.id}/pay").status_code == 400
    cs = r.location.rsplit("/", 1)[1]
    fake_stripe.complete_checkout(cs)  # no webhook arrives: the return page asks Stripe
    back = client.get(f"/payments/orders/{order.id}/return", follow_redirects=True).get_data(as_text=True)
    assert "Payment received for order" in back and market.get(Order, order.id).payment_status == "paid"
    client.post("/logout", data={"csrf_token": csrf_from(back)})

    make.user(market.vendor, email="vendor@example.org")
    login(client, "vendor@example.org")
    page = client.get("/payments").get_data(as_text=True)
    assert "Set up payouts with Stripe" in page
    r = client.post("/payments/connect", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 302 and "/connect/onboard/acct_" in r.location
    fake_stripe.finish_onboarding(r.location.split("/connect/onboard/")[1].split("?")[0])
    back = client.get("/payments/connect/return", follow_redirects=True).get_data(as_text=True)
    assert "onboarding is complete" in back
    deliver(stripe_app, market, order.id, 2)
    page = client.get("/payments").get_data(as_text=True)
    assert "USD 27.00" in page and "tr_" in page  # 2 × 15.00 − 10 %, with its transfer


def test_webhook_needs_no_csrf_token_but_a_signature(stripe_app, client, fake_stripe):
    r = client.post("/stripe/webhook", data=b"{}", content_type="application/json")
    assert r.status_code == 400 and "Stripe-Signature" in r.json["detail"]
    assert post_event(client, fake_stripe.event("ping", {"id": "x", "object": "ping"})).status_code == 200
