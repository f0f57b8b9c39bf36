"""Lexicographic max-min fairness over a flow network: progressive filling, exactly.

A *principal* (a group, or an org inside its group) owns one edge tail->head whose flow
is its total; its target at level L is T(L) = min(D, max(Phi, w*L)). Progressive filling
raises L; the largest feasible L is found by Newton steps on min cuts: an infeasible L
yields a set A violating Hoffman's condition, sum_{P in A} T_P(L) <= K_A, and the largest L
meeting that one constraint is the next try. L only goes down and there are finitely many
cuts, so this ends exactly at the largest feasible level. Principals that cannot grow there
(no residual cycle through their edge) are frozen, and filling goes on with the rest.
"""
from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from fractions import Fraction
from math import floor, lcm

import numpy as np

from . import filling, native, split
from .flow import feasible_flow as _py_feasible_flow
from .waterfill import Claim, _max_level

INF = None  # an uncapacitated edge


@dataclass
class Principal:
    tail: int
    head: int
    demand: Fraction
    floor: Fraction
    weight: Fraction

    def target(self, level: Fraction) -> Fraction:
        return min(self.demand, max(self.floor, self.weight * level))


def _scaled(edges):
    """Integer copy of (u, v, lo, hi) edges with a common denominator; INF becomes a bound.
    (Most bounds are ints: only those go through ``Fraction``, which is 50x slower.)"""
    den = 1
    for _, _, lo, hi in edges:
        if type(lo) is not int:
            d = Fraction(lo).denominator
            if den % d:
                den = lcm(den, d)
        if hi is not None and type(hi) is not int:
            d = Fraction(hi).denominator
            if den % d:
                den = lcm(den, d)

    def scale(x):
        return x * den if type(x) is int else int(Fraction(x) * den)

    lows = [scale(lo) for _, _, lo, _ in edges]
    highs = [None if hi is None else scale(hi) for _, _, _, hi in edges]
    big = 1 + sum(lows) + sum(h for h in highs if h is not None)
    return den, [(u, v, lo, big if hi is None else hi)
                 for (u, v, _, _), lo, hi in zip(edges, lows, highs)]


def _claim_types(principals, cut) -> list[Claim]:
    """The cut's principals as claims, equal (demand, floor, weight) merged into one claim
    of their sum (the level meeting a budget depends only on the sums, and most principals
    share a few weights and demands)."""
    count: dict[tuple, int] = defaultdict(int)
    for i in cut:
        p = principals[i]
        count[(p.demand, p.floor, p.weight)] += 1
    return [Claim(k, d * c, f * c, w * c) for k, ((d, f, w), c) in enumerate(sorted(count.items()))]


def _is_none(x) -> bool:
    return x is None


class Fixed(list):
    """The fixed edges (u, v, lo, hi) of a stage's network, with their columns as arrays
    computed once: the filling and the rounding of one stage both read them."""

    _columns = None

    def columns(self):
        """(tails, heads, los, his as tuples; lo, hi (unbounded as 0) as int64 arrays or
        None when a bound is not an int that fits; the unbounded mask)."""
        if self._columns is None:
            tails, heads, los, his = zip(*self)
            lo = hi = None
            unbounded = np.fromiter(map(_is_none, his), dtype=bool, count=len(his))
            if set(map(type, los)) <= {int} and set(map(type, his)) <= {int, type(None)}:
                lo = native.ints(los, len(los))
                hi = native.ints((0 if h is None else h for h in his), len(his))
                if lo is None or hi is None:
                    lo = hi = None
            self._columns = (tails, heads, los, his, lo, hi, unbounded)
        return self._columns


def _columns(fixed):
    return (fixed if isinstance(fixed, Fixed) else Fixed(fixed)).columns()


