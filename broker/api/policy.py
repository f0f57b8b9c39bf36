"""The public fairness policy: every parameter, its version and its history; operators
change it (effective from the next period whose window is still open)."""
from __future__ import annotations

from datetime import datetime

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError

from broker import db
from broker.api.inputs import BrokerInput
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.clock import now
from broker.errors import ApiError
from broker.models import PolicyVersion
from broker.policy import FLOORS_KEY, PARAMETERS, current_params
from broker.services import policy as svc
from broker.services import schedule

api = APIBlueprint("api_policy", __name__, url_prefix="/api/v1/policy", abp_tags=[Tag(name="policy")],
                   abp_responses=PROBLEM_RESPONSES)


class Parameter(BaseModel):
    name: str
    value: float | int | str
    default: float | int | str
    description: str


class PolicyOut(BaseModel):
    version: int
    effective_period: str | None
    period: str = Field(description="the allocation period this version governs now")
    parameters: list[Parameter]
    pay_floors: dict = Field(description="pay floor by ISO 3166-1 country: {amount_minor, currency, source, "
                                         "date}; other countries are held to the global pay floor")
    upcoming: list[dict] = Field(description="versions already decided for later periods")


class VersionOut(BaseModel):
    version: int
    effective_period: str
    params: dict
    reason: str
    created_by_user_id: int | None
    created_at: datetime

    @classmethod
    def of(cls, v: PolicyVersion) -> "VersionOut":
        return cls(version=v.version, effective_period=v.effective_period, params=v.params, reason=v.reason,
                   created_by_user_id=v.created_by_user_id, created_at=v.created_at)


class VersionList(BaseModel):
    items: list[VersionOut]


class PolicyChange(BrokerInput):
    changes: dict[str, float | int | str] = Field(description="parameter name → new value")
    reason: str = Field(min_length=5, max_length=2000)


def policy_now(s) -> dict:
    period = schedule.current_period(s, now())
    pol = current_params(s, period)
    upcoming = [VersionOut.of(v).model_dump(mode="json") for v in svc.history(s) if v.effective_period > period]
    return PolicyOut(version=pol.version, effective_period=pol.effective_period, period=period,
                     parameters=[Parameter(name=k, value=pol.params[k], default=spec[0], description=spec[3])
                                 for k, spec in PARAMETERS.items()],
                     pay_floors=pol.params.get(FLOORS_KEY) or {},
                     upcoming=upcoming).model_dump(mode="json")


@api.get("", responses={"200": PolicyOut}, summary="The policy in force (public)")
def get_policy():
    return policy_now(db.session())


@api.get("/versions", responses={"200": VersionList}, summary="Every policy version, newest first (public)")
def list_versions():
    return VersionList(items=[VersionOut.of(v) for v in svc.history(db.session())]).model_dump(mode="json")


@api.post("", responses={"201": VersionOut}, security=[{"oauth2": ["admin"]}],
          summary="Change the policy from the next period (operators; who and why are recorded)")
@bearer("admin")
def change_policy(body: PolicyChange):
    s = db.session()
    try:
        with db.transaction(s):
            row = svc.change(s, g.principal, changes=body.changes, reason=body.reason)
    except IntegrityError:
        raise ApiError("Another policy change was recorded at the same moment; retry.", status=409,
                       type_="conflict") from None
    return VersionOut.of(row).model_dump(mode="json"), 201
