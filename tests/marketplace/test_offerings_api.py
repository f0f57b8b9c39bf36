"""Offerings through the API: who may create and change them, validation, audit, idempotency."""
from __future__ import annotations

from broker.models import AuditEntry, Offering, OfferingLanguage, Price
from tests.helpers import auth
from tests.builders import OFFERING


def test_vendor_lists_offering_and_it_is_public(client, market, people):
    created = market.offer(people.vendor_token, price=250, languages=["en", "pt-br", "EN"])
    assert created["vendor_org_id"] == people.vendor.id
    assert created["languages"] == ["en", "pt-BR"]  # normalised, de-duplicated
    got = client.get(f"/api/v1/offerings/{created['id']}")  # no token
    assert got.status_code == 200
    assert got.json["current_price"]["amount_minor"] == 250
    assert got.json["quality"]["consensus"] == "majority"
    entry = market.rows(AuditEntry, AuditEntry.action == "offering.create")[0]
    assert entry.after["title"] == OFFERING["title"] and entry.after["languages"] == ["en", "pt-BR"]
    assert entry.actor_org_id == people.vendor.id


def test_create_needs_a_token_and_the_catalog_scope(client, market, people):
    assert client.post("/api/v1/offerings", json=OFFERING).status_code == 401
    r = client.post("/api/v1/offerings", json=OFFERING, headers=auth(people.developer_token))
    assert r.status_code == 403 and r.content_type == "application/problem+json"
    assert market.count(Offering) == 0


def test_operator_token_cannot_list_an_offering_for_itself(client, make, market):
    op = make.org("operator")
    r = client.post("/api/v1/offerings", json=OFFERING, headers=auth(make.token(op)))
    assert r.status_code == 403
    assert market.count(Offering) == 0


def test_validation_failures_name_the_field_and_write_nothing(client, market, people):
    cases = [
        ({"task_type": "astrology"}, "task_type"),
        ({"languages": ["english!"]}, "languages.0"),
        ({"languages": []}, "languages"),
        ({"pay_currency": "XYZ"}, "pay_currency"),
        ({"effective_hourly_pay_minor": None, "pay_currency": "USD"}, "effective_hourly_pay_minor"),
        ({"turnaround_days": "3"}, "turnaround_days"),
        ({"quality": {"consensus": "coin_flip"}}, "quality.consensus"),
        ({"security": {"data_residency": "ZZ"}}, "security.data_residency"),
        ({"surprise": 1}, "surprise"),
    ]
    audit_before = market.count(AuditEntry)
    for change, field in cases:
        r = client.post("/api/v1/offerings", json={**OFFERING, **change}, headers=auth(people.vendor_token))
        assert r.status_code == 422, (change, r.get_data(as_text=True))
        assert r.content_type == "application/problem+json"
        assert field in [e["field"] for e in r.json["errors"]], (change, r.json)
    assert market.count(Offering) == 0 and market.count(OfferingLanguage) == 0
    assert market.count(AuditEntry) == audit_before


def test_idempotent_create_returns_the_first_result(client, market, people):
    h = {**auth(people.vendor_token), "Idempotency-Key": "offer-1"}
    a = client.post("/api/v1/offerings", json=OFFERING, headers=h)
    b = client.post("/api/v1/offerings", json=OFFERING, headers=h)
    assert a.status_code == b.status_code == 201 and a.json["id"] == b.json["id"]
    assert market.count(Offering) == 1


def test_vendor_changes_its_offering_with_audit_before_and_after(client, market, people):
    o = market.offer(people.vendor_token)
    r = client.patch(f"/api/v1/offerings/{o['id']}", json={"turnaround_days": 5, "languages": ["de"]},
                     headers=auth(people.vendor_token))
    assert r.status_code == 200 and r.json["turnaround_days"] == 5 and r.json["languages"] == ["de"]
    entry = market.rows(AuditEntry, AuditEntry.action == "offering.update")[0]
    assert entry.before["turnaround_days"] == 3 and entry.after["turnaround_days"] == 5
    assert entry.before["languages"] == ["en"] and entry.after["languages"] == ["de"]


def test_a_vendor_cannot_touch_another_vendors_offering(client, market, people):
    o = market.offer(people.vendor_token, price=300)
    h = auth(people.other_token)
    attempts = [
        client.patch(f"/api/v1/offerings/{o['id']}", json={"title": "Mine now"}, headers=h),
        client.post(f"/api/v1/offerings/{o['id']}/prices", json={"amount_minor": 1, "currency": "USD"}, headers=h),
        client.put(f"/api/v1/offerings/{o['id']}/capacity/2026-W49", json={"units": 5}, headers=h),
    ]
    assert [a.status_code for a in attempts] == [404, 404, 404]
    assert client.get(f"/api/v1/offerings/{o['id']}").json["title"] == OFFERING["title"]
    assert [p.amount_minor for p in market.rows(Price)] == [300]
    assert client.get(f"/api/v1/offerings/{o['id']}/capacity").json["items"] == []


def test_patch_validation_writes_nothing(client, market, people):
    o = market.offer(people.vendor_token)
    audit_before = market.count(AuditEntry)
    for body, field in (({"unit": "bucket"}, "unit"), ({"title": None}, "title"),
                        ({"pay_currency": "usd"}, "pay_currency"), ({"status": "deleted"}, "status")):
        r = client.patch(f"/api/v1/offerings/{o['id']}", json=body, headers=auth(people.vendor_token))
        assert r.status_code == 422 and field in [e["field"] for e in r.json["errors"]], r.json
    assert client.get(f"/api/v1/offerings/{o['id']}").json["unit"] == "comparison"
    assert market.count(AuditEntry) == audit_before


def test_retired_offering_leaves_the_catalog_but_keeps_its_page(client, market, people):
    o = market.offer(people.vendor_token, price=100)
    assert [i["id"] for i in client.get("/api/v1/offerings").json["items"]] == [o["id"]]
    client.patch(f"/api/v1/offerings/{o['id']}", json={"status": "retired"}, headers=auth(people.vendor_token))
    assert client.get("/api/v1/offerings").json["items"] == []
    assert client.get(f"/api/v1/offerings/{o['id']}").json["status"] == "retired"


def test_unknown_offering_is_a_404_problem(client):
    r = client.get("/api/v1/offerings/999999")
    assert r.status_code == 404 and r.content_type == "application/problem+json"
    assert client.get("/api/v1/offerings/99999999999999").status_code in (404, 422)


def test_offering_rules_hold_on_create_and_change_alike(client, market, people):
    """Title of 2–200 characters, turnaround of at most 365 days, no nulls: services.offerings
    checks them for every caller, so a change is refused as a create is."""
    h = auth(people.vendor_token)
    o = market.offer(people.vendor_token)
    for change, field in (({"title": "x"}, "title"), ({"title": "y" * 201}, "title"),
                          ({"turnaround_days": 366}, "turnaround_days"), ({"title": None}, "title"),
                          ({"turnaround_days": None}, "turnaround_days"), ({"description": None}, "description")):
        for r in (client.post("/api/v1/offerings", json={**OFFERING, **change}, headers=h),
                  client.patch(f"/api/v1/offerings/{o['id']}", json=change, headers=h)):
            assert r.status_code == 422, (change, r.get_data(as_text=True))
            assert [e["field"] for e in r.json["errors"]] == [field], (change, r.json)
    assert market.count(Offering) == 1
    assert client.get(f"/api/v1/offerings/{o['id']}").json["title"] == OFFERING["title"]
