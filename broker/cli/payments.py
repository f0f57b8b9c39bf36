"""``flask payments``: check the ledger, list what is waiting to be paid out or refunded, and
run the scheduler's payments job now."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from broker import db
from broker.clock import now


@click.group("payments", help="The ledger and the money in flight (the scheduler settles every 5 minutes).")
def cli():
    pass


@cli.command("check", help="Verify the whole ledger: every transaction balances and every order's "
                           "invariant holds (charged = vendor share + fee + refunded + held, ...). "
                           "Exits 1 and lists the problems if any.")
@with_appcontext
def check():
    from broker.payments import ledger

    problems = ledger.check_all(db.session())
    for p in problems:
        click.echo(p)
    if problems:
        click.echo(f"{len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo("ledger ok: every transaction balances, every order's money adds up")


@cli.command("pending", help="Payouts and refunds accrued but not sent yet, oldest first.")
@with_appcontext
def pending():
    from broker.payments import payouts

    rows = payouts.pending(db.session())
    if not rows:
        click.echo("nothing waiting")
        return
    click.echo(f"{'accrual':<32} {'order':>7} {'kind':<10} {'amount':>10}")
    for accrual, order_id, kind, amount in rows:
        click.echo(f"{accrual:<32} {order_id:>7} {'payout' if kind == 'earn' else 'refund':<10} {amount:>10}")


@cli.command("settle", help="Run the payments job now: release overdue unpaid orders, refund ended "
                            "periods, send every payout and refund due (idempotent; safe beside the scheduler).")
@with_appcontext
def settle():
    from broker.payments import service

    click.echo(service.settle(db.session(), now()))
