"""Prices are superseded, never edited; capacity goes down only to what is committed."""
from __future__ import annotations

from datetime import timedelta

from broker import db
from broker.catalog.wire import iso
from broker.models import Allocation, AuditEntry, Capacity, CapacityRequest, Guarantee, Price, Round
from tests.helpers import auth


def _price(client, token, oid, amount, currency="USD", **kw):
    return client.post(f"/api/v1/offerings/{oid}/prices", json={"amount_minor": amount, "currency": currency, **kw},
                       headers=auth(token))


def test_new_price_supersedes_the_old_one(client, market, people, clock):
    o = market.offer(people.vendor_token, price=250)
    first_at = clock.current
    clock.advance(minutes=30)  # tokens live an hour
    r = _price(client, people.vendor_token, o["id"], 275)
    assert r.status_code == 201
    hist = client.get(f"/api/v1/offerings/{o['id']}/prices").json["items"]
    assert [(p["amount_minor"], p["effective_to"] is None) for p in hist] == [(250, False), (275, True)]
    assert hist[0]["effective_to"] == hist[1]["effective_from"] == iso(clock.current)
    assert hist[0]["effective_from"] == iso(first_at)
    assert client.get("/api/v1/offerings").json["items"][0]["price"]["amount_minor"] == 275
    sup = market.rows(AuditEntry, AuditEntry.action == "price.supersede")[0]
    assert sup.before["effective_to"] is None and sup.after["effective_to"] == clock.current.isoformat()


def test_scheduled_price_takes_effect_at_its_time(client, market, people, clock):
    o = market.offer(people.vendor_token, price=250)
    start = clock.current + timedelta(days=3)
    assert _price(client, people.vendor_token, o["id"], 199, effective_from=start.isoformat()).status_code == 201
    assert client.get("/api/v1/offerings").json["items"][0]["price"]["amount_minor"] == 250
    clock.set(start)
    assert client.get("/api/v1/offerings").json["items"][0]["price"]["amount_minor"] == 199


def test_price_rules_refuse_and_write_nothing(client, market, people, clock):
    o = market.offer(people.vendor_token, price=250)
    later = clock.current + timedelta(days=5)
    assert _price(client, people.vendor_token, o["id"], 300, effective_from=later.isoformat()).status_code == 201
    before_prices, before_audit = market.count(Price), market.count(AuditEntry)
    cases = [
        (dict(amount=0), 422, "amount_minor"),
        (dict(amount=-5), 422, "amount_minor"),
        (dict(amount=True), 422, "amount_minor"),
        (dict(amount=260, currency="EUR"), 422, "currency"),  # one currency per offering
        (dict(amount=260, currency="ABC"), 422, "currency"),
        (dict(amount=260, effective_from=(clock.current - timedelta(days=1)).isoformat()), 422, "effective_from"),
        (dict(amount=260, effective_from="2026-12-01T00:00:00"), 422, "effective_from"),  # naive
        (dict(amount=260, effective_from=(clock.current + timedelta(days=400)).isoformat()), 422, "effective_from"),
        (dict(amount=260), 409, "effective_from"),  # a later price is already scheduled
    ]
    for kw, status, field in cases:
        amount = kw.pop("amount")
        r = _price(client, people.vendor_token, o["id"], amount, **kw)
        assert r.status_code == status, (kw, r.get_data(as_text=True))
        assert field in [e["field"] for e in r.json.get("errors", [])], r.json
    assert market.count(Price) == before_prices and market.count(AuditEntry) == before_audit


def test_prices_need_the_catalog_scope(client, market, people):
    o = market.offer(people.vendor_token)
    assert client.post(f"/api/v1/offerings/{o['id']}/prices", json={"amount_minor": 1, "currency": "USD"}).status_code == 401
    assert _price(client, people.developer_token, o["id"], 100).status_code == 403
    assert market.count(Price) == 0


def _allocate(app, offering_id, org, period, units):
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            rnd = Round(run_key=f"t-{period}-{units}", period=period, kind="main", policy_version=0,
                        input_json="{}", output_json="{}", input_digest="x", output_digest="x")
            req = CapacityRequest(org_id=org.id, task_type="preference_ranking", units=units,
                                  max_unit_price_minor=1000, currency="USD",
                                  submitted_at=rnd.ran_at)
            s.add_all([rnd, req])
            s.flush()
            s.add(Allocation(round_id=rnd.id, request_id=req.id, offering_id=offering_id, org_id=org.id,
                             period=period, units=units, unit_price_minor=250, currency="USD"))


def test_capacity_goes_up_any_time_and_down_only_to_what_is_allocated(client, app, market, people):
    o = market.offer(people.vendor_token, price=250)
    url, h = f"/api/v1/offerings/{o['id']}/capacity/2026-W49", auth(people.vendor_token)
    assert client.put(url, json={"units": 100}, headers=h).json["units"] == 100
    _allocate(app, o["id"], people.developer, "2026-W49", 60)
    assert client.put(url, json={"units": 150}, headers=h).status_code == 200
    r = client.put(url, json={"units": 59}, headers=h)
    assert r.status_code == 409 and r.json["errors"][0]["field"] == "units"
    assert "60 are allocated" in r.json["detail"]
    ok = client.put(url, json={"units": 60}, headers=h)
    assert ok.status_code == 200 and ok.json == {"period": "2026-W49", "units": 60, "allocated": 60, "reserved": 0}
    entries = market.rows(AuditEntry, AuditEntry.action == "capacity.set")
    assert [(e.before and e.before["units"], e.after["units"]) for e in entries] == [(None, 100), (100, 150), (150, 60)]


def test_capacity_cannot_drop_below_reservations(client, app, market, people):
    o = market.offer(people.vendor_token, price=250)
    url, h = f"/api/v1/offerings/{o['id']}/capacity/2026-W50", auth(people.vendor_token)
    client.put(url, json={"units": 100}, headers=h)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(Guarantee(org_id=people.developer.id, offering_id=o["id"], period="2026-W50", units=30))
    assert client.put(url, json={"units": 29}, headers=h).status_code == 409
    listed = client.get(f"/api/v1/offerings/{o['id']}/capacity").json["items"]
    assert listed == [{"period": "2026-W50", "units": 100, "allocated": 0, "reserved": 30}]


def test_capacity_validation(client, market, people, clock):
    o = market.offer(people.vendor_token)
    h = auth(people.vendor_token)
    cases = [("2026-W47", {"units": 5}, "period"),  # already over (clock is in W48)
             ("2026-W60", {"units": 5}, "period"), ("next-week", {"units": 5}, "period"),
             ("2031-W01", {"units": 5}, "period"),  # too far ahead
             ("2026-W49", {"units": -1}, "units"), ("2026-W49", {"units": 1.5}, "units"),
             ("2026-W49", {}, "units")]
    for period, body, field in cases:
        r = client.put(f"/api/v1/offerings/{o['id']}/capacity/{period}", json=body, headers=h)
        assert r.status_code == 422, (period, body, r.get_data(as_text=True))
        assert field in [e["field"] for e in r.json["errors"]], r.json
    assert market.count(Capacity) == 0
    # The current week can still be raised.
    assert client.put(f"/api/v1/offerings/{o['id']}/capacity/2026-W48", json={"units": 5}, headers=h).status_code == 200
