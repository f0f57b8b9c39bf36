"""Every level at once (``breakpoints``) against the exact loop (``maxmin.lexmaxmin`` with
``Fraction``s): random networks built to have many levels — offerings oversubscribed by
different factors, floors (some exactly at a capacity, so tight while flat), demands, weights,
positive lower bounds on fixed arcs."""
import functools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from broker.fairness import breakpoints, filling, maxmin, native

FAIRNESS = settings.get_profile("fairness")


# The strategies are built once (a strategy made inside a draw is validated again on every
# example: with ~70 draws per network that was most of these tests' time). A choice among a
# few values, some of them drawn, draws its index first (as ``sampled_from`` does) and then
# only the value it picked: each value has the distribution of ``draw(st.sampled_from([...]))``
# and shrinks the same way (towards the first), without the draws it would throw away.
_N_OFF, _N_GRP, _CAP, _LOW, _HI, _LO, _DEMAND = (st.integers(1, 6), st.integers(1, 9), st.integers(0, 30),
                                                  st.integers(0, 6), st.integers(0, 20), st.integers(0, 4),
                                                  st.integers(0, 40))
_WEIGHT = st.sampled_from([Fraction(1), Fraction(1), Fraction(2), Fraction(3), Fraction(1, 2), Fraction(2, 3),
                           Fraction(5, 7)])
_INDEX = {n: st.integers(0, n - 1) for n in (2, 3, 4)}
_ints = functools.lru_cache(maxsize=None)(st.integers)  # one strategy object per range


def _one_of(draw, values):
    """``draw(st.sampled_from(values))`` (a list, tuple or range of 2 to 4 values); a value
    given as a strategy is drawn only when it is the one picked."""
    value = values[draw(_INDEX[len(values)])]
    return draw(value) if isinstance(value, st.SearchStrategy) else value


@functools.lru_cache(maxsize=None)
def _subsets(offs: tuple, max_size: int):
    return st.lists(st.sampled_from(offs), min_size=1, max_size=max_size, unique=True)


def _feasible(n, fixed, principals, fixed_stays_fixed=False):
    """The network with its lower bounds (arcs' lows, principals' floors) lowered, when they
    cannot all be met, to what one circulation carries that meets as much of them as it can
    (a min-cost circulation paying -1 a unit below a lower bound): a network the strategy
    could have drawn, and feasible. Feasible draws are returned as drawn, so no draw is
    rejected and the feasible ones keep their distribution; the rest land on the boundary
    (lower bounds tight), where the floors' cases are. With ``fixed_stays_fixed`` an arc
    with lo == hi (an org stage's group units) keeps lo == hi at its new value."""
    net = maxmin._Network(n, maxmin.Fixed(fixed), principals)
    if net.feasible([min(p.demand, p.floor) for p in principals])[0]:
        return fixed, principals
    arcs = list(fixed) + [(p.tail, p.head, int(p.floor), int(p.demand)) for p in principals]
    big = 1 + sum(lo + (hi or 0) for _, _, lo, hi in arcs)
    # each arc twice: its lower bound's part at cost -1, the rest free
    tails = [u for u, _, _, _ in arcs] * 2
    heads = [v for _, v, _, _ in arcs] * 2
    his = [lo for _, _, lo, _ in arcs] + [big if hi is None else hi - lo for _, _, lo, hi in arcs]
    cost = [-1] * len(arcs) + [0] * len(arcs)
    flows = native.min_cost_circulation(n, tails, heads, [0] * len(tails), his, cost)
    met = [int(x) for x in flows[:len(arcs)]]
    fixed = [(u, v, x, x if fixed_stays_fixed and lo == hi else hi)
             for (u, v, lo, hi), x in zip(fixed, met)]
    principals = [maxmin.Principal(p.tail, p.head, p.demand, Fraction(x), p.weight)
                  for p, x in zip(principals, met[len(fixed):])]
    assert maxmin._Network(n, maxmin.Fixed(fixed), principals).feasible(
        [min(p.demand, p.floor) for p in principals])[0], "the lowered bounds are met"
    return fixed, principals


