"""An auditor opens the latest access report, sees its charts, downloads its JSON and CSV."""
from __future__ import annotations

import json

import pytest

from broker.reports import canonical

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("live_server", [{"demo": False}], indirect=True)
def test_auditor_reads_latest_access_report(live_server, page, login_as, clock, tmp_path):
    from tests.reports import conftest as world  # the period of tests/reports (investor-owned vendor)
    from tests.builders import Market
    from tests.reports.helpers import publish_all

    app = live_server.app
    market = Market(app)
    world.scenario.__wrapped__(app, market)
    publish_all(app)
    from broker.services import accounts
    with live_server.transaction() as s:
        org = accounts.create_org(s, None, name="Open Audit", kind=accounts.OrgKind.auditor, headcount=8)
        accounts.create_user(s, None, org=org, email="audit@open.example", password="auditor password 1")

    login_as(page, "audit@open.example", "auditor password 1")
    page.get_by_role("link", name="Reports", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Transparency reports"
    page.get_by_role("link", name="Access report, 2026-W46").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Access report — 2026-W46"

    charts = page.locator("svg.chart")
    assert charts.count() >= 4
    assert page.get_by_role("img", name="Allocation vs demand by size class (units)").is_visible()
    assert page.get_by_role("img", name="Market concentration over time (HHI of vendors)").is_visible()

    with page.expect_download() as got:
        page.get_by_role("button", name="Download JSON").click()
    data = open(got.value.path(), "rb").read()
    doc = json.loads(data)
    assert doc["series"] == "access" and doc["period"] == "2026-W46"
    digest = page.locator("dd code.digest").first.get_attribute("title")  # the page shows it short
    assert canonical.digest_of_bytes(data) == digest

    with page.expect_download() as got:
        page.get_by_role("button", name="Download CSV").click()
    csv_text = open(got.value.path(), encoding="utf-8").read()
    assert csv_text.startswith("series,period,table,row,column,value")
    assert "vendors" in csv_text
