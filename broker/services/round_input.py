"""A round's input: the consistent snapshot the engine reads, with orgs, groups and requests
under per-period pseudonyms.

Orgs (``org-…``), groups (``grp-…``) and requests (``req-…``) are named by an HMAC of their
id under a salt per period derived from the app's secret key (never published), so a published
round shows the shape of demand without naming who asked, stays followable within its period
and cannot be linked across periods. Offerings are public and appear as ``off-ID``.
"""
from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, func, select

from broker.catalog.wire import iso
from broker.config import settings_of
from broker.models import (OPEN_REQUEST_STATUSES, Allocation, CapacityRequest, Capacity, Guarantee, Org, OrgStatus,
                           Round)
from broker.policy import current_params, engine_policy
from broker.services import eligibility, reasons, receipts, schedule
from broker.services.orders import holds_capacity



class Pseudonyms:
    """Stable within a period, unlinkable across periods without the secret."""

    def __init__(self, period: str, secret_key: str):
        key = secret_key.encode()
        self.salt = hmac.new(key, f"parity/round-pseudonyms/{period}".encode(), hashlib.sha256).digest()
        self.back: dict[str, tuple[str, int]] = {}

    def __call__(self, kind: str, ident: int) -> str:
        h = hmac.new(self.salt, f"{kind}:{ident}".encode(), hashlib.sha256).hexdigest()[:16]
        name = f"{kind}-{h}"
        self.back[name] = (kind, ident)
        return name

    def real(self, name: str) -> int:
        return self.back[name][1]


def told_to(s: Session, org: Org) -> list[dict]:
    """An org's own pseudonyms in every period that has a published round, newest first:
    told to that org only (the receipts API), so it can find itself in each round's input.
    The group pseudonym is that of the group the org is in now."""
    secret = settings_of(s)["SECRET_KEY"]
    out = []
    for period in s.exec(select(Round.period).distinct().order_by(Round.period.desc())):
        names = Pseudonyms(period, secret)
        out.append({"period": period, "org": names("org", org.id),
                    "group": names("grp", org.group_id) if org.group_id else None})
    return out


@dataclass
class Snapshot:
    slot: schedule.Slot
    at: datetime
    policy_version: int
    params: dict
    input: dict
    names: Pseudonyms
    requests: dict[int, CapacityRequest]
    offerings: dict[int, eligibility.OfferingInfo]
    prices: dict[int, tuple[int, str]]  # offering -> (amount, currency)
    hints: dict[int, dict] = field(default_factory=dict)  # request -> pre-round reason

    @property
    def has_work(self) -> bool:
        """A spot round is worth storing when some request can get units, or has not yet been
        through a round (it then learns capacity_exhausted); otherwise it is skipped."""
        free = {o["id"] for o in self.input["offerings"] if o["capacity"] > 0}
        by_name = {self.names("req", rid): r for rid, r in self.requests.items()}
        for item in self.input["requests"]:
            if not item["offerings"] or "reason_hint" in item:
                continue
            known = (by_name[item["id"]].reason or {}).get("code") in reasons.ROUND_REASONS
            if free.intersection(item["offerings"]) or not known:
                return True
        return False


def _number(d: Decimal):
    d = Decimal(d).normalize()
    return int(d) if d == d.to_integral_value() else float(str(d))


def _used(s: Session, period: str) -> dict[tuple[int, int], int]:
    rows = s.exec(select(Allocation.org_id, Allocation.offering_id, func.sum(Allocation.units))
                  .where(Allocation.period == period, holds_capacity())
                  .group_by(Allocation.org_id, Allocation.offering_id)).all()
    return {(o, f): int(n) for o, f, n in rows}


