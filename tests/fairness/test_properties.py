"""Property tests for every property DESIGN.md lists (500 examples each, see conftest)."""
import json
from collections import defaultdict
from math import floor

from hypothesis import given, settings, strategies as st

from broker.fairness import allocate, dumps_result, reading
from broker.fairness.numbers import to_fraction
from broker.fairness.validate import schema_problems
from tests.fairness.fairness_strategies import rounds

FAIRNESS = settings.get_profile("fairness")


def _units_by(result):
    by_req, by_off = defaultdict(int), defaultdict(int)
    for a in result["allocations"]:
        by_req[a["request"]] += a["units"]
        by_off[a["offering"]] += a["units"]
    return by_req, by_off


def _group_of(data):
    return {o["id"]: o.get("group", o["id"]) for o in data["orgs"]}


@FAIRNESS
@given(rounds())
def test_capacity_demand_and_eligibility_respected(data):
    result = allocate(data)
    assert schema_problems(result, "round-output") == []
    assert schema_problems(reading.as_v1(result, data), "round-output-v1") == []
    cap = {o["id"]: o["capacity"] for o in data["offerings"]}
    req = {r["id"]: r for r in data["requests"]}
    by_req, by_off = _units_by(result)
    for o, n in by_off.items():
        assert n <= cap[o]
    for a in result["allocations"]:
        assert a["offering"] in req[a["request"]]["offerings"]
    for rid, n in by_req.items():
        assert n <= req[rid]["units"]


@FAIRNESS
@given(rounds())
def test_work_conserving(data):
    result = allocate(data)
    by_req, by_off = _units_by(result)
    for o in data["offerings"]:
        if by_off[o["id"]] < o["capacity"]:
            for r in data["requests"]:
                if o["id"] in r["offerings"]:
                    assert by_req[r["id"]] == r["units"], (o["id"], r["id"])


@FAIRNESS
@given(rounds())
def test_floors_honoured(data):
    result = allocate(data)
    group = _group_of(data)
    share = to_fraction(data["policy"].get("max_reserved_share", 0.3))
    linked = {}
    free = {o["id"]: o for o in data["offerings"]}
    floor_sum = defaultdict(int)
    rows = reading.group_rows(result)
    for g in rows:
        floor_sum[g["offering"]] += g["floor"]
    for g in rows:
        # linked offerings report the jointly feasible floor; a single offering reports f_g,
        # which binds whenever the floors fit the free capacity
        if len(g["linked_offerings"]) > 1 or floor_sum[g["offering"]] <= free[g["offering"]]["capacity"]:
            assert g["units"] >= g["floor"]
        linked[(g["group"], g["offering"])] = g
    guar = defaultdict(int)
    for x in data["guarantees"]:
        guar[(group[x["org"]], x["offering"])] += x["units"]
    for (g, o), row in linked.items():
        off = free[o]
        expected = min(guar[(g, o)], row["demand"], floor(share * off["period_capacity"]))
        # reported floor is the formula whenever reservations fit the free capacity alone
        if len(row["linked_offerings"]) == 1 and sum(
                v for (h, oo), v in guar.items() if oo == o) <= off["capacity"]:
            assert row["floor"] == expected
            assert row["units"] >= expected


@FAIRNESS
@given(rounds(), st.randoms(use_true_random=False))
def test_deterministic_and_order_independent(data, rnd):
    first = dumps_result(allocate(data))
    shuffled = json.loads(json.dumps(data))
    for key in ("offerings", "orgs", "guarantees", "requests"):
        rnd.shuffle(shuffled[key])
    for r in shuffled["requests"]:
        rnd.shuffle(r["offerings"])
    assert dumps_result(allocate(shuffled)) == first
    assert dumps_result(allocate(data)) == first


@FAIRNESS
@given(rounds(max_offerings=1, multi=False), st.integers(1, 30), st.data())
def test_strategy_proof_on_one_offering(data, extra, pick):
    """Inflating a standalone org's requests never yields more of what it needs."""
    standalone = [o["id"] for o in data["orgs"] if "group" not in o
                  and not any(p.get("group") == o["id"] for p in data["orgs"])]
    mine = [r for r in data["requests"] if r["org"] in standalone]
    if not mine:
        return
    target = pick.draw(st.sampled_from(mine))
    org = target["org"]
    need = sum(r["units"] for r in data["requests"] if r["org"] == org)
    before = sum(a["units"] for a in allocate(data)["allocations"]
                 if any(r["id"] == a["request"] and r["org"] == org for r in data["requests"]))
    lied = json.loads(json.dumps(data))
    for r in lied["requests"]:
        if r["id"] == target["id"]:
            r["units"] += extra
    after = sum(a["units"] for a in allocate(lied)["allocations"]
                if any(r["id"] == a["request"] and r["org"] == org for r in lied["requests"]))
    assert min(after, need) <= before


@FAIRNESS
@given(rounds(), st.data())
def test_splitting_an_org_gains_nothing(data, pick):
    """Org X split into affiliates X~a, X~b (group X, same weight, guarantees split)."""
    standalone = [o for o in data["orgs"] if "group" not in o
                  and not any(p.get("group") == o["id"] for p in data["orgs"])]
    if not standalone:
        return
    x = pick.draw(st.sampled_from(standalone))
    before = sum(a["units"] for a in allocate(data)["allocations"]
                 if any(r["id"] == a["request"] and r["org"] == x["id"] for r in data["requests"]))
    split = json.loads(json.dumps(data))
    split["orgs"] = [o for o in split["orgs"] if o["id"] != x["id"]] + [
        dict(x, id=x["id"] + "~a", group=x["id"]), dict(x, id=x["id"] + "~b", group=x["id"])]
    new_g = []
    for gu in split["guarantees"]:
        if gu["org"] == x["id"]:
            a = pick.draw(st.integers(0, gu["units"]))
            new_g += [dict(gu, org=x["id"] + "~a", units=a), dict(gu, org=x["id"] + "~b", units=gu["units"] - a)]
        else:
            new_g.append(gu)
    split["guarantees"] = new_g
    for r in split["requests"]:
        if r["org"] == x["id"]:
            r["org"] = x["id"] + pick.draw(st.sampled_from(["~a", "~b"]))
    after = sum(a["units"] for a in allocate(split)["allocations"]
                if any(r["id"] == a["request"] and r["org"].startswith(x["id"] + "~") for r in split["requests"]))
    assert after <= before
