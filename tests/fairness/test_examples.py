"""Worked examples: water-filling from the literature, floors, caps, groups, linked offerings."""
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from broker.fairness import RoundInputError, allocate, dumps_result, reading, validate
from broker.fairness.validate import _conforms, _schema_problems
from broker.fairness.waterfill import Claim, largest_remainder, waterfill
from tests.fairness.cli_in_process import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "broker" / "fairness" / "examples" / "small-round.json"
T = "2025-03-01T09:00:00Z"


def F(*x):
    return Fraction(*x)


def test_max_min_fair_textbook():
    # Keshav, "An Engineering Approach to Computer Networking", 9.4: demands 2, 2.6, 4, 5
    # sharing 10 get 2, 2.6, 2.7, 2.7.
    claims = [Claim(k, F(d), 0, 1) for k, d in zip("abcd", ["2", "2.6", "4", "5"])]
    level, x = waterfill(claims, 10)
    assert level == F("2.7")
    assert x == {"a": 2, "b": F("2.6"), "c": F("2.7"), "d": F("2.7")}


def test_weighted_max_min_fair_textbook():
    # Keshav 9.4 weighted: demands 4, 2, 10, 4, weights 2.5, 4, 0.5, 1, capacity 16
    # -> 4, 2, 6, 4 (c's share grows once d is capped).
    claims = [Claim(k, d, 0, F(w)) for k, d, w in zip("abcd", [4, 2, 10, 4], ["2.5", "4", "0.5", "1"])]
    level, x = waterfill(claims, 16)
    assert x == {"a": 4, "b": 2, "c": 6, "d": 4}
    assert level == 12


def test_floor_lifts_a_group_above_its_weighted_share():
    # min shares: a floor of 6 binds, the other group takes the rest at level 4
    level, x = waterfill([Claim("a", 10, 6, 1), Claim("b", 10, 0, 1)], 10)
    assert (level, x) == (4, {"a": 6, "b": 4})


def test_floor_capped_by_demand_and_all_fit():
    level, x = waterfill([Claim("a", 3, 3, 1), Claim("b", 4, 0, 1)], 10)
    assert level is None and x == {"a": 3, "b": 4}


def test_floors_above_capacity_are_water_filled():
    level, x = waterfill([Claim("a", 10, 8, 1), Claim("b", 10, 4, 1)], 6)
    assert x == {"a": 3, "b": 3}


def test_largest_remainder_ties_oldest_then_id():
    shares = {"a": F(7, 3), "b": F(7, 3), "c": F(7, 3)}
    units = largest_remainder(shares, {"a": (2, "a"), "b": (1, "b"), "c": (1, "c")})
    assert units == {"a": 2, "b": 3, "c": 2}


def _round(offerings, orgs, requests, guarantees=(), policy=None, usage=()):
    return {"policy": policy or {}, "offerings": offerings, "orgs": orgs, "guarantees": list(guarantees),
            "usage": list(usage), "requests": requests}


def _req(rid, org, units, offs, t=T):
    return {"id": rid, "org": org, "units": units, "offerings": offs, "submitted_at": t}


def _groups(result):
    return reading.group_rows(result)


def _by_request(result):
    out = {}
    for a in result["allocations"]:
        out.setdefault(a["request"], {})[a["offering"]] = a["units"]
    return out


def test_group_weight_is_largest_member_weight_and_split_by_org_weight():
    res = allocate(_round([{"id": "o", "capacity": 12}],
                          [{"id": "a", "weight": 2, "group": "A"}, {"id": "a2", "group": "A"}, {"id": "b"}],
                          [_req("1", "a", 20, ["o"]), _req("2", "a2", 20, ["o"]), _req("3", "b", 20, ["o"])]))
    got = {k: sum(v.values()) for k, v in _by_request(res).items()}
    assert got["3"] == 4
    # group A (weight 2) gets 8, b gets 4; inside A org weights 2:1 split 8 as 16/3, 8/3
    assert got["1"] + got["2"] == 8 and got["1"] == 5 and got["2"] == 3


