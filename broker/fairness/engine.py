"""The allocation round: groups, components of linked offerings, and the per-component rule.

Offerings are linked when one live request may be served by both; a component of one
offering runs the single-offering rule of DESIGN.md (water-filling), a larger one the
lexicographic max-min fair flow of ``linked`` and ``maxmin``. Both then split a group's units among its
orgs by org weight and give an org's units to its requests oldest first.
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from math import floor

from .model import Request, Round
from .numbers import Desc, pow2_neg
from .rows import Rows
from .waterfill import fill_int, largest_remainder_int


class Allocation:
    """Mutable result of a round while it is being computed."""

    def __init__(self, rnd: Round):
        self.rnd = rnd
        self.members: dict[str, list[str]] = defaultdict(list)
        self.group_of_org: dict[str, str] = {}
        for org in rnd.orgs.values():
            self.members[org.group].append(org.id)
            self.group_of_org[org.id] = org.group
        self.group_weight = {g: max(rnd.orgs[o].weight for o in ms) for g, ms in self.members.items()}
        self.small = {g: all(rnd.orgs[o].size_class == "small" for o in ms) for g, ms in self.members.items()}
        self.group_guarantee: dict[tuple[str, str], int] = defaultdict(int)    # (group, offering)
        for (org, off), units in rnd.guarantees.items():
            self.group_guarantee[(rnd.orgs[org].group, off)] += units
        self.blocks: dict[str, Rows] = {}                 # offering -> its rows
        self._clamp: dict[str, int] = {}
        self._guar_at: dict[str, dict[str, int]] | None = None

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def give(req: Request, offering: str, units: int) -> None:
        """Record units of ``offering`` for ``req`` (on the request: see model.Request)."""
        got = req.got
        if got is None:
            req.got = {offering: units}
        else:
            got[offering] = got.get(offering, 0) + units

    def group_of(self, req: Request) -> str:
        return req.group

    def guarantee_at(self, offering: str) -> dict[str, int]:
        """Group -> sum of its members' unused guarantees at this offering."""
        if self._guar_at is None:
            self._guar_at = defaultdict(dict)
            for (g, o), units in self.group_guarantee.items():
                self._guar_at[o][g] = units
        return self._guar_at.get(offering, {})

    def guarantee(self, orgs, offering: str) -> int:
        return sum(self.rnd.guarantees.get((o, offering), 0) for o in orgs)

    def clamp(self, offering: str) -> int:
        c = self._clamp.get(offering)
        if c is None:
            off = self.rnd.offerings[offering]
            c = self._clamp[offering] = floor(self.rnd.policy.max_reserved_share * off.period_capacity)
        return c

    def decay_on(self) -> bool:
        return self.rnd.policy.usage_half_life_days != 0 and bool(self.rnd.usage)

    def effective_weights(self, groups, offerings) -> dict[str, Fraction]:
        """w_g * 2^(-U_g/S_g); U_g = the group's share of decayed past units at these offerings."""
        base = {g: self.group_weight[g] for g in groups}
        if not self.decay_on():
            return base
        offs = set(offerings)
        used: dict[str, Fraction] = defaultdict(Fraction)
        total = Fraction(0)
        for (org, off), units in self.rnd.usage.items():
            if off in offs:
                used[self.rnd.orgs[org].group] += units
                total += units
        if total == 0:
            return base
        wsum = sum(base.values(), Fraction(0))
        out = {}
        for g in groups:
            u_share = used.get(g, Fraction(0)) / total
            s_share = base[g] / wsum
            out[g] = base[g] * pow2_neg(u_share / s_share)
        return out


def _components(rnd: Round, live: list[Request]) -> list[tuple[list[str], list[Request]]]:
    """Offerings linked by requests eligible at several of them; requests of each component
    in id order. Only multi-offering requests join offerings, so a round where every request
    names one offering costs one dictionary pass."""
    parent = {}

    def find(x):
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while x != root:              # path compression
            parent[x], x = root, parent[x]
        return root

    for r in live:
        offs = r.offerings
        if len(offs) > 1:
            first = find(offs[0])
            for o in offs[1:]:
                other = find(o)
                if other != first:
                    # the smaller id becomes the root so components are named canonically
                    lo_, hi_ = (first, other) if first < other else (other, first)
                    parent[hi_] = lo_
                    first = lo_
    reqs: dict[str, list[Request]] = defaultdict(list)
    if parent:
        for r in live:
            reqs[find(r.offerings[0])].append(r)
        offs: dict[str, list[str]] = defaultdict(list)
        for o in rnd.offerings:
            offs[find(o)].append(o)
        return [(sorted(offs[root]), reqs[root]) for root in sorted(offs)]
    for r in live:
        reqs[r.offerings[0]].append(r)
    return [([o], reqs[o]) for o in rnd.offerings]     # rnd.offerings is in id order


