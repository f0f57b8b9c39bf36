"""The submission hot path (POST /api/v1/requests): what it reads and writes, in which
transaction, and that nothing it reads is kept beyond the request."""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import func, select

from broker import db
from broker.models import AuditEntry, CapacityRequest, IdempotencyRecord, Org, OrgStatus, Price
from broker import audit
from tests.builders import request_body
from tests.helpers import auth


@contextmanager
def statements(app):
    """Every statement the app's engine sends, with the COMMITs and ROLLBACKs between them."""
    seen: list[str] = []
    engine = app.extensions["db_engine"]

    def on_execute(conn, cursor, statement, *_):
        seen.append(" ".join(statement.split()))

    def on_commit(conn):
        seen.append("COMMIT")

    def on_rollback(conn):
        seen.append("ROLLBACK")

    hooks = (("before_cursor_execute", on_execute), ("commit", on_commit), ("rollback", on_rollback))
    for name, fn in hooks:
        event.listen(engine, name, fn)
    try:
        yield seen
    finally:
        for name, fn in hooks:
            event.remove(engine, name, fn)


def _count(app, model, *where):
    with app.app_context():
        return db.session().exec(select(func.count()).select_from(model).where(*where)).one()


def test_a_submission_reads_once_and_writes_five_rows_in_one_transaction(app, client, make, market):
    market.offering(make.org("vendor"))
    tok = make.token(make.org())
    client.post("/api/v1/requests", json=request_body(), headers=auth(tok) | {"Idempotency-Key": "warm"})
    with statements(app) as seen:
        r = client.post("/api/v1/requests", json=request_body(units=3), headers=auth(tok) | {"Idempotency-Key": "k"})
    assert r.status_code == 201, r.json
    reads = [x for x in seen if x.startswith("SELECT")]
    # The token with its org and the catalog's version; eligibility comes from the cache the
    # warm-up filled (the catalog has not moved); the key's uniqueness needs no lookup.
    assert len(reads) == 1, reads
    assert "oauth_token" in reads[0] and "catalog_version" in reads[0]
    writes = [x for x in seen if x.split()[0] in ("INSERT", "UPDATE", "DELETE", "WITH")]
    assert not any(re.search(r"\b(UPDATE|DELETE)\b", w) for w in writes)
    assert [t for w in writes for t in re.findall(r"INSERT INTO (\w+)", w)] == \
        ["capacity_request", "audit_entry", "request_receipt", "tlog_entry", "idempotency_record"]
    if app.extensions["db_engine"].dialect.name == "postgresql":
        # The audit entry, the receipt, its log entry and the idempotency record travel together;
        # the request's INSERT took the log's lock.
        assert len(writes) == 2 and "pg_advisory_xact_lock" in writes[0]
    first, last = seen.index(writes[0]), seen.index(writes[-1])
    assert "COMMIT" not in seen[first:last] and seen[last + 1:] == ["COMMIT"]  # one transaction, ending the request


def test_a_failure_after_the_request_row_is_written_leaves_nothing(app, client, make, market, monkeypatch):
    from broker.services import idempotency

    market.offering(make.org("vendor"))
    tok = make.token(make.org())

    def fail():  # called for the idempotency record, after the request and audit rows
        raise RuntimeError("disk full")

    monkeypatch.setattr(idempotency, "now", fail)
    r = client.post("/api/v1/requests", json=request_body(), headers=auth(tok) | {"Idempotency-Key": "k"})
    assert r.status_code == 500
    assert _count(app, CapacityRequest) == 0
    assert _count(app, AuditEntry, AuditEntry.action == "request.create") == 0
    assert _count(app, IdempotencyRecord) == 0


def test_a_retry_replays_and_writes_nothing_more(app, client, make, market):
    market.offering(make.org("vendor"))
    tok = make.token(make.org())
    h = auth(tok) | {"Idempotency-Key": "same"}
    first = client.post("/api/v1/requests", json=request_body(units=4), headers=h)
    again = client.post("/api/v1/requests", json=request_body(units=4), headers=h)
    assert again.status_code == 201 and again.json == first.json
    clash = client.post("/api/v1/requests", json=request_body(units=5), headers=h)
    assert clash.status_code == 422 and clash.json["type"].endswith("idempotency-key-reused")
    assert _count(app, CapacityRequest) == 1
    assert _count(app, AuditEntry, AuditEntry.action == "request.create") == 1
    assert _count(app, IdempotencyRecord) == 1


def test_org_facts_read_with_the_token_are_not_kept_past_the_request(app, client, make, market):
    market.offering(make.org("vendor"))
    dev = make.org()
    tok = make.token(dev)
    assert client.post("/api/v1/requests", json=request_body(), headers=auth(tok)).status_code == 201
    with app.app_context(), db.transaction(db.session()) as s:
        org = s.get(Org, dev.id)
        org.status = OrgStatus.suspended
        s.add(org)
    r = client.post("/api/v1/requests", json=request_body(), headers=auth(tok))
    assert r.status_code == 403 and "not approved" in r.json["detail"]


