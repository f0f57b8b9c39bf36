"""Output: allocations, per-group explanations, per-request reasons, and the text table."""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from functools import lru_cache

from .numbers import render

ENGINE_VERSION = "1"


@lru_cache(maxsize=4096)
def _num(q: Fraction) -> str:
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator} (≈{float(q):.3f})"


def sentence(row, policy) -> str:
    """One plain-language sentence on why a group got what it got at one offering."""
    linked = len(row.linked) > 1
    where = (f"across the {len(row.linked)} linked offerings it could use" if linked else "here")
    if row.level is None:
        text = (f"Got all {row.demand} units it asked for: demand {where} fitted in the free capacity."
                if not linked else
                f"Got all {row.group_demand} units it asked for {where}; {row.units} of them at this offering.")
    else:
        fair = row.weight * row.level
        if row.share is not None and row.share == row.floor and row.floor > fair:
            why = f"its guaranteed floor of {row.floor} units, above its weighted fair share {_num(fair)}"
        elif row.share is not None and (row.share == (row.group_demand if linked else row.demand)):
            why = f"all it asked for, which was within its weighted fair share {_num(fair)}"
        else:
            why = f"its weighted fair share: level {_num(row.level)} × weight {_num(row.weight)} = {_num(fair)} units"
        if linked:
            text = (f"Got {row.group_units} of {row.group_demand} units {where} — {why} — "
                    f"{row.units} of them at this offering.")
        else:
            text = f"Got {row.units} of {row.demand} units: {why}"
            text += (", rounded to whole units by largest remainder." if Fraction(row.share).denominator != 1
                     else ".")
    if row.guarantee > row.clamp and row.guarantee > 0:
        text += (f" Its reservation of {row.guarantee} units counts only up to {row.clamp} "
                 f"(max_reserved_share {_num(policy.max_reserved_share)} of the period capacity).")
    if row.set_aside:
        text += f" The small-developer set-aside gave it at least {row.set_aside} units."
    if row.weight != row.base_weight:
        text += f" Past usage lowered its weight from {_num(row.base_weight)} to {_num(row.weight)}."
    return text


def build(alloc) -> dict:
    """The result document (plain JSON data; see schema/round-output.schema.json)."""
    rnd = alloc.rnd
    allocations = [{"request": rid, "offering": o, "units": n}
                   for (rid, o), n in sorted(alloc.served.items()) if n > 0]
    got = defaultdict(int)
    for (rid, _), n in alloc.served.items():
        got[rid] += n
    used = defaultdict(int)
    for (_, o), n in alloc.served.items():
        used[o] += n
    rows = sorted(alloc.rows, key=lambda r: (r.offering, r.group))
    row_at = {(r.group, r.offering): r for r in rows}
    groups_out = [{
        "group": r.group, "offering": r.offering, "members": r.members, "demand": r.demand,
        "guarantee": r.guarantee, "floor": r.floor, "floor_clamped": r.guarantee > r.clamp,
        "weight": render(r.weight), "level": render(r.level), "units": r.units,
        "linked_offerings": r.linked, "explanation": sentence(r, rnd.policy),
    } for r in rows]
    requests_out = []
    for req in rnd.requests:
        n = got[req.id]
        status = "served" if n == req.units else ("partial" if n else "waiting")
        entry = {"request": req.id, "org": req.org, "group": rnd.orgs[req.org].group, "units": req.units,
                 "allocated": n, "status": status, "reason": None}
        if n < req.units:
            entry["reason"] = _reason(alloc, req, row_at)
        requests_out.append(entry)
    offerings_out = [{"offering": o.id, "capacity": o.capacity, "allocated": used[o.id],
                      "idle": o.capacity - used[o.id]} for o in rnd.offerings.values()]
    pol = rnd.policy
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


def _reason(alloc, req, row_at) -> dict:
    """The first reason of DESIGN.md's list that applies, with its numbers."""
    rnd = alloc.rnd
    if req.reason_hint:
        return {"code": req.reason_hint}
    if not req.offerings:
        return {"code": "no_matching_offering"}
    if all(rnd.offerings[o].capacity == 0 for o in req.offerings):
        return {"code": "capacity_exhausted", "offerings": list(req.offerings), "free_capacity": 0}
    group = rnd.orgs[req.org].group
    row = row_at[(group, req.offerings[0])]
    linked = len(row.linked) > 1
    return {"code": "fair_share_reached", "group": group,
            "offerings": list(row.linked) if linked else [row.offering],
            "level": render(row.level),
            "weight": render(row.weight),
            "share": row.group_units, "demand": row.group_demand}


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
