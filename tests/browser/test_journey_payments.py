"""The developer's payments journey in a browser (ledger mode): the totals, an invoice opened
from the list, its PDF downloaded and read back, and the "invoice due" email in the outbox,
which an operator reads at /admin/outbox. No page wider than the window at 390 and 1 280 px."""
from __future__ import annotations

import io
import os
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from broker import db
from broker.clock import now
from broker.models import OrgKind
from tests.browser import seed

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
BANK = "Parity Market Ltd · IBAN DE89370400440532013000 · BIC COBADEFFXXX"
SHOTS = os.environ.get("PARITY_SCREENSHOTS")


def _fits(page, name: str) -> None:
    page.wait_for_load_state("load")  # the narrow layout's CSS applies only once it has loaded
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= width, f"{name} is {wide} px wide in a {width} px window"
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def _setup(live_server) -> int:
    from broker.services import accounts

    with live_server.transaction() as s:
        dev = accounts.create_org(s, None, name="Pay Labs", kind=OrgKind.developer, headcount=30)
        ven = accounts.create_org(s, None, name="Deliver Co", kind=OrgKind.vendor, headcount=300)
        ops = accounts.create_org(s, None, name="Parity Operations", kind=OrgKind.operator)
        accounts.create_user(s, None, org=dev, email="dev@pay.example", password=PASSWORD, name="Dana")
        accounts.create_user(s, None, org=ops, email="ops@pay.example", password=PASSWORD)
        order = seed.order_for(s, dev, ven, units=1200, price_minor=1250, due_in=timedelta(hours=48))
        return order.id


@pytest.mark.parametrize("live_server", [{"demo": False}], indirect=True)
def test_developer_pays_by_invoice_and_the_due_email_is_in_the_outbox(live_server, page, login_as, browser):
    live_server.app.config["BANK_DETAILS"] = BANK
    order_id = _setup(live_server)

    login_as(page, "dev@pay.example", PASSWORD)
    page.get_by_role("link", name="Payments").click()
    assert page.locator('[data-total="due-EUR"]').inner_text() == "EUR 15,000.00"
    assert page.locator('[data-total="overdue-EUR"]').inner_text() == "EUR 0.00"
    row = page.locator(f"#order-{order_id}")
    assert "To pay by" in row.inner_text() and "unpaid" not in row.inner_text().lower()
    assert "Preference pairs" in row.inner_text() and "Deliver Co" in row.inner_text()
    _fits(page, "payments")

    # Get the invoice: the page opens on it, with how to pay.
    row.get_by_role("button", name=f"Get the invoice for O-{order_id}").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Invoice INV-")
    number = page.get_by_role("heading", level=1).inner_text().removeprefix("Invoice ")
    assert page.locator('[data-total="invoice"]').inner_text() == "EUR 15,000.00"
    how = page.locator(".how-to-pay").inner_text()
    assert "DE89370400440532013000" in how and f"Reference: {number}" in how
    _fits(page, "invoice")
    # Printing leaves out the navigation and the buttons.
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible() and not page.locator(".invoice-actions").is_visible()
    assert page.locator(".invoice").is_visible()
    page.emulate_media(media="screen")

    # Download the PDF and read the amounts back.
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download PDF").click()
    assert dl.value.suggested_filename == f"{number}.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(dl.value.path()).read_bytes())).pages)
    for needle in (number, "Pay Labs", "1,200", "EUR 12.50", "EUR 15,000.00", "EUR 1,500.00", f"Reference: {number}"):
        assert needle in text, needle

    # The scheduler's jobs: the invoice is due within three days, so its email goes out.
    from broker.mail import outbox
    from broker.payments import reminders

    with live_server.app.app_context():
        s = db.session()
        assert reminders.remind(s, now()) == (1, 0)
        outbox.tick(s, now())
    eml = list((Path(live_server.app.config["INSTANCE_PATH"]) / "mail").glob("*.eml"))
    assert len(eml) == 1 and f"Invoice {number}" in eml[0].read_text()

    # An operator reads it at /admin/outbox.
    ops = browser.new_context(base_url=live_server.url)
    opage = ops.new_page()
    try:
        login_as(opage, "ops@pay.example", PASSWORD)
        opage.goto("/admin/outbox")
        mail_row = opage.locator("tbody tr").filter(has_text="dev@pay.example")
        assert "Invoice due" in mail_row.inner_text() and "sent" in mail_row.inner_text()
        _fits(opage, "outbox")
        mail_row.get_by_role("link").first.click()
        body = opage.locator("pre.mail-body").inner_text()
        assert "Hello Dana" in body and "/payments/invoices/" in body and "EUR 15,000.00" in body
        _fits(opage, "outbox-mail")
    finally:
        ops.close()
