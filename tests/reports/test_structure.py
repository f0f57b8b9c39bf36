"""Concentration (2023 Merger Guidelines flags), foreclosure share, the O'Brien–Salop MHHI
delta and the entitlement ratio, against hand-computed answers (docs/reports.md works the
same examples), plus properties."""
from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broker.fairness import allocate
from broker.reports import entitlement as ent
from broker.reports import structure as s

pytestmark = pytest.mark.pure


# --- concentration ------------------------------------------------------------------------

def test_concentration_flags_hand_computed():
    # Shares 50/30/20 %: HHI = 2500 + 900 + 400 = 3800; change from 3600 = +200.
    c = s.concentration({"A": 50, "B": 30, "C": 20}, previous_hhi=3600)
    assert c["hhi"] == pytest.approx(3800) and c["hhi_change"] == pytest.approx(200)
    assert c["top_vendor"] == "A" and c["top_share"] == pytest.approx(0.5)
    assert c["highly_concentrated"] and c["significant_change"] and c["share_above_30_percent"]
    # Four equal vendors: HHI 2500 (> 1800) but no share above 30 %; no previous period.
    c = s.concentration({v: 25 for v in "ABCD"})
    assert c["hhi"] == pytest.approx(2500) and c["hhi_change"] is None
    assert c["highly_concentrated"] and not c["significant_change"] and not c["share_above_30_percent"]
    # Ten equal vendors: HHI 1000, a change of exactly 100 is not "above 100".
    c = s.concentration({str(i): 7 for i in range(10)}, previous_hhi=900)
    assert c["hhi"] == pytest.approx(1000) and not c["highly_concentrated"]
    assert not c["significant_change"]
    # Thresholds are strict: exactly 30 % is not flagged, exactly 1 800 is not high.
    assert not s.concentration({"A": 30, "B": 30, "C": 30, "D": 10})["share_above_30_percent"]


def test_an_offering_is_in_each_language_market():
    offs = [{"task_type": "annotation", "languages": ["en", "de"], "vendor": "A", "capacity_units": 100},
            {"task_type": "annotation", "languages": ["en"], "vendor": "B", "capacity_units": 300},
            {"task_type": "red_teaming", "languages": [], "vendor": "A", "capacity_units": 50}]
    assert s.vendor_units(offs, "capacity_units") == {
        ("annotation", "de"): {"A": 100}, ("annotation", "en"): {"A": 100, "B": 300},
        ("red_teaming", "any"): {"A": 50}}


# --- foreclosure --------------------------------------------------------------------------

def test_foreclosure_share_hand_computed():
    cap = {"A": 600, "B": 300, "C": 100}
    assert s.foreclosure_share(cap, ["A"]) == pytest.approx(0.6)
    assert s.foreclosure_share(cap, ["A", "C"]) == pytest.approx(0.7)
    assert s.foreclosure_share(cap, ["Z"]) == 0 and s.foreclosure_share({}, ["A"]) == 0


def test_mhhi_delta_hand_computed():
    # One holder with 50 % of both vendors (shares 60/40): each denominator 0.5² + 0.5² = 0.5,
    # each cross term 0.5·0.5 = 0.25: delta = 2 · 0.6·0.4·0.25/0.5 · 10 000 = 2 400.
    both = {"j": {"H": 0.5}, "k": {"H": 0.5}}
    assert s.mhhi_delta({"j": 0.6, "k": 0.4}, both) == pytest.approx(2400)
    # A stake in one vendor only (the demo's 49 % investor): no common ownership, delta 0.
    assert s.mhhi_delta({"j": 0.6, "k": 0.4}, {"j": {"H": 0.49}}) == 0
    # 20 % of j, 10 % of k, shares 50/50: 0.25·0.02/(0.04+0.64) + 0.25·0.02/(0.01+0.81)
    # = 0.0073529 + 0.0060976 = 0.0134505 -> 134.5 points (a significant change, > 100).
    assert s.mhhi_delta({"j": 0.5, "k": 0.5}, {"j": {"H": 0.2}, "k": {"H": 0.1}}) == pytest.approx(134.505, abs=0.01)


def test_market_rows_suppress_delivered_below_k_and_compare_with_previous():
    offs = [{"task_type": "t", "languages": ["en"], "vendor": "A", "capacity_units": 80, "delivered_units": 40},
            {"task_type": "t", "languages": ["en"], "vendor": "B", "capacity_units": 20, "delivered_units": 10}]
    stakes = [{"holder": "H", "vendor": "A", "percent": 49}]
    rows = s.market_rows(s.vendor_units(offs, "capacity_units"), s.vendor_units(offs, "delivered_units"),
                         {("t", "en"): 3}, stakes, {("t", "en", "capacity"): 6000}, k=5)
    cap, dlv = rows
    assert cap["basis"] == "capacity" and cap["hhi"] == pytest.approx(6800) and cap["hhi_change"] == pytest.approx(800)
    assert cap["mhhi_delta"] == 0 and cap["top_vendor"] == "A" and cap["top_share"] == pytest.approx(0.8)
    assert cap["units_by_vendor"] == {"A": 80, "B": 20} and cap["significant_change"]
    assert dlv["basis"] == "delivered" and dlv["principals"] == 3 and dlv["hhi"] == "suppressed"
    assert s.foreclosure_rows(offs, stakes) == [
        {"holder": "H", "task_type": "t", "language": "en", "vendors": ["A"], "foreclosure_share": 0.8}]


# --- entitlement ratio --------------------------------------------------------------------

