"""``waterfill.fill_int`` and the largest remainder on many independent segments at once
(numpy): every offering of a round, or every group's orgs at its offerings.

Items of a segment are contiguous; weights are integers (the caller scales them by one
common denominator, so a level here is the level in weight units divided by it). As in
``fill_int``, a float sweep over the breakpoints F/w and D/w finds each segment's piece of
the piecewise-linear sum, then the level is solved in integers and every item's position
(on its floor, on the slope, at its demand) and the rise of the sum right after the level
are checked by integer cross-multiplication. A segment that fails a check (floats fooled by
a near-tie) is computed by ``fill_int`` itself, so the result is always the exact one.
Callers keep every product below 2^62 (``fits``).
"""
from __future__ import annotations

import numpy as np


I64 = np.int64
LIMIT = float(2**62)
NONE, FLOOR, DEMAND, FAIR = 0, 1, 2, 3       # ``why``: the explanation's case of a share


def fits(starts, D, A, C) -> bool:
    """Whether every product the fill forms stays inside int64 (levels are at most C over
    the weights' sum; see ``fill``)."""
    if not len(D):
        return True
    sum_a = np.add.reduceat(A, starts).astype(float)
    return (float(A.max()) * float(C.max()) < LIMIT and float(D.max()) * float(sum_a.max()) < LIMIT
            and float(D.max()) * float(A.max()) < LIMIT)


def spans(starts, n: int):
    """Segment index of every item."""
    return np.repeat(np.arange(len(starts), dtype=I64), np.diff(np.append(starts, n)))


def fill(starts, D, F, A, C):
    """Exact water-filling of every segment: segment s shares C[s] among its items with
    demands D, floors F (0 <= F <= D) and weights A. Returns (P, Q, contested, whole, rem):
    the level P/Q of each contested segment (total demand above C; the others have none),
    each item's share whole + rem/Q' (one denominator Q' per segment: remainders compare
    within a segment)."""
    n, S = len(D), len(starts)
    seg = spans(starts, n)
    sum_d = np.add.reduceat(D, starts)
    sum_f = np.add.reduceat(F, starts)
    contested = sum_d > C
    P = np.zeros(S, I64)
    Q = np.ones(S, I64)
    whole, rem = D.copy(), np.zeros(n, I64)
    if not contested.any():
        return P, Q, contested, whole, rem
    swap = (contested & (sum_f > C))[seg]      # floors above the capacity: the floors are filled
    De = np.where(swap, F, D)
    Fe = np.where(swap, 0, F)
    lf = _float_levels(seg, De, Fe, A, C, contested, S)
    ok = contested & ~np.isnan(lf)
    fair = A * lf[seg]
    at_d = (Fe >= De) | (fair >= De)
    at_f = ~at_d & (fair <= Fe)
    on = ~at_d & ~at_f
    num = C - np.add.reduceat(np.where(at_d, De, 0), starts) - np.add.reduceat(np.where(at_f, Fe, 0), starts)
    den = np.add.reduceat(np.where(on, A, 0), starts)
    ok &= (den > 0) & (num >= 0)
    g = np.gcd(num, den)
    g[g == 0] = 1
    P = np.where(ok, num // g, 0)
    Q = np.where(ok, den // g, 1)
    a, fq, dq = A * P[seg], Fe * Q[seg], De * Q[seg]
    wrong = (on & ((fq > a) | (a > dq))) | (at_d & (a < dq) & (Fe < De)) | (at_f & (a > fq))
    rising = (fq <= a) & (a < dq)
    ok &= ~np.logical_or.reduceat(wrong, starts) & np.logical_or.reduceat(rising, starts)
    bad = contested & ~ok
    q = Q[seg]
    cont = contested[seg]
    whole = np.where(~cont | (a >= dq), De, np.where(a <= fq, Fe, a // q))
    rem = np.where(~cont | (a >= dq) | (a <= fq), 0, a % q)
    if bad.any():
        from .waterfill import fill_int       # rarely needed: not at start-up
    for s in np.flatnonzero(bad).tolist():       # exact sweep of fill_int for what floats could not settle
        lo, hi = int(starts[s]), int(starts[s + 1]) if s + 1 < S else n
        level, w, r, _ = fill_int(D[lo:hi].tolist(), F[lo:hi].tolist(), A[lo:hi].tolist(), [1] * (hi - lo),
                                  int(C[s]))
        P[s], Q[s] = level
        whole[lo:hi], rem[lo:hi] = w, r
    return P, Q, contested, whole, rem


def _float_levels(seg, De, Fe, A, C, contested, S):
    """Each contested segment's level in floats (NaN where the sweep finds none): the sum
    over the breakpoints in order, up to the first one past the capacity."""
    m = np.flatnonzero((Fe < De) & contested[seg])
    es = seg[m]
    af = A[m].astype(float)
    s = np.concatenate((es, es))
    p = np.concatenate((Fe[m] / af, De[m] / af))
    ds = np.concatenate((af, -af))
    dc = np.concatenate((-Fe[m], De[m])).astype(float)
    o = np.lexsort((p, s))
    s, p, ds, dc = s[o], p[o], ds[o], dc[o]
    head = np.searchsorted(s, s)                 # first event of each event's segment
    slope = np.cumsum(ds) - ds                   # sums of the events before, within the segment
    slope -= slope[head]
    const = np.cumsum(dc) - dc
    const += np.bincount(seg, weights=Fe.astype(float), minlength=S)[s] - const[head]
    over = np.flatnonzero(const + slope * p > C[s])
    lf = np.full(S, np.nan)
    if len(over):
        segs, first = np.unique(s[over], return_index=True)
        k = over[first]
        good = slope[k] > 0
        lf[segs[good]] = (C[segs[good]] - const[k[good]]) / slope[k[good]]
    return lf


def whys(P, Q, contested, starts, D, F, A, whole, rem):
    """The explanation's case of each item's exact share (``engine._single``'s ``twhy``):
    on its floor above the fair share, at its demand, or the fair share; NONE when the
    segment had no level."""
    seg = spans(starts, len(D))
    exact = rem == 0
    floor = exact & (whole == F) & (F * Q[seg] > A * P[seg])
    why = np.where(floor, FLOOR, np.where(exact & (whole == D), DEMAND, FAIR))
    return np.where(contested[seg], why, NONE)


def largest_remainder(starts, whole, rem, tie, total):
    """Whole units: each segment's ``total`` minus its whole parts go one each to the largest
    remainders, ties to the smaller ``tie`` (``largest_remainder_int`` per segment)."""
    n = len(whole)
    seg = spans(starts, n)
    left = total - np.add.reduceat(whole, starts)
    units = whole.copy()
    if not left.any():
        return units
    cand = np.flatnonzero(rem > 0)
    cs = seg[cand]
    o = np.lexsort((tie[cand], -rem[cand], cs))
    cand, cs = cand[o], cs[o]
    pos = np.arange(len(cand)) - np.searchsorted(cs, cs)
    assert (left >= 0).all() and (left <= np.bincount(cs, minlength=len(starts))).all()
    units[cand[pos < left[cs]]] += 1
    return units
