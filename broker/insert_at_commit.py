"""Rows queued in a write transaction and inserted together just before it commits.

Append-only rows that nothing reads back in the transaction writing them (audit entries,
idempotency records) need not be sent one by one. On PostgreSQL one row each for a few
tables goes in ONE statement (INSERTs in a WITH clause), a round trip saved per row; PostgreSQL
runs those sub-statements in no set order, so rows of one table go instead as one multi-row
INSERT, which numbers them in the order they were staged. SQLite (no INSERT inside WITH, and
no network to cross) inserts each table's rows the same way. Staged rows must not refer to
one another. A value may be a SQL expression computed when the row goes in (the log's next
index, read under the log's lock): such a table gets one row per transaction.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from broker import hot_sql

_KEY = "parity_insert_at_commit"
MAX_COMBINED = 4  # tables in one statement; keeps the statement shapes few
_COMBINED: dict[tuple, hot_sql.Prepared] = {}


def add(s: Session, table: sa.Table, values: dict) -> None:
    """Queue a row (every row of one table with the same columns, and the same expression for
    a computed column) for the current write."""
    s.info.setdefault(_KEY, []).append((table, values))


def discard(s: Session) -> None:
    s.info.pop(_KEY, None)


def flush(s: Session, conn: sa.Connection | None = None) -> None:
    """Insert the staged rows on ``conn`` (the transaction's connection: the session's if None)."""
    rows = s.info.pop(_KEY, None)
    if not rows:
        return
    conn = conn or s.connection()
    tables = [table for table, _ in rows]
    if conn.dialect.name == "postgresql" and 1 < len(rows) <= MAX_COMBINED and len(set(tables)) == len(rows):
        _combined(rows).run(conn, {f"r{i}_{k}": v for i, (_, values) in enumerate(rows)
                                   for k, v in values.items() if not isinstance(v, sa.ClauseElement)})
        return
    by_table: dict[sa.Table, list[dict]] = {}
    for table, values in rows:
        by_table.setdefault(table, []).append(values)
    for table, many in by_table.items():
        stmt, computed = _single(table, many[0])
        if computed:
            for values in many:  # a computed column reads the table: one row at a time
                stmt.run(conn, {k: v for k, v in values.items() if not isinstance(v, sa.ClauseElement)})
        else:
            stmt.run(conn, many)


_SINGLE: dict[tuple, tuple[hot_sql.Prepared, bool]] = {}


def _single(table: sa.Table, values: dict) -> tuple[hot_sql.Prepared, bool]:
    """The INSERT of one table's rows (same columns), built and compiled once per shape and sent
    to the driver directly (``hot_sql``): several staged rows go with every submission. With
    it, whether a column is computed (a SQL expression: the rows go one at a time)."""
    shape = (table.name, tuple(values))
    got = _SINGLE.get(shape)
    if got is None:
        computed = any(isinstance(v, sa.ClauseElement) for v in values.values())
        stmt = hot_sql.Prepared(sa.insert(table).values(
            {k: v if isinstance(v, sa.ClauseElement) else sa.bindparam(k, type_=table.c[k].type)
             for k, v in values.items()}))
        got = _SINGLE.setdefault(shape, (stmt, computed))
    return got


def _combined(rows: list[tuple[sa.Table, dict]]) -> hot_sql.Prepared:
    shape = tuple((table.name, tuple(values)) for table, values in rows)
    stmt = _COMBINED.get(shape)
    if stmt is None:
        inserts = [sa.insert(table).values({k: v if isinstance(v, sa.ClauseElement)
                                            else sa.bindparam(f"r{i}_{k}", type_=table.c[k].type)
                                            for k, v in values.items()})
                   for i, (table, values) in enumerate(rows)]
        combined = inserts[-1]
        for i, first in enumerate(inserts[:-1]):
            combined = combined.add_cte(first.cte(f"staged_{i}"))
        stmt = _COMBINED.setdefault(shape, hot_sql.Prepared(combined))
    return stmt
