"""A vendor accepts or declines an order (with a reason); a decline gives the units back to the
pool for the next spot round and to the developer's request, and tells the developer why.
Refused decisions answer 4xx with a message, on the API and on the page."""
from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlmodel import select

from broker import db
from broker.clock import now
from broker.models import Allocation, CapacityRequest, Notification, Order, RequestReceipt
from broker.services import capacity, orders, rounds
from tests.broker.test_rounds_service import submit
from tests.helpers import auth


def _round(app, clock):
    with app.app_context():
        return rounds.run_due(db.session(), clock())


def _next_spot(app, clock):
    with app.app_context():
        step = int(__import__("broker.policy", fromlist=["current_params"]).current_params(
            db.session(), __import__("broker.periods", fromlist=["period_of"]).period_of(clock()))["spot_interval_minutes"])
    clock.set(clock() + timedelta(minutes=step))
    return _round(app, clock)


def _notes(app, org, kind):
    with app.app_context():
        return db.session().exec(select(Notification).where(Notification.org_id == org.id,
                                                            Notification.kind == kind)).all()


def test_decline_releases_units_to_the_next_spot_round_and_tells_the_developer(client, make, market, app, clock):
    vendor, other_vendor = make.org("vendor", name="Northstar Labs"), make.org("vendor")
    off = market.offering(vendor, capacity=10)
    dev, dev2 = make.org(name="Acme AI"), make.org(name="Beta ML")
    rid = submit(app, dev, units=10)
    _round(app, clock)
    vtok, dtok, otok = make.token(vendor), make.token(dev), make.token(other_vendor)
    order = client.get("/api/v1/orders", headers=auth(vtok)).json["items"][0]
    oid = order["id"]
    # a second developer now wants the same capacity: nothing is free
    rid2 = submit(app, dev2, units=10)
    _next_spot(app, clock)
    with app.app_context():
        s = db.session()
        assert s.get(CapacityRequest, rid2).units_allocated == 0
        assert capacity.committed(s, off.id, order["period"])[0] == 10
    vtok, dtok, otok = make.token(vendor), make.token(dev), make.token(other_vendor)  # the clock moved on

    # refusals: no reason, the developer, another vendor
    r = client.post(f"/api/v1/orders/{oid}/decline", json={"reason": ""}, headers=auth(vtok))
    assert r.status_code == 422
    r = client.post(f"/api/v1/orders/{oid}/decline", json={"reason": "   "}, headers=auth(vtok))
    assert r.status_code == 422 and "reason" in r.json["detail"]
    assert client.post(f"/api/v1/orders/{oid}/decline", json={"reason": "x"}, headers=auth(dtok)).status_code == 403
    assert client.post(f"/api/v1/orders/{oid}/decline", json={"reason": "x"}, headers=auth(otok)).status_code == 404

    r = client.post(f"/api/v1/orders/{oid}/decline", json={"reason": "Our medical reviewers are booked this week"},
                    headers=auth(vtok))
    assert r.status_code == 200, r.json
    assert r.json["status"] == "declined" and r.json["decline_reason"] == "Our medical reviewers are booked this week"
    # a second decision is refused with a message
    again = client.post(f"/api/v1/orders/{oid}/decline", json={"reason": "again"}, headers=auth(vtok))
    assert again.status_code == 409 and "declined" in again.json["detail"]
    assert client.post(f"/api/v1/orders/{oid}/accept", headers=auth(vtok)).status_code == 409

    (note,) = _notes(app, dev, "order.declined")
    assert f"O-{oid}" in note.message and "Our medical reviewers are booked this week" in note.message
    assert "Northstar Labs" in note.message and note.data["order_id"] == oid and note.data["request_id"] == rid
    with app.app_context():
        s = db.session()
        assert capacity.committed(s, off.id, order["period"])[0] == 0  # the units are free again
        req = s.get(CapacityRequest, rid)
        assert (req.status.value, req.units_allocated) == ("pending", 0)
        events = [x.event for x in s.exec(select(RequestReceipt).where(RequestReceipt.request_id == rid)
                                           .order_by(RequestReceipt.seq))]
        assert events == ["submitted", "reopened"]
    expl = client.get(f"/api/v1/requests/{rid}", headers=auth(dtok)).json["explanation"]
    assert expl["headline"].startswith("No round has considered this request") and expl["change"]

    # the next spot round hands the 10 units out again: both developers wait for them, equal shares
    _next_spot(app, clock)
    with app.app_context():
        s = db.session()
        got = {r_: s.get(CapacityRequest, r_).units_allocated for r_ in (rid, rid2)}
        assert got == {rid: 5, rid2: 5}
        live = s.exec(select(Allocation).where(Allocation.offering_id == off.id, orders.holds_capacity())).all()
        assert sum(a.units for a in live) == 10


