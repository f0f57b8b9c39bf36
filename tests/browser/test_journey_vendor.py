"""The vendor's journey in a real browser, on the demo market: open a new order and see who
ordered it, their instructions, the deadline, the period and a contact; accept it; decline
another with a reason; the developer reads the reason; the declined units are free again and
the next spot round hands them out."""
from __future__ import annotations

import re

import pytest
from sqlmodel import select

from broker.models import Allocation, CapacityRequest, Order, OrderStatus, Org, User
from broker.services import accounts

pytestmark = pytest.mark.browser
REASON = "Our annotators with clinical training are booked this week"


def _allocated_this_week(page, offering_id: int, period: str) -> int:
    page.goto(f"/catalog/offerings/{offering_id}")
    row = page.locator("table tr", has=page.locator(f"td:text-is('{period}')"))
    return int(row.locator("td").nth(2).inner_text().replace(",", ""))


def test_vendor_accepts_declines_and_the_units_return_to_the_pool(live_server, browser, page, login_as,
                                                                 demo_logins):
    vendor = demo_logins["vendor"]
    login_as(page, vendor.email, vendor.password)
    page.goto("/orders")
    table = page.locator("table[data-orders]").inner_text()
    assert "Customer" in table and re.search(r"O-\d+", table)
    page.locator("table[data-orders] tbody tr", has_text="new: accept or decline").get_by_role("link").first.click()

    # everything needed to do the work
    sheet = page.locator("[data-work-sheet]")
    assert sheet.locator("[data-customer]").inner_text().strip()
    assert sheet.locator("[data-instructions] a").get_attribute("href").startswith("https://docs.")
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", sheet.locator("[data-deadline]").inner_text())
    assert "@" in sheet.locator("[data-contact]").inner_text()
    assert "Week 20" in sheet.inner_text()
    assert page.locator("table[data-schedule] tbody tr").count() >= 1
    page.get_by_role("button", name="Accept this order").click()
    assert "accepted" in page.locator("[role=status]").inner_text()
    assert page.locator("[data-status]").inner_text() == "accepted"

    # decline another, accepted but not started: a reason is required
    page.goto("/orders")
    row = page.locator("table[data-orders] tbody tr", has_text="accepted").filter(
        has_not_text="partly").nth(1)
    row.get_by_role("link").first.click()
    order_id = int(page.url.rsplit("/", 1)[1])
    with live_server.transaction() as s:
        order = s.get(Order, order_id)
        assert order.status == OrderStatus.accepted and order.units_delivered == 0
        units, period, offering_id = order.units, order.period, order.offering_id
        customer = s.get(Org, order.developer_org_id)
        request_id = s.get(Allocation, order.allocation_id).request_id
        if s.exec(select(User).where(User.org_id == customer.id)).first() is None:
            accounts.create_user(s, None, org=customer, email="lead@customer.example", password="customer password 1")
        customer_user = s.exec(select(User).where(User.org_id == customer.id)).first().email
    before = _allocated_this_week(page, offering_id, period)
    page.goto(f"/orders/{order_id}")
    page.get_by_text("Decline this order").click()
    page.get_by_role("button", name="Decline with this reason").click()  # empty: the browser refuses
    assert page.locator("[data-status]").inner_text() == "accepted"
    page.get_by_label("Why you decline (the developer reads this)").fill(REASON)
    page.get_by_role("button", name="Decline with this reason").click()
    assert "declined" in page.locator("[role=status]").inner_text()
    assert REASON in page.locator("[data-decline-reason]").inner_text()
    # a second decision is refused with a message, not a 500
    resp = page.request.post(f"/orders/{order_id}/accept", form={"csrf_token": "x"})
    assert resp.status in (400, 409)

    # the units are free again: the public capacity table counts them out
    assert _allocated_this_week(page, offering_id, period) == before - units

    # the developer reads the reason
    dev = browser.new_context(base_url=live_server.url)
    dev_page = dev.new_page()
    if customer_user == "lead@customer.example":
        login_as(dev_page, customer_user, "customer password 1")
    else:
        login_as(dev_page, demo_logins["developer"].email, demo_logins["developer"].password)
    news = dev_page.locator("section", has=dev_page.get_by_role("heading", name="Since your last visit")).inner_text()
    assert f"declined order O-{order_id}" in news and REASON in news
    dev.close()

    # the next spot round hands the units out again
    ops = browser.new_context(base_url=live_server.url)
    op_page = login_as(ops.new_page(), demo_logins["operator"].email, demo_logins["operator"].password)
    op_page.goto("/admin")
    op_page.get_by_role("button", name="Run the due rounds now").click()
    assert "spot round" in op_page.locator("[role=status]").inner_text().lower()
    ops.close()
    with live_server.transaction() as s:
        req = s.get(CapacityRequest, request_id)
        assert req.units_allocated >= units, (req.status, req.units_allocated, req.reason)
    assert _allocated_this_week(page, offering_id, period) >= before
