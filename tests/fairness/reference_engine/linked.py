"""Linked offerings: one flow network per component, solved in three stages.

1. groups: lexicographic max-min fair totals x_g / w_g (``multi.lexmaxmin``), with each
   group's floor at each offering as a lower bound on its flow there;
2. orgs inside groups: the same rule with the group totals fixed (only when a group has
   several orgs with demand);
3. requests: the integer flow that realises the org totals, made cheapest by cancelling
   negative cycles, where serving an older request of the same org always outranks price.
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from math import floor

from .flow import MaxFlow
from .multi import Principal, cancel_negative_cycles, integerise, lexmaxmin


class Nodes:
    """Names to consecutive integers; node 0 is the source s, node 1 the sink t."""

    def __init__(self):
        self.index = {"s": 0, "t": 1}

    def __call__(self, key) -> int:
        if key not in self.index:
            self.index[key] = len(self.index)
        return self.index[key]

    def __len__(self):
        return len(self.index)


def _floor_flows(alloc, offerings, classes, floors) -> dict[tuple[str, str], int]:
    """phi_go: the largest jointly feasible part of the floors (one request may count
    towards reservations at two offerings but can only be served once)."""
    rnd = alloc.rnd
    wanted = {k: v for k, v in floors.items() if v > 0}
    if not wanted:
        return {}
    node = Nodes()
    net_edges = []
    for (g, eset), d in sorted(classes.items()):
        c = node(("c", g, eset))
        net_edges.append((0, c, d))
        for o in eset:
            if (g, o) in wanted:
                net_edges.append((c, node(("f", g, o)), d))
    floor_arcs = {}
    for (g, o), f in sorted(wanted.items()):
        floor_arcs[(g, o)] = len(net_edges)
        net_edges.append((node(("f", g, o)), node(("o", o)), f))
    for o in offerings:
        net_edges.append((node(("o", o)), 1, rnd.offerings[o].capacity))
    net = MaxFlow(len(node))
    idx = [net.add_edge(u, v, c) for u, v, c in net_edges]
    net.max_flow(0, 1)
    return {k: net.flow_on(idx[i]) for k, i in floor_arcs.items()}


def _group_stage(alloc, offerings, by_group, classes, phi, weights):
    rnd = alloc.rnd
    node = Nodes()
    groups = sorted(by_group)
    fixed = []
    for (g, eset), d in sorted(classes.items()):
        c = node(("c", g, eset))
        fixed.append((node(("g", g)), c, 0, d))
        for o in eset:
            target = node(("f", g, o)) if phi.get((g, o), 0) > 0 else node(("o", o))
            fixed.append((c, target, 0, None))
    for (g, o), f in sorted(phi.items()):
        if f > 0:
            fixed.append((node(("f", g, o)), node(("o", o)), f, None))
    for o in offerings:
        fixed.append((node(("o", o)), 1, 0, rnd.offerings[o].capacity))
    fixed.append((1, 0, 0, None))
    principals = []
    for g in groups:
        d = sum(r.units for r in by_group[g])
        fl = sum(v for (h, _), v in phi.items() if h == g)
        principals.append(Principal(0, node(("g", g)), Fraction(d), Fraction(fl), weights[g]))
    totals, levels = lexmaxmin(len(node), fixed, principals)
    tiebreak = {i: (min(r.priority for r in by_group[g]), g) for i, g in enumerate(groups)}
    units, _ = integerise(len(node), fixed, principals, totals, tiebreak)
    return ({g: totals[i] for i, g in enumerate(groups)}, {g: levels[i] for i, g in enumerate(groups)},
            {g: units[i] for i, g in enumerate(groups)})


def _org_stage(alloc, offerings, by_group, group_units, phi):
    """Org totals inside each group (weights of the orgs), group totals held fixed."""
    rnd = alloc.rnd
    by_org: dict[str, list] = defaultdict(list)
    for g, reqs in by_group.items():
        for r in reqs:
            by_org[r.org].append(r)
    if all(len({r.org for r in reqs}) == 1 for reqs in by_group.values()):
        return {by_group[g][0].org: group_units[g] for g in by_group}
    node = Nodes()
    fixed = []
    for g in sorted(by_group):
        fixed.append((0, node(("g", g)), group_units[g], group_units[g]))
    oclasses: dict[tuple, int] = defaultdict(int)
    for org, reqs in by_org.items():
        for r in reqs:
            oclasses[(org, r.offerings)] += r.units
    for (org, eset), d in sorted(oclasses.items()):
        c = node(("c", org, eset))
        g = rnd.orgs[org].group
        fixed.append((node(("org", org)), c, 0, d))
        for o in eset:
            target = node(("f", g, o)) if phi.get((g, o), 0) > 0 else node(("o", o))
            fixed.append((c, target, 0, None))
    for (g, o), f in sorted(phi.items()):
        if f > 0:
            fixed.append((node(("f", g, o)), node(("o", o)), f, None))
    for o in offerings:
        fixed.append((node(("o", o)), 1, 0, rnd.offerings[o].capacity))
    fixed.append((1, 0, 0, None))
    orgs = sorted(by_org)
    principals = [Principal(node(("g", rnd.orgs[o].group)), node(("org", o)),
                            Fraction(sum(r.units for r in by_org[o])), Fraction(0), rnd.orgs[o].weight)
                  for o in orgs]
    totals, _ = lexmaxmin(len(node), fixed, principals)
    tiebreak = {i: (min(r.priority for r in by_org[o]), o) for i, o in enumerate(orgs)}
    units, _ = integerise(len(node), fixed, principals, totals, tiebreak)
    return {o: units[i] for i, o in enumerate(orgs)}


def _request_stage(alloc, offerings, reqs, org_units, phi):
    """Route every org's units to its requests and offerings: oldest request first, then
    lowest unit price, then offering id (as costs of a min-cost circulation)."""
    from .flow import feasible_flow
    from .multi import Residual
    rnd = alloc.rnd
    node = Nodes()
    edges, cost = [], {}
    total_cap = sum(rnd.offerings[o].capacity for o in offerings) + 1
    ranked = sorted(offerings, key=lambda o: (rnd.offerings[o].unit_price, o))
    span = total_cap * (len(offerings) + 1)
    price_cost = {o: rnd.offerings[o].unit_price * span + k for k, o in enumerate(ranked)}
    age_step = (max(price_cost.values()) + 1) * total_cap
    for org in sorted(org_units):
        edges.append((0, node(("org", org)), org_units[org], org_units[org]))
    by_org = defaultdict(list)
    for r in reqs:
        by_org[r.org].append(r)
    arcs = {}
    for org in sorted(by_org):
        for rank, r in enumerate(sorted(by_org[org], key=lambda r: r.priority)):
            rn = node(("r", r.id))
            cost[len(edges)] = rank * age_step
            edges.append((node(("org", org)), rn, 0, r.units))
            g = rnd.orgs[org].group
            for o in r.offerings:
                target = node(("f", g, o)) if phi.get((g, o), 0) > 0 else node(("o", o))
                arcs[(r.id, o)] = len(edges)
                cost[len(edges)] = price_cost[o]
                edges.append((rn, target, 0, None))
    for (g, o), f in sorted(phi.items()):
        if f > 0:
            edges.append((node(("f", g, o)), node(("o", o)), f, None))
    for o in offerings:
        edges.append((node(("o", o)), 1, 0, rnd.offerings[o].capacity))
    big = sum(org_units.values()) + 1
    edges.append((1, 0, 0, big))
    edges = [(u, v, lo, big if hi is None else hi) for u, v, lo, hi in edges]
    ok, flows, _ = feasible_flow(len(node), edges)
    assert ok, "org totals must be routable"
    res = Residual(len(node), edges, flows)
    cancel_negative_cycles(res, cost)
    return {key: res.flows[i] for key, i in arcs.items() if res.flows[i] > 0}


def solve_linked(alloc, offerings, reqs) -> None:
    from .engine import GroupRow
    rnd = alloc.rnd
    by_group: dict[str, list] = defaultdict(list)
    for r in reqs:
        by_group[alloc.group_of(r)].append(r)
    groups = sorted(by_group)
    classes: dict[tuple, int] = defaultdict(int)
    demand_at: dict[tuple[str, str], int] = defaultdict(int)
    for g, rs in by_group.items():
        for r in rs:
            classes[(g, r.offerings)] += r.units
            for o in r.offerings:
                demand_at[(g, o)] += r.units
    floors = {}
    guar = {}
    for (g, o), d in demand_at.items():
        guar[(g, o)] = alloc.guarantee(alloc.members[g], o)
        floors[(g, o)] = min(guar[(g, o)], d, alloc.clamp(o))
    weights = alloc.effective_weights(groups, offerings)
    set_aside = {}
    if rnd.policy.small_set_aside > 0:
        small = {g: rs for g, rs in by_group.items() if alloc.small[g]}
        if small:
            set_aside = _set_aside_pass(alloc, offerings, small, weights)
            floors = {k: max(v, set_aside.get(k, 0)) for k, v in floors.items()}
    phi = _floor_flows(alloc, offerings, classes, floors)
    totals, levels, group_units = _group_stage(alloc, offerings, by_group, classes, phi, weights)
    org_units = _org_stage(alloc, offerings, by_group, group_units, phi)
    served = _request_stage(alloc, offerings, reqs, org_units, phi)
    at = defaultdict(int)
    org_of = {r.id: r for r in reqs}
    for (rid, o), n in served.items():
        alloc.served[(rid, o)] += n
        at[(alloc.group_of(org_of[rid]), o)] += n
    gdemand = {g: sum(r.units for r in by_group[g]) for g in groups}
    for (g, o) in sorted(demand_at):
        alloc.rows.append(GroupRow(g, o, sorted({r.org for r in by_group[g] if o in r.offerings}),
                                   demand_at[(g, o)], guar[(g, o)], phi.get((g, o), 0), alloc.clamp(o),
                                   set_aside.get((g, o)) if set_aside else None, weights[g],
                                   alloc.group_weight[g], levels[g], totals[g], at[(g, o)],
                                   list(offerings), gdemand[g], group_units[g]))


def _set_aside_pass(alloc, offerings, small_groups, weights) -> dict[tuple[str, str], int]:
    """Pass 1 over linked offerings: floor(small_set_aside*C_o) at each offering, shared
    among the all-small groups without floors; returns their units per offering."""
    rnd = alloc.rnd
    pool = {o: floor(rnd.policy.small_set_aside * rnd.offerings[o].capacity) for o in offerings}
    node = Nodes()
    classes: dict[tuple, int] = defaultdict(int)
    for g, rs in small_groups.items():
        for r in rs:
            classes[(g, r.offerings)] += r.units
    fixed, arcs = [], []
    for (g, eset), d in sorted(classes.items()):
        c = node(("c", g, eset))
        fixed.append((node(("g", g)), c, 0, d))
        for o in eset:
            arcs.append(((g, o), len(fixed)))
            fixed.append((c, node(("o", o)), 0, None))
    for o in offerings:
        fixed.append((node(("o", o)), 1, 0, pool[o]))
    fixed.append((1, 0, 0, None))
    groups = sorted(small_groups)
    principals = [Principal(0, node(("g", g)), Fraction(sum(r.units for r in small_groups[g])), Fraction(0),
                            weights[g]) for g in groups]
    totals, _ = lexmaxmin(len(node), fixed, principals)
    tiebreak = {i: (min(r.priority for r in small_groups[g]), g) for i, g in enumerate(groups)}
    _, res = integerise(len(node), fixed, principals, totals, tiebreak)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for key, i in arcs:
        out[key] += res.flows[i]
    return dict(out)
