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

from collections import deque
from dataclasses import dataclass
from fractions import Fraction
from math import floor, lcm

from . import native
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


def feasible_flow(n, edges):
    """``flow.feasible_flow``, in compiled code when the numbers fit int64."""
    out = native.feasible_flow(n, edges)
    return _py_feasible_flow(n, edges) if out is None else out


def lexmaxmin(n: int, fixed: list, principals: list[Principal]):
    """Lexicographically max-min fair totals x_P / w_P; returns (totals, levels).

    ``fixed`` edges are (u, v, lo, hi) with hi None for unbounded and must close the
    network into a circulation (an edge t->s). A principal's level is None when it got
    its demand before any constraint bound it.
    """
    totals: dict[int, Fraction] = {}
    levels: dict[int, Fraction | None] = {}
    active = []
    for i, p in enumerate(principals):
        if p.demand <= p.floor:
            totals[i], levels[i] = p.demand, None
        else:
            active.append(i)
    m = len(fixed)
    while active:
        active_set = set(active)
        level = max(principals[i].demand / principals[i].weight for i in active)
        first = True
        while True:
            lows = {i: principals[i].target(level) for i in active}
            lows.update(totals)
            edges = fixed + [(p.tail, p.head, lows[i], p.demand) for i, p in enumerate(principals)]
            den, scaled = _scaled(edges)
            ok, flows, side = feasible_flow(n, scaled)
            if ok:
                break
            first = False
            cut = [i for i in active if side[principals[i].head] and not side[principals[i].tail]]
            budget = Fraction(0)
            for j, (u, v, lo, hi) in enumerate(edges):
                if side[u] and not side[v]:
                    assert hi is not None, "unbounded edge leaves a violated set"
                    budget += hi
                elif side[v] and not side[u] and not (j >= m and (j - m) in active_set):
                    budget -= lo
            assert cut, "infeasible without any active principal"
            claims = [Claim(i, principals[i].demand, principals[i].floor, principals[i].weight) for i in cut]
            level = _max_level(claims, budget)
        if first:   # everyone active reaches its demand
            for i in active:
                totals[i], levels[i] = principals[i].demand, None
            break
        comp = None
        still = []
        for i in active:
            p = principals[i]
            value = p.target(level)
            fl = flows[m + i]
            blocked = value == p.demand
            if not blocked and fl == scaled[m + i][2]:
                # it can grow only along a residual cycle through its own edge
                if comp is None:
                    comp = native.residual_components(n, [e[0] for e in scaled], [e[1] for e in scaled],
                                                      [e[2] for e in scaled], [e[3] for e in scaled], flows)
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
    iff some feasible flow within the current bounds is larger there), the flow does: with
    ``exact_flow`` False a depth-first search finds the cycles, and the flow is some flow.
    """
    lo = {i: floor(totals[i]) for i in range(len(principals))}
    hi = {i: -floor(-totals[i]) for i in range(len(principals))}
    edges = [(u, v, int(a), None if b is None else int(b)) for u, v, a, b in fixed]
    edges += [(p.tail, p.head, lo[i], hi[i]) for i, p in enumerate(principals)]
    _, scaled = _scaled(edges)
    m = len(fixed)
    order = sorted((i for i in lo if lo[i] != hi[i]), key=lambda i: (-(totals[i] - lo[i]), tiebreak[i]))
    if not exact_flow:
        units = _greedy_by_min_cost(n, scaled, m, order)
        if units is not None:
            assert sum(units.values()) == sum(totals.values()), "integer totals differ from the exact ones"
            return units, None
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


def _greedy_by_min_cost(n, scaled, m, order) -> dict[int, int] | None:
    """The largest-remainder greedy of ``integerise`` as one min-cost circulation.

    The principals' ceilings that can be taken together are the bases of a matroid (the
    integer points of a base polyhedron inside a unit box), and the greedy that takes them
    in ``order`` whenever it still can is the cheapest basis for costs increasing along
    ``order``. Each rounded-up unit costs its position minus a constant larger than every
    position, so the cheapest flow first takes as many ceilings as fit, then the earliest.
    None when the compiled solver cannot take the numbers."""
    cost = [0] * len(scaled)
    bonus = len(order) + 1
    for k, i in enumerate(order):
        cost[m + i] = k - bonus
    flows = native.min_cost_circulation(n, [e[0] for e in scaled], [e[1] for e in scaled],
                                        [e[2] for e in scaled], [e[3] for e in scaled], cost)
    if flows is None:
        return None
    return {i: int(flows[m + i]) for i in range(len(scaled) - m)}
