"""Linked offerings: one flow network per component, solved in three stages.

1. groups: lexicographic max-min fair totals x_g / w_g (``maxmin.lexmaxmin``), with each
   group's floor at each offering as a lower bound on its flow there;
2. orgs inside groups: the same rule with the group totals fixed (only the orgs of groups
   that have several orgs with demand are principals);
3. requests: the cheapest integer flow that realises the org totals (``mincost``), where
   serving an older request of the same org always outranks price.
"""
from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from math import floor

import numpy as np

from . import native
from .flow import MaxFlow
from .maxmin import Fixed, Principal, integerise, lexmaxmin
from .mincost import lexicographic
from .numbers import Desc
from .rows import Rows, why_of


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
    # only classes that can reach a floor: the others would be dead ends of the network
    # (leaving them out changes no path the search takes, only its work)
    with_floor = {g for g, _ in wanted}
    for (g, eset), d in sorted(classes.items()):
        if g not in with_floor or not any((g, o) in wanted for o in eset):
            continue
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
    if _all_floors_fit(len(node), net_edges, sum(wanted.values())):
        return dict(wanted)
    net = MaxFlow(len(node))
    idx = [net.add_edge(u, v, c) for u, v, c in net_edges]
    net.max_flow(0, 1)
    return {k: net.flow_on(idx[i]) for k, i in floor_arcs.items()}


def _all_floors_fit(n: int, edges: list, total: int) -> bool:
    """Whether a max-flow saturates every floor arc (its value is then their sum: every unit
    reaching the sink crosses one). Then the floors are the flows of every max-flow, so the
    compiled solver answers for the pure-Python one; otherwise which floors give way depends
    on the search, and the pure-Python flow keeps deciding it as it always has."""
    if not native.ENABLED or total >= native.LIMIT:
        return False
    tails, heads, caps = zip(*edges)
    cap = native.ints(caps, len(caps))
    if cap is None:
        return False
    net = native.max_flow_solver()
    net.add_arcs_with_capacity(np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64), cap)
    return net.solve(0, 1) == net.OPTIMAL and net.optimal_flow() == total


def _floor_and_capacity_arcs(node, fixed, rnd, offerings, phi) -> None:
    """The arcs both stages share: each positive floor as its own node in front of its
    offering, each offering's free capacity into the sink (node 1), and sink back to source."""
    for (g, o), f in sorted(phi.items()):
        if f > 0:
            fixed.append((node(("f", g, o)), node(("o", o)), f, None))
    for o in offerings:
        fixed.append((node(("o", o)), 1, 0, rnd.offerings[o].capacity))
    fixed.append((1, 0, 0, None))


def _class_arcs(node, fixed, owner: int, key, g, eset, demand: int, phi) -> None:
    """owner -> class (its demand) -> each eligible offering; a class of one offering is
    one arc owner -> offering (same flows, a node and an arc fewer: most classes are)."""
    targets = [node(("f", g, o)) if phi.get((g, o), 0) > 0 else node(("o", o)) for o in eset]
    if len(targets) == 1:
        fixed.append((owner, targets[0], 0, demand))
        return
    c = node(key)
    fixed.append((owner, c, 0, demand))
    for target in targets:
        fixed.append((c, target, 0, None))


def _group_stage(alloc, offerings, by_group, classes, phi, weights):
    """Group totals (exact, with levels) and whole units. Also returns the network's shape
    (node names, each group's class arcs, the arcs after them), which the org stage reuses:
    a group of one org has the same arcs there."""
    rnd = alloc.rnd
    node = Nodes()
    groups = sorted(by_group)
    arcs_of: dict[str, list] = defaultdict(list)
    for (g, eset), d in sorted(classes.items()):
        _class_arcs(node, arcs_of[g], node(("g", g)), ("c", g, eset), g, eset, d, phi)
    tail: list = []
    _floor_and_capacity_arcs(node, tail, rnd, offerings, phi)
    fixed = Fixed(e for g in groups for e in arcs_of[g])
    fixed += tail
    floor_of: dict[str, int] = defaultdict(int)
    for (g, _), v in phi.items():
        floor_of[g] += v
    principals = []
    for g in groups:
        d = sum(r.units for r in by_group[g])
        principals.append(Principal(0, node(("g", g)), Fraction(d), Fraction(floor_of[g]), weights[g]))
    totals, levels = lexmaxmin(len(node), fixed, principals)
    tiebreak = {i: (min(r.priority for r in by_group[g]), g) for i, g in enumerate(groups)}
    units, _ = integerise(len(node), fixed, principals, totals, tiebreak, exact_flow=False)
    return ({g: totals[i] for i, g in enumerate(groups)}, {g: levels[i] for i, g in enumerate(groups)},
            {g: units[i] for i, g in enumerate(groups)}, (node, arcs_of, tail))


