"""The broker in a real browser: a developer checks the eligible offerings, submits a
request and sees it awaiting the round, in plain words; the operator runs the round; the
developer sees the allocation and the engine's explanation."""
from __future__ import annotations

from datetime import timedelta

import pytest

from broker.clock import now
from broker.models import Capacity, Offering, OfferingLanguage, OrgKind, Price
from broker.periods import next_period, period_of
from broker.services import accounts

pytestmark = pytest.mark.browser
EMPTY = [{"demo": False}]


def _market(s):
    vendor = accounts.create_org(s, None, name="Lumen Label Works", kind=OrgKind.vendor, headcount=300)
    off = Offering(vendor_org_id=vendor.id, title="English text annotation", task_type="annotation",
                   modality="text", unit="item", turnaround_days=2)
    s.add(off)
    s.flush()
    s.add(OfferingLanguage(offering_id=off.id, language="en"))
    s.add(Price(offering_id=off.id, amount_minor=900, currency="USD", effective_from=now() - timedelta(days=1)))
    for p in (period_of(now()), next_period(period_of(now()))):
        s.add(Capacity(offering_id=off.id, period=p, units=40))
    dev = accounts.create_org(s, None, name="Tessellate AI", kind=OrgKind.developer, headcount=40)
    accounts.create_user(s, None, org=dev, email="dev@tessellate.example", password="developer password 1")
    op = accounts.create_org(s, None, name="Parity Ops", kind=OrgKind.operator)
    accounts.create_user(s, None, org=op, email="ops@parity.example", password="operator password 1")


@pytest.mark.parametrize("live_server", EMPTY, indirect=True)
def test_submit_wait_round_allocation_explained(live_server, browser, page, login_as):
    with live_server.transaction() as s:
        _market(s)
    login_as(page, "dev@tessellate.example", "developer password 1")
    page.goto("/requests/new")
    page.get_by_label("Task type").select_option("annotation")
    page.get_by_label("Modality").select_option("text")
    page.get_by_label("Language (BCP 47, e.g. en or pt-BR)").fill("en")
    page.get_by_label("Units", exact=True).fill("25")
    page.get_by_label("Maximum unit price").fill("10.00")
    page.get_by_label("Currency").fill("USD")
    page.get_by_role("button", name="Check eligible offerings").click()
    eligible = page.locator("section", has=page.get_by_role("heading", name="Offerings these criteria reach"))
    assert "English text annotation" in eligible.inner_text() and "yes" in eligible.inner_text()
    page.get_by_role("button", name="Submit request").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Request R-")
    assert "No round has considered this request" in page.locator("[data-reason-line]").inner_text()
    assert page.locator("[data-position]").count() == 0  # no queue positions: arrival order buys nothing
    request_url = page.url

    ops = browser.new_context(base_url=live_server.url)
    op_page = login_as(ops.new_page(), "ops@parity.example", "operator password 1")
    op_page.goto("/admin")
    op_page.get_by_role("button", name="Run the due rounds now").click()
    assert "25 units in 1 allocation" in op_page.locator("[role=status]").inner_text()
    ops.close()

    page.goto(request_url)
    assert page.locator("[data-status]").inner_text() == "allocated"
    explanation = page.locator("[data-explanation]").inner_text()
    assert explanation.startswith("Got all 25 units")
    page.goto("/dashboard")
    assert "allocated you 25 units" in page.locator("section", has=page.get_by_role("heading", name="Since your last visit")).inner_text()