def test_accept_notifies_and_delivered_orders_cannot_be_declined(client, make, market, app, clock):
    vendor = make.org("vendor")
    market.offering(vendor, capacity=10)
    dev = make.org()
    submit(app, dev, units=4)
    _round(app, clock)
    vtok = make.token(vendor)
    oid = client.get("/api/v1/orders", headers=auth(vtok)).json["items"][0]["id"]
    assert client.post(f"/api/v1/orders/{oid}/accept", headers=auth(vtok)).status_code == 200
    (note,) = _notes(app, dev, "order.accepted")
    assert f"O-{oid}" in note.message and "4 units" in note.message
    assert client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 1}, headers=auth(vtok)).status_code == 201
    r = client.post(f"/api/v1/orders/{oid}/decline", json={"reason": "changed our mind"}, headers=auth(vtok))
    assert r.status_code == 409 and "partly delivered" in r.json["detail"]
    assert client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 3}, headers=auth(vtok)).status_code == 201
    r = client.post(f"/api/v1/orders/{oid}/decline", json={"reason": "changed our mind"}, headers=auth(vtok))
    assert r.status_code == 409 and "delivered" in r.json["detail"]
    with app.app_context():
        assert db.session().get(Order, oid).status.value == "delivered"


def test_delivery_schedule_is_even_and_ends_with_every_unit():
    start = now().replace(hour=12, minute=0, second=0, microsecond=0)
    rows = orders.delivery_schedule(100, start, start + timedelta(days=2))
    assert [n for _, n in rows] == [25, 75, 100]
    assert rows[-1][0] == start + timedelta(days=2)
    assert orders.delivery_schedule(7, start, start) == [(start, 7)]
    rows = orders.delivery_schedule(3, start, start + timedelta(days=5, hours=12))
    assert [n for _, n in rows] == sorted(n for _, n in rows) and rows[-1][1] == 3


def test_order_pages_show_the_work_and_refuse_bad_decisions_with_4xx(client, make, market, app, clock):
    from tests.helpers import csrf_from, login
    vendor = make.org("vendor", name="Northstar Labs")
    market.offering(vendor, capacity=10)
    dev = make.org(name="Acme AI")
    lead = make.user(dev, email="lead@acme.example", name="Ada Lead")
    with app.app_context(), db.transaction(db.session()) as s:
        from broker.services import requests as requests_svc
        from tests.builders import principal_of, request_body
        p = dataclasses.replace(principal_of(dev), user_id=lead.id)
        rid = requests_svc.create(s, p, request_body(units=6, instructions_ref="https://docs.acme.example/guide")).id
    _round(app, clock)
    with app.app_context():
        oid = db.session().exec(select(Order)).one().id
    login(client, make.user(vendor).email)
    page = client.get(f"/orders/{oid}").get_data(as_text=True)
    assert f"Order O-{oid}" in page and "Acme AI" in page
    assert 'href="https://docs.acme.example/guide"' in page and "data-schedule" in page
    assert "Ada Lead" in page and "mailto:lead@acme.example" in page
    token = csrf_from(page)
    # no reason: 422 with the message, nothing written
    r = client.post(f"/orders/{oid}/decline", data={"csrf_token": token, "reason": ""})
    assert r.status_code == 422 and "say why you decline" in r.get_data(as_text=True)
    with app.app_context():
        assert db.session().get(Order, oid).status.value == "offered"
    r = client.post(f"/orders/{oid}/decline", data={"csrf_token": token, "reason": "No capacity after all"})
    assert r.status_code == 302
    again = client.post(f"/orders/{oid}/accept", data={"csrf_token": token})
    assert again.status_code == 409 and "only an offered order can be accepted" in again.get_data(as_text=True)
    listing = client.get("/orders").get_data(as_text=True)
    assert f"O-{oid}" in listing and "declined" in listing and "Acme AI" in listing
    # the developer sees the reason on the order and cannot decide for the vendor
    client.get("/logout")
    login(client, lead.email)
    mine = client.get(f"/orders/{oid}").get_data(as_text=True)
    assert "No capacity after all" in mine and f"R-{rid}" in mine
    assert client.post(f"/orders/{oid}/decline", data={"csrf_token": csrf_from(mine), "reason": "x"}).status_code == 403


def test_quota_page_names_the_offering_and_splits_what_the_reservation_covered(client, make, market, app, clock):
    from broker.services import groups, schedule
    from tests.builders import OPERATOR
    from tests.helpers import login
    vendor = make.org("vendor", name="Northstar Labs")
    off = market.offering(vendor, capacity=100, title="Clinical note review")
    dev = make.org(name="Acme AI")
    with app.app_context(), db.transaction(db.session()) as s:
        groups.reserve(s, OPERATOR, org_id=dev.id, offering_id=off.id, period=schedule.current_period(s, clock()),
                       units=5, reason="pilot")
    submit(app, dev, units=8)
    _round(app, clock)
    login(client, make.user(dev).email)
    page = client.get("/requests/quota").get_data(as_text=True)
    row = page.split("data-reservations", 1)[1].split("</tr>", 2)[1]
    assert "Clinical note review" in row and f">{off.id}<" not in row
    cells = [c.split(">")[-1] for c in row.split("</td>")[:-1]]
    assert cells[-4:] == ["5", "8", "5", "3"]  # reserved, received there, from the reservation, above it
