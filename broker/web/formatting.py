"""One set of Jinja filters for every page: what a person reads, never what the database stores.

- ``{{ amount_minor | money(currency) }}`` → ``USD 2.40`` (exact, from ``catalog.money``);
- ``{{ n | count }}`` → ``27,000``; ``{{ n | units }}`` → ``27,000 units`` (``1 unit``);
- ``{{ request.id | request_no }}`` → ``R-212``; ``{{ order.id | order_no }}`` → ``O-187``
  (requests and orders share no number space, so they never share a look);
- ``{{ org_id | org_name }}``, ``{{ offering_id | offering_name }}``: names, read once per
  page (an id that names nothing reads "organisation 18", never a bare number);
- ``{{ key | task_label }}`` (and ``modality_label``, ``expertise_label``, ``unit_label``):
  the catalog vocabulary's words for the codes the API stores; ``{{ tag | language_label }}``
  → ``Tagalog`` (ISO 639 names, ``vocabulary.language_name``);
- ``{{ dt | utc }}`` → ``2026-12-05 14:00 UTC``.

The pure helpers below are what the filters call, so services and tests use the same words.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Flask, g

from broker import db
from broker.catalog import vocabulary
from broker.catalog.money import format_money
from broker.models import Offering, Org


def money(amount_minor: int | None, currency: str | None) -> str:
    if amount_minor is None or not currency:
        return "—"
    return format_money(int(amount_minor), currency)


def count(n: int | None) -> str:
    return "—" if n is None else f"{int(n):,}"


def units(n: int | None) -> str:
    if n is None:
        return "—"
    return f"{int(n):,} unit" + ("" if int(n) == 1 else "s")


def request_no(request_id: int | None) -> str:
    return f"R-{request_id}" if request_id is not None else "—"


def order_no(order_id: int | None) -> str:
    return f"O-{order_id}" if order_id is not None else "—"


def utc(t: datetime | str | None) -> str:
    if t is None or t == "":
        return "—"
    if isinstance(t, str):
        try:
            t = datetime.fromisoformat(t.replace("Z", "+00:00"))
        except ValueError:
            return t
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc)
    return f"{t:%Y-%m-%d %H:%M} UTC"


def _label(terms: dict):
    return lambda key: terms.get(key, key) if key else "—"


task_label = _label(vocabulary.TASK_TYPES)
modality_label = _label(vocabulary.MODALITIES)
expertise_label = _label(vocabulary.EXPERTISE)
unit_label = _label(vocabulary.UNITS)


def language_label(tag: str | None) -> str:
    return vocabulary.language_name(tag) if tag else "—"


def _cached_name(kind: str, key: int | None, load) -> str:
    if key is None:
        return "—"
    cache = g.setdefault("_names", {})
    if (kind, key) not in cache:
        cache[(kind, key)] = load(key)
    return cache[(kind, key)]


def org_name(org_id: int | None) -> str:
    def load(i):
        org = db.session().get(Org, i)
        return org.name if org is not None else f"organisation {i}"

    return _cached_name("org", org_id, load)


def offering_name(offering_id: int | None) -> str:
    def load(i):
        off = db.session().get(Offering, i)
        return off.title if off is not None else f"offering {i}"

    return _cached_name("offering", offering_id, load)


FILTERS = {"money": money, "count": count, "units": units, "request_no": request_no, "order_no": order_no,
           "utc": utc, "org_name": org_name, "offering_name": offering_name, "task_label": task_label,
           "modality_label": modality_label, "expertise_label": expertise_label, "unit_label": unit_label,
           "language_label": language_label}


def register(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
