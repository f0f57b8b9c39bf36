"""The seventh pass's paths (issue 14) against the ones they stand in for: the floors' max-flow
in compiled code when every floor fits, csgraph's matrices by scipy's counting sort, and a
hand-over that frees the whole network before its pieces are filled."""
import weakref
from fractions import Fraction

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from broker.fairness import allocate, dumps_result, filling, linked, maxmin, native, split
from tests.fairness.fairness_strategies import rounds
from tests.fairness.test_breakpoints import _MANY, _exact

FAIRNESS = settings.get_profile("fairness")


@FAIRNESS
@given(rounds(max_offerings=4, max_requests=14))
def test_floors_on_the_compiled_max_flow_are_the_pure_flows(data):
    """Whole version-1 results with the compiled shortcut for the floors and without it
    (the pure-Python max-flow every time) are the same bytes."""
    real = linked._all_floors_fit
    try:
        fast = dumps_result(allocate(data, version=1))
        linked._all_floors_fit = lambda *a: False
        pure = dumps_result(allocate(data, version=1))
    finally:
        linked._all_floors_fit = real
    assert fast == pure


def test_the_shortcut_answers_only_when_every_floor_fits():
    """One class of 5 units at offerings 3 and 4 (capacity 10 each), floors 5 and 5: both
    cannot be met by 5 units (which floor gives way is the pure flow's choice, so the
    shortcut declines); floors 2 and 3 fit, and then they are the flows of any max-flow."""
    def edges(fa, fb):     # 0 -> class 2 -> floor nodes 5, 6 -> offerings 3, 4 -> sink 1
        return [(0, 2, 5), (2, 5, 5), (2, 6, 5), (5, 3, fa), (6, 4, fb), (3, 1, 10), (4, 1, 10)]
    assert not linked._all_floors_fit(7, edges(5, 5), 10)
    assert linked._all_floors_fit(7, edges(2, 3), 5)


@FAIRNESS
@given(st.integers(1, 60), st.lists(st.tuples(st.integers(0, 59), st.integers(0, 59)), max_size=300))
def test_csr_by_counting_sort_is_the_sorted_csr(n, arcs):
    """``native.graph`` gives the same arrays through scipy's counting sort as through the
    stable sort it replaced (rows in order, each row's arcs in their given order)."""
    arcs = [(u % n, v % n) for u, v in arcs]
    rows = np.array([u for u, _ in arcs], dtype=np.int64)
    cols = np.array([v for _, v in arcs], dtype=np.int64)
    fast = native.graph(n, rows, cols)
    real = native._counting_sort
    try:
        native._counting_sort = lambda: None
        sorted_ = native.graph(n, rows, cols)
    finally:
        native._counting_sort = real
    assert native._counting_sort() is not None
    assert fast.indptr.tolist() == sorted_.indptr.tolist()
    assert fast.indices.tolist() == sorted_.indices.tolist()
    assert fast.shape == sorted_.shape == (n, n)


# A fifth of the profile's examples (100 under CI), each one a hand-over: about six draws are
# made per hand-over, each solved by the exact loop, so the full 500 cost ≈ 55 s of the suite.
# What this test adds is structural (no whole-network array alive in a piece); the totals of
# the hand-over against the exact loop are checked on 500 examples by
# test_breakpoints.py::test_org_stage_paths_give_the_exact_loops_results.
@settings(FAIRNESS, max_examples=max(10, FAIRNESS.max_examples // 5),
          suppress_health_check=[*FAIRNESS.suppress_health_check, HealthCheck.filter_too_much])
@given(_MANY)
def test_a_hand_over_frees_the_whole_network_before_filling_its_pieces(net):
    """When the filling hands its rest over to ``split``, none of the whole network's arrays
    (arcs, bounds, the level's flow) is alive while the pieces are filled, and the totals
    are still the exact loop's."""
    n, fixed, principals = net
    alive = []

    def resplit(args):
        refs = [weakref.ref(a) for a in args[1:6]]

        def piece(*a):
            alive.append(any(r() is not None for r in refs))
            return maxmin._piece(*a)
        return split.pieces_of(args, fill_piece=piece)

    handed = filling.fill(n, maxmin.Fixed(fixed).columns(), principals, all_at_once=False, resplit=resplit)
    assert not any(alive)
    if handed is not None:
        assert handed[0] == _exact(n, fixed, principals)[0]
    assume(alive)       # counts the examples that handed over (about one in six)


def test_pieces_of_empties_its_arguments():
    """Two groups at their own offerings, each with two orgs: two pieces; the list of
    arguments is emptied and the totals are ``pieces``'s."""
    P = maxmin.Principal
    # s 0, t 1, offerings 2, 3, groups 4, 5, orgs 6, 7 (group 4) and 8, 9 (group 5)
    fixed = [(2, 1, 0, 10), (3, 1, 0, 4), (0, 4, 10, 10), (0, 5, 4, 4),
             (6, 2, 0, None), (7, 2, 0, None), (8, 3, 0, None), (9, 3, 0, None), (1, 0, 0, None)]
    principals = [P(4, 6, Fraction(8), Fraction(0), Fraction(1)), P(4, 7, Fraction(8), Fraction(0), Fraction(1)),
                  P(5, 8, Fraction(1), Fraction(0), Fraction(1)), P(5, 9, Fraction(9), Fraction(0), Fraction(2))]
    cols = maxmin.Fixed(fixed).columns()
    T = np.array(cols[0] + tuple(p.tail for p in principals), dtype=np.int64)
    H = np.array(cols[1] + tuple(p.head for p in principals), dtype=np.int64)
    lo = np.concatenate([cols[4], np.zeros(4, dtype=np.int64)])
    hi = np.concatenate([np.where(cols[6], 100, cols[5]), np.array([8, 8, 1, 9], dtype=np.int64)])
    ok, flows, _ = native.feasible_arrays(10, T, H, lo, hi)
    assert ok
    args = [10, T, H, lo, hi, flows, cols[4:], principals]
    expected = split.pieces(*args, fill_piece=maxmin._piece)
    got = split.pieces_of(args, fill_piece=maxmin._piece)
    assert args == []
    assert got == expected == {0: 5, 1: 5, 2: 1, 3: 3}
