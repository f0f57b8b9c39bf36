""""Why am I waiting" in plain words: a pure function from the engine's reason and numbers to
sentences with units and names. Hand-computed cases, then properties over many inputs."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from broker.services.reasons import ENGINE_CODES, plain_words

pytestmark = pytest.mark.pure

AT = datetime(2026, 12, 5, 14, 0, tzinfo=timezone.utc)
NORTHSTAR = {"title": "Clinical note review", "vendor": "Northstar", "capacity": 9000, "asked": 27000,
             "developers": 10}


def test_the_issue_example_word_for_word():
    out = plain_words({"code": "fair_share_reached", "offerings": [NORTHSTAR], "share": 2717, "demand": 3000,
                       "level": {"approx": "2716.667", "exact": "8150/3"}, "weight": {"approx": "1", "exact": "1"},
                       "next_round": {"kind": "spot", "at": AT}})
    assert out["headline"] == (
        "Capacity at Northstar (Clinical note review) this week: 9,000 units, asked for 27,000 by 10 developers. "
        "Each got an equal share of 2,717 units (less if they asked for less); you asked for 3,000 and got 2,717, "
        "so 283 wait for the next spot round on 2026-12-05 14:00 UTC.")
    assert out["change"].startswith("What would change it: more capacity there")
    # engine terms only in the disclosure
    assert ("Fair-share level", "8150/3") in out["engine"]
    assert "8150/3" not in out["headline"] and "level" not in out["headline"].lower()


def test_weights_and_groups_are_said_plainly():
    out = plain_words({"code": "fair_share_reached", "offerings": [NORTHSTAR, {**NORTHSTAR, "vendor": "Sauti",
                                                                                "title": "Triage labels"}],
                       "share": 5433, "demand": 8000, "group": True,
                       "level": {"approx": "2716.667", "exact": "8150/3"}, "weight": {"approx": "2", "exact": "2"},
                       "next_round": {"kind": "main", "at": "2026-12-07T09:00:00Z"}})
    h = out["headline"]
    assert "the 2 offerings you can use (Northstar (Clinical note review), Sauti (Triage labels))" in h
    assert "18,000 units, asked for 54,000 by 20 developers" in h
    assert "weight 1 got 2,717 units, and your group has weight 2" in h
    assert "your group asked for 8,000 and got 5,433, so 2,567 wait for the next main round on 2026-12-07 09:00 UTC" in h


def test_capacity_exhausted_names_the_offering_and_has_no_queue_position():
    out = plain_words({"code": "capacity_exhausted", "offerings": [{**NORTHSTAR, "capacity": 0}],
                       "next_round": {"kind": "spot", "at": AT}})
    assert "nothing free at Northstar (Clinical note review)" in out["headline"]
    assert "The next spot round on 2026-12-05 14:00 UTC hands out units" in out["headline"]
    assert "arrival order buys nothing" in out["change"]
    assert not re.search(r"position|ahead of you|in line \d", out["headline"], re.I)


def test_over_budget_says_the_price_that_would_work():
    out = plain_words({"code": "over_budget", "matching": 3, "cheapest_minor": 240, "max_minor": 200,
                       "currency": "USD"})
    assert out["headline"] == "3 offerings match, but the cheapest costs USD 2.40 a unit, above your maximum of USD 2.00."
    assert out["change"] == "What would change it: a maximum price of at least USD 2.40 a unit."


def test_a_zero_estimate_always_says_why_and_what_to_do():
    out = plain_words({"code": "capacity_exhausted", "offerings": [{**NORTHSTAR, "capacity": 0}],
                       "next_round": {"kind": "spot", "at": AT}, "estimate_units": 0})
    assert out["headline"].startswith("Estimate for the next spot round on 2026-12-05 14:00 UTC: 0 units. Why: this week")
    assert out["change"]


def test_deadline_and_awaiting_round():
    out = plain_words({"code": "deadline_unreachable", "deadline": "2026-12-04T00:00:00Z",
                       "earliest_completion": "2026-12-09T12:00:00+00:00"})
    assert "2026-12-09 12:00 UTC, after your deadline of 2026-12-04 00:00 UTC" in out["headline"]
    assert "a deadline of 2026-12-09 12:00 UTC or later" in out["change"]
    out = plain_words({"code": "awaiting_round", "next_round": {"kind": "spot", "at": AT}})
    assert out["headline"].endswith("the next spot round on 2026-12-05 14:00 UTC will.")


ENGINE_WORDS = re.compile(r"\b(level|fair_share_reached|capacity_exhausted|awaiting_round|over_budget|"
                          r"deadline_unreachable|no_matching_offering|minor units?|position)\b", re.I)

offering = st.fixed_dictionaries({"title": st.sampled_from(["Clinical note review", "Swahili transcription"]),
                                  "vendor": st.sampled_from(["Northstar", "Sauti Data", None]),
                                  "capacity": st.one_of(st.none(), st.integers(0, 10**7)),
                                  "asked": st.one_of(st.none(), st.integers(0, 10**8)),
                                  "developers": st.one_of(st.none(), st.integers(1, 500))})


@st.composite
def facts(draw):
    demand = draw(st.integers(1, 10**7))
    return {"code": draw(st.sampled_from(ENGINE_CODES)), "offerings": draw(st.lists(offering, max_size=6)),
            "demand": demand, "share": draw(st.integers(0, demand)),
            "level": draw(st.one_of(st.none(), st.builds(lambda x: {"approx": f"{x:.3f}", "exact": f"{x}"},
                                                         st.floats(0, 10**7, allow_nan=False)))),
            "weight": draw(st.one_of(st.none(), st.sampled_from([{"approx": "1", "exact": "1"},
                                                                {"approx": "2.5", "exact": "5/2"}]))),
            "next_round": {"kind": draw(st.sampled_from(["main", "spot"])), "at": AT},
            "cheapest_minor": draw(st.integers(1, 10**6)), "max_minor": draw(st.integers(1, 10**6)),
            "currency": draw(st.sampled_from(["USD", "EUR", "JPY"])), "matching": draw(st.integers(1, 40)),
            "deadline": "2026-12-04T00:00:00Z", "earliest_completion": "2026-12-09T00:00:00Z",
            "estimate_units": draw(st.one_of(st.none(), st.integers(0, 10**6)))}


@given(facts())
def test_every_explanation_is_plain_has_a_next_step_and_shows_units_with_separators(f):
    out = plain_words(f)
    assert out["headline"] and out["change"]
    assert not ENGINE_WORDS.search(out["headline"]), out["headline"]
    assert not ENGINE_WORDS.search(out["change"].replace("arrival order", "")), out["change"]
    # every number of five digits or more is written with thousands separators
    assert not re.search(r"(?<![\d.,/:-])\d{5,}(?![\d])", out["headline"].replace("2026", "")), out["headline"]
    assert ("Reason code", f["code"]) in out["engine"]
    if f["code"] == "fair_share_reached" and f["estimate_units"] is None:
        assert f"{f['demand'] - f['share']:,} wait" in out["headline"]
    if f["estimate_units"] == 0:
        assert "0 units. Why:" in out["headline"]
