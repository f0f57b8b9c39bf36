"""The pure helpers of broker.catalog: money, vocabulary, disclosure rules, pay floor, chart."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from broker.catalog import iso, money, payfloor, vocabulary, workforce
from broker.catalog.chart import PricePoint, price_history_svg

pytestmark = pytest.mark.pure

VALID = {"quarter": "2026-Q3", "headcount": 10, "employment_mix": {"employee": 33.33, "contractor": 66.67},
         "countries": {"KE": 60, "PH": 25, "IN": 15}, "median_hourly_pay_minor": 900, "pay_currency": "USD",
         "share_below_minimum_wage": 0, "share_below_living_wage": 10, "time_estimate_shown": True,
         "payment_days": 7, "harmful_content_protections": "counselling", "representation": "union",
         "share_domain_experts": 5, "fairwork_principles": ["pay"], "attestation": "audit",
         "attested_by": "Auditor", "pay_by_country": {"KE": {"hourly_pay_minor": 900, "currency": "USD"},
                                         "PH": {"hourly_pay_minor": 900, "currency": "USD"},
                                         "IN": {"hourly_pay_minor": 900, "currency": "USD"}}}


def test_money_is_exact_per_currency():
    assert money.format_money(1250, "USD") == "USD 12.50"
    assert money.format_money(1250, "JPY") == "JPY 1,250"
    assert money.format_money(1250, "KWD") == "KWD 1.250"
    assert money.parse_money("12.5", "USD") == 1250 and money.parse_money("0.001", "KWD") == 1
    for bad in ("1.234", "-1", "nan", "1e400", "twelve"):
        with pytest.raises(ValueError):
            money.parse_money(bad, "USD")
    assert iso.is_currency("EUR") and not iso.is_currency("XAU") and not iso.is_currency("usd")
    assert iso.is_country("KE") and not iso.is_country("XX")


def test_language_tags_are_normalised():
    assert vocabulary.normalise_language("PT-br") == "pt-BR"
    assert vocabulary.normalise_language("zh-hant-tw") == "zh-Hant-TW"
    assert vocabulary.normalise_language("english") is None and vocabulary.normalise_language("e") is None


def test_a_complete_disclosure_is_valid_and_100_percent_complete():
    assert workforce.validate(VALID) == []
    assert workforce.completeness(VALID) == (100, [])
    assert workforce.major_countries(VALID) == ["KE", "PH"]  # IN holds under 25 %


@pytest.mark.parametrize("change,field", [
    ({"employment_mix": {"employee": 50, "contractor": 49}}, "employment_mix"),
    ({"countries": {"KE": 100.1}}, "countries.KE"),
    ({"countries": {"KE": 50, "XX": 50}}, "countries.XX"),
    ({"countries": {"KE": 0, "PH": 100}}, "countries.KE"),
    ({"median_hourly_pay_minor": 0}, "median_hourly_pay_minor"),
    ({"median_hourly_pay_minor": True}, "median_hourly_pay_minor"),
    ({"pay_currency": "US$"}, "pay_currency"),
    ({"share_below_living_wage": 101}, "share_below_living_wage"),
    ({"share_below_minimum_wage": 20, "share_below_living_wage": 10}, "share_below_living_wage"),
    ({"quarter": "2026-Q0"}, "quarter"),
    ({"attestation": "third_party", "attested_by": " "}, "attested_by"),
    ({"headcount": 0}, "headcount"),
])
def test_disclosure_rules_name_the_field(change, field):
    assert field in [e["field"] for e in workforce.validate({**VALID, **change})]


def test_shares_within_rounding_tolerance_pass():
    assert workforce.validate({**VALID, "countries": {"KE": 33.33, "PH": 33.33, "IN": 33.33}}) == []


def test_completeness_counts_missing_items():
    sparse = {**VALID, "employment_mix": {}, "payment_days": None, "representation": " ", "attestation": "self"}
    pct, missing = workforce.completeness(sparse)
    assert missing == ["employment_mix", "payment_days", "representation", "independent_attestation"]
    assert pct == 10 * 100 // 14


def test_pay_floor_flag():
    floor = payfloor.PayFloor(800, "USD")
    assert payfloor.status(800, "USD", floor) == "meets"
    assert payfloor.status(799, "USD", floor) == "below"
    assert payfloor.status(5000, "KES", floor) == "other_currency"
    assert payfloor.status(None, None, floor) == "undisclosed"
    assert workforce.pay_floor_flag({**VALID, "median_hourly_pay_minor": 700}, floor) == "below"


def test_quarters():
    assert workforce.valid_quarter("2026-Q4") and not workforce.valid_quarter("2026-Q5")
    assert workforce.quarter_of(2026, 11) == "2026-Q4" and workforce.quarter_of(2026, 1) == "2026-Q1"


def test_price_chart_draws_one_step_per_price_and_escapes_text():
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    pts = [PricePoint(t0, t0 + timedelta(days=10), 250), PricePoint(t0 + timedelta(days=10), None, 300)]
    svg = price_history_svg(pts, "USD", t0 + timedelta(days=20), "Price of <script>")
    assert svg.startswith("<svg") and svg.count("<circle") == 2
    assert "&lt;script&gt;" in svg and "<script>" not in svg
    assert "USD 2.50" in svg and "USD 3.00" in svg
    # The higher price is drawn higher (smaller y).
    import re
    ys = [float(y) for y in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', svg)]
    assert ys[1] < ys[0]
    assert "No prices yet" in price_history_svg([], "USD", t0, "x")