def test_a_price_change_is_seen_by_the_next_submission(app, client, make, market, clock):
    vendor = make.org("vendor")
    off = market.offering(vendor, price=1000)
    tok = make.token(make.org())
    assert client.post("/api/v1/requests", json=request_body(max_unit_price_minor=1500),
                       headers=auth(tok)).json["reason"]["code"] == "awaiting_round"
    vtok = make.token(vendor)
    r = client.post(f"/api/v1/offerings/{off.id}/prices", json={"amount_minor": 2500, "currency": "USD"},
                    headers=auth(vtok))
    assert r.status_code == 201, r.json
    clock.advance(seconds=1)
    r = client.post("/api/v1/requests", json=request_body(max_unit_price_minor=1500), headers=auth(tok))
    assert r.json["reason"] == {"code": "over_budget", "matching_offerings": 1, "cheapest_unit_price_minor": 2500}


def test_audit_entries_are_refused_outside_a_write_transaction(app, make):
    dev = make.org()
    with app.app_context():
        s = db.session()
        with pytest.raises(RuntimeError, match="inside db.transaction"):
            audit.record(s, None, "org.touch", "org", dev.id)
        with db.transaction(s):
            audit.record(s, None, "org.touch", "org", dev.id)
    assert _count(app, AuditEntry, AuditEntry.action == "org.touch") == 1


def test_a_write_after_reads_sees_what_others_committed_meanwhile(app, make, market, clock):
    """The read transaction a request opened must not pin its write to an old snapshot: on
    SQLite, upgrading it would fail as soon as another writer had committed."""
    from sqlmodel import Session

    off = market.offering(make.org("vendor"))
    with app.app_context():
        s = db.session()
        assert s.exec(select(func.count()).select_from(Price)).one() == 1  # a read transaction is open
        with Session(db.engine(), expire_on_commit=False) as other, db.transaction(other):
            other.add(Price(offering_id=off.id, amount_minor=1, currency="USD",
                            effective_from=clock() + timedelta(days=1)))
        with db.transaction(s):
            assert s.exec(select(func.count()).select_from(Price)).one() == 2
            audit.record(s, None, "price.seen", "price", 0)
    assert _count(app, AuditEntry, AuditEntry.action == "price.seen") == 1


def _reason(client, tok, **kw):
    r = client.post("/api/v1/requests", json=request_body(**kw), headers=auth(tok))
    assert r.status_code == 201, r.json
    return r.json["reason"]


def test_eligibility_is_read_again_when_the_catalog_moves(app, client, make, market):
    vendor = make.org("vendor")
    off = market.offering(vendor, price=1000)
    tok = make.token(make.org())
    assert _reason(client, tok)["code"] == "awaiting_round"
    with statements(app) as seen:
        assert _reason(client, tok)["code"] == "awaiting_round"
    assert not any("FROM offering" in x for x in seen)  # answered from the cache
    with app.app_context(), db.transaction(db.session()) as s:  # not through the API: the trigger alone
        o = s.get(type(off), off.id)
        o.status = "paused"
        s.add(o)
    with statements(app) as seen:
        assert _reason(client, tok) == {"code": "no_matching_offering"}
    assert any("FROM offering" in x for x in seen)


def test_a_cached_answer_ends_when_a_scheduled_price_starts(app, client, make, market, clock):
    vendor = make.org("vendor")
    off = market.offering(vendor, price=1000)
    tok = make.token(make.org())
    with app.app_context(), db.transaction(db.session()) as s:
        current = s.exec(select(Price).where(Price.offering_id == off.id)).one()
        current.effective_to = clock() + timedelta(minutes=10)
        s.add(current)
        s.add(Price(offering_id=off.id, amount_minor=3000, currency="USD",
                    effective_from=clock() + timedelta(minutes=10)))
    assert _reason(client, tok, max_unit_price_minor=1500)["code"] == "awaiting_round"
    clock.advance(minutes=9)
    assert _reason(client, tok, max_unit_price_minor=1500)["code"] == "awaiting_round"
    clock.advance(minutes=2)  # nothing was written: only time moved past the new price's start
    assert _reason(client, tok, max_unit_price_minor=1500) == {
        "code": "over_budget", "matching_offerings": 1, "cheapest_unit_price_minor": 3000}


def test_the_cache_is_per_database(app, client, make, market):
    """Two apps on two databases may have the same catalog version: answers never cross."""
    from broker.services import eligibility

    market.offering(make.org("vendor"))
    tok = make.token(make.org())
    assert _reason(client, tok)["code"] == "awaiting_round"
    assert len(eligibility._CACHES) >= 1
    assert app.extensions["db_engine"] in eligibility._CACHES
