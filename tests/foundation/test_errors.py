"""Bad input of every kind: a 4xx problem+json naming the problem, and nothing written."""
import pytest
from sqlmodel import func, select

from broker import db
from broker.models import AuditEntry, Org
from tests.helpers import auth


def counts(app):
    with app.app_context():
        s = db.session()
        return (s.exec(select(func.count()).select_from(Org)).one(),
                s.exec(select(func.count()).select_from(AuditEntry)).one())


@pytest.fixture
def op_token(make):
    return make.token(make.org(kind="operator"))


BAD = [
    ("malformed json", dict(data="{nope", content_type="application/json"), 400, None),
    ("not json", dict(data="name=x", content_type="application/x-www-form-urlencoded"), 415, None),
    ("unknown field", dict(json={"name": "Acme", "kind": "developer", "colour": "red"}), 422, "colour"),
    ("wrong type", dict(json={"name": "Acme", "kind": "developer", "headcount": "12"}), 422, "headcount"),
    ("bool for int", dict(json={"name": "Acme", "kind": "developer", "headcount": False}), 422, "headcount"),
    ("missing field", dict(json={"name": "Acme"}), 422, "kind"),
    ("bad enum", dict(json={"name": "Acme", "kind": "emperor"}), 422, "kind"),
    ("negative", dict(json={"name": "Acme", "kind": "developer", "headcount": -1}), 422, "headcount"),
    ("array body", dict(json=[1, 2]), 422, None),
]


@pytest.mark.parametrize("label,kw,status,field", BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_problem_and_writes_nothing(app, client, op_token, label, kw, status, field):
    before = counts(app)
    r = client.post("/api/v1/orgs", headers=auth(op_token), **kw)
    assert r.status_code == status, r.get_data(as_text=True)
    assert r.mimetype == "application/problem+json"
    body = r.json
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == status
    if field:
        assert field in body["detail"]
        assert any(e["field"] == field for e in body["errors"])
    assert counts(app) == before


def test_oversized_body_is_413(app, client, op_token):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    before = counts(app)
    r = client.post("/api/v1/orgs", headers=auth(op_token),
                    json={"name": "A" * 5000, "kind": "developer"})
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    assert counts(app) == before


def test_404_and_405_are_problems_and_405_keeps_allow(client):
    r = client.get("/api/v1/nothing-here")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    r = client.delete("/api/v1/orgs")
    assert r.status_code == 405 and r.mimetype == "application/problem+json"
    assert "GET" in r.headers["Allow"]


def test_huge_integer_id_is_a_4xx_not_a_500(client):
    assert client.get("/api/v1/orgs/99999999999999999999").status_code in (404, 422)
    assert client.get("/api/v1/orgs/0").status_code == 422


def test_web_errors_are_html(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404 and r.mimetype == "text/html"


def test_conflict_is_409_and_writes_nothing(app, client, op_token):
    assert client.post("/api/v1/orgs", json={"name": "Same Name", "kind": "developer"},
                       headers=auth(op_token)).status_code == 201
    before = counts(app)
    r = client.post("/api/v1/orgs", json={"name": "Same Name", "kind": "developer"}, headers=auth(op_token))
    assert r.status_code == 409
    assert counts(app) == before


def test_idempotency_key_replays_and_refuses_a_different_body(app, client, op_token):
    h = {**auth(op_token), "Idempotency-Key": "create-acme-1"}
    first = client.post("/api/v1/orgs", json={"name": "Acme Labs", "kind": "developer"}, headers=h)
    again = client.post("/api/v1/orgs", json={"name": "Acme Labs", "kind": "developer"}, headers=h)
    assert first.status_code == again.status_code == 201
    assert first.json == again.json
    other = client.post("/api/v1/orgs", json={"name": "Other Labs", "kind": "developer"}, headers=h)
    assert other.status_code == 422
    with app.app_context():
        assert db.session().exec(select(func.count()).select_from(Org).where(Org.slug.like("%-labs"))).one() == 1


def test_pagination_walks_every_row_once(make, client):
    for i in range(7):
        make.org(name=f"Paged {i}")
    seen, cursor = [], None
    while True:
        r = client.get("/api/v1/orgs", query_string={"limit": 3, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        seen += [o["id"] for o in r.json["items"]]
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 7
    assert client.get("/api/v1/orgs", query_string={"cursor": "!!garbage"}).status_code == 400