@st.composite
def networks(draw):
    """(n, fixed, principals): s = 0 -> group g (principal) -> offerings -> t = 1 -> s."""
    n_off = draw(_N_OFF)
    n_grp = draw(_N_GRP)
    s, t = 0, 1
    groups = list(range(2, 2 + n_grp))
    offs = list(range(2 + n_grp, 2 + n_grp + n_off))
    fixed = []
    for o in offs:
        cap = draw(_CAP)
        low = min(cap, _one_of(draw, (0, 0, 0, _LOW)))
        fixed.append((o, t, low, cap))
    principals = []
    for g in groups:
        reach = draw(_subsets(tuple(offs), 3))
        for o in reach:
            hi = _one_of(draw, (None, None, _HI))
            lo = _one_of(draw, (0, 0, 0, _LO))
            if hi is not None:
                lo = min(lo, hi)
            fixed.append((g, o, lo, hi))
        d = draw(_DEMAND)
        f = _one_of(draw, (0, _ints(0, d), _ints(0, min(d, 12))))
        w = draw(_WEIGHT)
        principals.append(maxmin.Principal(s, g, Fraction(d), Fraction(f), w))
    fixed.append((t, s, 0, None))
    n = 2 + n_grp + n_off
    # the exact loop needs the floors (and the fixed lower bounds) feasible: lowered to what
    # a flow carries when they are not (rejecting those draws wasted half of them)
    return (n, *_feasible(n, fixed, principals))


def _exact(n, fixed, principals):
    real = filling.fill
    try:
        filling.fill = lambda *a, **k: None
        return maxmin.lexmaxmin(n, maxmin.Fixed(fixed), principals)
    finally:
        filling.fill = real


def _breakpoints(n, fixed, principals):
    tails, heads, _, _, lo, hi, unb = maxmin.Fixed(fixed).columns()
    return breakpoints.fill(n, 0, np.array(tails, dtype=np.int64), np.array(heads, dtype=np.int64),
                            lo, hi, unb, principals)


@FAIRNESS
@given(networks())
def test_breakpoints_give_the_exact_loops_totals_and_levels(net):
    assert native.ENABLED
    assert _breakpoints(*net) == _exact(*net)


def test_tight_while_flat_and_a_floor_that_gives_way():
    """A group whose floor equals its only offering's capacity is tight from the start but
    freezes at the first level that binds; another whose floor holds it flat joins a tight
    set below its floor ÷ weight and makes a level where it starts to rise."""
    s, t, g1, g2, g3, a, b = range(7)
    fixed = [(a, t, 0, 10), (b, t, 0, 12), (g1, a, 0, None), (g2, b, 0, None), (g3, b, 0, None), (t, s, 0, None)]
    principals = [maxmin.Principal(s, g1, Fraction(20), Fraction(10), Fraction(1)),
                  maxmin.Principal(s, g2, Fraction(20), Fraction(8), Fraction(1)),
                  maxmin.Principal(s, g3, Fraction(9), Fraction(0), Fraction(1))]
    exact = _exact(7, fixed, principals)
    assert _breakpoints(7, fixed, principals) == exact
    assert len({v for v in exact[1].values() if v is not None}) >= 1


@pytest.mark.parametrize("seed", range(40))
def test_many_levels(seed):
    """Dozens of offerings oversubscribed by factors 1/4 to 8, one level each or so."""
    rng = np.random.default_rng(seed)
    n_off, n_grp = 25, 40
    s, t = 0, 1
    groups = list(range(2, 2 + n_grp))
    offs = list(range(2 + n_grp, 2 + n_grp + n_off))
    fixed = [(o, t, 0, int(rng.integers(1, 60))) for o in offs]
    principals = []
    for g in groups:
        for o in rng.choice(offs, size=int(rng.integers(1, 3)), replace=False).tolist():
            fixed.append((g, o, 0, None))
        d = int(rng.integers(1, 120))
        f = int(rng.integers(0, 3)) if rng.random() < 0.3 else 0
        w = Fraction(int(rng.integers(1, 4)), int(rng.integers(1, 3)))
        principals.append(maxmin.Principal(s, g, Fraction(d), Fraction(min(f, d)), w))
    fixed.append((t, s, 0, None))
    n = 2 + n_grp + n_off
    net = maxmin._Network(n, maxmin.Fixed(fixed), principals)
    if not net.feasible([min(p.demand, p.floor) for p in principals])[0]:
        pytest.skip("floors infeasible")
    exact = _exact(n, fixed, principals)
    assert _breakpoints(n, fixed, principals) == exact


_ORG_CAP, _KIND, _ONE_ORG_UNITS, _ORGS, _ARC_CAP, _ORG_DEMAND = (
    st.integers(5, 40), st.integers(0, 3), st.integers(0, 10), st.integers(1, 4), st.integers(3, 15),
    st.integers(0, 20))
_ORG_WEIGHT = st.sampled_from([Fraction(1), Fraction(2), Fraction(3), Fraction(1, 2), Fraction(2, 3)])


