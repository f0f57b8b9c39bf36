"""The outbox: notifications become one email per person, each sent once, retried after a
temporary failure, never re-sent after an interruption; against a real SMTP server."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from broker import db
from broker.mail import outbox, transport
from broker.models import Notification, OutboundMail, User
from tests.mail.smtp_server import Inbox, SMTPServer


def _notify(app, org, kind="order.accepted", message="The vendor accepted order #7 (10 units).", **data):
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            n = Notification(org_id=org.id, kind=kind, message=message, data=data or {"order_id": 7})
            s.add(n)
        return n.id


def _mails(app, *where):
    with app.app_context():
        return list(db.session().exec(select(OutboundMail).where(*where).order_by(OutboundMail.id)))


def _run(app, clock, cfg=None):
    with app.app_context():
        s = db.session()
        queued = outbox.expand(s, clock())
        return queued, outbox.send_due(s, clock(), cfg)


def test_notification_becomes_one_email_per_person_with_both_bodies_and_a_link(app, make, clock):
    app.config["PUBLIC_BASE_URL"] = "https://parity.example"
    dev = make.org("developer", name="Lab One")
    make.user(dev, email="ann@lab.example", name="Ann")
    make.user(dev, email="bob@lab.example", name="Bob")
    other = make.org("developer", name="Other Lab")
    make.user(other, email="eve@other.example")
    _notify(app, dev)
    inbox = Inbox()
    with SMTPServer(inbox) as srv:
        cfg = transport.parse(f"smtp://127.0.0.1:{srv.port}", app.config["INSTANCE_PATH"], environ={})
        queued, counts = _run(app, clock, cfg)
        assert queued == 2 and counts == {"sent": 2, "retry": 0, "failed": 0}
        # nothing is queued or sent twice, however often the job runs
        assert _run(app, clock, cfg) == (0, {"sent": 0, "retry": 0, "failed": 0})
    assert sorted(m["To"] for m in inbox.messages) == ["ann@lab.example", "bob@lab.example"]
    msg = next(m for m in inbox.messages if m["To"] == "ann@lab.example")
    assert msg["Subject"].startswith("Your order was accepted")
    text = msg.get_body(("plain",)).get_content()
    assert "Hello Ann" in text and "https://parity.example/orders/7" in text
    assert 'href="https://parity.example/orders/7"' in msg.get_body(("html",)).get_content()
    assert msg["From"] == "Parity <no-reply@parity.example>"
    assert msg["List-Unsubscribe"] == "<https://parity.example/account/email>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert all(m.status == "sent" and m.attempts == 1 for m in _mails(app))


def test_default_transport_writes_eml_files_in_the_instance(app, make, clock):
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    _notify(app, dev, kind="delivery.new", message="Vendor delivered 5 units of order #7.")
    _run(app, clock)
    files = list((app.instance_path and __import__("pathlib").Path(app.config["INSTANCE_PATH"]) / "mail").glob("*.eml"))
    assert len(files) == 1 and "Delivery recorded" in files[0].read_text()


def test_temporary_failure_is_retried_later_and_sent_once(app, make, clock):
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    _notify(app, dev)
    inbox = Inbox()
    srv = SMTPServer(inbox)
    cfg = transport.parse(f"smtp://127.0.0.1:{srv.port}", "/tmp", environ={})
    assert _run(app, clock, cfg)[1]["retry"] == 1  # nobody listens yet
    [m] = _mails(app)
    assert m.status == "pending" and m.attempts == 1 and "could not reach" in m.last_error
    assert m.next_attempt_at == clock() + outbox.RETRY_AFTER[0]
    with srv:
        assert _run(app, clock, cfg)[1]["sent"] == 0  # not due yet
        clock.advance(minutes=2)
        assert _run(app, clock, cfg)[1]["sent"] == 1
    assert len(inbox.messages) == 1
    [m] = _mails(app)
    assert m.status == "sent" and m.attempts == 2 and m.last_error == ""


def test_permanent_refusal_and_too_many_tries_give_up(app, make, clock):
    dev = make.org("developer")
    make.user(dev, email="nobody@lab.example")
    _notify(app, dev)
    with SMTPServer(Inbox(refuse="nobody@lab.example")) as srv:
        cfg = transport.parse(f"smtp://127.0.0.1:{srv.port}", "/tmp", environ={})
        assert _run(app, clock, cfg)[1]["failed"] == 1
    [m] = _mails(app)
    assert m.status == "failed" and "550" in m.last_error
    # a server that never answers: after MAX_ATTEMPTS tries the mail is failed, not retried forever
    make.user(dev, email="ann@lab.example")
    _notify(app, dev)
    cfg = transport.parse("smtp://127.0.0.1:9", "/tmp", environ={})
    for _ in range(outbox.MAX_ATTEMPTS):
        _run(app, clock, cfg)
        clock.advance(hours=2)
    m = _mails(app, OutboundMail.recipient == "ann@lab.example")[0]
    assert m.status == "failed" and m.attempts == outbox.MAX_ATTEMPTS


def test_a_mail_claimed_by_another_sender_is_not_sent_and_an_interrupted_one_not_resent(app, make, clock):
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    _notify(app, dev)
    with app.app_context():
        s = db.session()
        outbox.expand(s, clock())
        with db.transaction(s):  # another scheduler claimed it and died while sending
            m = s.exec(select(OutboundMail)).one()
            m.status, m.claimed_at, m.claimed_by, m.attempts = "sending", clock(), "other-host", 1
            s.add(m)
    inbox = Inbox()
    with SMTPServer(inbox) as srv:
        cfg = transport.parse(f"smtp://127.0.0.1:{srv.port}", "/tmp", environ={})
        assert _run(app, clock, cfg)[1]["sent"] == 0
        clock.advance(minutes=20)
        with app.app_context():
            assert outbox.reap_stuck(db.session(), clock()) == 1
        assert _run(app, clock, cfg)[1]["sent"] == 0
    assert inbox.messages == []
    [m] = _mails(app)
    assert m.status == "failed" and "interrupted" in m.last_error


def test_two_expanders_queue_each_notification_once(app, make, clock):
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    _notify(app, dev)
    with app.app_context():
        s1 = db.session()
        assert outbox.expand(s1, clock()) == 1
    # a second process that read the notification before the first marked it
    with app.app_context():
        s2 = db.session()
        n = s2.exec(select(Notification)).one()
        assert outbox._update(s2, __import__("sqlalchemy").update(Notification).where(
            Notification.id == n.id, Notification.mailed_at.is_(None)).values(mailed_at=clock())) == 0
        s2.rollback()
        assert outbox.expand(s2, clock()) == 0
    assert len(_mails(app)) == 1


def test_who_gets_mail_opt_out_subscriptions_and_applicants(app, make, clock):
    dev = make.org("developer")
    ann = make.user(dev, email="ann@lab.example")
    make.user(dev, email="bob@lab.example")
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            u = s.get(User, ann.id)
            u.mail_enabled = False
            s.add(u)
    auditor = make.org("auditor")
    keen = make.user(auditor, email="keen@audit.example")
    make.user(auditor, email="quiet@audit.example")
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            u = s.get(User, keen.id)
            u.mail_findings = True
            s.add(u)
    applicant = make.org("vendor", name="New Vendor")
    _notify(app, dev)
    _notify(app, auditor, kind="report.findings", message="The access report for 2026-W48 has 2 findings.", report_id=3)
    _notify(app, applicant, kind="application.approved", message="Your application for New Vendor was approved.",
            email="founder@new.example", name="Founder")
    _run(app, clock)
    got = {(m.kind, m.recipient) for m in _mails(app)}
    assert got == {("order.accepted", "bob@lab.example"), ("report.findings", "keen@audit.example"),
                   ("application.approved", "founder@new.example")}
    link = _mails(app, OutboundMail.kind == "report.findings")[0].link
    assert link.endswith("/reports/3")


def test_mail_job_is_registered(app):
    assert app.extensions["parity_jobs"]["mail_outbox"].trigger == {"trigger": "interval", "minutes": 1}
    assert app.extensions["parity_jobs"]["invoice_reminders"].func is not None


def test_old_notifications_are_not_mailed_after_upgrade(app, make, clock):
    """Rows marked mailed (as the migration marks existing ones) are left alone."""
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    nid = _notify(app, dev)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            n = s.get(Notification, nid)
            n.mailed_at = clock() - timedelta(days=1)
            s.add(n)
    assert _run(app, clock)[0] == 0


def test_news_too_old_when_first_seen_is_not_mailed(app, make, clock):
    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    _notify(app, dev)
    clock.advance(days=3)  # the scheduler was down
    assert _run(app, clock)[0] == 0
    with app.app_context():
        assert db.session().exec(select(Notification)).one().mailed_at is not None


def test_two_senders_at_once_send_each_mail_once(app, make, clock):
    """Two schedulers' senders racing over the same 30 due mails (threads, each with its own
    session and connection): the SMTP server receives each exactly once."""
    import threading

    dev = make.org("developer")
    make.user(dev, email="ann@lab.example")
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            for i in range(30):
                s.add(Notification(org_id=dev.id, kind="delivery.new", message=f"Delivery {i}.", data={"order_id": i + 1}))
        assert outbox.expand(s, clock()) == 30
    inbox = Inbox()
    results = []
    with SMTPServer(inbox) as srv:
        cfg = transport.parse(f"smtp://127.0.0.1:{srv.port}", "/tmp", environ={})
        start = threading.Barrier(2)

        def sender(name):
            with app.app_context():
                s = db.session()
                start.wait()
                results.append(outbox.send_due(s, clock(), cfg, worker=name))
                db.close_session()

        threads = [threading.Thread(target=sender, args=(f"host-{i}",)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert sum(r["sent"] for r in results) == 30
    ids = [m["Message-ID"] for m in inbox.messages]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert {(m.status, m.attempts) for m in _mails(app)} == {("sent", 1)}
