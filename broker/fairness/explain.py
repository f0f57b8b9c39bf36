"""Output: allocations, per-group explanations, per-request reasons, and the text table."""
from __future__ import annotations

from collections import defaultdict

from .numbers import num_text, render

ENGINE_VERSION = "1"
_ROUNDED = ", rounded to whole units by largest remainder."


def sentence(rows, i: int, policy, mrs_text: str | None = None) -> str:
    """One plain-language sentence on why group ``i`` of ``rows`` got what it got there."""
    d = rows.desc[i]
    n_linked = len(rows.linked)
    linked = n_linked > 1
    where = f"across the {n_linked} linked offerings it could use" if linked else "here"
    units = rows.units[i]
    if d.level is None:
        text = (f"Got all {rows.demand[i]} units it asked for: demand {where} fitted in the free capacity."
                if not linked else
                f"Got all {rows.group_demand[i]} units it asked for {where}; {units} of them at this offering.")
    else:
        why = rows.why[i]
        if why == "floor":
            why = f"its guaranteed floor of {rows.floor[i]} units, above its weighted fair share {d.fair_t}"
        elif why == "demand":
            why = f"all it asked for, which was within its weighted fair share {d.fair_t}"
        else:
            why = f"its weighted fair share: level {d.level_t} × weight {d.weight_t} = {d.fair_t} units"
        if linked:
            text = (f"Got {rows.group_units[i]} of {rows.group_demand[i]} units {where} — {why} — "
                    f"{units} of them at this offering.")
        elif rows.rounded[i]:
            text = f"Got {units} of {rows.demand[i]} units: {why}, rounded to whole units by largest remainder."
        else:
            text = f"Got {units} of {rows.demand[i]} units: {why}."
    guarantee, clamp = rows.guarantee[i], rows.clamp
    if guarantee > clamp and guarantee > 0:
        text += (f" Its reservation of {guarantee} units counts only up to {clamp} "
                 f"(max_reserved_share {mrs_text or num_text(policy.max_reserved_share)} of the period capacity).")
    if rows.set_aside and rows.set_aside[i]:
        text += f" The small-developer set-aside gave it at least {rows.set_aside[i]} units."
    base = rows.base_weight[i]
    if d.weight is not base and d.weight != base:
        text += f" Past usage lowered its weight from {num_text(base)} to {d.weight_t}."
    return text


