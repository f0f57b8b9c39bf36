"""Progressive filling without a max-flow per level: every breakpoint of the nested minimum
cuts at once, by divide and conquer with contraction (Gallo, Grigoriadis, Tarjan 1989), for
networks whose principals all leave the source (the group stage).

Why it is exact. Let every principal P (edge s -> h_P) carry its unfrozen target
T_P(L) = min(D, max(F, w L)) and, for a node set X without s,

    c_L(X) = hi(arcs leaving X) - lo(arcs entering X) - sum_{h_P in X} T_P(L)

(fixed arcs only in the first two terms). Hoffman: the bounds at level L are feasible iff
min c_L >= 0, and the nodes that cannot reach s in the residual graph of a feasible flow
form the largest minimiser M(L). c_L is submodular and falls in L by a modular amount, so
M(L) only grows with L. With W the largest tight set of the frozen principals, the frozen
problem's c' is c_L(Z u W) - c_L(W) (W tight: its principals' totals are its capacity), so
the exact loop's levels are: L1 = the last L at which the empty set minimises c_L, and
L_{j+1} = the last L at which M(L_j) still minimises c_L; a principal freezes at the first of
these levels at or after both mu(h_P) = min{L : h_P in M(L)} and D/w, or gets its demand
(level None) when there is none. Each level L_{j+1} has a principal frozen there that rises
just after it (else M(L_j) would stay a minimiser), and from that:

    levels = { mu_P  for each P with F/w <= mu_P < D/w }
           u { F/w   for each P with mu_P < F/w < D/w and no level in [mu_P, F/w) }

(a principal that joins a tight set while its floor holds it flat, and is not frozen before
its floor gives way, makes a level where it starts to rise). So the whole filling is known
once mu(v) is known for every node, and mu comes from the function L -> M(L):

``_walk(La, Lb, A, B)`` with A = M(La), B = M-(Lb) (the largest minimiser just below Lb):
every node of B \\ A has mu in (La, Lb). Take Lx, the least L at which c_L(B) <= c_L(A) (one
piecewise-linear equation), and one max-flow on the network with A contracted into the
source side and everything outside B into the sink side: its residual graph gives M(Lx)
(nodes that cannot reach the sink) and M-(Lx) (among the minimisers at Lx, those least
increased just below Lx: nodes that reach neither the sink nor a head rising into Lx outside
the smallest minimiser). Nodes of M(Lx) \\ M-(Lx) have mu = Lx; recurse on both sides. Each
call assigns a node or splits B \\ A in two (Lx is the least crossing, so M-(Lx) != B, and
M(Lx) = A would make B a minimiser at Lx), and each node takes part in as many max-flows as
its side's recursion is deep, not one per level.
"""
from __future__ import annotations

from fractions import Fraction
from math import lcm

import numpy as np

from . import native

SS, TT = -1, -2     # an arc end contracted into the source side (a set A) or the sink side


class Abort(Exception):
    """Numbers beyond int64 (or a case this method does not cover): use the filling."""


def fill(n, s, tails, heads, lo, hi, unbounded, principals):
    """(totals, levels) as ``maxmin.lexmaxmin`` for principals that all leave node ``s``,
    integer demands and floors; raises ``Abort`` when the numbers do not fit."""
    return _Breakpoints(n, s, tails, heads, lo, hi, unbounded, principals).run()


def _ints(values):
    arr = native.ints(values, len(values))
    if arr is None:
        raise Abort
    return arr


