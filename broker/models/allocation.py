"""What a round handed out, the vendor order it becomes, and the deliveries against it."""
from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.types import UTCDateTime
from broker.models.base import created_at_field, enum_type, json_field, utc_field


class Allocation(SQLModel, table=True):
    """Units of one offering given to one request by one round. Final for its period."""

    __tablename__ = "allocation"
    __table_args__ = (
        sa.Index("ix_allocation_period_offering", "period", "offering_id"),
        sa.Index("ix_allocation_org_period", "org_id", "period"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="allocation_round.id", index=True)
    request_id: int = Field(foreign_key="capacity_request.id", index=True)
    offering_id: int = Field(foreign_key="offering.id")
    org_id: int = Field(foreign_key="org.id")
    period: str = Field(max_length=10)
    units: int = Field(gt=0)
    unit_price_minor: int = Field(gt=0)
    currency: str = Field(max_length=3)
    # The engine's explanation for the group at this offering.
    explanation: dict = json_field(dict)
    created_at: datetime = created_at_field()


class OrderStatus(str, enum.Enum):
    offered = "offered"
    accepted = "accepted"
    delivered = "delivered"
    short = "short"  # period ended with units undelivered
    released = "released"  # unpaid past its payment window, back to the pool
    declined = "declined"  # the vendor declined it (with a reason), back to the pool


# An order in one of these states no longer holds its units: the next spot round may hand
# them out again.
RETURNED_ORDER_STATUSES = (OrderStatus.released, OrderStatus.declined)


class Order(SQLModel, table=True):
    """The vendor's view of an allocation: accept it, deliver it, get paid for it."""

    __tablename__ = "purchase_order"
    __table_args__ = (sa.Index("ix_order_vendor_status", "vendor_org_id", "status"),
                      sa.Index("ix_order_period_allocation", "period", "allocation_id", "units", "units_delivered"))

    id: int | None = Field(default=None, primary_key=True)
    allocation_id: int = Field(foreign_key="allocation.id", unique=True)
    vendor_org_id: int = Field(foreign_key="org.id")
    developer_org_id: int = Field(foreign_key="org.id", index=True)
    offering_id: int = Field(foreign_key="offering.id")
    period: str = Field(max_length=10)
    units: int = Field(gt=0)
    units_delivered: int = Field(default=0, ge=0)
    unit_price_minor: int = Field(gt=0)
    currency: str = Field(max_length=3)
    fee_rate: Decimal = Field(sa_type=sa.Numeric(6, 4), ge=0, le=1)
    status: OrderStatus = Field(default=OrderStatus.offered, sa_type=enum_type(OrderStatus))
    payment_status: str = Field(default="unpaid", max_length=16)  # unpaid | paid | invoiced | failed
    payment_due_at: datetime | None = utc_field()
    accepted_at: datetime | None = utc_field()
    declined_at: datetime | None = utc_field()
    # What the vendor told the developer when declining (required to decline).
    decline_reason: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()


class Delivery(SQLModel, table=True):
    __tablename__ = "delivery"
    __table_args__ = (
        sa.Index("ix_delivery_order", "order_id", "delivered_at", "units"),
        sa.UniqueConstraint("order_id", "external_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id")
    units: int = Field(gt=0)
    delivered_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    # Idempotency for adapters that report the same progress twice.
    external_id: str | None = Field(default=None, max_length=120)
    note: str = Field(default="", max_length=1000)
    created_at: datetime = created_at_field()
