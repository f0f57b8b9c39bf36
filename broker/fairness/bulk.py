"""The single-offering rule for every offering of a round at once, on columns (numpy).

``engine._single`` computes one offering at a time with a Python object per request and
per group; on a round where every request names one offering the same rule is a handful
of operations on whole columns: rows are the (offering, group) pairs in (offering id, group
id) order, each offering's rows are water-filled together (``segments.fill``), then each
row's orgs (when it has several), then each org's requests oldest first. Same rule, same
tie-breaks, so the same units, rows and document (``document.build``); a test holds the
two paths byte for byte on drawn rounds.

``solve`` returns None (the caller takes the object path) when a weight's denominator or a
product of the arithmetic would leave the exact int64 range.
"""
from __future__ import annotations

from math import floor, gcd, lcm

import numpy as np

from . import segments
from .columns import Columns

I64 = np.int64
WEIGHT_LIMIT = 2**20          # scaled weights (numerator x common denominator / denominator)


class Solved:
    """What the document needs: per row (``row_off``: offering index, ``row_grp``: group
    index into ``groups``) its demand, guarantee, floor, set-aside, units, case (``why``)
    and whether its exact share was whole; per offering the level text; per request
    (id order) the units it got; and which rows list their members."""
    __slots__ = ("cols", "groups", "group_weight", "row_off", "row_grp", "demand", "guarantee", "floor",
                 "set_aside", "units", "why", "rounded", "level_text", "got", "req_row", "members", "clamp", "cap")


