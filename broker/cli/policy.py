"""``flask --app wsgi policy floors …``: the policy's pay-floor table by country."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlmodel import select

from broker import db
from broker.access.principal import Principal
from broker.catalog import payfloor
from broker.catalog.money import format_money
from broker.errors import ApiError
from broker.models import Org, OrgKind
from broker.policy import FLOORS_KEY, current_params
from broker.services import policy as svc

cli = AppGroup("policy", help="The public policy: the pay-floor table by country.")
floors = AppGroup("floors", help="Pay floors by country (ISO 3166-1 → hourly amount, currency, source, date).")
cli.add_command(floors)


def operator_principal(s) -> Principal:
    """The operator organisation, acting from the command line (audited as such)."""
    op = s.exec(select(Org).where(Org.kind == OrgKind.operator).order_by(Org.id)).first()
    if op is None:
        raise click.ClickException("no operator organisation exists yet (create one with `flask users create`)")
    return Principal(org_id=op.id, role=OrgKind.operator, scopes=frozenset({"admin"}), name="command line")


def load_floors(s, text: str, reason: str):
    """Parse the CSV and record the table as a new policy version; returns the version row.
    Raises click errors; nothing is written unless the whole file is valid."""
    table, errors = payfloor.parse_floor_csv(text)
    if errors:
        raise click.ClickException("the floor table was not loaded:\n  " + "\n  ".join(errors))
    try:
        with db.transaction(s):
            return svc.change(s, operator_principal(s), changes={FLOORS_KEY: table}, reason=reason)
    except ApiError as e:
        raise click.ClickException(e.detail) from None


@floors.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--reason", default=None, help="why the table changes (recorded with the version); "
                                             "default: names the file")
def load_cmd(file: Path, reason: str | None):
    """Replace the pay-floor table with FILE (CSV: country,hourly_amount,currency,source,date).

    The table becomes part of a new policy version, effective from the next period whose
    request window is open, like every policy change; a file with any bad line loads nothing."""
    s = db.session()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text") from None
    row = load_floors(s, text, reason or f"pay-floor table loaded from {file.name}")
    click.echo(f"Loaded {len(row.params[FLOORS_KEY])} pay floors as policy version {row.version}, "
               f"in force from {row.effective_period}.")


@floors.command("show")
def show_cmd():
    """Print the floor table in force now (as CSV, ready to edit and load again)."""
    table = current_params(db.session()).params.get(FLOORS_KEY) or {}
    click.echo(",".join(payfloor.FLOOR_CSV_COLUMNS))
    for cc, row in sorted(table.items()):
        amount = format_money(row["amount_minor"], row["currency"]).split(" ")[0].replace(",", "")
        source = row["source"].replace('"', '""')
        click.echo(f'{cc},{amount},{row["currency"]},"{source}",{row["date"]}')
