"""Leader election through the database, so starting two schedulers is harmless.

PostgreSQL: a session-level advisory lock held on a dedicated connection for as long as the
process leads (it is released by the server when the process dies). SQLite: an exclusive
``flock`` on a file beside the database (released by the kernel when the process dies).
"""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

# Arbitrary but fixed: "PARITY" in ASCII, as a 63-bit advisory lock key.
ADVISORY_KEY = 0x504152495459


class LeaderLock:
    def __init__(self, engine: Engine, instance_path: str, name: str = "scheduler"):
        self.engine = engine
        self.name = name
        self._conn = None
        self._fh = None
        self._file = Path(instance_path) / f"{name}.lock"

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def try_acquire(self) -> bool:
        if self.is_postgres:
            conn = self.engine.connect()
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}).scalar()
            conn.commit()
            if got:
                self._conn = conn
            else:
                conn.close()
            return bool(got)
        fh = open(self._file, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh
        return True

    def still_held(self) -> bool:
        """False when the lock connection died (then another instance may lead)."""
        if self.is_postgres:
            if self._conn is None:
                return False
            try:
                self._conn.execute(sa.text("SELECT 1"))
                self._conn.commit()
                return True
            except Exception:  # noqa: BLE001 — a dead connection means the lock is gone
                self._conn = None
                return False
        return self._fh is not None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
                self._conn.commit()
                self._conn.close()
            except Exception:  # noqa: BLE001
                pass
            self._conn = None
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
