"""Min-cost flow on integers: the primal-dual method (successive shortest paths).

Each phase runs Dijkstra on reduced costs (node potentials keep them non-negative), moves
the potentials, then pushes a blocking flow (Dinic) along the arcs whose reduced cost is
now zero. Every phase augments along shortest paths only, so the flow of each value is a
cheapest one (Ahuja, Magnanti, Orlin, "Network Flows", 9.7 and 9.8); capacities and
costs are Python ints, so the result is exact. Arcs are scanned in insertion order and
the heap breaks ties by node number: the same network always gives the same flow.

Replaces negative-cycle cancelling with Bellman-Ford, which needed O(V E) per cycle and
did not finish on a 1 000-request round of 500 linked offerings.
"""
from __future__ import annotations

from collections import deque
from heapq import heappop, heappush

from . import native


class MinCostFlow:
    def __init__(self, n: int):
        self.n = n
        self.head: list[list[int]] = [[] for _ in range(n)]
        self.to: list[int] = []
        self.cap: list[int] = []
        self.cost: list[int] = []

    def add_edge(self, u: int, v: int, cap: int, cost: int) -> int:
        """Arc u->v; returns its index (its flow is ``flow_on(index)``)."""
        idx = len(self.to)
        self.to += (v, u)
        self.cap += (cap, 0)
        self.cost += (cost, -cost)
        self.head[u].append(idx)
        self.head[v].append(idx + 1)
        return idx

    def flow_on(self, idx: int) -> int:
        return self.cap[idx ^ 1]

    def to_sink(self, t: int) -> list[int]:
        """Potentials -(distance to t) over the arcs with capacity (a node that cannot
        reach t gets the largest distance). Every reduced cost is then >= 0 and every
        cheapest path to t has reduced cost 0, so the primal-dual method starts where a
        cold start would arrive after one phase per distinct path cost."""
        n, head, to, cap, cost = self.n, self.head, self.to, self.cap, self.cost
        inf = float("inf")
        dist = [inf] * n
        dist[t] = 0
        heap = [(0, t)]
        while heap:
            d, v = heappop(heap)
            if d > dist[v]:
                continue
            for e in head[v]:
                if e & 1 and cap[e ^ 1] > 0:
                    u = to[e]
                    nd = d + cost[e ^ 1]
                    if nd < dist[u]:
                        dist[u] = nd
                        heappush(heap, (nd, u))
        top = max((d for d in dist if d != inf), default=0)
        return [top if d == inf else -d for d in dist]

    def run(self, s: int, t: int, need: int, pot: list[int] | None = None) -> tuple[int, int]:
        """Send up to ``need`` units s -> t at least cost (costs must be >= 0 on arcs with
        capacity, or reduced costs under the given potentials). Returns (flow sent, its cost)."""
        n, head, to, cap, cost = self.n, self.head, self.to, self.cap, self.cost
        pot = [0] * n if pot is None else pot
        sent = total_cost = 0
        inf = float("inf")
        self.pot = pot
        while sent < need:
            # Dijkstra on reduced costs, stopped once t is settled
            dist = [inf] * n
            dist[s] = 0
            heap = [(0, s)]
            done = [False] * n
            while heap:
                d, u = heappop(heap)
                if done[u]:
                    continue
                done[u] = True
                if u == t:
                    break
                pu = pot[u]
                for e in head[u]:
                    if cap[e] > 0:
                        v = to[e]
                        nd = d + cost[e] + pu - pot[v]
                        if nd < dist[v]:
                            dist[v] = nd
                            heappush(heap, (nd, v))
            dt = dist[t]
            if dt == inf:
                break
            for v in range(n):
                dv = dist[v]
                pot[v] += dv if dv < dt else dt
            got = self._blocking(s, t, pot, need - sent)
            sent += got
            total_cost += got * (pot[t] - pot[s])
        return sent, total_cost

    def _blocking(self, s: int, t: int, pot: list[int], limit: int) -> int:
        """Dinic's blocking flows on the admissible arcs (residual, zero reduced cost).
        The level graph stops at t's level: nodes beyond it are on no shortest path."""
        n, head, to, cap, cost = self.n, self.head, self.to, self.cap, self.cost
        pushed = 0
        while pushed < limit:
            level = [-1] * n
            level[s] = 0
            queue = deque([s])
            while queue:
                u = queue.popleft()
                lu = level[u]
                if level[t] >= 0 and lu >= level[t]:
                    break
                pu = pot[u]
                for e in head[u]:
                    v = to[e]
                    if level[v] < 0 and cap[e] > 0 and cost[e] + pu - pot[v] == 0:
                        level[v] = lu + 1
                        queue.append(v)
            if level[t] < 0:
                return pushed
            it = [0] * n
            while pushed < limit:
                stack, arcs = [s], []
                while stack:
                    u = stack[-1]
                    if u == t:
                        break
                    hu = head[u]
                    nu = len(hu)
                    i = it[u]
                    nxt = level[u] + 1
                    pu = pot[u]
                    advanced = False
                    while i < nu:
                        e = hu[i]
                        v = to[e]
                        if level[v] == nxt and cap[e] > 0 and cost[e] + pu - pot[v] == 0:
                            stack.append(v)
                            arcs.append(e)
                            advanced = True
                            break
                        i += 1
                    it[u] = i
                    if not advanced:
                        stack.pop()
                        level[u] = -1
                        if arcs:
                            arcs.pop()
                            it[stack[-1]] += 1
                if not stack:
                    break
                push = min(min(cap[e] for e in arcs), limit - pushed)
                for e in arcs:
                    cap[e] -= push
                    cap[e ^ 1] += push
                pushed += push
        return pushed