def _org_stage(alloc, by_group, group_units, phi, shape):
    """Org totals inside each group (weights of the orgs), group totals held fixed.

    Only orgs of groups with several orgs here are principals: an org alone in its group has
    its group's total, which the fixed edge s -> group already forces (and a constant
    coordinate changes neither the lexicographic order nor the rounding of the others), and
    its arcs are the group's arcs of the group stage."""
    rnd = alloc.rnd
    orgs_of = {g: sorted({r.org for r in reqs}) for g, reqs in by_group.items()}
    shared = sorted(g for g, os in orgs_of.items() if len(os) > 1)
    if not shared:
        return {orgs_of[g][0]: group_units[g] for g in by_group}
    node, arcs_of, tail = shape
    fixed = Fixed((0, node(("g", g)), group_units[g], group_units[g]) for g in sorted(by_group))
    shared_set = set(shared)
    for g in sorted(by_group):
        if g not in shared_set:
            fixed += arcs_of[g]
    by_org: dict[str, list] = defaultdict(list)
    oclasses: dict[tuple, int] = defaultdict(int)
    for g in shared:
        for r in by_group[g]:
            by_org[r.org].append(r)
            oclasses[(r.org, r.offerings)] += r.units
    for (org, eset), d in sorted(oclasses.items()):
        _class_arcs(node, fixed, node(("org", org)), ("c", org, eset), rnd.orgs[org].group, eset, d, phi)
    fixed += tail
    orgs = sorted(by_org)
    principals = [Principal(node(("g", rnd.orgs[o].group)), node(("org", o)),
                            Fraction(sum(r.units for r in by_org[o])), Fraction(0), rnd.orgs[o].weight)
                  for o in orgs]
    totals, _ = lexmaxmin(len(node), fixed, principals, levels=False)
    tiebreak = {i: (min(r.priority for r in by_org[o]), o) for i, o in enumerate(orgs)}
    units, _ = integerise(len(node), fixed, principals, totals, tiebreak, exact_flow=False)
    out = {orgs_of[g][0]: group_units[g] for g in by_group if g not in shared_set}
    out.update({o: units[i] for i, o in enumerate(orgs)})
    return out


def _priority(r):
    return r.priority


def _request_stage(alloc, offerings, reqs, org_units, phi):
    """Route every org's units to its requests and offerings: oldest request first, then
    lowest unit price, then offering id, as three levels of a lexicographic min-cost flow.

    Requests of one org with the same eligible offerings form a class: parallel arcs
    org -> class, one per request, cost its rank inside the org (so the cheapest flow fills
    a class oldest first), and one arc class -> offering each; price and id rank are costs
    of the arc offering -> sink.
    Floors are lower bounds phi on (group, offering) -> offering. Inside a class the served
    units of its requests (oldest first) meet its flows to offerings in id order: the costs
    are the same for any such split."""
    rnd = alloc.rnd
    node = Nodes()
    ranked = sorted(offerings, key=lambda o: (rnd.offerings[o].unit_price, o))
    id_rank = {o: k for k, o in enumerate(ranked)}
    total = sum(org_units.values())
    big = total + sum(phi.values()) + 1
    edges = []              # (u, v, lo, hi, (age, price, id))
    zero = (0, 0, 0)
    for org in sorted(org_units):
        edges.append((0, node(("org", org)), org_units[org], org_units[org], zero))
    by_org = defaultdict(list)
    for r in reqs:
        by_org[r.org].append(r)
    # where a unit of group g's demand enters offering o: its floor node, or o itself
    onode = {o: node(("o", o)) for o in offerings}
    fnode = {k: node(("f", k[0], k[1])) for k, f in sorted(phi.items()) if f > 0}
    singles = []            # (request, offering, edge): a request of one offering has no class
    req_arcs = {}           # class -> [(request, edge)] oldest first
    append = edges.append
    for org in sorted(by_org):
        on = node(("org", org))
        g = rnd.orgs[org].group
        for rank, r in enumerate(sorted(by_org[org], key=_priority)):
            offs = r.offerings
            if len(offs) == 1:
                o = offs[0]
                singles.append((r, o, len(edges)))
                append((on, fnode.get((g, o)) or onode[o], 0, r.units, (rank, 0, 0)))
                continue
            cn = node(("c", org, offs))
            req_arcs.setdefault((org, offs), []).append((r, len(edges)))
            append((on, cn, 0, r.units, (rank, 0, 0)))
    off_arcs = {}
    for (org, eset) in sorted(req_arcs):
        cn = node(("c", org, eset))
        g = rnd.orgs[org].group
        arcs = off_arcs[(org, eset)] = []
        for o in eset:
            arcs.append((o, len(edges)))
            append((cn, fnode.get((g, o)) or onode[o], 0, big, zero))
    for (g, o), f in sorted(phi.items()):
        if f > 0:
            edges.append((node(("f", g, o)), node(("o", o)), f, big, zero))
    # price and id rank on the arc offering -> sink that every unit served there takes:
    # after the first two levels nearly all of these arcs are pinned, and the id level
    # has almost nothing left to decide
    for o in offerings:
        edges.append((node(("o", o)), 1, 0, rnd.offerings[o].capacity, (0, rnd.offerings[o].unit_price, id_rank[o])))
    edges.append((1, 0, 0, total, zero))
    flows = lexicographic(len(node), edges, 3, 1)
    out = {(r, o): flows[i] for r, o, i in singles if flows[i]}
    for key, rs in req_arcs.items():
        left = [[o, flows[i]] for o, i in off_arcs[key] if flows[i] > 0]
        j = 0
        for r, i in rs:
            n = flows[i]
            while n > 0:
                take = min(n, left[j][1])
                out[(r, left[j][0])] = out.get((r, left[j][0]), 0) + take
                n -= take
                left[j][1] -= take
                if left[j][1] == 0:
                    j += 1
    return out


