"""Progressive filling at array speed: ``maxmin.lexmaxmin``'s levels and totals, computed
with integer arrays and a network that shrinks as principals freeze.

Three things made the exact loop's time grow with the number of levels rather than with
the size of the round (a round whose offerings are oversubscribed by different factors has
a level per offering, hundreds of them):

- every feasibility check rebuilt every principal's bound as a ``Fraction`` and scaled it
  by the least common multiple of all of them, frozen ones included, whose denominators
  pile up level after level. Here a level is P/Q and a bound is
  min(D·den, max(F·den, wa·P)) with den = Q·lcm(weight denominators), one numpy line.
- the network kept every frozen principal. At the level L* where some principals freeze,
  the nodes that cannot reach the source in the residual graph form a set U that no
  residual arc leaves: every arc into U is at its lower bound and every arc out of it at
  its upper bound, in every feasible flow at L* and (the bounds crossing U being fixed from
  now on) at every higher level. So U is removed: the flows of the arcs crossing it become
  fixed supplies of the nodes outside it (carried by arcs to and from one extra node X),
  its frozen principals leave with it, and no frozen fraction stays in the network. The
  principals that freeze because no residual cycle runs through their edge are exactly
  those whose head is in U, so the network loses what froze.
- each level's search for L* started again from the top. Any node set A gives a valid
  upper bound on the level (Hoffman's condition on A), so the cuts found at earlier levels
  are tried first: their smallest bound is usually the next level itself, and one max-flow
  confirms it.

The level of each outer step is the largest feasible one, whichever cut led to it, and
which principals can still grow there does not depend on the flow found, so the totals and
levels are exactly those of the exact loop (the golden corpus runs both). When the
principals have different tails (orgs under their groups), "can still grow" is a strong
component test, and what is removed is the set U of nodes that cannot reach the tail of any
principal still active: no residual arc leaves it (so it is tight), and no active principal
crosses it (an active one's head reaches its own tail), so its bound stays the same at every
higher level and its crossing flows are fixed. Frozen fractions that leave with it become
fractional supplies, kept as integers in units of 1/E (E = the weights' denominators times
the frozen levels' denominators); those that stay keep their denominators in the scale.
When every principal shares its tail, ``breakpoints`` computes every level at once instead
(``BREAKPOINTS``). ``fill`` returns None when it does not apply (fractional demands or
floors, numbers beyond int64, compiled solvers off); the caller then runs the exact loop.
"""
from __future__ import annotations

import os

from fractions import Fraction
from math import lcm

import numpy as np

from . import breakpoints, native
from .waterfill import level_int

_CACHE = 8          # cuts kept from earlier levels
# all principals leaving one node (the group stage): every level at once (``breakpoints``);
# PARITY_ENGINE_BREAKPOINTS=0 keeps the level-by-level filling below (tests compare both)
BREAKPOINTS = os.environ.get("PARITY_ENGINE_BREAKPOINTS", "1") != "0"


class _Abort(Exception):
    """The fast path does not apply after all (numbers too large, a fraction left)."""


def fill(n: int, columns, principals, all_at_once: bool = True, resplit=None):
    """(totals, levels) as ``lexmaxmin``, or None when the fast path does not apply.
    ``columns``: the fixed arcs as ``Fixed.columns()`` gives them. ``all_at_once`` False
    keeps ``breakpoints`` out: it needs every lower bound of the network to be met with the
    principals at their floors (a source whose return arc is free, as in the group stage),
    which a piece of ``split`` (fixed supplies in and out) does not give. ``resplit``
    (``maxmin._resplit``: ``split.pieces`` of a list of its arguments): when a level leaves the active
    principals in separate pieces, the rest is handed over to it; only the totals are then
    exact (the handed-over principals' levels are None)."""
    if not native.ENABLED or not principals:
        return None
    tails, heads, _, _, flo, fhi, unbounded = columns
    if flo is None:
        return None
    s0 = principals[0].tail
    if any(p.demand.denominator != 1 or p.floor.denominator != 1 for p in principals):
        return None
    # every level at once only under the source (node 0, whose return arc t -> s is free):
    # under another shared tail (an org stage with one group of several orgs) it disagreed
    # with the exact loop on a network whose orgs' outflows are fixed (test_breakpoints)
    if BREAKPOINTS and all_at_once and s0 == 0 and all(p.tail == s0 for p in principals):
        try:
            return breakpoints.fill(n, s0, np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64),
                                    flo, fhi, unbounded, principals)
        except breakpoints.Abort:
            pass
    try:
        return _Filling(n, np.asarray(tails, dtype=np.int64), np.asarray(heads, dtype=np.int64), flo, fhi,
                        unbounded, principals, s0, resplit).run()
    except _Abort:
        return None


