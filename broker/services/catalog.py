"""The public catalog: search, filters, sorting and keyset pagination over offerings that
have a price in effect, plus the pay floor in force.

Hot path (the catalog page and API): written in SQLAlchemy Core, two queries per page —
the offerings (with vendor, current price and this period's capacity, joined through
indexes) and their languages.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session

from broker.catalog import payfloor, vocabulary
from broker.catalog.payfloor import PayFloor
from broker.models import Capacity, Offering, OfferingLanguage, Org, OrgStatus, Price
from broker.periods import period_of

O, P, V, C, L = (Offering.__table__, Price.__table__, Org.__table__, Capacity.__table__,
                 OfferingLanguage.__table__)

SORTS = {
    # name -> keys (column, descending); the offering id last makes every order total.
    "id": ((O.c.id, False),),
    "price": ((P.c.currency, False), (P.c.amount_minor, False), (O.c.id, False)),
    "-price": ((P.c.currency, False), (P.c.amount_minor, True), (O.c.id, False)),
    "turnaround": ((O.c.turnaround_days, False), (O.c.id, False)),
}


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    task_type: str | None = None
    modality: str | None = None
    language: str | None = None
    expertise: str | None = None
    unit: str | None = None
    currency: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    turnaround_max: int | None = None
    meets_pay_floor: bool = False
    vendor_id: int | None = None
    ids: tuple[int, ...] = field(default_factory=tuple)
    sort: str = "id"


def pay_floor(s: Session) -> PayFloor:
    """The pay floor of the policy in force (DESIGN.md default: USD 8.00/hour)."""
    try:
        from broker.policy import current_params
    except ImportError:  # policy module absent: the documented default
        return PayFloor()
    params = current_params(s).params
    return PayFloor(int(params.get("pay_floor_minor", payfloor.DEFAULT_FLOOR_MINOR)),
                    params.get("pay_floor_currency", payfloor.DEFAULT_FLOOR_CURRENCY))


def floor_table(s: Session) -> dict:
    """The policy's pay-floor table by country in force now (empty: the global floor everywhere)."""
    from broker.policy import FLOORS_KEY, current_params

    return current_params(s).params.get(FLOORS_KEY) or {}


def _base(now: datetime, period: str):
    current_price = sa.and_(P.c.offering_id == O.c.id, P.c.effective_from <= now,
                            sa.or_(P.c.effective_to.is_(None), P.c.effective_to > now))
    return (sa.select(
        O.c.id, O.c.title, O.c.task_type, O.c.modality, O.c.expertise, O.c.unit, O.c.turnaround_days,
        O.c.calibration_required, O.c.content_risk, O.c.effective_hourly_pay_minor, O.c.pay_currency,
        O.c.annotator_share, O.c.quality, O.c.vendor_org_id, V.c.name.label("vendor_name"),
        V.c.slug.label("vendor_slug"), P.c.amount_minor, P.c.currency,
        P.c.effective_from.label("price_since"), C.c.units.label("capacity"))
        .select_from(O.join(V, V.c.id == O.c.vendor_org_id).join(P, current_price)
                     .outerjoin(C, sa.and_(C.c.offering_id == O.c.id, C.c.period == period)))
        .where(O.c.status == "active", V.c.status == OrgStatus.approved.value))


def _filtered(stmt, f: Filters, floor: PayFloor):
    for col, value in ((O.c.task_type, f.task_type), (O.c.modality, f.modality), (O.c.expertise, f.expertise),
                       (O.c.unit, f.unit), (P.c.currency, f.currency), (O.c.vendor_org_id, f.vendor_id)):
        if value is not None:
            stmt = stmt.where(col == value)
    if f.ids:
        # An id beyond the 32-bit key range cannot exist; PostgreSQL would refuse to compare it.
        stmt = stmt.where(O.c.id.in_([i for i in f.ids if 0 < i <= 2**31 - 1]))
    if f.q:
        stmt = stmt.where(*[_matches(word) for word in f.q.split()[:8]])
    if f.price_min is not None:
        stmt = stmt.where(P.c.amount_minor >= f.price_min)
    if f.price_max is not None:
        stmt = stmt.where(P.c.amount_minor <= f.price_max)
    if f.turnaround_max is not None:
        stmt = stmt.where(O.c.turnaround_days <= f.turnaround_max)
    if f.meets_pay_floor:
        stmt = stmt.where(O.c.pay_currency == floor.currency,
                          O.c.effective_hourly_pay_minor >= floor.amount_minor)
    if f.language:
        # "en" matches en, en-US, en-GB …; "en-US" matches only itself.
        stmt = stmt.where(sa.exists().where(L.c.offering_id == O.c.id, sa.or_(
            L.c.language == f.language, L.c.language.like(f.language + "-%"))))
    return stmt


def _matches(word: str):
    """One search word: in the title, the vendor's name or the description, or naming the
    offering's task type, expertise or modality ("medical" finds Medicine's offerings)."""
    like = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    terms = vocabulary.search_terms(word)
    return sa.or_(O.c.title.ilike(like, escape="\\"), V.c.name.ilike(like, escape="\\"),
                  O.c.description.ilike(like, escape="\\"),
                  *[col.in_(sorted(terms[k])) for k, col in (("task_type", O.c.task_type),
                                                             ("expertise", O.c.expertise),
                                                             ("modality", O.c.modality)) if terms[k]])


def _after(keys, values: list):
    """Keyset condition "strictly after ``values``" for mixed-direction ``keys``."""
    clauses = []
    for i, (col, desc) in enumerate(keys):
        prefix = [keys[j][0] == values[j] for j in range(i)]
        clauses.append(sa.and_(*prefix, col < values[i] if desc else col > values[i]))
    return sa.or_(*clauses)


def search(s: Session, f: Filters, *, now: datetime, floor: PayFloor, limit: int = 50,
           after: list | None = None, offset: int = 0) -> tuple[list[dict], list | None]:
    """One page of offerings and the keyset position after it (None on the last page)."""
    keys = SORTS.get(f.sort, SORTS["id"])
    stmt = _filtered(_base(now, period_of(now)), f, floor)
    if after:
        stmt = stmt.where(_after(keys, after))
    stmt = stmt.order_by(*[col.desc() if desc else col.asc() for col, desc in keys])
    rows = [dict(r) for r in s.connection().execute(stmt.offset(offset).limit(limit + 1)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    attach_languages(s, rows)
    for r in rows:
        r["pay_floor"] = payfloor.status(r["effective_hourly_pay_minor"], r["pay_currency"], floor)
    position = [rows[-1][col.name if col.name != "effective_from" else "price_since"] for col, _ in keys] \
        if more else None
    return rows, position


def attach_languages(s: Session, rows: list[dict]) -> None:
    by_id: dict[int, list[str]] = {r["id"]: [] for r in rows}
    if by_id:
        for oid, lang in s.connection().execute(
                sa.select(L.c.offering_id, L.c.language).where(L.c.offering_id.in_(list(by_id)))
                .order_by(L.c.offering_id, L.c.language)):
            by_id[oid].append(lang)
    for r in rows:
        r["languages"] = by_id[r["id"]]


def all_rows(s: Session, f: Filters, *, now: datetime, floor: PayFloor, cap: int = 10_000) -> list[dict]:
    """Every matching offering (the CSV export), in pages so memory stays bounded per query."""
    out: list[dict] = []
    after = None
    while len(out) < cap:
        rows, after = search(s, f, now=now, floor=floor, limit=500, after=after)
        out.extend(rows)
        if after is None:
            break
    return out
