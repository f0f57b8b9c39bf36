"""Exact weighted water-filling with floors and demand caps, and largest-remainder rounding.

x_g(L) = min(D_g, max(f_g, w_g*L)); the level L solves sum x_g(L) = C exactly, by sweeping
the breakpoints f_g/w_g and D_g/w_g of this piecewise-linear function (no bisection).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from math import floor, gcd
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


# -- integer fast path ------------------------------------------------------------------
# The same rule on plain ints, over *types* of claims (equal demand, floor and weight) with
# multiplicities: claims of one type get the same exact share, so a round's 100 000 groups
# become a few dozen types per offering. Weight w_i = A[i]/B[i]; a level L = P/Q. A float
# sweep finds the segment, then the level is solved and every type's position checked with
# integer cross-multiplication; if the check fails (a near-tie fooled the floats) the exact
# Fraction sweep above decides. So the result is always the exact one.

def level_int(D: list, F: list, A: list, B: list, N: list, C: int) -> tuple[int, int]:
    """(P, Q) in lowest terms: the largest L with sum N min(D, max(F, w L)) <= C,
    given 0 <= F <= D, sum(N F) <= C < sum(N D)."""
    n = len(D)
    pts = []
    for i in range(n):
        if F[i] < D[i]:
            w = A[i] / B[i]
            pts.append((F[i] / w, w * N[i], -F[i] * N[i]))
            pts.append((D[i] / w, -w * N[i], D[i] * N[i]))
    pts.sort()
    const, slope = sum(F[i] * N[i] for i in range(n)), 0.0
    for p, ds, dc in pts:
        if const + slope * p > C:
            break
        slope += ds
        const += dc
    if slope > 0:
        exact = _solve_and_check(D, F, A, B, N, C, (C - const) / slope)
        if exact is not None:
            return exact
    claims = [Claim((i, k), D[i], F[i], Fraction(A[i], B[i])) for i in range(n) for k in range(N[i])]
    q = Fraction(_max_level(claims, C))
    return q.numerator, q.denominator


def _solve_and_check(D, F, A, B, N, C, lf):
    """Classify each type at the float level, solve exactly, verify every position."""
    num = C
    slope_b: dict[int, int] = {}
    on_slope = [False] * len(D)
    for i in range(len(D)):
        fair = A[i] / B[i] * lf
        if F[i] >= D[i] or fair >= D[i]:
            num -= D[i] * N[i]
        elif fair <= F[i]:
            num -= F[i] * N[i]
        else:
            on_slope[i] = True
            slope_b[B[i]] = slope_b.get(B[i], 0) + A[i] * N[i]
    if not slope_b:
        return None
    if len(slope_b) == 1:
        (b, a), = slope_b.items()
        P, Q = num * b, a
    else:
        s = sum((Fraction(a, b) for b, a in slope_b.items()), Fraction(0))
        P, Q = num * s.denominator, s.numerator
    if P < 0:
        return None
    g = gcd(P, Q)
    P, Q = P // g, Q // g
    rising = False
    for i in range(len(D)):
        a, fq, dq = A[i] * P, F[i] * B[i] * Q, D[i] * B[i] * Q
        if on_slope[i]:
            if not fq <= a <= dq:
                return None
        elif F[i] >= D[i] or A[i] / B[i] * lf >= D[i]:
            if a < dq and F[i] < D[i]:
                return None
        elif a > fq:
            return None
        if fq <= a < dq:
            rising = True
    # S(L) = C holds; L is the largest such level only if S rises right after it
    return (P, Q) if rising else None


def fill_int(D: list, F: list, A: list, B: list, C: int, N: list | None = None):
    """Exact water-filling on ints (``N``: multiplicity of each type, default 1). Returns
    (level, whole, rem, M): level None (all demand fits) or (P, Q); the share of a claim of
    type i is whole[i] + rem[i]/M with 0 <= rem[i] < M.

    Floors above the capacity are water-filled themselves (x = min(F, w L)), as ``waterfill``.
    """
    n = len(D)
    N = [1] * n if N is None else N
    if sum(D[i] * N[i] for i in range(n)) <= C:
        return None, list(D), [0] * n, 1
    if sum(F[i] * N[i] for i in range(n)) > C:
        D, F = F, [0] * n
    P, Q = level_int(D, F, A, B, N, C)
    whole, rem = [0] * n, [0] * n
    Bl = 1
    for b in set(B):
        Bl = Bl * b // gcd(Bl, b)
    M = Bl * Q
    for i in range(n):
        a, d, f = A[i] * P, D[i] * B[i] * Q, F[i] * B[i] * Q
        if a >= d:
            whole[i] = D[i]
        elif a <= f:
            whole[i] = F[i]
        else:
            whole[i], rem[i] = divmod(A[i] * (Bl // B[i]) * P, M)
    return (P, Q), whole, rem, M


def largest_remainder_int(whole: list, rem: list, tiebreak, total: int) -> list:
    """``largest_remainder`` for ``fill_int`` shares (remainders over one denominator).
    ``tiebreak`` is a list or a function of the index, called only for the claims whose
    remainder ties at the cut."""
    units = list(whole)
    left = total - sum(units)
    if not left:
        return units
    by_rem: dict[int, list[int]] = {}
    for i, r in enumerate(rem):
        if r:
            by_rem.setdefault(r, []).append(i)
    assert 0 <= left <= sum(map(len, by_rem.values()))
    key = tiebreak.__getitem__ if isinstance(tiebreak, list) else tiebreak
    for r in sorted(by_rem, reverse=True):
        idx = by_rem[r]
        if len(idx) > left:
            idx = sorted(idx, key=key)[:left]
        for i in idx:
            units[i] += 1
        left -= len(idx)
        if not left:
            break
    return units
