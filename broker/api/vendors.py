"""Vendors: the public directory and vendor pages (profile, workforce disclosures, stakes
and reservations); a vendor maintains its own profile and disclosures (``catalog:write``)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api.schemas import PROBLEM_RESPONSES, StrictInput
from broker.auth.oauth import bearer
from broker.catalog import vocabulary
from broker.clock import now
from broker.periods import period_of
from broker.services import catalog, vendors, workforce

api = APIBlueprint("api_vendors", __name__, url_prefix="/api/v1/vendors",
                   abp_tags=[Tag(name="vendors")], abp_responses=PROBLEM_RESPONSES)


class VendorPath(BaseModel):
    vendor_id: int = Field(ge=1, le=2**31 - 1)


class QuarterPath(VendorPath):
    quarter: str = Field(max_length=7, description="e.g. 2026-Q3")


class Owner(StrictInput):
    holder: str = Field(min_length=1, max_length=200)
    percent: float = Field(gt=5, le=100)


class ProfileIn(StrictInput):
    legal_name: str = Field(min_length=1, max_length=200)
    vendor_kind: Literal[tuple(vocabulary.VENDOR_KINDS)]  # type: ignore[valid-type]
    hq_country: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    description: str = Field(default="", max_length=4000)
    website: str = Field(default="", max_length=500)
    certifications: list[str] = Field(default_factory=list, max_length=30)
    grievance_contact: str = Field(default="", max_length=500, description="where workers raise grievances")
    ownership: list[Owner] = Field(default_factory=list, max_length=30, description="owners above 5%")
    other_affiliations: str = Field(default="", max_length=2000)


class ProfileOut(ProfileIn):
    model_config = {"extra": "ignore", "strict": False}
    org_id: int
    updated_at: datetime


class CountryPay(StrictInput):
    hourly_pay_minor: int = Field(gt=0, le=10**9)
    currency: str = Field(min_length=3, max_length=3)


class DisclosureIn(StrictInput):
    headcount: int = Field(ge=1, le=10_000_000)
    employment_mix: dict[str, float] = Field(default_factory=dict, description="type → % of workers")
    countries: dict[str, float] = Field(default_factory=dict, description="ISO 3166-1 alpha-2 → % of workers")
    median_hourly_pay_minor: int = Field(gt=0, le=10**9)
    pay_currency: str = Field(min_length=3, max_length=3)
    pay_by_country: dict[str, CountryPay] = Field(
        default_factory=dict, description="median hourly pay in each country of `countries` (compared with "
                                          "the policy's local pay floor there)")
    share_below_minimum_wage: float = Field(ge=0, le=100)
    share_below_living_wage: float = Field(ge=0, le=100)
    time_estimate_shown: bool
    payment_days: int | None = Field(default=None, ge=0, le=365)
    harmful_content_protections: str = Field(default="", max_length=2000)
    representation: str = Field(default="", max_length=2000)
    share_domain_experts: float = Field(ge=0, le=100)
    fairwork_principles: list[Literal[tuple(vocabulary.FAIRWORK_PRINCIPLES)]] = Field(  # type: ignore[valid-type]
        default_factory=list)
    attestation: Literal[tuple(vocabulary.ATTESTATIONS)]  # type: ignore[valid-type]
    attested_by: str = Field(default="", max_length=200)


class DisclosureOut(DisclosureIn):
    model_config = {"extra": "ignore", "strict": False}
    id: int
    vendor_org_id: int
    quarter: str
    created_at: datetime
    completeness: int = Field(description="percent of the expected items answered")
    missing: list[str]
    pay_floor: str
    major_countries: list[str] = Field(description="countries with at least 25% of workers")
    local_floors: dict = Field(description="pay in each country against its local floor, and the share "
                                           "of workers paid under it (share_below_floor_percent)")


class DisclosureList(BaseModel):
    items: list[DisclosureOut]


class VendorOut(BaseModel):
    id: int
    name: str
    slug: str
    profile: ProfileOut | None


class VendorList(BaseModel):
    items: list[VendorOut]


class VendorPage(VendorOut):
    latest_disclosure: DisclosureOut | None
    stakes: list[dict]
    reservations: list[dict]


def _profile(p) -> dict | None:
    return ProfileOut.model_validate(p.model_dump()).model_dump(mode="json") if p else None


def _disclosure(d, floor, table=None) -> dict:
    return DisclosureOut.model_validate({**d.model_dump(), **workforce.summary(d, floor, table)}).model_dump(mode="json")


@api.get("", responses={"200": VendorList}, summary="Vendor directory (public)")
def list_vendors():
    rows = vendors.directory(db.session())
    return {"items": [{"id": o.id, "name": o.name, "slug": o.slug, "profile": _profile(p)} for o, p in rows]}


@api.get("/<int:vendor_id>", responses={"200": VendorPage},
         summary="A vendor: profile, latest workforce disclosure, stakes in it and reservations (public)")
def get_vendor(path: VendorPath):
    s = db.session()
    org = vendors.public_vendor(s, path.vendor_id)
    disclosures = workforce.of_vendor(s, org.id)
    page = {"id": org.id, "name": org.name, "slug": org.slug,
            "profile": _profile(vendors.get_profile(s, org.id)),
            "latest_disclosure": _disclosure(disclosures[0], catalog.pay_floor(s), catalog.floor_table(s)) if disclosures else None,
            "stakes": vendors.stakes_in(s, org.id),
            "reservations": vendors.reservations_at(s, org.id, period_of(now()))}
    return VendorPage.model_validate(page).model_dump(mode="json")


@api.get("/<int:vendor_id>/disclosures", responses={"200": DisclosureList},
         summary="A vendor's workforce disclosures, newest quarter first (public)")
def list_disclosures(path: VendorPath):
    s = db.session()
    org = vendors.public_vendor(s, path.vendor_id)
    floor = catalog.pay_floor(s)
    return {"items": [_disclosure(d, floor, catalog.floor_table(s)) for d in workforce.of_vendor(s, org.id)]}


@api.put("/<int:vendor_id>/profile", responses={"200": ProfileOut}, security=[{"oauth2": ["catalog:write"]}],
         summary="Create or replace your vendor profile (vendors)")
@bearer("catalog:write")
def put_profile(path: VendorPath, body: ProfileIn):
    s = db.session()
    with db.transaction(s):
        p = vendors.save_profile(s, g.principal, path.vendor_id, body.model_dump(), now())
        return _profile(p)


@api.put("/<int:vendor_id>/disclosures/<quarter>", responses={"200": DisclosureOut},
         security=[{"oauth2": ["catalog:write"]}],
         summary="Submit or replace your workforce disclosure for a quarter (vendors)")
@bearer("catalog:write")
def put_disclosure(path: QuarterPath, body: DisclosureIn):
    s = db.session()
    with db.transaction(s):
        d = workforce.submit(s, g.principal, path.vendor_id, path.quarter, body.model_dump(), now())
        return _disclosure(d, catalog.pay_floor(s), catalog.floor_table(s))
