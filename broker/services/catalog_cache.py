"""A per-process cache of catalog answers, validated on every hit against the database.

The version is the ``catalog_version`` row, which database triggers move inside every
transaction that writes a table the catalog is built from (migration 0011). That update holds
the row's lock until the transaction ends, so versions follow commit order, on PostgreSQL as
on SQLite: one primary-key lookup. (The largest audit id did not: PostgreSQL assigns ids at
insert, so a transaction with a smaller id could commit after a larger one was visible, and an
answer cached in between stayed under a version that never moved.) An answer is reused only
while the version is unchanged and until the next moment time alone would change it (a
scheduled price starting, the period ending). The version is read before the data, so a
commit racing a miss can only make an entry stale early, never keep stale data.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from broker.models import CatalogVersion, Price
from broker.periods import period_end, period_of

MAX_ENTRIES = 512


@dataclass(frozen=True)
class Entry:
    version: int
    valid_until: datetime
    body: bytes


class PageCache:
    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._data: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    @staticmethod
    def version(s: Session) -> int:
        v = CatalogVersion.__table__
        return s.connection().execute(sa.select(v.c.version).where(v.c.id == 1)).scalar() or 0

    @staticmethod
    def valid_until(s: Session, now: datetime) -> datetime:
        p = Price.__table__
        nxt = s.connection().execute(sa.select(sa.func.min(p.c.effective_from)).where(p.c.effective_from > now)).scalar()
        end = period_end(period_of(now))
        if nxt is not None and nxt.tzinfo is None:
            from datetime import timezone
            nxt = nxt.replace(tzinfo=timezone.utc)
        return min(end, nxt) if nxt is not None else end

    def get(self, key: str, version: int, now: datetime) -> bytes | None:
        with self._lock:
            e = self._data.get(key)
            if e is None or e.version != version or now >= e.valid_until:
                return None
            self._data.move_to_end(key)
            return e.body

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            self._data[key] = entry
            self._data.move_to_end(key)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)
