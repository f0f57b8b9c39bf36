"""Entitlement ratio: units a developer was allocated ÷ the weighted fair share the policy
promised it, with the named cause of any other value than 1. Pure, from the published round
data alone (input and the output's ``allocations``), so ``verify`` recomputes it.

The promise (docs/reports.md, "Entitlement ratio"). In each round, offerings that requests
link (a request may use either) form one *pool* of capacity C (the free capacity the round
saw). Each group g brings its demand D_g there (its requests' units, each request once) and
its weight w_g (the largest of its members'). The promised share is w_g · L, with L the
water level at which Σ_g min(D_g, w_g·L) = min(C, Σ_g D_g) — weighted max-min fairness with
no reservation, no set-aside and no eligibility limit — and, when the pool is not scarce, the
smallest level that covers every demand. A group bottlenecked at a fair pool therefore gets
its share, to within the rounding to whole units (less than one unit per pool and round), and
its ratio is 1. Any other value is traced to a cause, the first of these that applies:

- ``demand``: it asked for less than its share (the ratio is below 1 by its own choice);
- ``reservation``: its own reservation floor gave it more, or others' floors left less;
- ``set_aside``: the small-developer set-aside moved units between small and other groups;
- ``eligibility``: not every request could use every offering of the pool (its criteria or
  its price limit; or others' limits left it what they could not use);
- ``usage_decay``: past usage changed the weights the round used;
- ``unexplained``: none of these — a finding in itself.

Requests the round could not consider are not in any pool; their units are counted beside
the ratio as ``excluded_units`` under their cause: ``deadline`` (deadline_unreachable),
``price`` (over_budget), ``request`` (any other pre-round reason).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from broker.reports import metrics

CAUSES = ("demand", "reservation", "set_aside", "eligibility", "usage_decay", "unexplained")
EXCLUDED = {"deadline_unreachable": "deadline", "over_budget": "price"}
SIZE_ORDER = ("small", "medium", "large", "unknown")


def water_level(demand: dict[str, int], weight: dict[str, Fraction], capacity: int) -> Fraction:
    """The level L of the promise (exact): Σ min(D_g, w_g·L) = min(C, ΣD); when ΣD ≤ C, the
    smallest L covering every demand, max(D_g / w_g)."""
    groups = [g for g in demand if demand[g] > 0]
    if not groups:
        return Fraction(0)
    if sum(demand[g] for g in groups) <= capacity:
        return max(Fraction(demand[g]) / weight[g] for g in groups)
    # Raise the level through the groups in order of D/w; those below it are capped.
    order = sorted(groups, key=lambda g: Fraction(demand[g]) / weight[g])
    left, w_left = Fraction(capacity), sum(weight[g] for g in order)
    for g in order:
        cap_level = Fraction(demand[g]) / weight[g]
        if cap_level * w_left <= left:
            left -= demand[g]
            w_left -= weight[g]
        else:
            return left / w_left
    return Fraction(0)  # unreachable: ΣD > C means some group stays uncapped


@dataclass
class Account:
    """One group over a period."""
    size_class: str = "unknown"
    demand: int = 0
    share: Fraction = Fraction(0)
    allocated: int = 0
    pools: int = 0
    causes: dict[str, Fraction] = field(default_factory=lambda: defaultdict(Fraction))
    excluded: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _pools(requests: list[dict]) -> list[set[str]]:
    """Connected sets of offerings (a request joins the offerings it may use)."""
    parent: dict[str, str] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in requests:
        offs = r.get("offerings") or []
        for o in offs:
            find(o)
        for o in offs[1:]:
            parent[find(o)] = find(offs[0])
    out: dict[str, set[str]] = defaultdict(set)
    for o in parent:
        out[find(o)].add(o)
    return sorted(out.values(), key=min)


def _largest(classes) -> str:
    known = [c for c in classes if c in SIZE_ORDER[:3]]
    return max(known, key=SIZE_ORDER.index) if known else "unknown"


def accounts(rounds: list[dict]) -> dict[str, Account]:
    """Each group's account over ``rounds`` ({input, output} of one period)."""
    acc: dict[str, Account] = defaultdict(Account)
    for rnd in rounds:
        inp, out = rnd["input"], rnd["output"]
        policy = inp.get("policy") or {}
        orgs = {o["id"]: o for o in inp.get("orgs", [])}
        group_of = {oid: o.get("group", oid) for oid, o in orgs.items()}
        weight: dict[str, Fraction] = {}
        classes: dict[str, list[str]] = defaultdict(list)
        for oid, o in orgs.items():
            g = group_of[oid]
            weight[g] = max(weight.get(g, Fraction(0)), Fraction(str(o.get("weight", 1))))
            classes[g].append(o.get("size_class") or "unknown")
        for g, cs in classes.items():
            acc[g].size_class = _largest(cs)
        capacity = {o["id"]: int(o["capacity"]) for o in inp.get("offerings", [])}
        got: dict[str, int] = defaultdict(int)
        for a in out.get("allocations", []):
            got[a["request"]] += int(a["units"])
        live = [r for r in inp.get("requests", []) if r.get("offerings")]
        for r in inp.get("requests", []):
            if not r.get("offerings") and r.get("reason_hint"):
                g = group_of.get(r["org"], r["org"])
                acc[g].excluded[EXCLUDED.get(r["reason_hint"], "request")] += int(r["units"])
        reserved: dict[tuple[str, str], int] = defaultdict(int)
        for gt in inp.get("guarantees", []):
            reserved[(group_of.get(gt["org"], gt["org"]), gt["offering"])] += int(gt["units"])
        decayed = bool(inp.get("usage")) and bool(policy.get("usage_half_life_days"))
        set_aside = bool(policy.get("small_set_aside"))
        for pool in _pools(live):
            reqs = [r for r in live if pool.intersection(r["offerings"])]
            demand: dict[str, int] = defaultdict(int)
            alloc: dict[str, int] = defaultdict(int)
            limited: set[str] = set()
            for r in reqs:
                g = group_of.get(r["org"], r["org"])
                demand[g] += int(r["units"])
                alloc[g] += got[r["id"]]
                if set(r["offerings"]) != pool:
                    limited.add(g)
            level = water_level(demand, {g: weight.get(g, Fraction(1)) for g in demand},
                                sum(capacity.get(o, 0) for o in pool))
            floors = {g for g in demand if any(reserved.get((g, o)) for o in pool)}
            for g in demand:
                share = weight.get(g, Fraction(1)) * level
                a = acc[g]
                a.demand += demand[g]
                a.share += share
                a.allocated += alloc[g]
                a.pools += 1
                gap = alloc[g] - share
                if abs(gap) < 1:
                    continue  # whole-unit rounding
                a.causes[_cause(g, gap, alloc[g] >= demand[g], floors, limited, set_aside, decayed,
                                acc[g].size_class)] += abs(gap)
    return dict(acc)


