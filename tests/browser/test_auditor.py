"""The auditor's journey on the demo: dashboard → a finding → the report → the verify command
→ a vendor's access record; no page wider than the window at 390 and 1 280 px."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

WIDTHS = (390, 1280)
SHOTS = os.environ.get("PARITY_SCREENSHOTS")  # a folder: keep a screenshot of each page there


def _fits(page, name: str) -> None:
    # Measured once the page and its stylesheets have loaded: right after a click the narrow
    # layout's CSS may not apply yet, and the unstyled table is wider than the window.
    page.wait_for_load_state("load")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide in a {width} px window"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_auditor_journey(live_server, page, login_as, demo_logins):
    auditor = demo_logins["auditor"]
    login_as(page, auditor.email, auditor.password)
    page.goto("/dashboard")
    assert page.get_by_role("heading", level=1).inner_text() == "Auditor's dashboard"
    _fits(page, "dashboard")
    # The verify command is shown, exactly.
    command = page.locator("#verify-h ~ pre code.verify-command").inner_text()
    assert command == f"parity-verify {live_server.url}/"
    # Findings across periods: the latest access report's first finding is Northstar's.
    latest = page.locator("details[open]")
    first = latest.locator("ol.findings-list").first.locator("li a").first
    assert first.inner_text().startswith("Northstar Annotation delivered to its 49 % investor Helios Intelligence")
    first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Access report — ")
    finding = page.locator("#finding-1")
    assert "(threshold 1.2;" in finding.inner_text() and finding.is_visible()
    assert page.locator("code.verify-command").last.inner_text() == f"parity-verify {live_server.url}/"
    _fits(page, "access-report")
    # Every chart has its text alternative and its table, under human headings.
    assert page.locator("figure.report-chart p.chart-summary").count() == page.locator("svg.chart").count()
    headings = page.locator("main th[scope=col]").all_inner_texts()
    assert "Task type" in headings and not [h for h in headings if "_" in h or "." in h]
    # From the dashboard to the vendor's access record over time.
    page.go_back()
    page.get_by_role("link", name="Northstar Annotation", exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Northstar Annotation: access record"
    assert page.locator("tbody tr").count() >= 4
    _fits(page, "vendor-record")
    for path, name in (("/reports", "archive"), ("/policy", "policy")):
        page.goto(path)
        _fits(page, name)
    # Back on the dashboard: what was seen is no longer new; email alerts can be turned on.
    page.goto("/dashboard")
    assert page.locator(".since-last-visit").count() == 0
    page.get_by_role("link", name="change").click()
    page.get_by_label("Email me when a newly published report has a finding").check()
    page.get_by_role("button", name="Save").click()
    assert "saved" in page.locator("[role=status]").inner_text()
    _fits(page, "email-choices")
    page.goto("/dashboard")
    assert "Email alerts: on" in page.locator("#alerts-h ~ p").last.inner_text()


def test_auditor_landing_and_developer_records(live_server, page):
    page.goto("/audit")
    assert page.get_by_role("heading", level=1).inner_text() == "For auditors"
    first = page.locator("ol.findings-list li").first.inner_text()
    assert first.startswith("Northstar Annotation delivered to its 49 % investor")
    assert page.locator("pre code.verify-command").inner_text() == f"parity-verify {live_server.url}/"
    _fits(page, "audit-landing")
    page.get_by_role("link", name="Developers", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Developers' access records"
    _fits(page, "developers")
    page.locator("tbody th a").first.click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Developer org-") or \
        page.get_by_role("heading", level=1).inner_text().startswith("Developer grp-")
    assert "Entitlement ratio" in page.locator("thead").inner_text()
    _fits(page, "developer-record")


def test_developer_sees_its_own_access_record(live_server, page, login_as, demo_logins):
    dev = demo_logins["developer"]
    login_as(page, dev.email, dev.password)
    page.goto("/audit/developers/mine")
    assert page.get_by_role("heading", level=1).inner_text().endswith(": your access record")
    assert page.locator("tbody tr").count() >= 1
    _fits(page, "my-record")
