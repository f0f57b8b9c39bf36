"""What vendors sell: offerings, their versioned prices and their capacity per period."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.types import UTCDateTime
from broker.models.base import created_at_field, json_field, utc_field


class OfferingBase(SQLModel):
    """What a vendor says about an offering — one declaration of its fields and their column
    shapes. The table, the API's bodies (``OfferingCreate``/``OfferingUpdate``) and answers
    (``OfferingPublic``) and the vendor page's form take their fields from here; the rules
    (vocabulary, lengths, turnaround, pay) are checked by ``broker.services.offerings``."""

    title: str = Field(max_length=200)
    task_type: str = Field(max_length=40)  # controlled vocabulary, broker.catalog.vocabulary
    modality: str = Field(max_length=40)  # text | image | audio | video | multimodal
    expertise: str = Field(default="general", max_length=40)
    unit: str = Field(max_length=32)  # item | label | comparison | hour | conversation_turn
    description: str = Field(default="", max_length=4000)
    # {"gold_tasks": true, "redundancy": 3, "consensus": "majority", "agreement_metric": "krippendorff_alpha"}
    quality: dict = json_field(dict)
    turnaround_days: int = Field(ge=0)
    calibration_required: bool = False
    # {"data_residency": "EU", "nda": true, "secure_facility": false, …}
    security: dict = json_field(dict)
    content_risk: str = Field(default="none", max_length=32)  # none | mild | graphic | extreme
    # Disclosed effective hourly pay of the people doing this work (pay-floor flag).
    effective_hourly_pay_minor: int | None = Field(default=None, gt=0)
    pay_currency: str | None = Field(default=None, max_length=3)
    # Vendor-disclosed share of the price that reaches annotators, percent.
    annotator_share: float | None = Field(default=None, ge=0, le=100)
    # Harmful content the work shows (broker.catalog.exposure.CONTENT_CLASSES; empty: none) and,
    # for such work, the exposure declaration: {"workers_assigned", "weekly_hours_per_worker",
    # "minutes_per_unit", "counselling", "opt_out_without_penalty", "rotation"}.
    content_classes: list = json_field(list)
    exposure: dict = json_field(dict)


# The fields a vendor may set, and those an offering cannot be listed without.
OFFERING_FIELDS = tuple(OfferingBase.model_fields)
REQUIRED_FIELDS = tuple(n for n, f in OfferingBase.model_fields.items() if f.is_required()) + ("languages",)


class Offering(OfferingBase, table=True):
    __tablename__ = "offering"
    __table_args__ = (
        sa.Index("ix_offering_catalog", "status", "task_type", "expertise"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vendor_org_id: int = Field(foreign_key="org.id", index=True)
    status: str = Field(default="active", max_length=16)  # active | retired
    created_at: datetime = created_at_field()


class OfferingPublic(OfferingBase):
    """An offering as the API shows it (its languages from their table)."""

    id: int
    vendor_org_id: int
    languages: list[str]
    status: str
    created_at: datetime


class OfferingLanguage(SQLModel, table=True):
    """Languages an offering covers (BCP 47); a table so the catalog filter uses an index."""

    __tablename__ = "offering_language"
    offering_id: int = Field(foreign_key="offering.id", primary_key=True)
    language: str = Field(max_length=16, primary_key=True, index=True)


class Price(SQLModel, table=True):
    """A price is never edited in place: a new row supersedes the old (effective_to set)."""

    __tablename__ = "price"
    __table_args__ = (sa.Index("ix_price_offering_effective", "offering_id", "effective_from"),)

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id")
    amount_minor: int = Field(gt=0)
    currency: str = Field(max_length=3)
    effective_from: datetime = Field(sa_type=UTCDateTime, nullable=False)
    effective_to: datetime | None = utc_field()
    created_at: datetime = created_at_field()


class Capacity(SQLModel, table=True):
    """Whole units an offering can take in one period."""

    __tablename__ = "capacity"
    __table_args__ = (sa.UniqueConstraint("offering_id", "period"),)

    id: int | None = Field(default=None, primary_key=True)
    offering_id: int = Field(foreign_key="offering.id", index=True)
    period: str = Field(max_length=10, index=True)  # ISO week, "2026-W48"
    units: int = Field(ge=0)
    updated_at: datetime = created_at_field()


