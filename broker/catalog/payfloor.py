"""The pay-floor flag of DESIGN.md: disclosed effective hourly pay against the policy's floor.

Pay in another currency than the floor's is not converted (Parity keeps no exchange rates):
it is reported as ``other_currency`` and does not count as meeting the floor.
"""
from __future__ import annotations

from dataclasses import dataclass

# DESIGN.md: default USD 8.00/hour. The live value comes from the policy (see
# broker.services.catalog.pay_floor); this is the fallback when no policy is published.
DEFAULT_FLOOR_MINOR = 800
DEFAULT_FLOOR_CURRENCY = "USD"

MEETS, BELOW, UNDISCLOSED, OTHER_CURRENCY = "meets", "below", "undisclosed", "other_currency"
LABELS = {MEETS: "meets the pay floor", BELOW: "below the pay floor",
          UNDISCLOSED: "pay not disclosed", OTHER_CURRENCY: "pay in another currency (not compared)"}


@dataclass(frozen=True)
class PayFloor:
    amount_minor: int = DEFAULT_FLOOR_MINOR
    currency: str = DEFAULT_FLOOR_CURRENCY


def status(pay_minor: int | None, pay_currency: str | None, floor: PayFloor) -> str:
    if pay_minor is None or not pay_currency:
        return UNDISCLOSED
    if pay_currency != floor.currency:
        return OTHER_CURRENCY
    return MEETS if pay_minor >= floor.amount_minor else BELOW


# --- pay floors by country ------------------------------------------------------------------
# The policy's floor table (``pay_floors``): ISO 3166-1 alpha-2 → {"amount_minor", "currency",
# "source", "date"}. A country without a row is held to the global floor above.

LOCAL, GLOBAL = "local", "global"


def floor_for(country: str, table: dict, fallback: PayFloor) -> tuple[PayFloor, str]:
    """The floor a worker in ``country`` is held to, and whether it is the local or the global one."""
    row = (table or {}).get(country)
    if row:
        return PayFloor(int(row["amount_minor"]), row["currency"]), LOCAL
    return fallback, GLOBAL


def local_assessment(countries: dict, pay_by_country: dict, table: dict, fallback: PayFloor) -> dict:
    """Pay in each country where the workforce is against that country's floor, weighted by
    the share of workers there (percent, as disclosed).

    ``countries``: {"KE": 40.0, …}; ``pay_by_country``: {"KE": {"hourly_pay_minor": 300,
    "currency": "USD"}, …}. The flag is ``below`` when any share of the workers is paid under
    its floor, ``meets`` when every share is compared and meets it, else ``undisclosed`` (or
    ``other_currency`` when the only gaps are pay in another currency than the floor's)."""
    rows, shares = [], {MEETS: 0.0, BELOW: 0.0, UNDISCLOSED: 0.0, OTHER_CURRENCY: 0.0}
    for cc, share in sorted((countries or {}).items(), key=lambda kv: (-kv[1], kv[0])):
        floor, basis = floor_for(cc, table, fallback)
        pay = (pay_by_country or {}).get(cc) or {}
        st = status(pay.get("hourly_pay_minor"), pay.get("currency"), floor)
        shares[st] += float(share)
        rows.append({"country": cc, "share_percent": float(share),
                     "hourly_pay_minor": pay.get("hourly_pay_minor"), "pay_currency": pay.get("currency"),
                     "floor_minor": floor.amount_minor, "floor_currency": floor.currency,
                     "floor_basis": basis, "status": st})
    if shares[BELOW] > 0:
        flag = BELOW
    elif rows and shares[UNDISCLOSED] == 0 and shares[OTHER_CURRENCY] == 0:
        flag = MEETS
    elif shares[UNDISCLOSED] > 0 or not rows:
        flag = UNDISCLOSED
    else:
        flag = OTHER_CURRENCY
    return {"countries": rows, "flag": flag,
            "share_below_floor_percent": round(shares[BELOW], 2),
            "share_meets_floor_percent": round(shares[MEETS], 2),
            "share_not_compared_percent": round(shares[UNDISCLOSED] + shares[OTHER_CURRENCY], 2)}


