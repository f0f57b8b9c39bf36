"""``flask config``: the settings Parity reads and their current values."""
import click
from flask import current_app
from flask.cli import with_appcontext

from broker.config import SETTINGS
from broker.ratelimit import masked

_SECRET = {"SECRET_KEY", "STRIPE_API_KEY", "STRIPE_WEBHOOK_SECRET", "OIDC_CLIENT_SECRET"}
_URLS = {"DATABASE_URL", "RATELIMIT_STORAGE_URI"}  # may carry a password
# The config key of a setting, where it is not the variable's own name.
_KEY = {"PARITY_PUBLIC_URL": "PUBLIC_BASE_URL"}


@click.group("config", help="Inspect configuration.")
def cli():
    pass


@cli.command("show", help="List every setting, its description and its value (secrets masked).")
@with_appcontext
def show():
    for name, (_default, doc) in SETTINGS.items():
        value = current_app.config.get(_KEY.get(name, name.removeprefix("PARITY_")))
        if name in _SECRET and value:
            value = "***"
        elif name in _URLS and value:
            value = masked(value)
        click.echo(f"{name:24} {value!s:40} {doc}")
