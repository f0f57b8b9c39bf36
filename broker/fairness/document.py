"""The result document (schema version 2) of a round solved on columns (``bulk.solve``):
what ``explain.build`` gives for the same round, made a column at a time.

(Writing its bytes straight from the columns, joining each row's JSON text, was tried and
measured: slower than making the rows' lists and letting orjson write them, except for the
allocations, by a few per cent. See docs/fairness.md, seventh pass.)
"""
from __future__ import annotations

import numpy as np

from .explain import GROUP_COLUMNS, REQUEST_COLUMNS, head
from .numbers import exact_text

_WHY = (None, "floor", "demand", "fair")      # segments.NONE, FLOOR, DEMAND, FAIR
_REASONS = (None, "no_matching_offering", "capacity_exhausted", "fair_share_reached")   # code 0: the hint


class _Parts:
    """The document's columns: rows (``g``, ``o``: ids; ``level``, ``weight``: texts;
    ``why``: codes; ``more``: row -> its extra facts), requests (``reason``: None or a
    code's text, ``row``: -1 for none), served requests and the small parts."""
    __slots__ = ("g", "o", "demand", "units", "floor", "guarantee", "level", "weight", "why", "rounded", "more",
                 "ids", "req_units", "got", "reason", "row", "served", "served_off", "head")


def _parts(solved) -> _Parts:
    cols = solved.cols
    rnd = cols.rnd
    p = _Parts()
    names = np.array(list(rnd.offerings), dtype=object)
    texts: dict[int, str] = {}             # weights are shared objects: one text each
    for w in solved.group_weight:
        if id(w) not in texts:
            texts[id(w)] = exact_text(w)
    rg, ro = solved.row_grp, solved.row_off
    p.g = np.array(solved.groups, dtype=object)[rg].tolist()
    p.o = names[ro].tolist()
    p.demand, p.units, p.floor, p.guarantee = solved.demand, solved.units, solved.floor, solved.guarantee
    p.level = np.array(solved.level_text, dtype=object)[ro].tolist()
    p.weight = np.array([texts[id(w)] for w in solved.group_weight], dtype=object)[rg].tolist()
    p.why, p.rounded = solved.why, solved.rounded
    p.more = {r: {"members": m} for r, m in solved.members.items()}
    if solved.set_aside is not None:
        aside = solved.set_aside
        for r in np.flatnonzero(aside).tolist():
            p.more.setdefault(r, {})["set_aside"] = int(aside[r])
    ids, got, units, off = cols.ids, solved.got, cols.units, cols.off
    p.ids, p.req_units, p.got = ids, units, got
    short = np.flatnonzero(got != units)
    reason = np.full(len(ids), None, dtype=object)
    p.row = np.full(len(ids), -1, dtype=np.int64)
    if len(short):
        o = off[short]
        code = np.where(o < 0, 1, np.where(solved.cap[np.maximum(o, 0)] == 0, 2, 3))
        if cols.hint is not None:
            code[np.array([cols.hint[i] is not None for i in short.tolist()], bool)] = 0
        reason[short] = np.array(_REASONS, dtype=object)[code]
        if cols.hint is not None:
            for i in short[code == 0].tolist():
                reason[i] = cols.hint[i]
        fair = short[code == 3]
        p.row[fair] = solved.req_row[fair]
    p.reason = reason
    p.served = np.flatnonzero(got)
    p.served_off = names[off[p.served]].tolist()
    used = np.bincount(off[p.served], weights=got[p.served], minlength=len(names)).astype(np.int64).tolist()
    p.head = {
        **head(rnd),
        "linked": [],
        "offerings": [{"offering": o.id, "capacity": o.capacity, "allocated": u, "idle": o.capacity - u,
                       "reservation_limit": c}
                      for o, u, c in zip(rnd.offerings.values(), used, solved.clamp.tolist())],
    }
    return p


def build(solved) -> dict:
    """The document as a dict."""
    p = _parts(solved)
    rows = list(map(list, zip(p.g, p.o, p.demand.tolist(), p.units.tolist(), p.floor.tolist(),
                              p.guarantee.tolist(), p.level, p.weight, np.array(_WHY, dtype=object)[p.why].tolist(),
                              p.rounded.tolist())))
    for r, m in p.more.items():
        rows[r].append(m)
    got = p.got.tolist()
    row = np.where(p.row < 0, None, p.row.astype(object)).tolist()
    requests = list(map(list, zip(p.ids, p.req_units.tolist(), got, p.reason.tolist(), row)))
    ids = p.ids
    allocations = [{"request": ids[i], "offering": o, "units": got[i]} for i, o in zip(p.served.tolist(), p.served_off)]
    return {**p.head, "allocations": allocations, "groups": {"columns": GROUP_COLUMNS, "rows": rows},
            "requests": {"columns": REQUEST_COLUMNS, "rows": requests}}

