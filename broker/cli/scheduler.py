"""``flask scheduler``: the process that runs rounds, publication, expiry and syncs."""
import click
from flask import current_app
from flask.cli import with_appcontext

from broker import startup
from broker.config import ConfigError
from broker.scheduler import process
from broker.scheduler.jobs import registry


@click.group("scheduler", help="The scheduler process (one leader at a time; others stand by).")
def cli():
    pass


@cli.command("run", help="Run the scheduler until stopped. Safe to start twice: one leads.")
@click.option("--once", is_flag=True, help="Lead once, run every job now, and exit.")
@with_appcontext
def run(once):
    app = current_app._get_current_object()
    try:
        startup.check(app)  # a scheduler that could not sign, or count limits, does not start
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    process.run(app, once=once, poll_seconds=app.config["SCHEDULER_POLL_SECONDS"])


@cli.command("jobs", help="List the scheduled jobs and their triggers.")
@with_appcontext
def jobs():
    for job in registry(current_app):
        click.echo(f"{job.name:28} {job.trigger}")
