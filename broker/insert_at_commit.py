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

_KEY = "parity_insert_at_commit"
MAX_COMBINED = 4  # tables in one statement; keeps the statement shapes few
_COMBINED: dict[tuple, sa.Insert] = {}


def add(s: Session, table: sa.Table, values: dict) -> None:
    """Queue a row (every row of one table with the same columns, and the same expression for
    a computed column) for the current write."""
    s.info.setdefault(_KEY, []).append((table, values))


def discard(s: Session) -> None:
    s.info.pop(_KEY, None)


def flush(s: Session) -> None:
    rows = s.info.pop(_KEY, None)
    if not rows:
        return
    conn = s.connection()
    tables = [table for table, _ in rows]
    if conn.dialect.name == "postgresql" and 1 < len(rows) <= MAX_COMBINED and len(set(tables)) == len(rows):
        conn.execute(_combined(rows), {f"r{i}_{k}": v for i, (_, values) in enumerate(rows)
                                       for k, v in values.items() if not isinstance(v, sa.ClauseElement)})
        return
    by_table: dict[sa.Table, list[dict]] = {}
    for table, values in rows:
        by_table.setdefault(table, []).append(values)
    for table, many in by_table.items():
        computed = {k: v for k, v in many[0].items() if isinstance(v, sa.ClauseElement)}
        if computed:
            for values in many:
                conn.execute(sa.insert(table).values(computed),
                             {k: v for k, v in values.items() if k not in computed})
        else:
            conn.execute(sa.insert(table), many if len(many) > 1 else many[0])


def _combined(rows: list[tuple[sa.Table, dict]]) -> sa.Insert:
    shape = tuple((table.name, tuple(values)) for table, values in rows)
    stmt = _COMBINED.get(shape)
    if stmt is None:
        inserts = [sa.insert(table).values({k: v if isinstance(v, sa.ClauseElement)
                                            else sa.bindparam(f"r{i}_{k}", type_=table.c[k].type)
                                            for k, v in values.items()})
                   for i, (table, values) in enumerate(rows)]
        stmt = inserts[-1]
        for i, first in enumerate(inserts[:-1]):
            stmt = stmt.add_cte(first.cte(f"staged_{i}"))
        stmt = _COMBINED.setdefault(shape, stmt)
    return stmt
