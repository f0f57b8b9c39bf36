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
