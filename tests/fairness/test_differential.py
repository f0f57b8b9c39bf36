"""The optimised engine gives the results of the engine of record.

``golden/cases.json`` holds, for 729 seeded rounds (``golden_rounds``), the SHA-256 of
``dumps_result`` computed by the engine before the performance rewrite, and of the part of
it the rules determine (``projection.determined``). (A frozen copy of the old engine was
used to compare random rounds during the rewrite; the corpus is the lasting record.)

Byte for byte whenever no offerings are linked. With linked offerings the old engine broke
ties between equal-cost assignments (two orgs' requests that could swap offerings) by the
path of its negative-cycle cancelling; the new min-cost flow may pick another of them, so
there the determined part (every total, level, floor and the cost vector) must match.
"""
import json

import pytest

from broker.fairness import allocate, dumps_result
from tests.fairness.golden_rounds import GOLDEN, bench_round, determined_digest, digest, small_round
from tests.fairness.projection import components

CASES = json.loads(GOLDEN.read_text())["cases"]


def _round(case):
    return bench_round(*case["seed"]) if case["kind"] == "bench" else small_round(case["kind"], case["seed"])


def _has_linked(data) -> bool:
    comp = components(data)
    return len(set(comp.values())) < len(comp)


@pytest.mark.parametrize("kind", sorted({c["kind"] for c in CASES}))
def test_golden_digests(kind):
    wrong, ties = [], 0
    for case in (c for c in CASES if c["kind"] == kind):
        data = _round(case)
        result = allocate(data)
        if digest(dumps_result(result)) == case["sha256"]:
            continue
        if _has_linked(data) and determined_digest(data, result) == case["determined"]:
            ties += 1
            continue
        wrong.append(case["seed"])
    assert not wrong, f"results changed for {kind} seeds {wrong}"
