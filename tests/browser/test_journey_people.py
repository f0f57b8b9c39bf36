"""The people behind the data, in a real browser: a vendor declares exposure limits for a
red-teaming offering and is refused capacity above the cap; a developer makes and downloads
its labor disclosure, which verifies against the published keys."""
from __future__ import annotations

import json
import urllib.request

import pytest

from broker.reports import keys, signing

pytestmark = pytest.mark.browser


def test_vendor_declares_exposure_limits_and_a_developer_downloads_its_disclosure(
        live_server, browser, page, login_as, demo_logins, tmp_path):
    # The demo template's report key stayed in the folder it was built in: this server gets its own.
    with live_server.transaction() as s:
        keys.rotate(s, live_server.app.config["KEYS_PATH"])
    vendor = demo_logins["vendor"]
    login_as(page, vendor.email, vendor.password)
    page.goto("/vendor/offerings/new")
    page.get_by_label("Title", exact=True).fill("Self-harm red teaming — Swahili")
    page.get_by_label("Task type").select_option("red_teaming")
    page.get_by_label("Modality").select_option("text")
    page.get_by_label("Unit", exact=True).select_option("conversation_turn")
    page.get_by_label("Languages (BCP 47, comma-separated)").fill("sw, en")
    page.get_by_label("Turnaround (days)").fill("5")
    page.get_by_label("Self-harm").check()
    page.get_by_label("Violence").check()
    page.get_by_label("Workers assigned").fill("8")
    page.get_by_label("Weekly exposure hours per worker").fill("20")
    page.get_by_label("Minutes per unit").fill("12")
    page.get_by_label("Counselling offered").check()
    page.get_by_label("Opt-out without penalty").check()
    page.get_by_label("Price per unit").fill("35.00")
    page.get_by_label("Price currency (ISO 4217)").fill("USD")
    # 8 workers × 20 hours × 60 ÷ 12 minutes = 800 units a week: 801 is refused.
    page.get_by_label("Capacity this period (units)").fill("801")
    page.get_by_role("button", name="List offering").click()
    alert = page.locator("body").inner_text()
    assert "limited to 800 units by the exposure limit: 8 workers × the policy's exposure cap of 20 hours a week " \
           "÷ 12 minutes per unit" in alert
    # More hours than the policy's cap are refused next to the box.
    page.get_by_label("Weekly exposure hours per worker").fill("25")
    page.get_by_label("Capacity this period (units)").fill("800")
    page.get_by_role("button", name="List offering").click()
    assert "at most 20 hours a week: the policy's exposure cap" in page.locator("#weekly_hours_per_worker-error").inner_text()
    page.get_by_label("Weekly exposure hours per worker").fill("20")
    page.get_by_role("button", name="List offering").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Self-harm red teaming — Swahili"
    offering_url = page.url.replace("/vendor/offerings/", "/catalog/offerings/")
    page.screenshot(path=str(tmp_path / "vendor-exposure-1280.png"), full_page=True)

    # A developer sees the classes and protections before requesting, then makes its disclosure.
    dev_page = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                   accept_downloads=True).new_page()
    developer = demo_logins["developer"]
    login_as(dev_page, developer.email, developer.password)
    dev_page.goto(offering_url)
    facts = dev_page.locator("section.people-facts").inner_text()
    assert "This work shows harmful content: Violence, Self-harm." in facts
    assert "Counselling\tOffered" in facts or "Counselling Offered" in facts.replace("\n", " ")
    assert "Rotation" in facts and "Not offered" in facts
    dev_page.goto("/labor")
    dev_page.get_by_role("button", name="Make the disclosure").click()
    assert "signed and logged" in dev_page.locator("[role=status]").inner_text()
    dev_page.screenshot(path=str(tmp_path / "labor-390.png"), full_page=True)
    with dev_page.expect_download() as got:
        dev_page.get_by_role("link", name="Signed JSON").first.click()
    data = (tmp_path / "d.json")
    got.value.save_as(data)
    with dev_page.expect_download() as got_jws:
        dev_page.get_by_role("link", name="Signature (JWS)").first.click()
    jws_path = tmp_path / "d.jws"
    got_jws.value.save_as(jws_path)
    with urllib.request.urlopen(live_server.url + "/.well-known/jwks.json") as r:
        jwks = json.load(r)
    _header, payload = signing.verify(jws_path.read_text(), jwks)
    assert payload == data.read_bytes()
    doc = json.loads(payload)
    assert doc["series"] == "labor_disclosure" and doc["units"]["total"] > 0
    dev_page.context.close()
