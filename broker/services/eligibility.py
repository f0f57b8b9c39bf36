"""Which offerings may serve a request: criteria and price resolved against the catalog.

A request names what it needs (task type, language, expertise, modality), a maximum unit
price in one currency, and vendors it prefers (only those, when given) or excludes. An
offering is eligible when it is active, its vendor is approved, it matches every criterion
given, and its current price is in that currency and at most the maximum. The same function
answers the form (before submission), the reason codes, and the round's snapshot.
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, and_, or_, select

from broker.db import UTCDateTime

from broker.models import Offering, OfferingLanguage, Org, OrgStatus, Price, catalog_version


@dataclass(frozen=True)
class Criteria:
    task_type: str
    currency: str
    max_unit_price_minor: int
    language: str | None = None
    expertise: str | None = None
    modality: str | None = None
    preferred_vendor_ids: tuple[int, ...] = ()
    excluded_vendor_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, req) -> "Criteria":
        return cls(task_type=req.task_type, currency=req.currency,
                   max_unit_price_minor=req.max_unit_price_minor, language=req.language,
                   expertise=req.expertise, modality=req.modality,
                   preferred_vendor_ids=tuple(req.preferred_vendor_ids or ()),
                   excluded_vendor_ids=tuple(req.excluded_vendor_ids or ()))


@dataclass(frozen=True)
class OfferingInfo:
    """The columns eligibility needs (read as plain columns: this is the submission hot path)."""

    id: int
    title: str
    unit: str
    turnaround_days: int
    vendor_org_id: int


@dataclass(frozen=True)
class VendorInfo:
    id: int
    name: str


@dataclass
class Match:
    offering: OfferingInfo
    vendor: VendorInfo
    price_minor: int | None  # current price in the request's currency, if any
    eligible: bool
    why_not: str | None = None


@dataclass
class Resolution:
    matches: list[Match] = field(default_factory=list)  # criteria match, any price

    @property
    def eligible(self) -> list[Match]:
        return [m for m in self.matches if m.eligible]

    @property
    def eligible_ids(self) -> list[int]:
        return [m.offering.id for m in self.eligible]

    def reason(self) -> dict | None:
        """no_matching_offering / over_budget with their numbers, or None if any is eligible."""
        if self.eligible:
            return None
        if not self.matches:
            return {"code": "no_matching_offering"}
        priced = [m.price_minor for m in self.matches if m.price_minor is not None]
        return {"code": "over_budget", "matching_offerings": len(self.matches),
                "cheapest_unit_price_minor": min(priced) if priced else None}


def current_prices(s: Session, offering_ids: list[int], at: datetime) -> dict[int, Price]:
    """The price in force at ``at`` for each offering (the latest effective one)."""
    if not offering_ids:
        return {}
    rows = s.exec(select(Price).where(
        Price.offering_id.in_(offering_ids), Price.effective_from <= at,
        or_(Price.effective_to.is_(None), Price.effective_to > at))
        .order_by(Price.offering_id, Price.effective_from)).all()
    out: dict[int, Price] = {}
    for p in rows:
        out[p.offering_id] = p  # later effective_from wins
    return out


_STATEMENTS: dict[tuple, object] = {}


def _statement(shape: tuple):
    """The resolve query for one combination of optional criteria, built once: every value is
    a bind parameter, so a submission only binds and runs it (the hot path)."""
    stmt = _STATEMENTS.get(shape)
    if stmt is not None:
        return stmt
    modality, expertise, language, preferred, excluded = shape
    at = bindparam("at", type_=UTCDateTime())
    price_now = and_(Price.offering_id == Offering.id, Price.effective_from <= at,
                     or_(Price.effective_to.is_(None), Price.effective_to > at))
    stmt = (select(Offering.id, Offering.title, Offering.unit, Offering.turnaround_days, Offering.vendor_org_id,
                   Org.name, Price.amount_minor, Price.currency, Price.effective_from)
            .join(Org, Org.id == Offering.vendor_org_id).outerjoin(Price, price_now)
            .where(Offering.status == "active", Org.status == OrgStatus.approved,
                   Offering.task_type == bindparam("task_type")))
    if modality:
        stmt = stmt.where(Offering.modality == bindparam("modality"))
    if expertise:
        stmt = stmt.where(Offering.expertise == bindparam("expertise"))
    if language:
        stmt = stmt.where(Offering.id.in_(select(OfferingLanguage.offering_id)
                                          .where(OfferingLanguage.language == bindparam("language"))))
    if preferred:
        stmt = stmt.where(Offering.vendor_org_id.in_(bindparam("preferred", expanding=True)))
    if excluded:
        stmt = stmt.where(Offering.vendor_org_id.not_in(bindparam("excluded", expanding=True)))
    stmt = stmt.order_by(Offering.id, Price.effective_from)
    _STATEMENTS[shape] = stmt
    return stmt


class _Cache:
    """Answers of ``resolve`` per criteria, kept while the catalog's version is the one the
    request read with its bearer token (``catalog_version.seen``) and until the next price
    starts or ends; per process, bounded, least recently used first out. A version read
    before the data can only make an entry stale early, never keep stale data."""

    def __init__(self, max_entries: int = 256):
        self._data: OrderedDict[Criteria, tuple[int, datetime, datetime, Resolution]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_entries = max_entries

    def get(self, c: Criteria, version: int, at: datetime) -> Resolution | None:
        with self._lock:
            e = self._data.get(c)
            if e is None or e[0] != version or not e[1] <= at < e[2]:
                return None
            self._data.move_to_end(c)
        return Resolution(matches=list(e[3].matches))

    def put(self, c: Criteria, version: int, since: datetime, until: datetime, res: Resolution) -> None:
        with self._lock:
            self._data[c] = (version, since, until, Resolution(matches=list(res.matches)))
            self._data.move_to_end(c)
            while len(self._data) > self.max_entries:
                self._data.popitem(last=False)


_CACHES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # one per database engine
_P = Price.__table__
_AT = bindparam("at", type_=UTCDateTime())
_NEXT_CHANGE = (sa.select(sa.func.min(sa.case((_P.c.effective_from > _AT, _P.c.effective_from),
                                              else_=_P.c.effective_to)))
                .where(sa.or_(_P.c.effective_from > _AT, _P.c.effective_to > _AT)))
_FOREVER = datetime.max.replace(tzinfo=timezone.utc)


def resolve(s: Session, c: Criteria, at: datetime) -> Resolution:
    """Matching offerings with their vendor and the price in force at ``at``: one query, or
    none on the submission path while the catalog is unchanged (``_Cache``)."""
    version = catalog_version.seen(s)
    if version is None:
        return _resolve(s, c, at)
    bind = s.get_bind()
    cache = _CACHES.get(bind)
    if cache is None:
        cache = _CACHES.setdefault(bind, _Cache())
    hit = cache.get(c, version, at)
    if hit is not None:
        return hit
    res = _resolve(s, c, at)
    until = s.connection().execute(_NEXT_CHANGE, {"at": at}).scalar()
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=timezone.utc)
    cache.put(c, version, at, until or _FOREVER, res)
    return res


def _resolve(s: Session, c: Criteria, at: datetime) -> Resolution:
    shape = (bool(c.modality), bool(c.expertise), bool(c.language), bool(c.preferred_vendor_ids),
             bool(c.excluded_vendor_ids))
    params = {"at": at, "task_type": c.task_type, "modality": c.modality, "expertise": c.expertise,
              "language": c.language, "preferred": list(c.preferred_vendor_ids),
              "excluded": list(c.excluded_vendor_ids)}
    rows = s.connection().execute(_statement(shape), {k: v for k, v in params.items() if v or k in ("at", "task_type")})
    latest: dict[int, tuple] = {}
    for row in rows:
        latest[row[0]] = row  # a later effective_from wins
    res = Resolution()
    for oid, title, unit, days, vendor_id, vendor_name, amount, currency, _ in latest.values():
        off, vendor = OfferingInfo(oid, title, unit, days, vendor_id), VendorInfo(vendor_id, vendor_name)
        if amount is None:
            res.matches.append(Match(off, vendor, None, False, "no current price"))
        elif currency != c.currency:
            res.matches.append(Match(off, vendor, None, False, f"priced in {currency}"))
        elif amount > c.max_unit_price_minor:
            res.matches.append(Match(off, vendor, amount, False, "above your maximum unit price"))
        else:
            res.matches.append(Match(off, vendor, amount, True))
    res.matches.sort(key=lambda m: (not m.eligible, m.price_minor if m.price_minor is not None else 1 << 62,
                                    m.offering.id))
    return res


def earliest_completion(off: OfferingInfo, work_start: datetime) -> datetime:
    return work_start + timedelta(days=off.turnaround_days)