class _Network:
    """The filling's network: the fixed edges once (as int64 arrays when they fit), the
    principals' edges with the bounds of each try.

    ``feasible(lows)`` scales the bounds to integers with a common denominator and asks
    for a feasible flow: in compiled code (``native``) when every number fits int64, else
    with the pure-Python Dinic. Either way it returns (ok, flows, side, scaled lows of the
    principals) with ``flows`` over fixed edges then principals' edges."""

    def __init__(self, n: int, fixed: list, principals: list[Principal]):
        self.n, self.fixed, self.principals, self.m = n, fixed, principals, len(fixed)
        tails, heads, _, _, self.flo, self.fhi, self.unbounded = _columns(fixed)
        self.tails = np.array(tails + tuple(p.tail for p in principals), dtype=np.int64)
        self.heads = np.array(heads + tuple(p.head for p in principals), dtype=np.int64)
        self.native = native.ENABLED and self.flo is not None
        if self.native:
            self.fixed_sum = int(self.flo.sum()) + int(self.fhi.sum())

    def feasible(self, lows: list):
        plo_his = [p.demand for p in self.principals]
        if self.native:
            out = self._native(lows, plo_his)
            if out is not None:
                return out
        edges = self.fixed + [(p.tail, p.head, lo, p.demand) for p, lo in zip(self.principals, lows)]
        _, scaled = _scaled(edges)
        ok, flows, side = _py_feasible_flow(self.n, scaled)
        self.lo, self.hi = [e[2] for e in scaled], [e[3] for e in scaled]
        return ok, flows, side, self.lo[self.m:]

    def _native(self, lows, his):
        den = 1
        for x in (*lows, *his):
            if type(x) is not int:
                d = x.denominator
                if den % d:
                    den = lcm(den, d)
        plo = [x * den if type(x) is int else x.numerator * (den // x.denominator) for x in lows]
        phi = [x * den if type(x) is int else x.numerator * (den // x.denominator) for x in his]
        big = 1 + self.fixed_sum * den + sum(plo) + sum(phi)
        if big >= native.LIMIT:
            return None
        lo = np.concatenate([self.flo * den, np.array(plo, dtype=np.int64)])
        hi = np.concatenate([np.where(self.unbounded, big, self.fhi * den), np.array(phi, dtype=np.int64)])
        out = native.feasible_arrays(self.n, self.tails, self.heads, lo, hi)
        if out is None:
            return None
        ok, flows, side = out
        self.lo, self.hi = lo, hi
        return ok, flows, side, plo

    def budget(self, side, lows, active: set) -> Fraction:
        """K_A - (lower bounds into A of everything but the active principals): what the
        active principals in the violated set A may share at most."""
        m = self.m
        side_a = np.asarray(side, dtype=bool)
        st, sh = side_a[self.tails[:m]], side_a[self.heads[:m]]
        out_mask, in_mask = st & ~sh, sh & ~st
        if self.native:
            assert not (out_mask & self.unbounded).any(), "unbounded edge leaves a violated set"
            budget = Fraction(int(self.fhi[out_mask].sum()) - int(self.flo[in_mask].sum()))
        else:
            budget = Fraction(0)
            for j in np.flatnonzero(out_mask):
                assert self.fixed[j][3] is not None, "unbounded edge leaves a violated set"
                budget += self.fixed[j][3]
            for j in np.flatnonzero(in_mask):
                budget -= self.fixed[j][2]
        for i, p in enumerate(self.principals):
            if side[p.tail] and not side[p.head]:
                budget += p.demand
            elif side[p.head] and not side[p.tail] and i not in active:
                budget -= lows[i]
        return budget

    def components(self, flows):
        """Strongly connected components of the residual graph of the last feasible flow."""
        return native.residual_components(self.n, self.tails, self.heads, self.lo, self.hi, flows)


def lexmaxmin(n: int, fixed: list, principals: list[Principal], levels: bool = True):
    """Lexicographically max-min fair totals x_P / w_P; returns (totals, levels).

    ``fixed`` edges are (u, v, lo, hi) with hi None for unbounded and must close the
    network into a circulation (an edge t->s). A principal's level is None when it got
    its demand before any constraint bound it.

    ``filling.fill`` computes the same at array speed when it applies; the loop of
    ``_lexmaxmin`` is the exact reference (and the path of the pure-Python solvers). With
    ``levels`` False only the totals are wanted (levels None): ``split`` may then fill the
    network's independent pieces one by one.
    """
    if not levels:
        totals = split.fill(n, _columns(fixed), principals, _piece)
        if totals is not None:
            return totals, None
    return _lexmaxmin(n, fixed, principals)


def _piece(n: int, columns, principals: list[Principal]):
    """One piece of ``split``: the array filling (which may hand its rest over to ``split``
    again when the piece falls apart), else the exact loop on the piece's arcs."""
    fast = filling.fill(n, columns, principals, all_at_once=False, resplit=_resplit)
    if fast is not None:
        return fast
    tails, heads, _, _, lo, hi, unbounded = columns
    fixed = Fixed(zip(tails.tolist(), heads.tolist(), lo.tolist(),
                      [None if u else h for u, h in zip(unbounded.tolist(), hi.tolist())]))
    return _lexmaxmin(n, fixed, principals, all_at_once=False)


def _resplit(args: list):
    return split.pieces_of(args, fill_piece=_piece)


def _lexmaxmin(n: int, fixed: list, principals: list[Principal], all_at_once: bool = True):
    fast = filling.fill(n, _columns(fixed), principals, all_at_once)
    if fast is not None:
        return fast
    totals: dict[int, Fraction] = {}
    levels: dict[int, Fraction | None] = {}
    active = []
    for i, p in enumerate(principals):
        if p.demand <= p.floor:
            totals[i], levels[i] = p.demand, None
        else:
            active.append(i)
    m = len(fixed)
    net = _Network(n, fixed, principals)
    while active:
        active_set = set(active)
        level = max(principals[i].demand / principals[i].weight for i in active)
        first = True
        while True:
            lows = [totals[i] if i in totals else p.target(level) for i, p in enumerate(principals)]
            ok, flows, side, plo = net.feasible(lows)
            if ok:
                break
            first = False
            cut = [i for i in active if side[principals[i].head] and not side[principals[i].tail]]
            assert cut, "infeasible without any active principal"
            budget = net.budget(side, lows, active_set)
            level = _max_level(_claim_types(principals, cut), budget)
        if first:   # everyone active reaches its demand
            for i in active:
                totals[i], levels[i] = principals[i].demand, None
            break
        comp = None
        still = []
        for i in active:
            p = principals[i]
            value = p.target(level)
            blocked = value == p.demand
            if not blocked and flows[m + i] == plo[i]:
                # it can grow only along a residual cycle through its own edge
                if comp is None:
                    comp = net.components(flows)
                blocked = comp[p.tail] != comp[p.head]
            if blocked:
                totals[i], levels[i] = value, level
            else:
                still.append(i)
        assert len(still) < len(active), "progressive filling made no progress"
        active = still
    return totals, levels


class Residual:
    """Integer flow with bounds on each edge, for unit augmentations along residual paths."""

    def __init__(self, n, edges, flows):
        self.n, self.edges, self.flows = n, [list(e) for e in edges], list(flows)
        self.lo = [e[2] for e in self.edges]
        self._into = {}
        self.hi = [e[3] for e in self.edges]
        # per node: (edge, +1 forward | -1 backward, the node at the other end)
        self.out = [[] for _ in range(n)]
        for i, (u, v, _, _) in enumerate(self.edges):
            self.out[u].append((i, 1, v))
            self.out[v].append((i, -1, u))

    def fix(self, i):
        """Hold edge i at its current flow from now on."""
        self.lo[i] = self.hi[i] = self.edges[i][2] = self.edges[i][3] = self.flows[i]

    def path(self, src, dst, avoid=frozenset()):
        """Shortest residual path src -> dst as [(edge, +1|-1)], or None (breadth first,
        arcs in insertion order: the same path every time)."""
        flows, lo, hi, out = self.flows, self.lo, self.hi, self.out
        prev_node = [-1] * self.n
        prev_arc = [None] * self.n
        seen = [False] * self.n
        seen[src] = True
        for y in avoid:
            seen[y] = True
        queue = deque([src])
        found = False
        while queue:
            x = queue.popleft()
            if x == dst:
                found = True
                break
            for i, d, y in out[x]:
                if seen[y]:
                    continue
                if (flows[i] < hi[i]) if d == 1 else (flows[i] > lo[i]):
                    seen[y] = True
                    prev_node[y] = x
                    prev_arc[y] = (i, d)
                    queue.append(y)
        if not found:
            return None
        out_arcs, y = [], dst
        while y != src:
            out_arcs.append(prev_arc[y])
            y = prev_node[y]
        return out_arcs[::-1]

    def any_path(self, src, dst):
        """Some residual path src -> dst as [(edge, +1|-1)], or None: depth first, stopping
        at dst (faster than ``path`` when one exists; used where only its existence
        matters, not which one is taken)."""
        flows, lo, hi, out = self.flows, self.lo, self.hi, self.out
        seen = [False] * self.n
        seen[src] = True
        # the arcs into dst, looked at first from each node reached: the search would
        # otherwise go deep into the graph from a node next to dst
        into = self._into.get(dst)
        if into is None:
            into = self._into[dst] = {}
            for i, d, y in out[dst]:
                into.setdefault(y, []).append((i, -d))
        stack = [(src, iter(out[src]))]
        arcs = []
        while stack:
            x, it = stack[-1]
            for i, d in into.get(x, ()):
                if (flows[i] < hi[i]) if d == 1 else (flows[i] > lo[i]):
                    arcs.append((i, d))
                    return arcs
            for i, d, y in it:
                if not seen[y] and ((flows[i] < hi[i]) if d == 1 else (flows[i] > lo[i])):
                    seen[y] = True
                    arcs.append((i, d))
                    if y == dst:
                        return arcs
                    stack.append((y, iter(out[y])))
                    break
            else:
                stack.pop()
                if arcs:
                    arcs.pop()
        self.closed = seen      # no residual arc leaves it: reachable from src, dst is not
        return None

    def push(self, arcs, amount=1):
        for i, d in arcs:
            self.flows[i] += d * amount


def integerise(n, fixed, principals, totals, tiebreak, exact_flow=True):
    """Whole totals by the largest-remainder rule, kept feasible.

    Each principal ends at floor(x_P) or ceil(x_P). Starting from any feasible integer flow
    within those bounds, principals are taken by decreasing remainder (then ``tiebreak``)
    and each is locked at its ceiling if some residual cycle through its edge exists (which
    may lower only principals not yet locked), else at its floor. This greedy is the
    largest-remainder rule wherever capacities allow it, and never breaks a capacity, a
    demand, a floor or a fixed total.

    Returns (units per principal, Residual holding an integer flow that realises them).
    The units do not depend on which residual cycle is pushed (a cycle through an edge exists
    iff some feasible flow within the current bounds is larger there), the flow does. With
    ``exact_flow`` False only the units are wanted: they come from ``_greedy_by_min_cost``
    (compiled; the Residual is then None), else from a depth-first search for the cycles.
    With ``exact_flow`` True (the set-aside pass reads the flow) the breadth-first search
    fixes which flow.
    """
    lo = {i: floor(totals[i]) for i in range(len(principals))}
    hi = {i: -floor(-totals[i]) for i in range(len(principals))}
    m = len(fixed)
    order = sorted((i for i in lo if lo[i] != hi[i]), key=lambda i: (-(totals[i] - lo[i]), tiebreak[i]))
    if not exact_flow:
        ceilings = sum(totals.values()) - sum(lo.values())
        units = _greedy_by_min_cost(n, fixed, principals, lo, hi, order, int(ceilings))
        if units is not None:
            assert sum(units.values()) == sum(totals.values()), "integer totals differ from the exact ones"
            return units, None
    edges = [(u, v, int(a), None if b is None else int(b)) for u, v, a, b in fixed]
    edges += [(p.tail, p.head, lo[i], hi[i]) for i, p in enumerate(principals)]
    _, scaled = _scaled(edges)
    # the set-aside pass reads this flow per offering, where the rules leave a choice:
    # the pure-Python flow keeps that choice what it has always been
    ok, flows, _ = _py_feasible_flow(n, scaled)
    assert ok, "rounded totals must be feasible"
    res = Residual(n, scaled, flows)
    # sets closed in the residual graph (no residual arc leaves them) found by failed
    # searches: fixing an edge only removes residual arcs, so they stay closed until the
    # next push, and a search from inside one to a node outside it fails at once
    closed: list[list[bool]] = []
    for i in order:
        if res.flows[m + i] < hi[i]:
            head, tail = principals[i].head, principals[i].tail
            if exact_flow:
                arcs = res.path(head, tail)
            elif any(c[head] and not c[tail] for c in closed):
                arcs = None
            else:
                arcs = res.any_path(head, tail)
                if arcs is None:
                    closed.append(res.closed)
            if arcs is not None:
                res.push([(m + i, 1)] + arcs)
                closed = []
        res.fix(m + i)
    units = {i: res.flows[m + i] for i in range(len(principals))}
    assert sum(units.values()) == sum(totals.values()), "integer totals differ from the exact ones"
    return units, res


def _greedy_by_min_cost(n, fixed, principals, lo, hi, order, ceilings: int) -> dict[int, int] | None:
    """The largest-remainder greedy of ``integerise`` as one min-cost circulation.

    The principals' ceilings that can be taken together are the bases of a matroid (the
    integer points of a base polyhedron inside a unit box), and the greedy that takes them
    in ``order`` whenever it still can is the cheapest basis for costs increasing along
    ``order``. Each rounded-up unit costs its position minus a constant larger than every
    position, so the cheapest flow first takes as many ceilings as fit, then the earliest.

    First, one feasibility check: if the first ``ceilings`` principals of the order can all
    be at their ceiling together (the others at their floor), the greedy takes exactly them
    (no flow can round up more, as the exact totals are a maximum flow), and the min-cost
    flow is not needed — the usual case for groups. None when the compiled solver cannot
    take the numbers."""
    if not native.ENABLED:
        return None
    m, count = len(fixed), len(principals)
    tails, heads, _, _, flo, fhi, unbounded = _columns(fixed)
    if flo is None:
        return None
    plo = native.ints([lo[i] for i in range(count)], count)
    phi = native.ints([hi[i] for i in range(count)], count)
    if plo is None or phi is None:
        return None
    big = 1 + int(flo.sum()) + int(fhi.sum()) + int(plo.sum()) + int(phi.sum())
    if big >= native.LIMIT:
        return None
    lo_a = np.concatenate([flo, plo])
    hi_a = np.concatenate([np.where(unbounded, big, fhi), phi])
    tails = np.array(tails + tuple(p.tail for p in principals), dtype=np.int64)
    heads = np.array(heads + tuple(p.head for p in principals), dtype=np.int64)
    top = np.array([m + i for i in order[:ceilings]], dtype=np.int64)
    rest = np.array([m + i for i in order[ceilings:]], dtype=np.int64)
    try_lo, try_hi = lo_a.copy(), hi_a.copy()
    if len(top):
        try_lo[top] = hi_a[top]
    if len(rest):
        try_hi[rest] = lo_a[rest]
    first = native.feasible_arrays(n, tails, heads, try_lo, try_hi)
    if first is not None and first[0]:
        return {i: int(first[1][m + i]) for i in range(count)}
    cost = np.zeros(m + count, dtype=np.int64)
    bonus = len(order) + 1
    cost[[m + i for i in order]] = np.arange(len(order), dtype=np.int64) - bonus
    flows = native.min_cost_circulation(n, tails, heads, lo_a, hi_a, cost)
    if flows is None:
        return None
    return {i: int(flows[m + i]) for i in range(count)}
