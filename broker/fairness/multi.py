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

from .flow import feasible_flow
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


def _reaches(n, edges, flows, target) -> list[bool]:
    """Nodes with a residual path to target (reverse BFS)."""
    into = [[] for _ in range(n)]
    for i, (u, v, lo, hi) in enumerate(edges):
        if flows[i] < hi:
            into[v].append(u)
        if flows[i] > lo:
            into[u].append(v)
    seen = [False] * n
    seen[target] = True
    queue = deque([target])
    while queue:
        y = queue.popleft()
        for x in into[y]:
            if not seen[x]:
                seen[x] = True
                queue.append(x)
    return seen


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
        reach: dict[int, list[bool]] = {}
        still = []
        for i in active:
            p = principals[i]
            value = p.target(level)
            fl = flows[m + i]
            blocked = value == p.demand
            if not blocked and fl == scaled[m + i][2]:
                if p.tail not in reach:
                    reach[p.tail] = _reaches(n, scaled, flows, p.tail)
                blocked = not reach[p.tail][p.head]
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
    ok, flows, _ = feasible_flow(n, scaled)
    assert ok, "rounded totals must be feasible"
    res = Residual(n, scaled, flows)
    m = len(fixed)
    order = sorted((i for i in lo if lo[i] != hi[i]), key=lambda i: (-(totals[i] - lo[i]), tiebreak[i]))
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
