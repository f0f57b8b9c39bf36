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
        self.out = [[] for _ in range(n)]
        for i, (u, v, _, _) in enumerate(self.edges):
            self.out[u].append((i, 1))
            self.out[v].append((i, -1))

    def path(self, src, dst, avoid=frozenset()):
        """Shortest residual path src -> dst as [(edge, +1|-1)], or None."""
        prev = {src: None}
        queue = deque([src])
        while queue:
            x = queue.popleft()
            if x == dst:
                break
            for i, d in self.out[x]:
                u, v, lo, hi = self.edges[i]
                y = v if d == 1 else u
                if y in prev or y in avoid:
                    continue
                if (d == 1 and self.flows[i] < hi) or (d == -1 and self.flows[i] > lo):
                    prev[y] = (x, i, d)
                    queue.append(y)
        if dst not in prev:
            return None
        out, y = [], dst
        while prev[y] is not None:
            x, i, d = prev[y]
            out.append((i, d))
            y = x
        return out[::-1]

    def push(self, arcs, amount=1):
        for i, d in arcs:
            self.flows[i] += d * amount


def integerise(n, fixed, principals, totals, tiebreak):
    """Whole totals by the largest-remainder rule, kept feasible.

    Each principal ends at floor(x_P) or ceil(x_P). Starting from any feasible integer flow
    within those bounds, principals are taken by decreasing remainder (then ``tiebreak``)
    and each is locked at its ceiling if some residual cycle through its edge exists (which
    may lower only principals not yet locked), else at its floor. This greedy is the
    largest-remainder rule wherever capacities allow it, and never breaks a capacity, a
    demand, a floor or a fixed total.

    Returns (units per principal, Residual holding an integer flow that realises them).
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
    for i in order:
        edge = res.edges[m + i]
        if res.flows[m + i] < hi[i]:
            arcs = res.path(principals[i].head, principals[i].tail)
            if arcs is not None:
                res.push([(m + i, 1)] + arcs)
        edge[2] = edge[3] = res.flows[m + i]
    units = {i: res.flows[m + i] for i in range(len(principals))}
    assert sum(units.values()) == sum(totals.values()), "integer totals differ from the exact ones"
    return units, res