def lexicographic(n: int, edges: list, levels: int, hub: int) -> list[int]:
    """``_lexicographic`` in compiled code (``native.lexicographic``) when the numbers fit."""
    out = native.lexicographic(n, edges, levels)
    return _lexicographic(n, edges, levels, hub) if out is None else out


def _lexicographic(n: int, edges: list, levels: int, hub: int) -> list[int]:
    """A circulation meeting lo <= f <= hi on every edge (u, v, lo, hi, costs) that is
    cheapest for costs[0], then, among those, for costs[1], and so on (every cost >= 0).

    One min-cost flow per level instead of one on a combined cost rank*M^2 + price*M + id:
    a combined cost has a distinct value for nearly every path, so the primal-dual method
    needs one phase per value; each level alone has few. After a level, its optimal
    potentials pin every edge of non-zero reduced cost at the bound complementary slackness
    requires (every optimal flow of that level meets them), and only the edges of zero
    reduced cost (the optimal face) stay free for the next level.

    Each level is solved per connected component of its free edges, the node ``hub``
    (the one sink every unit passes through) counted apart: what a component exchanges
    with the rest is fixed by its pinned edges, so the components are independent, and
    after the first level they are small.
    """
    lo = [e[2] for e in edges]
    hi = [e[3] for e in edges]
    flows = list(lo)
    for k in range(levels):
        free = [i for i in range(len(edges)) if lo[i] < hi[i]]
        if k and not any(edges[i][4][k] for i in free):
            continue        # every flow of the face costs the same at this level
        excess = [0] * n
        for i, e in enumerate(edges):
            f = lo[i]
            if f:
                excess[e[1]] += f
                excess[e[0]] -= f
        parent = list(range(n))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for i in free:
            u, v = edges[i][0], edges[i][1]
            if u != hub and v != hub:
                a, b = find(u), find(v)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        comp_edges: dict[int, list[int]] = {}
        for i in free:
            u, v = edges[i][0], edges[i][1]
            comp_edges.setdefault(find(v if u == hub else u), []).append(i)
        for root in sorted(comp_edges):
            ids = comp_edges[root]
            local = {}
            for i in ids:
                for x in edges[i][:2]:
                    if x not in local:
                        local[x] = len(local)
            m = len(local)
            net = MinCostFlow(m + 2)
            ss, tt = m, m + 1
            idx = [net.add_edge(local[edges[i][0]], local[edges[i][1]], hi[i] - lo[i], edges[i][4][k]) for i in ids]
            need = 0
            bal = 0
            hub_local = local.get(hub)
            for x, j in local.items():
                if x == hub:
                    continue
                ex = excess[x]
                bal += ex
                if ex > 0:
                    net.add_edge(ss, j, ex, 0)
                    need += ex
                elif ex < 0:
                    net.add_edge(j, tt, -ex, 0)
            if hub_local is not None:
                if bal < 0:
                    net.add_edge(ss, hub_local, -bal, 0)
                    need -= bal
                elif bal > 0:
                    net.add_edge(hub_local, tt, bal, 0)
            sent, _ = net.run(ss, tt, need, net.to_sink(tt))
            assert sent == need, "no feasible circulation"
            pot = net.pot
            for i, e in zip(ids, idx):
                f = lo[i] + net.flow_on(e)
                flows[i] = f
                if k + 1 < levels:
                    u, v, _, _, costs = edges[i]
                    rc = costs[k] + pot[local[u]] - pot[local[v]]
                    if rc != 0:
                        lo[i] = hi[i] = f
    return flows
