"""``flask demo``: load the fictional demo market."""
import click
from flask.cli import with_appcontext


@click.group("demo", help="The fictional demo market (never for production).")
def cli():
    pass


@cli.command("load", help="Load the demo market; loading twice changes nothing.")
@with_appcontext
def load():
    from broker.demo.loader import load_demo

    summary = load_demo(progress=click.echo)
    click.echo(summary)
