"""SQL aggregation of one period for the reports: every sum, count and rank is computed by
the database (GROUP BY and window functions), so a period with a million allocation and
delivery rows returns a few thousand grouped rows to Python, not a million.

The principal of an org is its group (DESIGN.md). In SQL it is one integer: the org's id, or
minus its group's id when it belongs to a group, so groups and lone orgs never collide.

Speed (bench/reports.py): the period's rows are read as few times as the figures allow. An
order mirrors its allocation (created with it, same org, offering, units, price, currency and
time), and carries ``units_delivered``, which ``orders.deliver`` keeps equal to the sum of its
deliveries; so the unit figures read ``purchase_order`` alone, grouped once per report, and
the delivery rows are read only for the time of each order's last delivery. Percentiles rank
the distinct (class, value) pairs with their counts rather than every row.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import Session

from broker.catalog.wire import iso
from broker.models import (Allocation, Capacity, Delivery, Offering, OfferingLanguage, Order, Org,
                           Price, Stake, VendorProfile, WorkforceDisclosure, RETURNED_ORDER_STATUSES)
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
    # float8: groups and sorts faster than the numeric EXTRACT returns, and is exact to the
    # microsecond for any wait shorter than a century.
    return sa.cast(sa.func.extract("epoch", later - earlier), sa.Float)


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


def analytic(s: Session) -> None:
    """On PostgreSQL, let this transaction's sorts and hashes of a period's rows stay in
    memory (the default 4 MB work_mem spills them to disk); SET LOCAL ends with it."""
    if s.get_bind().dialect.name == "postgresql":
        s.exec(sa.text("SET LOCAL work_mem = '64MB'"))


def units_by_principal(s: Session, period: str) -> list[tuple]:
    """(principal, size class, offering_id, allocated units, delivered units) for the period.

    The size class is the org's (a group's members may differ), so the principals behind each
    size class come from the same rows."""
    p, sc = principal_of(), size_class_of()
    rows = s.exec(
        sa.select(p, sc, O.c.offering_id, sa.func.sum(O.c.units), sa.func.sum(O.c.units_delivered))
        .select_from(O).join(ORG, ORG.c.id == O.c.developer_org_id)
        .where(O.c.period == period).group_by(p, sc, O.c.offering_id)).all()
    return [(int(r[0]), r[1], int(r[2]), int(r[3]), int(r[4])) for r in rows]


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
    """Per ``key``: count, and the nearest-rank median and p90 of ``value`` (see
    metrics.percentile), in SQL: equal (key, value) pairs are counted first, then a running
    count over the distinct values finds the one holding each rank."""
    pairs = base.add_columns(key.label("k"), value.label("v"), sa.func.count().label("c")).group_by(
        key, value).subquery()
    cum = sa.select(
        pairs.c.k, pairs.c.v, pairs.c.c,
        sa.func.sum(pairs.c.c).over(partition_by=pairs.c.k, order_by=pairs.c.v).label("upto"),
        sa.func.sum(pairs.c.c).over(partition_by=pairs.c.k).label("n")).subquery()
    # Integer ranks: (n·p + 99) // 100 = ⌈p·n/100⌉. ``//`` keeps the division integral on
    # every backend (``/`` is true division in SQLAlchemy 2).
    wanted = sa.or_(*[sa.and_(cum.c.upto - cum.c.c < (cum.c.n * p + 99) // 100,
                              cum.c.upto >= (cum.c.n * p + 99) // 100) for p in PERCENTILES])
    out: dict[str, dict] = {}
    for k, v, c, upto, n in s.exec(sa.select(cum.c.k, cum.c.v, cum.c.c, cum.c.upto, cum.c.n).where(wanted)):
        n, upto, c = int(n), int(upto), int(c)
        row = out.setdefault(k, {"count": n})
        for p in PERCENTILES:
            if upto - c < (n * p + 99) // 100 <= upto:
                row[f"p{p}"] = float(v) / 3600.0
    return out


def wait_times(s: Session, period: str, principals: dict[str, set[int]]) -> dict[str, dict]:
    """By size class: submission → allocation (per allocation) and allocation → delivery (per
    fully delivered order, to its last delivery), in hours; ``principals`` gives the
    principals behind each size class (from ``units_by_principal``)."""
    from broker.models import CapacityRequest
    R = CapacityRequest.__table__
    sc = size_class_of()
    base1 = (sa.select().select_from(A).join(R, R.c.id == A.c.request_id).join(ORG, ORG.c.id == A.c.org_id)
             .where(A.c.period == period))
    submit = _ranked(s, sc, seconds_between(s, A.c.created_at, R.c.submitted_at), base1)
    # An order is created with its allocation, at the same instant: its created_at is the
    # allocation's. Fully delivered: units_delivered (the sum of its deliveries) reached units.
    last = (sa.select(D.c.order_id, sa.func.max(D.c.delivered_at).label("last"))
            .select_from(O).join(D, D.c.order_id == O.c.id)
            .where(O.c.period == period, O.c.units_delivered >= O.c.units)
            .group_by(D.c.order_id).subquery())
    base2 = (sa.select().select_from(O).join(last, last.c.order_id == O.c.id)
             .join(ORG, ORG.c.id == O.c.developer_org_id))
    deliver = _ranked(s, sc, seconds_between(s, last.c.last, O.c.created_at), base2)
    return {c: {"principals": len(principals.get(c, ())), "submission_to_allocation": submit.get(c),
                "allocation_to_delivery": deliver.get(c)}
            for c in sorted(set(principals) | set(submit))}


def languages_of(s: Session, offering_ids: list[int]) -> dict[int, list[str]]:
    """offering id -> its languages, sorted (none: an empty list)."""
    L = OfferingLanguage.__table__
    out: dict[int, list[str]] = defaultdict(list)
    if offering_ids:
        for oid, lang in s.exec(sa.select(L.c.offering_id, L.c.language)
                                .where(L.c.offering_id.in_(offering_ids)).order_by(L.c.offering_id, L.c.language)):
            out[int(oid)].append(lang)
    return out


def stakes_declared(s: Session, period: str) -> list[dict]:
    """The stakes in force at any time during the period: holder (org name), its principal,
    vendor and percent (public facts; the principal stays inside Parity)."""
    start, end = period_start(period), period_end(period)
    vendor = ORG.alias("vendor")
    rows = s.exec(
        sa.select(ORG.c.name, principal_of(), STAKE.c.vendor_org_id, vendor.c.name, STAKE.c.percent)
        .join(ORG, ORG.c.id == STAKE.c.holder_org_id).join(vendor, vendor.c.id == STAKE.c.vendor_org_id)
        .where(STAKE.c.declared_at < end, sa.or_(STAKE.c.ended_at.is_(None), STAKE.c.ended_at > start))
        .order_by(STAKE.c.vendor_org_id, ORG.c.name)).all()
    return [{"holder": r[0], "principal": int(r[1]), "vendor_id": int(r[2]), "vendor": r[3],
             "percent": float(r[4])} for r in rows]


def values_by_principal(s: Session, period: str) -> list[tuple]:
    """(principal, offering_id, currency, units, value_minor) of the period's orders."""
    p = principal_of()
    rows = s.exec(
        sa.select(p, O.c.offering_id, O.c.currency, sa.func.sum(O.c.units), sa.func.sum(O.c.units * O.c.unit_price_minor))
        .select_from(O).join(ORG, ORG.c.id == O.c.developer_org_id)
        .where(O.c.period == period).group_by(p, O.c.offering_id, O.c.currency)).all()
    return [(int(r[0]), int(r[1]), r[2], int(r[3]), int(r[4])) for r in rows]


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
             "effective_from": iso(r[3]), "amount_minor": int(r[4]), "currency": r[5],
             "previous_amount_minor": int(r[6]) if r[6] is not None else None} for r in rows]


