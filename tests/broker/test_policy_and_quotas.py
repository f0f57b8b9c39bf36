"""Policy versions, groups, weights, stakes and reservations: public reads, operator writes,
and the caps DESIGN.md sets on reservations."""
from __future__ import annotations

from sqlmodel import select

from broker import db
from broker.models import AuditEntry, Guarantee
from broker.policy import DEFAULTS, current_params
from broker.periods import next_period, period_of
from tests.helpers import auth


def test_policy_defaults_change_from_next_period_with_history(client, make, app, clock):
    r = client.get("/api/v1/policy")
    assert r.status_code == 200 and r.json["version"] == 0
    assert {p["name"]: p["value"] for p in r.json["parameters"]} == {k: v for k, v in DEFAULTS.items() if k != "pay_floors"}
    assert r.json["pay_floors"] == {}
    op = make.token(make.org("operator"))
    dev = make.token(make.org())
    body = {"changes": {"max_reserved_share": 0.25}, "reason": "scarce RLHF capacity"}
    assert client.post("/api/v1/policy", json=body, headers=auth(dev)).status_code == 403
    bad = client.post("/api/v1/policy", json={"changes": {"max_reserved_share": 2}, "reason": "why not"},
                      headers=auth(op))
    assert bad.status_code == 422 and bad.json["errors"][0]["field"] == "max_reserved_share"
    unknown = client.post("/api/v1/policy", json={"changes": {"nope": 1}, "reason": "why not"}, headers=auth(op))
    assert unknown.status_code == 422
    r = client.post("/api/v1/policy", json=body, headers=auth(op))
    assert r.status_code == 201 and r.json["version"] == 1
    this, nxt = period_of(clock()), next_period(period_of(clock()))
    assert r.json["effective_period"] == nxt
    with app.app_context():
        s = db.session()
        assert current_params(s, this)["max_reserved_share"] == 0.3  # not retroactive
        assert current_params(s, nxt)["max_reserved_share"] == 0.25
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "policy.change")).one()
    assert client.get("/api/v1/policy").json["upcoming"][0]["version"] == 1
    assert [v["version"] for v in client.get("/api/v1/policy/versions").json["items"]] == [1]
    # After W49's cutoff (Saturday 00:00), a change waits for W50.
    clock.advance(days=5, hours=1)
    r = client.post("/api/v1/policy", json={"changes": {"cutoff_hours": 24}, "reason": "shorter window"},
                    headers=auth(make.token(make.org("operator"))))
    assert r.json["effective_period"] == next_period(nxt)
    assert r.json["params"]["max_reserved_share"] == 0.25  # builds on the version before it


def test_reservations_are_capped_public_and_audited(client, make, market, app, clock):
    vendor = make.org("vendor")
    p = period_of(clock())
    off = market.offering(vendor, capacity=100, periods=[p])
    devs = [make.org() for _ in range(4)]
    op = make.token(make.org("operator"))

    def reserve(org, units, period=p):
        return client.post("/api/v1/admin/reservations", headers=auth(op), json={
            "org_id": org.id, "offering_id": off.id, "period": period, "units": units, "reason": "pilot customer"})

    over = reserve(devs[0], 31)
    assert over.status_code == 422 and "at most 30" in over.json["detail"]
    assert reserve(devs[0], 30).status_code == 201
    assert reserve(devs[1], 30).status_code == 201
    assert reserve(devs[2], 30).status_code == 201
    full = reserve(devs[3], 20)
    assert full.status_code == 422 and "only 10 units are left" in full.json["detail"]
    assert reserve(devs[0], 5).status_code == 409  # one per org, offering and period
    assert reserve(devs[3], 5, period=next_period(p)).status_code == 409  # no capacity declared then
    assert reserve(make.org("vendor"), 5).status_code == 422  # only developers hold reservations
    assert len(client.get("/api/v1/reservations").json["items"]) == 3  # public, no token
    with app.app_context():
        assert len(db.session().exec(select(Guarantee)).all()) == 3
    assert client.post("/api/v1/admin/reservations", json={}, headers=auth(make.token(devs[0]))).status_code == 403


def test_weights_and_groups_shape_the_quota_picture(client, make, app):
    a, b = make.org(), make.org()
    op = make.token(make.org("operator"))
    assert client.put(f"/api/v1/admin/orgs/{a.id}/weight", json={"weight": 2.5, "reason": "public research lab"},
                      headers=auth(op)).json["weight"] == "2.5"
    assert client.put(f"/api/v1/admin/orgs/{a.id}/weight", json={"weight": 0, "reason": "zero"},
                      headers=auth(op)).status_code == 422
    g = client.post("/api/v1/admin/groups", json={"name": "A+B", "reason": "same parent company",
                                                  "member_ids": [a.id, b.id]}, headers=auth(op)).json
    q = client.get("/api/v1/quota", headers=auth(make.token(b))).json
    assert q["weight"] == "1" and q["group"]["id"] == g["id"] and q["group"]["weight"] == "2.5"
    assert client.get("/api/v1/groups").json["items"][0]["name"] == "A+B"
    assert client.put(f"/api/v1/admin/orgs/{b.id}/group", json={"group_id": None}, headers=auth(op)).json["group_id"] is None
