"""The operator's view of rounds: what is due, what ran and when, and what "run now" will do.

One function answers all three from the same facts ``rounds.run_due`` acts on, so the page can
never say "due" about a round that "run now" would skip as already run. Dry runs are shown
with names (requests, developers, offerings, vendors): the operator may see them; pseudonyms
stay in the published round data only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from broker.catalog.vocabulary import TASK_TYPES
from broker.models import Allocation, CapacityRequest, Offering, Org, Round
from broker.periods import cutoff_of, period_end
from broker.services import rounds, schedule


@dataclass
class SlotStatus:
    slot: schedule.Slot
    round: Round | None  # the round that ran this slot, if it ran
    allocations: int = 0
    units: int = 0

    @property
    def ran(self) -> bool:
        return self.round is not None


@dataclass
class RoundsOverview:
    at: datetime
    period: str
    main: SlotStatus
    spot: SlotStatus | None  # None once the period's spot rounds are over
    plan: list[str]  # what "run now" will do, one plain sentence per round
    due: list[schedule.Slot]  # the slots "run now" would run (empty: nothing is due)
    next_round: schedule.Slot
    recent: list[SlotStatus] = field(default_factory=list)

    @property
    def nothing_due(self) -> bool:
        return not self.due


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M UTC")


def totals(s: Session, round_ids: list[int]) -> dict[int, tuple[int, int]]:
    if not round_ids:
        return {}
    rows = s.exec(select(Allocation.round_id, sa.func.count(Allocation.id), sa.func.coalesce(sa.func.sum(Allocation.units), 0))
                  .where(Allocation.round_id.in_(round_ids)).group_by(Allocation.round_id))
    return {rid: (int(n), int(u)) for rid, n, u in rows}


def _status(s: Session, slot: schedule.Slot) -> SlotStatus:
    rnd = s.exec(select(Round).where(Round.run_key == slot.run_key)).first()
    st = SlotStatus(slot, rnd)
    if rnd is not None:
        st.allocations, st.units = totals(s, [rnd.id]).get(rnd.id, (0, 0))
    return st


def overview(s: Session, t: datetime, *, recent: int = 5) -> RoundsOverview:
    """Everything the rounds panel shows, at ``t``."""
    p = schedule.current_period(s, t)
    main = _status(s, schedule.Slot(p, "main", cutoff_of(p, schedule.cutoff_hours(s, p))))
    floor = schedule.spot_floor(s, p, t)
    spot = _status(s, schedule.Slot(p, "spot", floor)) if floor < period_end(p) else None
    plan, due = [], []
    if not main.ran:
        due.append(main.slot)
        plan.append(f"Run the main round of {p}, due since {_when(main.slot.at)}: it divides the week's "
                    "capacity among every open request.")
    else:
        plan.append(f"Skip the main round of {p}: it ran at {_when(main.round.ran_at)} (round {main.round.id}).")
    if spot is not None:
        if not spot.ran:
            due.append(spot.slot)
            plan.append(f"Run the spot round of {_when(spot.slot.at)} for requests still waiting, if any capacity "
                        "and open demand remain (otherwise it records nothing).")
        else:
            plan.append(f"Skip the spot round of {_when(spot.slot.at)}: it ran at {_when(spot.round.ran_at)} "
                        f"(round {spot.round.id}).")
    else:
        plan.append(f"No spot round: {p} is over.")
    last = rounds.recent(s, limit=recent)
    sums = totals(s, [r.id for r in last])
    history = [SlotStatus(schedule.Slot(r.period, r.kind, r.ran_at), r, *sums.get(r.id, (0, 0))) for r in last]
    return RoundsOverview(at=t, period=p, main=main, spot=spot, plan=plan, due=due,
                          next_round=schedule.next_round(s, t), recent=history)


def preview_slot(s: Session, t: datetime) -> schedule.Slot:
    """The round a dry run shows: the first one "run now" would run, else the next one."""
    ov = overview(s, t, recent=0)
    return ov.due[0] if ov.due else ov.next_round


def request_label(req: CapacityRequest) -> str:
    task = TASK_TYPES.get(req.task_type, req.task_type.replace("_", " "))
    return f"R-{req.id} · {task}" + (f" ({req.language})" if req.language else "")


def dry_run_rows(s: Session, out: rounds.Outcome) -> list[dict]:
    """A dry run's allocations as a person reads them: request, developer, offering, vendor, units, price."""
    req_ids = {a["request_id"] for a in out.allocations}
    off_ids = {a["offering_id"] for a in out.allocations}
    reqs = {r.id: r for r in s.exec(select(CapacityRequest).where(CapacityRequest.id.in_(req_ids)))} if req_ids else {}
    offs = {o.id: o for o in s.exec(select(Offering).where(Offering.id.in_(off_ids)))} if off_ids else {}
    org_ids = {r.org_id for r in reqs.values()} | {o.vendor_org_id for o in offs.values()}
    orgs = {o.id: o.name for o in s.exec(select(Org).where(Org.id.in_(org_ids)))} if org_ids else {}
    rows = []
    for a in out.allocations:
        req, off = reqs.get(a["request_id"]), offs.get(a["offering_id"])
        rows.append({
            "request_id": a["request_id"],
            "request": request_label(req) if req else f"R-{a['request_id']}",
            "developer": orgs.get(req.org_id, "") if req else "",
            "offering_id": a["offering_id"],
            "offering": off.title if off else f"Offering {a['offering_id']}",
            "vendor": orgs.get(off.vendor_org_id, "") if off else "",
            "units": a["units"],
            "asked": req.units - req.units_allocated if req else None,
        })
    rows.sort(key=lambda r: (r["offering"], r["developer"], r["request_id"]))
    return rows


def outcome_sentence(o: rounds.Outcome) -> str:
    """What one run did, in words (the flash after "run now")."""
    what = (f"Main round of {o.slot.period}" if o.slot.kind == "main"
            else f"Spot round of {_when(o.slot.at)}")
    if o.skipped == "already ran":
        return f"{what}: not run again, it had already run."
    if o.skipped:
        return f"{what}: nothing to allocate (no open request could be served), so nothing was recorded."
    units = sum(a["units"] for a in o.allocations)
    n = len(o.allocations)
    return f"{what} ran (round {o.round.id}): {units:,} units in {n} allocation{'' if n == 1 else 's'}."
