"""Exact weighted water-filling with floors and demand caps, and largest-remainder rounding.

x_g(L) = min(D_g, max(f_g, w_g*L)); the level L solves sum x_g(L) = C exactly, by sweeping
the breakpoints f_g/w_g and D_g/w_g of this piecewise-linear function (no bisection).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import floor
from typing import Hashable, Sequence


@dataclass(frozen=True)
class Claim:
    key: Hashable
    demand: Fraction | int          # D_g
    floor: Fraction | int           # f_g, 0 <= f_g <= D_g
    weight: Fraction | int          # w_g > 0


def share(claim: Claim, level: Fraction | None) -> Fraction:
    """x_g(L); a level of None means 'no contention', everybody gets its demand."""
    if level is None:
        return claim.demand
    # ints compare with Fractions exactly; build a Fraction only for the level share
    if claim.demand <= claim.floor:
        return claim.demand
    fair = claim.weight * level
    if fair >= claim.demand:
        return claim.demand
    return claim.floor if claim.floor >= fair else fair


def _ratio(a, b):
    """a/b exactly; an int when it divides (ints hash and sort with Fractions)."""
    if isinstance(a, int) and isinstance(b, int):
        q, r = divmod(a, b)
        return q if r == 0 else Fraction(a, b)
    return Fraction(a) / b


def _max_level(claims: Sequence[Claim], target: Fraction) -> Fraction:
    """Largest L with sum x_g(L) <= target, assuming sum f_g <= target < sum D_g."""
    events: dict = {}
    const = 0
    for c in claims:
        w = c.weight
        const += c.floor
        if c.floor < c.demand:   # a group whose floor is its demand never sits on the slope
            events.setdefault(_ratio(c.floor, w), []).append((w, -c.floor))
            events.setdefault(_ratio(c.demand, w), []).append((-w, c.demand))
    slope = 0
    for point in sorted(events):
        if const + slope * point > target:
            return Fraction(target - const) / slope
        for dslope, dconst in events[point]:
            slope += dslope
            const += dconst
    raise AssertionError("target not below total demand")


def waterfill(claims: Sequence[Claim], capacity: int | Fraction) -> tuple[Fraction | None, dict]:
    """Level and exact shares {key: Fraction}; level None when all demand fits.

    If the floors alone exceed the capacity (a reservation met after capacity shrank, or
    set-aside floors), the floors themselves are water-filled: x_g = min(f_g, w_g*L).
    """
    total_demand = sum(c.demand for c in claims)
    if total_demand <= capacity:
        return None, {c.key: c.demand for c in claims}
    total_floor = sum(c.floor for c in claims)
    if total_floor > capacity:
        capped = [Claim(c.key, c.floor, 0, c.weight) for c in claims]
        level = _max_level(capped, capacity)
        return level, {c.key: share(c, level) for c in capped}
    level = _max_level(claims, capacity)
    return level, {c.key: share(c, level) for c in claims}


def largest_remainder(shares: dict, tiebreak: dict, total: int | None = None) -> dict:
    """Whole units: floors first, then one unit each to the largest fractional parts.

    ``tiebreak[key]`` orders equal remainders (smaller first: oldest pending request,
    then id). ``total`` defaults to the sum of shares, which must then be an integer.
    """
    units = {k: floor(v) for k, v in shares.items()}
    if total is None:
        exact = Fraction(sum(shares.values()))
        assert exact.denominator == 1, "shares must add up to whole units"
        total = int(exact)
    left = total - sum(units.values())
    order = sorted((k for k in shares if shares[k] != units[k]),
                   key=lambda k: (-(shares[k] - units[k]), tiebreak[k]))
    assert 0 <= left <= len(order)
    for k in order[:left]:
        units[k] += 1
    return units
