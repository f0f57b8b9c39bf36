"""``flask db``: migrate the database schema; back it up and restore it."""
import click
from flask import current_app
from flask.cli import with_appcontext

from broker import backup as backups
from broker import migrate


@click.group("db", help="Database schema migrations (Alembic).")
def cli():
    pass


@cli.command("upgrade", help="Migrate the database to REVISION (default: the newest).")
@click.argument("revision", default="head")
@with_appcontext
def upgrade(revision):
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@cli.command("downgrade", help="Migrate the database back to REVISION (default: empty).")
@click.argument("revision", default="base")
@with_appcontext
def downgrade(revision):
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@cli.command("backup", help="Write a consistent copy of the database to FILE while the app keeps "
                            "running (SQLite: its online backup API; PostgreSQL: pg_dump, custom format).")
@click.argument("file", type=click.Path(dir_okay=False))
@with_appcontext
def backup(file):
    try:
        out = backups.backup(current_app.config["DATABASE_URL"], file)
    except backups.BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"backup written to {out} ({out.stat().st_size} bytes)")


@cli.command("restore", help="Load FILE (from `db backup`) into the database of DATABASE_URL, which "
                             "must be empty (create a new one; then point the hosts at it).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore(file):
    try:
        backups.restore(file, current_app.config["DATABASE_URL"])
    except backups.BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"restored {file}; run `flask --app wsgi db upgrade` if it predates this version")
