"""Signing in through the real login form, in a real browser, against a live server."""
from __future__ import annotations

import pytest
from sqlmodel import select

from broker.models import Org, OrgKind

pytestmark = pytest.mark.browser


def test_demo_developer_signs_in_and_sees_their_dashboard(live_server, page, login_as, demo_logins):
    dev = demo_logins["developer"]
    with live_server.transaction() as s:
        org_name = s.exec(select(Org.name).where(Org.slug == dev.org_slug)).one()

    login_as(page, dev.email, dev.password)

    assert page.url == live_server + "/dashboard"
    assert page.get_by_role("heading", level=1).inner_text() == org_name
    assert dev.email in page.locator("main").inner_text()
    # The menu now offers signing out instead of signing in.
    assert page.get_by_role("button", name=f"Sign out {dev.email}").is_visible()
    assert page.get_by_role("link", name="Sign in").count() == 0


@pytest.mark.parametrize("live_server", [{"demo": False}], indirect=True)
def test_wrong_password_keeps_the_visitor_out(live_server, page):
    from broker.services import accounts

    with live_server.transaction() as s:
        org = accounts.create_org(s, None, name="Quiet Labs", kind=OrgKind.developer, headcount=12)
        accounts.create_user(s, None, org=org, email="ada@quiet.example", password="right password 1")

    page.goto("/login")
    page.get_by_label("Email", exact=True).fill("ada@quiet.example")
    page.get_by_label("Password", exact=True).fill("wrong password 1")
    page.get_by_role("button", name="Sign in", exact=True).click()

    assert page.locator("[role=alert]").inner_text() == "Email or password is wrong."
    page.goto("/dashboard")
    # Still anonymous: the dashboard sends the visitor back to the login form.
    assert "/login" in page.url
    assert page.get_by_role("heading", level=1).inner_text() == "Sign in"
