"""Online backups and restores of the database (``flask db backup`` / ``flask db restore``).

SQLite: sqlite3's backup API copies the database in one step inside a read transaction, so
the copy is one consistent moment even while requests are being written (WAL lets the
writers go on meanwhile). PostgreSQL: ``pg_dump --format=custom``, which reads everything in
one snapshot, and ``pg_restore``. A restore goes into an empty database only: restoring over
live data is never what a tired operator meant.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


def _sqlite_path(url: sa.engine.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _libpq(url: sa.engine.URL) -> str:
    """The URL as pg_dump/pg_restore take it: no driver suffix, and no password (that goes
    in PGPASSWORD, not on a command line every user can list)."""
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(database_url: str, target: str | os.PathLike) -> Path:
    """Write a consistent copy of the database to ``target`` (which must not exist yet)."""
    url = sa.engine.make_url(database_url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists; give a new file name")
    partial = target.with_name(target.name + ".partial")
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_path(url), partial)
    elif url.get_backend_name() == "postgresql":
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(partial), _libpq(url)], url)
    else:
        raise BackupError(f"no backup for {url.get_backend_name()} databases")
    partial.rename(target)
    return target


def restore(backup_file: str | os.PathLike, database_url: str) -> None:
    """Load a backup into the (empty) database at ``database_url``."""
    url = sa.engine.make_url(database_url)
    source = Path(backup_file)
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    engine = sa.create_engine(database_url)
    try:
        tables = sa.inspect(engine).get_table_names()
    except sa.exc.OperationalError as e:
        raise BackupError(f"cannot reach the target database: {str(e).splitlines()[0]}") from None
    finally:
        engine.dispose()
    if tables:
        raise BackupError(f"the target database is not empty ({len(tables)} tables): restore into a new one")
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(source, _sqlite_path(url))
    elif url.get_backend_name() == "postgresql":
        _run([_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", _libpq(url), str(source)], url)
    else:
        raise BackupError(f"no restore for {url.get_backend_name()} databases")


def _sqlite_copy(source: Path, target: Path) -> None:
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # pages=-1: the whole database in one step, one read transaction
        if dst.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"the copy of {source} fails SQLite's quick_check")
    finally:
        dst.close()
        src.close()


def _run(argv: list[str], url: sa.engine.URL) -> None:
    env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-2000:]}")