def order_values(s: Session, period: str) -> list[tuple]:
    """One pass over the period's orders, by (task type, unit, currency, size class):
    (…, units, value_minor, principals, units with a disclosed annotator share, those units
    weighted by the share, orders not released, their value, their platform fee)."""
    sc = size_class_of()
    value = O.c.units * O.c.unit_price_minor
    kept = O.c.status.not_in([st.value for st in RETURNED_ORDER_STATUSES])
    disclosed = OFF.c.annotator_share.is_not(None)
    rows = s.exec(
        sa.select(OFF.c.task_type, OFF.c.unit, O.c.currency, sc, sa.func.sum(O.c.units), sa.func.sum(value),
                  sa.func.count(sa.distinct(principal_of())),
                  sa.func.sum(sa.case((disclosed, O.c.units), else_=0)),
                  sa.func.sum(sa.case((disclosed, O.c.units * OFF.c.annotator_share), else_=0)),
                  sa.func.sum(sa.case((kept, 1), else_=0)),
                  sa.func.sum(sa.case((kept, value), else_=0)),
                  sa.func.sum(sa.case((kept, value * O.c.fee_rate), else_=0)))
        .select_from(O).join(OFF, OFF.c.id == O.c.offering_id).join(ORG, ORG.c.id == O.c.developer_org_id)
        .where(O.c.period == period).group_by(OFF.c.task_type, OFF.c.unit, O.c.currency, sc)).all()
    return [(r[0], r[1], r[2], r[3], int(r[4]), int(r[5]), int(r[6]), int(r[7]), float(r[8]), int(r[9]),
             int(r[10]), float(r[11])) for r in rows]


