"""Allocation rounds: snapshot → engine → allocations, orders, round row, request updates,
audit entries and notifications, all in ONE transaction.

The round's unique ``run_key`` makes a slot run once whoever runs it; a crash before commit
leaves nothing, and the next run does the whole round again. The input is built by
``broker.services.round_input`` (pseudonymised per period).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from broker import canonical as canon
from broker import db
from broker.access.principal import Principal
from broker.fairness import allocate, dumps_result, reading
from broker.models import Allocation, Notification, Order, RequestStatus, Round
from broker.periods import period_end
from broker import audit
from broker.services import expiry, schedule
from broker.services.round_input import Pseudonyms, Snapshot, snapshot
from broker.tlog import service as tlog

__all__ = ["Pseudonyms", "Snapshot", "dry_run", "estimate_run", "recent", "run", "run_due", "snapshot", "summary"]
ROUND_LOCK_KEY = 0x504152495459 + 1  # rounds are serialised (PostgreSQL advisory lock)


def _before_commit() -> None:
    """Hook called just before a round commits (the crash test sleeps here)."""


def canonical(doc: dict) -> str:
    """The stored text of a round input (``broker.canonical.compact``, as the result)."""
    return canon.compact(doc).decode("utf-8")


def digest(text: str) -> str:
    return canon.digest(text.encode("utf-8"))


@dataclass
class Outcome:
    slot: schedule.Slot
    input_json: str
    output_json: str
    result: dict
    allocations: list[dict]  # request_id, org_id, offering_id, units, explanation
    reasons: dict[int, dict | None]
    round: Round | None = None
    skipped: str | None = None


def _outcome(snap: Snapshot) -> Outcome:
    input_json = canonical(snap.input)
    result = allocate(json.loads(input_json))
    names = snap.names
    groups = {(g["group"], g["offering"]): g for g in reading.group_rows(result)}
    org_group = {o["id"]: o.get("group", o["id"]) for o in snap.input["orgs"]}
    allocs = []
    for a in result["allocations"]:
        rid = names.real(a["request"])
        oid = int(a["offering"].removeprefix("off-"))
        pseud_org = names("org", snap.requests[rid].org_id)
        g = groups.get((org_group[pseud_org], a["offering"]), {})
        expl = {k: g.get(k) for k in ("explanation", "demand", "floor", "guarantee", "floor_clamped",
                                      "weight", "level", "units", "linked_offerings")}
        allocs.append({"request_id": rid, "org_id": snap.requests[rid].org_id, "offering_id": oid,
                       "units": a["units"], "explanation": expl})
    reasons = {}
    for pseudonym, reason in reading.reasons(result, snap.input).items():
        rid = names.real(pseudonym)
        if reason and rid in snap.hints:
            reason = snap.hints[rid]
        elif reason:
            reason = {k: v for k, v in reason.items() if k != "group"}
            if "offerings" in reason:
                reason["offerings"] = [int(o.removeprefix("off-")) for o in reason["offerings"]]
        reasons[rid] = reason
    return Outcome(snap.slot, input_json, dumps_result(result), result, allocs, reasons)


def dry_run(s: Session, slot: schedule.Slot, at: datetime) -> Outcome:
    """What the round would allocate now; writes nothing."""
    return _outcome(snapshot(s, slot, at))


def _serialise(s: Session) -> None:
    if s.get_bind().dialect.name == "postgresql":
        s.exec(sa.text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=ROUND_LOCK_KEY))


def run(s: Session, slot: schedule.Slot, at: datetime, actor: Principal | None = None,
        *, skip_empty: bool = False) -> Outcome:
    """Run ``slot`` for real: everything in one transaction, or nothing."""
    try:
        with db.transaction(s):
            _serialise(s)
            # The log's lock for the whole round: every receipt logged before the round's
            # entry is in its snapshot, and none is logged while it runs (issue 16's checks).
            tlog.lock(s)
            if s.exec(select(Round.id).where(Round.run_key == slot.run_key)).first() is not None:
                return Outcome(slot, "", "", {}, [], {}, skipped="already ran")
            expiry.expire(s, at)  # past its deadline: expired (with a receipt), not silently left out
            snap = snapshot(s, slot, at, lock=True)
            if skip_empty and not snap.has_work:
                return Outcome(slot, "", "", {}, [], {}, skipped="nothing to allocate")
            out = _outcome(snap)
            out.round = _commit(s, snap, out, actor)
            _before_commit()
        return out
    except IntegrityError:
        s.rollback()
        if s.exec(select(Round.id).where(Round.run_key == slot.run_key)).first() is not None:
            return Outcome(slot, "", "", {}, [], {}, skipped="already ran")
        raise


def _commit(s: Session, snap: Snapshot, out: Outcome, actor: Principal | None) -> Round:
    rnd = Round(run_key=snap.slot.run_key, period=snap.slot.period, kind=snap.slot.kind,
                policy_version=snap.policy_version, input_json=out.input_json,
                output_json=out.output_json, input_digest=digest(out.input_json),
                output_digest=digest(out.output_json), ran_at=snap.at)
    s.add(rnd)
    s.flush()
    tlog.log_round(s, rnd)  # the round's transparency-log entry, in the round's transaction
    fee = Decimal(str(snap.params["platform_fee_rate"]))
    due = snap.at + timedelta(hours=int(snap.params["payment_window_hours"]))
    got = defaultdict(int)
    per_org = defaultdict(int)
    for a in out.allocations:
        off = snap.offerings[a["offering_id"]]
        amount, currency = snap.prices[a["offering_id"]]
        expl = dict(a["explanation"], round_id=rnd.id, run_key=rnd.run_key)
        alloc = Allocation(round_id=rnd.id, request_id=a["request_id"], offering_id=off.id,
                           org_id=a["org_id"], period=rnd.period, units=a["units"],
                           unit_price_minor=amount, currency=currency, explanation=expl,
                           created_at=snap.at)
        s.add(alloc)
        s.flush()
        order = Order(allocation_id=alloc.id, vendor_org_id=off.vendor_org_id,
                      developer_org_id=a["org_id"], offering_id=off.id, period=rnd.period,
                      units=a["units"], unit_price_minor=amount, currency=currency, fee_rate=fee,
                      payment_due_at=due, created_at=snap.at)
        s.add(order)
        s.flush()
        audit.record(s, actor, "allocation.create", "allocation", alloc.id,
                     after=audit.snapshot(alloc) | {"order_id": order.id})
        s.add(Notification(org_id=off.vendor_org_id, kind="order.new", created_at=snap.at,
                           message=f"New order #{order.id}: {order.units} units of “{off.title}” for {rnd.period}.",
                           data={"order_id": order.id, "offering_id": off.id, "units": order.units}))
        got[a["request_id"]] += a["units"]
        per_org[a["org_id"]] += a["units"]
    for rid, req in snap.requests.items():
        before = (req.status, req.units_allocated, req.reason)
        req.units_allocated += got[rid]
        if req.units_allocated >= req.units:
            req.status, req.reason = RequestStatus.allocated, {}
        else:
            req.status = RequestStatus.partial if req.units_allocated else RequestStatus.pending
            reason = out.reasons.get(rid) or {"code": "awaiting_round"}
            req.reason = dict(reason, round_id=rnd.id)
        if (req.status, req.units_allocated, req.reason) != before:
            req.updated_at = snap.at
            s.add(req)
    for org_id, units in per_org.items():
        s.add(Notification(org_id=org_id, kind="allocation.new", created_at=snap.at,
                           message=f"Round {rnd.run_key} allocated you {units} units.",
                           data={"round_id": rnd.id, "units": units}))
    audit.record(s, actor, "round.run", "round", rnd.id,
                 after={"run_key": rnd.run_key, "period": rnd.period, "kind": rnd.kind,
                        "policy_version": rnd.policy_version, "input_digest": rnd.input_digest,
                        "output_digest": rnd.output_digest, "allocations": len(out.allocations),
                        "units": sum(per_org.values())})
    return rnd


def run_due(s: Session, at: datetime, actor: Principal | None = None, progress=lambda m: None) -> list[Outcome]:
    """Bring rounds up to date: the main round if it has not run, then this spot slot."""
    outs = []
    slot = schedule.due_slot(s, at)
    if slot.kind == "main":
        progress(f"main round {slot.run_key}: running")
        outs.append(run(s, slot, at, actor))
        progress(_summary(outs[-1]))
        slot = schedule.Slot(slot.period, "spot", schedule.spot_floor(s, slot.period, at))
    if slot.at < period_end(slot.period):
        progress(f"spot round {slot.run_key}: running")
        outs.append(run(s, slot, at, actor, skip_empty=True))
        progress(_summary(outs[-1]))
    return outs


def _summary(o: Outcome) -> str:
    if o.skipped:
        return f"{o.slot.run_key}: skipped ({o.skipped})"
    units = sum(a["units"] for a in o.allocations)
    return f"{o.slot.run_key}: round {o.round.id if o.round else '-'} allocated {units} units in {len(o.allocations)} allocations"


summary = _summary


def estimate_run(s: Session, t: datetime) -> tuple[schedule.Slot, Outcome]:
    """The dry run behind estimates: the next round; when that is a main round already due
    (its cutoff passed), also the spot round that follows it at once, since requests
    submitted after the cutoff are served there, from what the main round leaves."""
    slot = schedule.next_round(s, t)
    first = dry_run(s, slot, max(t, slot.at))
    if slot.kind != "main" or slot.at > t:
        return slot, first
    spot = schedule.Slot(slot.period, "spot", schedule.spot_floor(s, slot.period, t))
    snap = snapshot(s, spot, t)
    used, got = defaultdict(int), defaultdict(int)
    for a in first.allocations:
        used[f"off-{a['offering_id']}"] += a["units"]
        got[snap.names("req", a["request_id"])] += a["units"]
    for o in snap.input["offerings"]:
        o["capacity"] = max(0, o["capacity"] - used[o["id"]])
    items = []
    for r in snap.input["requests"]:
        r["units"] -= got[r["id"]]
        if r["units"] > 0:
            items.append(r)
    snap.input["requests"] = items
    second = _outcome(snap)
    second.allocations = first.allocations + second.allocations
    return spot, second


def recent(s: Session, *, period: str | None = None, before_id: int | None = None, limit: int = 50) -> list[Round]:
    """Rounds newest first (of ``period``, or all), older than ``before_id``."""
    stmt = select(Round).order_by(Round.id.desc())
    if period:
        stmt = stmt.where(Round.period == period)
    if before_id:
        stmt = stmt.where(Round.id < before_id)
    return list(s.exec(stmt.limit(limit)))
