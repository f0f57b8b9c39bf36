"""Statements of the submission's hot path, compiled once and handed to the driver directly.

A Core execution spends tens of microseconds of Python per statement beyond the driver's
own work (cache lookup, execution context, result metadata, processors fetched per call);
a submission sends three (PostgreSQL) to six (SQLite) statements where the bench's bare
endpoint sends one, so that overhead is a cost of the submission itself. ``Prepared``
compiles a Core statement once per dialect — its SQL text, its parameters' order, and the
bind and result processors of its columns' types, the ones SQLAlchemy applies — and runs it
on the DBAPI cursor of the SQLAlchemy connection, inside that connection's transaction.

What stays the same: the SQL sent, the conversion of every value both ways, and errors
(wrapped as SQLAlchemy's: ``IntegrityError`` still tells a retried Idempotency-Key; a lost
connection is invalidated, as Core would). When
anything listens to the engine's statements (``before_cursor_execute``: the tests that
watch what a submission sends), the statement goes through ``exec_driver_sql`` instead, so
they see it.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable

import sqlalchemy as sa

Processor = Callable[[Any], Any] | None
_CURSOR = "parity_hot_sql_cursor"


@dataclass(frozen=True)
class _Shape:
    sql: str
    positional: tuple[str, ...] | None  # parameter names in order (qmark, format); None: named
    defaults: dict[str, Any]  # values fixed in the statement itself
    binds: dict[str, Processor]
    results: tuple[Processor, ...] | None  # None: no rows come back
    # Positional: the values in order in one C call (``itemgetter``), then the processors of the
    # positions that have one. Named: the parameters that have a processor.
    getter: Callable[[dict], tuple] | None
    processed: tuple[tuple[int, Processor], ...] | tuple[tuple[str, Processor], ...]
    convert_rows: bool  # some result column has a processor
    keep_cursor: bool  # reuse one cursor per connection (psycopg)


def _getter(names: tuple[str, ...]) -> Callable[[dict], tuple]:
    """``params -> tuple of params[name] in order`` (``itemgetter`` returns a bare value for one name)."""
    if len(names) > 1:
        return operator.itemgetter(*names)
    return lambda params: tuple(params[k] for k in names)


class Prepared:
    """One Core statement (SELECT, or INSERT with or without RETURNING), run with plain values."""

    def __init__(self, stmt: sa.Executable):
        self.stmt = stmt
        self._shapes: dict[tuple[str, str], _Shape] = {}

    def _shape(self, dialect: sa.Dialect) -> _Shape:
        key = (dialect.name, dialect.driver)
        got = self._shapes.get(key)
        if got is not None:
            return got
        compiled = self.stmt.compile(dialect=dialect)
        names = compiled.positiontup
        escaped = compiled.escaped_bind_names or {}
        binds = {escaped.get(k, k): b.type.dialect_impl(dialect).bind_processor(dialect)
                 for k, b in compiled.binds.items()}
        defaults = {escaped.get(k, k): v for k, v in compiled.params.items()
                    if not compiled.binds[k].required}
        returns = list(self.stmt.exported_columns)  # a SELECT's columns, an INSERT's RETURNING
        results = None if not returns else tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in returns)
        if names is not None:
            names = tuple(names)
            getter = _getter(names)
            processed = tuple((i, binds[k]) for i, k in enumerate(names) if binds[k] is not None)
        else:
            getter, processed = None, tuple((k, p) for k, p in binds.items() if p is not None)
        got = _Shape(str(compiled), names, defaults, binds, results, getter, processed,
                     bool(results) and any(results), dialect.driver == "psycopg")
        return self._shapes.setdefault(key, got)

    @staticmethod
    def _values(shape: _Shape, params: dict):
        # Every value through its processor, None too (a JSON column writes JSON null for it,
        # as Core does). A parameter left out takes the statement's own value.
        if shape.defaults:
            params = {**shape.defaults, **params}
        if shape.getter is None:
            out = dict(params)
            for k, p in shape.processed:
                if k in out:
                    out[k] = p(out[k])
            return out
        values = shape.getter(params)
        if not shape.processed:
            return values
        values = list(values)
        for i, p in shape.processed:
            values[i] = p(values[i])
        return tuple(values)

    def run(self, conn: sa.Connection, params: dict | list[dict]) -> list[tuple]:
        """Execute with ``params`` (a list: one row each, for an INSERT without RETURNING);
        the rows it returns, converted as SQLAlchemy would."""
        shape = self._shape(conn.dialect)
        many = isinstance(params, list) and len(params) > 1
        if many:
            values = [self._values(shape, p) for p in params]
        else:
            values = self._values(shape, params[0] if isinstance(params, list) else params)
        # SQLAlchemy's own test before it dispatches any event (a PostgreSQL engine has no
        # listener at all), then the two that watch statements.
        if (conn._has_events or conn.engine._has_events) and (
                conn.dispatch.before_cursor_execute or conn.dispatch.after_cursor_execute):
            result = conn.exec_driver_sql(shape.sql, values)
            rows = result.fetchall() if shape.results is not None else []
        else:
            fairy = conn.connection
            raw = fairy.dbapi_connection
            # psycopg: one cursor per DBAPI connection, kept in the pool's per-connection
            # ``info`` (dropped with the connection): psycopg builds a cursor and its adapters'
            # caches in Python, a third of a small INSERT's client time. sqlite3's cursors are
            # cheap, and one kept open keeps its last statement open (COMMIT then refuses).
            keep = shape.keep_cursor
            cursor = fairy.info.get(_CURSOR) if keep else None
            try:
                if cursor is None:
                    cursor = raw.cursor()
                    if keep:
                        fairy.info[_CURSOR] = cursor
                (cursor.executemany if many else cursor.execute)(shape.sql, values)
                rows = cursor.fetchall() if shape.results is not None else []
                if not keep:
                    cursor.close()
            except conn.dialect.loaded_dbapi.Error as e:
                fairy.info.pop(_CURSOR, None)
                lost = conn.dialect.is_disconnect(e, raw, cursor)
                if lost:  # as Core does: the pool drops the connection instead of handing it out again
                    conn.invalidate(e)
                raise sa.exc.DBAPIError.instance(shape.sql, values, e, conn.dialect.loaded_dbapi.Error,
                                                 dialect=conn.dialect, connection_invalidated=lost) from e
        if not rows or not shape.convert_rows:
            return [tuple(r) for r in rows]
        procs = shape.results
        return [tuple(p(v) if p is not None else v for p, v in zip(procs, r)) for r in rows]


def send(conn: sa.Connection, sql: str) -> None:
    """Run a statement without parameters or rows (SQLite's BEGIN IMMEDIATE) on the driver's
    connection, or through SQLAlchemy when something listens to the statements."""
    if (conn._has_events or conn.engine._has_events) and (
            conn.dispatch.before_cursor_execute or conn.dispatch.after_cursor_execute):
        conn.exec_driver_sql(sql)
        return
    raw = conn.connection.dbapi_connection
    cursor = None
    try:
        cursor = raw.cursor()
        cursor.execute(sql)
        cursor.close()
    except conn.dialect.loaded_dbapi.Error as e:
        lost = conn.dialect.is_disconnect(e, raw, cursor)
        if lost:
            conn.invalidate(e)
        raise sa.exc.DBAPIError.instance(sql, (), e, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect,
                                         connection_invalidated=lost) from e
