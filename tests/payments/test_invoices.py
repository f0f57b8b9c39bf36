"""Payments a developer understands: totals due and overdue, plain states, and an invoice that
opens, prints, downloads as HTML and as a PDF (parsed back with pypdf), with how to pay."""
from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader

from broker import db
from broker.models import Org
from broker.models.ledger import Payment
from tests.helpers import csrf_from, login

BANK = "Parity Market Ltd · IBAN GB33BUKB20201555555555 · BIC BUKBGB22"


def _set_terms(app, org_id, days):
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            o = s.get(Org, org_id)
            o.invoice_terms_days = days
            s.add(o)


def test_totals_states_and_an_invoice_in_ledger_mode(app, client, make, market, clock):
    app.config["BANK_DETAILS"] = BANK
    first = market.order(units=8, price=300)     # USD 24.00, to pay
    second = market.order(units=1200, price=250)  # USD 3,000.00, will be invoiced
    make.user(market.developer, email="dev@example.org")
    login(client, "dev@example.org")
    page = client.get("/payments").get_data(as_text=True)
    assert 'data-total="due-USD">USD 3,024.00<' in page
    assert 'data-total="overdue-USD">USD 0.00<' in page and "Nothing is late" in page
    assert "To pay by" in page and "unpaid" not in page.lower()
    assert "Text labels" in page and "Label Co" in page and f"O-{first.id}" in page

    r = client.post(f"/payments/orders/{second.id}/pay", data={"csrf_token": csrf_from(page)})
    assert r.status_code == 302 and "/payments/invoices/" in r.location
    inv_page = client.get(r.location).get_data(as_text=True)
    number = f"INV-{second.period}-{second.id}"
    assert f"Invoice {number}" in inv_page and "Lab One" in inv_page
    assert 'data-total="invoice">USD 3,000.00<' in inv_page and "1,200" in inv_page and "USD 2.50" in inv_page
    assert "How to pay" in inv_page and "GB33BUKB20201555555555" in inv_page and f"Reference: {number}" in inv_page
    assert "Download PDF" in inv_page and "Download HTML" in inv_page and 'class="no-print' in inv_page

    pay_id = int(r.location.rsplit("/", 1)[1])
    html = client.get(f"/payments/invoices/{pay_id}.html")
    assert html.headers["Content-Disposition"] == f'attachment; filename="{number}.html"'
    body = html.get_data(as_text=True)
    assert "<style>" in body and "USD 3,000.00" in body and "stylesheet" not in body

    pdf = client.get(f"/payments/invoices/{pay_id}.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.headers["Content-Disposition"].endswith(f'{number}.pdf"')
    reader = PdfReader(io.BytesIO(pdf.data))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == 1 and reader.metadata.title == f"Invoice {number}"
    for needle in (number, "Lab One", "Label Co", "1,200", "USD 2.50", "USD 3,000.00", "GB33BUKB20201555555555",
                   f"Reference: {number}", "USD 300.00"):  # USD 300.00: the 10 % fee included
        assert needle in text, needle

    # the overdue marker: past the due date the invoice and the totals say so
    clock.advance(hours=80)
    page = client.get("/payments").get_data(as_text=True)
    assert 'class="tag overdue"' in page and 'data-total="overdue-USD">USD 3,024.00<' in page
    assert "Overdue" in client.get(f"/payments/invoices/{pay_id}").get_data(as_text=True)


def test_invoice_without_bank_details_says_whom_to_ask_and_terms_invoice(app, client, make, market, clock):
    _set_terms(app, market.developer.id, 30)
    order = market.order(units=10, price=250)
    make.user(market.developer, email="dev@example.org")
    login(client, "dev@example.org")
    page = client.get("/payments").get_data(as_text=True)
    r = client.post(f"/payments/orders/{order.id}/pay", data={"csrf_token": csrf_from(page)})
    inv = client.get(r.location).get_data(as_text=True)
    assert "operators for the bank details" in inv and "payment terms" in inv
    assert "Due by" in inv


def test_invoices_are_private_to_their_developer_and_operators(app, client, make, market):
    order = market.order(units=10, price=250)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            pay = Payment(order_id=order.id, org_id=market.developer.id, method="invoice", number="INV-X-1",
                          amount_minor=2500, currency="USD", due_at=order.payment_due_at)
            s.add(pay)
    other = make.org("developer", name="Other Lab")
    make.user(other, email="other@example.org")
    make.user(market.vendor, email="vendor@example.org")
    op = make.org("operator")
    make.user(op, email="ops@example.org")
    login(client, "other@example.org")
    for suffix in ("", ".html", ".pdf"):
        assert client.get(f"/payments/invoices/{pay.id}{suffix}").status_code == 404
    assert client.get("/payments/invoices/999999").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/dashboard").get_data(as_text=True))})
    login(client, "vendor@example.org")
    assert client.get(f"/payments/invoices/{pay.id}").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/dashboard").get_data(as_text=True))})
    login(client, "ops@example.org")
    inv = client.get(f"/payments/invoices/{pay.id}").get_data(as_text=True)
    assert "Mark INV-X-1 paid" in inv
    ops_page = client.get("/payments").get_data(as_text=True)
    assert "Lab One" in ops_page and "Org " not in ops_page
    # marking it paid tells the developer (a notification, hence an email)
    client.post(f"/payments/invoices/{pay.id}/paid", data={"csrf_token": csrf_from(inv), "confirmed": "yes"})
    with app.app_context():
        from sqlmodel import select

        from broker.models import Notification
        n = db.session().exec(select(Notification).where(Notification.kind == "invoice.paid")).one()
        assert n.org_id == market.developer.id and "INV-X-1" in n.message and "USD 25.00" in n.message


def test_stripe_mode_invoice_offers_card_payment(stripe_app, client, make, market, fake_stripe):
    order = market.order(units=2, price=1500)
    make.user(market.developer, email="dev@example.org")
    login(client, "dev@example.org")
    page = client.get("/payments").get_data(as_text=True)
    r = client.post(f"/payments/orders/{order.id}/pay", data={"csrf_token": csrf_from(page)})
    assert r.location.startswith(fake_stripe.base)
    with stripe_app.app_context():
        from sqlmodel import select
        pay = db.session().exec(select(Payment)).one()
    inv = client.get(f"/payments/invoices/{pay.id}").get_data(as_text=True)
    assert "Pay USD 30.00 by card" in inv and "Stripe Checkout" in inv and "IBAN" not in inv
    _ = timedelta