def test_reservation_above_cap_is_clamped_and_explained():
    res = allocate(_round([{"id": "o", "capacity": 100}], [{"id": "a"}, {"id": "b"}],
                          [_req("1", "a", 100, ["o"]), _req("2", "b", 100, ["o"])],
                          guarantees=[{"org": "a", "offering": "o", "units": 80}]))
    row = next(g for g in _groups(res) if g["group"] == "a")
    assert row["floor"] == 30 and row["floor_clamped"] and row["units"] == 50
    assert "counts only up to 30" in row["explanation"]


def test_floor_binds_below_capacity():
    res = allocate(_round([{"id": "o", "capacity": 100}], [{"id": "a"}, {"id": "b"}, {"id": "c"}],
                          [_req("1", "a", 100, ["o"]), _req("2", "b", 100, ["o"]), _req("3", "c", 100, ["o"])],
                          guarantees=[{"org": "a", "offering": "o", "units": 30}],
                          policy={"max_reserved_share": 0.5}))
    got = {k: sum(v.values()) for k, v in _by_request(res).items()}
    assert got == {"1": 34, "2": 33, "3": 33}   # 100/3 > 30: the floor does not bind
    res = allocate(_round([{"id": "o", "capacity": 60}], [{"id": "a"}, {"id": "b"}, {"id": "c"}],
                          [_req("1", "a", 100, ["o"]), _req("2", "b", 100, ["o"]), _req("3", "c", 100, ["o"])],
                          guarantees=[{"org": "a", "offering": "o", "units": 30}],
                          policy={"max_reserved_share": 0.5}))
    got = {k: sum(v.values()) for k, v in _by_request(res).items()}
    assert got == {"1": 30, "2": 15, "3": 15}


def test_single_vendor_group_not_squeezed_by_flexible_group():
    # A can only use X; B can use X or Y. Max-min of totals sends B to Y.
    res = allocate(_round([{"id": "X", "capacity": 10}, {"id": "Y", "capacity": 10}], [{"id": "A"}, {"id": "B"}],
                          [_req("a", "A", 10, ["X"]), _req("b", "B", 10, ["X", "Y"])]))
    assert _by_request(res) == {"a": {"X": 10}, "b": {"Y": 10}}


def test_linked_offerings_level_and_cheapest_assignment():
    # capacity 15 at X (price 300) and 15 at Y (price 100); A needs X only, B and C flexible.
    res = allocate(_round([{"id": "X", "capacity": 15, "unit_price": 300},
                           {"id": "Y", "capacity": 15, "unit_price": 100}],
                          [{"id": "A"}, {"id": "B"}, {"id": "C"}],
                          [_req("a", "A", 20, ["X"]), _req("b", "B", 20, ["X", "Y"]), _req("c", "C", 5, ["X", "Y"])]))
    got = _by_request(res)
    totals = {k: sum(v.values()) for k, v in got.items()}
    assert totals == {"a": 13, "b": 12, "c": 5} or totals == {"a": 12, "b": 13, "c": 5}
    assert totals["c"] == 5 and sum(totals.values()) == 30
    # the flexible requests take all of the cheap Y; how b and c share it is a tie (every
    # split costs the same), which the rules leave open
    assert got["a"] == {"X": totals["a"]}
    assert got["b"].get("Y", 0) + got["c"].get("Y", 0) == 15


def test_cheapest_offering_when_capacity_allows():
    res = allocate(_round([{"id": "X", "capacity": 15, "unit_price": 300},
                           {"id": "Y", "capacity": 15, "unit_price": 100},
                           {"id": "Z", "capacity": 15, "unit_price": 100}],
                          [{"id": "A"}, {"id": "B"}, {"id": "C"}],
                          [_req("a", "A", 5, ["X"]), _req("b", "B", 10, ["X", "Y"]), _req("c", "C", 20, ["X", "Z", "Y"])]))
    got = _by_request(res)
    # b: Y (cheaper than X); c: the 5 left at Y (same price as Z, smaller id), then Z
    assert got == {"a": {"X": 5}, "b": {"Y": 10}, "c": {"Y": 5, "Z": 15}}


