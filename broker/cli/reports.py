"""``flask --app wsgi reports …``: publish transparency reports, rotate the signing key."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from broker import db
from broker.periods import validate_period
from broker.reports import keys, publish

cli = AppGroup("reports", help="Publish signed transparency reports and manage their signing key.")


def _period(_ctx, _param, value):
    if value is None:
        return None
    try:
        return validate_period(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@cli.command("publish")
@click.option("--period", callback=_period, metavar="P",
              help="ISO week, e.g. 2026-W46. Default: every closed period not yet published. "
                   "A period still open gets provisional reports, superseded by the final ones.")
@click.option("--correction", metavar="REASON",
              help="publish corrected final reports of --period that name the ones they correct")
def publish_cmd(period, correction):
    """Build, sign and publish the access, pricing and workforce reports."""
    s = db.session()
    if correction is not None and period is None:
        raise click.UsageError("--correction needs --period")
    try:
        if period:
            out = publish.publish_period(s, period, keys_path=current_app.config["KEYS_PATH"],
                                         correction=correction)
        else:
            out = publish.publish_due(s, keys_path=current_app.config["KEYS_PATH"])
    except (publish.PublishError, FileNotFoundError) as e:
        raise click.ClickException(str(e)) from None
    if not out:
        click.echo("nothing to publish: every closed period is published")
    for p in out:
        if p.skipped:
            click.echo(f"{p.series:9} {p.period}: skipped ({p.skipped})")
        else:
            state = "provisional" if p.report.provisional else "final"
            click.echo(f"{p.series:9} {p.period}: report {p.report.id} ({state}) {p.report.digest}")


@cli.command("rotate-key")
def rotate_key():
    """Start a new Ed25519 signing key. Old keys stay in the JWKS (retired), so every report
    they signed still verifies; their private halves are deleted."""
    s = db.session()
    with db.transaction(s):
        kid, retired = keys.rotate(s, current_app.config["KEYS_PATH"])
    keys.forget_private(current_app.config["KEYS_PATH"], retired)
    click.echo(f"new signing key {kid}" + (f"; retired {', '.join(retired)}" if retired else ""))

