"""The allocation round: groups, components of linked offerings, and the per-component rule.

Offerings are linked when one live request may be served by both; a component of one
offering runs the single-offering rule of DESIGN.md (water-filling), a larger one the
lexicographic max-min fair flow of ``multi``. Both then split a group's units among its
orgs by org weight and give an org's units to its requests oldest first.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction
from math import floor

from .model import Request, Round
from .numbers import pow2_neg
from .waterfill import Claim, largest_remainder, waterfill


@dataclass
class GroupRow:
    """What one group got at one offering, and why (the explanation's numbers)."""
    group: str
    offering: str
    members: list[str]
    demand: int
    guarantee: int
    floor: int
    clamp: int
    set_aside: int | None
    weight: Fraction
    base_weight: Fraction
    level: Fraction | None
    share: Fraction | None
    units: int = 0
    linked: list[str] = field(default_factory=list)
    group_demand: int = 0
    group_units: int = 0


class Allocation:
    """Mutable result of a round while it is being computed."""

    def __init__(self, rnd: Round):
        self.rnd = rnd
        self.members: dict[str, list[str]] = defaultdict(list)
        for org in rnd.orgs.values():
            self.members[org.group].append(org.id)
        self.group_weight = {g: max(rnd.orgs[o].weight for o in ms) for g, ms in self.members.items()}
        self.small = {g: all(rnd.orgs[o].size_class == "small" for o in ms) for g, ms in self.members.items()}
        self.served: dict[tuple[str, str], int] = defaultdict(int)       # (request, offering)
        self.rows: list[GroupRow] = []

    # -- helpers ---------------------------------------------------------------------
    def group_of(self, req: Request) -> str:
        return self.rnd.orgs[req.org].group

    def guarantee(self, orgs, offering: str) -> int:
        return sum(self.rnd.guarantees.get((o, offering), 0) for o in orgs)

    def clamp(self, offering: str) -> int:
        off = self.rnd.offerings[offering]
        return floor(self.rnd.policy.max_reserved_share * off.period_capacity)

    def effective_weights(self, groups, offerings) -> dict[str, Fraction]:
        """w_g * 2^(-U_g/S_g); U_g = the group's share of decayed past units at these offerings."""
        base = {g: self.group_weight[g] for g in groups}
        if self.rnd.policy.usage_half_life_days == 0 or not self.rnd.usage:
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
    parent = {o: o for o in rnd.offerings}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in live:
        first = find(r.offerings[0])
        for o in r.offerings[1:]:
            other = find(o)
            if other != first:
                # the smaller id becomes the root so components are named canonically
                lo_, hi_ = sorted((first, other))
                parent[hi_] = lo_
                first = lo_
    offs: dict[str, list[str]] = defaultdict(list)
    reqs: dict[str, list[Request]] = defaultdict(list)
    for o in rnd.offerings:
        offs[find(o)].append(o)
    for r in live:
        reqs[find(r.offerings[0])].append(r)
    return [(sorted(offs[root]), reqs[root]) for root in sorted(offs)]


def run(rnd: Round) -> Allocation:
    alloc = Allocation(rnd)
    live = [r for r in rnd.requests if r.offerings and r.reason_hint is None]
    for offerings, reqs in _components(rnd, live):
        if not reqs:
            continue
        if len(offerings) == 1:
            _single(alloc, offerings[0], reqs)
        else:
            _multi(alloc, offerings, reqs)
    return alloc


# -- one offering ----------------------------------------------------------------------
def _oldest(reqs) -> tuple:
    return min(r.priority for r in reqs)


def _single(alloc: Allocation, oid: str, reqs: list[Request]) -> None:
    rnd = alloc.rnd
    off = rnd.offerings[oid]
    clamp = alloc.clamp(oid)
    by_group: dict[str, list[Request]] = defaultdict(list)
    for r in reqs:
        by_group[alloc.group_of(r)].append(r)
    groups = sorted(by_group)
    demand = {g: sum(r.units for r in by_group[g]) for g in groups}
    guar = {g: alloc.guarantee(alloc.members[g], oid) for g in groups}
    floors = {g: min(guar[g], demand[g], clamp) for g in groups}
    weights = alloc.effective_weights(groups, [oid])
    tiebreak = {g: (_oldest(by_group[g]), g) for g in groups}
    set_aside = {}
    if rnd.policy.small_set_aside > 0:
        pool = floor(rnd.policy.small_set_aside * off.capacity)
        small = [g for g in groups if alloc.small[g]]
        _, shares = waterfill([Claim(g, demand[g], 0, weights[g]) for g in small], pool)
        set_aside = largest_remainder(shares, tiebreak, min(pool, sum(demand[g] for g in small)))
    eff_floor = {g: max(floors[g], set_aside.get(g, 0)) for g in groups}
    level, shares = waterfill([Claim(g, demand[g], eff_floor[g], weights[g]) for g in groups], off.capacity)
    units = largest_remainder(shares, tiebreak, min(off.capacity, sum(demand.values())))
    for g in groups:
        alloc.rows.append(GroupRow(g, oid, sorted({r.org for r in by_group[g]}), demand[g], guar[g],
                                   eff_floor[g], clamp, set_aside.get(g) if set_aside else None,
                                   weights[g], alloc.group_weight[g], level, shares[g], units[g],
                                   [oid], demand[g], units[g]))
        _split_group(alloc, by_group[g], units[g], oid, clamp)


def _split_group(alloc: Allocation, reqs: list[Request], units: int, oid: str, clamp: int) -> None:
    """Step 5: org weights (floors = the org's own guarantee), then oldest request first."""
    rnd = alloc.rnd
    by_org: dict[str, list[Request]] = defaultdict(list)
    for r in reqs:
        by_org[r.org].append(r)
    if len(by_org) == 1:
        org_units = {next(iter(by_org)): units}
    else:
        claims = []
        for o in sorted(by_org):
            d = sum(r.units for r in by_org[o])
            claims.append(Claim(o, d, min(rnd.guarantees.get((o, oid), 0), d, clamp), rnd.orgs[o].weight))
        _, shares = waterfill(claims, units)
        org_units = largest_remainder(shares, {o: (_oldest(by_org[o]), o) for o in by_org}, units)
    for o, n in org_units.items():
        for r in sorted(by_org[o], key=lambda r: r.priority):
            take = min(n, r.units)
            if take:
                alloc.served[(r.id, oid)] += take
            n -= take


# -- linked offerings ------------------------------------------------------------------
def _multi(alloc: Allocation, offerings: list[str], reqs: list[Request]) -> None:
    from .linked import solve_linked
    solve_linked(alloc, offerings, reqs)
