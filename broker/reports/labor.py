"""The human labor behind the data: the workforce report's local-floor and exposure sections,
and a developer's labor disclosure for a quarter (built, signed, stored and logged).

A labor disclosure covers the units a developer bought through Parity in one quarter (orders
not released, by the ISO week's quarter as reports count it): the vendors and units by task
type; each vendor's pay in each country against the local floor, weighted by the share of its
workers there, and across vendors by the units bought from each; the countries holding at
least 25 % of the workers (the same weighting); and the harmful-content classes, exposure
and protections of the offerings used. It is an RFC 8785 document signed like the reports
(compact JWS, EdDSA, the report key) and logged in the transparency log (kind
``labor_disclosure``: its id, quarter and digest, never the developer's name).

Small cells: a figure about fewer than ``small_cell_k`` workers (a country's pay where the
vendor has fewer workers there; exposure hours of an offering with fewer workers assigned)
is published as suppressed, as the reports suppress figures from fewer than k principals.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, select

from broker.catalog import exposure as exposure_rules
from broker.catalog import payfloor
from broker.catalog import workforce as wf
from broker.catalog.wire import iso
from broker.models import RETURNED_ORDER_STATUSES, LaborDisclosure, Offering, Order, Org, WorkforceDisclosure
from broker.periods import period_of, period_start
from broker.reports import canonical, keys, metrics, signing

SCHEMA_VERSION = "1.0"
MAJOR_SHARE = 25.0
SUPPRESSED = metrics.SUPPRESSED


# --- shared with the workforce report -------------------------------------------------------

def local_floors_cells(assessment: dict, headcount: int | None, k: int) -> dict:
    """A vendor's local-floor assessment with each country's pay suppressed where the vendor
    has fewer than k workers there (headcount × share)."""
    out = {**assessment, "countries": []}
    for row in assessment["countries"]:
        workers = (headcount or 0) * row["share_percent"] / 100
        if workers < k:
            row = {**row, "hourly_pay_minor": SUPPRESSED, "status": SUPPRESSED}
        out["countries"].append(row)
    return out


def _protections(exposure: dict) -> dict:
    return {p: bool(exposure.get(p)) for p in exposure_rules.PROTECTIONS}


def exposure_section(rows: list[dict], params: dict, k: int) -> list[dict]:
    """Each offering with a content class: its declaration, the policy cap, the units held in
    the period and the exposure hours per worker they amount to, and each protection."""
    cap = int(params.get("exposure_cap_hours", exposure_rules.DEFAULT_CAP_HOURS))
    out = []
    for r in rows:
        e = r["exposure"]
        if not e.get("workers_assigned"):
            continue
        workers = int(e["workers_assigned"])
        per_worker = exposure_rules.exposure_hours_per_worker(r["units"], e)
        out.append({"offering": f"off-{r['offering_id']}", "title": r["title"], "vendor_id": r["vendor_id"],
                    "vendor": r["vendor"], "content_classes": sorted(r["content_classes"]),
                    "workers_assigned": workers,
                    "declared_weekly_hours_per_worker": float(e["weekly_hours_per_worker"]),
                    "cap_hours": cap, "minutes_per_unit": float(e["minutes_per_unit"]),
                    "max_units_per_week": exposure_rules.max_units(e, cap),
                    "capacity_units": r["capacity_units"], "units": r["units"],
                    "exposure_hours_per_worker": metrics.suppress(round(per_worker, 6), workers, k),
                    "protections": _protections(e)})
    return out


# --- a developer's quarter ------------------------------------------------------------------

def quarter_of_period(period: str) -> str:
    thursday = period_start(period) + timedelta(days=3)
    return f"{thursday.year}-Q{(thursday.month - 1) // 3 + 1}"


def quarter_bounds(quarter: str) -> tuple[datetime, datetime]:
    from datetime import timezone

    year, q = int(quarter[:4]), int(quarter[-1])
    start = datetime(year, 3 * (q - 1) + 1, 1, tzinfo=timezone.utc)
    end = datetime(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1, tzinfo=timezone.utc)
    return start, end


def quarters_of(s: Session, org_id: int) -> list[str]:
    """Quarters in which the developer holds orders, newest first."""
    periods = s.exec(select(Order.period).where(Order.developer_org_id == org_id,
                                                Order.status.not_in(RETURNED_ORDER_STATUSES)).distinct()).all()
    return sorted({quarter_of_period(p) for p in periods}, reverse=True)


def _orders(s: Session, org_id: int, quarter: str) -> list[tuple]:
    rows = s.exec(sa.select(Order.offering_id, Order.period, sa.func.sum(Order.units),
                            sa.func.sum(Order.units_delivered))
                  .where(Order.developer_org_id == org_id, Order.status.not_in(RETURNED_ORDER_STATUSES))
                  .group_by(Order.offering_id, Order.period)).all()
    return [(int(o), p, int(u), int(d)) for o, p, u, d in rows if quarter_of_period(p) == quarter]


def _held_by_period(s: Session, offering_id: int, periods: list[str]) -> dict[str, int]:
    rows = s.exec(sa.select(Order.period, sa.func.sum(Order.units))
                  .where(Order.offering_id == offering_id, Order.period.in_(periods),
                         Order.status.not_in(RETURNED_ORDER_STATUSES)).group_by(Order.period)).all()
    return {p: int(u) for p, u in rows}


def _vendor_disclosure(s: Session, vendor_id: int, quarter: str) -> WorkforceDisclosure | None:
    return s.exec(select(WorkforceDisclosure).where(WorkforceDisclosure.vendor_org_id == vendor_id,
                                                    WorkforceDisclosure.quarter <= quarter)
                  .order_by(WorkforceDisclosure.quarter.desc())).first()


def build(s: Session, org_id: int, quarter: str, at: datetime, params: dict, policy_version: int) -> dict:
    """The labor disclosure document of ``org_id`` for ``quarter`` (unsigned, not stored)."""
    k = int(params["small_cell_k"])
    floor = payfloor.PayFloor(int(params["pay_floor_minor"]), params["pay_floor_currency"])
    table = params.get("pay_floors") or {}
    cap = int(params.get("exposure_cap_hours", exposure_rules.DEFAULT_CAP_HOURS))
    org = s.get(Org, org_id)
    orders = _orders(s, org_id, quarter)
    offerings = {o.id: o for o in s.exec(select(Offering).where(Offering.id.in_({r[0] for r in orders})))} \
        if orders else {}
    vendor_names = {o.id: o.name for o in s.exec(select(Org).where(Org.id.in_(
        {x.vendor_org_id for x in offerings.values()})))} if offerings else {}

    units_by_task: dict[str, int] = defaultdict(int)
    by_vendor: dict[int, dict] = {}
    by_offering: dict[int, dict] = defaultdict(lambda: {"units": 0, "delivered": 0, "periods": set()})
    for oid, period, units, delivered in orders:
        o = offerings[oid]
        units_by_task[o.task_type] += units
        v = by_vendor.setdefault(o.vendor_org_id, {"units": 0, "delivered": 0, "task_types": defaultdict(int)})
        v["units"] += units
        v["delivered"] += delivered
        v["task_types"][o.task_type] += units
        b = by_offering[oid]
        b["units"] += units
        b["delivered"] += delivered
        b["periods"].add(period)
    total = sum(v["units"] for v in by_vendor.values())

    vendors, weighted_country, below_units, meets_units, not_compared_units = [], defaultdict(float), 0.0, 0.0, 0.0
    undisclosed_units = 0
    for vid in sorted(by_vendor):
        v = by_vendor[vid]
        d = _vendor_disclosure(s, vid, quarter)
        row = {"vendor_id": vid, "vendor": vendor_names.get(vid, str(vid)), "units": v["units"],
               "units_delivered": v["delivered"], "share_of_units_percent": round(100 * v["units"] / total, 2),
               "units_by_task_type": dict(sorted(v["task_types"].items())), "workforce_disclosure": None}
        if d is None:
            undisclosed_units += v["units"]
        else:
            facts = d.model_dump()
            lf = wf.local_floors(facts, table, floor)
            below_units += v["units"] * lf["share_below_floor_percent"] / 100
            meets_units += v["units"] * lf["share_meets_floor_percent"] / 100
            not_compared_units += v["units"] * lf["share_not_compared_percent"] / 100
            for cc, share in (d.countries or {}).items():
                weighted_country[cc] += v["units"] * float(share) / 100
            row["workforce_disclosure"] = {
                "quarter": d.quarter, "headcount": d.headcount, "employment_mix": d.employment_mix,
                "countries_25_percent_or_more": wf.major_countries(facts),
                "median_hourly_pay_minor": d.median_hourly_pay_minor, "pay_currency": d.pay_currency,
                "share_below_minimum_wage_percent": float(d.share_below_minimum_wage),
                "share_below_living_wage_percent": float(d.share_below_living_wage),
                "payment_days": d.payment_days, "harmful_content_protections": d.harmful_content_protections,
                "representation": d.representation, "fairwork_principles_met": sorted(d.fairwork_principles or []),
                "attestation": d.attestation, "attested_by": d.attested_by,
                "local_floors": local_floors_cells(lf, d.headcount, k)}
        vendors.append(row)

    def pct(x: float) -> float:
        return round(100 * x / total, 2) if total else 0.0

    disclosed_units = total - undisclosed_units
    countries = {cc: round(100 * u / disclosed_units, 2) for cc, u in weighted_country.items()} \
        if disclosed_units else {}
    major = sorted((c for c, v in countries.items() if v >= MAJOR_SHARE), key=lambda c: (-countries[c], c))

    exposure = []
    for oid in sorted(by_offering):
        o = offerings[oid]
        if not o.content_classes or not o.exposure.get("workers_assigned"):
            continue
        b = by_offering[oid]
        periods = sorted(b["periods"])
        held = _held_by_period(s, oid, periods)
        workers = int(o.exposure["workers_assigned"])
        weekly = [exposure_rules.exposure_hours_per_worker(held.get(p, 0), o.exposure) for p in periods]
        exposure.append({
            "offering": f"off-{oid}", "title": o.title, "vendor": vendor_names.get(o.vendor_org_id, ""),
            "content_classes": sorted(o.content_classes), "units": b["units"], "workers_assigned": workers,
            "declared_weekly_hours_per_worker": float(o.exposure["weekly_hours_per_worker"]), "cap_hours": cap,
            "minutes_per_unit": float(o.exposure["minutes_per_unit"]),
            "max_weekly_exposure_hours_per_worker": metrics.suppress(round(max(weekly), 6) if weekly else 0.0,
                                                                     workers, k),
            "protections": _protections(o.exposure)})

    start, end = quarter_bounds(quarter)
    return {
        "series": "labor_disclosure", "schema_version": SCHEMA_VERSION, "canonicalization": canonical.RFC8785,
        "developer": {"org_id": org_id, "name": org.name if org else str(org_id)},
        "quarter": quarter, "provisional": at < end, "generated_at": iso(at), "policy_version": policy_version,
        "parameters": {"small_cell_k": k, "major_country_share_percent": MAJOR_SHARE, "exposure_cap_hours": cap,
                       "global_pay_floor": {"amount_minor": floor.amount_minor, "currency": floor.currency},
                       "pay_floors_by_country": table},
        "units": {"total": total, "by_task_type": dict(sorted(units_by_task.items()))},
        "vendors": vendors,
        "pay": {"share_of_units_by_workers_below_local_floor_percent": pct(below_units),
                "share_of_units_by_workers_at_or_above_local_floor_percent": pct(meets_units),
                "share_of_units_not_compared_percent": pct(not_compared_units + undisclosed_units),
                "share_of_units_from_vendors_without_disclosure_percent": pct(undisclosed_units)},
        "countries": {"weighted_share_percent": dict(sorted(countries.items())), "at_least_25_percent": major},
        "exposure": exposure,
        "period_bounds": {"from": iso(start), "to": iso(end)},
    }


def publish(s: Session, org_id: int, quarter: str, *, keys_path: str, at: datetime) -> LaborDisclosure:
    """Build, sign, store and log the disclosure (call inside a write transaction). When the
    figures equal the latest one's for the quarter, that one is returned unchanged."""
    from broker.policy import current_params
    from broker.tlog import entries
    from broker.tlog import service as tlog

    pol = current_params(s, period_of(min(at, quarter_bounds(quarter)[1] - timedelta(seconds=1))))
    doc = build(s, org_id, quarter, at, dict(pol.params), pol.version)
    latest = s.exec(select(LaborDisclosure).where(LaborDisclosure.developer_org_id == org_id,
                                                  LaborDisclosure.quarter == quarter)
                    .order_by(LaborDisclosure.id.desc())).first()
    if latest is not None:
        import json

        old = json.loads(latest.document)
        if {**old, "generated_at": None} == {**canonical.round_figures(doc), "generated_at": None}:
            return latest
    data = canonical.canonical_bytes(doc)
    kid, pem = keys.current(s, keys_path)
    row = LaborDisclosure(developer_org_id=org_id, quarter=quarter, provisional=doc["provisional"],
                          document=data.decode("utf-8"), digest=canonical.digest_of_bytes(data),
                          jws=signing.sign(data, kid, pem), kid=kid, created_at=at)
    s.add(row)
    s.flush()
    tlog.append(s, "labor_disclosure", row.id, entries.labor_disclosure(row.id, quarter, row.digest))
    return row


