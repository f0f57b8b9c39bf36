"""The operator's lists (paged with the shared keyset cursor, filtered, searched) and the
confirmation step before destructive acts (no JavaScript: a page, then the POST)."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from broker import db
from broker.clock import now
from broker.models import CapacityRequest, Org, OrgStatus, RequestStatus, Stake
from broker.models.ledger import Payment
from tests.helpers import csrf_from, login


def _operator(client, make):
    login(client, make.user(make.org("operator", name="Parity Ops")).email)


def _requests(app, org, n, **kw):
    with app.app_context(), db.transaction(db.session()) as s:
        rows = [CapacityRequest(org_id=org.id, task_type="annotation", units=100, max_unit_price_minor=240,
                                currency="USD", submitted_at=now(), **kw) for _ in range(n)]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def _ids(html: str, prefix: str) -> list[int]:
    return [int(x) for x in re.findall(rf">{prefix}-(\d+)</a>", html)]


def test_requests_page_filters_searches_and_pages(client, make, app):
    a, b = make.org(name="Tessellate AI"), make.org(name="Orbital Minds")
    ids_a = _requests(app, a, 20)
    ids_b = _requests(app, b, 10, status=RequestStatus.cancelled)
    _operator(client, make)

    first = client.get("/admin/requests").get_data(as_text=True)
    assert _ids(first, "R") == sorted(ids_a + ids_b, reverse=True)[:25]
    assert "USD 2.40" in first or "2.40 USD" in first  # money, never minor units
    nxt = re.search(r'href="(/admin/requests\?cursor=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(nxt).get_data(as_text=True)
    assert _ids(second, "R") == sorted(ids_a + ids_b, reverse=True)[25:] and "First page" in second

    cancelled = client.get("/admin/requests?status=cancelled").get_data(as_text=True)
    assert sorted(_ids(cancelled, "R")) == ids_b
    by_org = client.get(f"/admin/requests?org={a.id}").get_data(as_text=True)
    assert sorted(_ids(by_org, "R")) == ids_a[-20:]
    assert _ids(client.get(f"/admin/requests?q=R-{ids_a[3]}").get_data(as_text=True), "R") == [ids_a[3]]
    assert sorted(_ids(client.get("/admin/requests?q=orbital").get_data(as_text=True), "R")) == ids_b
    # The filter survives paging: the next link keeps status/org/q.
    page = client.get(f"/admin/requests?org={a.id}&limit=5").get_data(as_text=True)
    assert f"org={a.id}" in re.search(r'href="(/admin/requests\?cursor=[^"]+)"', page).group(1)
    assert client.get("/admin/requests?cursor=forged").status_code == 400
    assert client.get("/admin/requests?status=nonsense").status_code == 200  # an unknown filter is ignored


def test_orders_orgs_and_invoices_lists(client, make, market, app):
    dev, ven = make.org(name="Tessellate AI"), make.org("vendor", name="Lumen Label Works")
    off = market.offering(ven, title="Street-scene boxes")
    orders = [market.order(developer=dev, vendor=ven, offering_id=off.id, units=3, price=240) for _ in range(3)]
    with app.app_context(), db.transaction(db.session()) as s:
        s.add(Payment(order_id=orders[0].id, org_id=dev.id, method="invoice", number="INV-T-1", amount_minor=720,
                      currency="USD", due_at=now() - timedelta(days=1)))
    _operator(client, make)
    text = client.get("/admin/orders").get_data(as_text=True)
    assert _ids(text, "O") == [o.id for o in reversed(orders)]
    assert "Street-scene boxes" in text and "Lumen Label Works" in text and "7.20" in text
    assert _ids(client.get(f"/admin/orders?q=O-{orders[1].id}").get_data(as_text=True), "O") == [orders[1].id]
    assert _ids(client.get("/admin/orders?status=delivered").get_data(as_text=True), "O") == []

    orgs = client.get("/admin/orgs?kind=vendor").get_data(as_text=True)
    assert "Lumen Label Works" in orgs and "Tessellate AI" not in orgs
    inv = client.get("/admin/invoices?status=open").get_data(as_text=True)
    assert "INV-T-1" in inv and "overdue" in inv and "Mark paid…" in inv


def test_destructive_acts_ask_first_and_act_only_when_confirmed(client, make, app):
    dev = make.org(name="Tessellate AI")
    rid = _requests(app, dev, 1)[0]
    _operator(client, make)
    listing = client.get("/admin/requests").get_data(as_text=True)
    link = re.search(r'href="(/admin/confirm/cancel-request/\d+[^"]*)"', listing).group(1).replace("&amp;", "&")
    page = client.get(link).get_data(as_text=True)
    assert f"Cancel request R-{rid}" in page and "Tessellate AI" in page and "cannot be undone" in page
    assert f'action="/requests/{rid}/cancel"' in page and 'name="confirmed" value="yes"' in page
    token = csrf_from(page)
    client.post(f"/requests/{rid}/cancel", data={"csrf_token": token, "confirmed": "yes"})
    with app.app_context():
        assert db.session().get(CapacityRequest, rid).status == RequestStatus.cancelled

    # Suspending an org: a POST without confirmation only leads to the confirmation page.
    r = client.post(f"/admin/orgs/{dev.id}/suspend", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/admin/confirm/suspend-org/{dev.id}")
    with app.app_context():
        assert db.session().get(Org, dev.id).status == OrgStatus.approved
    client.post(f"/admin/orgs/{dev.id}/suspend", data={"csrf_token": token, "confirmed": "yes"})
    with app.app_context():
        assert db.session().get(Org, dev.id).status == OrgStatus.suspended
    assert client.get("/admin/confirm/no-such-act/1").status_code == 404
    assert client.get("/admin/confirm/cancel-request/999999").status_code == 404


def test_ending_a_stake_asks_first(client, make, market, app):
    holder, vendor = make.org(name="Helios"), make.org("vendor", name="Northstar")
    stake = market.stake(holder, vendor)
    _operator(client, make)
    admin = client.get("/admin").get_data(as_text=True)
    assert f"/admin/confirm/end-stake/{stake.id}" in admin
    token = csrf_from(admin)
    r = client.post(f"/admin/stakes/{stake.id}/end", data={"csrf_token": token})
    assert r.headers["Location"].endswith(f"/admin/confirm/end-stake/{stake.id}")
    with app.app_context():
        assert db.session().get(Stake, stake.id).ended_at is None
    client.post(f"/admin/stakes/{stake.id}/end", data={"csrf_token": token, "confirmed": "yes"})
    with app.app_context():
        assert db.session().get(Stake, stake.id).ended_at is not None


def test_lists_are_for_operators(client, make):
    login(client, make.user(make.org("vendor")).email)
    for path in ("/admin/requests", "/admin/orders", "/admin/orgs", "/admin/invoices", "/admin/confirm/suspend-org/1"):
        assert client.get(path).status_code == 403, path
    assert client.post("/admin/orgs/1/suspend").status_code in (400, 403)
    with client.application.app_context():
        assert db.session().exec(select(Org).where(Org.status == OrgStatus.suspended)).all() == []
