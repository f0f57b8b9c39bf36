"""The result document, schema version 2 (see schema/round-output.schema.json and
docs/fairness.md "Output").

Each (group, offering) row states its facts once, as one array under ``groups.columns``;
a request that was not fully served refers to its group's row by index instead of
repeating the level, weight, share, demand and offerings; a linked component's offerings
are listed once. Rationals are exact strings ("7/3") and only where a reader needs them
(levels, weights, policy values): there are no floats, so the canonical bytes depend on
the values alone. The sentences people read are rendered from these facts by
``reading`` (which also reads version-1 documents and rebuilds them byte for byte).
"""
from __future__ import annotations

from collections import defaultdict

from .numbers import exact_text

SCHEMA_VERSION = 2
ENGINE_VERSION = "1"
GROUP_COLUMNS = ["group", "offering", "demand", "units", "floor", "guarantee", "level", "weight", "basis",
                 "rounded", "more"]
REQUEST_COLUMNS = ["request", "units", "allocated", "reason", "row"]


def build(alloc) -> dict:
    """The version-2 result document (plain JSON data, no floats)."""
    rnd = alloc.rnd
    pol = rnd.policy
    blocks = alloc.blocks
    # groups: one row per (group, offering), offerings in id order, groups in id order
    rows_out = []
    add_row = rows_out.append
    start: dict[str, int] = {}           # offering -> index of its first row
    components: dict[tuple, int] = {}
    texts: dict = {}                      # Fraction -> exact text, made once per value
    for o in sorted(blocks):
        rows = blocks[o]
        start[o] = len(rows_out)
        linked = None
        if len(rows.linked) > 1:
            key = tuple(rows.linked)
            linked = components.get(key)
            if linked is None:
                linked = components[key] = len(components)
        aside = rows.set_aside
        for i, (g, members, demand, guarantee, fl, d, u, base, why, rounded) in enumerate(zip(
                rows.groups, rows.members, rows.demand, rows.guarantee, rows.floor, rows.desc, rows.units,
                rows.base_weight, rows.why, rows.rounded)):
            level, weight = d.level, d.weight
            lt = None
            if level is not None:
                lt = texts.get(level)
                if lt is None:
                    lt = texts[level] = exact_text(level)
            wt = texts.get(weight)
            if wt is None:
                wt = texts[weight] = exact_text(weight)
            row = [g, o, demand, u, fl, guarantee, lt, wt, why, rounded]
            more = None
            if len(members) != 1 or members[0] != g:
                more = {"members": members}
            if linked is not None:
                more = more or {}
                more["linked"] = linked
                more["linked_demand"] = rows.group_demand[i]
                more["linked_units"] = rows.group_units[i]
            if aside and aside[i]:
                more = more or {}
                more["set_aside"] = aside[i]
            if weight is not base and weight != base:
                more = more or {}
                more["base_weight"] = exact_text(base)
            if more:
                row.append(more)
            add_row(row)
    allocations = []
    add = allocations.append
    requests_out = []
    append = requests_out.append
    used = defaultdict(int)
    zero = {o.id for o in rnd.offerings.values() if o.capacity == 0}
    for req in rnd.requests:                      # in id order: allocations come out sorted
        rid, units = req.id, req.units
        at = req.got
        n = 0
        if at is not None:
            for o in (at if len(at) == 1 else sorted(at)):
                k = at[o]
                if k > 0:
                    add({"request": rid, "offering": o, "units": k})
                n += k
                used[o] += k
        if n == units:
            append([rid, units, n, None, None])
            continue
        # the first reason of DESIGN.md's list that applies; its numbers are on its row
        offs = req.offerings
        if req.reason_hint:
            append([rid, units, n, req.reason_hint, None])
        elif not offs:
            append([rid, units, n, "no_matching_offering", None])
        elif offs[0] in zero and (len(offs) == 1 or zero.issuperset(offs)):
            append([rid, units, n, "capacity_exhausted", None])
        else:
            o = offs[0]
            i = req.row if len(offs) == 1 and req.row is not None else blocks[o].index[req.group]
            append([rid, units, n, "fair_share_reached", start[o] + i])
    offerings_out = [{"offering": o.id, "capacity": o.capacity, "allocated": used[o.id],
                      "idle": o.capacity - used[o.id], "reservation_limit": alloc.clamp(o.id)}
                     for o in rnd.offerings.values()]
    return {
        "schema_version": SCHEMA_VERSION,
        "engine": {"name": "parity-fairness", "version": ENGINE_VERSION},
        "round": rnd.meta,
        "policy": {"max_reserved_share": exact_text(pol.max_reserved_share),
                   "small_set_aside": exact_text(pol.small_set_aside),
                   "usage_half_life_days": exact_text(pol.usage_half_life_days)},
        "allocations": allocations,
        "linked": [list(k) for k in components],
        "groups": {"columns": GROUP_COLUMNS, "rows": rows_out},
        "requests": {"columns": REQUEST_COLUMNS, "rows": requests_out},
        "offerings": offerings_out,
    }