def run(rnd: Round) -> Allocation:
    alloc = Allocation(rnd)
    live = [r for r in rnd.requests if r.offerings and r.reason_hint is None]
    for offerings, reqs in _components(rnd, live):
        if not reqs:
            continue
        if len(offerings) == 1:
            _single(alloc, offerings[0], reqs)
        else:
            _linked().solve_linked(alloc, offerings, reqs)
    return alloc


def _linked():
    """The linked-offerings rule, loaded on first use: it brings numpy (and through it
    OR-Tools and scipy), about a third of a second of start-up that a round of
    one-offering requests, the common case, does not need. (Not a cycle: ``linked``
    imports ``rows``, never this module.)"""
    from . import linked
    return linked


# -- one offering ----------------------------------------------------------------------
def _oldest(reqs) -> tuple:
    return min(r.priority for r in reqs)


def _single(alloc: Allocation, oid: str, reqs: list[Request]) -> None:
    """The single-offering rule. Groups of equal demand, floor and weight form one *type*
    (same exact share): the level is found over the types, then each group gets its row."""
    rnd = alloc.rnd
    off = rnd.offerings[oid]
    cap = off.capacity
    clamp = alloc.clamp(oid)
    by_group: dict[str, list[Request]] = defaultdict(list)
    for r in reqs:
        by_group[r.group].append(r)
    groups = sorted(by_group)
    lists = [by_group[g] for g in groups]
    n = len(groups)
    demand = [rs[0].units if len(rs) == 1 else sum(r.units for r in rs) for rs in lists]
    guar_here = alloc.guarantee_at(oid)
    if guar_here:
        guar = [guar_here.get(g, 0) for g in groups]
        floors = [min(gu, d, clamp) if gu else 0 for gu, d in zip(guar, demand)]
    else:
        guar = floors = [0] * n
    base = alloc.group_weight
    wmap = alloc.effective_weights(groups, [oid]) if alloc.decay_on() else base
    weights = [wmap[g] for g in groups]

    def tiebreak(i):     # oldest live request of the group here, then group id
        rs = lists[i]
        if len(rs) == 1:
            return ((rs[0].at, rs[0].id), groups[i])
        return (min(r.priority for r in rs), groups[i])

    set_aside = None
    eff_floor = floors
    if rnd.policy.small_set_aside > 0:
        pool = floor(rnd.policy.small_set_aside * cap)
        small = [i for i in range(n) if alloc.small[groups[i]]]
        if small:
            ws = [weights[i] for i in small]
            sd = [demand[i] for i in small]
            _, whole, rem, _ = fill_int(sd, [0] * len(small), [w.numerator for w in ws],
                                        [w.denominator for w in ws], pool)
            got = largest_remainder_int(whole, rem, lambda k: tiebreak(small[k]), min(pool, sum(sd)))
            set_aside = [None] * n
            for k, i in enumerate(small):
                set_aside[i] = got[k]
            eff_floor = [max(floors[i], set_aside[i] or 0) for i in range(n)]
    # types: (demand, floor, weight object) -> index
    keys = list(zip(demand, eff_floor, map(id, weights)))
    type_index = dict.fromkeys(keys)
    for t, key in enumerate(type_index):
        type_index[key] = t
    type_of = [type_index[k] for k in keys]
    tkeys = list(type_index)
    tN = [0] * len(tkeys)
    for t in type_of:
        tN[t] += 1
    first = {}
    for i, t in enumerate(type_of):
        first.setdefault(t, i)
    tW = [weights[first[t]] for t in range(len(tkeys))]
    tD = [k[0] for k in tkeys]
    tF = [k[1] for k in tkeys]
    tA = [w.numerator for w in tW]
    tB = [w.denominator for w in tW]
    level, twhole, trem, M = fill_int(tD, tF, tA, tB, cap, tN)
    lvl = None
    if level is not None:
        P, Q = level
        lvl = Fraction(P, Q)
    # per type: the explanation's case, computed in integers (fair = A P / (B Q))
    twhy = [None] * len(tD)
    if lvl is not None:
        for t in range(len(tD)):
            if trem[t] == 0 and twhole[t] == tF[t] and tF[t] * tB[t] * Q > tA[t] * P:
                twhy[t] = "floor"
            elif trem[t] == 0 and twhole[t] == tD[t]:
                twhy[t] = "demand"
            else:
                twhy[t] = "fair"
    units = _largest_remainder_types(twhole, trem, type_of, tiebreak, min(cap, sum(demand)))
    descs = {id(w): Desc(lvl, w) for w in {id(w): w for w in tW}.values()}   # shared by rows of one weight
    members = []
    for i, (rs, u) in enumerate(zip(lists, units)):
        if len(rs) == 1:
            r = rs[0]
            r.row = i
            members.append([r.org])
            if u:
                if r.got is None:
                    r.got = {oid: u}
                else:
                    alloc.give(r, oid, u)
        else:
            for r in rs:
                r.row = i
            members.append(sorted({r.org for r in rs}))
            _split_group(alloc, rs, u, oid, clamp)
    alloc.blocks[oid] = Rows(oid, [oid], clamp, groups, members, demand, guar, eff_floor, set_aside,
                             [descs[id(w)] for w in weights], [base[g] for g in groups], units,
                             demand, units, [twhy[t] for t in type_of], [trem[t] != 0 for t in type_of])


