"""The catalog's version: one row, moved by database triggers in every transaction that
writes a table the public catalog is built from (migration 0011).

The update takes the row's lock, which is held until the transaction ends, so two such
transactions cannot commit out of version order: a version read after a commit is larger
than any version read before it. Per-process catalog caches key their answers on it
(``broker/services/catalog_cache.py``).
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# The tables ``broker/services/catalog.py`` reads for the catalog, and the policy (pay floor).
CATALOG_TABLES = ("offering", "offering_language", "price", "capacity", "org", "policy_version")


class CatalogVersion(SQLModel, table=True):
    __tablename__ = "catalog_version"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    version: int = Field(default=0, sa_type=sa.BigInteger)


# The version a request's first query read (the bearer-token lookup reads it in the same
# statement, so the submission path needs no query of its own for it). A write transaction
# forgets it (``db.transaction``): what the request itself writes may move the version.
SEEN_KEY = "parity_catalog_version_seen"


def seen(s) -> int | None:
    return s.info.get(SEEN_KEY)


def note_seen(s, version: int | None) -> None:
    s.info[SEEN_KEY] = version or 0
