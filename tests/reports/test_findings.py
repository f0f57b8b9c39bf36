"""Findings first, and the verify command recomputing the figures of schema 2.1 (market
structure, entitlement, findings) from the published data."""
from __future__ import annotations

import json

import pytest

from broker.reports import build, findings
from tests.reports.helpers import client_source, publish_all, run_verify


def _access(client) -> dict:
    item = next(i for i in client.get("/api/v1/reports").json["items"] if i["series"] == "access")
    return json.loads(client.get(item["links"]["json"]).data)


def test_access_report_opens_with_the_investor_preference(app, client, scenario):
    publish_all(app)
    doc = _access(client)
    assert doc["schema_version"] == build.SCHEMA_VERSION
    first = doc["findings"][0]
    ratio = doc["vendors"][0]["affiliated"]["preference_ratio_delivered"]
    assert first["code"] == "affiliate_preference" and first["value"] == ratio and first["threshold"] == 1.2
    assert first["text"].startswith("Acme Labelers delivered to its ") and "investor Investor AI" in first["text"]
    assert f"{ratio:.2f}× its share of the demand" in first["text"]
    assert first["trend"] == "first" and first["text"].endswith("(threshold 1.2; first period measured).")
    # The page opens with the same sentence, before any chart, under human headings.
    html = client.get(f"/reports/{client.get('/api/v1/reports?series=access').json['items'][0]['id']}").get_data(as_text=True)
    assert html.index("Acme Labelers delivered to its") < html.index("<h2>Charts</h2>")
    assert ">Allocation by task type<" in html and ">allocation.markets<" not in html
    # The stake is published with what it is.
    assert doc["stakes"][0]["holder"] == "Investor AI" and doc["stakes"][0]["vendor"] == "Acme Labelers"


def test_trend_against_the_previous_period():
    prev = {"series": "pricing", "period": "2026-W01",
            "pay_floor": {"amount_minor": 800, "currency": "USD", "below": [{"title": "A", "vendor": "V", "hourly_pay_minor": 500, "currency": "USD"}]}}
    now = {**prev, "period": "2026-W02", "pay_floor": {**prev["pay_floor"], "below": prev["pay_floor"]["below"] * 2}}
    f = findings.findings(now, prev)[0]
    assert (f["value"], f["previous"], f["trend"]) == (2, 1, "up")
    assert f["text"].startswith("2 offerings pay annotators under the pay floor of USD 8.00 an hour: A by V, USD 5.00 an hour")
    assert f["text"].endswith("(threshold 0; up from 1 in 2026-W01).")
    none_then = {**prev, "pay_floor": {**prev["pay_floor"], "below": []}}
    assert findings.findings(now, none_then)[0]["trend"] == "new"
    assert findings.findings(none_then, None) == []


def test_findings_of_a_kind_fold_after_three():
    rows = [{"task_type": "annotation", "language": lang, "basis": "capacity", "hhi": 10000, "mhhi_delta": 0,
             "top_vendor": "V", "top_share": 1.0, "share_above_30_percent": True, "significant_change": False,
             "hhi_change": None} for lang in ("de", "en", "fr", "it", "nl")]
    out = findings.findings({"series": "access", "period": "2026-W02", "market_structure": rows}, None)
    assert [f["code"] for f in out] == ["concentration"] * 4
    assert out[3]["text"] == "2 more markets are highly concentrated: see the table “Market concentration by task type and language”."


@pytest.mark.parametrize("section", ["findings", "market_structure", "entitlement"])
def test_verify_recomputes_the_new_figures(app, client, scenario, monkeypatch, section):
    """Parity lies in a signed, chained report: the verifier names the figure."""
    honest = build.BUILDERS["access"]

    def lying(s, period, at):
        doc = honest(s, period, at)
        if section == "findings":
            doc["findings"][0]["value"] = 1.0
        elif section == "market_structure":
            doc["market_structure"][0]["hhi"] += 50
        else:
            doc["entitlement"]["developers"][0]["allocated_units"] += 3
        return doc

    monkeypatch.setitem(build.BUILDERS, "access", lying)
    publish_all(app)
    code, message = run_verify(client_source(client))
    assert code == 1, message
    assert f": figure {section}" in message and "but the published data give" in message
