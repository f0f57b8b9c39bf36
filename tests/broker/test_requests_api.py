"""Capacity requests through the API: eligibility shown first, idempotent create, edit,
cancel, reasons, org scoping, and refusals that name the field and change nothing."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import func, select

from broker import db
from broker.models import AuditEntry, CapacityRequest
from tests.builders import request_body
from tests.helpers import auth


def test_preview_lists_eligible_offerings_and_why_others_are_not(client, make, market):
    vendor = make.org("vendor")
    cheap = market.offering(vendor, price=900)
    dear = market.offering(vendor, price=5000)
    market.offering(vendor, price=900, task_type="transcription")
    market.offering(vendor, price=900, currency="EUR")
    tok = make.token(make.org())
    r = client.post("/api/v1/requests/preview", json={"task_type": "annotation", "max_unit_price_minor": 2000,
                                                      "currency": "USD", "language": "en"}, headers=auth(tok))
    assert r.status_code == 200, r.json
    rows = {x["offering_id"]: x for x in r.json["eligible"]}
    assert rows[cheap.id]["eligible"] and rows[cheap.id]["unit_price_minor"] == 900
    assert not rows[dear.id]["eligible"] and rows[dear.id]["why_not"] == "above your maximum unit price"
    assert len(rows) == 3  # the transcription offering does not match at all
    assert r.json["reason"] is None


def test_create_is_idempotent_and_shows_awaiting_round_with_position(client, make, market):
    vendor = make.org("vendor")
    off = market.offering(vendor)
    a, b = make.org(), make.org()
    ta, tb = make.token(a), make.token(b)
    first = client.post("/api/v1/requests", json=request_body(units=7), headers=auth(ta) | {"Idempotency-Key": "k1"})
    assert first.status_code == 201, first.json
    links, rid = first.json["receipt"]["links"], first.json["id"]
    assert links == {"jws": f"/api/v1/requests/{rid}/receipts/1.jws",
                     "tlog_proof": f"/api/v1/requests/{rid}/receipts/1.tlog-proof"}
    assert client.get(links["jws"], headers=auth(ta)).get_data(as_text=True) == first.json["receipt"]["jws"]
    again = client.post("/api/v1/requests", json=request_body(units=7), headers=auth(ta) | {"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again.json["id"] == first.json["id"]
    clash = client.post("/api/v1/requests", json=request_body(units=8), headers=auth(ta) | {"Idempotency-Key": "k1"})
    assert clash.status_code == 422
    second = client.post("/api/v1/requests", json=request_body(units=5), headers=auth(tb))
    assert second.json["reason"]["code"] == "awaiting_round"
    q = client.get(f"/api/v1/requests/{second.json['id']}", headers=auth(tb)).json["queue"]
    assert q == [{"offering_id": off.id, "offering": off.title, "vendor": vendor.name, "unit_price_minor": 1000,
                  "position": 2, "requests_ahead": 1, "units_ahead": 7}]
    # Scoping: b cannot see a's request (404, not 403).
    assert client.get(f"/api/v1/requests/{first.json['id']}", headers=auth(tb)).status_code == 404
    assert [x["id"] for x in client.get("/api/v1/requests", headers=auth(tb)).json["items"]] == [second.json["id"]]


def test_reason_codes_before_the_round(client, make, market, clock):
    vendor = make.org("vendor")
    market.offering(vendor, price=3000, turnaround_days=10)
    tok = make.token(make.org())
    r = client.post("/api/v1/requests", json=request_body(task_type="red_teaming"), headers=auth(tok))
    assert r.json["reason"] == {"code": "no_matching_offering"}
    r = client.post("/api/v1/requests", json=request_body(max_unit_price_minor=1000), headers=auth(tok))
    assert r.json["reason"] == {"code": "over_budget", "matching_offerings": 1, "cheapest_unit_price_minor": 3000}
    deadline = (clock() + timedelta(days=3)).isoformat()
    r = client.post("/api/v1/requests", json=request_body(max_unit_price_minor=5000, deadline=deadline),
                    headers=auth(tok))
    assert r.json["reason"]["code"] == "deadline_unreachable"


def test_bad_input_names_the_field_and_writes_nothing(client, make, market, app):
    tok = make.token(make.org())
    cases = [
        (request_body(units=0), "units"),
        (request_body(units=True), "units"),
        (request_body(currency="XXQ"), "currency"),
        (request_body(task_type="nope"), "task_type"),
        (request_body(excluded_vendor_ids=[999999]), "excluded_vendor_ids"),
        (request_body(deadline="2020-01-01T00:00:00Z"), "deadline"),
        (request_body(deadline="2030-01-01T00:00:00"), "deadline"),
        (request_body(surprise=1), "surprise"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/requests", json=body, headers=auth(tok))
        assert r.status_code == 422, (field, r.json)
        assert r.mimetype == "application/problem+json"
        assert any(field in e["field"] for e in r.json["errors"]), (field, r.json)
    with app.app_context():
        assert db.session().exec(select(func.count()).select_from(CapacityRequest)).one() == 0
    vendor_tok = make.token(make.org("vendor"))
    assert client.post("/api/v1/requests", json=request_body(), headers=auth(vendor_tok)).status_code == 403
    assert client.post("/api/v1/requests", json=request_body()).status_code == 401


def test_edit_and_cancel_are_audited_and_refused_when_closed(client, make, market, app):
    market.offering(make.org("vendor"))
    tok = make.token(make.org())
    rid = client.post("/api/v1/requests", json=request_body(), headers=auth(tok)).json["id"]
    r = client.patch(f"/api/v1/requests/{rid}", json={"units": 25}, headers=auth(tok))
    assert r.status_code == 200 and r.json["units"] == 25
    assert client.patch(f"/api/v1/requests/{rid}", json={"units": -1}, headers=auth(tok)).status_code == 422
    r = client.post(f"/api/v1/requests/{rid}/cancel", headers=auth(tok))
    assert r.json["status"] == "cancelled" and r.json["reason"] is None
    assert client.post(f"/api/v1/requests/{rid}/cancel", headers=auth(tok)).status_code == 409
    assert client.patch(f"/api/v1/requests/{rid}", json={"units": 3}, headers=auth(tok)).status_code == 409
    with app.app_context():
        # In the order written: without ORDER BY, PostgreSQL may return rows in any order (a
        # reset test database reuses the space of deleted rows).
        actions = db.session().exec(select(AuditEntry.action).where(AuditEntry.entity == "capacity_request")
                                    .order_by(AuditEntry.id)).all()
    assert actions == ["request.create", "request.edit", "request.cancel"]


def test_the_submission_answers_what_the_models_dump_gives(app, make, market, clock):
    """The submission writes its answer without the response model (``created_json``); it
    must be the model's JSON dump, key for key and in the same order (the idempotency record
    stores it): datetimes with and without microseconds or a UTC offset, lists, a reason."""
    from datetime import timezone

    from broker.api.requests import RequestOut, created_json
    from broker.services import requests as svc
    from tests.builders import principal_of

    vendor = make.org("vendor")
    market.offering(vendor)
    dev = make.org()
    plus2 = timezone(timedelta(hours=2))
    bodies = [request_body(),
              request_body(deadline=(clock() + timedelta(days=9)).astimezone(plus2).replace(microsecond=250),
                           earliest_start=(clock() + timedelta(days=1)).replace(microsecond=0),
                           preferred_vendor_ids=[vendor.id], instructions_ref="bon à tirer", expertise=None),
              request_body(task_type="red_teaming", language="pt-BR")]
    with app.app_context():
        s = db.session()
        for body in bodies:
            req = svc.prepare(s, principal_of(dev), body)
            with db.transaction(s):
                svc.insert(s, principal_of(dev), req)
            ours, model = created_json(req), RequestOut.of(s, req, live=False).model_dump(mode="json")
            assert ours == model and list(ours) == list(model)
