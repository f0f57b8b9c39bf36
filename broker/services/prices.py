"""Prices: never edited in place. A new price supersedes the open one, whose ``effective_to``
becomes the new one's ``effective_from``; the history is a public record (price files)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterator

from sqlmodel import Session, select

from broker.access.principal import Principal
from broker.catalog.iso import is_currency
from broker.catalog.wire import iso
from broker.errors import ApiError
from broker.models import Offering, Org, Price
from broker import audit
from broker.services.offerings import get_for_change, invalid

MAX_SCHEDULE_AHEAD = timedelta(days=365)
MAX_AMOUNT_MINOR = 10**12


def history(s: Session, offering_id: int) -> list[Price]:
    return list(s.exec(select(Price).where(Price.offering_id == offering_id)
                       .order_by(Price.effective_from, Price.id)))


def current(s: Session, offering_id: int, at: datetime) -> Price | None:
    return s.exec(select(Price).where(
        Price.offering_id == offering_id, Price.effective_from <= at,
        (Price.effective_to.is_(None)) | (Price.effective_to > at)).order_by(Price.effective_from.desc())).first()


def set_price(s: Session, actor: Principal, offering_id: int, *, amount_minor: int, currency: str,
              now: datetime, effective_from: datetime | None = None) -> Price:
    """Add a price from ``effective_from`` (default now; never in the past) to the offering."""
    offering = get_for_change(s, actor, offering_id)
    start = effective_from or now
    errors = []
    if not isinstance(amount_minor, int) or isinstance(amount_minor, bool) or not 0 < amount_minor <= MAX_AMOUNT_MINOR:
        errors.append({"field": "amount_minor", "message": "must be a positive whole number of minor units"})
    if not is_currency(currency):
        errors.append({"field": "currency", "message": "not an ISO 4217 currency code"})
    if start.tzinfo is None:
        errors.append({"field": "effective_from", "message": "give a time zone (UTC offset)"})
    elif start < now - timedelta(seconds=1):
        errors.append({"field": "effective_from", "message": "prices cannot be backdated"})
    elif start > now + MAX_SCHEDULE_AHEAD:
        errors.append({"field": "effective_from", "message": "at most 365 days ahead"})
    latest = s.exec(select(Price).where(Price.offering_id == offering.id)
                    .order_by(Price.effective_from.desc(), Price.id.desc())).first()
    if latest is not None and latest.currency != currency and not errors:
        # One currency per offering keeps its price history comparable.
        errors.append({"field": "currency", "message": f"this offering is priced in {latest.currency}"})
    if errors:
        raise invalid(errors)
    if latest is not None and latest.effective_from >= start:
        raise ApiError(f"A price effective from {latest.effective_from.isoformat()} is already set; "
                       "a new price must start after it.", status=409, type_="conflict",
                       errors=[{"field": "effective_from", "message": "must be after the latest price's start"}])
    if latest is not None and latest.effective_to is None:
        before = audit.snapshot(latest)
        latest.effective_to = start
        s.add(latest)
        audit.record(s, actor, "price.supersede", "price", latest.id, before=before, after=audit.snapshot(latest))
    price = Price(offering_id=offering.id, amount_minor=amount_minor, currency=currency,
                  effective_from=start)
    s.add(price)
    s.flush()
    audit.record(s, actor, "price.create", "price", price.id, after=audit.snapshot(price))
    return price


PRICE_FILE_SCHEMA = 1


def first_day(s: Session):
    """The UTC date of the earliest price ever set (None when there is none)."""
    from sqlmodel import func

    first = s.exec(select(func.min(Price.effective_from))).one()
    return first.date() if first else None


def price_file(s: Session, day) -> dict:
    """Every price in effect at some moment of the UTC ``day``, as known at the day's end.

    An expiry later than the day's end is written as null (unknown then), so a past day's
    file never changes: prices are never edited and never backdated.
    """
    return next(price_files(s, day, day))[1]


def price_files(s: Session, first, last) -> Iterator[tuple[date, dict]]:
    """(day, ``price_file`` of the day) for every UTC day from ``first`` to ``last``, from one
    query: sealing a market's first months asks for hundreds of days, and a query per day (with
    three ORM objects per row) was most of the seal's cost."""
    start, end = _day_bounds(first)[0], _day_bounds(last)[1]
    rows = s.exec(select(*_PRICE_FILE_COLUMNS).join(Offering, Offering.id == Price.offering_id)
                  .join(Org, Org.id == Offering.vendor_org_id)
                  .where(Price.effective_from < end, (Price.effective_to.is_(None)) | (Price.effective_to > start))
                  .order_by(Price.offering_id, Price.effective_from, Price.id)).all()
    day = first
    while day <= last:
        yield day, _price_file_of(day, rows)
        day += timedelta(days=1)


_PRICE_FILE_COLUMNS = (Price.id, Offering.id, Offering.title, Org.id, Org.name, Offering.task_type, Offering.unit,
                       Price.amount_minor, Price.currency, Price.effective_from, Price.effective_to)


def _day_bounds(day) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, timezone.utc)
    return start, start + timedelta(days=1)


def _price_file_of(day, rows) -> dict:
    """The day's file from rows of ``_PRICE_FILE_COLUMNS`` (in offering, start, id order)."""
    start, end = _day_bounds(day)
    prices_ = [{
        "price_id": price_id, "offering_id": offering_id, "offering": title, "vendor_id": vendor_id,
        "vendor": vendor, "task_type": task_type, "unit": unit, "amount_minor": amount, "currency": currency,
        "effective_from": iso(effective_from),
        "effective_to": iso(effective_to) if effective_to is not None and effective_to <= end else None,
    } for (price_id, offering_id, title, vendor_id, vendor, task_type, unit, amount, currency, effective_from,
           effective_to) in rows
        if effective_from < end and (effective_to is None or effective_to > start)]
    return {"schema_version": PRICE_FILE_SCHEMA, "date": day.isoformat(), "prices": prices_}
