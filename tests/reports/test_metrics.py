"""The metric functions against hand-computed and published values, and their bounds."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broker.reports import metrics as m

pytestmark = pytest.mark.pure

values = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=40)
positive = st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=40)


def test_jain_hand_computed():
    assert m.jain([1, 1, 1, 1]) == 1.0
    assert m.jain([1, 0, 0, 0]) == 0.25  # one holds all: 1/n
    # (1+2+3)² / (3·(1+4+9)) = 36/42
    assert m.jain([1, 2, 3]) == pytest.approx(36 / 42)
    assert m.jain([0, 0]) == 1.0 and m.jain([]) == 1.0


def test_hhi_and_cr4_published_values():
    # The 2023 Merger Guidelines example: four firms with 30/30/20/20 % shares -> HHI 2 600.
    assert m.hhi([30, 30, 20, 20]) == pytest.approx(2600)
    assert m.hhi([1]) == pytest.approx(10_000)
    assert m.hhi([1] * 10) == pytest.approx(1000)  # ten equal firms
    assert m.cr4([40, 20, 10, 10, 10, 10]) == pytest.approx(0.8)
    assert m.highly_concentrated(1800.01) and not m.highly_concentrated(1800)


def test_gini_mean_absolute_difference_form():
    assert m.gini([5, 5, 5]) == 0.0
    # Σ|xi−xj| over ordered pairs of (1,2,3) = 8; 8 / (2·9·2) = 2/9.
    assert m.gini([1, 2, 3]) == pytest.approx(2 / 9)
    assert m.gini([0, 0, 0, 10]) == pytest.approx(0.75)  # (n−1)/n when one holds all


def test_percentile_nearest_rank():
    data = [15, 20, 35, 40, 50]  # the Wikipedia "nearest-rank method" example
    assert m.percentile(data, 30) == 20
    assert m.percentile(data, 40) == 20
    assert m.percentile(data, 50) == 35
    assert m.percentile(data, 100) == 50
    assert m.percentile(list(range(1, 11)), 90) == 9  # not 9.000000000000002 → rank 10
    assert m.percentile([4, 1, 3, 2], 50) == 2  # lower median
    assert m.percentile([], 50) is None


def test_ratios_and_affiliate_preference():
    assert m.satisfaction(30, 40) == 0.75 and m.satisfaction(0, 0) is None
    assert m.delivery_ratio(10, 20) == 0.5 and m.delivery_ratio(5, 0) is None
    # Investors asked 10 % of the demand and got 20 % of the units: ratio 2.
    assert m.affiliate_preference_ratio(20, 100, 10, 100) == pytest.approx(2.0)
    assert m.affiliate_preference_ratio(0, 100, 0, 100) is None  # no affiliated demand
    assert m.delivery_fairness([1.0, 0.5, None]) == pytest.approx(m.jain([1.0, 0.5]))


def test_small_cells_are_suppressed_not_numbers():
    assert m.suppress(0.5, 4, 5) == m.SUPPRESSED
    assert m.suppress(0.5, 5, 5) == 0.5


@given(values)
def test_jain_bounds(v):
    j = m.jain(v)
    assert 1 / len(v) - 1e-12 <= j <= 1 + 1e-12


@given(values)
def test_hhi_and_cr4_bounds(v):
    h = m.hhi(v)
    assert 0 <= h <= 10_000 + 1e-6
    assert 0 <= m.cr4(v) <= 1 + 1e-12
    if sum(v):
        assert h >= 10_000 / len(v) - 1e-6  # equal shares are the least concentrated


@given(values)
def test_gini_bounds_and_matches_definition(v):
    g = m.gini(v)
    assert 0 <= g < 1
    n, total = len(v), sum(v)
    if total:
        direct = sum(abs(a - b) for a in v for b in v) / (2 * n * n * (total / n))
        assert g == pytest.approx(direct, abs=1e-9)


@given(positive, st.integers(min_value=1, max_value=1000))
def test_scale_invariance(v, c):
    scaled = [x * c for x in v]
    assert m.jain(scaled) == pytest.approx(m.jain(v))
    assert m.hhi(scaled) == pytest.approx(m.hhi(v))
    assert m.gini(scaled) == pytest.approx(m.gini(v), abs=1e-12)


@settings(max_examples=50)
@given(values, st.sampled_from([0, 10, 50, 90, 99, 100]))
def test_percentile_is_an_observed_value_with_enough_below(v, p):
    x = m.percentile(v, p)
    assert x in v
    assert sum(1 for y in v if y <= x) >= math.ceil(p * len(v) / 100)
