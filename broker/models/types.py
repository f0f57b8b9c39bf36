"""Column types shared by the tables."""
from __future__ import annotations

from datetime import timezone

import sqlalchemy as sa


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect):
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        # SQLite: the text SQLAlchemy's DATETIME writes ("%04d-%02d-%02d %02d:%02d:%02d.%06d",
        # microseconds always), made by ``isoformat`` in one call instead of a %-format of a
        # dict of seven fields; a submission writes six of them. Held equal to SQLAlchemy's
        # composition (``process_bind_param`` then DATETIME's processor) by
        # tests/broker/test_hot_sql.py.
        def process(value):
            if value is None:
                return None
            return self.process_bind_param(value, dialect).isoformat(" ", "microseconds")

        return process

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