def snapshot(s: Session, slot: schedule.Slot, at: datetime, *, lock: bool = False) -> Snapshot:
    """Everything the engine needs for ``slot``, read in the current transaction."""
    period = slot.period
    pol = current_params(s, period)
    names = Pseudonyms(period, settings_of(s)["SECRET_KEY"])
    # Main: every request submitted before the cutoff. Spot: every request pending now.
    stmt = select(CapacityRequest).where(CapacityRequest.status.in_(OPEN_REQUEST_STATUSES),
                                         CapacityRequest.submitted_at < slot.at if slot.kind == "main"
                                         else CapacityRequest.submitted_at <= at)
    stmt = stmt.where(sa.or_(CapacityRequest.deadline.is_(None), CapacityRequest.deadline > at))
    if lock:
        stmt = stmt.with_for_update()
    reqs = {r.id: r for r in s.exec(stmt.order_by(CapacityRequest.id))}
    used = _used(s, period)
    used_at = defaultdict(int)
    for (_, off), n in used.items():
        used_at[off] += n
    caps = {c.offering_id: c.units for c in s.exec(select(Capacity).where(Capacity.period == period))}
    offerings: dict[int, eligibility.OfferingInfo] = {}
    prices: dict[int, tuple[int, str]] = {}
    req_items, hints = [], {}
    resolved: dict[eligibility.Criteria, eligibility.Resolution] = {}  # many requests share criteria
    # Each request points back to its latest receipt, so its developer can find it and anyone
    # can check the round accounted for every commitment the log held before it (issue 16).
    commitments = receipts.latest_commitments(s, reqs)
    for r in reqs.values():
        crit = eligibility.Criteria.of(r)
        res = resolved.get(crit) or resolved.setdefault(crit, eligibility.resolve(s, crit, at))
        hint = reasons.pre_round_reason(s, r, at, slot=slot, resolution=res)
        if hint is None and reasons.not_yet_startable(r, period):
            hint = {"code": "awaiting_round", "earliest_start": iso(r.earliest_start)}
        item = {"id": names("req", r.id), "org": names("org", r.org_id),
                "units": r.units - r.units_allocated, "offerings": [],
                "submitted_at": iso(r.submitted_at)}
        if r.id in commitments:
            item["receipt"] = commitments[r.id]
        if hint:
            hints[r.id] = hint
            item["reason_hint"] = hint["code"]
        else:
            for m in res.eligible:
                offerings[m.offering.id] = m.offering
                prices[m.offering.id] = (m.price_minor, r.currency)
                item["offerings"].append(f"off-{m.offering.id}")
        req_items.append(item)
    org_ids = {r.org_id for r in reqs.values()}
    orgs = {o.id: o for o in s.exec(select(Org).where(Org.id.in_(org_ids)))} if org_ids else {}
    group_ids = {o.group_id for o in orgs.values() if o.group_id}
    if group_ids:  # every member counts for the group's weight (the largest of its members)
        for o in s.exec(select(Org).where(Org.group_id.in_(group_ids), Org.status == OrgStatus.approved)):
            orgs[o.id] = o
    org_items = []
    for o in orgs.values():
        item = {"id": names("org", o.id), "weight": _number(o.weight)}
        if o.group_id:
            item["group"] = names("grp", o.group_id)
        if o.size_class:
            item["size_class"] = o.size_class.value
        org_items.append(item)
    off_items = []
    for oid, off in offerings.items():
        full = caps.get(oid, 0)
        amount, currency = prices[oid]
        off_items.append({"id": f"off-{oid}", "capacity": max(0, full - used_at[oid]),
                          "period_capacity": full, "unit_price": amount, "currency": currency})
    guarantees = []
    if offerings and orgs:
        reserved = defaultdict(int)
        for g in s.exec(select(Guarantee).where(Guarantee.period == period,
                                                Guarantee.offering_id.in_(list(offerings)),
                                                Guarantee.org_id.in_(list(orgs))).order_by(Guarantee.id)):
            left = max(0, g.units - used.get((g.org_id, g.offering_id), 0))
            # Capacity lowered below older reservations: keep the input valid, oldest first.
            left = min(left, caps.get(g.offering_id, 0) - reserved[g.offering_id])
            if left > 0:
                reserved[g.offering_id] += left
                guarantees.append({"org": names("org", g.org_id), "offering": f"off-{g.offering_id}",
                                   "units": left})
    meta = {"period": period, "kind": slot.kind, "run_key": slot.run_key, "policy_version": pol.version,
            "at": iso(at)}
    if slot.kind == "main":
        meta["cutoff"] = iso(slot.at)  # requests submitted before it are in (the public receipt check)
    doc = {"round": meta,
           "policy": engine_policy(pol.params), "offerings": off_items, "orgs": org_items,
           "guarantees": guarantees, "requests": req_items}
    if pol["usage_half_life_days"]:
        doc["usage"] = _usage(s, period, at, pol["usage_half_life_days"], names, orgs, offerings)
    return Snapshot(slot, at, pol.version, pol.params, doc, names, reqs, offerings, prices, hints)


def _usage(s, period, at, half_life, names, orgs, offerings) -> list[dict]:
    if not orgs or not offerings:
        return []
    rows = s.exec(select(Allocation).where(Allocation.period < period, Allocation.org_id.in_(list(orgs)),
                                           Allocation.offering_id.in_(list(offerings))))
    acc = defaultdict(float)
    for a in rows:
        age_days = max(0.0, (at - a.created_at).total_seconds() / 86400)
        acc[(a.org_id, a.offering_id)] += a.units * 2 ** (-age_days / float(half_life))
    return [{"org": names("org", o), "offering": f"off-{f}", "units": round(u, 6)}
            for (o, f), u in sorted(acc.items()) if u > 0]