FLOOR_CSV_COLUMNS = ("country", "hourly_amount", "currency", "source", "date")
MAX_SOURCE = 300


def parse_floor_csv(text: str) -> tuple[dict, list[str]]:
    """A floor table from CSV text (header ``country,hourly_amount,currency,source,date``;
    amounts as decimals in the currency, dates as YYYY-MM-DD). Returns (table, errors); each
    error names its line. A table with any error is not to be used at all."""
    import csv
    import io
    from datetime import date

    from broker.catalog import iso
    from broker.catalog.money import parse_money

    errors: list[str] = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        return {}, ["line 1: the file is empty; expected the header " + ",".join(FLOOR_CSV_COLUMNS)]
    if tuple(header) != FLOOR_CSV_COLUMNS:
        return {}, [f"line 1: the header must be {','.join(FLOOR_CSV_COLUMNS)} (found {','.join(header)})"]
    table: dict = {}
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(FLOOR_CSV_COLUMNS):
            errors.append(f"line {line}: expected {len(FLOOR_CSV_COLUMNS)} columns, found {len(row)}")
            continue
        cc, amount, cur, source, day = (c.strip() for c in row)
        cc, cur = cc.upper(), cur.upper()
        if not iso.is_country(cc):
            errors.append(f"line {line}: {cc!r} is not an ISO 3166-1 alpha-2 country code")
        elif cc in table:
            errors.append(f"line {line}: {cc} appears twice")
        if not iso.is_currency(cur):
            errors.append(f"line {line}: {cur!r} is not an ISO 4217 currency code")
            minor = None
        else:
            try:
                minor = parse_money(amount, cur)
                if minor <= 0:
                    raise ValueError("must be above zero")
            except ValueError as e:
                errors.append(f"line {line}: hourly_amount {amount!r}: {e}")
                minor = None
        if not source or len(source) > MAX_SOURCE:
            errors.append(f"line {line}: name the source of the floor (1–{MAX_SOURCE} characters)")
        try:
            date.fromisoformat(day)
            if len(day) != 10:
                raise ValueError
        except ValueError:
            errors.append(f"line {line}: date {day!r} is not YYYY-MM-DD")
        if iso.is_country(cc) and cc not in table and minor is not None:
            table[cc] = {"amount_minor": minor, "currency": cur, "source": source, "date": day}
    if not table and not errors:
        errors.append("the file holds no floors")
    return (table if not errors else {}), errors


def check_table(table) -> list[str]:
    """Errors of a floor table already in JSON form (the API, a stored policy)."""
    from datetime import date

    from broker.catalog import iso

    if not isinstance(table, dict):
        return ["pay_floors must be an object of country → floor"]
    errors = []
    for cc, row in table.items():
        if not iso.is_country(cc):
            errors.append(f"{cc}: not an ISO 3166-1 alpha-2 country code")
            continue
        if not isinstance(row, dict) or set(row) != {"amount_minor", "currency", "source", "date"}:
            errors.append(f"{cc}: needs amount_minor, currency, source and date")
            continue
        a = row["amount_minor"]
        if isinstance(a, bool) or not isinstance(a, int) or a <= 0:
            errors.append(f"{cc}: amount_minor must be a positive whole number")
        if not iso.is_currency(row["currency"]):
            errors.append(f"{cc}: currency is not an ISO 4217 code")
        if not isinstance(row["source"], str) or not row["source"].strip():
            errors.append(f"{cc}: name the source")
        try:
            date.fromisoformat(row["date"])
        except (TypeError, ValueError):
            errors.append(f"{cc}: date is not YYYY-MM-DD")
    return errors