@st.composite
def org_networks(draw, offerings=(1, 5), groups=(1, 4), reach=3):
    """The org stage's shape: s = 0 -> group g fixed at its whole units, g -> org (the
    principals: different tails), org -> offerings -> t = 1 -> s; some groups of one org
    route their units straight to offerings. Units are drawn below what the orgs ask for,
    and lowered to what a flow can carry when the offerings cannot take them."""
    n_off = draw(_ints(*offerings))
    s, t = 0, 1
    offs = list(range(2, 2 + n_off))
    nxt = 2 + n_off
    fixed = [(o, t, 0, draw(_ORG_CAP)) for o in offs]
    principals = []
    for _ in range(draw(_ints(*groups))):
        g = nxt
        nxt += 1
        if draw(_KIND) == 0:       # a group of one org: its arcs are fixed
            units = draw(_ONE_ORG_UNITS)
            fixed.append((s, g, units, units))
            for o in draw(_subsets(tuple(offs), 2)):
                fixed.append((g, o, 0, None))
            continue
        asked = 0
        for _ in range(draw(_ORGS)):
            org = nxt
            nxt += 1
            for o in draw(_subsets(tuple(offs), reach)):
                fixed.append((org, o, 0, _one_of(draw, (None, None, _ARC_CAP))))
            w = draw(_ORG_WEIGHT)
            d = draw(_ORG_DEMAND)
            asked += d
            principals.append(maxmin.Principal(g, org, Fraction(d), Fraction(0), w))
        units = draw(st.integers(0, min(asked, 25)))
        fixed.append((s, g, units, units))
    assume(principals)
    fixed.append((t, s, 0, None))
    # units no flow can carry are lowered to what one can (the groups stay fixed at them)
    return (nxt, *_feasible(nxt, fixed, principals, fixed_stays_fixed=True))


def _totals(result):
    return result[0]


# more groups, each org at one or two offerings: networks that fall apart into pieces
_MANY = org_networks(offerings=(2, 8), groups=(2, 7), reach=2)


@FAIRNESS
@given(st.one_of(org_networks(), _MANY))
def test_org_stage_paths_give_the_exact_loops_results(net):
    """The three ways the org stage can be filled, each against one exact loop on the same
    network (one draw and one reference per example, 500 examples in CI):
    - the array filling, which takes out what cannot reach an active principal's tail:
      totals and levels;
    - ``lexmaxmin(..., levels=False)`` (``split``: the strong components of a relaxed feasible
      flow, each filled on its own): totals;
    - the array filling that, after a level, hands the active principals' pieces over to
      ``split`` (``resplit``): totals."""
    n, fixed, principals = net
    exact = _exact(n, fixed, principals)
    assert maxmin.lexmaxmin(n, maxmin.Fixed(fixed), principals, levels=False)[0] == _totals(exact)
    fast = filling.fill(n, maxmin.Fixed(fixed).columns(), principals)
    if fast is not None:
        assert fast == exact
    handed = filling.fill(n, maxmin.Fixed(fixed).columns(), principals, all_at_once=False,
                          resplit=maxmin._resplit)
    if handed is not None:
        assert handed[0] == _totals(exact)
    assume(fast is not None and handed is not None)  # count the examples both fillings took


@pytest.mark.parametrize("source", [False, True])
def test_fixed_outflows_under_a_shared_tail_are_not_filled_all_at_once(source):
    """One group (its units fixed at 1 225) and two orgs whose outflows are fixed at 92 and
    1 133, so their totals are forced: a piece of ``split`` (node 0 its supply node) or the
    same under a real source and sink. ``breakpoints`` with the group as the shared tail gives
    the first org its demand (850): it is kept to the source (node 0, whose return arc is
    free), and the pieces never use it."""
    P = maxmin.Principal
    if source:      # s = 0 -> g = 2 -> orgs 3, 4 -> t = 1 -> s
        n, g, a, b = 5, 2, 3, 4
        fixed = [(0, g, 1225, 1225), (a, 1, 92, 92), (b, 1, 1133, 1133), (1, 0, 0, None)]
    else:
        n, g, a, b = 4, 1, 2, 3
        fixed = [(0, g, 1225, 1225), (a, 0, 92, 92), (b, 0, 1133, 1133)]
    principals = [P(g, a, Fraction(850), Fraction(0), Fraction(1)), P(g, b, Fraction(1541), Fraction(0), Fraction(2))]
    exact = _exact(n, fixed, principals)
    assert exact[0] == {0: 92, 1: 1133}
    cols = maxmin.Fixed(fixed).columns()
    tails, heads = np.array(cols[0], dtype=np.int64), np.array(cols[1], dtype=np.int64)
    assert breakpoints.fill(n, g, tails, heads, *cols[4:], principals)[0] != exact[0]
    assert filling.fill(n, cols, principals) == exact
    assert maxmin._piece(n, (tails, heads, None, None, *cols[4:]), principals)[0] == exact[0]
