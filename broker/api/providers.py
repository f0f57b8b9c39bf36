"""Vendor systems: signed progress callbacks from webhook vendors, a vendor's own connection,
and the operator's health view and dead-letter replay."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import g, request
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api.schemas import PROBLEM_RESPONSES, StrictInput
from broker.auth.oauth import bearer
from broker.clock import now
from broker.errors import ApiError
from broker.services import vendor_systems

api = APIBlueprint("api_providers", __name__, url_prefix="/api/v1/providers",
                   abp_tags=[Tag(name="providers")], abp_responses=PROBLEM_RESPONSES)


class ConnectionPath(BaseModel):
    connection_id: int = Field(ge=1, le=2**31 - 1)


class EventPath(BaseModel):
    event_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class CallbackOut(BaseModel):
    event_id: str
    order_id: int
    recorded: int = Field(description="units recorded by this call (0 for a replay)")
    units_delivered: int


class ConnectionIn(StrictInput):
    adapter: Literal["manual", "webhook", "labelstudio"]
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description="adapter settings; secrets are named environment variables")


class ConnectionOut(BaseModel):
    id: int
    vendor_org_id: int
    adapter: str
    settings: dict[str, Any]
    callback_url: str | None
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None


class HealthRow(BaseModel):
    connection_id: int
    vendor_org_id: int
    vendor: str
    adapter: str
    state: str
    last_success_at: datetime | None
    last_error: str
    last_error_at: datetime | None
    pending: int
    dead: int


class HealthList(BaseModel):
    items: list[HealthRow]


class DeadLetter(BaseModel):
    event_id: str
    vendor: str
    kind: str
    order_id: int
    attempts: int
    last_error: str
    created_at: datetime


class DeadLetterList(BaseModel):
    items: list[DeadLetter]


class ReplayOut(BaseModel):
    event_id: str
    status: str
    next_attempt_at: datetime | None


def _connection_out(conn) -> dict:
    return ConnectionOut(id=conn.id, vendor_org_id=conn.vendor_org_id, adapter=conn.adapter,
                         settings=conn.settings,
                         callback_url=vendor_systems.callback_url(db.session(), conn) if conn.adapter == "webhook" else None,
                         last_success_at=conn.last_success_at, last_error=conn.last_error,
                         last_error_at=conn.last_error_at).model_dump(mode="json")


@api.post("/<int:connection_id>/callbacks", responses={"200": CallbackOut},
          summary="Signed progress callback from a webhook vendor (Parity-Signature header)")
def callback(path: ConnectionPath):
    # No bearer token: the HMAC signature over the raw body is the authentication.
    out = vendor_systems.receive_callback(db.session(), path.connection_id, request.get_data(cache=True),
                                     request.headers.get("Parity-Signature"), now())
    return CallbackOut(**out).model_dump(mode="json")


@api.get("/connection", responses={"200": ConnectionOut}, security=[{"oauth2": ["catalog:write"]}],
         summary="Your vendor system connection")
@bearer("catalog:write")
def get_connection():
    conn = vendor_systems.connection_of(db.session(), g.principal.org_id)
    if conn is None:
        raise ApiError("No connection yet: you work through Parity (the manual adapter).", status=404,
                       type_="not-found")
    return _connection_out(conn)


@api.put("/connection", responses={"200": ConnectionOut}, security=[{"oauth2": ["catalog:write"]}],
         summary="Connect your system with an adapter (vendors)")
@bearer("catalog:write")
def put_connection(body: ConnectionIn):
    s = db.session()
    with db.transaction(s):
        conn = vendor_systems.connect(s, g.principal, vendor_org_id=g.principal.org_id, adapter=body.adapter,
                                 settings=body.settings)
    return _connection_out(conn)


@api.get("/health", responses={"200": HealthList}, security=[{"oauth2": ["admin"]}],
         summary="Health of every vendor connection (operators)")
@bearer("admin")
def health():
    rows = vendor_systems.health(db.session(), g.principal)
    return HealthList(items=[HealthRow(**r) for r in rows]).model_dump(mode="json")


@api.get("/dead-letters", responses={"200": DeadLetterList}, security=[{"oauth2": ["admin"]}],
         summary="Events that failed every attempt (operators)")
@bearer("admin")
def dead_letters():
    rows = vendor_systems.dead_letters(db.session(), g.principal)
    return DeadLetterList(items=[DeadLetter(event_id=e.event_id, vendor=name, kind=e.kind, order_id=e.order_id,
                                            attempts=e.attempts, last_error=e.last_error,
                                            created_at=e.created_at) for e, name in rows]).model_dump(mode="json")


@api.post("/dead-letters/<event_id>/replay", responses={"200": ReplayOut}, security=[{"oauth2": ["admin"]}],
          summary="Queue a dead letter again, due now (operators)")
@bearer("admin")
def replay(path: EventPath):
    s = db.session()
    with db.transaction(s):
        ev = vendor_systems.replay(s, g.principal, path.event_id, now())
    return ReplayOut(event_id=ev.event_id, status=ev.status, next_attempt_at=ev.next_attempt_at).model_dump(mode="json")
