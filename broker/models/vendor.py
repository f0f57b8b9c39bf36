"""A vendor's public profile and its workforce disclosures."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field, json_field


class VendorProfile(SQLModel, table=True):
    """One per vendor org: who the vendor is and who owns it (public)."""

    __tablename__ = "vendor_profile"
    org_id: int = Field(foreign_key="org.id", primary_key=True)
    legal_name: str = Field(max_length=200)
    vendor_kind: str = Field(max_length=32)  # crowd | managed_workforce | expert_network
    hq_country: str = Field(max_length=2)  # ISO 3166-1 alpha-2
    description: str = Field(default="", max_length=4000)
    website: str = Field(default="", max_length=500)
    certifications: list = json_field(list)  # e.g. ["ISO 27001", "SOC 2 Type II"]
    grievance_contact: str = Field(default="", max_length=500)
    # [{"holder": "…", "percent": 12.5}] — owners above 5 %.
    ownership: list = json_field(list)
    other_affiliations: str = Field(default="", max_length=2000)
    # Stripe Connect account (payments issue); None until onboarded.
    stripe_account_id: str | None = Field(default=None, max_length=64)
    updated_at: datetime = created_at_field()


class WorkforceDisclosure(SQLModel, table=True):
    """What a vendor declares about the people doing the work, per quarter."""

    __tablename__ = "workforce_disclosure"
    __table_args__ = (sa.UniqueConstraint("vendor_org_id", "quarter"),)

    id: int | None = Field(default=None, primary_key=True)
    vendor_org_id: int = Field(foreign_key="org.id", index=True)
    quarter: str = Field(max_length=7)  # "2026-Q3"
    headcount: int = Field(ge=0)
    # {"employee": 20.0, "contractor": 70.0, "crowd": 10.0} — percentages adding to 100.
    employment_mix: dict = json_field(dict)
    # {"KE": 40.0, "PH": 35.0, …} — ISO 3166-1 alpha-2 to percentage of workers.
    countries: dict = json_field(dict)
    median_hourly_pay_minor: int = Field(gt=0)
    pay_currency: str = Field(max_length=3)
    # Median effective hourly pay in each country of ``countries``:
    # {"KE": {"hourly_pay_minor": 300, "currency": "USD"}, …} — compared with the policy's
    # floor for that country (broker.catalog.payfloor.local_assessment).
    pay_by_country: dict = json_field(dict)
    share_below_minimum_wage: float = Field(ge=0, le=100)
    share_below_living_wage: float = Field(ge=0, le=100)
    time_estimate_shown: bool
    payment_days: int | None = Field(default=None, ge=0)  # days from task to pay
    harmful_content_protections: str = Field(default="", max_length=2000)
    representation: str = Field(default="", max_length=2000)
    share_domain_experts: float = Field(ge=0, le=100)
    # Fairwork principles the vendor meets: subset of pay, conditions, contracts,
    # management, representation.
    fairwork_principles: list = json_field(list)
    attestation: str = Field(max_length=32)  # self | third_party | audit
    attested_by: str = Field(default="", max_length=200)
    created_at: datetime = created_at_field()
