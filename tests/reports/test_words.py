"""Findings and report tables in people's words (schema 2.2): languages and task types by
name, ratios rounded on the page; a report of 2.1 keeps — and verifies — its old wording."""
from __future__ import annotations

import json
import re

import pytest

from broker.catalog.vocabulary import language_name
from broker.reports import findings, labels, verify_figures
from broker.reports.verify import _first_difference
from tests.reports.helpers import publish_all


def test_language_names_from_the_iso_tables():
    assert language_name("tl") == "Tagalog" and language_name("en") == "English"
    assert language_name("tgl") == "Tagalog"  # the ISO 639-2 code names the same language
    assert language_name("el") == "Modern Greek" and language_name("sw") == "Swahili"
    assert language_name("pt-BR") == "Portuguese (Brazil)" and language_name("zh-Hant") == "Chinese (Hant)"
    assert language_name("yue") == "yue"  # not in ISO 639-2: the tag as written, never a guess


def _market_doc(version: str) -> dict:
    rows = [{"task_type": task, "language": "tl", "basis": "capacity", "hhi": 10000, "mhhi_delta": 0,
             "top_vendor": "V", "top_share": 1.0, "share_above_30_percent": True, "significant_change": False,
             "hhi_change": None, "units": 100} for task in ("data_collection", "preference_ranking")]
    return {"series": "access", "period": "2026-W02", "schema_version": version, "market_structure": rows,
            "entitlement": {"size_classes": [{"size_class": "small", "fair_share_units": 100, "allocated_units": 50,
                                              "causes": [{"cause": "set_aside", "units": 30},
                                                         {"cause": "usage_decay", "units": 20}]}]}}


def test_findings_of_2_2_name_languages_and_task_types():
    texts = [f["text"] for f in findings.findings(_market_doc("2.2"), None)]
    assert any(t.startswith("Data collection in Tagalog is highly concentrated on capacity: HHI 10,000") for t in texts)
    assert any(t.startswith("Preference ranking (RLHF) in Tagalog is highly concentrated") for t in texts)
    assert any("(causes: set-aside 30 units, usage decay 20 units;" in t for t in texts)
    assert not any(re.search(r"\bin tl\b|set_aside|usage_decay", t) for t in texts)


def test_findings_of_2_1_keep_their_words():
    texts = [f["text"] for f in findings.findings(_market_doc("2.1"), None)]
    assert any(t.startswith("Data collection in tl is highly concentrated on capacity") for t in texts)
    assert any("(causes: set_aside 30 units, usage_decay 20 units;" in t for t in texts)


@pytest.mark.parametrize("version", ["2.1", "2.2"])
def test_verify_recomputes_each_version_in_its_own_words(version):
    doc = _market_doc(version)
    doc["findings"] = findings.findings(doc, None)
    assert verify_figures.findings_mismatch(doc, None, _first_difference) is None
    # The other version's words under this version's number: named as a difference.
    other = _market_doc("2.1" if version == "2.2" else "2.2")
    doc["findings"] = findings.findings(other, None)
    where, published, again = verify_figures.findings_mismatch(doc, None, _first_difference)
    assert where.startswith("findings[") and where.endswith("].text") and published != again


def test_cells_in_words_and_two_decimals():
    assert labels.number(1.6219587) == "1.62" and labels.number(3811.5) == "3,811.50"
    assert labels.number(0.0042) == "0.0042" and labels.number(0.0) == "0.00"
    assert labels.cell_text("task_type", "preference_ranking") == "Preference ranking (RLHF)"
    assert labels.cell_text("language", "tl") == "Tagalog" and labels.cell_text("language", "any") == "Any language"
    assert labels.cell_text("languages", "en;tl") == "English, Tagalog"
    assert labels.cell_text("allocated_units", 27000) == "27,000" and labels.cell_text("vendor_id", 1234) == "1234"


def test_report_page_shows_names_and_rounded_ratios(app, client, scenario):
    publish_all(app)
    item = next(i for i in client.get("/api/v1/reports").json["items"] if i["series"] == "access")
    doc = json.loads(client.get(item["links"]["json"]).data)
    html = client.get(f"/reports/{item['id']}").get_data(as_text=True)
    table = html[html.index(">Allocation by task type<"):]
    table = table[:table.index("</table>")]
    assert "Preference ranking (RLHF)" in table and ">preference_ranking<" not in table
    # Every float is shown with two decimals, its exact value in the title.
    satisfaction = doc["allocation"]["markets"][0]["satisfaction"]
    assert f'title="{satisfaction}">{satisfaction:,.2f}<' in table
    ratio = doc["vendors"][0]["affiliated"]["preference_ratio_delivered"]
    assert f'title="{ratio}">{ratio:.2f}<' in html
    assert not re.search(r">\d+\.\d{3,}<", html), "a number with more than two decimals on the page"