# --- who may make and read them -------------------------------------------------------------

def _check_developer(actor) -> None:
    from broker.errors import ApiError
    from broker.models import OrgKind

    if actor is None or actor.role != OrgKind.developer:
        raise ApiError("Only a developer organisation makes a labor disclosure of its own purchases.",
                       status=403, type_="forbidden")


def publish_for(s: Session, actor, quarter: str, *, keys_path: str, at: datetime) -> LaborDisclosure:
    """The caller's (a developer's) disclosure for ``quarter``: a quarter that has begun.
    Call inside a write transaction."""
    from broker.errors import ApiError

    _check_developer(actor)
    if not wf.valid_quarter(quarter):
        raise ApiError("quarter: must be a quarter like 2026-Q4.", status=422, type_="validation",
                       errors=[{"field": "quarter", "message": "must be a quarter like 2026-Q4"}])
    if quarter > wf.quarter_of(at.year, at.month):
        raise ApiError("quarter: that quarter has not begun.", status=422, type_="validation",
                       errors=[{"field": "quarter", "message": "a disclosure covers a quarter that has begun"}])
    return publish(s, actor.org_id, quarter, keys_path=keys_path, at=at)


def sign_log(s: Session, *, keys_path: str) -> None:
    """A checkpoint over the new entry (after the disclosure's transaction), as publishing
    reports does, so its inclusion proof is served at once. The disclosure and its entry are
    committed already: a host without the log key leaves the checkpoint to the scheduler."""
    import logging

    from broker.config import settings_of
    from broker.reports import log_signing

    try:
        log_signing.update(s, keys_path=keys_path, config=settings_of(s))
    except (FileNotFoundError, ValueError) as e:
        logging.getLogger(__name__).warning("labor disclosure logged; checkpoint left to the scheduler: %s", e)


def visible(s: Session, actor, disclosure_id: int) -> LaborDisclosure:
    """A disclosure its developer (or an operator) may read; anyone else is told it does not exist."""
    from broker.errors import ApiError

    row = s.get(LaborDisclosure, disclosure_id)
    if row is None or actor is None or not (actor.is_operator or actor.org_id == row.developer_org_id):
        raise ApiError(f"No labor disclosure {disclosure_id}.", status=404, type_="not-found")
    return row


def of_org(s: Session, org_id: int) -> list[LaborDisclosure]:
    """The org's disclosures, newest first."""
    return list(s.exec(select(LaborDisclosure).where(LaborDisclosure.developer_org_id == org_id)
                       .order_by(LaborDisclosure.id.desc())))


def log_index(s: Session, disclosure_id: int) -> int | None:
    from broker.models import LogEntry

    row = s.exec(select(LogEntry.idx).where(LogEntry.kind == "labor_disclosure",
                                            LogEntry.ref == str(disclosure_id))).first()
    return row
