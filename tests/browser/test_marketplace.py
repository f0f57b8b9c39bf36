"""The marketplace in a real browser: a vendor lists an offering and changes its price, a
visitor sees the history and the catalog; a visitor filters the catalog and compares offerings."""
from __future__ import annotations

import pytest

from broker.clock import now
from broker.models import OrgKind
from broker.services import accounts, offerings, prices
from tests.builders import principal_of

pytestmark = pytest.mark.browser
EMPTY = [{"demo": False}]


def _vendor(s, name, email):
    org = accounts.create_org(s, None, name=name, kind=OrgKind.vendor, headcount=300)
    accounts.create_user(s, None, org=org, email=email, password="vendor password 1")
    return org


@pytest.mark.parametrize("live_server", EMPTY, indirect=True)
def test_vendor_changes_a_price_and_a_visitor_sees_the_history(live_server, browser, page, login_as):
    with live_server.transaction() as s:
        _vendor(s, "Sauti Data", "ops@sauti.example")
    login_as(page, "ops@sauti.example", "vendor password 1")
    page.goto("/vendor/offerings/new")
    page.get_by_label("Title", exact=True).fill("Swahili transcription")
    page.get_by_label("Task type").select_option("transcription")
    page.get_by_label("Modality").select_option("audio")
    page.get_by_label("Unit", exact=True).select_option("hour")
    page.get_by_label("Languages (BCP 47, comma-separated)").fill("sw, en")
    page.get_by_label("Turnaround (days)").fill("4")
    page.get_by_label("Price per unit").fill("18.00")
    page.get_by_label("Price currency (ISO 4217)").fill("USD")
    page.get_by_label("Capacity this period (units)").fill("120")
    page.get_by_role("button", name="List offering").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Swahili transcription"
    assert "Current price: USD 18.00" in page.locator("hgroup").inner_text()

    page.get_by_label("New price per unit").fill("19.25")
    page.get_by_role("button", name="Set new price").click()
    assert "New price USD 19.25 is in effect" in page.locator("[role=status]").inner_text()

    visitor = browser.new_context(base_url=live_server.url).new_page()
    visitor.goto("/catalog")
    row = visitor.get_by_role("row").filter(has_text="Swahili transcription")
    assert "USD 19.25" in row.inner_text() and "USD 18.00" not in row.inner_text()
    row.get_by_role("link", name="Swahili transcription").click()
    assert visitor.locator("svg.chart").count() == 1
    visitor.get_by_text("Price history as a table").click()
    history = visitor.locator("details table").inner_text()
    assert "USD 18.00" in history and "USD 19.25" in history and "current" in history
    visitor.context.close()


@pytest.mark.parametrize("live_server", EMPTY, indirect=True)
def test_visitor_filters_the_catalog_and_compares_three_offerings(live_server, page):
    with live_server.transaction() as s:
        for name, items in (("Acme Labelling", [("Ranking A", "preference_ranking", 300),
                                                 ("Labels B", "labeling", 90)]),
                            ("Borealis Data", [("Ranking C", "preference_ranking", 250),
                                               ("Ranking D", "preference_ranking", 410)])):
            org = _vendor(s, name, f"ops@{name.split()[0].lower()}.example")
            p = principal_of(org, scopes={"catalog:write"})
            for title, task, price in items:
                o = offerings.create(s, p, {"title": title, "task_type": task, "modality": "text", "unit": "item",
                                            "languages": ["en"], "turnaround_days": 3})
                prices.set_price(s, p, o.id, amount_minor=price, currency="USD", now=now())

    page.goto("/catalog")
    page.get_by_label("Task type").select_option("preference_ranking")
    page.get_by_label("Sort by").select_option("price")
    page.get_by_role("button", name="Filter").click()
    titles = page.locator("tbody tr td:nth-child(2)").all_inner_texts()
    assert titles == ["Ranking C", "Ranking A", "Ranking D"]
    for t in titles:
        page.get_by_label(f"Compare {t}").check()
    page.get_by_role("button", name="Compare").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Compare offerings"
    headers = page.locator("table.compare thead th").all_inner_texts()[1:]
    assert headers == ["Ranking C", "Ranking A", "Ranking D"]
    prices_row = page.get_by_role("row").filter(has_text="Price").first.inner_text()
    assert "USD 2.50" in prices_row and "USD 3.00" in prices_row and "USD 4.10" in prices_row
