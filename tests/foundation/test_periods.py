"""ISO-week periods: ``periods_from`` (one parse, then whole weeks added) names the weeks one
``next_period`` after another would, across year ends and 53-week years."""
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from broker.periods import next_period, period_of, periods_from

pytestmark = pytest.mark.pure


@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)), st.integers(0, 110))
def test_periods_from_steps_one_week_at_a_time(t, n):
    first = period_of(t.replace(tzinfo=timezone.utc))
    expected = [first]
    while len(expected) < n:
        expected.append(next_period(expected[-1]))
    assert periods_from(first, n) == expected[:n]


def test_periods_from_crosses_a_53_week_year():
    assert periods_from("2026-W52", 3) == ["2026-W52", "2026-W53", "2027-W01"]
    assert periods_from("2026-W53", 1) == ["2026-W53"]
    assert period_of(datetime(2027, 1, 4, tzinfo=timezone.utc) - timedelta(seconds=1)) == "2026-W53"


def test_periods_from_refuses_a_week_that_does_not_exist():
    with pytest.raises(ValueError):
        periods_from("2025-W53", 2)
