"""What the fairness rules determine in a result, for comparing two engines.

On one offering everything is determined, so the projection is the whole result. Across
linked offerings the rules fix every group's and org's total, the levels, weights, floors
and the *cost* of the assignment (oldest request first inside an org, then unit price,
then offering id), but several assignments can share that cost (two orgs' requests that
could swap offerings): which one an engine returns depends on its min-cost-flow
algorithm. So for linked components the projection keeps the totals and the cost vector
instead of the per-request, per-offering split.
"""
from __future__ import annotations

import re
from collections import defaultdict

from broker.fairness.model import instant_key

_AT_THIS = re.compile(r"(; | — )\d+ of them at this offering\.")


def components(data) -> dict[str, str]:
    """Offering -> the smallest offering id of its linked component (as the engine links them)."""
    parent = {o["id"]: o["id"] for o in data["offerings"]}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for r in data["requests"]:
        offs = sorted(set(r["offerings"]))
        if len(offs) > 1 and "reason_hint" not in r:
            roots = sorted({find(o) for o in offs})
            for other in roots[1:]:
                parent[other] = roots[0]
    return {o: find(o) for o in parent}


def determined(data, result) -> dict:
    comp = components(data)
    size = defaultdict(int)
    for root in comp.values():
        size[root] += 1
    linked = {o for o, root in comp.items() if size[root] > 1}
    reqs = {r["id"]: r for r in data["requests"]}
    out = {k: result[k] for k in ("engine", "round", "policy")}
    out["groups"] = []
    totals = defaultdict(int)
    for g in result["groups"]:
        if g["offering"] in linked:
            row = {k: v for k, v in g.items() if k != "units"}
            row["explanation"] = _AT_THIS.sub(r"\1N of them at this offering.", g["explanation"])
            totals[(g["group"], comp[g["offering"]])] += g["units"]
            out["groups"].append(row)
        else:
            out["groups"].append(g)
    out["group_totals"] = sorted([*k, v] for k, v in totals.items())
    out["offerings"] = [o if o["offering"] not in linked else {"offering": o["offering"], "capacity": o["capacity"]}
                        for o in result["offerings"]]
    out["allocations"] = [a for a in result["allocations"] if a["offering"] not in linked]
    # linked: org totals and the cost vector of the assignment, per component
    org_total, cost = defaultdict(int), defaultdict(lambda: [0, 0, 0])
    price = {o["id"]: o.get("unit_price", 0) for o in data["offerings"]}
    order = sorted(price, key=lambda o: (price[o], o))
    id_rank = {o: k for k, o in enumerate(order)}
    ranks = _ranks(data, comp, linked)
    for a in result["allocations"]:
        if a["offering"] in linked:
            root, n = comp[a["offering"]], a["units"]
            org_total[(reqs[a["request"]]["org"], root)] += n
            c = cost[root]
            c[0] += ranks[a["request"]] * n
            c[1] += price[a["offering"]] * n
            c[2] += id_rank[a["offering"]] * n
    out["org_totals"] = sorted([*k, v] for k, v in org_total.items())
    out["costs"] = sorted([k, *v] for k, v in cost.items())
    out["requests"] = []
    for r in result["requests"]:
        offs = reqs[r["request"]]["offerings"]
        if offs and offs[0] in linked and "reason_hint" not in reqs[r["request"]]:
            out["requests"].append({k: r[k] for k in ("request", "org", "group", "units")})
        else:
            out["requests"].append(r)
    return out


def _ranks(data, comp, linked) -> dict[str, int]:
    """Rank of each live linked request inside its org and component (oldest first, then id)."""
    by = defaultdict(list)
    for r in data["requests"]:
        if r["offerings"] and "reason_hint" not in r and r["offerings"][0] in linked:
            by[(r["org"], comp[r["offerings"][0]])].append(r)
    ranks = {}
    for rs in by.values():
        for k, r in enumerate(sorted(rs, key=lambda r: (instant_key(r["submitted_at"]), r["id"]))):
            ranks[r["id"]] = k
    return ranks
