"""Orders: vendors accept them and record deliveries; developers follow the progress."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import AwareDatetime, BaseModel, Field

from broker import db
from broker.api.inputs import BrokerInput
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.models import Order
from broker.services import orders as svc

api = APIBlueprint("api_orders", __name__, url_prefix="/api/v1/orders", abp_tags=[Tag(name="orders")],
                   abp_responses=PROBLEM_RESPONSES)


class DeliveryOut(BaseModel):
    id: int
    units: int
    delivered_at: datetime
    external_id: str | None
    note: str


class OrderOut(BaseModel):
    id: int
    allocation_id: int
    vendor_org_id: int
    developer_org_id: int
    offering_id: int
    period: str
    units: int
    units_delivered: int
    unit_price_minor: int
    currency: str
    fee_rate: str
    status: str
    payment_status: str
    payment_due_at: datetime | None
    accepted_at: datetime | None
    declined_at: datetime | None = None
    decline_reason: str = ""
    created_at: datetime

    @classmethod
    def of(cls, o: Order) -> "OrderOut":
        return cls(**{k: getattr(o, k) for k in ("id", "allocation_id", "vendor_org_id", "developer_org_id",
                                                 "offering_id", "period", "units", "units_delivered",
                                                 "unit_price_minor", "currency", "payment_status",
                                                 "payment_due_at", "accepted_at", "declined_at", "decline_reason",
                                                 "created_at")},
                   fee_rate=str(o.fee_rate), status=o.status.value)


class OrderDetail(OrderOut):
    deliveries: list[DeliveryOut]


class OrderPage(Page[OrderOut]):
    pass


class OrderQuery(PageQuery):
    status: Literal["offered", "accepted", "delivered", "short", "released", "declined"] | None = None


class OrderPath(BaseModel):
    order_id: int = Field(ge=1, le=2**31 - 1)


class DeliveryIn(BrokerInput):
    units: int = Field(ge=1, le=1_000_000)
    delivered_at: Annotated[AwareDatetime, Field(strict=False)] | None = None
    external_id: str | None = Field(default=None, min_length=1, max_length=120,
                                    description="your id for this delivery: a repeat is recorded once")
    note: str = Field(default="", max_length=1000)


def detail(s, o: Order) -> dict:
    return OrderDetail(**OrderOut.of(o).model_dump(), deliveries=[
        DeliveryOut(**d.model_dump()) for d in svc.deliveries(s, o)]).model_dump(mode="json")


@api.get("", responses={"200": OrderPage}, security=[{"oauth2": ["orders:read"]}],
         summary="Your orders (vendor: to fulfil; developer: placed for you)")
@bearer("orders:read")
def list_orders(query: OrderQuery):
    rows, cursor = pagination.by_id(query, "orders", lambda after_id, limit: svc.list_for(
        db.session(), g.principal, status=query.status, limit=limit, after_id=after_id))
    return OrderPage(items=[OrderOut.of(o) for o in rows], next_cursor=cursor).model_dump(mode="json")


@api.get("/<int:order_id>", responses={"200": OrderDetail}, security=[{"oauth2": ["orders:read"]}],
         summary="One order with its deliveries")
@bearer("orders:read")
def get_order(path: OrderPath):
    s = db.session()
    return detail(s, svc.get(s, g.principal, path.order_id))


@api.post("/<int:order_id>/accept", responses={"200": OrderDetail}, security=[{"oauth2": ["orders:write"]}],
          summary="Accept an order (its vendor)")
@bearer("orders:write")
def accept_order(path: OrderPath):
    s = db.session()
    with db.transaction(s):
        svc.accept(s, g.principal, path.order_id)
    return detail(s, svc.get(s, g.principal, path.order_id))


class DeclineIn(BrokerInput):
    reason: str = Field(min_length=1, max_length=1000, description="why you decline; the developer reads it")


@api.post("/<int:order_id>/decline", responses={"200": OrderDetail}, security=[{"oauth2": ["orders:write"]}],
          summary="Decline an order with a reason (its vendor; nothing delivered yet). The units go back to "
                  "the pool for the next spot round and the developer is told the reason.")
@bearer("orders:write")
def decline_order(path: OrderPath, body: DeclineIn):
    s = db.session()
    with db.transaction(s):
        svc.decline(s, g.principal, path.order_id, reason=body.reason)
    return detail(s, svc.get(s, g.principal, path.order_id))


@api.post("/<int:order_id>/deliveries", responses={"201": OrderDetail}, security=[{"oauth2": ["orders:write"]}],
          summary="Record delivered units (its vendor)")
@bearer("orders:write")
def record_delivery(path: OrderPath, body: DeliveryIn):
    s = db.session()
    with db.transaction(s):
        svc.deliver(s, g.principal, path.order_id, units=body.units, delivered_at=body.delivered_at,
                    external_id=body.external_id, note=body.note)
    return detail(s, svc.get(s, g.principal, path.order_id)), 201
