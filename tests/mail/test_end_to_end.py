"""A round, an acceptance and a delivery, through the real services and the scheduler's jobs:
each ends as an email with a link back to its page, received by a real SMTP server."""
from __future__ import annotations

from datetime import timedelta

from broker import db
from broker.periods import cutoff_of, next_period, period_of
from broker.scheduler.jobs import registry, run_once
from broker.services import orders
from broker.models import Order
from sqlmodel import select
from tests.builders import principal_of, request_body
from tests.helpers import auth
from tests.mail.smtp_server import Inbox, SMTPServer


def test_allocation_acceptance_and_delivery_are_emailed(app, client, make, market, clock):
    app.config["PUBLIC_BASE_URL"] = "https://parity.example"
    period = next_period(period_of(clock()))
    vendor = make.org("vendor", name="Acme Labeling")
    market.offering(vendor, capacity=30, price=1000, periods=[period], title="Sentiment labels")
    dev = make.org(name="Small Lab", headcount=12)
    make.user(dev, email="dana@small.example", name="Dana")
    make.user(vendor, email="victor@acme.example", name="Victor")
    r = client.post("/api/v1/requests", json=request_body(units=12), headers=auth(make.token(dev)))
    assert r.status_code == 201, r.json

    inbox = Inbox()
    with SMTPServer(inbox) as srv:
        app.config["MAIL_URL"] = f"smtp://127.0.0.1:{srv.port}"
        clock.set(cutoff_of(period, 48) + timedelta(seconds=20))
        assert "main" in run_once(app, registry(app)["rounds"], clock().replace(second=0))
        run_once(app, registry(app)["mail_outbox"], clock().replace(second=0))
        with app.app_context():
            s = db.session()
            order = s.exec(select(Order)).one()
            with db.transaction(s):
                orders.accept(s, principal_of(vendor), order.id)
            with db.transaction(s):
                orders.deliver(s, principal_of(vendor), order.id, units=5)
        clock.advance(minutes=1)
        run_once(app, registry(app)["mail_outbox"], clock().replace(second=0))

    got = {(m["To"], m["Subject"].strip().split(":")[0]): m for m in inbox.messages}
    assert set(got) == {("dana@small.example", "Capacity allocated to you"), ("victor@acme.example", "New order to work on"),
                        ("dana@small.example", "Your order was accepted"), ("dana@small.example", "Delivery recorded")}
    new_order = got[("victor@acme.example", "New order to work on")].get_body(("plain",)).get_content()
    assert "Sentiment labels" in new_order and f"https://parity.example/orders/{order.id}" in new_order
    accepted = got[("dana@small.example", "Your order was accepted")].get_body(("plain",)).get_content()
    assert "Hello Dana" in accepted and f"https://parity.example/orders/{order.id}" in accepted
