"""Offerings: the public catalog search and each offering's prices and capacity (no token);
vendors create and change their own offerings, prices and capacity (``catalog:write``)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import json

from flask import Response, current_app, g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import AwareDatetime, BaseModel, Field, create_model

from broker import db
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import CachedSchema, PROBLEM_RESPONSES, StrictInput
from broker.auth.oauth import bearer
from broker.catalog import exposure as exposure_rules
from broker.catalog import money, vocabulary
from broker.catalog.iso import is_currency
from broker.catalog.wire import iso
from broker.clock import now
from broker.errors import ApiError
from broker.models import Offering
from broker.models.offering import OfferingBase, OfferingPublic
from broker.periods import period_of
from broker.services import capacity, catalog, catalog_cache, idempotency, offerings, prices

api = APIBlueprint("api_offerings", __name__, url_prefix="/api/v1/offerings",
                   abp_tags=[Tag(name="catalog")], abp_responses=PROBLEM_RESPONSES)

TaskType = Literal[tuple(vocabulary.TASK_TYPES)]  # type: ignore[valid-type]
Modality = Literal[tuple(vocabulary.MODALITIES)]  # type: ignore[valid-type]
Unit = Literal[tuple(vocabulary.UNITS)]  # type: ignore[valid-type]
Expertise = Literal[tuple(vocabulary.EXPERTISE)]  # type: ignore[valid-type]
Currency = str  # ISO 4217, checked by the services (field-named 422)
ID = Field(ge=1, le=2**31 - 1)


class Money(BaseModel):
    amount_minor: int
    currency: str
    display: str = Field(description="human-readable, e.g. 'USD 12.50'")


class CatalogItem(BaseModel):
    id: int
    title: str
    vendor: dict = Field(description="{id, name, slug}")
    task_type: str
    modality: str
    expertise: str
    unit: str
    languages: list[str]
    turnaround_days: int
    calibration_required: bool
    content_risk: str
    quality: dict
    price: Money
    price_since: datetime
    capacity_this_period: int | None
    effective_hourly_pay_minor: int | None
    pay_currency: str | None
    annotator_share: float | None
    pay_floor: Literal["meets", "below", "undisclosed", "other_currency"]


class CatalogPage(Page[CatalogItem]):
    period: str
    pay_floor: Money


class CatalogQuery(PageQuery):
    q: str | None = Field(default=None, max_length=100, description="words in the title or vendor name")
    task_type: TaskType | None = None
    modality: Modality | None = None
    language: str | None = Field(default=None, max_length=35, description="BCP 47; 'en' also matches en-US")
    expertise: Expertise | None = None
    unit: Unit | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    price_min: int | None = Field(default=None, ge=0, le=10**12, description="minor units, with currency")
    price_max: int | None = Field(default=None, ge=0, le=10**12, description="minor units, with currency")
    turnaround_max: int | None = Field(default=None, ge=0, le=3650, description="days")
    pay_floor: Literal["meets"] | None = Field(default=None, description="only offerings meeting the pay floor")
    vendor_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    sort: Literal["id", "price", "-price", "turnaround"] = "id"


def filters_from(q, ids: tuple[int, ...] = ()) -> catalog.Filters:
    """Query fields → service filters; a price range needs its currency (no FX conversion)."""
    language = None
    if q.language:
        language = vocabulary.normalise_language(q.language)
        if language is None:
            raise offerings.invalid([{"field": "language", "message": "not a BCP 47 language tag"}])
    if (q.price_min is not None or q.price_max is not None) and not q.currency:
        raise offerings.invalid([{"field": "currency", "message": "a price range needs a currency"}])
    if q.currency and not is_currency(q.currency):
        raise offerings.invalid([{"field": "currency", "message": "not an ISO 4217 currency code"}])
    return catalog.Filters(q=q.q or None, task_type=q.task_type, modality=q.modality, language=language,
                           expertise=q.expertise, unit=q.unit, currency=q.currency, price_min=q.price_min,
                           price_max=q.price_max, turnaround_max=q.turnaround_max,
                           meets_pay_floor=q.pay_floor == "meets", vendor_id=q.vendor_id, ids=ids, sort=q.sort)


def item_json(r: dict) -> dict:
    """A catalog row as the API shows it (plain dicts: this is the hot path)."""
    return {
        "id": r["id"], "title": r["title"],
        "vendor": {"id": r["vendor_org_id"], "name": r["vendor_name"], "slug": r["vendor_slug"]},
        "task_type": r["task_type"], "modality": r["modality"], "expertise": r["expertise"],
        "unit": r["unit"], "languages": r["languages"], "turnaround_days": r["turnaround_days"],
        "calibration_required": r["calibration_required"], "content_risk": r["content_risk"],
        "quality": r["quality"],
        "price": {"amount_minor": r["amount_minor"], "currency": r["currency"],
                  "display": money.format_money(r["amount_minor"], r["currency"])},
        "price_since": iso(r["price_since"]), "capacity_this_period": r["capacity"],
        "effective_hourly_pay_minor": r["effective_hourly_pay_minor"], "pay_currency": r["pay_currency"],
        "annotator_share": r["annotator_share"], "pay_floor": r["pay_floor"],
    }


def _keyset_shape(sort: str) -> tuple[str, ...]:
    """Cursor key kinds of a sort order (catalog.SORTS): currency text, amounts, the id last."""
    kinds = {"currency": pagination.TEXT, "id": pagination.ID}
    return tuple(kinds.get(col.name, pagination.INT) for col, _ in catalog.SORTS[sort])


def _cache() -> catalog_cache.PageCache:
    return current_app.extensions.setdefault("catalog_page_cache", catalog_cache.PageCache())


@api.get("", responses={"200": CatalogPage}, summary="Search the catalog (public)")
def search(query: CatalogQuery):
    s = db.session()
    t = now()
    cache, key = _cache(), request.query_string.decode("latin-1")
    version = cache.version(s)
    body = cache.get(key, version, t)
    if body is None:
        body = json.dumps(_search(s, query, t), separators=(",", ":")).encode()
        cache.put(key, catalog_cache.Entry(version, cache.valid_until(s, t), body))
    return Response(body, mimetype="application/json")


def _search(s, query: CatalogQuery, t) -> dict:
    floor = catalog.pay_floor(s)
    rows, after = catalog.search(s, filters_from(query), now=t, floor=floor, limit=query.limit,
                                 after=pagination.decode(query.cursor, f"offerings:{query.sort}",
                                                           _keyset_shape(query.sort)))
    return {"items": [item_json(r) for r in rows],
            "next_cursor": pagination.encode(f"offerings:{query.sort}", after) if after else None,
            "period": period_of(t),
            "pay_floor": {"amount_minor": floor.amount_minor, "currency": floor.currency,
                          "display": money.format_money(floor.amount_minor, floor.currency)}}


class CompareQuery(CachedSchema):
    ids: str = Field(pattern=r"^\d{1,10}(,\d{1,10}){0,3}$", description="2–4 offering ids, comma-separated")


@api.get("/compare", responses={"200": CatalogPage}, summary="Up to four offerings side by side (public)")
def compare(query: CompareQuery):
    s = db.session()
    ids = tuple(dict.fromkeys(int(x) for x in query.ids.split(",")))
    floor = catalog.pay_floor(s)
    rows, _ = catalog.search(s, catalog.Filters(ids=ids), now=now(), floor=floor, limit=4)
    order = {oid: i for i, oid in enumerate(ids)}
    rows.sort(key=lambda r: order[r["id"]])
    return {"items": [item_json(r) for r in rows], "next_cursor": None, "period": period_of(now()),
            "pay_floor": {"amount_minor": floor.amount_minor, "currency": floor.currency,
                          "display": money.format_money(floor.amount_minor, floor.currency)}}


# --- one offering ---------------------------------------------------------------------------

class OfferingPath(BaseModel):
    offering_id: int = ID


class PriceOut(BaseModel):
    id: int
    amount_minor: int
    currency: str
    effective_from: datetime
    effective_to: datetime | None


class OfferingOut(OfferingPublic):
    current_price: PriceOut | None


def offering_json(s, o: Offering) -> dict:
    price = prices.current(s, o.id, now())
    return OfferingOut(**o.model_dump(), languages=offerings.languages_of(s, o.id),
                       current_price=PriceOut.model_validate(price, from_attributes=True) if price else None
                       ).model_dump(mode="json")


def _public_offering(s, offering_id: int) -> Offering:
    o = s.get(Offering, offering_id)
    if o is None:
        raise ApiError(f"No offering {offering_id}.", status=404, type_="not-found")
    return o


@api.get("/<int:offering_id>", responses={"200": OfferingOut}, summary="One offering (public)")
def get_offering(path: OfferingPath):
    s = db.session()
    return offering_json(s, _public_offering(s, path.offering_id))


class PriceList(BaseModel):
    items: list[PriceOut]


@api.get("/<int:offering_id>/prices", responses={"200": PriceList},
         summary="Price history of an offering, oldest first (public)")
def price_history(path: OfferingPath):
    s = db.session()
    _public_offering(s, path.offering_id)
    return PriceList(items=[PriceOut.model_validate(p, from_attributes=True)
                            for p in prices.history(s, path.offering_id)]).model_dump(mode="json")


class CapacityOut(BaseModel):
    period: str
    units: int
    allocated: int
    reserved: int


class CapacityList(BaseModel):
    items: list[CapacityOut]


@api.get("/<int:offering_id>/capacity", responses={"200": CapacityList},
         summary="Capacity from this period on, with units allocated and reserved (public)")
def capacity_list(path: OfferingPath):
    s = db.session()
    _public_offering(s, path.offering_id)
    items = []
    for row in capacity.of_offering(s, path.offering_id, period_of(now())):
        allocated, reserved = capacity.committed(s, path.offering_id, row.period)
        items.append(CapacityOut(period=row.period, units=row.units, allocated=allocated, reserved=reserved))
    return CapacityList(items=items).model_dump(mode="json")


# --- vendor side ----------------------------------------------------------------------------

class Quality(StrictInput):
    gold_tasks: bool | None = None
    redundancy: int | None = Field(default=None, description="judgements per item, 1–50")
    consensus: str | None = Field(default=None, description="one of: " + ", ".join(vocabulary.CONSENSUS_METHODS))
    agreement_metric: str | None = Field(default=None, description="one of: " + ", ".join(vocabulary.AGREEMENT_METRICS))


class Security(StrictInput):
    data_residency: str | None = Field(default=None, description="ISO 3166-1 country code or EU")
    nda: bool | None = None
    secure_facility: bool | None = None
    pii_allowed: bool | None = None
    iso27001: bool | None = None


class Exposure(StrictInput):
    """For offerings with a content class (broker.catalog.exposure): who is exposed, how long,
    and the protections offered. The rules (the policy's weekly cap among them) are the service's."""

    workers_assigned: int | None = None
    weekly_hours_per_worker: float | None = Field(default=None, description="at most the policy's exposure_cap_hours")
    minutes_per_unit: float | None = None
    counselling: bool | None = None
    opt_out_without_penalty: bool | None = None
    rotation: bool | None = None


# The bodies take OfferingBase's fields (models.offering) with the API's own types where the
# answer documents more (the vocabularies, the quality and security facts); the rules are the
# service's (services.offerings.validate), so nothing here repeats them.
def _terms(terms) -> object:
    """A vocabulary field of a body: documented as an enum, checked by the service (so a term
    outside it gets the same message on the API and the vendor page)."""
    return Annotated[str, Field(json_schema_extra={"enum": list(terms)})]


_API_TYPES = {"task_type": _terms(vocabulary.TASK_TYPES), "modality": _terms(vocabulary.MODALITIES),
              "expertise": _terms(vocabulary.EXPERTISE), "unit": _terms(vocabulary.UNITS),
              "content_risk": _terms(vocabulary.CONTENT_RISK), "quality": Quality, "security": Security,
              "content_classes": list[_terms(exposure_rules.CONTENT_CLASSES)], "exposure": Exposure}


def _body(name: str, *, partial: bool) -> type[StrictInput]:
    fields = {}
    for field, info in OfferingBase.model_fields.items():
        kind = _API_TYPES.get(field, info.annotation)
        if partial or not info.is_required():
            fields[field] = (kind | None, None)
        else:
            fields[field] = (kind, ...)
    fields["languages"] = (list[str] | None, None) if partial else (list[str], ...)
    if partial:
        fields["status"] = (Literal["active", "retired"] | None, None)
    return create_model(name, __base__=StrictInput, **fields)


OfferingCreate = _body("OfferingCreate", partial=False)
OfferingUpdate = _body("OfferingUpdate", partial=True)


def _fields(body: StrictInput) -> dict:
    data = body.model_dump(exclude_unset=True)
    for k in ("quality", "security", "exposure"):
        if k in data and data[k] is not None:
            data[k] = {x: v for x, v in data[k].items() if v is not None}
    return data


@api.post("", responses={"201": OfferingOut}, security=[{"oauth2": ["catalog:write"]}],
          summary="List a new offering (vendors)")
@bearer("catalog:write")
def create_offering(body: OfferingCreate):
    def create(s):
        o = offerings.create(s, g.principal, _fields(body))
        return offering_json(s, o), 201

    return idempotency.run(db.session(), g.principal, "offerings.create",
                           request.headers.get("Idempotency-Key"), body.model_dump(), create)


@api.patch("/<int:offering_id>", responses={"200": OfferingOut}, security=[{"oauth2": ["catalog:write"]}],
           summary="Change your offering (fields given are replaced; status retired withdraws it)")
@bearer("catalog:write")
def update_offering(path: OfferingPath, body: OfferingUpdate):
    data = _fields(body)
    s = db.session()
    with db.transaction(s):
        o = offerings.update(s, g.principal, path.offering_id, data)
        return offering_json(s, o)


class PriceCreate(StrictInput):
    amount_minor: int = Field(gt=0, le=10**12)
    currency: Currency = Field(min_length=3, max_length=3)
    # strict=False: a JSON string is the only way to send a datetime.
    effective_from: AwareDatetime | None = Field(default=None, strict=False, description="default now; never in the past")


@api.post("/<int:offering_id>/prices", responses={"201": PriceOut}, security=[{"oauth2": ["catalog:write"]}],
          summary="Set a new price; it supersedes the current one (vendors)")
@bearer("catalog:write")
def create_price(path: OfferingPath, body: PriceCreate):
    def create(s):
        p = prices.set_price(s, g.principal, path.offering_id, amount_minor=body.amount_minor,
                             currency=body.currency, effective_from=body.effective_from, now=now())
        return PriceOut.model_validate(p, from_attributes=True).model_dump(mode="json"), 201

    return idempotency.run(db.session(), g.principal, f"offerings.{path.offering_id}.prices",
                           request.headers.get("Idempotency-Key"), body.model_dump(mode="json"), create)


class CapacityPath(BaseModel):
    offering_id: int = ID
    period: str = Field(max_length=10, description="ISO week, e.g. 2026-W48")


class CapacitySet(StrictInput):
    units: int = Field(ge=0, le=1_000_000_000)


@api.put("/<int:offering_id>/capacity/<period>", responses={"200": CapacityOut},
         security=[{"oauth2": ["catalog:write"]}],
         summary="Set capacity for a period: raise any time, lower only to what is committed (vendors)")
@bearer("catalog:write")
def put_capacity(path: CapacityPath, body: CapacitySet):
    s = db.session()
    with db.transaction(s):
        row = capacity.set_capacity(s, g.principal, path.offering_id, period=path.period, units=body.units,
                                    now=now())
        allocated, reserved = capacity.committed(s, path.offering_id, row.period)
        return CapacityOut(period=row.period, units=row.units, allocated=allocated,
                           reserved=reserved).model_dump(mode="json")