def build(alloc) -> dict:
    """The result document (plain JSON data; see schema/round-output.schema.json).

    Treat it as read-only: rows that show the same rendered level, weight or list of linked
    offerings share one object (100 000 rows, a few hundred distinct values)."""
    rnd = alloc.rnd
    pol = rnd.policy
    blocks = alloc.blocks
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
        org, group = req.org, req.group
        if n == units:
            append({"request": rid, "org": org, "group": group, "units": units,
                    "allocated": n, "status": "served", "reason": None})
            continue
        # the first reason of DESIGN.md's list that applies, with its numbers
        offs = req.offerings
        if req.reason_hint:
            reason = {"code": req.reason_hint}
        elif not offs:
            reason = {"code": "no_matching_offering"}
        elif offs[0] in zero and (len(offs) == 1 or zero.issuperset(offs)):
            reason = {"code": "capacity_exhausted", "offerings": list(offs), "free_capacity": 0}
        else:
            rows = blocks[offs[0]]
            i = req.row if len(offs) == 1 and req.row is not None else rows.index[group]
            d = rows.desc[i]
            linked = rows.linked
            reason = {"code": "fair_share_reached", "group": group, "offerings": rows.linked_doc,
                      "level": d.level_doc, "weight": d.weight_doc,
                      "share": rows.group_units[i], "demand": rows.group_demand[i]}
        append({"request": rid, "org": org, "group": group, "units": units,
                "allocated": n, "status": "partial" if n else "waiting", "reason": reason})
    mrs = num_text(pol.max_reserved_share)
    groups_out = []
    add_group = groups_out.append
    for o in sorted(blocks):
        rows = blocks[o]
        linked, clamp = rows.linked_doc, rows.clamp
        # the common sentences are written inline; the general ``sentence`` takes the rest
        simple = len(linked) == 1 and not rows.set_aside
        for i, (g, members, demand, guarantee, fl, d, u, base, why, rounded) in enumerate(zip(
                rows.groups, rows.members, rows.demand, rows.guarantee, rows.floor, rows.desc, rows.units,
                rows.base_weight, rows.why, rows.rounded)):
            if simple and guarantee <= clamp and d.weight is base:
                if d.level is None:
                    text = f"Got all {demand} units it asked for: demand here fitted in the free capacity."
                elif why == "fair":
                    text = (f"Got {u} of {demand} units: its weighted fair share: level {d.level_t} × weight "
                            f"{d.weight_t} = {d.fair_t} units{_ROUNDED if rounded else '.'}")
                elif why == "demand":
                    text = (f"Got {u} of {demand} units: all it asked for, which was within its weighted "
                            f"fair share {d.fair_t}{_ROUNDED if rounded else '.'}")
                else:
                    text = sentence(rows, i, pol, mrs)
            else:
                text = sentence(rows, i, pol, mrs)
            add_group({
                "group": g, "offering": o, "members": members, "demand": demand,
                "guarantee": guarantee, "floor": fl, "floor_clamped": guarantee > clamp,
                "weight": d.weight_doc, "level": d.level_doc,
                "units": u, "linked_offerings": linked, "explanation": text})
    offerings_out = [{"offering": o.id, "capacity": o.capacity, "allocated": used[o.id],
                      "idle": o.capacity - used[o.id]} for o in rnd.offerings.values()]
    return {
        "engine": {"name": "parity-fairness", "version": ENGINE_VERSION},
        "round": rnd.meta,
        "policy": {"max_reserved_share": render(pol.max_reserved_share),
                   "small_set_aside": render(pol.small_set_aside),
                   "usage_half_life_days": render(pol.usage_half_life_days)},
        "allocations": allocations,
        "groups": groups_out,
        "requests": requests_out,
        "offerings": offerings_out,
    }


def table(result: dict) -> str:
    """A human-readable view of a result (the --explain output)."""
    lines = []
    hdr = f"{'offering':<14} {'group':<14} {'demand':>6} {'floor':>5} {'weight':>8} {'level':>9} {'units':>5}"
    lines += ["Groups at each offering", hdr, "-" * len(hdr)]
    for g in result["groups"]:
        lvl = "-" if g["level"] is None else g["level"]["exact"]
        lines.append(f"{g['offering']:<14} {g['group']:<14} {g['demand']:>6} {g['floor']:>5} "
                     f"{g['weight']['exact']:>8} {lvl:>9} {g['units']:>5}")
        lines.append(f"{'':<14}   {g['explanation']}")
    lines += ["", "Offerings", f"{'offering':<14} {'capacity':>8} {'allocated':>9} {'idle':>5}"]
    for o in result["offerings"]:
        lines.append(f"{o['offering']:<14} {o['capacity']:>8} {o['allocated']:>9} {o['idle']:>5}")
    lines += ["", "Requests not fully served"]
    waiting = [r for r in result["requests"] if r["reason"]]
    for r in waiting:
        rs = r["reason"]
        extra = ""
        if rs["code"] == "fair_share_reached":
            lvl = "-" if rs["level"] is None else rs["level"]["exact"]
            extra = f" (group {rs['group']}: level {lvl}, share {rs['share']} of demand {rs['demand']})"
        lines.append(f"  {r['request']:<12} {r['org']:<12} {r['allocated']}/{r['units']}  {rs['code']}{extra}")
    if not waiting:
        lines.append("  none")
    return "\n".join(lines) + "\n"
