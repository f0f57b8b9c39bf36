""""Why am I waiting": one reason code with its numbers, the queue in front of a request at
each eligible offering, and a dry-run estimate from the same engine.

Reasons follow DESIGN.md's order, the first that applies: invalid, no_matching_offering,
over_budget, deadline_unreachable (checked live, here), awaiting_round (no round has
considered the request since it was submitted or edited), then fair_share_reached or
capacity_exhausted (stored by the last round that considered it).
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from broker.clock import now
from broker.models import OPEN_REQUEST_STATUSES, CapacityRequest
from broker.catalog.wire import iso
from broker.services import eligibility, rounds, schedule
from broker.services.reasons import ROUND_REASONS, pre_round_reason

ESTIMATE_LABEL = "estimate, not a reservation"


def reason_of(s: Session, req: CapacityRequest, t: datetime | None = None) -> dict | None:
    """The live reason of an open request (None once it is allocated, cancelled or expired)."""
    if req.status not in OPEN_REQUEST_STATUSES:
        return None
    t = t or now()
    pre = pre_round_reason(s, req, t)
    if pre:
        return pre
    if (req.reason or {}).get("code") in ROUND_REASONS:
        return req.reason
    slot = schedule.next_round(s, t)
    return {"code": "awaiting_round", "next_round": {"period": slot.period, "kind": slot.kind,
                                                     "at": iso(slot.at)}}


def queue(s: Session, req: CapacityRequest, t: datetime | None = None) -> list[dict]:
    """Position and units ahead at each eligible offering, in submission order (the order
    the engine breaks ties and serves an org's requests in; inside a round's window, being
    earlier buys nothing else)."""
    t = t or now()
    mine = eligibility.resolve(s, eligibility.Criteria.of(req), t)
    ids = set(mine.eligible_ids)
    if not ids or req.status not in OPEN_REQUEST_STATUSES:
        return []
    earlier = s.exec(select(CapacityRequest).where(
        CapacityRequest.status.in_(OPEN_REQUEST_STATUSES), CapacityRequest.task_type == req.task_type,
        CapacityRequest.id != req.id,
        (CapacityRequest.submitted_at < req.submitted_at)
        | ((CapacityRequest.submitted_at == req.submitted_at) & (CapacityRequest.id < req.id)))).all()
    cache: dict = {}
    ahead = {i: [0, 0] for i in ids}
    for other in earlier:
        c = eligibility.Criteria.of(other)
        if c not in cache:
            cache[c] = set(eligibility.resolve(s, c, t).eligible_ids)
        for oid in cache[c] & ids:
            ahead[oid][0] += 1
            ahead[oid][1] += other.units - other.units_allocated
    return [{"offering_id": m.offering.id, "offering": m.offering.title, "vendor": m.vendor.name,
             "unit_price_minor": m.price_minor, "position": ahead[m.offering.id][0] + 1,
             "requests_ahead": ahead[m.offering.id][0], "units_ahead": ahead[m.offering.id][1]}
            for m in mine.eligible]


def estimate(s: Session, req: CapacityRequest, t: datetime | None = None) -> dict:
    """A dry run of the next round by the same engine: what this request would get."""
    t = t or now()
    if req.status not in OPEN_REQUEST_STATUSES:
        slot = schedule.next_round(s, t)
        return {"label": ESTIMATE_LABEL, "request_id": req.id,
                "round": {"period": slot.period, "kind": slot.kind, "at": iso(slot.at)},
                "units": 0, "by_offering": [], "reason": {"code": req.status.value}}
    slot, run = rounds.estimate_run(s, t)
    out = {"label": ESTIMATE_LABEL, "request_id": req.id,
           "round": {"period": slot.period, "kind": slot.kind, "at": iso(max(t, slot.at))}}
    mine = [a for a in run.allocations if a["request_id"] == req.id]
    out["units"] = sum(a["units"] for a in mine)
    out["by_offering"] = [{"offering_id": a["offering_id"], "units": a["units"]} for a in mine]
    out["reason"] = run.reasons.get(req.id)
    return out


def estimates_for(s: Session, reqs: list[CapacityRequest], t: datetime | None = None) -> dict[int, dict]:
    """Estimates for several requests from ONE dry run of the next round."""
    t = t or now()
    slot, run = rounds.estimate_run(s, t)
    out = {}
    for r in reqs:
        mine = [a for a in run.allocations if a["request_id"] == r.id]
        out[r.id] = {"label": ESTIMATE_LABEL, "units": sum(a["units"] for a in mine),
                     "round": {"period": slot.period, "kind": slot.kind, "at": iso(slot.at)},
                     "reason": run.reasons.get(r.id)}
    return out
