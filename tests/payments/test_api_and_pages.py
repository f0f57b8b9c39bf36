"""The payments API and pages: who sees what, scopes, idempotent confirm, and the pages."""
from __future__ import annotations

import re

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


def _walk(client, path: str, pattern: str, pages: int = 4) -> tuple[set[str], int]:
    """Follow a page's "Next" links from ``path``; the matches of ``pattern`` over every
    page, and how many pages there were."""
    seen, url = set(), path
    for n in range(1, pages + 1):
        page = client.get(url)
        assert page.status_code == 200, (url, page.status_code)
        html = page.get_data(as_text=True)
        seen |= set(re.findall(pattern, html))
        nxt = re.search(r'href="([^"]*cursor=[^"]*)">Next page →', html)
        if nxt is None:
            return seen, n
        url = nxt.group(1).replace("&amp;", "&")
    raise AssertionError(f"{path}: more than {pages} pages")


def test_payment_pages_page_through_every_row(app, client, make, market):
    """The payments page used to stop at 200 rows per list (and the developer's totals counted
    only those); every list now pages, and the totals cover every order."""
    orders = [market.order(units=2, price=100) for _ in range(27)]
    dev_api = auth(make.token(market.developer, ["requests:write"]))
    invoices = [client.post(f"/api/v1/payments/allocations/{o.allocation_id}/confirm", headers=dev_api).json
                for o in orders]
    operator = make.org("operator", name="Ops")
    ops_client = app.test_client()
    login(ops_client, make.user(operator).email)
    open_ids, pages = _walk(ops_client, "/payments", r'action="/payments/invoices/(\d+)/paid"')
    assert open_ids == {str(i["id"]) for i in invoices} and pages == 2

    login(client, make.user(market.developer).email)
    lines, pages = _walk(client, "/payments", r'id="order-(\d+)"')
    assert lines == {str(o.id) for o in orders} and pages == 2
    first = client.get("/payments").get_data(as_text=True)
    assert "27 orders to pay" in first and 'data-total="due-USD">USD 54.00' in first  # all 27, not one page
    numbers, pages = _walk(client, "/payments/invoices", r'href="/payments/invoices/\d+">([^<]+)</a>')
    assert numbers == {i["number"] for i in invoices} and pages == 2

    ops_api = auth(make.token(operator))
    for inv, order in zip(invoices[:26], orders):
        client.post(f"/api/v1/payments/invoices/{inv['id']}/paid", headers=ops_api)
        deliver(app, market, order.id, 1)
    vendor = app.test_client()
    login(vendor, make.user(market.vendor).email)
    earned, pages = _walk(vendor, "/payments", r"<code>(earn:[^<]+)</code>")
    assert len(earned) == 26 and pages == 2
    vendor_api = auth(make.token(market.vendor, ["ledger:read"]))
    got, cursor = [], ""
    while cursor is not None:
        page = client.get(f"/api/v1/payments/payouts?limit=10{cursor and '&cursor=' + cursor}", headers=vendor_api).json
        got += [p["txn_id"] for p in page["items"]]
        cursor = page["next_cursor"]
    assert len(got) == len(set(got)) == 26 and set(got) == earned
    legs, pages = _walk(client, "/payments/ledger", r'data-label="Transaction"><code>([^<]+)</code>', pages=20)
    assert {x for x in legs if x.startswith("earn:")} == earned and pages >= 2
    for path in ("/payments", "/payments/invoices", "/payments/ledger"):
        assert client.get(f"{path}?cursor=bm90LWEtY3Vyc29y").status_code == 400
    assert vendor.get("/payments/invoices").status_code == 403
    assert ops_client.get("/payments/invoices").headers["Location"].endswith("/admin/invoices")


def test_a_vendors_public_page_pages_its_offerings(app, client, make, market):
    from broker.web.catalog import VENDOR_PAGE

    ids = {market.offering(market.vendor, title=f"Offering number {i}").id for i in range(VENDOR_PAGE + 3)}
    seen, url = set(), f"/vendors/{market.vendor.id}"
    for _ in range(3):
        html = client.get(url).get_data(as_text=True)
        seen |= {int(x) for x in re.findall(r'href="/catalog/offerings/(\d+)">Offering number', html)}
        if "Next →" not in html:
            break
        url = f"/vendors/{market.vendor.id}?page=2"
    assert seen == ids and "← Previous" in html
