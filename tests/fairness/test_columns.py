"""The array path (``columns``, ``bulk``, ``segments``, ``document``) against the
object path (``intake``, ``engine``, ``explain.build``): same acceptance, same bytes."""
import copy
from fractions import Fraction

from hypothesis import given, settings, strategies as st

import broker.fairness as fairness
from broker.fairness import result_bytes, segments, validate
from broker.fairness.columns import columns
from broker.fairness.waterfill import fill_int, largest_remainder_int
from tests.fairness.fairness_strategies import TIMES, rounds

FAIRNESS = settings.get_profile("fairness")
HINTS = ["over_budget", "deadline_unreachable", "awaiting_round", "invalid", "no_matching_offering"]
RECEIPT = "sha256:" + "ab" * 32


@st.composite
def one_offering_rounds(draw):
    """Rounds whose requests name one offering (or none), with what the object path knows:
    set-aside, hints, receipts, offerings without capacity, float weights, groups."""
    d = draw(rounds(max_offerings=4, multi=False, max_requests=24))
    if draw(st.booleans()):
        d["policy"]["small_set_aside"] = draw(st.sampled_from([0.1, 0.25, 0.5, 0.9]))
    for r in d["requests"]:
        roll = draw(st.integers(0, 9))
        if roll == 0:
            r["reason_hint"] = draw(st.sampled_from(HINTS))
        elif roll == 1:
            r["offerings"] = []
        if draw(st.integers(0, 3)) == 0:
            r["receipt"] = RECEIPT
        r["submitted_at"] = draw(st.sampled_from(TIMES))
    return d


def _object_bytes(d):
    return result_bytes(fairness._on_objects(d, {}))


@FAIRNESS
@given(one_offering_rounds())
def test_the_array_path_writes_the_object_paths_bytes(d):
    doc = fairness._on_columns(d)
    live = [r for r in d["requests"] if r["offerings"] and "reason_hint" not in r]
    # the path must be taken whenever a request is live (so this test exercises it)
    assert (doc is not None) == bool(live)
    if doc is not None:
        # Version 1 is a function of this document (reading.as_v1): the same bytes here give the
        # same version-1 bytes; allocate(version=1) taking the array path is checked below.
        assert result_bytes(doc) == _object_bytes(d)


BAD = [None, True, 0, -1, 1.5, "", "x" * 201, [], {}, ["o0", "o0"], ["nowhere"], "o0", "ghost", float("nan"),
       "2025-03-01T09:00:00", "2025-13-01T09:00:00Z", "not a time", 7, "over_budget", "nope", "sha256:00",
       RECEIPT, "huge"]


@FAIRNESS
@given(one_offering_rounds(), st.data())
def test_columns_accept_exactly_the_valid_rounds(data, pick):
    d = copy.deepcopy(data)
    kind = pick.draw(st.sampled_from(["requests", "orgs", "both", "none"]))
    if kind in ("requests", "both") and d["requests"]:
        req = pick.draw(st.sampled_from(d["requests"]))
        field = pick.draw(st.sampled_from(["id", "org", "units", "offerings", "submitted_at", "reason_hint",
                                           "receipt", "extra"]))
        value = pick.draw(st.sampled_from(BAD))
        if pick.draw(st.booleans()) and field in req:
            del req[field]
        else:
            req[field] = 2**41 if value == "huge" else value
        if pick.draw(st.integers(0, 4)) == 0:
            d["requests"].append(dict(pick.draw(st.sampled_from(d["requests"]))))     # a duplicate id
    if kind in ("orgs", "both"):
        org = pick.draw(st.sampled_from(d["orgs"]))
        field = pick.draw(st.sampled_from(["id", "weight", "group", "size_class", "extra"]))
        if pick.draw(st.booleans()) and field in org:
            del org[field]
        else:
            org[field] = pick.draw(st.sampled_from(BAD + [0.0, -2, "small", "large", 1e-9]))
        if pick.draw(st.integers(0, 4)) == 0:
            d["orgs"].append(dict(d["orgs"][0]))
    problems = validate(d)
    cols = columns(d)
    if cols is not None:
        assert not problems, problems
    elif not problems and d["requests"] and all(len(r["offerings"]) <= 1 for r in d["requests"]) \
            and all(r["units"] < 2**40 for r in d["requests"]):
        raise AssertionError("a valid one-offering round was refused by the array path's intake")


