"""The developer's journey in a real browser, on the demo market: browse the catalog, search
("medical" finds the clinical review offering by its field), press "Request this" (the form
opens with the offering's criteria), submit, read why the request waits in plain words
(engine terms only behind "details", no queue position), then follow an order."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ENGINE_WORDS = re.compile(r"fair_share_reached|capacity_exhausted|awaiting_round|level \d|× weight|Position \d")


def test_developer_browses_requests_reads_why_and_follows_orders(live_server, browser, page, login_as,
                                                                   demo_logins):
    dev = demo_logins["developer"]
    page.goto("/catalog")
    page.get_by_label("Search").fill("medical")
    page.get_by_role("button", name="Filter").click()
    titles = page.locator("table tbody tr td:nth-child(2)").all_inner_texts()
    assert titles and any("Clinical note review" in t for t in titles), titles
    assert all(re.search(r"USD \d", t) for t in page.locator("table tbody tr td:nth-child(7)").all_inner_texts())
    page.get_by_role("link", name=re.compile("Clinical note review")).first.click()
    offering_title = page.get_by_role("heading", level=1).inner_text()

    # "Request this" as a visitor leads through the sign-in back to the prefilled form
    offering_url = page.url
    page.get_by_role("button", name="Request this").click()
    assert "/login" in page.url and "offering" in page.url
    login_as(page, dev.email, dev.password)
    # the dashboard tells what changed: a vendor declined one of this week's orders, and why
    news = page.locator("section", has=page.get_by_role("heading", name="Since your last visit")).inner_text()
    assert re.search(r"declined order O-\d+ .*Reason: ", news), news
    if "/requests/new" not in page.url:  # the sign-in lands on the dashboard: back to the offering
        page.goto(offering_url)
        page.get_by_role("button", name="Request this").click()
    assert f"Requesting {offering_title}" in page.locator("[data-preselected]").inner_text()
    assert page.get_by_label("Task type").input_value() == "expert_review"
    assert page.get_by_label("Expertise").input_value() == "medicine"
    assert re.fullmatch(r"\d+\.\d\d", page.get_by_label("Maximum unit price").input_value())
    page.get_by_label("Units", exact=True).fill("200")
    page.get_by_label("Instructions reference (URL or document id)").fill("https://docs.tessellate.example/clinical-v2")
    page.get_by_role("button", name="Check eligible offerings").click()
    eligible = page.locator("section", has=page.get_by_role("heading", name="Offerings these criteria reach"))
    assert offering_title in eligible.inner_text() and "USD " in eligible.inner_text()
    page.get_by_role("button", name="Submit request").click()
    assert re.match(r"Request R-\d+: Domain-expert review", page.get_by_role("heading", level=1).inner_text())

    why = page.locator("[data-why]")
    headline = why.locator("[data-reason-line]").inner_text()
    change = why.locator("[data-reason-change]").inner_text()
    assert headline and change, (headline, change)
    assert not ENGINE_WORDS.search(headline + change), headline
    assert page.locator("[data-position]").count() == 0 and "Position" not in page.locator("main").inner_text()
    # the engine's words are there, but only behind the disclosure
    terms = why.locator("details[data-engine-terms]")
    assert not terms.evaluate("d => d.open")
    terms.locator("summary").click()
    assert "Reason code" in terms.inner_text()

    # the estimate: a dry run; 0 units always comes with why and what to do
    page.get_by_role("link", name="Estimate my next allocation").click()
    est = page.locator("[data-estimate]").inner_text()
    assert est.startswith("Estimate for the next ")
    if " 0 units" in est:
        assert "Why:" in est and "What would change it" in est

    # the requests list reads titles and R- numbers; orders are one click away
    page.goto("/requests")
    listing = page.locator("table[data-requests]").inner_text()
    assert "Domain-expert review" in listing and re.search(r"R-\d+", listing)
    assert "expert_review" not in listing and "preference_ranking" not in listing
    page.get_by_role("link", name="Your orders").click()
    rows = page.locator("table[data-orders] tbody tr")
    assert rows.count() >= 5
    orders_text = page.locator("table[data-orders]").inner_text()
    assert re.search(r"O-\d+", orders_text) and "#" not in orders_text
    assert "declined" in orders_text and "partly delivered" in orders_text and "waiting for the vendor" in orders_text
    page.locator("table[data-orders] tbody tr", has_text="declined").get_by_role("link").first.click()
    # the click returns once the order's page starts loading: wait for it to be shown
    expect(page.locator("[data-declined]")).to_be_visible()
    assert "Reason:" in page.locator("[data-declined]").inner_text()
    assert "docs.tessellate-ai.example" in page.locator("[data-instructions]").inner_text()
