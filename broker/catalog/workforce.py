"""Workforce disclosures: validation of the figures and how complete a disclosure is. Pure.

Input is a plain dict with the fields of ``broker.models.WorkforceDisclosure``; errors are
``{"field", "message"}`` dicts as the API reports them.
"""
from __future__ import annotations

import re

from broker.catalog import iso, vocabulary
from broker.catalog.payfloor import PayFloor, local_assessment, status as pay_status

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
# Shares are percentages with at most two decimals; rounding may leave a cent over or under.
SHARE_TOLERANCE = 0.05


def valid_quarter(quarter: str) -> bool:
    m = _QUARTER.match(quarter) if isinstance(quarter, str) else None
    return bool(m) and 2000 <= int(m.group(1)) <= 2100


def quarter_of(year: int, month: int) -> str:
    return f"{year}-Q{(month - 1) // 3 + 1}"


def _shares(errors: list, field: str, shares: dict, allowed, what: str) -> None:
    if not isinstance(shares, dict):
        errors.append({"field": field, "message": "must be an object of shares in percent"})
        return
    if not shares:
        return  # optional: an empty mix counts against completeness, not validity
    for key, value in shares.items():
        if key not in allowed:
            errors.append({"field": f"{field}.{key}", "message": f"not a known {what}"})
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 100:
            errors.append({"field": f"{field}.{key}", "message": "share must be above 0 and at most 100"})
    total = sum(v for v in shares.values() if isinstance(v, (int, float)) and not isinstance(v, bool))
    if abs(total - 100) > SHARE_TOLERANCE:
        errors.append({"field": field, "message": f"shares add up to {total:g}%, not 100%"})


def _pay_by_country(errors: list, pay: dict, countries: dict) -> None:
    if not isinstance(pay, dict):
        errors.append({"field": "pay_by_country", "message": "must be an object of country → pay"})
        return
    for cc, row in pay.items():
        f = f"pay_by_country.{cc}"
        if isinstance(countries, dict) and cc not in countries:
            errors.append({"field": f, "message": "pay is given for a country not in the workforce's countries"})
        if not isinstance(row, dict) or set(row) != {"hourly_pay_minor", "currency"}:
            errors.append({"field": f, "message": "give hourly_pay_minor and currency"})
            continue
        amount = row["hourly_pay_minor"]
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= 10**9:
            errors.append({"field": f, "message": "pay must be positive (minor units)"})
        if not iso.is_currency(row["currency"]):
            errors.append({"field": f, "message": "not an ISO 4217 currency code"})


def validate(d: dict) -> list[dict]:
    """Every rule a disclosure must meet; an empty list means it is valid."""
    errors: list[dict] = []
    if not valid_quarter(d.get("quarter", "")):
        errors.append({"field": "quarter", "message": "must be a quarter like 2026-Q3"})
    if not isinstance(d.get("headcount"), int) or d["headcount"] < 1:
        errors.append({"field": "headcount", "message": "must be a whole number of at least 1"})
    _shares(errors, "employment_mix", d.get("employment_mix", {}), vocabulary.EMPLOYMENT_TYPES,
            "employment type")
    _shares(errors, "countries", d.get("countries", {}), iso.COUNTRIES, "ISO 3166-1 alpha-2 country")
    _pay_by_country(errors, d.get("pay_by_country") or {}, d.get("countries") or {})
    pay = d.get("median_hourly_pay_minor")
    if not isinstance(pay, int) or isinstance(pay, bool) or pay <= 0:
        errors.append({"field": "median_hourly_pay_minor", "message": "pay must be positive (minor units)"})
    if not iso.is_currency(d.get("pay_currency")):
        errors.append({"field": "pay_currency", "message": "not an ISO 4217 currency code"})
    for f in ("share_below_minimum_wage", "share_below_living_wage", "share_domain_experts"):
        v = d.get(f)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 100:
            errors.append({"field": f, "message": "must be a percentage from 0 to 100"})
    below_min, below_living = d.get("share_below_minimum_wage"), d.get("share_below_living_wage")
    if isinstance(below_min, (int, float)) and isinstance(below_living, (int, float)) \
            and below_living < below_min:
        # A living wage is never below the minimum wage, so neither is the share under it.
        errors.append({"field": "share_below_living_wage",
                       "message": "cannot be smaller than the share below the minimum wage"})
    days = d.get("payment_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365):
        errors.append({"field": "payment_days", "message": "must be 0–365 days, or left out"})
    for p in d.get("fairwork_principles") or []:
        if p not in vocabulary.FAIRWORK_PRINCIPLES:
            errors.append({"field": "fairwork_principles", "message": f"unknown principle {p!r}"})
    att = d.get("attestation")
    if att not in vocabulary.ATTESTATIONS:
        errors.append({"field": "attestation", "message": "must be one of " + ", ".join(vocabulary.ATTESTATIONS)})
    elif att != "self" and not (d.get("attested_by") or "").strip():
        errors.append({"field": "attested_by", "message": "name who attested it (third party or auditor)"})
    return errors


# What auditors expect in a disclosure, each with a test of "answered".
COMPLETENESS_ITEMS: dict[str, callable] = {
    "headcount": lambda d: bool(d.get("headcount")),
    "employment_mix": lambda d: bool(d.get("employment_mix")),
    "countries": lambda d: bool(d.get("countries")),
    "median_hourly_pay": lambda d: bool(d.get("median_hourly_pay_minor")),
    "pay_by_country": lambda d: bool(d.get("countries")) and set(d.get("pay_by_country") or {}) >= set(d["countries"]),
    "share_below_minimum_wage": lambda d: d.get("share_below_minimum_wage") is not None,
    "share_below_living_wage": lambda d: d.get("share_below_living_wage") is not None,
    "time_estimate_shown": lambda d: d.get("time_estimate_shown") is not None,
    "payment_days": lambda d: d.get("payment_days") is not None,
    "harmful_content_protections": lambda d: bool((d.get("harmful_content_protections") or "").strip()),
    "representation": lambda d: bool((d.get("representation") or "").strip()),
    "share_domain_experts": lambda d: d.get("share_domain_experts") is not None,
    "fairwork_principles": lambda d: bool(d.get("fairwork_principles")),
    "independent_attestation": lambda d: d.get("attestation") in ("third_party", "audit"),
}


def completeness(d: dict) -> tuple[int, list[str]]:
    """Percent of the expected items answered (whole number, rounded down) and the missing ones."""
    missing = [name for name, answered in COMPLETENESS_ITEMS.items() if not answered(d)]
    done = len(COMPLETENESS_ITEMS) - len(missing)
    return done * 100 // len(COMPLETENESS_ITEMS), missing


def major_countries(d: dict, threshold: float = 25.0) -> list[str]:
    """Countries holding at least ``threshold`` % of the workers (the workforce report's list)."""
    return sorted((c for c, v in (d.get("countries") or {}).items() if v >= threshold),
                  key=lambda c: (-d["countries"][c], c))


def pay_floor_flag(d: dict, floor: PayFloor) -> str:
    """The disclosure's median hourly pay against the pay floor (see broker.catalog.payfloor)."""
    return pay_status(d.get("median_hourly_pay_minor"), d.get("pay_currency"), floor)


def local_floors(d: dict, table: dict, floor: PayFloor) -> dict:
    """Pay in each country against its local floor (the global one where the table has none),
    weighted by the share of workers there: ``share_below_floor_percent`` is the share of the
    vendor's workers paid under their local floor (broker.catalog.payfloor.local_assessment)."""
    return local_assessment(d.get("countries") or {}, d.get("pay_by_country") or {}, table, floor)
