"""Groups, weights, stakes and reservations: operators declare them; everyone reads them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api.inputs import BrokerInput, Id
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.services import groups as svc

api = APIBlueprint("api_admin", __name__, url_prefix="/api/v1", abp_tags=[Tag(name="quotas")],
                   abp_responses=PROBLEM_RESPONSES)

ADMIN = [{"oauth2": ["admin"]}]
IdField = Field(ge=1, le=2**31 - 1)


class GroupIn(BrokerInput):
    name: str = Field(min_length=2, max_length=200)
    reason: str = Field(min_length=5, max_length=2000)
    member_ids: list[Id] = Field(default_factory=list, max_length=100)


class GroupOut(BaseModel):
    id: int
    name: str
    reason: str
    members: list[dict]
    created_at: datetime


class GroupList(BaseModel):
    items: list[GroupOut]


class OrgPath(BaseModel):
    org_id: int = IdField


class GroupAssign(BrokerInput):
    group_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class WeightIn(BrokerInput):
    weight: float = Field(ge=0.0001, le=1000)
    reason: str = Field(min_length=5, max_length=2000)


class StakeIn(BrokerInput):
    holder_org_id: int = IdField
    vendor_org_id: int = IdField
    percent: float = Field(ge=0, le=100)
    kind: Literal["equity", "control", "board_seat", "other"]
    note: str = Field(default="", max_length=2000)


class StakeOut(BaseModel):
    id: int
    holder_org_id: int
    holder: str
    vendor_org_id: int
    vendor: str | None
    percent: str
    kind: str
    note: str
    declared_at: datetime
    ended_at: datetime | None


class StakeList(BaseModel):
    items: list[StakeOut]


class StakePath(BaseModel):
    stake_id: int = IdField


class ReservationIn(BrokerInput):
    org_id: int = IdField
    offering_id: int = IdField
    period: str = Field(pattern=r"^\d{4}-W\d{2}$")
    units: int = Field(ge=1, le=10_000_000)
    reason: str = Field(min_length=5, max_length=2000)


class ReservationOut(BaseModel):
    id: int
    org_id: int
    org: str
    offering_id: int
    offering: str
    period: str
    units: int
    reason: str
    created_at: datetime


class ReservationList(BaseModel):
    items: list[ReservationOut]


class ReservationQuery(BaseModel):
    period: str | None = Field(default=None, pattern=r"^\d{4}-W\d{2}$")


class ReservationPath(BaseModel):
    reservation_id: int = IdField


def _group_out(grp, members) -> GroupOut:
    return GroupOut(id=grp.id, name=grp.name, reason=grp.reason, created_at=grp.created_at,
                    members=[{"id": m.id, "name": m.name, "weight": str(Decimal(m.weight).normalize())}
                             for m in members])


def _stake_out(st, holder, vendor) -> StakeOut:
    return StakeOut(id=st.id, holder_org_id=st.holder_org_id, holder=holder.name, vendor_org_id=st.vendor_org_id,
                    vendor=vendor.name if vendor else None, percent=str(Decimal(st.percent).normalize()),
                    kind=st.kind, note=st.note, declared_at=st.declared_at, ended_at=st.ended_at)


def _res_out(gu, org, off) -> ReservationOut:
    return ReservationOut(id=gu.id, org_id=org.id, org=org.name, offering_id=off.id, offering=off.title,
                          period=gu.period, units=gu.units, reason=gu.reason, created_at=gu.created_at)


@api.get("/groups", responses={"200": GroupList}, summary="Groups of affiliated orgs (public)")
def list_groups():
    return GroupList(items=[_group_out(gr, m) for gr, m in svc.list_groups(db.session())]).model_dump(mode="json")


@api.post("/admin/groups", responses={"201": GroupOut}, security=ADMIN, summary="Declare a group (operators)")
@bearer("admin")
def create_group(body: GroupIn):
    s = db.session()
    with db.transaction(s):
        grp = svc.create_group(s, g.principal, name=body.name, reason=body.reason, member_ids=body.member_ids)
    members = [m for gr, m in svc.list_groups(s) if gr.id == grp.id][0]
    return _group_out(grp, members).model_dump(mode="json"), 201


class GroupAssigned(BaseModel):
    org_id: int
    group_id: int | None


class WeightSet(BaseModel):
    org_id: int
    weight: str = Field(description="decimal, e.g. 1.5")


@api.put("/admin/orgs/<int:org_id>/group", responses={"200": GroupAssigned}, security=ADMIN,
         summary="Put an org in a group, or none (operators)")
@bearer("admin")
def assign_group(path: OrgPath, body: GroupAssign):
    s = db.session()
    with db.transaction(s):
        org = svc.set_group(s, g.principal, org_id=path.org_id, group_id=body.group_id)
    return {"org_id": org.id, "group_id": org.group_id}


@api.put("/admin/orgs/<int:org_id>/weight", responses={"200": WeightSet}, security=ADMIN,
         summary="Set an org's policy weight (operators)")
@bearer("admin")
def set_weight(path: OrgPath, body: WeightIn):
    s = db.session()
    with db.transaction(s):
        org = svc.set_weight(s, g.principal, org_id=path.org_id, weight=body.weight, reason=body.reason)
    return {"org_id": org.id, "weight": str(Decimal(org.weight).normalize())}


@api.get("/stakes", responses={"200": StakeList}, summary="Declared stakes in vendors (public)")
def list_stakes():
    return StakeList(items=[_stake_out(*row) for row in svc.list_stakes(db.session())]).model_dump(mode="json")


@api.post("/admin/stakes", responses={"201": StakeOut}, security=ADMIN, summary="Declare a stake (operators)")
@bearer("admin")
def declare_stake(body: StakeIn):
    s = db.session()
    with db.transaction(s):
        st = svc.declare_stake(s, g.principal, holder_org_id=body.holder_org_id, vendor_org_id=body.vendor_org_id,
                               percent=body.percent, kind=body.kind, note=body.note)
    row = next(r for r in svc.list_stakes(s) if r[0].id == st.id)
    return _stake_out(*row).model_dump(mode="json"), 201


@api.post("/admin/stakes/<int:stake_id>/end", responses={"200": StakeOut}, security=ADMIN,
          summary="Record that a stake ended (operators)")
@bearer("admin")
def end_stake(path: StakePath):
    s = db.session()
    with db.transaction(s):
        svc.end_stake(s, g.principal, path.stake_id)
    row = next(r for r in svc.list_stakes(s) if r[0].id == path.stake_id)
    return _stake_out(*row).model_dump(mode="json")


@api.get("/reservations", responses={"200": ReservationList}, summary="Every reservation (public)")
def list_reservations(query: ReservationQuery):
    rows = svc.list_reservations(db.session(), query.period)
    return ReservationList(items=[_res_out(*r) for r in rows]).model_dump(mode="json")


@api.post("/admin/reservations", responses={"201": ReservationOut}, security=ADMIN,
          summary="Reserve units of an offering for an org in a period (operators; capped by policy)")
@bearer("admin")
def create_reservation(body: ReservationIn):
    s = db.session()
    with db.transaction(s):
        gu = svc.reserve(s, g.principal, org_id=body.org_id, offering_id=body.offering_id, period=body.period,
                         units=body.units, reason=body.reason)
    row = next(r for r in svc.list_reservations(s, body.period) if r[0].id == gu.id)
    return _res_out(*row).model_dump(mode="json"), 201


@api.delete("/admin/reservations/<int:reservation_id>", security=ADMIN,
            summary="Withdraw a reservation before its period's main round (operators)")
@bearer("admin")
def delete_reservation(path: ReservationPath):
    s = db.session()
    with db.transaction(s):
        svc.cancel_reservation(s, g.principal, path.reservation_id)
    return "", 204