def _cause(g, gap, served, floors, limited, set_aside, decayed, size_class) -> str:
    if gap < 0 and served:  # it got all it asked for, and that was less than its share
        return "demand"
    if (gap > 0 and g in floors) or (gap < 0 and floors - {g}):
        return "reservation"
    if set_aside and ((gap > 0) == (size_class == "small")):
        return "set_aside"
    if limited:
        return "eligibility"
    if decayed:
        return "usage_decay"
    return "unexplained"


def ratio(a: Account) -> float | None:
    return float(Fraction(a.allocated) / a.share) if a.share else None


def _named(a: Account) -> list[dict]:
    causes = [{"cause": c, "units": float(u)} for c, u in sorted(a.causes.items(), key=lambda x: (-x[1], x[0]))]
    causes += [{"cause": c, "units": u} for c, u in sorted(a.excluded.items())]
    return causes


def figures(rounds: list[dict], k: int) -> dict:
    """The access report's ``entitlement`` section: per developer (round-data group
    pseudonym) and per size class (suppressed below k groups)."""
    acc = accounts(rounds)
    devs = []
    for g in sorted(acc):
        a = acc[g]
        devs.append({"group": g, "size_class": a.size_class, "demand_units": a.demand,
                     "fair_share_units": float(a.share), "allocated_units": a.allocated,
                     "entitlement_ratio": ratio(a), "causes": _named(a)})
    classes = []
    for c in SIZE_ORDER:
        members = [acc[g] for g in acc if acc[g].size_class == c]
        if not members:
            continue
        share = sum((m.share for m in members), Fraction(0))
        alloc = sum(m.allocated for m in members)
        total = Account(size_class=c)
        for m in members:
            for cause, u in m.causes.items():
                total.causes[cause] += u
            for cause, u in m.excluded.items():
                total.excluded[cause] += u
        n = len(members)
        classes.append({"size_class": c, "principals": n,
                        "fair_share_units": metrics.suppress(float(share), n, k),
                        "allocated_units": metrics.suppress(alloc, n, k),
                        "entitlement_ratio": metrics.suppress(float(Fraction(alloc) / share) if share else None, n, k),
                        "causes": metrics.suppress(_named(total), n, k)})
    return {"developers": devs, "size_classes": classes}
