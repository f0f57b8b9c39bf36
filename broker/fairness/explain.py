"""The result document, schema version 2 (see schema/round-output.schema.json and
docs/fairness.md "Output").

Each group's facts appear once, as one array under ``groups.columns``: one row per group
and offering, or for linked offerings one row per group and component (its totals, level
and weight over the component, its demand, units, floor and guarantee at each offering
under ``more.at``). A request that was not fully served refers to its group's row by index
instead of repeating the level, weight, share, demand and offerings; a component's
offerings are listed once. Rationals are exact strings ("7/3") and only where a reader needs them
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
    blocks = alloc.blocks
    text = exact_text
    # groups: one row per group and offering it had demand at, or per group and linked
    # component (its facts at each of the component's offerings inside, under "at")
    rows_out = []
    add_row = rows_out.append
    start: dict[str, int] = {}           # one-offering component -> index of its first row
    linked_row: dict[tuple, int] = {}    # (first offering of a component, group) -> row
    components: dict[tuple, int] = {}
    for o in sorted(blocks):
        rows = blocks[o]
        if len(rows.linked) > 1:
            if o == rows.linked[0]:
                _linked_rows(blocks, rows.linked, components, linked_row, rows_out, text)
            continue
        start[o] = len(rows_out)
        aside = rows.set_aside
        for i, (g, members, demand, guarantee, fl, d, u, base, why, rounded) in enumerate(zip(
                rows.groups, rows.members, rows.demand, rows.guarantee, rows.floor, rows.desc, rows.units,
                rows.base_weight, rows.why, rows.rounded)):
            weight = d.weight
            # the exact texts come with the row's shared Desc (one per level and weight)
            row = [g, o, demand, u, fl, guarantee, d.level_r and d.level_r[0], d.weight_r[0], why, rounded]
            more = None
            if len(members) != 1 or members[0] != g:
                more = {"members": members}
            if aside and aside[i]:
                more = more or {}
                more["set_aside"] = aside[i]
            if weight is not base and weight != base:
                more = more or {}
                more["base_weight"] = text(base)
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
            rows = blocks[o]
            if len(rows.linked) > 1:
                append([rid, units, n, "fair_share_reached", linked_row[(rows.linked[0], req.group)]])
            else:
                i = req.row if req.row is not None else rows.index[req.group]
                append([rid, units, n, "fair_share_reached", start[o] + i])
    offerings_out = [{"offering": o.id, "capacity": o.capacity, "allocated": used[o.id],
                      "idle": o.capacity - used[o.id], "reservation_limit": alloc.clamp(o.id)}
                     for o in rnd.offerings.values()]
    return {
        **head(rnd),
        "allocations": allocations,
        "linked": [list(k) for k in components],
        "groups": {"columns": GROUP_COLUMNS, "rows": rows_out},
        "requests": {"columns": REQUEST_COLUMNS, "rows": requests_out},
        "offerings": offerings_out,
    }


def head(rnd) -> dict:
    """What every document starts with: versions, the round's metadata, the policy used."""
    pol = rnd.policy
    return {
        "schema_version": SCHEMA_VERSION,
        "engine": {"name": "parity-fairness", "version": ENGINE_VERSION},
        "round": rnd.meta,
        "policy": {"max_reserved_share": exact_text(pol.max_reserved_share),
                   "small_set_aside": exact_text(pol.small_set_aside),
                   "usage_half_life_days": exact_text(pol.usage_half_life_days)},
    }


def _linked_rows(blocks, offerings, components, linked_row, rows_out, text) -> None:
    """One row per group of a linked component: its facts over the component, and under
    "at" its demand, units, floor and guarantee at each offering it had demand at."""
    comp = components[tuple(offerings)] = len(components)
    first = offerings[0]
    per_group: dict[str, list] = defaultdict(list)      # group -> [(rows, i)] in offering order
    for o in offerings:
        rows = blocks[o]
        for i, g in enumerate(rows.groups):
            per_group[g].append((rows, i))
    for g in sorted(per_group):
        entries = per_group[g]
        rows, i = entries[0]
        d = rows.desc[i]
        weight, base = d.weight, rows.base_weight[i]
        basis = rows.group_why[i]
        at = []
        floor_sum = guarantee_sum = 0
        for rows, i in entries:
            entry = [rows.offering, rows.demand[i], rows.units[i], rows.floor[i], rows.guarantee[i]]
            floor_sum += rows.floor[i]
            guarantee_sum += rows.guarantee[i]
            extra = None
            members = rows.members[i]
            if len(members) != 1 or members[0] != g:
                extra = {"members": members}
            if rows.why[i] != basis:
                extra = extra or {}
                extra["basis"] = rows.why[i]
            if rows.set_aside and rows.set_aside[i]:
                extra = extra or {}
                extra["set_aside"] = rows.set_aside[i]
            if extra:
                entry.append(extra)
            at.append(entry)
        more = {"linked": comp, "at": at}
        if weight is not base and weight != base:
            more["base_weight"] = text(base)
        linked_row[(first, g)] = len(rows_out)
        rows_out.append([g, None, rows.group_demand[i], rows.group_units[i], floor_sum, guarantee_sum,
                         d.level_r and d.level_r[0], d.weight_r[0], basis, rows.rounded[i], more])