def _round(capacity, demands, weights=None, guarantees=(), extra=(), policy=None):
    weights = weights or {}
    orgs = [{"id": g, "weight": weights.get(g, 1), "size_class": "small" if g == "c" else "large"} for g in demands]
    reqs = [{"id": f"r-{g}", "org": g, "units": d, "offerings": ["o"],
             "submitted_at": f"2026-01-01T0{i}:00:00Z"} for i, (g, d) in enumerate(sorted(demands.items()))]
    inp = {"round": {"id": "x", "period": "2026-W01", "kind": "main"}, "policy": policy or {"max_reserved_share": 0.3},
           "offerings": [{"id": "o", "capacity": capacity, "unit_price": 100}], "orgs": orgs,
           "guarantees": [{"org": g, "offering": "o", "units": u} for g, u in guarantees],
           "requests": reqs + list(extra)}
    return {"input": inp, "output": allocate(inp)}


def test_water_level_hand_computed():
    # C = 100, demands 80/50/10, equal weights: c is capped at 10, then 90 / 2 = 45.
    assert ent.water_level({"a": 80, "b": 50, "c": 10}, {g: Fraction(1) for g in "abc"}, 100) == 45
    # Not scarce: the smallest level covering every demand, max(D/w) = 80.
    assert ent.water_level({"a": 80, "b": 10}, {"a": Fraction(1), "b": Fraction(1)}, 500) == 80
    # Weights 1 and 3, C = 80, both want 100: L = 80 / 4 = 20 (shares 20 and 60).
    assert ent.water_level({"a": 100, "b": 100}, {"a": Fraction(1), "b": Fraction(3)}, 80) == 20


def test_entitlement_fair_bottlenecked_is_one_and_low_demand_is_its_demand():
    acc = ent.accounts([_round(100, {"a": 80, "b": 50, "c": 10})])
    assert (acc["a"].allocated, acc["a"].share) == (45, 45) and ent.ratio(acc["a"]) == 1
    assert ent.ratio(acc["b"]) == 1 and not acc["a"].causes
    # c asked for 10 of its 45: ratio 10/45, cause its demand (35 units).
    assert ent.ratio(acc["c"]) == pytest.approx(10 / 45)
    assert dict(acc["c"].causes) == {"demand": 35}


def test_entitlement_reservation_hand_computed():
    # C = 70, all want 50, weights a 1, b 3, c 3: the promise is L = 70/7 = 10 -> 10, 30, 30.
    # a's reservation of 20 (cap 0.3·70 = 21) is a floor above its 10: the engine gives a 20
    # and the rest 50 to b and c at 25 each (L = 50/6).
    acc = ent.accounts([_round(70, {"a": 50, "b": 50, "c": 50}, {"b": 3, "c": 3}, guarantees=[("a", 20)])])
    assert (acc["a"].allocated, acc["a"].share) == (20, 10) and ent.ratio(acc["a"]) == 2
    assert dict(acc["a"].causes) == {"reservation": 10}
    assert ent.ratio(acc["b"]) == pytest.approx(25 / 30) and dict(acc["b"].causes) == {"reservation": 5}


def test_excluded_requests_are_named_by_deadline_and_price():
    extra = [{"id": "late", "org": "a", "units": 7, "offerings": [], "submitted_at": "2026-01-01T09:00:00Z",
              "reason_hint": "deadline_unreachable"},
             {"id": "dear", "org": "b", "units": 5, "offerings": [], "submitted_at": "2026-01-01T09:00:00Z",
              "reason_hint": "over_budget"}]
    fig = ent.figures([_round(100, {"a": 80, "b": 50, "c": 10}, extra=extra)], k=1)
    by = {d["group"]: d for d in fig["developers"]}
    assert {"cause": "deadline", "units": 7} in by["a"]["causes"]
    assert by["b"]["causes"] == [{"cause": "price", "units": 5}]
    large = next(c for c in fig["size_classes"] if c["size_class"] == "large")
    assert large["entitlement_ratio"] == 1 and large["principals"] == 2
    assert ent.figures([_round(100, {"a": 80, "b": 50, "c": 10})], k=5)["size_classes"][0]["entitlement_ratio"] == "suppressed"


demands = st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 300), min_size=1, max_size=7)


@settings(max_examples=60, deadline=None)
@given(demands=demands, capacity=st.integers(0, 800), weights=st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 4)),
       floors=st.dictionaries(st.sampled_from("abcdefg"), st.integers(1, 300), max_size=3))
def test_entitlement_ratio_at_most_one_when_demand_exceeds_share(demands, capacity, weights, floors):
    """A developer whose demand exceeds its promised share and that holds no reservation never
    gets more than its share (others' floors can only lower the level), to within the one unit
    of whole-unit rounding; with no reservations at all it gets its share to within one unit."""
    cap_floor = int(0.3 * capacity)
    guarantees, reserved = [], 0
    for g, u in sorted(floors.items()):
        u = min(u, cap_floor, capacity - reserved)
        if g in demands and u > 0:
            guarantees.append((g, u))
            reserved += u
    acc = ent.accounts([_round(capacity, demands, weights, guarantees)])
    holders = {g for g, _ in guarantees}
    for g, a in acc.items():
        if a.demand >= a.share and g not in holders:
            assert a.allocated < a.share + 1
            if not guarantees:
                assert abs(a.allocated - a.share) < 1
        if a.share:
            assert set(a.causes) <= {"demand", "reservation"}  # one offering: nothing else applies
