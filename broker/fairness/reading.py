"""Read a result document of either schema version, and render what people read.

Version 1 (rounds stored before schema version 2; no ``schema_version`` key) repeats each
group's facts in every request's reason and carries a sentence per row. Version 2
(``explain.build``) states each fact once and carries no sentences: they are rendered
here, from the facts, word for word as version 1 wrote them. ``as_v1`` rebuilds the whole
version-1 document from a version-2 one and the round's input (a version-1 request also
names its org and group, which version 2 leaves to the input): the engine replays a
version-1 round through it, and the golden corpus checks it byte for byte.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache

from .numbers import _render, num_text


def version(doc: dict) -> int:
    return doc.get("schema_version", 1)


@lru_cache(maxsize=4096)
def _rational(text: str) -> Fraction:
    return Fraction(text)


def _rendered(text: str | None) -> dict | None:
    return None if text is None else dict(_render(_rational(text)))


def sentence(f: dict, mrs_text: str) -> str:
    """The plain-language sentence on why a group got what it got at one offering.

    ``f``: the row's facts (demand, units, floor, guarantee, level and weight as exact
    texts, basis, rounded, clamp, linked offerings, linked_demand/linked_units,
    set_aside, base_weight)."""
    n_linked = len(f["linked_offerings"])
    linked = n_linked > 1
    where = f"across the {n_linked} linked offerings it could use" if linked else "here"
    units = f["units"]
    weight = _rational(f["weight"])
    weight_t = num_text(weight)
    if f["level"] is None:
        text = (f"Got all {f['demand']} units it asked for: demand {where} fitted in the free capacity."
                if not linked else
                f"Got all {f['linked_demand']} units it asked for {where}; {units} of them at this offering.")
    else:
        level = _rational(f["level"])
        fair_t = num_text(weight * level)
        why = f["basis"]
        if why == "floor":
            why = f"its guaranteed floor of {f['floor']} units, above its weighted fair share {fair_t}"
        elif why == "demand":
            why = f"all it asked for, which was within its weighted fair share {fair_t}"
        else:
            why = f"its weighted fair share: level {num_text(level)} × weight {weight_t} = {fair_t} units"
        if linked:
            text = (f"Got {f['linked_units']} of {f['linked_demand']} units {where} — {why} — "
                    f"{units} of them at this offering.")
        elif f["rounded"]:
            text = f"Got {units} of {f['demand']} units: {why}, rounded to whole units by largest remainder."
        else:
            text = f"Got {units} of {f['demand']} units: {why}."
    guarantee, clamp = f["guarantee"], f["clamp"]
    if guarantee > clamp and guarantee > 0:
        text += (f" Its reservation of {guarantee} units counts only up to {clamp} "
                 f"(max_reserved_share {mrs_text} of the period capacity).")
    if f.get("set_aside"):
        text += f" The small-developer set-aside gave it at least {f['set_aside']} units."
    if f.get("base_weight") is not None:
        text += f" Past usage lowered its weight from {num_text(_rational(f['base_weight']))} to {weight_t}."
    return text


def _facts(doc: dict):
    """The facts of each (group, offering) of a version-2 result, as version 1 has its rows
    (a linked component's row gives one per offering under "at"), sorted like them."""
    cols = doc["groups"]["columns"][:-1]
    clamp = {o["offering"]: o["reservation_limit"] for o in doc["offerings"]}
    comps = doc["linked"]
    out = []
    for row in doc["groups"]["rows"]:
        f = dict(zip(cols, row))
        more = row[len(cols)] if len(row) > len(cols) else {}
        if f["offering"] is not None:
            f.update(more)
            f["members"] = more.get("members") or [f["group"]]
            f["linked_offerings"] = [f["offering"]]
            f["clamp"] = clamp[f["offering"]]
            out.append(f)
            continue
        for o, demand, units, fl, guarantee, *extra in more["at"]:
            extra = extra[0] if extra else {}
            out.append({"group": f["group"], "offering": o, "demand": demand, "units": units, "floor": fl,
                        "guarantee": guarantee, "level": f["level"], "weight": f["weight"],
                        "basis": extra.get("basis", f["basis"]), "rounded": f["rounded"],
                        "members": extra.get("members") or [f["group"]], "set_aside": extra.get("set_aside"),
                        "base_weight": more.get("base_weight"), "clamp": clamp[o],
                        "linked_offerings": comps[more["linked"]], "linked_demand": f["demand"],
                        "linked_units": f["units"]})
    out.sort(key=lambda f: (f["offering"], f["group"]))
    return out


def group_rows(doc: dict) -> list[dict]:
    """The rows of ``groups`` as version 1 wrote them (sentence in ``explanation``)."""
    if version(doc) == 1:
        return doc["groups"]
    mrs = num_text(_rational(doc["policy"]["max_reserved_share"]))
    out = []
    for f in _facts(doc):
        out.append({"group": f["group"], "offering": f["offering"], "members": f["members"],
                    "demand": f["demand"], "guarantee": f["guarantee"], "floor": f["floor"],
                    "floor_clamped": f["guarantee"] > f["clamp"], "weight": _rendered(f["weight"]),
                    "level": _rendered(f["level"]), "units": f["units"],
                    "linked_offerings": f["linked_offerings"], "explanation": sentence(f, mrs)})
    return out


def reasons(doc: dict, round_input: dict | None = None) -> dict[str, dict | None]:
    """Request id -> its reason as version 1 wrote it (None when fully served). For
    ``capacity_exhausted`` the request's offerings come from ``round_input`` when given."""
    if version(doc) == 1:
        return {r["request"]: r["reason"] for r in doc["requests"]}
    rows = doc["groups"]["rows"]
    comps = doc["linked"]
    eligible = {}
    if round_input is not None:
        eligible = {r["id"]: r["offerings"] for r in round_input["requests"]}
    out: dict[str, dict | None] = {}
    for rid, _, _, code, row in doc["requests"]["rows"]:
        if code is None:
            out[rid] = None
        elif code == "fair_share_reached":
            g, o, demand, units, _, _, level, weight = rows[row][:8]
            out[rid] = {"code": code, "group": g, "offerings": [o] if o is not None else comps[rows[row][10]["linked"]],
                        "level": _rendered(level), "weight": _rendered(weight), "share": units, "demand": demand}
        elif code == "capacity_exhausted":
            offs = eligible.get(rid, [])
            out[rid] = {"code": code, "offerings": [offs[0]] if len(offs) == 1 else sorted(set(offs)),
                        "free_capacity": 0}
        else:
            out[rid] = {"code": code}
    return out


def as_v1(doc: dict, round_input: dict) -> dict:
    """The version-1 document of the same round (``doc`` of either version)."""
    if version(doc) == 1:
        return doc
    orgs = {o["id"]: o for o in round_input["orgs"]}
    req_org = {r["id"]: r["org"] for r in round_input["requests"]}
    why = reasons(doc, round_input)
    requests = []
    for rid, units, n, _, _ in doc["requests"]["rows"]:
        org = req_org[rid]
        requests.append({"request": rid, "org": org, "group": orgs[org].get("group", org), "units": units,
                         "allocated": n, "status": "served" if n == units else ("partial" if n else "waiting"),
                         "reason": why[rid]})
    return {
        "engine": doc["engine"],
        "round": doc["round"],
        "policy": {k: _rendered(v) for k, v in doc["policy"].items()},
        "allocations": doc["allocations"],
        "groups": group_rows(doc),
        "requests": requests,
        "offerings": [{k: o[k] for k in ("offering", "capacity", "allocated", "idle")} for o in doc["offerings"]],
    }


def table(doc: dict, round_input: dict | None = None) -> str:
    """A human-readable view of a result of either version (the --explain output); the
    org column of a version-2 result needs ``round_input``."""
    orgs = {}
    if version(doc) == 1:
        reqs = [(r["request"], r["org"], r["allocated"], r["units"], r["reason"]) for r in doc["requests"]]
    else:
        if round_input is not None:
            orgs = {r["id"]: r["org"] for r in round_input["requests"]}
        why = reasons(doc, round_input)
        reqs = [(rid, orgs.get(rid, "-"), n, units, why[rid]) for rid, units, n, _, _ in doc["requests"]["rows"]]
    lines = []
    hdr = f"{'offering':<14} {'group':<14} {'demand':>6} {'floor':>5} {'weight':>8} {'level':>9} {'units':>5}"
    lines += ["Groups at each offering", hdr, "-" * len(hdr)]
    for g in group_rows(doc):
        lvl = "-" if g["level"] is None else g["level"]["exact"]
        lines.append(f"{g['offering']:<14} {g['group']:<14} {g['demand']:>6} {g['floor']:>5} "
                     f"{g['weight']['exact']:>8} {lvl:>9} {g['units']:>5}")
        lines.append(f"{'':<14}   {g['explanation']}")
    lines += ["", "Offerings", f"{'offering':<14} {'capacity':>8} {'allocated':>9} {'idle':>5}"]
    for o in doc["offerings"]:
        lines.append(f"{o['offering']:<14} {o['capacity']:>8} {o['allocated']:>9} {o['idle']:>5}")
    lines += ["", "Requests not fully served"]
    waiting = [r for r in reqs if r[4]]
    for rid, org, n, units, rs in waiting:
        extra = ""
        if rs["code"] == "fair_share_reached":
            lvl = "-" if rs["level"] is None else rs["level"]["exact"]
            extra = f" (group {rs['group']}: level {lvl}, share {rs['share']} of demand {rs['demand']})"
        lines.append(f"  {rid:<12} {org:<12} {n}/{units}  {rs['code']}{extra}")
    if not waiting:
        lines.append("  none")
    return "\n".join(lines) + "\n"