def test_linked_groups_equal_levels_tie_broken_by_oldest():
    res = allocate(_round([{"id": "X", "capacity": 15}, {"id": "Y", "capacity": 10}], [{"id": "A"}, {"id": "B"}],
                          [_req("a", "A", 20, ["X"], "2025-03-01T10:00:00Z"),
                           _req("b", "B", 20, ["X", "Y"], "2025-03-01T09:00:00Z")]))
    totals = {k: sum(v.values()) for k, v in _by_request(res).items()}
    assert totals == {"a": 12, "b": 13}   # 12.5 each; B's request is older


def test_small_set_aside_two_passes():
    # C=10, set-aside 0.5: pass 1 gives the small org 5 (it asked 8); pass 2 floors it at 5.
    res = allocate(_round([{"id": "o", "capacity": 10}],
                          [{"id": "s", "size_class": "small"}, {"id": "b1", "size_class": "large", "weight": 3}],
                          [_req("1", "s", 8, ["o"]), _req("2", "b1", 20, ["o"])],
                          policy={"small_set_aside": 0.5}))
    totals = {k: sum(v.values()) for k, v in _by_request(res).items()}
    assert totals == {"1": 5, "2": 5}
    res = allocate(_round([{"id": "o", "capacity": 10}],
                          [{"id": "s", "size_class": "small"}, {"id": "b1", "size_class": "large", "weight": 3}],
                          [_req("1", "s", 8, ["o"]), _req("2", "b1", 20, ["o"])]))
    totals = {k: sum(v.values()) for k, v in _by_request(res).items()}
    assert totals == {"1": 3, "2": 7}   # without it: level 2.5, weights 1:3


def test_usage_decay_lowers_the_heavy_user():
    base = _round([{"id": "o", "capacity": 10}], [{"id": "a"}, {"id": "b"}],
                  [_req("1", "a", 10, ["o"]), _req("2", "b", 10, ["o"])],
                  usage=[{"org": "a", "offering": "o", "units": 100}])
    off = allocate(base)
    assert {k: sum(v.values()) for k, v in _by_request(off).items()} == {"1": 5, "2": 5}
    base["policy"] = {"usage_half_life_days": 14}
    on = allocate(base)
    # U_a = 1, S_a = 1/2: a's weight is 2^-2 = 1/4, b keeps 1 -> 2 and 8
    assert {k: sum(v.values()) for k, v in _by_request(on).items()} == {"1": 2, "2": 8}
    row = next(g for g in _groups(on) if g["group"] == "a")
    assert row["weight"]["exact"] == "1/4" and "Past usage" in row["explanation"]


def test_reasons():
    res = allocate(_round([{"id": "o", "capacity": 4}, {"id": "z", "capacity": 0}],
                          [{"id": "a"}, {"id": "b"}],
                          [_req("1", "a", 10, ["o"]), _req("2", "b", 1, ["o"]), _req("3", "a", 2, []),
                           dict(_req("4", "b", 2, ["o"]), reason_hint="over_budget"), _req("5", "b", 3, ["z"])]))
    reasons = reading.reasons(res)
    assert reasons["2"] is None
    assert reasons["1"]["code"] == "fair_share_reached"
    assert reasons["1"]["share"] == 3 and reasons["1"]["demand"] == 10 and reasons["1"]["level"]["exact"] == "3"
    assert reasons["3"] == {"code": "no_matching_offering"}
    assert reasons["4"] == {"code": "over_budget"}
    assert reasons["5"]["code"] == "capacity_exhausted"


