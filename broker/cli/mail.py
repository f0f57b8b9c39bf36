"""``flask mail``: try the mail transport, and run the outbox job now."""
from __future__ import annotations

import sys
from email.message import EmailMessage

import click
from flask import current_app
from flask.cli import with_appcontext

from broker import db
from broker.clock import now


@click.group("mail", help="Email: MAIL_URL's transport and the outbox (the scheduler sends every minute).")
def cli():
    pass


@cli.command("test", help="Send one test message to ADDRESS through MAIL_URL now (not through the "
                          "outbox); prints where it went or why it failed, and exits 1 on failure.")
@click.argument("address")
@with_appcontext
def test(address: str):
    from broker.mail import outbox, transport

    cfg = transport.from_settings(current_app.config)
    msg = EmailMessage()
    msg["Subject"] = "Parity: test message"
    msg["From"] = outbox.from_address(current_app.config)
    msg["To"] = address
    msg.set_content(f"This is a test message from Parity, sent at {now():%Y-%m-%d %H:%M:%S} UTC "
                    f"through {cfg.describe()}.")
    try:
        where = transport.send(cfg, msg, name=f"test-{now():%Y%m%dT%H%M%S}")
    except transport.MailError as e:
        click.echo(f"not sent: {e}", err=True)
        sys.exit(1)
    click.echo(f"sent to {address} via {where}")


@cli.command("send", help="Run the outbox job once now: queue new notifications, send what is due.")
@with_appcontext
def send():
    from broker.mail import outbox

    click.echo(outbox.tick(db.session(), now()))


@cli.command("status", help="How many mails are pending, sending, sent and failed.")
@with_appcontext
def status():
    from broker.mail import outbox

    for st, n in outbox.counts(db.session()).items():
        click.echo(f"{st:8} {n}")