def solve_linked(alloc, offerings, reqs) -> None:
    rnd = alloc.rnd
    by_group: dict[str, list] = defaultdict(list)
    for r in reqs:
        by_group[alloc.group_of(r)].append(r)
    groups = sorted(by_group)
    classes: dict[tuple, int] = defaultdict(int)
    demand_at: dict[tuple[str, str], int] = defaultdict(int)
    members_at: dict[tuple[str, str], set] = defaultdict(set)
    for g, rs in by_group.items():
        for r in rs:
            classes[(g, r.offerings)] += r.units
            for o in r.offerings:
                demand_at[(g, o)] += r.units
                members_at[(g, o)].add(r.org)
    floors = {}
    guar = {}
    for (g, o), d in demand_at.items():
        guar[(g, o)] = gu = alloc.group_guarantee.get((g, o), 0)
        floors[(g, o)] = min(gu, d, alloc.clamp(o)) if gu else 0
    weights = alloc.effective_weights(groups, offerings)
    set_aside = {}
    if rnd.policy.small_set_aside > 0:
        small = {g: rs for g, rs in by_group.items() if alloc.small[g]}
        if small:
            set_aside = _set_aside_pass(alloc, offerings, small, weights)
            floors = {k: max(v, set_aside.get(k, 0)) for k, v in floors.items()}
    phi = _floor_flows(alloc, offerings, classes, floors)
    totals, levels, group_units, shape = _group_stage(alloc, offerings, by_group, classes, phi, weights)
    org_units = _org_stage(alloc, by_group, group_units, phi, shape)
    served = _request_stage(alloc, offerings, reqs, org_units, phi)
    at = defaultdict(int)
    for (r, o), n in served.items():
        alloc.give(r, o, n)
        at[(r.group, o)] += n
    gdemand = {g: sum(r.units for r in by_group[g]) for g in groups}
    shared: dict[tuple, Desc] = {}      # one rendering per distinct (level, weight)
    desc = {}
    for g in groups:
        key = (levels[g], weights[g])
        if key not in shared:
            shared[key] = Desc(*key)
        desc[g] = shared[key]
    # what a row needs of its group, once per group (most rows have no floor)
    why0 = {g: None if levels[g] is None else why_of(totals[g], 0, gdemand[g], desc[g].fair) for g in groups}
    fractional = {g: type(totals[g]) is not int and totals[g].denominator != 1 for g in groups}
    # the rows, one column per field, filled in (offering, group) order in one pass
    cols: dict[str, list[list]] = {}
    for (g, o) in sorted(demand_at):
        c = cols.get(o)
        if c is None:
            c = cols[o] = [[] for _ in range(11)]
        key = (g, o)
        f = phi.get(key, 0)
        x = members_at[key]
        c[0].append(g)
        c[1].append(sorted(x) if len(x) > 1 else list(x))
        c[2].append(demand_at[key])
        c[3].append(guar[key])
        c[4].append(f)
        c[5].append(set_aside.get(key))
        c[6].append(at.get(key, 0))
        c[7].append(why0[g] if not f or levels[g] is None else why_of(totals[g], f, gdemand[g], desc[g].fair))
        c[8].append(desc[g])
        c[9].append(gdemand[g])
        c[10].append(group_units[g])
    for o, (gs, members, demand, guarantee, floors_o, aside, units, why, ds, gd, gu) in cols.items():
        alloc.blocks[o] = Rows(
            o, offerings, alloc.clamp(o), gs, members, demand, guarantee, floors_o,
            aside if set_aside else None, ds, [alloc.group_weight[g] for g in gs], units, gd, gu, why,
            [fractional[g] for g in gs], [why0[g] for g in gs])


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