@pytest.mark.parametrize("mutate, needle", [
    (lambda d: d["requests"][0].update(units=-3), "requests/0/units"),
    (lambda d: d["requests"][0].update(org="ghost"), "unknown org 'ghost'"),
    (lambda d: d["requests"][0].update(offerings=["nowhere"]), "unknown offering 'nowhere'"),
    (lambda d: d["requests"].append(dict(d["requests"][0])), "duplicate request id 'r1'"),
    (lambda d: d["orgs"].append({"id": "mid-ai"}), "duplicate org id 'mid-ai'"),
    (lambda d: d["guarantees"].append({"org": "mid-ai", "offering": "rlhf-acme", "units": 50}),
     "reservations add up to 110 units, more than its capacity 100"),
    (lambda d: d["requests"][0].update(submitted_at="2025-03-01T09:00:00"), "not an ISO 8601 instant"),
])
def test_malformed_rounds_are_named(mutate, needle):
    data = json.loads(EXAMPLE.read_text())
    mutate(data)
    problems = validate(data)
    assert any(needle in p for p in problems), problems
    with pytest.raises(RoundInputError):
        allocate(data)
    code, out, err = run_cli([], stdin=json.dumps(data).encode())
    assert code == 2 and out == b"" and needle in err


def test_fast_schema_check_agrees_with_jsonschema():
    data = json.loads(EXAMPLE.read_text())
    assert _conforms(data) and _schema_problems(data, "round-input") == []
    bad_values = [("units", 0), ("units", 1.5), ("units", True), ("offerings", "x"), ("extra", 1),
                  ("submitted_at", 5), ("reason_hint", "nope"), ("org", "")]
    for key, value in bad_values:
        d = json.loads(EXAMPLE.read_text())
        d["requests"][1][key] = value
        assert not _conforms(d) and _schema_problems(d, "round-input"), key
    for key, value in [("weight", 0), ("weight", "2"), ("size_class", "huge"), ("group", 3)]:
        d = json.loads(EXAMPLE.read_text())
        d["orgs"][0][key] = value
        assert not _conforms(d) and _schema_problems(d, "round-input"), key
    for key, value in [("max_reserved_share", 1.5), ("small_set_aside", 1), ("usage_half_life_days", -1)]:
        d = json.loads(EXAMPLE.read_text())
        d["policy"][key] = value
        assert not _conforms(d) and _schema_problems(d, "round-input"), key


def test_cli_output_is_canonical_and_replayable(tmp_path):
    data = json.loads(EXAMPLE.read_text())
    expected = dumps_result(allocate(data))
    proc = subprocess.run([sys.executable, "-m", "broker.fairness"], stdin=EXAMPLE.open(), capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout == expected
    stored = tmp_path / "in.json"
    stored.write_text(json.dumps(data, indent=2))
    proc2 = subprocess.run([sys.executable, "-m", "broker.fairness", str(stored), "--explain"],
                           capture_output=True, text=True, cwd=ROOT)
    assert proc2.stdout == expected
    assert "Groups at each offering" in proc2.stderr and "fair_share_reached" in proc2.stderr


def test_usage_decay_never_zeroes_a_weight():
    """60 equal groups, one holding all past usage: 2^(-60) must not round to a zero weight
    (that crashed the round with a division by zero)."""
    from broker.fairness import allocate

    orgs = [{"id": f"o{i}"} for i in range(60)]
    reqs = [{"id": f"r{i}", "org": f"o{i}", "units": 100, "offerings": ["A"],
             "submitted_at": "2026-11-20T10:00:00Z"} for i in range(60)]
    out = allocate({"policy": {"usage_half_life_days": 14},
                    "offerings": [{"id": "A", "capacity": 600, "unit_price": 100}],
                    "orgs": orgs, "guarantees": [],
                    "usage": [{"org": "o0", "offering": "A", "units": 5000}], "requests": reqs})
    got = {a["request"]: a["units"] for a in out["allocations"]}
    assert sum(got.values()) == 600
    assert got.get("r0", 0) < min(got[f"r{i}"] for i in range(1, 60))