class _Filling:
    def __init__(self, n, tails, heads, lo, hi, unbounded, principals, s0, resplit=None):
        self.n, self.s0, self.resplit = n, s0, resplit
        self.T, self.H, self.LO, self.HI, self.UNB = tails, heads, lo, hi, unbounded
        self.excess = np.zeros(n, dtype=np.int64)     # fixed supplies left by removed arcs
        self.principals = principals
        self.D = [int(p.demand) for p in principals]
        self.F = [int(p.floor) for p in principals]
        self.A = [p.weight.numerator for p in principals]
        self.B = [p.weight.denominator for p in principals]
        self.Bl = 1
        for b in set(self.B):
            self.Bl = lcm(self.Bl, b)
        self.WA = _ints([a * (self.Bl // b) for a, b in zip(self.A, self.B)])
        self.Dn, self.Fn = _ints(self.D), _ints(self.F)
        self.An, self.Bn = _ints(self.A), _ints(self.B)
        self.cur_hi = self.Dn.copy()                  # a frozen principal's total, else its demand
        self.present = np.arange(len(principals))     # principals still in the network
        self.heads_of = np.array([p.head for p in principals], dtype=np.int64)   # current node numbers
        self.tails_of = np.array([p.tail for p in principals], dtype=np.int64)
        # the source as every tail (groups) lets frozen parts leave the network; otherwise
        # (orgs under their groups) the network stays whole and frozen fractions
        # stay in it, their denominators in the scale
        self.single = s0 == 0 and bool((self.tails_of == 0).all())       # node 0 is the source
        self.frac: dict[int, Fraction] = {}           # frozen, fractional, still in the network
        self.qlcm = 1
        # supplies are kept in units of 1/E: frozen fractions that leave the network with a
        # removed set (orgs' totals w L) leave fractional supplies at their groups' nodes
        self.E = 1 if self.single else self.Bl
        self.max_d, self.max_wa = max(self.D), int(self.WA.max())

    def _unit(self, E: int):
        """Keep the supplies in units of 1/E (E only grows, by a whole factor)."""
        if E != self.E:
            factor = E // self.E
            if len(self.excess) and int(np.abs(self.excess).max()) * factor >= native.LIMIT:
                raise _Abort
            self.excess = self.excess * factor
            self.E = E

    # -- one feasibility check ---------------------------------------------------------
    def _bounds(self, P: int, Q: int, frozen):
        """Scaled bounds at level P/Q: fixed arcs, supply arcs (X = node n), principals."""
        mult = lcm(Q, self.qlcm) // Q
        den = self.Bl * Q * mult
        if den * self.max_d >= native.LIMIT or P * mult * self.max_wa >= native.LIMIT:
            raise _Abort
        pres = self.present
        plo = np.minimum(self.Dn[pres] * den, np.maximum(self.Fn[pres] * den, self.WA[pres] * (P * mult)))
        phi = self.cur_hi[pres] * den
        fz = frozen[pres]
        plo[fz] = phi[fz]
        if self.frac:
            at = {int(i): k for k, i in enumerate(pres)}
            for i, total in self.frac.items():
                plo[at[i]] = phi[at[i]] = total.numerator * (den // total.denominator)
        ex = self.excess
        pos = np.flatnonzero(ex)
        sup = ex[pos]
        per = den // self.E
        big = 1 + (int(self.LO.sum()) + int(self.HI.sum())) * den + int(np.abs(sup).sum()) * per \
            + int(phi.sum()) + int(plo.sum())
        if big >= native.LIMIT:
            raise _Abort
        x = self.n
        st = np.where(sup > 0, x, pos).astype(np.int64)
        sh = np.where(sup > 0, pos, x).astype(np.int64)
        sv = np.abs(sup) * per
        tails = np.concatenate([self.T, st, self.tails_of[pres]])
        heads = np.concatenate([self.H, sh, self.heads_of[pres]])
        lo = np.concatenate([self.LO * den, sv, plo])
        hi = np.concatenate([np.where(self.UNB, big, self.HI * den), sv, phi])
        return tails, heads, lo, hi, den

    def _check(self, P, Q, frozen):
        tails, heads, lo, hi, den = self._bounds(P, Q, frozen)
        out = native.feasible_arrays(self.n + 1, tails, heads, lo, hi)
        if out is None:
            raise _Abort
        ok, flows, side = out
        return ok, flows, side, (tails, heads, lo, hi), den

    # -- the bound a node set puts on the level ---------------------------------------
    def _cut_level(self, side, frozen):
        """(P, Q): the largest level meeting Hoffman's condition on ``side`` (a node mask
        over the current nodes and X), or None when it bounds nothing."""
        st, sh = side[self.T], side[self.H]
        out_mask, in_mask = st & ~sh, sh & ~st
        if (out_mask & self.UNB).any():
            return None
        budget = int(self.HI[out_mask].sum()) - int(self.LO[in_mask].sum())
        x_in = bool(side[self.n])
        e = self.excess
        cross = (e != 0) & (side[:self.n] != x_in)
        leaving = cross & ((e > 0) == x_in)            # X -> v with X inside, or v -> X with v inside
        supplied = int(np.abs(e[leaving]).sum()) - int(np.abs(e[cross & ~leaving]).sum())
        budget += supplied if self.E == 1 else Fraction(supplied, self.E)
        pres = self.present
        h_in, t_in = side[self.heads_of[pres]], side[self.tails_of[pres]]
        leaving, entering = pres[t_in & ~h_in], pres[h_in & ~t_in]
        if len(leaving):
            budget += int(self.cur_hi[leaving[~frozen[leaving]]].sum())
            budget += _total(self, leaving[frozen[leaving]])
        fz = frozen[entering]
        budget -= _total(self, entering[fz])
        act = entering[~fz]
        if not len(act):
            return None
        keys, counts = np.unique(np.stack([self.Dn[act], self.Fn[act], self.An[act], self.Bn[act]], axis=1),
                                 axis=0, return_counts=True)
        D, F, A, B = (keys[:, c].tolist() for c in range(4))
        N = counts.tolist()
        if type(budget) is Fraction:
            if budget.denominator == 1:
                budget = int(budget)
            else:       # scale the claims with it: the level that meets it is the same
                k = budget.denominator
                D, F, A, budget = [d * k for d in D], [f * k for f in F], [a * k for a in A], budget.numerator
        if budget >= sum(d * c for d, c in zip(D, N)):
            return None
        if budget < sum(f * c for f, c in zip(F, N)):
            raise _Abort                        # the floors alone break it: cannot happen
        return level_int(D, F, A, B, N, budget)

    # -- the filling ----------------------------------------------------------------------
    def run(self):
        principals = self.principals
        count = len(principals)
        totals: dict[int, Fraction] = {}
        levels: dict[int, Fraction | None] = {}
        frozen = np.zeros(count, dtype=bool)
        for i, p in enumerate(principals):
            if p.demand <= p.floor:
                totals[i], levels[i] = p.demand, None
                frozen[i] = True
        cache: list[np.ndarray] = []
        while not frozen.all():
            act = np.flatnonzero(~frozen)
            # the top: max D/w over the active principals (floats pick the few candidates)
            num, dnm = self.Dn[act] * self.Bn[act], self.An[act]
            ratio = num / dnm
            near = np.flatnonzero(ratio >= ratio.max() * (1 - 1e-9))
            top = max(Fraction(int(num[j]), int(dnm[j])) for j in near)
            P, Q = top.numerator, top.denominator
            first = True
            for side in cache:
                bound = self._cut_level(side, frozen)
                if bound is not None and bound[0] * Q < P * bound[1]:
                    P, Q = bound
                    first = False
            while True:
                ok, flows, side, net, den = self._check(P, Q, frozen)
                if ok:
                    break
                first = False
                bound = self._cut_level(side, frozen)
                assert bound is not None, "infeasible without any active principal"
                P, Q = bound
                cache.append(side)
            cache = cache[-_CACHE:]
            if first:   # everyone active reaches its demand
                for i in act.tolist():
                    totals[i], levels[i] = principals[i].demand, None
                break
            level = Fraction(P, Q)
            where = np.full(count, -1, dtype=np.int64)
            where[self.present] = np.arange(len(self.present)) + (len(net[0]) - len(self.present))
            k = where[act]
            at_demand = self.WA[act] * (P * (den // (self.Bl * Q))) >= self.Dn[act] * den
            if self.single:
                reach = native.reaching(self.n + 1, *net, flows, self.s0)
                cannot_grow = ~reach[self.heads_of[act]]
            else:       # its head cannot reach its tail: different strong components
                comp = native.residual_components(self.n + 1, *net, flows)
                cannot_grow = comp[self.heads_of[act]] != comp[self.tails_of[act]]
            stuck = (flows[k] == net[2][k]) & cannot_grow
            blocked = act[at_demand | stuck]
            assert len(blocked), "progressive filling made no progress"
            for i in blocked.tolist():
                total = principals[i].target(level)
                totals[i], levels[i] = total, level
                if not self.single:
                    if total.denominator == 1:
                        self.cur_hi[i] = int(total)
                    else:
                        self.frac[i] = total
                        self.qlcm = lcm(self.qlcm, Q)
            frozen[blocked] = True
            at = act[at_demand]
            self.cur_hi[at] = self.Dn[at]
            if not self.single:
                self._unit(self.Bl * self.qlcm)
            handed = self._handover(net, flows, den, frozen) \
                if self.resplit is not None and not frozen.all() else None
            if handed is not None:
                # this filling ends here: what it holds is freed before the pieces are
                # filled (they may hand over again, one call inside the other)
                args, act, den = handed
                net = flows = side = cache = reach = comp = handed = None
                self.T = self.H = self.LO = self.HI = self.UNB = self.excess = None
                got = self.resplit(args)
                if got is None:
                    raise _Abort
                for j, i in enumerate(act.tolist()):
                    totals[i], levels[i] = got[j] / den, None
                break
            if not frozen.all():
                if not self.single:
                    # what cannot reach an active principal's tail is closed, and no active
                    # principal crosses it, so it stays tight at every higher level
                    left = np.flatnonzero(~frozen)
                    reach = _reaching_any(self.n + 1, *net, flows, np.unique(self.tails_of[left]))
                self._remove(reach, flows, net, totals, frozen)
                cache = [np.append(c[:self.n_old][self.keep], False) for c in cache]
        return totals, levels

    def _handover(self, net, flows, den, frozen):
        """After a level: if the active principals now lie in separate pieces (``split``'s
        strong components, from this level's flow: it is feasible for the relaxation in
        which the active principals' edges start at their floors and the frozen ones are
        fixed), the pieces are filled on their own: returns ``split.pieces``'s arguments
        after ``n`` (as a list ``resplit`` empties), the active principals and den; else None.

        The rest of the filling is the lexicographic max-min of that relaxation: its
        solution has every active principal at or above this level, so the bounds this
        level added change nothing. Bounds are in units of 1/den (every frozen total and
        supply is a whole number of them), so each active principal's demand and floor are
        scaled by den and its total divided by it after: the same weights, levels times den."""
        tails, heads, lo, hi = net
        base = len(tails) - len(self.present)
        pres = self.present
        act_mask = ~frozen[pres]
        act_pos = base + np.flatnonzero(act_mask)
        fz_pos = base + np.flatnonzero(~act_mask)
        act = pres[act_mask]
        if not (flows[fz_pos] == lo[fz_pos]).all():
            return None
        rlo, rhi = lo.copy(), hi.copy()
        rlo[act_pos] = np.minimum(self.Dn[act], self.Fn[act]) * den
        rhi[fz_pos] = lo[fz_pos]
        comp = native.residual_components(self.n + 1, tails, heads, rlo, rhi, flows)
        ct, ch = comp[tails[act_pos]], comp[heads[act_pos]]
        inside = ct == ch
        labels = np.unique(ct[inside])
        if inside.all() and len(labels) == 1 and 2 * int((comp == labels[0]).sum()) > self.n + 1:
            return None         # one piece, most of the network: nothing to gain
        keep = np.ones(len(tails), dtype=bool)
        keep[act_pos] = False
        rest = np.flatnonzero(keep)
        unb = np.zeros(len(tails), dtype=bool)
        unb[:len(self.T)] = self.UNB
        order = np.concatenate([rest, act_pos])
        fixed_cols = (rlo[rest], np.where(unb[rest], 0, rhi[rest]), unb[rest])
        prins = [type(self.principals[i])(int(tails[k]), int(heads[k]), Fraction(int(self.Dn[i]) * den),
                                          Fraction(int(self.Fn[i]) * den), self.principals[i].weight)
                 for k, i in zip(act_pos.tolist(), act.tolist())]
        return [self.n + 1, tails[order], heads[order], rlo[order], rhi[order], flows[order], fixed_cols, prins], \
            act, den

    def _remove(self, reach, flows, net, totals, frozen):
        """Take out the nodes that cannot reach the source (see the module docstring)."""
        n = self.n
        keep = np.asarray(reach[:n], dtype=bool).copy()
        self.n_old, self.keep = n, keep
        if keep.all():
            return
        if self.single and not keep[self.s0]:
            raise _Abort
        m = len(self.T)
        tk, hk = keep[self.T], keep[self.H]
        into, out = tk & ~hk, hk & ~tk
        lo, hi = net[2][:m], net[3][:m]
        assert not (out & self.UNB).any() and (flows[:m][into] == lo[into]).all() \
            and (flows[:m][out] == hi[out]).all(), "the removed set is not closed"
        E = self.E
        if int(self.LO.max(initial=0)) * E >= native.LIMIT or int(self.HI.max(initial=0)) * E >= native.LIMIT:
            raise _Abort
        excess = self.excess.copy()
        np.subtract.at(excess, self.T[into], self.LO[into] * E)
        np.add.at(excess, self.H[out], self.HI[out] * E)
        pres = self.present
        t_keep, h_keep = keep[self.tails_of[pres]], keep[self.heads_of[pres]]
        stays = t_keep & h_keep
        leaving = pres[~stays]
        assert frozen[leaving].all(), "an active principal would leave the network"
        for i, tk_, hk_ in zip(leaving.tolist(), t_keep[~stays].tolist(), h_keep[~stays].tolist()):
            scaled = totals[i] * E
            if scaled.denominator != 1:
                raise _Abort
            if tk_:         # its flow leaves its tail for the removed set
                excess[self.tails_of[i]] -= int(scaled)
            elif hk_:
                excess[self.heads_of[i]] += int(scaled)
            self.frac.pop(i, None)
        if len(excess) and int(np.abs(excess).max()) >= native.LIMIT:
            raise _Abort
        both = tk & hk
        new = np.cumsum(keep) - 1
        self.T, self.H = new[self.T[both]], new[self.H[both]]
        self.LO, self.HI, self.UNB = self.LO[both], self.HI[both], self.UNB[both]
        self.excess = excess[keep]
        assert int(self.excess.sum()) == 0, "supplies out of balance"
        self.present = pres[stays]
        self.heads_of[self.present] = new[self.heads_of[self.present]]
        self.tails_of[self.present] = new[self.tails_of[self.present]]
        self.s0 = int(new[self.s0]) if keep[self.s0] else -1
        self.n = int(keep.sum())


def _reaching_any(n, tails, heads, lo, hi, flows, targets) -> np.ndarray:
    """Mask of the nodes from which some node of ``targets`` can be reached in the residual
    graph of ``flows`` (one search over the reversed residual arcs from a virtual node)."""
    from scipy.sparse.csgraph import breadth_first_order
    t, h = np.asarray(tails, dtype=np.int64), np.asarray(heads, dtype=np.int64)
    fwd, bwd = flows < hi, flows > lo
    z = n
    rows = np.concatenate([h[fwd], t[bwd], np.full(len(targets), z, dtype=np.int64)])
    cols = np.concatenate([t[fwd], h[bwd], np.asarray(targets, dtype=np.int64)])
    seen = np.zeros(n + 1, dtype=bool)
    seen[breadth_first_order(native.graph(n + 1, rows, cols), z, directed=True, return_predecessors=False)] = True
    return seen[:n]


def _total(f: _Filling, idx) -> int | Fraction:
    """The frozen totals of principals ``idx`` (integers, or fractions kept in the network)."""
    if not f.frac:
        return int(f.cur_hi[idx].sum())
    out = 0
    for i in idx.tolist():
        out += f.frac[i] if i in f.frac else int(f.cur_hi[i])
    return out


def _ints(values) -> np.ndarray:
    arr = native.ints(values, len(values))
    if arr is None:
        raise _Abort
    return arr
