"""The operator's journey in a real browser over the demo market: sees what is due and what
"run now" will do, dry-runs it with names, runs it, pages through requests with a filter,
cancels one after a confirmation page, and approves an application."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from broker.models import CapacityRequest, Org, OrgStatus, RequestStatus
from broker.services import applications

pytestmark = pytest.mark.browser


def test_operator_runs_rounds_pages_requests_confirms_and_approves(live_server, page, login_as, demo_logins):
    with live_server.transaction() as s:
        applications.apply(s, kind="developer", org_name="Quill Robotics", applicant_name="Ren Okafor",
                           email="ren@quill.example", password="long enough pass 1",
                           description="Preference ranking for a household robot's instructions.")
    op = demo_logins["operator"]
    login_as(page, op.email, op.password)
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name="Rounds").click()
    assert page.url.endswith("/admin/rounds")
    plan = page.get_by_role("list", name="What “Run the due rounds now” will do").inner_text()
    assert plan.strip(), "the panel says what run-now will do"

    # The dry run names requests, developers, offerings and vendors: no pseudonyms.
    page.get_by_role("button", name=re.compile(r"^Dry run of the")).click()
    dry = page.locator("main").inner_text()
    assert "Dry run of the" in dry and "req-" not in dry and "off-" not in dry
    table = page.get_by_role("region", name="Dry run allocations")
    if table.count():
        first = table.locator("tbody tr").first.inner_text()
        assert re.search(r"R-\d+", first), first
        with live_server.transaction() as s:
            names = set(s.exec(select(Org.name)))
        assert any(n in first for n in names), first

    if page.get_by_role("button", name="Run the due rounds now").count():
        due_main = "Run the main round" in plan
        page.get_by_role("button", name="Run the due rounds now").click()
        said = page.locator("[role=status]").inner_text()
        assert ("Main round of" in said) == due_main, said
        after = page.get_by_role("list", name="What “Run the due rounds now” will do").inner_text()
        assert "Skip the main round" in after  # the panel now agrees with what ran
        assert "History" in page.locator("main").inner_text()
    else:
        assert "Nothing is due now" in page.locator("main").inner_text()

    # Requests: filter by one developer, page through, and everything shown is theirs.
    menu.get_by_role("link", name="Requests").click()
    with live_server.transaction() as s:
        org, count = max(((o, len(s.exec(select(CapacityRequest).where(CapacityRequest.org_id == o.id)).all()))
                          for o in s.exec(select(Org).where(Org.kind == "developer"))), key=lambda x: x[1])
        org_name, org_id = org.name, org.id
    page.get_by_label("Organisation").select_option(str(org_id))
    page.get_by_role("button", name="Show").click()
    seen = []
    while True:
        rows = page.get_by_role("region", name="Requests").locator("tbody tr")
        for i in range(rows.count()):
            assert org_name in rows.nth(i).inner_text()
            seen.append(rows.nth(i).locator("td").first.inner_text())
        nxt = page.get_by_role("link", name="Next page →")
        if not nxt.count():
            break
        nxt.click()
        assert f"org={org_id}" in page.url
    assert len(seen) == count and len(set(seen)) == count

    # Cancel an open request: a confirmation page first; the POST only from there.
    page.goto("/admin/requests?status=pending")
    link = page.get_by_role("link", name=re.compile(r"^Cancel request R-\d+$")).first
    rid = int(re.search(r"R-(\d+)", link.get_attribute("aria-label")).group(1))
    link.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Please confirm"
    assert f"R-{rid}" in page.locator("main").inner_text()
    with live_server.transaction() as s:
        assert s.get(CapacityRequest, rid).status == RequestStatus.pending  # nothing yet
    page.get_by_role("button", name="Cancel the request").click()
    with live_server.transaction() as s:
        assert s.get(CapacityRequest, rid).status == RequestStatus.cancelled

    # Approve the waiting application.
    menu = page.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name="Applications").click()
    card = page.locator("article").filter(has=page.get_by_role("heading", name="Quill Robotics"))
    assert "Ren Okafor" in card.inner_text()
    card.get_by_role("button", name="Approve Quill Robotics").click()
    assert "Quill Robotics approved" in page.locator("[role=status]").inner_text()
    with live_server.transaction() as s:
        assert s.exec(select(Org).where(Org.name == "Quill Robotics")).one().status == OrgStatus.approved
