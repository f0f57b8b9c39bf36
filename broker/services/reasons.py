"""The reasons a request waits that hold before any round runs: invalid,
no_matching_offering, over_budget, deadline_unreachable (checked live, in DESIGN.md's order);
and the codes a round itself stores (fair_share_reached, capacity_exhausted).

Both the round's input (``round_input``) and the "why am I waiting" answers (``waiting``) use
them, so they live apart from either.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from broker.catalog.wire import iso
from broker.models import CapacityRequest, Org, OrgStatus
from broker.periods import period_end
from broker.services import eligibility, schedule

ROUND_REASONS = ("fair_share_reached", "capacity_exhausted")


def pre_round_reason(s: Session, req: CapacityRequest, t: datetime,
                     slot: schedule.Slot | None = None,
                     resolution: eligibility.Resolution | None = None, org: Org | None = None) -> dict | None:
    """The first of invalid … deadline_unreachable that applies, or None."""
    org = org or s.get(Org, req.org_id)
    if org is None or org.status != OrgStatus.approved:
        return {"code": "invalid", "detail": "the requesting organisation is not approved"}
    if req.deadline is not None and req.earliest_start is not None and req.earliest_start >= req.deadline:
        return {"code": "invalid", "detail": "earliest start is not before the deadline"}
    res = resolution or eligibility.resolve(s, eligibility.Criteria.of(req), t)
    reason = res.reason()
    if reason:
        return reason
    if req.deadline is not None:
        slot = slot or schedule.next_round(s, t)
        start = schedule.work_start(slot)
        if req.earliest_start is not None:
            start = max(start, req.earliest_start)
        done = min(eligibility.earliest_completion(m.offering, start) for m in res.eligible)
        if done > req.deadline:
            return {"code": "deadline_unreachable", "deadline": iso(req.deadline),
                    "earliest_completion": iso(done), "next_round_period": slot.period}
    return None


def not_yet_startable(req: CapacityRequest, period: str) -> bool:
    return req.earliest_start is not None and req.earliest_start >= period_end(period)
