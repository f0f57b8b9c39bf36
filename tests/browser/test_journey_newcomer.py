"""A newcomer's journey in a real browser: reads the home page, applies as a vendor org,
cannot sign in while the application waits, and signs in once an operator approves it."""
from __future__ import annotations

import pytest
from sqlmodel import select

from broker.models import Notification, Org, OrgStatus

pytestmark = pytest.mark.browser


def test_newcomer_reads_home_applies_as_a_vendor_and_signs_in_after_approval(live_server, browser, page,
                                                                              login_as, demo_logins):
    page.goto("/")
    assert page.get_by_role("heading", name="How Parity works").is_visible()
    for role in ("For AI developers", "For vendors", "For auditors and the public"):
        assert page.get_by_role("heading", name=role).is_visible()
    page.get_by_role("link", name="Apply as a vendor").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Apply to join Parity"
    assert page.get_by_label("a vendor: we offer human-data work").is_checked()
    page.get_by_label("Organisation name").fill("Sauti Data")
    page.get_by_label("Website (optional)").fill("https://sauti.example")
    page.get_by_label("People in your organisation (optional)").fill("240")
    page.get_by_label("What do you want to do on Parity?").fill("too short")
    page.get_by_label("Your name").fill("Amina Odhiambo")
    page.get_by_label("Your work email").fill("amina@sauti.example")
    page.get_by_label("Choose a password").fill("long enough pass 1")
    page.get_by_role("button", name="Send the application").click()
    # Refused with the reason beside the field; what was typed is kept.
    assert "20" in page.locator("#description-err").inner_text()
    assert page.get_by_label("Organisation name").input_value() == "Sauti Data"
    page.get_by_label("What do you want to do on Parity?").fill(
        "Swahili and English transcription by a salaried team in Nairobi.")
    page.get_by_label("Choose a password").fill("long enough pass 1")
    page.get_by_role("button", name="Send the application").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Thank you: your application is in"
    assert "amina@sauti.example" in page.locator("main").inner_text()

    # Waiting: the sign-in says so instead of letting them in.
    page.goto("/login")
    form = page.locator("form").filter(has=page.get_by_label("Password", exact=True))
    form.get_by_label("Email", exact=True).fill("amina@sauti.example")
    form.get_by_label("Password", exact=True).fill("long enough pass 1")
    form.get_by_role("button", name="Sign in", exact=True).click()
    assert "waiting for an operator" in page.locator("[role=alert]").inner_text()

    # The operator approves it in the queue.
    op = browser.new_context(base_url=live_server.url).new_page()
    login_as(op, demo_logins["operator"].email, demo_logins["operator"].password)
    op.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").click()
    card = op.locator("article").filter(has=op.get_by_role("heading", name="Sauti Data"))
    assert "Amina Odhiambo" in card.inner_text() and "salaried team in Nairobi" in card.inner_text()
    card.get_by_label("Reason or note for the applicant").fill("Welcome to Parity.")
    card.get_by_role("button", name="Approve Sauti Data").click()
    assert "Sauti Data approved" in op.locator("[role=status]").inner_text()
    op.context.close()
    with live_server.transaction() as s:
        org = s.exec(select(Org).where(Org.name == "Sauti Data")).one()
        assert org.status == OrgStatus.approved
        note = s.exec(select(Notification).where(Notification.org_id == org.id)).one()
        assert note.kind == "application.approved" and note.data["email"] == "amina@sauti.example"

    login_as(page, "amina@sauti.example", "long enough pass 1")
    assert page.get_by_role("heading", level=1).inner_text() == "Sauti Data"
    menu = page.get_by_role("navigation", name="Main")
    assert menu.get_by_role("link", name="Listings").is_visible()
    assert menu.get_by_role("link", name="Requests").count() == 0  # a vendor's menu, not a developer's
