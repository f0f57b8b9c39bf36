"""Rows staged in a write transaction (audit entries, idempotency records): written with it,
in order, and never when it rolls back — not even by the session's next transaction."""
from __future__ import annotations

import pytest
from sqlmodel import select

from broker import db, insert_at_commit
from broker.clock import now
from broker.models import AuditEntry, IdempotencyRecord
from broker import audit


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session().exec(select(AuditEntry.action).order_by(AuditEntry.id)))


@pytest.mark.parametrize("entries", [1, 3, insert_at_commit.MAX_COMBINED + 3])  # one statement, or one per table (ordered)
def test_staged_rows_are_written_in_order_with_the_transaction(app, make, entries):
    dev = make.org()
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            for i in range(entries):
                audit.record(s, None, f"test.{i}", "org", dev.id, after={"i": i})
            insert_at_commit.add(s, IdempotencyRecord.__table__, {"org_id": dev.id, "route": "test", "key": "k",
                                                        "request_hash": "h", "status": 201, "body": "{}",
                                                        "created_at": now()})
        rec = s.exec(select(IdempotencyRecord).where(IdempotencyRecord.route == "test")).one()
        assert rec.org_id == dev.id and rec.status == 201
        after = s.exec(select(AuditEntry.after).where(AuditEntry.action == f"test.{entries - 1}")).one()
        assert after == {"i": entries - 1}
    assert [a for a in _actions(app) if a.startswith("test.")] == [f"test.{i}" for i in range(entries)]


def test_rows_staged_in_a_failed_transaction_are_never_written(app, make):
    dev = make.org()
    with app.app_context():
        s = db.session()
        with pytest.raises(ValueError), db.transaction(s):
            audit.record(s, None, "test.lost", "org", dev.id)
            raise ValueError("a rule refused the change")
        with db.transaction(s):
            audit.record(s, None, "test.kept", "org", dev.id)
    actions = _actions(app)
    assert "test.kept" in actions and "test.lost" not in actions

