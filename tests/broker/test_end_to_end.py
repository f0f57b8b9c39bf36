"""The issue's end-to-end story: three developers (one a group of two affiliated orgs, one
holding a stake in the vendor) ask for more than a vendor's capacity before the cutoff; the
scheduler's main round allocates exactly what the engine computes from the stored input;
replaying the published input reproduces the output byte for byte; the vendor accepts and
delivers; the developers read their explanations."""
from __future__ import annotations

import subprocess
import sys
from collections import defaultdict
from datetime import timedelta

from sqlmodel import select

from broker import db
from broker.fairness import allocate, dumps_result
from broker.models import Allocation, Round
from broker.periods import cutoff_of, next_period, period_of
from broker.scheduler.jobs import registry, run_once
from broker.services.rounds import Pseudonyms
from tests.builders import request_body
from tests.helpers import auth


def test_three_developers_one_round_replayed_delivered_explained(app, client, make, market, clock):
    period = next_period(period_of(clock()))
    vendor = make.org("vendor", name="Acme Labeling")
    off = market.offering(vendor, capacity=30, price=1000, periods=[period])
    a1, a2 = make.org(name="Big AI"), make.org(name="Big AI Research")
    investor, small = make.org(name="Investor AI"), make.org(name="Small Lab", headcount=12)
    op = make.token(make.org("operator"))
    grp = client.post("/api/v1/admin/groups", headers=auth(op),
                      json={"name": "Big AI family", "reason": "common control since 2025", "member_ids": [a1.id, a2.id]})
    assert grp.status_code == 201, grp.json
    stake = client.post("/api/v1/admin/stakes", headers=auth(op), json={
        "holder_org_id": investor.id, "vendor_org_id": vendor.id, "percent": 20.0, "kind": "equity"})
    assert stake.status_code == 201, stake.json
    assert client.get("/api/v1/stakes").json["items"][0]["holder"] == "Investor AI"  # public

    tokens = {o.id: make.token(o) for o in (a1, a2, investor, small)}
    wants = {a1.id: 15, a2.id: 10, investor.id: 20, small.id: 12}
    rids = {}
    for org_id, units in wants.items():
        clock.advance(minutes=7)
        r = client.post("/api/v1/requests", json=request_body(units=units), headers=auth(tokens[org_id]))
        assert r.status_code == 201 and r.json["reason"]["code"] == "awaiting_round"
        rids[org_id] = r.json["id"]

    clock.set(cutoff_of(period, 48) + timedelta(seconds=20))
    job = registry(app)["rounds"]
    detail = run_once(app, job, clock().replace(second=0))
    assert "main" in detail
    assert run_once(app, job, clock().replace(second=0)) is None  # the slot ran; a second leader skips it

    with app.app_context():
        s = db.session()
        rnd = s.exec(select(Round).where(Round.kind == "main")).one()
        names = Pseudonyms(period, app.config["SECRET_KEY"])
        engine = allocate(__import__("json").loads(rnd.input_json))
        expected = defaultdict(int)
        for a in engine["allocations"]:
            expected[a["request"]] += a["units"]
        stored = defaultdict(int)
        for a in s.exec(select(Allocation).where(Allocation.round_id == rnd.id)):
            stored[names("req", a.request_id)] += a.units
        assert stored == expected and sum(stored.values()) == 30
        assert dumps_result(engine) == rnd.output_json
    # Three principals, capacity 30: ten each. The group's two orgs share its ten (oldest
    # first inside the org, by weight between orgs); the stake buys nothing.
    tokens = {o.id: make.token(o) for o in (a1, a2, investor, small)}  # the clock moved days on
    got = {org_id: client.get(f"/api/v1/requests/{rid}", headers=auth(tokens[org_id])).json
           for org_id, rid in rids.items()}
    assert got[investor.id]["units_allocated"] == 10 and got[small.id]["units_allocated"] == 10
    assert got[a1.id]["units_allocated"] + got[a2.id]["units_allocated"] == 10
    for body in got.values():
        assert body["status"] == "partial"
        assert body["reason"]["code"] == "fair_share_reached" and body["reason"]["level"]["exact"]
        assert body["allocations"][0]["explanation"]["explanation"].startswith("Got ")
    assert got[small.id]["reason"]["share"] == 10 and got[small.id]["reason"]["demand"] == 12

    listing = client.get("/api/v1/rounds").json["items"]
    assert [x["kind"] for x in listing] == ["main"]
    inp = client.get(listing[0]["links"]["input"]).get_data()
    out = client.get(listing[0]["links"]["output"]).get_data()
    assert b"Big AI" not in inp and b'"org-' in inp and b'"grp-' in inp
    replay = subprocess.run([sys.executable, "-m", "broker.fairness"], input=inp, capture_output=True, check=True)
    assert replay.stdout == out

    vtok = make.token(vendor)
    orders = client.get("/api/v1/orders", headers=auth(vtok)).json["items"]
    assert sum(o["units"] for o in orders) == 30 and {o["status"] for o in orders} == {"offered"}
    clock.set(cutoff_of(period, 48) + timedelta(days=2, hours=3))  # inside the period
    vtok = make.token(vendor)
    tokens[small.id] = make.token(small)
    for o in orders:
        assert client.post(f"/api/v1/orders/{o['id']}/accept", headers=auth(vtok)).status_code == 200
        r = client.post(f"/api/v1/orders/{o['id']}/deliveries", headers=auth(vtok),
                        json={"units": o["units"], "external_id": f"batch-{o['id']}"})
        assert r.status_code == 201 and r.json["status"] == "delivered", r.json
    mine = client.get("/api/v1/orders", headers=auth(tokens[small.id])).json["items"]
    assert [(o["units"], o["units_delivered"], o["status"]) for o in mine] == [(10, 10, "delivered")]
    news = client.get("/api/v1/notifications", headers=auth(tokens[small.id])).json["items"]
    assert {n["kind"] for n in news} >= {"allocation.new", "order.accepted", "delivery.new"}
    assert off.id == orders[0]["offering_id"]
