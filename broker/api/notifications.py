"""What changed for your org: new allocations, orders, deliveries (any valid token)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import g
from flask_openapi3 import APIBlueprint, Tag
from pydantic import AwareDatetime, BaseModel, Field

from broker import db
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.services import notifications as svc

api = APIBlueprint("api_notifications", __name__, url_prefix="/api/v1/notifications",
                   abp_tags=[Tag(name="notifications")], abp_responses=PROBLEM_RESPONSES)


class NotificationOut(BaseModel):
    id: int
    kind: str
    message: str
    data: dict
    created_at: datetime


class NotificationPage(Page[NotificationOut]):
    pass


class NotificationQuery(PageQuery):
    since: Annotated[AwareDatetime, Field(strict=False)] | None = Field(
        default=None, description="only what changed after this instant (your last visit)")


@api.get("", responses={"200": NotificationPage}, security=[{"oauth2": []}],
         summary="What changed for your org, newest first")
@bearer(None)
def list_notifications(query: NotificationQuery):
    rows, cursor = pagination.by_id(query, "notifications", lambda after_id, limit: svc.list_for(
        db.session(), g.principal.org_id, since=query.since, limit=limit, after_id=after_id))
    return NotificationPage(items=[NotificationOut(**n.model_dump()) for n in rows],
                            next_cursor=cursor).model_dump(mode="json")
