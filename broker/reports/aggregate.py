"""SQL aggregation of one period for the reports: every sum, count and rank is computed by
the database (GROUP BY and window functions), so a period with a million allocation and
delivery rows returns a few thousand grouped rows to Python, not a million.

The principal of an org is its group (DESIGN.md). In SQL it is one integer: the org's id, or
minus its group's id when it belongs to a group, so groups and lone orgs never collide.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from broker.models import (Allocation, Capacity, Delivery, Offering, Order, OrderStatus, Org, Price,
                           Stake, VendorProfile, WorkforceDisclosure)
from broker.periods import period_end, period_start

A, O, D = Allocation.__table__, Order.__table__, Delivery.__table__
ORG, OFF, PRICE, STAKE, CAP = (Org.__table__, Offering.__table__, Price.__table__,
                               Stake.__table__, Capacity.__table__)
PERCENTILES = (50, 90)


def principal_of(org=ORG):
    return sa.case((org.c.group_id.is_(None), org.c.id), else_=-org.c.group_id)


def size_class_of(org=ORG):
    h = org.c.headcount
    return sa.case((h.is_(None), "unknown"), (h < 50, "small"), (h < 1000, "medium"), else_="large")


def seconds_between(s: Session, later, earlier):
    if s.get_bind().dialect.name == "sqlite":
        return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0
    return sa.func.extract("epoch", later - earlier)


def offerings_of(s: Session, period: str) -> list[dict]:
    """Every offering with capacity or allocations in the period, with its public facts."""
    ids = sa.union(sa.select(CAP.c.offering_id).where(CAP.c.period == period),
                   sa.select(A.c.offering_id).where(A.c.period == period)).subquery()
    vendor = ORG.alias("vendor")
    rows = s.exec(
        sa.select(OFF.c.id, OFF.c.title, OFF.c.task_type, OFF.c.unit, OFF.c.vendor_org_id,
                  vendor.c.name, CAP.c.units)
        .join(ids, ids.c.offering_id == OFF.c.id)
        .join(vendor, vendor.c.id == OFF.c.vendor_org_id)
        .outerjoin(CAP, sa.and_(CAP.c.offering_id == OFF.c.id, CAP.c.period == period))
        .order_by(OFF.c.id)).all()
    return [{"offering": f"off-{r[0]}", "offering_id": r[0], "title": r[1], "task_type": r[2],
             "unit": r[3], "vendor_id": r[4], "vendor": r[5], "capacity_units": int(r[6] or 0)}
            for r in rows]


def units_by_principal(s: Session, period: str) -> list[tuple]:
    """(principal, offering_id, allocated units, delivered units) for the period."""
    delivered = (sa.select(O.c.allocation_id, sa.func.sum(D.c.units).label("units"))
                 .join(D, D.c.order_id == O.c.id).where(O.c.period == period)
                 .group_by(O.c.allocation_id).subquery())
    p = principal_of()
    rows = s.exec(
        sa.select(p, A.c.offering_id, sa.func.sum(A.c.units),
                  sa.func.coalesce(sa.func.sum(delivered.c.units), 0))
        .select_from(A).join(ORG, ORG.c.id == A.c.org_id)
        .outerjoin(delivered, delivered.c.allocation_id == A.c.id)
        .where(A.c.period == period).group_by(p, A.c.offering_id)).all()
    return [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) for r in rows]


def principals_of_orgs(s: Session, org_ids: set[int]) -> dict[int, int]:
    if not org_ids:
        return {}
    rows = s.exec(sa.select(ORG.c.id, principal_of()).where(ORG.c.id.in_(sorted(org_ids)))).all()
    return {int(a): int(b) for a, b in rows}


def stakes_in_force(s: Session, period: str) -> dict[int, set[int]]:
    """vendor org id -> principals holding a stake in it at any time during the period."""
    start, end = period_start(period), period_end(period)
    rows = s.exec(
        sa.select(STAKE.c.vendor_org_id, principal_of()).join(ORG, ORG.c.id == STAKE.c.holder_org_id)
        .where(STAKE.c.declared_at < end,
               sa.or_(STAKE.c.ended_at.is_(None), STAKE.c.ended_at > start))).all()
    out: dict[int, set[int]] = defaultdict(set)
    for vendor, principal in rows:
        out[int(vendor)].add(int(principal))
    return out


def _ranked(s: Session, key, value, base) -> dict[str, dict]:
    """Per ``key``: count, distinct principals, and the nearest-rank median and p90 of
    ``value`` (see metrics.percentile), picked by ROW_NUMBER in SQL."""
    inner = base.add_columns(key.label("k"), value.label("v")).subquery()
    ranked = sa.select(
        inner.c.k, inner.c.v,
        sa.func.row_number().over(partition_by=inner.c.k, order_by=inner.c.v).label("rn"),
        sa.func.count().over(partition_by=inner.c.k).label("n")).subquery()
    wanted = sa.or_(*[ranked.c.rn == (ranked.c.n * p + 99) / 100 for p in PERCENTILES])
    out: dict[str, dict] = {}
    for k, v, rn, n in s.exec(sa.select(ranked.c.k, ranked.c.v, ranked.c.rn, ranked.c.n).where(wanted)):
        row = out.setdefault(k, {"count": int(n)})
        for p in PERCENTILES:
            if rn == (n * p + 99) // 100:
                row[f"p{p}"] = float(v) / 3600.0
    return out


def wait_times(s: Session, period: str) -> dict[str, dict]:
    """By size class: submission → allocation (per allocation) and allocation → delivery (per
    fully delivered order, to its last delivery), in hours; with the principals behind each."""
    from broker.models import CapacityRequest
    R = CapacityRequest.__table__
    sc = size_class_of()
    base1 = (sa.select().select_from(A).join(R, R.c.id == A.c.request_id).join(ORG, ORG.c.id == A.c.org_id)
             .where(A.c.period == period))
    submit = _ranked(s, sc, seconds_between(s, A.c.created_at, R.c.submitted_at), base1)
    done = (sa.select(O.c.allocation_id, sa.func.max(D.c.delivered_at).label("last"))
            .join(D, D.c.order_id == O.c.id).where(O.c.period == period)
            .group_by(O.c.allocation_id, O.c.units)
            .having(sa.func.sum(D.c.units) >= O.c.units).subquery())
    base2 = (sa.select().select_from(A).join(done, done.c.allocation_id == A.c.id)
             .join(ORG, ORG.c.id == A.c.org_id))
    deliver = _ranked(s, sc, seconds_between(s, done.c.last, A.c.created_at), base2)
    counts = dict(s.exec(sa.select(sc, sa.func.count(sa.distinct(principal_of())))
                         .select_from(A).join(ORG, ORG.c.id == A.c.org_id)
                         .where(A.c.period == period).group_by(sc)).all())
    return {c: {"principals": int(counts.get(c, 0)), "submission_to_allocation": submit.get(c),
                "allocation_to_delivery": deliver.get(c)}
            for c in sorted(set(counts) | set(submit))}


# --- pricing -----------------------------------------------------------------------------

def list_prices(s: Session, period: str) -> list[tuple]:
    """(offering_id, task_type, unit, vendor_org_id, amount, currency, annotator_share) of
    the prices in force at the end of the period, for active offerings."""
    end = period_end(period)
    rows = s.exec(
        sa.select(OFF.c.id, OFF.c.task_type, OFF.c.unit, OFF.c.vendor_org_id, PRICE.c.amount_minor,
                  PRICE.c.currency, OFF.c.annotator_share)
        .join(PRICE, PRICE.c.offering_id == OFF.c.id)
        .where(PRICE.c.effective_from < end,
               sa.or_(PRICE.c.effective_to.is_(None), PRICE.c.effective_to >= end),
               OFF.c.status == "active").order_by(OFF.c.id)).all()
    return [tuple(r) for r in rows]


def price_changes(s: Session, period: str) -> list[dict]:
    """Prices that took effect during the period, each with the price it replaced."""
    start, end = period_start(period), period_end(period)
    prev = PRICE.alias("prev")
    prev_from = (sa.select(sa.func.max(prev.c.effective_from)).where(
        prev.c.offering_id == PRICE.c.offering_id, prev.c.effective_from < PRICE.c.effective_from)
        .scalar_subquery())
    older = PRICE.alias("older")
    rows = s.exec(
        sa.select(PRICE.c.offering_id, OFF.c.task_type, OFF.c.unit, PRICE.c.effective_from,
                  PRICE.c.amount_minor, PRICE.c.currency, older.c.amount_minor)
        .join(OFF, OFF.c.id == PRICE.c.offering_id)
        .outerjoin(older, sa.and_(older.c.offering_id == PRICE.c.offering_id,
                                  older.c.effective_from == prev_from))
        .where(PRICE.c.effective_from >= start, PRICE.c.effective_from < end)
        .order_by(PRICE.c.effective_from, PRICE.c.offering_id)).all()
    return [{"offering": f"off-{r[0]}", "task_type": r[1], "unit": r[2],
             "effective_from": _iso(r[3]), "amount_minor": int(r[4]), "currency": r[5],
             "previous_amount_minor": int(r[6]) if r[6] is not None else None} for r in rows]


def effective_prices(s: Session, period: str) -> list[tuple]:
    """(task_type, unit, currency, size_class, units, value_minor, principals)."""
    sc = size_class_of()
    rows = s.exec(
        sa.select(OFF.c.task_type, OFF.c.unit, A.c.currency, sc, sa.func.sum(A.c.units),
                  sa.func.sum(A.c.units * A.c.unit_price_minor),
                  sa.func.count(sa.distinct(principal_of())))
        .select_from(A).join(OFF, OFF.c.id == A.c.offering_id).join(ORG, ORG.c.id == A.c.org_id)
        .where(A.c.period == period).group_by(OFF.c.task_type, OFF.c.unit, A.c.currency, sc)).all()
    return [(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), int(r[6])) for r in rows]


def annotator_share(s: Session, period: str) -> list[tuple]:
    """(task_type, unit, units with a disclosed share, units-weighted share %)."""
    rows = s.exec(
        sa.select(OFF.c.task_type, OFF.c.unit, sa.func.sum(A.c.units),
                  sa.func.sum(A.c.units * OFF.c.annotator_share))
        .select_from(A).join(OFF, OFF.c.id == A.c.offering_id)
        .where(A.c.period == period, OFF.c.annotator_share.is_not(None))
        .group_by(OFF.c.task_type, OFF.c.unit)).all()
    return [(r[0], r[1], int(r[2]), float(r[3]) / int(r[2]) if r[2] else None) for r in rows]


def platform_fees(s: Session, period: str) -> list[tuple]:
    """(currency, orders, order value, fee) of the period's orders not released back."""
    rows = s.exec(
        sa.select(O.c.currency, sa.func.count(), sa.func.sum(O.c.units * O.c.unit_price_minor),
                  sa.func.sum(O.c.units * O.c.unit_price_minor * O.c.fee_rate))
        .where(O.c.period == period, O.c.status != OrderStatus.released.value)
        .group_by(O.c.currency)).all()
    return [(r[0], int(r[1]), int(r[2]), int(round(float(r[3])))) for r in rows]


