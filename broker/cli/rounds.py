"""``flask round``: run an allocation round now, or dry-run it."""
from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from broker import db
from broker.clock import now
from broker.fairness.reading import table
from broker.periods import cutoff_of, validate_period
from broker.services import rounds, schedule


@click.group("round", help="Allocation rounds (the scheduler runs them at the cutoff and every spot interval).")
def cli():
    pass


def _slot(s, kind: str | None, period: str | None, t) -> schedule.Slot:
    if period is not None:
        try:
            validate_period(period)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--period") from None
    current = schedule.current_period(s, t)
    if kind is None and period is None:
        return schedule.due_slot(s, t)
    kind = kind or "main"
    period = period or current
    if kind == "main":
        cut = cutoff_of(period, schedule.cutoff_hours(s, period))
        if t < cut:
            raise click.UsageError(f"the request window of {period} is open until {cut:%Y-%m-%d %H:%M} UTC; "
                                   "its main round cannot run before (try --dry-run)")
        return schedule.Slot(period, "main", cut)
    if period != current:
        raise click.UsageError(f"spot rounds allocate the current period ({current}) only")
    return schedule.Slot(period, "spot", schedule.spot_floor(s, period, t))


@cli.command("run", help="Run the due rounds now (the main round if its cutoff passed and it has not "
                         "run, then the current spot slot), or the one named by --kind/--period.")
@click.option("--dry-run", is_flag=True, help="Compute and print the allocation; write nothing.")
@click.option("--kind", type=click.Choice(["main", "spot"]), default=None, help="Which round.")
@click.option("--period", default=None, help="ISO week, e.g. 2026-W48 (default: the current allocation period).")
@with_appcontext
def run(dry_run, kind, period):
    s = db.session()
    t = now()
    if dry_run:
        slot = _slot(s, kind, period, t)
        click.echo(f"dry run of {slot.run_key} (writes nothing)…")
        out = rounds.dry_run(s, slot, max(t, slot.at))
        click.echo(table(out.result, json.loads(out.input_json)), nl=False)
        click.echo(f"would allocate {sum(a['units'] for a in out.allocations)} units in {len(out.allocations)} allocations")
        return
    if kind is None and period is None:
        outs = rounds.run_due(s, t, progress=click.echo)
    else:
        slot = _slot(s, kind, period, t)
        click.echo(f"{slot.run_key}: running…")
        outs = [rounds.run(s, slot, t)]
        click.echo(rounds.summary(outs[0]))
    click.echo("done")
