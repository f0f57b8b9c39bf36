"""Alembic environment: runs on SQLite (batch mode) and PostgreSQL alike."""
from __future__ import annotations

from alembic import context

import broker.models  # noqa: F401 — registers every table on the metadata
from broker import config as parity_config
from broker.db import make_engine
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata


def _url() -> str:
    return context.config.get_main_option("sqlalchemy.url") or parity_config.load()["DATABASE_URL"]


def _render_item(type_, obj, autogen_context):
    # Our own column types are rendered by import path so migrations do not depend on
    # how a module happened to be imported.
    if type_ == "type" and obj.__class__.__module__ == "broker.models.types":  # re-exported by broker.db
        autogen_context.imports.add("import broker.db")
        return f"broker.db.{obj.__class__.__name__}()"
    return False


def _configure(**kw) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most columns in place
        compare_type=True,
        render_item=_render_item,
        **kw,
    )


def run_migrations_offline() -> None:
    _configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        _configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
