"""Published rounds (public): each round's exact engine input (orgs pseudonymised per
period) and output, so ``python -m broker.fairness < input`` reproduces ``output``.
Operators run a round now, or as a dry run."""
from __future__ import annotations

from datetime import datetime

from flask import Response, g, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api.inputs import BrokerInput
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.clock import now
from broker.errors import ApiError
from broker.models import Round
from broker.services import rounds as svc
from broker.services import schedule

api = APIBlueprint("api_rounds", __name__, url_prefix="/api/v1/rounds", abp_tags=[Tag(name="rounds")],
                   abp_responses=PROBLEM_RESPONSES)


class RoundOut(BaseModel):
    id: int
    period: str
    kind: str
    run_key: str
    ran_at: datetime
    policy_version: int
    input_digest: str
    output_digest: str
    links: dict[str, str]

    @classmethod
    def of(cls, r: Round) -> "RoundOut":
        return cls(id=r.id, period=r.period, kind=r.kind, run_key=r.run_key, ran_at=r.ran_at,
                   policy_version=r.policy_version, input_digest=r.input_digest, output_digest=r.output_digest,
                   links={"input": url_for("api_rounds.round_input", round_id=r.id),
                          "output": url_for("api_rounds.round_output", round_id=r.id),
                          "tlog_proof": url_for("tlog.proof", kind="round", ref=r.id)})


class RoundPage(Page[RoundOut]):
    pass


class RoundQuery(PageQuery):
    period: str | None = Field(default=None, pattern=r"^\d{4}-W\d{2}$")


class RoundPath(BaseModel):
    round_id: int = Field(ge=1, le=2**31 - 1)


class RunBody(BrokerInput):
    dry_run: bool = False


class RunResult(BaseModel):
    dry_run: bool
    rounds: list[dict]


@api.get("", responses={"200": RoundPage}, summary="Rounds, newest first (public)")
def list_rounds(query: RoundQuery):
    rows, cursor = pagination.by_id(query, "rounds", lambda before_id, limit: svc.recent(
        db.session(), period=query.period, before_id=before_id, limit=limit))
    return RoundPage(items=[RoundOut.of(r) for r in rows], next_cursor=cursor).model_dump(mode="json")


def _round(round_id: int) -> Round:
    r = db.session().get(Round, round_id)
    if r is None:
        raise ApiError(f"No round {round_id}.", status=404, type_="not-found")
    return r


@api.get("/<int:round_id>", responses={"200": RoundOut}, summary="One round (public)")
def get_round(path: RoundPath):
    return RoundOut.of(_round(path.round_id)).model_dump(mode="json")


@api.get("/<int:round_id>/input", summary="The exact engine input, byte for byte (public)")
def round_input(path: RoundPath):
    return Response(_round(path.round_id).input_json, mimetype="application/json")


@api.get("/<int:round_id>/output", summary="The exact engine output, byte for byte (public)")
def round_output(path: RoundPath):
    return Response(_round(path.round_id).output_json, mimetype="application/json")


@api.post("/run", responses={"200": RunResult}, security=[{"oauth2": ["admin"]}],
          summary="Run the due rounds now, or dry-run the next one (operators)")
@bearer("admin")
def run_rounds(body: RunBody):
    s = db.session()
    t = now()
    if body.dry_run:
        slot = schedule.due_slot(s, t)
        out = svc.dry_run(s, slot, t)
        return RunResult(dry_run=True, rounds=[{"run_key": slot.run_key, "period": slot.period,
                                                "kind": slot.kind, "result": out.result}]).model_dump(mode="json")
    outs = svc.run_due(s, t, g.principal)
    return RunResult(dry_run=False, rounds=[{
        "run_key": o.slot.run_key, "period": o.slot.period, "kind": o.slot.kind, "skipped": o.skipped,
        "round_id": o.round.id if o.round else None,
        "units": sum(a["units"] for a in o.allocations)} for o in outs]).model_dump(mode="json")