def _largest_remainder_types(twhole, trem, type_of, tiebreak, total) -> list[int]:
    """``largest_remainder`` when claims come in types (one exact share per type): whole
    remainder classes are served at once; only the class cut by the last unit is ordered
    by ``tiebreak``."""
    tcount = [0] * len(twhole)
    for t in type_of:
        tcount[t] += 1
    left = total - sum(w * c for w, c in zip(twhole, tcount))
    bonus = [0] * len(twhole)
    cut: set[int] = set()
    if left:
        by_rem: dict[int, list[int]] = {}
        for t, r in enumerate(trem):
            if r and tcount[t]:
                by_rem.setdefault(r, []).append(t)
        assert 0 <= left <= sum(tcount[t] for ts in by_rem.values() for t in ts)
        for r in sorted(by_rem, reverse=True):
            ts = by_rem[r]
            k = sum(tcount[t] for t in ts)
            if k <= left:
                for t in ts:
                    bonus[t] = 1
                left -= k
            else:
                cut = set(ts)
                break
            if not left:
                break
    units = [twhole[t] + bonus[t] for t in type_of]
    if cut:
        for i in sorted((i for i, t in enumerate(type_of) if t in cut), key=tiebreak)[:left]:
            units[i] += 1
    return units


def _split_group(alloc: Allocation, reqs: list[Request], units: int, oid: str, clamp: int) -> None:
    """Step 5: org weights (floors = the org's own guarantee), then oldest request first."""
    give = alloc.give
    if len(reqs) == 1:
        if units:
            give(reqs[0], oid, units)
        return
    rnd = alloc.rnd
    by_org: dict[str, list[Request]] = defaultdict(list)
    for r in reqs:
        by_org[r.org].append(r)
    if len(by_org) == 1:
        org_units = {next(iter(by_org)): units}
    else:
        orgs = sorted(by_org)
        d = [sum(r.units for r in by_org[o]) for o in orgs]
        f = [min(rnd.guarantees.get((o, oid), 0), d[k], clamp) for k, o in enumerate(orgs)]
        ws = [rnd.orgs[o].weight for o in orgs]
        _, whole, rem, _ = fill_int(d, f, [w.numerator for w in ws], [w.denominator for w in ws], units)
        got = largest_remainder_int(whole, rem, [(_oldest(by_org[o]), o) for o in orgs], units)
        org_units = dict(zip(orgs, got))
    for o, n in org_units.items():
        for r in sorted(by_org[o], key=lambda r: r.priority):
            take = min(n, r.units)
            if take:
                give(r, oid, take)
            n -= take
