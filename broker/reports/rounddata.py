"""What the published round data of one period say: demand, allocation and unserved
requests. Pure: the report builder and ``verify`` both call ``allocation_figures``, so the
access report's allocation section is by construction a function of the round data alone.

Definitions (see docs/reports.md):
- A request (pseudonym) appears in every round of the period that ran while it was open.
  Its **demand** is its units in the first round of the period it appears in (later rounds
  see only what is left); its **allocation** is the sum over the period's rounds.
- Demand at an offering counts a request's demand at every offering it may use (the units
  still wanted there, as the engine's D_g); demand in a market or size class counts each
  request once.
- The **principal** is the request's group (its org when in no group).
- A request still short at the end names the reason the last round it appeared in gave
  (or its pre-round reason hint).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from broker.fairness.reading import reasons
from broker.reports import metrics

UNKNOWN = "unknown"
SIZE_CLASSES = ("small", "medium", "large", UNKNOWN)


@dataclass
class RequestTrace:
    org: str
    group: str
    size_class: str
    units: int
    offerings: set[str] = field(default_factory=set)
    allocated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reason: str | None = None

    @property
    def allocated_units(self) -> int:
        return sum(self.allocated.values())


def round_order(r: dict):
    return (r.get("ran_at") or "", r.get("id") or 0)


def trace(rounds: list[dict]) -> dict[str, RequestTrace]:
    """Each request of the period, followed through ``rounds`` ({id, ran_at, input, output})."""
    requests: dict[str, RequestTrace] = {}
    for rnd in sorted(rounds, key=round_order):
        inp, out = rnd["input"], rnd["output"]
        orgs = {o["id"]: o for o in inp.get("orgs", [])}
        for r in inp.get("requests", []):
            t = requests.get(r["id"])
            if t is None:
                org = orgs.get(r["org"], {})
                t = requests[r["id"]] = RequestTrace(
                    org=r["org"], group=org.get("group", r["org"]),
                    size_class=org.get("size_class") or UNKNOWN, units=int(r["units"]))
            t.offerings.update(r.get("offerings", []))
            t.reason = r.get("reason_hint")
        for a in out.get("allocations", []):
            requests[a["request"]].allocated[a["offering"]] += int(a["units"])
        # either result schema version (the output names it)
        for rid, reason in (reasons(out) if "requests" in out else {}).items():
            if rid in requests:
                requests[rid].reason = (reason or {}).get("code")
    return requests


def _jain_of_satisfaction(demand: dict, alloc: dict) -> float:
    return metrics.jain([alloc.get(g, 0) / d for g, d in demand.items() if d])


def allocation_figures(rounds: list[dict], offerings: dict[str, dict], k: int) -> dict:
    """The access report's ``allocation`` section. ``offerings`` maps the round data's
    offering id ("off-12") to its catalog facts ({"task_type": …}); k is the small-cell k."""
    reqs = trace(rounds)
    sup = metrics.suppress
    # (offering) -> group -> units
    off_demand: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    off_alloc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    mkt_demand: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    mkt_alloc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sc_demand: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sc_alloc: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    unserved: dict[str, dict] = defaultdict(lambda: {"requests": 0, "units": 0, "groups": set()})
    for t in reqs.values():
        for o in t.offerings:
            off_demand[o][t.group] += t.units
        for o, n in t.allocated.items():
            off_alloc[o][t.group] += n
        for market in sorted({offerings.get(o, {}).get("task_type", UNKNOWN) for o in t.offerings}):
            mkt_demand[market][t.group] += t.units
        for o, n in t.allocated.items():
            mkt_alloc[offerings.get(o, {}).get("task_type", UNKNOWN)][t.group] += n
        sc_demand[t.size_class][t.group] += t.units
        sc_alloc[t.size_class][t.group] += t.allocated_units
        short = t.units - t.allocated_units
        if short > 0:
            u = unserved[t.reason or "awaiting_round"]
            u["requests"] += 1
            u["units"] += short
            u["groups"].add(t.group)

    def row(demand: dict, alloc: dict) -> dict:
        n = len(demand)
        d, a = sum(demand.values()), sum(alloc.values())
        return {"principals": n, "demand_units": sup(d, n, k), "allocated_units": sup(a, n, k),
                "satisfaction": sup(metrics.satisfaction(a, d), n, k),
                "satisfaction_jain": sup(_jain_of_satisfaction(demand, alloc), n, k)}

    return {
        "offerings": [{"offering": o, **row(off_demand[o], off_alloc[o])}
                      for o in sorted(set(off_demand) | set(off_alloc))],
        "markets": [{"task_type": m, **row(mkt_demand[m], mkt_alloc[m])}
                    for m in sorted(set(mkt_demand) | set(mkt_alloc))],
        "size_classes": [{"size_class": c, **row(sc_demand[c], sc_alloc[c])}
                         for c in SIZE_CLASSES if c in sc_demand],
        "unserved": [{"reason": code, "principals": len(u["groups"]),
                      "requests": sup(u["requests"], len(u["groups"]), k),
                      "units": sup(u["units"], len(u["groups"]), k)}
                     for code, u in sorted(unserved.items())],
        "totals": {"rounds": len(rounds), "requests": len(reqs),
                   **row({g: v for g, v in _sum_by_group(reqs, "units").items()},
                         _sum_by_group(reqs, "allocated_units"))},
    }


def _sum_by_group(reqs: dict[str, RequestTrace], attr: str) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for t in reqs.values():
        out[t.group] += getattr(t, attr)
    return out


def demand_by_org(rounds: list[dict], key) -> dict[tuple[str, object], int]:
    """(org pseudonym, key(offering)) -> units demanded, each request counted once per key
    (e.g. once per vendor even when two of its offerings could serve it). For the builder,
    which can map pseudonyms back to orgs; outsiders cannot, by design."""
    out: dict[tuple[str, object], int] = defaultdict(int)
    for t in trace(rounds).values():
        for kk in {key(o) for o in t.offerings}:
            out[(t.org, kk)] += t.units
    return out