class _Breakpoints:
    def __init__(self, n, s, tails, heads, lo, hi, unbounded, principals):
        self.n, self.s = n, s
        self.T, self.H, self.LO, self.HI, self.UNB = tails, heads, lo, hi, unbounded
        self.principals = principals
        self.D = _ints([int(p.demand) for p in principals])
        self.F = _ints([int(p.floor) for p in principals])
        self.Bl = lcm(*{p.weight.denominator for p in principals})
        if self.Bl >= native.LIMIT:
            raise Abort
        self.WA = _ints([p.weight.numerator * (self.Bl // p.weight.denominator) for p in principals])
        self.PH = np.array([p.head for p in principals], dtype=np.int64)
        self.active = self.D > self.F
        self.fixed_sum = int(lo.sum()) + int(hi.sum())
        self.mu: dict[int, tuple[int, int] | None] = {}
        self.loc = np.zeros(n, dtype=np.int64)     # scratch: node -> local number in one call

    # -- levels as exact (P, Q), Q > 0 --------------------------------------------------
    def _scaled_targets(self, idx, P, Q):
        """T_P(P/Q) * Q * Bl for principals ``idx`` (int64, checked)."""
        den = Q * self.Bl
        # den and P themselves too: numpy cannot multiply by an int beyond int64 even when
        # the principals' part is empty or zero
        if den >= native.LIMIT or P >= native.LIMIT or int(self.D[idx].max(initial=0)) * den >= native.LIMIT or \
                int(self.WA[idx].max(initial=0)) * P >= native.LIMIT:
            raise Abort
        return np.minimum(self.D[idx] * den, np.maximum(self.F[idx] * den, self.WA[idx] * P))

    def _tau(self, idx, P, Q) -> Fraction:
        t = self._scaled_targets(idx, P, Q)
        total = int(t.sum()) if len(t) * (Q * self.Bl) * (int(self.D[idx].max(initial=0)) + 1) < native.LIMIT \
            else sum(t.tolist())
        return Fraction(total, Q * self.Bl)

    def _least_level(self, idx, need: Fraction, La: Fraction, Lb: Fraction) -> Fraction:
        """The least L in (La, Lb) with sum_{P in idx} T_P(L) >= need (it exists)."""
        act = idx[self.active[idx]]
        fast = self._least_level_float(act, idx, need, La, Lb)
        if fast is not None:
            return fast
        # kinks F/w and D/w inside the interval, as exact fractions, sorted
        kinks = set()
        for d, f, a in zip(self.D[act].tolist(), self.F[act].tolist(), self.WA[act].tolist()):
            for v in (Fraction(f * self.Bl, a), Fraction(d * self.Bl, a)):
                if La < v < Lb:
                    kinks.add(v)
        pts = [La] + sorted(kinks) + [Lb]
        return self._crossing(idx, need, pts)

    def _crossing(self, idx, need, pts):
        """The crossing of ``need`` by tau on sorted points pts, tau(pts[0]) < need <=
        tau(pts[-1]), taken as linear between neighbours."""
        lo_i, hi_i = 0, len(pts) - 1
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            if self._tau(idx, pts[mid].numerator, pts[mid].denominator) >= need:
                hi_i = mid
            else:
                lo_i = mid
        a, b = pts[lo_i], pts[hi_i]
        ta, tb = self._tau(idx, a.numerator, a.denominator), self._tau(idx, b.numerator, b.denominator)
        assert ta < need <= tb, "no crossing inside the interval"
        return a + (need - ta) * (b - a) / (tb - ta)

    def _least_level_float(self, act, idx, need, La, Lb):
        """The same, with the kinks ordered as floats and only the probed ones made exact;
        the answer is checked exactly (tau meets ``need`` there and rises just below it, so
        nothing smaller does), else None."""
        bl = self.Bl
        num = np.concatenate([self.F[act], self.D[act]]) * bl
        den = np.concatenate([self.WA[act], self.WA[act]])
        kf = num / den
        sel = np.flatnonzero((kf > float(La)) & (kf < float(Lb)))
        sel = sel[np.argsort(kf[sel], kind="stable")]

        def point(i):
            if i == 0:
                return La
            if i == len(sel) + 1:
                return Lb
            j = sel[i - 1]
            return min(max(Fraction(int(num[j]), int(den[j])), La), Lb)

        lo_i, hi_i = 0, len(sel) + 1
        while hi_i - lo_i > 1:
            mid = (lo_i + hi_i) // 2
            v = point(mid)
            if self._tau(idx, v.numerator, v.denominator) >= need:
                hi_i = mid
            else:
                lo_i = mid
        a, b = point(lo_i), point(hi_i)
        if not a < b:
            return None
        ta, tb = self._tau(idx, a.numerator, a.denominator), self._tau(idx, b.numerator, b.denominator)
        if not ta < need <= tb:
            return None
        x = a + (need - ta) * (b - a) / (tb - ta)
        if self._tau(idx, x.numerator, x.denominator) != need:
            return None
        P, Q = x.numerator, x.denominator
        d, f, w = self.D[act], self.F[act], self.WA[act]
        if P * int(w.max(initial=0)) >= native.LIMIT or Q * bl * int(d.max(initial=0)) >= native.LIMIT:
            return None
        if not ((f * (Q * bl) < w * P) & (w * P <= d * (Q * bl))).any():
            return None     # flat just below: the least crossing may be further left
        return x

    # -- one max-flow: M(L) and M-(L) between A and B -----------------------------------
    def _cut(self, L: Fraction, mid, arcs, tcode, hcode, prin):
        """Masks over ``mid``: (in M(L), in M-(L)). ``tcode``/``hcode``: each arc end's node if
        it is in ``mid``, else SS (inside A) or TT (outside B, or s)."""
        P, Q = L.numerator, L.denominator
        den = Q * self.Bl
        k = len(mid)
        self.loc[mid] = np.arange(k)
        ss, tt = k, k + 1
        tl = np.where(tcode >= 0, self.loc[np.maximum(tcode, 0)], np.where(tcode == SS, ss, tt))
        hl = np.where(hcode >= 0, self.loc[np.maximum(hcode, 0)], np.where(hcode == SS, ss, tt))
        lo, hi, unb = self.LO[arcs], self.HI[arcs], self.UNB[arcs]
        pt = self._scaled_targets(prin, P, Q)
        big = 1 + self.fixed_sum * den + int(pt.sum()) + int(self.D[prin].sum()) * den
        if big >= native.LIMIT or self.fixed_sum * den >= native.LIMIT:
            raise Abort
        excess = np.zeros(k + 2, dtype=np.int64)
        np.add.at(excess, hl, lo * den)
        np.subtract.at(excess, tl, lo * den)
        np.add.at(excess, self.loc[self.PH[prin]], pt)
        excess = excess[:k]
        cap = np.where(unb, big, (hi - lo) * den)
        keep = (tl != hl) & (tl != tt) & (hl != ss)
        pos, neg = np.flatnonzero(excess > 0), np.flatnonzero(excess < 0)
        at = np.concatenate([tl[keep], np.full(len(pos), ss), neg]).astype(np.int64)
        ah = np.concatenate([hl[keep], pos, np.full(len(neg), tt)]).astype(np.int64)
        acap = np.concatenate([cap[keep], excess[pos], -excess[neg]]).astype(np.int64)
        # every capacity fits (``big`` is checked above) and so must the flow out of ss and
        # into tt; the sum of all capacities need not: thousands of unbounded arcs at ``big``
        # each made it overflow (and abort to the level-by-level filling) on large rounds
        if int(excess[pos].sum()) >= native.LIMIT or -int(excess[neg].sum()) >= native.LIMIT:
            raise Abort
        net = native._solvers()[0].SimpleMaxFlow()
        net.add_arcs_with_capacity(at, ah, acap)
        if net.solve(ss, tt) != net.OPTIMAL:
            raise Abort
        from_ss = np.zeros(k + 2, dtype=bool)
        from_ss[net.get_source_side_min_cut()] = True
        to_tt = np.zeros(k + 2, dtype=bool)
        to_tt[net.get_sink_side_min_cut()] = True
        in_m = ~to_tt[:k]
        # heads rising into L from below, outside the smallest minimiser: M-(L) is what
        # reaches neither them nor the sink
        pl = self.loc[self.PH[prin]]
        wa, d, f = self.WA[prin], self.D[prin], self.F[prin]
        rising = (f * den < wa * P) & (wa * P <= d * den) & (d > f)
        g = np.unique(pl[rising])
        g = g[~from_ss[g] & ~to_tt[g]]
        if not len(g):
            return in_m, in_m
        flows = net.flows(np.arange(len(at), dtype=np.int64))
        fwd, bwd = flows < acap, flows > 0
        # residual arcs reversed: v -> u for each residual u -> v
        ru = np.concatenate([ah[fwd], at[bwd]])
        rv = np.concatenate([at[fwd], ah[bwd]])
        to_g = _reach(k + 2, ru, rv, g)
        in_minus = in_m & ~to_g[:k]
        return in_m, in_minus

    # -- the walk --------------------------------------------------------------------------
    def run(self):
        principals = self.principals
        n, s = self.n, self.s
        top = None
        if self.active.any():
            act = np.flatnonzero(self.active)
            ratio = self.D[act] * self.Bl / self.WA[act]
            near = act[ratio >= ratio.max() * (1 - 1e-9)]
            top = max(Fraction(int(self.D[i]) * self.Bl, int(self.WA[i])) for i in near.tolist())
        totals: dict[int, Fraction] = {}
        levels: dict[int, Fraction | None] = {}
        if top is None:
            for i, p in enumerate(principals):
                totals[i], levels[i] = p.demand, None
            return totals, levels
        nodes = np.array([v for v in range(n) if v != s], dtype=np.int64)
        arcs = np.arange(len(self.T), dtype=np.int64)
        tcode = np.where(self.T == s, TT, self.T)
        hcode = np.where(self.H == s, TT, self.H)
        prin = np.flatnonzero(self.PH != s)
        mu = np.full(n, -1, dtype=np.int64)     # index into self.values, -1: never (infinity)
        self.values: list[Fraction] = []

        def assign(ids, L):
            self.values.append(L)
            mu[ids] = len(self.values) - 1

        # M(0): everything at its floor
        in0, _ = self._cut(Fraction(0), nodes, arcs, tcode, hcode, prin)
        assign(nodes[in0], Fraction(0))
        rest = nodes[~in0]
        a_set = nodes[in0]
        # M(top) and M-(top) above M(0)
        if len(rest):
            sub = _Sub(self, rest, arcs, tcode, hcode, prin, a_side=a_set, b_out=np.zeros(0, dtype=np.int64))
            in_t, in_tm = self._cut(top, sub.mid, sub.arcs, sub.tcode, sub.hcode, sub.prin)
            assign(sub.mid[in_t & ~in_tm], top)
            stack = [(Fraction(0), top, sub.restrict(in_tm))] if in_tm.any() else []
            while stack:
                La, Lb, call = stack.pop()
                need = self._kappa_gap(call)
                Lx = self._least_level(call.prin, need, La, Lb)
                in_m, in_minus = self._cut(Lx, call.mid, call.arcs, call.tcode, call.hcode, call.prin)
                assign(call.mid[in_m & ~in_minus], Lx)
                if in_minus.any():
                    stack.append((La, Lx, call.restrict(in_minus)))
                upper = ~in_m
                if upper.any():
                    stack.append((Lx, Lb, call.restrict_upper(in_m)))
        return self._levels(mu, totals, levels)

    def _kappa_gap(self, call) -> Fraction:
        """c(B) - c(A) without the principals: what the principals of B \\ A must exceed."""
        arcs, tc, hc = call.arcs, call.tcode, call.hcode
        t_in_b, h_in_b = tc != TT, hc != TT
        t_in_a, h_in_a = tc == SS, hc == SS
        out_b, in_b = t_in_b & ~h_in_b, h_in_b & ~t_in_b
        out_a, in_a = t_in_a & ~h_in_a, h_in_a & ~t_in_a
        unb = self.UNB[arcs]
        assert not (unb & out_b).any() and not (unb & out_a).any(), "an unbounded arc leaves a minimiser"
        hi, lo = self.HI[arcs], self.LO[arcs]
        gap = int(hi[out_b].sum()) - int(lo[in_b].sum()) - int(hi[out_a].sum()) + int(lo[in_a].sum())
        return Fraction(gap)

    def _levels(self, mu, totals, levels):
        """The exact loop's levels and every principal's freeze, from mu (module docstring).
        Per principal in arrays: mu as a rank among the few distinct values, its kinks F/w and
        D/w compared with levels by cross-multiplication (Python ints where int64 may not do)."""
        principals = self.principals
        vals = self.values
        order = sorted(range(len(vals)), key=vals.__getitem__)
        rank = np.empty(len(vals) + 1, dtype=np.int64)
        rank[order] = np.arange(len(vals))
        rank[len(vals)] = -1
        sorted_vals = [vals[i] for i in order]
        m_idx = mu[self.PH]                               # -1: never in a tight set
        m_rank = rank[np.where(m_idx < 0, len(vals), m_idx)]
        act = self.active
        bl = self.Bl
        fnum, dnum, wden = self.F * bl, self.D * bl, self.WA   # F/w = fnum/wden, D/w = dnum/wden
        vnum = _big([v.numerator for v in sorted_vals])
        vden = _big([v.denominator for v in sorted_vals])
        has = act & (m_rank >= 0)
        r = np.maximum(m_rank, 0)
        mv_num, mv_den = vnum[r], vden[r]
        # F/w <= mu and mu < D/w ; mu < F/w
        f_le = _le(fnum, wden, mv_num, mv_den)
        mu_lt_d = ~_le(dnum, wden, mv_num, mv_den)
        cand_a = np.unique(m_rank[has & f_le & mu_lt_d])
        found = sorted({sorted_vals[j] for j in cand_a.tolist()})
        b = np.flatnonzero(has & ~f_le)                    # mu < F/w < D/w
        if len(b):
            g = np.gcd(fnum[b], wden[b])
            keys = np.unique(np.stack([fnum[b] // g, wden[b] // g, m_rank[b]], axis=1), axis=0)
            pairs = sorted((Fraction(int(a), int(c)), sorted_vals[int(k)]) for a, c, k in keys.tolist())
            for lf, mv in pairs:
                j = _first_at_or_after(found, mv)
                if j < len(found) and found[j] < lf:
                    continue                                # frozen before its floor gives way
                if j >= len(found) or found[j] != lf:
                    found.insert(_first_at_or_after(found, lf), lf)
        # each principal: the first level at or after min(mu, D/w)
        count = len(principals)
        first = np.full(count, len(found), dtype=np.int64)
        if found:
            fnum_l = _big([v.numerator for v in found])
            fden_l = _big([v.denominator for v in found])
            j_mu = np.array([_first_at_or_after(found, v) for v in sorted_vals] + [len(found)], dtype=np.int64)
            first = np.where(m_rank >= 0, j_mu[np.where(m_rank >= 0, m_rank, len(sorted_vals))], len(found))
            fl = np.array([float(v) for v in found])
            j_d = np.searchsorted(fl, dnum / wden, side="left")
            for _ in range(len(found) + 1):       # exact: found[j-1] < D/w <= found[j]
                lower = j_d > 0
                jm = np.maximum(j_d - 1, 0)
                back = lower & _le(dnum, wden, fnum_l[jm], fden_l[jm])
                jj = np.minimum(j_d, len(found) - 1)
                fwd = (j_d < len(found)) & ~_le(dnum, wden, fnum_l[jj], fden_l[jj])
                if not back.any() and not fwd.any():
                    break
                j_d = j_d - back + fwd
            first = np.minimum(first, j_d)
        for i, j in enumerate(np.where(act, first, len(found)).tolist()):
            p = principals[i]
            if j < len(found):
                totals[i], levels[i] = p.target(found[j]), found[j]
            else:
                totals[i], levels[i] = p.demand, None
        return totals, levels


def _big(values) -> np.ndarray:
    """int64 array, or an array of Python ints when a value does not fit."""
    arr = native.ints(values, len(values))
    return arr if arr is not None else np.array(values, dtype=object)


def _le(a, b, c, d) -> np.ndarray:
    """a/b <= c/d elementwise for positive b, d: exact (Python ints when products may not
    fit int64)."""
    if any(x.dtype == object for x in (a, b, c, d)) or _too_big(a, d) or _too_big(c, b):
        a, b, c, d = (np.asarray(x, dtype=object) for x in (a, b, c, d))
        return np.asarray(a * d <= c * b, dtype=bool)
    return a * d <= c * b


def _too_big(x, y) -> bool:
    mx = int(np.abs(x).max(initial=0)) if len(x) else 0
    my = int(np.abs(y).max(initial=0)) if len(y) else 0
    return mx * my >= 1 << 62


def _first_at_or_after(sorted_list, x) -> int:
    lo, hi = 0, len(sorted_list)
    while lo < hi:
        mid = (lo + hi) // 2
        if sorted_list[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _reach(n, ru, rv, starts):
    """Mask of nodes reachable from ``starts`` along arcs ru -> rv."""
    from scipy.sparse.csgraph import breadth_first_order
    z = n       # a virtual node with an arc to every start
    rows = np.concatenate([ru, np.full(len(starts), z, dtype=np.int64)])
    cols = np.concatenate([rv, np.asarray(starts, dtype=np.int64)])
    seen = np.zeros(n + 1, dtype=bool)
    seen[breadth_first_order(native.graph(n + 1, rows, cols), z, directed=True, return_predecessors=False)] = True
    return seen[:n]


class _Sub:
    """One call's network: the nodes ``mid`` (B \\ A), the arcs and principals touching them,
    each arc end coded as a node of ``mid``, SS (in A) or TT (outside B)."""

    def __init__(self, bp, mid, arcs, tcode, hcode, prin, a_side=None, b_out=None):
        self.bp, self.mid = bp, mid
        inside = np.zeros(bp.n, dtype=bool)
        inside[mid] = True
        if a_side is not None:
            a_mask = np.zeros(bp.n, dtype=bool)
            a_mask[a_side] = True
            tcode = np.where((tcode >= 0) & a_mask[np.maximum(tcode, 0)], SS, tcode)
            hcode = np.where((hcode >= 0) & a_mask[np.maximum(hcode, 0)], SS, hcode)
        touch = ((tcode >= 0) & inside[np.maximum(tcode, 0)]) | ((hcode >= 0) & inside[np.maximum(hcode, 0)])
        self.arcs, self.tcode, self.hcode = arcs[touch], tcode[touch], hcode[touch]
        self.prin = prin[inside[bp.PH[prin]]]

    def restrict(self, keep):
        """The lower side: nodes of ``mid`` outside ``keep`` go to the sink side."""
        bp = self.bp
        gone = np.zeros(bp.n, dtype=bool)
        gone[self.mid[~keep]] = True
        tc = np.where((self.tcode >= 0) & gone[np.maximum(self.tcode, 0)], TT, self.tcode)
        hc = np.where((self.hcode >= 0) & gone[np.maximum(self.hcode, 0)], TT, self.hcode)
        return _Sub(bp, self.mid[keep], self.arcs, tc, hc, self.prin)

    def restrict_upper(self, lower):
        """The upper side: nodes of ``mid`` in ``lower`` go to the source side."""
        return _Sub(self.bp, self.mid[~lower], self.arcs, self.tcode, self.hcode, self.prin,
                    a_side=self.mid[lower])
