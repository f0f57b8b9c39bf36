"""Database engine and per-request session.

One engine per app (kept in ``app.extensions``); one session per request, cached on ``g``
and closed on teardown, as in the Flask tutorial. Services take the session as an argument
and own their transaction.
"""
from __future__ import annotations

from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from broker import config, hot_sql, insert_at_commit
from broker.models.catalog_version import SEEN_KEY as SEEN_CATALOG_VERSION
from broker.models.types import UTCDateTime  # noqa: F401 — the migrations name it broker.db.UTCDateTime


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            # WAL lets readers run beside the one writer; NORMAL is safe with WAL.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A write transaction takes SQLite's write lock at BEGIN (see ``transaction``):
            # upgrading a read transaction can fail at once with "database is locked" when
            # another writer committed meanwhile. Reads open no transaction at all: each
            # statement reads its own snapshot (as on PostgreSQL, READ COMMITTED), they run
            # beside the writer under WAL, and a request that reads and then writes spends
            # no BEGIN and COMMIT on its reads.
            if conn.get_execution_options().get("parity_write", False):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        @event.listens_for(engine, "connect")
        def _no_pysqlite_begin(dbapi_conn, _record):
            dbapi_conn.isolation_level = None

        return engine
    return sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def init_app(app: Flask) -> None:
    app.extensions["db_engine"] = make_engine(app.config["DATABASE_URL"])
    app.teardown_appcontext(close_session)


def engine() -> Engine:
    return current_app.extensions["db_engine"]


def session() -> Session:
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
        g.db_session.info[config.SETTINGS_KEY] = current_app.config  # see config.settings_of
    return g.db_session


def close_session(_exc=None) -> None:
    s = g.pop("db_session", None)
    if s is not None:
        s.close()


_CONNECTION = "parity_write_connection"


@contextmanager
def transaction(s: Session):
    """Run a unit of work: commit at the end, roll back on any error (nothing half-written).

    On SQLite the request's reads ran in autocommit; the write transaction starts with the
    write lock already held (BEGIN IMMEDIATE), on the connection the session holds (handing
    it back to the pool and taking it again would cost as much as the writes). On PostgreSQL
    (READ COMMITTED: every statement sees what is committed when it starts) the request's
    transaction is simply continued: ending it would only cost a COMMIT, a pool check-out
    with its ping, and a BEGIN. Rows staged meanwhile (``broker.insert_at_commit``) are
    inserted just before the COMMIT, or dropped with a rollback. A transaction opened inside
    another joins it.
    """
    if s.info.get("parity_write", False):
        # Nested: join the transaction already open; the outermost one commits or rolls
        # back everything (a nested COMMIT would break the outer unit of work in two).
        yield s
        return
    if s.new or s.dirty or s.deleted:
        raise RuntimeError("changes made outside db.transaction(); make them inside it")
    if not s.in_transaction():
        conn = s.connection(execution_options={"parity_write": True})
    else:
        conn = s.connection()
        if conn.dialect.name == "sqlite":  # it has only read, in autocommit (``_sqlite_begin``)
            hot_sql.send(conn, "BEGIN IMMEDIATE")
    s.info.pop(SEEN_CATALOG_VERSION, None)  # this transaction may move it
    s.info["parity_write"] = True
    s.info[_CONNECTION] = conn
    try:
        yield s
        insert_at_commit.flush(s, conn)
        s.commit()
    except BaseException:
        insert_at_commit.discard(s)
        s.rollback()
        raise
    finally:
        s.info["parity_write"] = False
        s.info.pop(_CONNECTION, None)


def connection(s: Session) -> sa.Connection:
    """The session's connection; inside ``transaction`` the one it began on, without
    ``Session.connection()``'s state checks (the submission asks four times)."""
    return s.info.get(_CONNECTION) or s.connection()


def writing(s: Session) -> bool:
    """Whether ``s`` is inside ``transaction``: statements executed directly (Core) must be."""
    return s.info.get("parity_write", False)
