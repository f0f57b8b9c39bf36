"""``broker.hot_sql``: a statement sent to the driver directly stores, returns and refuses
exactly what the same statement executed through SQLAlchemy Core does."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.dialects import sqlite

from broker import db, hot_sql
from broker.models import AuditEntry, CapacityRequest, IdempotencyRecord, RequestStatus
from broker.models.types import UTCDateTime

_AUDIT = AuditEntry.__table__
_IDEM = IdempotencyRecord.__table__
_REQ = CapacityRequest.__table__


def _insert(table, values):
    return sa.insert(table).values({k: sa.bindparam(k, type_=table.c[k].type) for k in values})


def _raw(conn, table, key, value):
    """The row as stored (text of JSON, dates as the backend keeps them): no type processing."""
    cols = ", ".join(f'"{c.name}"' for c in table.columns if c.name != "id")
    return conn.exec_driver_sql(f"SELECT {cols} FROM {table.name} WHERE {key} = '{value}'").one()


def _audit_row(entity_id: str) -> dict:
    return {"at": datetime(2026, 12, 3, 11, 0, 0, 123456, tzinfo=timezone.utc), "actor_user_id": None,
            "actor_client_id": "c", "actor_org_id": 1, "action": "x.test", "entity": "thing",
            "entity_id": entity_id, "before": None, "after": {"a": [1, "é"], "b": None}}


def test_an_insert_stores_the_bytes_core_stores(app, make):
    make.org()
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            conn = s.connection()
            conn.execute(_insert(_AUDIT, _audit_row("core")), _audit_row("core"))
            hot_sql.Prepared(_insert(_AUDIT, _audit_row("hot"))).run(conn, _audit_row("hot"))
            hot_sql.Prepared(_insert(_AUDIT, _audit_row("many"))).run(conn, [_audit_row("many"), _audit_row("many")])
        with db.engine().connect() as conn:
            core = _raw(conn, _AUDIT, "entity_id", "core")
            assert _raw(conn, _AUDIT, "entity_id", "hot")[:-3] == core[:-3]  # all but entity_id, before, after
            assert [tuple(r) for r in conn.exec_driver_sql(
                "SELECT entity_id, \"before\", \"after\" FROM audit_entry WHERE action = 'x.test' ORDER BY id")] == \
                [("core", core[-2], core[-1]), ("hot", core[-2], core[-1]), ("many", core[-2], core[-1]),
                 ("many", core[-2], core[-1])]  # a JSON column's None as Core writes it (SQLite: JSON null)


def test_returned_rows_are_converted_as_core_converts_them(app, make):
    dev = make.org()
    row = {"org_id": dev.id, "created_by_user_id": None, "task_type": "annotation", "language": "en",
           "expertise": None, "modality": "text", "units": 5, "max_unit_price_minor": 100, "currency": "USD",
           "deadline": None, "earliest_start": None, "preferred_vendor_ids": [], "excluded_vendor_ids": [3],
           "instructions_ref": "", "status": RequestStatus.pending, "units_allocated": 0,
           "reason": {"code": "awaiting_round"}, "submitted_at": datetime(2026, 12, 3, tzinfo=timezone.utc),
           "updated_at": datetime(2026, 12, 3, tzinfo=timezone.utc)}
    stmt = _insert(_REQ, row).returning(_REQ.c.id, _REQ.c.status, _REQ.c.submitted_at, _REQ.c.reason)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            conn = s.connection()
            core = conn.execute(stmt, row).one()
            hot = hot_sql.Prepared(stmt).run(conn, row)
        assert len(hot) == 1 and hot[0][0] == core[0] + 1
        assert hot[0][1:] == tuple(core[1:]) == (RequestStatus.pending, row["submitted_at"], row["reason"])
        sel = sa.select(_REQ.c.excluded_vendor_ids, _REQ.c.updated_at).where(_REQ.c.id == sa.bindparam("id"))
        with db.engine().connect() as conn:
            assert hot_sql.Prepared(sel).run(conn, {"id": hot[0][0]}) == [tuple(conn.execute(sel, {"id": core[0]}).one())]
            assert hot_sql.Prepared(sel).run(conn, {"id": -1}) == []


def test_a_duplicate_raises_sqlalchemy_integrity_error(app, make):
    dev = make.org()
    row = {"org_id": dev.id, "route": "r", "key": "k", "request_hash": "h", "status": 201, "body": "{}",
           "created_at": datetime(2026, 12, 3, tzinfo=timezone.utc)}
    stmt = hot_sql.Prepared(_insert(_IDEM, row))
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            stmt.run(s.connection(), row)
        with pytest.raises(sa.exc.IntegrityError):
            with db.transaction(s):
                stmt.run(s.connection(), row)
        with db.transaction(s):  # the connection (and on PostgreSQL its kept cursor) serves again
            stmt.run(s.connection(), {**row, "key": "k2"})
        with db.engine().connect() as conn:
            assert conn.exec_driver_sql("SELECT key FROM idempotency_record WHERE route = 'r' ORDER BY key"
                                        ).scalars().all() == ["k", "k2"]


def test_statements_are_seen_by_whoever_listens(app, make):
    """With a ``before_cursor_execute`` listener (tests watching what is sent), the statement
    goes through SQLAlchemy, so the listener sees it."""
    dev = make.org()
    seen = []
    engine = app.extensions["db_engine"]

    def on_execute(conn, cursor, statement, *_):
        seen.append(statement)

    stmt = hot_sql.Prepared(sa.select(_IDEM.c.id).where(_IDEM.c.org_id == sa.bindparam("org")))
    with app.app_context():
        event.listen(engine, "before_cursor_execute", on_execute)
        try:
            with db.engine().connect() as conn:
                assert stmt.run(conn, {"org": dev.id}) == []
        finally:
            event.remove(engine, "before_cursor_execute", on_execute)
        with db.engine().connect() as conn:
            assert stmt.run(conn, {"org": dev.id}) == []
    assert len(seen) == 1 and "idempotency_record" in seen[0]


def test_a_lost_connection_is_invalidated_as_core_does(app):
    stmt = hot_sql.Prepared(sa.select(_IDEM.c.id).where(_IDEM.c.org_id == sa.bindparam("org")))
    with app.app_context(), db.engine().connect() as conn:
        conn.connection.dbapi_connection.close()  # the server went away
        with pytest.raises(sa.exc.DBAPIError) as err:
            stmt.run(conn, {"org": 1})
        assert err.value.connection_invalidated and conn.invalidated


@settings(max_examples=300, deadline=None)
@given(st.datetimes(min_value=datetime(1, 1, 2), timezones=st.timezones()))
def test_sqlite_datetimes_are_written_as_sqlalchemy_writes_them(value):
    """``UTCDateTime``'s one-call SQLite processor writes the text of SQLAlchemy's own
    composition (``process_bind_param``, then SQLite DATETIME's %-format), for any aware
    datetime in any zone."""
    dialect = sqlite.dialect()
    column = UTCDateTime().dialect_impl(dialect)
    ours = column.bind_processor(dialect)
    theirs = sa.types.TypeDecorator.bind_processor(column, dialect)
    assert ours(value) == theirs(value)
    assert ours(None) is theirs(None) is None
    with pytest.raises(ValueError):
        ours(value.replace(tzinfo=None))
