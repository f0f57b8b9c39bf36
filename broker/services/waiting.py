""""Why am I waiting": one reason code with its numbers, the queue in front of a request at
each eligible offering, and a dry-run estimate from the same engine.

Reasons follow DESIGN.md's order, the first that applies: invalid, no_matching_offering,
over_budget, deadline_unreachable (checked live, here), awaiting_round (no round has
considered the request since it was submitted or edited), then fair_share_reached or
capacity_exhausted (stored by the last round that considered it).
"""
from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime

from sqlmodel import Session, select

from broker.clock import now
from broker.fairness import reading
from broker.models import OPEN_REQUEST_STATUSES, CapacityRequest, Offering, Org, Round
from broker.catalog.wire import iso
from broker.services import eligibility, rounds, schedule
from broker.services.reasons import ROUND_REASONS, plain_words, pre_round_reason

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
    out["numbers"] = offering_numbers(json.loads(run.input_json), run.result)
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


# --- the plain-words explanation ----------------------------------------------------------

_NUMBERS: "OrderedDict[tuple, dict]" = OrderedDict()  # (digests) -> numbers; rounds never change


def offering_numbers(round_input: dict, result: dict) -> dict[int, dict]:
    """offering id → {capacity (free when the round ran), asked (total demand), developers
    (groups asking)} of one round."""
    out: dict[int, dict] = {}
    for o in round_input.get("offerings", []):
        oid = o["id"]
        if isinstance(oid, str) and oid.startswith("off-"):
            out[int(oid[4:])] = {"capacity": int(o.get("capacity", 0)), "asked": 0, "developers": 0}
    for row in reading.group_rows(result):
        oid = row.get("offering")
        if isinstance(oid, str) and oid.startswith("off-") and int(oid[4:]) in out and row.get("demand"):
            n = out[int(oid[4:])]
            n["asked"] += int(row["demand"])
            n["developers"] += 1
    return out


def _round_numbers(s: Session, round_id: int | None) -> dict[int, dict]:
    if not round_id:
        return {}
    key_row = s.exec(select(Round.input_digest, Round.output_digest).where(Round.id == round_id)).first()
    if key_row is None:
        return {}
    key = tuple(key_row)
    if key not in _NUMBERS:
        rnd = s.get(Round, round_id)
        _NUMBERS[key] = offering_numbers(json.loads(rnd.input_json), json.loads(rnd.output_json))
        while len(_NUMBERS) > 16:
            _NUMBERS.popitem(last=False)
    return _NUMBERS[key]


def facts_of(s: Session, req: CapacityRequest, reason: dict | None, *, numbers: dict | None = None,
             next_slot: schedule.Slot | None = None, t: datetime | None = None) -> dict:
    """The numbers and names ``reasons.plain_words`` needs, read for one request."""
    t = t or now()
    reason = reason or {"code": "awaiting_round"}
    facts = {"code": reason.get("code"), "currency": req.currency, "max_minor": req.max_unit_price_minor}
    org = s.get(Org, req.org_id)
    facts["group"] = bool(org is not None and org.group_id)
    slot = next_slot or schedule.next_round(s, t)
    facts["next_round"] = reason.get("next_round") or {"kind": slot.kind, "at": max(t, slot.at)}
    if numbers is None and reason.get("code") in ROUND_REASONS:
        numbers = _round_numbers(s, reason.get("round_id"))
    offs = []
    for oid in reason.get("offerings") or []:
        off = s.get(Offering, int(oid))
        vendor = s.get(Org, off.vendor_org_id) if off else None
        n = (numbers or {}).get(int(oid), {})
        offs.append({"title": off.title if off else f"offering {oid}", "vendor": vendor.name if vendor else None,
                     "capacity": n.get("capacity"), "asked": n.get("asked"), "developers": n.get("developers")})
    facts["offerings"] = offs
    for k in ("share", "demand", "level", "weight", "detail", "deadline", "earliest_completion"):
        if reason.get(k) is not None:
            facts[k] = reason[k]
    if reason.get("code") == "over_budget":
        facts["matching"] = reason.get("matching_offerings")
        facts["cheapest_minor"] = reason.get("cheapest_unit_price_minor")
    return facts


def explain(s: Session, req: CapacityRequest, reason: dict | None = None, estimate: dict | None = None,
            t: datetime | None = None) -> dict | None:
    """"Why am I waiting" for people: {headline, change, engine} (None once the request is
    no longer open). With ``estimate`` (``estimate()``'s answer), the dry run's outcome leads,
    and a 0-unit estimate always says why and what would change it."""
    if req.status not in OPEN_REQUEST_STATUSES:
        return None
    t = t or now()
    reason = reason if reason is not None else reason_of(s, req, t)
    if estimate is not None:
        why = estimate.get("reason") or reason
        facts = facts_of(s, req, why, numbers=estimate.get("numbers"), t=t)
        facts["next_round"] = estimate.get("round") or facts["next_round"]
        facts["estimate_units"] = estimate.get("units", 0)
        return plain_words(facts)
    return plain_words(facts_of(s, req, reason, t=t))
