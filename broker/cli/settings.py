"""``flask config``: the settings Parity reads and their current values."""
import click
from flask import current_app
from flask.cli import with_appcontext

from broker.config import SETTINGS

_SECRET = {"SECRET_KEY", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "OIDC_CLIENT_SECRET"}


@click.group("config", help="Inspect configuration.")
def cli():
    pass


@cli.command("show", help="List every setting, its description and its value (secrets masked).")
@with_appcontext
def show():
    for name, (_default, doc) in SETTINGS.items():
        value = current_app.config.get(name)
        if name in _SECRET and value:
            value = "***"
        click.echo(f"{name:24} {value!s:40} {doc}")
