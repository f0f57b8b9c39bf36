"""The reasons a request waits that hold before any round runs: invalid,
no_matching_offering, over_budget, deadline_unreachable (checked live, in DESIGN.md's order);
and the codes a round itself stores (fair_share_reached, capacity_exhausted).

Both the round's input (``round_input``) and the "why am I waiting" answers (``waiting``) use
them, so they live apart from either.
"""
from __future__ import annotations

from datetime import datetime, timezone

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


# --- "Why am I waiting" in plain words ---------------------------------------------------
# A pure function: the engine's reason and the numbers around it in, sentences out. The
# engine's own terms (level, weight, floor, the reason code) go only into ``engine``, which
# pages show behind a "details" disclosure. Never a queue position: arrival order buys
# nothing inside a round's window (DESIGN.md), so no sentence suggests it does.

ENGINE_CODES = ("invalid", "no_matching_offering", "over_budget", "deadline_unreachable", "awaiting_round",
                "fair_share_reached", "capacity_exhausted")


def _n(x) -> str:
    return f"{int(x):,}"


def _units(x) -> str:
    return f"{int(x):,} unit" + ("" if int(x) == 1 else "s")


def _when(t) -> str:
    if t is None:
        return "the next round"
    if isinstance(t, str):
        t = datetime.fromisoformat(t.replace("Z", "+00:00"))
    return f"{t.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC"


def _round_phrase(nxt: dict | None) -> str:
    if not nxt:
        return "the next round"
    kind = {"main": "main round", "spot": "spot round"}.get(nxt.get("kind"), "round")
    return f"the next {kind} on {_when(nxt.get('at'))}"


def _where(offerings: list[dict]) -> str:
    names = [f"{o['vendor']} ({o['title']})" if o.get("vendor") else o.get("title", "an offering")
             for o in offerings]
    if len(names) == 1:
        return names[0]
    if len(names) <= 3:
        return f"the {len(names)} offerings you can use ({', '.join(names)})"
    return f"the {len(names)} offerings you can use ({', '.join(names[:3])} and {len(names) - 3} more)"


def _known(offerings: list[dict], key: str) -> int | None:
    vals = [o.get(key) for o in offerings]
    return None if not vals or any(v is None for v in vals) else sum(int(v) for v in vals)


WIDEN = "allowing more offerings (a higher maximum price, more languages, other vendors)"