def effective_prices(rows: list[tuple]) -> list[tuple]:
    """(task_type, unit, currency, size_class, units, value_minor, principals)."""
    return [r[:7] for r in rows]


def annotator_share(rows: list[tuple]) -> list[tuple]:
    """(task_type, unit, units with a disclosed share, units-weighted share %)."""
    acc: dict[tuple, list] = defaultdict(lambda: [0, 0.0])
    for task, unit, _c, _sc, _u, _v, _n, units, weighted, *_ in rows:
        if units:
            acc[(task, unit)][0] += units
            acc[(task, unit)][1] += weighted
    return [(t, u, n, w / n) for (t, u), (n, w) in acc.items()]


def platform_fees(rows: list[tuple]) -> list[tuple]:
    """(currency, orders, order value, fee) of the period's orders not released back."""
    acc: dict[str, list] = defaultdict(lambda: [0, 0, 0.0])
    for r in rows:
        a = acc[r[2]]
        a[0] += r[9]
        a[1] += r[10]
        a[2] += r[11]
    return [(c, n, value, int(round(fee))) for c, (n, value, fee) in sorted(acc.items()) if n]


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


def exposure_of(s: Session, period: str) -> list[dict]:
    """Offerings with a content class that have capacity or allocations in the period: their
    exposure declaration and the units allocated (held) in the period."""
    held = (sa.select(O.c.offering_id, sa.func.sum(O.c.units).label("units"))
            .where(O.c.period == period, O.c.status.not_in([st.value for st in RETURNED_ORDER_STATUSES]))
            .group_by(O.c.offering_id).subquery())
    ids = sa.union(sa.select(CAP.c.offering_id).where(CAP.c.period == period),
                   sa.select(A.c.offering_id).where(A.c.period == period)).subquery()
    vendor = ORG.alias("vendor")
    rows = s.exec(
        sa.select(OFF.c.id, OFF.c.title, OFF.c.vendor_org_id, vendor.c.name, OFF.c.content_classes,
                  OFF.c.exposure, CAP.c.units, held.c.units)
        .join(ids, ids.c.offering_id == OFF.c.id)
        .join(vendor, vendor.c.id == OFF.c.vendor_org_id)
        .outerjoin(CAP, sa.and_(CAP.c.offering_id == OFF.c.id, CAP.c.period == period))
        .outerjoin(held, held.c.offering_id == OFF.c.id)
        .order_by(OFF.c.id)).all()
    return [{"offering_id": r[0], "title": r[1], "vendor_id": r[2], "vendor": r[3], "content_classes": r[4] or [],
             "exposure": r[5] or {}, "capacity_units": int(r[6] or 0), "units": int(r[7] or 0)}
            for r in rows if r[4]]
