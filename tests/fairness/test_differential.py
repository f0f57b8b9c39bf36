"""The optimised engine gives the results of the engine of record.

``golden/cases.json`` holds, for 729 seeded rounds (``golden_rounds``), the SHA-256 of
``dumps_result`` computed by the engine before the performance rewrite (result schema
version 1: the compact version 2 is rebuilt into it by ``reading.as_v1``, so the corpus
checks both the allocation and that version 2 carries every fact and sentence of version
1), and of the part of it the rules determine (``projection.determined``). (A frozen copy of the old engine was
used to compare random rounds during the rewrite; the corpus is the lasting record.)

Byte for byte whenever no offerings are linked. With linked offerings the old engine broke
ties between equal-cost assignments (two orgs' requests that could swap offerings) by the
path of its negative-cycle cancelling; the new min-cost flow may pick another of them, so
there the determined part (every total, level, floor and the cost vector) must match.
"""
import json

import pytest
from hypothesis import given, settings

from broker.fairness import allocate, dumps_result, maxmin, native
from tests.fairness.golden_rounds import GOLDEN, bench_round, determined_digest, digest, small_round
from tests.fairness.fairness_strategies import rounds
from tests.fairness.projection import components, determined

FAIRNESS = settings.get_profile("fairness")

CASES = json.loads(GOLDEN.read_text())["cases"]


def _round(case):
    return bench_round(*case["seed"]) if case["kind"] == "bench" else small_round(case["kind"], case["seed"])


def _has_linked(data) -> bool:
    comp = components(data)
    return len(set(comp.values())) < len(comp)


@pytest.fixture(params=["compiled", "pure-python"])
def solver(request, monkeypatch):
    """Both solver paths: OR-Tools/scipy (``native``) and the pure-Python fallback that
    rounds whose numbers do not fit int64 take."""
    monkeypatch.setattr(native, "ENABLED", request.param == "compiled")
    return request.param


@pytest.mark.parametrize("kind", sorted({c["kind"] for c in CASES}))
def test_golden_digests(kind, solver):
    wrong, ties = [], 0
    for case in (c for c in CASES if c["kind"] == kind):
        data = _round(case)
        result = allocate(data, version=1)
        if digest(dumps_result(result)) == case["sha256"]:
            continue
        if _has_linked(data) and determined_digest(data, result) == case["determined"]:
            ties += 1
            continue
        wrong.append(case["seed"])
    assert not wrong, f"results changed for {kind} seeds {wrong}"


@FAIRNESS
@given(rounds(max_offerings=4, max_requests=14))
def test_compiled_and_pure_python_solvers_agree(data):
    """Everything the rules determine is the same whichever solver ran (the set-aside
    pass keeps the pure-Python flow in both, and the floors are the same flows on both: the
    compiled max-flow answers only when every floor fits, where any max-flow gives them)."""
    try:
        native.ENABLED = True
        fast = allocate(data, version=1)
        native.ENABLED = False
        slow = allocate(data, version=1)
    finally:
        native.ENABLED = True
    assert determined(data, fast) == determined(data, slow)


@pytest.mark.parametrize("every_level_at_once", [True, False])
def test_array_filling_gives_the_exact_loops_levels(every_level_at_once, monkeypatch):
    """``filling.fill`` (array speed, shrinking network; with the group stage's levels all at
    once by ``breakpoints`` and the org stage in independent pieces by ``split``, or both
    level by level on the whole network) and ``maxmin``'s exact loop on the whole network
    give the same totals and levels: the whole version-1 result of every round agrees byte
    for byte (both run the same compiled solvers for everything else)."""
    from broker.fairness import filling, split
    monkeypatch.setattr(filling, "BREAKPOINTS", every_level_at_once)
    monkeypatch.setattr(split, "SPLIT", every_level_at_once)

    @FAIRNESS
    @given(rounds(max_offerings=4, max_requests=14))
    def check(data):
        real, pieces = filling.fill, split.SPLIT
        try:
            fast = dumps_result(allocate(data, version=1))
            filling.fill = lambda *a, **k: None
            split.SPLIT = False
            exact = dumps_result(allocate(data, version=1))
        finally:
            filling.fill, split.SPLIT = real, pieces
        assert fast == exact

    check()


def test_compiled_solver_gives_way_to_python_when_numbers_overflow(monkeypatch):
    """Weights with twelve decimals scale the linked network's bounds beyond int64: the
    round still runs (pure-Python path for those steps) and fills the offerings."""
    weights = [0.333333333333, 0.142857142857, 0.090909090909, 0.076923076923, 0.058823529411, 0.052631578947]
    data = {"offerings": [{"id": "a", "capacity": 7}, {"id": "b", "capacity": 5}, {"id": "c", "capacity": 3}],
            "orgs": [{"id": f"org{i}", "weight": w} for i, w in enumerate(weights)],
            "requests": [{"id": f"r{i}", "org": f"org{i % 6}", "units": 3 + i % 4,
                          "offerings": [["a", "b"], ["a"], ["b", "c"]][i % 3],
                          "submitted_at": "2025-03-01T09:00:00Z"} for i in range(12)]}
    outcomes = []
    real = maxmin._Network._native
    monkeypatch.setattr(maxmin._Network, "_native", lambda self, *a: outcomes.append(real(self, *a)) or outcomes[-1])
    result = allocate(data, version=1)
    assert None in outcomes, "the compiled path should have declined these numbers"
    assert sum(a["units"] for a in result["allocations"]) == 15
    assert determined(data, result) == determined(data, _pure(data))


def _pure(data):
    try:
        native.ENABLED = False
        return allocate(data, version=1)
    finally:
        native.ENABLED = True