@st.composite
def segment_sets(draw):
    """Independent water-fillings: demands, floors, integer weights, capacities; some
    equal breakpoints (near-ties), floors above the capacity, capacity 0."""
    n_seg = draw(st.integers(1, 5))
    D, F, A, C = [], [], [], []
    for _ in range(n_seg):
        k = draw(st.integers(1, 7))
        d = [draw(st.integers(1, 60)) for _ in range(k)]
        D.append(d)
        F.append([draw(st.integers(0, x)) if draw(st.booleans()) else 0 for x in d])
        A.append([draw(st.sampled_from([1, 2, 3, 6, 7, 1000])) for _ in d])
        C.append(draw(st.integers(0, sum(d) + 5)))
    return D, F, A, C


@FAIRNESS
@given(segment_sets())
def test_segments_fill_is_fill_int_on_each_segment(sets):
    import numpy as np
    D, F, A, C = sets
    starts = np.cumsum([0] + [len(d) for d in D[:-1]])
    flat = [np.array(sum(x, []), dtype=np.int64) for x in (D, F, A)]
    tie = np.arange(len(flat[0]))[::-1].copy()       # any order that the reference uses too
    P, Q, contested, whole, rem = segments.fill(starts, *flat, np.array(C, dtype=np.int64))
    total = np.minimum(np.array(C), np.add.reduceat(flat[0], starts))
    units = segments.largest_remainder(starts, whole, rem, tie, total)
    for s, (d, f, a, c) in enumerate(zip(D, F, A, C)):
        level, w, r, m = fill_int(d, f, a, [1] * len(d), c)
        lo = int(starts[s])
        if level is None:
            assert not contested[s]
        else:
            assert contested[s] and Fraction(int(P[s]), int(Q[s])) == Fraction(*level)
        assert [int(x) for x in whole[lo:lo + len(d)]] == w
        # the same exact shares: remainders over the segment's level denominator
        assert [Fraction(int(x), int(Q[s])) for x in rem[lo:lo + len(d)]] == [Fraction(x, m) for x in r]
        ref = largest_remainder_int(w, r, [int(t) for t in tie[lo:lo + len(d)]], min(c, sum(d)))
        assert [int(u) for u in units[lo:lo + len(d)]] == ref


def _small_round(**offering):
    return {"offerings": [{"id": "o1", "capacity": 10, **offering}],
            "orgs": [{"id": "a"}, {"id": "b", "weight": 2}],
            "requests": [{"id": "r1", "org": "a", "units": 8, "offerings": ["o1"], "submitted_at": TIMES[0]},
                         {"id": "r2", "org": "b", "units": 9, "offerings": ["o1"], "submitted_at": TIMES[1]}]}


def test_what_the_array_path_declines_the_object_path_computes():
    """Numbers beyond int64, weights with large denominators, a linked request, usage decay:
    the array path answers None and ``allocate`` gives the object path's document."""
    huge = _small_round(capacity=2**60, period_capacity=2**60)     # beyond the guard of int64 products
    tiny_weight = _small_round()
    tiny_weight["orgs"][0]["weight"] = 1e-9
    linked = _small_round()
    linked["offerings"].append({"id": "o2", "capacity": 3})
    linked["requests"][0]["offerings"] = ["o1", "o2"]
    decayed = _small_round()
    decayed["policy"] = {"usage_half_life_days": 30}
    decayed["usage"] = [{"org": "a", "offering": "o1", "units": 5}]
    for d in (huge, tiny_weight, linked, decayed):
        assert fairness._on_columns(d) is None
        assert result_bytes(fairness.allocate(d)) == _object_bytes(d)
    plain = _small_round()
    assert result_bytes(fairness._on_columns(plain)) == _object_bytes(plain)
    assert result_bytes(fairness.allocate(plain, version=1)) == result_bytes(
        fairness.reading.as_v1(fairness._on_objects(plain, {}), plain))
