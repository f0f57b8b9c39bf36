"""``flask db``: migrate the database schema."""
import click
from flask import current_app
from flask.cli import with_appcontext

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
