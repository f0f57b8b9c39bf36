"""/admin/outbox (operators only), the email choices page, invoice due/overdue reminders and
the auditors' finding alerts: each ends as a mail in the outbox."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from broker import db
from broker.mail import outbox
from broker.models import Notification, OutboundMail, User
from broker.models.ledger import Payment
from broker.payments import reminders
from tests.helpers import csrf_from, login


def _tick(app):
    with app.app_context():
        return outbox.tick(db.session(), None)


def _notify(app, org_id, kind, message, **data):
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(Notification(org_id=org_id, kind=kind, message=message, data=data))


def test_outbox_is_for_operators_and_shows_bodies_in_development(app, client, make, clock):
    dev = make.org("developer", name="Lab One")
    make.user(dev, email="ann@lab.example")
    op = make.org("operator", name="Parity Ops")
    make.user(op, email="ops@parity.example")
    _notify(app, dev.id, "allocation.new", "Round 2026-W48-main allocated you 120 units.", round_id=1)
    assert "sent 1" in _tick(app)
    login(client, "ann@lab.example")
    assert client.get("/admin/outbox").status_code == 403
    assert client.get("/admin/outbox/1").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/dashboard").get_data(as_text=True))})
    login(client, "ops@parity.example")
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "ann@lab.example" in page and "Lab One" in page and "Capacity allocated to you" in page
    assert "Sent (1)" in page and "files in" in page
    mail_id = db_first_mail_id(app)
    show = client.get(f"/admin/outbox/{mail_id}").get_data(as_text=True)
    assert "Hello ann@lab.example" in show and "/requests" in show
    html = client.get(f"/admin/outbox/{mail_id}/body.html")
    assert html.status_code == 200 and b"Open it in Parity" in html.data
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    assert client.get("/admin/outbox?status=bogus").status_code == 400
    assert client.get("/admin/outbox?before=x").status_code == 400
    assert client.get("/admin/outbox/99999").status_code == 404
    # in production (SMTP) the bodies are not shown
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"
    assert "Hello " not in client.get(f"/admin/outbox/{mail_id}").get_data(as_text=True)
    assert client.get(f"/admin/outbox/{mail_id}/body.html").status_code == 404


def db_first_mail_id(app) -> int:
    with app.app_context():
        return db.session().exec(select(OutboundMail.id)).first()


def test_operator_can_send_a_failed_mail_again(app, client, make, clock):
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    op = make.org("operator")
    make.user(op, email="ops@parity.example")
    _notify(app, dev.id, "order.accepted", "The vendor accepted order #3.", order_id=3)
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"
    for _ in range(outbox.MAX_ATTEMPTS):
        _tick(app)
        clock.advance(hours=2)
    mail_id = db_first_mail_id(app)
    login(client, "ops@parity.example")
    page = client.get(f"/admin/outbox/{mail_id}").get_data(as_text=True)
    assert "Send it again" in page
    r = client.post(f"/admin/outbox/{mail_id}/retry", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "will be sent again" in r.get_data(as_text=True)
    app.config["MAIL_URL"] = None
    assert "sent 1" in _tick(app)
    # a sent mail cannot be queued again
    r = client.post(f"/admin/outbox/{mail_id}/retry", data={"csrf_token": csrf_from(page)}, follow_redirects=True)
    assert "only a failed mail" in r.get_data(as_text=True)


def test_email_choices_page(app, client, make, clock):
    auditor = make.org("auditor", name="Watchdog")
    u = make.user(auditor, email="aud@watch.example")
    login(client, "aud@watch.example")
    page = client.get("/account/email").get_data(as_text=True)
    assert "finding" in page
    client.post("/account/email", data={"csrf_token": csrf_from(page), "mail_enabled": "y", "mail_findings": "y"})
    with app.app_context():
        got = db.session().get(User, u.id)
        assert got.mail_enabled and got.mail_findings
    client.post("/account/email", data={"csrf_token": csrf_from(page)})  # both unchecked
    with app.app_context():
        got = db.session().get(User, u.id)
        assert not got.mail_enabled and not got.mail_findings
    assert client.get("/logout").status_code in (302, 405)


def test_developer_cannot_subscribe_to_findings(app, client, make):
    dev = make.org("developer")
    u = make.user(dev, email="ann@lab.example")
    login(client, "ann@lab.example")
    page = client.get("/account/email").get_data(as_text=True)
    assert "finding" not in page
    client.post("/account/email", data={"csrf_token": csrf_from(page), "mail_enabled": "y", "mail_findings": "y"})
    with app.app_context():
        assert not db.session().get(User, u.id).mail_findings


def test_invoice_due_then_overdue_each_once(app, make, market, clock):
    dev = make.org("developer", name="Lab One")
    make.user(dev, email="ann@lab.example")
    vendor = make.org("vendor", name="Label Co")
    market.developer, market.vendor = dev, vendor
    market.offering_id = market.offering(vendor, title="Text labels", price=250, languages=(),
                                         periods=["2026-W48"], price_from=clock()).id
    order = market.order(units=40, price=250)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(Payment(order_id=order.id, org_id=dev.id, method="invoice_terms", number=f"INV-2026-W48-{order.id}",
                          amount_minor=10000, currency="USD", due_at=clock() + timedelta(days=10)))
        assert reminders.remind(s, clock()) == (0, 0)  # not due soon yet
        clock.advance(days=8)
        assert reminders.remind(s, clock()) == (1, 0)
        assert reminders.remind(s, clock()) == (0, 0)
        outbox.tick(s, None)
        clock.advance(days=3)
        assert reminders.remind(s, clock()) == (0, 1)
        assert reminders.remind(s, clock()) == (0, 0)
        kinds = [n.kind for n in s.exec(select(Notification).where(Notification.org_id == dev.id).order_by(Notification.id))]
        assert kinds == ["invoice.due", "invoice.overdue"]
        due = s.exec(select(Notification).where(Notification.kind == "invoice.due")).one()
        assert "USD 100.00" in due.message or "100.00 USD" in due.message
        assert "40 units of “Text labels”" in due.message
    _tick(app)
    with app.app_context():
        mails = db.session().exec(select(OutboundMail).order_by(OutboundMail.id)).all()
    assert [m.kind for m in mails] == ["invoice.due", "invoice.overdue"]
    assert mails[0].link.endswith(f"/payments/invoices/{mails[0].link.rsplit('/', 1)[1]}")
    assert "how to pay" in mails[0].text_body


def test_mail_commands(app, runner, make, clock):
    from tests.mail.smtp_server import Inbox, SMTPServer

    inbox = Inbox()
    with SMTPServer(inbox) as srv:
        app.config["MAIL_URL"] = f"smtp://127.0.0.1:{srv.port}"
        r = runner.invoke(args=["mail", "test", "ops@example.org"])
        assert r.exit_code == 0 and "sent to ops@example.org" in r.output
    assert inbox.messages[0]["Subject"] == "Parity: test message"
    r = runner.invoke(args=["mail", "test", "ops@example.org"])  # the server is gone
    assert r.exit_code == 1 and "not sent" in r.output
    app.config["MAIL_URL"] = None
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    _notify(app, dev.id, "delivery.new", "Vendor delivered 5 units of order #7.", order_id=7)
    r = runner.invoke(args=["mail", "send"])
    assert "queued 1 emails; sent 1" in r.output
    assert "sent     1" in runner.invoke(args=["mail", "status"]).output


def test_an_unusable_mail_url_stops_the_start_naming_the_setting(app):
    import pytest

    from broker import startup
    from broker.config import ConfigError

    app.config["MAIL_URL"] = "smtp+starttls://"
    with pytest.raises(ConfigError, match="MAIL_URL"):
        startup.check(app)
    app.config["MAIL_URL"] = None
    startup.check(app)
