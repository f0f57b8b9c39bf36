"""Migration 0014 gives every request open at upgrade time a first receipt, and logs it; 0024 keeps
them append-only."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlmodel import Session

from broker import migrate
from broker.models import CapacityRequest, Org, OrgKind, OrgStatus, RequestStatus
from broker.tlog import merkle, receipts


def test_open_requests_get_a_first_receipt_at_upgrade(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrate.upgrade(url, "0010")
    engine = sa.create_engine(url)
    at = datetime(2026, 11, 20, 9, tzinfo=timezone.utc)
    with Session(engine) as s:
        org = Org(name="Old Dev", slug="old-dev", kind=OrgKind.developer, status=OrgStatus.approved)
        s.add(org)
        s.flush()
        for status, units in ((RequestStatus.pending, 10), (RequestStatus.partial, 20), (RequestStatus.cancelled, 30)):
            s.add(CapacityRequest(org_id=org.id, task_type="annotation", units=units, units_allocated=5 if units == 20 else 0,
                                  max_unit_price_minor=900, currency="USD", status=status, submitted_at=at,
                                  preferred_vendor_ids=[3], deadline=datetime(2026, 12, 24, tzinfo=timezone.utc)))
        s.commit()
    migrate.upgrade(url)
    with engine.connect() as c:
        got = c.execute(sa.text("SELECT request_id, seq, event, commitment, payload FROM request_receipt ORDER BY id")).all()
        logged = c.execute(sa.text("SELECT ref, body, leaf_hash FROM tlog_entry WHERE kind = 'receipt' ORDER BY idx")).all()
    engine.dispose()
    assert [(r.request_id, r.seq, r.event) for r in got] == [(1, 1, "submitted"), (2, 1, "submitted")]
    docs = [json.loads(r.payload) for r in got]
    assert [d["units"] - d["units_allocated"] for d in docs] == [10, 15]
    assert docs[0]["submitted_at"] == "2026-11-20T09:00:00Z" and docs[0]["deadline"] == "2026-12-24T00:00:00Z"
    for r, d in zip(got, docs):
        receipts.check(d, r.commitment)
    assert [e.ref for e in logged] == ["1.1", "2.1"]
    assert [json.loads(e.body)["commitment"] for e in logged] == [r.commitment for r in got]
    assert all(bytes.fromhex(e.leaf_hash) == merkle.leaf_hash(e.body.encode()) for e in logged)
    # Migration 0024 rebuilt the table on SQLite (dropping UNIQUE(commitment)): the rows are
    # kept and the table is append-only again.
    engine = sa.create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(sa.text("UPDATE request_receipt SET event = 'edited'"))
        raise AssertionError("request_receipt accepted an UPDATE after migration 0024")
    except sa.exc.DatabaseError as e:
        assert "append-only" in str(e)
    finally:
        engine.dispose()
