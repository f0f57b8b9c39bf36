"""The embedded mode (no Stripe): invoices settled by hand, payouts and refunds recorded in
the ledger; invoice terms; unpaid orders released to the pool with a reason."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from broker import db
from broker.api.payments import checkout_urls
from broker.models import Notification, Order, OrderStatus, Org
from broker.payments import charges, ledger, service
from tests.helpers import csrf_from, login
from tests.builders import principal_of
from tests.payments.conftest import PERIOD, deliver, money


def confirm(app, market, order):
    with app.app_context(), app.test_request_context():
        s = db.session()
        with db.transaction(s):
            return service.on_allocation_confirmed(s, s.get(Order, order.id), principal_of(market.developer),
                                                   **checkout_urls(order.id))


def test_embedded_invoice_settled_by_an_operator_then_delivery_and_refund(app, client, make, market):
    order = market.order(units=8, price=300, fee_rate="0.125")
    pay = confirm(app, market, order)
    assert (pay.method, pay.status, pay.amount_minor, pay.url) == ("invoice", "open", 2400, None)
    assert confirm(app, market, order).id == pay.id  # confirming again changes nothing
    assert money(app, order.id).charged == 0  # nothing received yet

    # An operator marks it paid through the page (CSRF form).
    ops = make.org("operator", name="Parity Ops")
    make.user(ops, email="ops@example.org")
    login(client, "ops@example.org")
    page = client.get("/payments")
    assert pay.number in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    # Without confirmed=yes nothing is booked: the operator is sent to the confirmation page.
    r = client.post(f"/payments/invoices/{pay.id}/paid", data={"csrf_token": token})
    assert r.status_code == 302 and "/admin/confirm/mark-paid/" in r.headers["Location"]
    assert market.get(Order, order.id).payment_status != "paid"
    r = client.post(f"/payments/invoices/{pay.id}/paid", data={"csrf_token": token, "confirmed": "yes"})
    assert r.status_code == 302
    assert market.get(Order, order.id).payment_status == "paid"
    assert money(app, order.id).charged == 2400

    deliver(app, market, order.id, 3)  # 900 gross, fee 12.5 % = 112.5 → 113 (half up)
    m = money(app, order.id)
    assert (m.earned, m.fee, m.vendor_share, m.paid_out) == (900, 113, 787, 787)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            service.on_period_end(s, PERIOD)
        assert ledger.balance(s, ledger.CASH_BANK) == 2400 - 787 - 1500
    m = money(app, order.id)
    assert m.settled and m.charged == m.paid_out + m.fee + m.refunded


def test_invoice_terms_book_the_charge_at_once_and_credit_the_refund(app, make, market):
    with app.app_context(), db.transaction(db.session()) as s:
        dev = s.get(Org, market.developer.id)
        dev.invoice_terms_days = 30
        s.add(dev)
    order = market.order(units=10, price=100)
    pay = confirm(app, market, order)
    assert pay.method == "invoice_terms" and pay.due_at.date().isoformat() == "2026-12-23"
    assert market.get(Order, order.id).payment_status == "invoiced"
    assert money(app, order.id).charged == 1000
    deliver(app, market, order.id, 6)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            service.on_period_end(s, PERIOD)
            assert service.release_unpaid(s, pay.due_at + timedelta(days=1)) == []  # terms are never released
        # The refund of 4 units is a credit note: the developer now owes 600, not 1 000.
        assert ledger.balance(s, ledger.receivable(market.developer.id), order_id=order.id) == 600
        with db.transaction(s):
            from tests.builders import OPERATOR

            charges.mark_invoice_paid(s, charges.payment_of(s, order.id), OPERATOR)
        assert ledger.balance(s, ledger.receivable(market.developer.id)) == 0
        assert ledger.balance(s, ledger.CASH_BANK) == 600 - 540  # received 600, paid the vendor 540
    assert money(app, order.id).settled


def test_unpaid_order_past_its_window_is_released_with_a_reason(app, client, make, market, clock):
    unpaid = market.order(units=5)
    paid = market.order(units=5)
    confirm(app, market, unpaid)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            charges.record_paid(s, s.get(Order, paid.id), payment_intent=None, external_id=None,
                                cash=ledger.CASH_BANK)
        with db.transaction(s):
            assert service.release_unpaid(s, clock.advance(hours=71)) == []  # still inside the window
        with db.transaction(s):
            assert service.release_unpaid(s, clock.advance(hours=2)) == [unpaid.id]
        with db.transaction(s):
            assert service.release_unpaid(s, clock.advance(hours=1)) == []  # once
        released = s.get(Order, unpaid.id)
        assert released.status == OrderStatus.released and s.get(Order, paid.id).status == OrderStatus.offered
        pay = charges.payment_of(s, unpaid.id)
        assert pay.status == "void" and "payment window 72 h" in pay.reason
        note = s.exec(select(Notification).where(Notification.org_id == market.developer.id,
                                                 Notification.kind == "order.released")).one()
        assert "went back to the pool" in note.message
    # The developer sees the reason on the payments page, and cannot pay any more.
    make.user(market.developer, email="dev@example.org")
    login(client, "dev@example.org")
    html = client.get("/payments").get_data(as_text=True)
    assert "went back to the pool" in html and "released" in html
    with app.app_context(), app.test_request_context():
        s = db.session()
        import pytest

        from broker.errors import ApiError

        with pytest.raises(ApiError) as e, db.transaction(s):
            service.on_allocation_confirmed(s, s.get(Order, unpaid.id), principal_of(market.developer),
                                            **checkout_urls(unpaid.id))
        assert e.value.status == 409


def test_payment_arriving_after_release_is_refunded_in_full(app, market, clock):
    order = market.order(units=3, price=700)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            service.release_unpaid(s, clock.advance(hours=80))
        with db.transaction(s):
            charges.record_paid(s, s.get(Order, order.id), payment_intent=None, external_id=None,
                                cash=ledger.CASH_BANK)
    m = money(app, order.id)
    assert (m.charged, m.refunded, m.refund_sent, m.earned) == (2100, 2100, 2100, 0) and m.settled