def pay_disclosures(s: Session) -> list[tuple]:
    """(offering_id, title, vendor_org_id, vendor name, hourly pay, pay currency) of active offerings."""
    vendor = ORG.alias("vendor")
    return [tuple(r) for r in s.exec(
        sa.select(OFF.c.id, OFF.c.title, OFF.c.vendor_org_id, vendor.c.name,
                  OFF.c.effective_hourly_pay_minor, OFF.c.pay_currency)
        .join(vendor, vendor.c.id == OFF.c.vendor_org_id)
        .where(OFF.c.status == "active").order_by(OFF.c.id)).all()]


# --- workforce ---------------------------------------------------------------------------

def disclosures(s: Session, quarter: str) -> list[tuple[Org, WorkforceDisclosure | None]]:
    """Each vendor with its disclosure for ``quarter`` or, lacking one, its latest earlier one."""
    from sqlmodel import select

    from broker.models import OrgKind
    W = WorkforceDisclosure
    latest = (sa.select(W.vendor_org_id, sa.func.max(W.quarter).label("q"))
              .where(W.quarter <= quarter).group_by(W.vendor_org_id).subquery())
    rows = s.exec(select(Org, W).join(VendorProfile, VendorProfile.org_id == Org.id, isouter=True)
                  .join(latest, latest.c.vendor_org_id == Org.id, isouter=True)
                  .join(W, sa.and_(W.vendor_org_id == Org.id, W.quarter == latest.c.q), isouter=True)
                  .where(Org.kind == OrgKind.vendor).order_by(Org.id)).all()
    return [(o, w) for o, w in rows]


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    from broker.clock import as_utc
    return as_utc(t).isoformat().replace("+00:00", "Z")
