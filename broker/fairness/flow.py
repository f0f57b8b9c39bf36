"""A compact max-flow (Dinic) over integers, and feasible flows with lower bounds.

Kept in-house rather than taking networkx or scipy: the graphs are small after
aggregation, capacities are exact (scaled) integers of any size, and the traversal order
is fixed by construction so the chosen flow is deterministic.
"""
from __future__ import annotations

from collections import deque


class MaxFlow:
    """Dinic's algorithm on an adjacency list of paired arcs (arc i and i^1 are twins)."""

    def __init__(self, n: int):
        self.n = n
        self.head: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []

    def add_edge(self, u: int, v: int, cap: int) -> int:
        """Arc u->v with capacity cap; returns its index (flow = cap of index^1)."""
        idx = len(self.to)
        self.to += (v, u)
        self.cap += (cap, 0)
        self.head[u].append(idx)
        self.head[v].append(idx + 1)
        return idx

    def flow_on(self, idx: int) -> int:
        return self.cap[idx ^ 1]

    def _bfs(self, s: int, t: int) -> list[int] | None:
        level = [-1] * self.n
        level[s] = 0
        queue = deque([s])
        to, cap, head = self.to, self.cap, self.head
        while queue:
            u = queue.popleft()
            lu = level[u]
            if level[t] >= 0 and lu >= level[t]:
                break       # nodes beyond t's level are on no shortest path
            for e in head[u]:
                v = to[e]
                if cap[e] > 0 and level[v] < 0:
                    level[v] = lu + 1
                    queue.append(v)
        return level if level[t] >= 0 else None

    def max_flow(self, s: int, t: int) -> int:
        total = 0
        to, cap, head = self.to, self.cap, self.head
        while True:
            level = self._bfs(s, t)
            if level is None:
                return total
            it = [0] * self.n
            # iterative DFS: find blocking flow path by path
            while True:
                stack = [s]
                arcs: list[int] = []
                while stack:
                    u = stack[-1]
                    if u == t:
                        break
                    advanced = False
                    hu = head[u]
                    nu = len(hu)
                    i = it[u]
                    nxt = level[u] + 1
                    while i < nu:
                        e = hu[i]
                        v = to[e]
                        if level[v] == nxt and cap[e] > 0:
                            stack.append(v)
                            arcs.append(e)
                            advanced = True
                            break
                        i += 1
                    it[u] = i
                    if not advanced:
                        stack.pop()
                        level[u] = -1     # dead end: never revisit in this phase
                        if arcs:
                            arcs.pop()
                            it[stack[-1]] += 1
                if not stack:
                    break
                push = min(cap[e] for e in arcs)
                for e in arcs:
                    cap[e] -= push
                    cap[e ^ 1] += push
                total += push

    def reachable(self, s: int) -> list[bool]:
        """Nodes reachable from s in the residual graph (the source side of a min cut)."""
        seen = [False] * self.n
        seen[s] = True
        queue = deque([s])
        while queue:
            u = queue.popleft()
            for e in self.head[u]:
                v = self.to[e]
                if self.cap[e] > 0 and not seen[v]:
                    seen[v] = True
                    queue.append(v)
        return seen


def feasible_flow(n: int, edges: list[tuple[int, int, int, int]]):
    """A flow meeting lo <= f <= hi on every edge and conservation at every node.

    Returns (ok, flows, side): flows per edge when ok; otherwise ``side[v]`` marks the set A
    (reachable from the super source) for which Hoffman's condition
    sum(lo into A) <= sum(hi out of A) fails.
    """
    net = MaxFlow(n + 2)
    ss, tt = n, n + 1
    excess = [0] * n
    idx = []
    for u, v, lo, hi in edges:
        idx.append(net.add_edge(u, v, hi - lo))
        excess[v] += lo
        excess[u] -= lo
    need = 0
    for v in range(n):
        if excess[v] > 0:
            net.add_edge(ss, v, excess[v])
            need += excess[v]
        elif excess[v] < 0:
            net.add_edge(v, tt, -excess[v])
    got = net.max_flow(ss, tt)
    if got == need:
        return True, [edges[i][2] + net.flow_on(e) for i, e in enumerate(idx)], None
    seen = net.reachable(ss)
    return False, None, seen[:n]