def plain_words(facts: dict) -> dict:
    """``facts`` → ``{"headline", "change", "engine"}``: what happened in plain sentences with
    units and names, one line on what would change the outcome, and the engine's terms as
    (label, value) pairs for a disclosure.

    ``facts`` keys (all optional but ``code``): ``offerings`` [{title, vendor, capacity,
    asked, developers}], ``share`` and ``demand`` (your group's units and demand at those
    offerings), ``level`` and ``weight`` ({"approx", "exact"} as the engine renders them),
    ``group`` (True when several orgs share one principal), ``next_round`` {kind, at},
    ``cheapest_minor``, ``max_minor``, ``currency``, ``matching``, ``deadline``,
    ``earliest_completion``, ``detail``, ``estimate_units`` (a dry run's answer)."""
    from broker.catalog.money import format_money

    code = facts.get("code") or "awaiting_round"
    offs = facts.get("offerings") or []
    nxt = _round_phrase(facts.get("next_round"))
    you = "your group" if facts.get("group") else "you"
    engine = [("Reason code", code)]
    change = ""
    if code == "fair_share_reached":
        share, demand = facts.get("share"), facts.get("demand")
        cap, asked, devs = _known(offs, "capacity"), _known(offs, "asked"), _known(offs, "developers")
        level, weight = facts.get("level") or {}, facts.get("weight") or {}
        parts = []
        where = _where(offs) if offs else "the offerings you can use"
        if cap is not None and asked is not None:
            by = f" by {_n(devs)} developer{'s' if devs != 1 else ''}" if devs else ""
            parts.append(f"Capacity at {where} this week: {_units(cap)}, asked for {_n(asked)}{by}.")
        else:
            parts.append(f"More was asked of {where} this week than it has, so it was shared out.")
        w = float(weight.get("approx", 1) or 1)
        if level.get("approx") is not None and w == 1:
            parts.append(f"Each got an equal share of {_units(round(float(level['approx'])))}"
                         " (less if they asked for less);")
        elif level.get("approx") is not None:
            parts.append(f"Shares follow the public weights: weight 1 got {_units(round(float(level['approx'])))}, "
                         f"and {'your group has' if facts.get('group') else 'you have'} weight {weight.get('approx')};")
        else:
            parts.append("Everyone got an equal share;")
        if share is not None and demand is not None:
            wait = max(0, int(demand) - int(share))
            parts.append(f"{you} asked for {_n(demand)} and got {_n(share)}, so {_n(wait)} wait for {nxt}.")
        else:
            parts.append(f"the rest waits for {nxt}.")
        headline = " ".join(parts)
        headline = headline[0].upper() + headline[1:]
        change = (f"What would change it: more capacity there or fewer developers asking; {WIDEN} also "
                  "helps. Asking earlier would not: arrival order buys nothing.")
        engine += [("Fair-share level", (level.get("exact") or "—")), ("Weight", weight.get("exact") or "—"),
                   ("Your group's demand here", _n(demand) if demand is not None else "—"),
                   ("Your group's share here", _n(share) if share is not None else "—")]
    elif code == "capacity_exhausted":
        cap = _known(offs, "capacity")
        where = _where(offs) if offs else "the offerings you can use"
        what = f"all {_units(cap)} free at {where}" if cap else f"nothing free at {where}"
        headline = (f"This week there was {what} when the round ran, and it went to requests that shared it "
                    f"equally before yours could get any more. {nxt[0].upper() + nxt[1:]} hands out units a "
                    "vendor adds or an order gives back.") if cap else (
                    f"This week there is nothing free at {where}: every unit is already allocated. "
                    f"{nxt[0].upper() + nxt[1:]} hands out units a vendor adds or an order gives back.")
        change = (f"What would change it: {WIDEN}, or submitting before next week's main round. "
                  "Your place in line would not: arrival order buys nothing.")
    elif code == "awaiting_round":
        headline = f"No round has considered this request since it was submitted or changed: {nxt} will."
        change = "Nothing to do: every request in the round's window is treated alike, whenever it arrived."
    elif code == "over_budget":
        cur = facts.get("currency") or "USD"
        m = facts.get("matching")
        cheapest = facts.get("cheapest_minor")
        headline = (f"{_n(m) if m is not None else 'Some'} offering{'s match' if m != 1 else ' matches'}, but the cheapest "
                    f"costs {format_money(cheapest, cur) if cheapest is not None else 'more'} a unit, above your "
                    f"maximum of {format_money(facts['max_minor'], cur) if facts.get('max_minor') else 'your price'}.")
        change = (f"What would change it: a maximum price of at least {format_money(cheapest, cur)} a unit."
                  if cheapest is not None else "What would change it: a higher maximum price.")
    elif code == "deadline_unreachable":
        headline = (f"The earliest any matching offering could finish is {_when(facts.get('earliest_completion'))}, "
                    f"after your deadline of {_when(facts.get('deadline'))}.")
        change = (f"What would change it: a deadline of {_when(facts.get('earliest_completion'))} or later, or "
                  f"{WIDEN} with faster turnaround.")
    elif code == "no_matching_offering":
        headline = "No active offering matches these criteria, so no round can allocate to this request."
        change = f"What would change it: {WIDEN}, or another task type or expertise."
    elif code == "invalid":
        headline = f"This request cannot take part in a round: {facts.get('detail') or 'it is not valid'}."
        change = "What would change it: fix what is said above (edit the request), or ask an operator."
    else:
        headline = f"This request is {code}: no round will allocate to it."
        change = "Submit a new request if you still need the work."
    est = facts.get("estimate_units")
    if est is not None:
        if int(est) == 0:
            headline = f"Estimate for {nxt}: 0 units. Why: {headline[0].lower() + headline[1:]}"
        else:
            headline = f"Estimate for {nxt}: {_units(est)} (a dry run, not a reservation). {headline}"
    return {"headline": headline, "change": change, "engine": engine}