def solve(cols: Columns) -> Solved | None:
    """The rule on every offering of the round, or None when its numbers leave the int64 bounds."""
    rnd = cols.rnd
    org_ids = cols.org_ids
    found = _groups(cols)
    if found is None:
        return None
    groups, org_group, group_weight, gA, oA, bl, small = found
    G = len(groups)
    hint = np.zeros(len(cols.ids), bool) if cols.hint is None else np.array([h is not None for h in cols.hint])
    live = np.flatnonzero((cols.off >= 0) & ~hint)
    if not len(live):
        return None
    off, org, units = cols.off[live], cols.org[live], cols.units[live]
    grp = org_group[org]
    n = len(live)
    prio = np.empty(n, I64)          # rank by (submitted_at, id): live is in id order, the sort stable
    prio[np.argsort(cols.at[live], kind="stable")] = np.arange(n)
    # one sort by (offering, group, org, age rank), on one int64 key when the product fits
    sizes = (len(cols.rnd.offerings), G, len(org_ids), n)
    if sizes[0] * sizes[1] * sizes[2] * sizes[3] < 2**63:
        perm = np.argsort(((off * G + grp) * sizes[2] + org) * n + prio)
    else:
        perm = np.lexsort((prio, org, grp, off))
    off, org, grp, units, prio = off[perm], org[perm], grp[perm], units[perm], prio[perm]
    first = np.ones(n, bool)
    first[1:] = (off[1:] != off[:-1]) | (grp[1:] != grp[:-1])
    starts = np.flatnonzero(first)
    row_of = np.cumsum(first) - 1
    row_off, row_grp = off[starts], grp[starts]
    demand = np.add.reduceat(units, starts)
    tie = np.minimum.reduceat(prio, starts)
    offers = list(rnd.offerings.values())
    share = rnd.policy.max_reserved_share
    num, den = share.numerator, share.denominator       # floor(share * period capacity), in ints
    clamp = np.array([num * o.period_capacity // den for o in offers], I64)
    cap = np.array([o.capacity for o in offers], I64)
    # group guarantees: (offering, group) -> units, matched to the rows by key
    gg: dict[int, int] = {}
    off_pos = dict(zip(rnd.offerings, range(len(offers))))
    org_pos = dict(zip(org_ids, range(len(org_ids))))
    org_grp = org_group.tolist()
    for (o, oid), u in rnd.guarantees.items():
        k = off_pos[oid] * G + org_grp[org_pos[o]]
        gg[k] = gg.get(k, 0) + u
    row_key = row_off * G + row_grp
    guarantee = _lookup(row_key, gg)
    fl = np.minimum(np.minimum(guarantee, demand), clamp[row_off])
    # offerings with rows: the water-filling's segments
    seg_first = np.ones(len(starts), bool)
    seg_first[1:] = row_off[1:] != row_off[:-1]
    seg_starts = np.flatnonzero(seg_first)
    seg_off = row_off[seg_starts]
    C = cap[seg_off]
    A = gA[row_grp]
    if not (segments.fits(seg_starts, demand, A, C) and float(C.max()) < 2**52):
        return None
    set_aside = None
    if rnd.policy.small_set_aside > 0:
        fl, set_aside = _set_aside(rnd, small[row_grp], seg_starts, seg_off, demand, fl, A, cap, tie)
    P, Q, contested, whole, rem = segments.fill(seg_starts, demand, fl, A, C)
    total = np.minimum(C, np.add.reduceat(demand, seg_starts))
    row_units = segments.largest_remainder(seg_starts, whole, rem, tie, total)
    why = segments.whys(P, Q, contested, seg_starts, demand, fl, A, whole, rem)
    level_text = _level_texts(len(offers), seg_off[contested], P[contested], Q[contested], bl)
    # the orgs of a row (when several): the same rule inside the group, floors the orgs' own
    # guarantees, total the row's units
    ofirst = first.copy()
    ofirst[1:] |= org[1:] != org[:-1]
    ostarts = np.flatnonzero(ofirst)
    orow = row_of[ostarts]
    per_row = np.bincount(orow, minlength=len(starts))
    org_units = row_units[orow]
    several = np.flatnonzero(per_row[orow] > 1)
    if len(several):
        split = _split(rnd, org_pos, several, ostarts, orow, org, units, prio, off, clamp, oA, row_units)
        if split is None:
            return None
        org_units = org_units.copy()
        org_units[several] = split
    # inside an org: oldest first (the sort put them so), each taking what is left
    oseg = np.cumsum(ofirst) - 1
    before = np.cumsum(units) - units
    before -= before[ostarts][oseg]
    take = np.clip(org_units[oseg] - before, 0, units)
    got = np.zeros(len(cols.ids), I64)
    got[live[perm]] = take
    req_row = np.full(len(cols.ids), -1, I64)
    req_row[live[perm]] = row_of
    out = Solved()
    out.cols, out.groups, out.group_weight = cols, groups, group_weight
    out.row_off, out.row_grp, out.demand, out.guarantee, out.floor = row_off, row_grp, demand, guarantee, fl
    out.set_aside, out.units, out.why, out.rounded = set_aside, row_units, why, rem != 0
    out.level_text, out.got, out.req_row, out.clamp, out.cap = level_text, got, req_row, clamp, cap
    own = np.fromiter(map(str.__eq__, cols.org_group, org_ids), bool, len(org_ids))
    out.members = _members(org_ids, own, org, ostarts, orow, per_row)
    return out


def _groups(cols: Columns):
    """Groups in id order, each org's group (index), the groups' weights (Fractions: each
    its largest member's) and both as integers over one common denominator (``bl``), and
    which groups are small (every member small); None when the weights do not scale."""
    groups = sorted(set(cols.org_group))
    gpos = dict(zip(groups, range(len(groups))))
    org_group = np.fromiter(map(gpos.__getitem__, cols.org_group), I64, len(cols.org_ids))
    scaled = _scaled(cols.weights)
    if scaled is None:
        return None
    scale, bl = scaled
    oA = scale[cols.org_weight]
    gA = np.zeros(len(groups), I64)
    np.maximum.at(gA, org_group, oA)
    by_scaled = dict(zip(scale.tolist(), cols.weights))
    group_weight = [by_scaled[a] for a in gA.tolist()]
    small = np.bincount(org_group, weights=~cols.org_small, minlength=len(groups)) == 0
    return groups, org_group, group_weight, gA, oA, bl, small


def _level_texts(n: int, offs, P, Q, bl: int) -> list:
    """Each offering's level as the document writes it ("7" or "7/3"; None where the demand
    fit): P/Q is in units of 1/bl of a weight, so the level is bl * P / Q in lowest terms."""
    texts = [None] * n
    for o, p, q in zip(offs.tolist(), P.tolist(), Q.tolist()):
        p *= bl
        g = gcd(p, q)
        texts[o] = str(p // g) if q == g else f"{p // g}/{q // g}"
    return texts


def _scaled(weights: list) -> tuple[np.ndarray, int] | None:
    """Weights as integers over their common denominator (and it), or None if too large."""
    den = lcm(*{w.denominator for w in weights})
    if den > WEIGHT_LIMIT:
        return None
    a = [w.numerator * (den // w.denominator) for w in weights]
    if max(a) > WEIGHT_LIMIT:
        return None
    return np.array(a, I64), den


def _lookup(keys: np.ndarray, values: dict) -> np.ndarray:
    """values[key] for each of the sorted ``keys`` (0 where absent)."""
    out = np.zeros(len(keys), I64)
    if values:
        k = np.fromiter(values, I64, len(values))
        v = np.fromiter(values.values(), I64, len(values))
        at = np.searchsorted(keys, k)
        hit = at < len(keys)
        hit[hit] = keys[at[hit]] == k[hit]
        out[at[hit]] = v[hit]
    return out


def _set_aside(rnd, small_row, seg_starts, seg_off, demand, fl, A, cap, tie):
    """Pass 1 of the small-developer set-aside: ⌊s·C⌋ shared by the small groups' rows of
    each offering without floors; their units raise their floors."""
    pool = np.array([floor(rnd.policy.small_set_aside * int(c)) for c in cap], I64)
    rows = np.flatnonzero(small_row)
    aside = np.zeros(len(demand), I64)
    if len(rows):
        seg = segments.spans(seg_starts, len(demand))[rows]
        first = np.ones(len(rows), bool)
        first[1:] = seg[1:] != seg[:-1]
        starts = np.flatnonzero(first)
        C = pool[seg_off[seg[starts]]]
        d, a = demand[rows], A[rows]
        zero = np.zeros(len(rows), I64)
        _, _, _, whole, rem = segments.fill(starts, d, zero, a, C)
        aside[rows] = segments.largest_remainder(starts, whole, rem, tie[rows],
                                                 np.minimum(C, np.add.reduceat(d, starts)))
    # a row shows a set-aside only where its offering had small groups asking (as _single)
    shown = np.zeros(len(demand), bool)
    shown[rows] = True
    return np.maximum(fl, aside), np.where(shown, aside, 0)


def _split(rnd, org_pos, several, ostarts, orow, org, units, prio, off, clamp, oA, row_units):
    """Units of each org of the rows with several orgs (org weights, floors = the org's own
    guarantee at the offering, clamped), ties to the org with the oldest request."""
    seg_rows = orow[several]
    first = np.ones(len(several), bool)
    first[1:] = seg_rows[1:] != seg_rows[:-1]
    starts = np.flatnonzero(first)
    bounds = np.append(ostarts, len(units))
    lo, hi = bounds[several], bounds[several + 1]
    csum = np.concatenate(([0], np.cumsum(units)))
    d = csum[hi] - csum[lo]
    o = org[lo]
    oi = off[lo]
    O = len(rnd.offerings)
    og: dict[int, int] = {}
    off_pos = dict(zip(rnd.offerings, range(O)))
    for (org_id, oid), u in rnd.guarantees.items():
        og[org_pos[org_id] * O + off_pos[oid]] = u
    key = o * O + oi
    order = np.argsort(key, kind="stable")
    g = np.empty(len(key), I64)
    g[order] = _lookup(key[order], og)
    f = np.minimum(np.minimum(g, d), clamp[oi])
    a = oA[o]
    C = row_units[seg_rows[starts]]
    if not segments.fits(starts, d, a, C):
        return None
    _, _, _, whole, rem = segments.fill(starts, d, f, a, C)
    tie = np.minimum.reduceat(prio, ostarts)[several]
    return segments.largest_remainder(starts, whole, rem, tie, C)


def _members(org_ids, own, org, ostarts, orow, per_row) -> dict[int, list[str]]:
    """Row -> its members' ids (orgs with demand there, in id order), for the rows whose
    members are not just the group itself (several orgs, or one org in a group of others)."""
    first_org = org[ostarts]
    at = np.searchsorted(orow, np.arange(len(per_row) + 1))
    lone = (per_row == 1) & own[first_org[at[:-1]]]
    org_list = first_org.tolist()
    bounds = at.tolist()
    return {r: [org_ids[o] for o in org_list[bounds[r]:bounds[r + 1]]] for r in np.flatnonzero(~lone).tolist()}
