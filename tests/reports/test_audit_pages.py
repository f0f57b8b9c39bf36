"""Issue 18's leftovers: the auditor landing page, "since your last visit", finding alerts by
email for subscribed auditors, and the developer access records (own and pseudonymous)."""
from __future__ import annotations

import re

from sqlmodel import select

from broker import db
from broker.mail import outbox
from broker.models import Notification, OutboundMail, Report, User
from broker.services import round_input
from tests.helpers import csrf_from, login
from tests.reports.helpers import publish_all


def test_landing_page_shows_latest_findings_and_the_verify_command(app, client, scenario):
    empty = client.get("/audit").get_data(as_text=True)
    assert "No report has been published yet" in empty
    publish_all(app)
    page = client.get("/audit").get_data(as_text=True)
    assert "Acme Labelers delivered to its" in page
    assert '<code class="verify-command">parity-verify http://localhost/</code>' in page
    assert "/audit/vendors/" in page and "/audit/developers" in page


MARK = 'class="tag since-last-visit">New since your last visit<'


def test_since_last_visit_marks_reports_published_after_it(app, client, make, scenario, clock):
    auditor = make.org("auditor", name="Watchdog")
    make.user(auditor, email="aud@watch.example")
    login(client, "aud@watch.example")
    first = client.get("/dashboard").get_data(as_text=True)
    assert "This is your first visit" in first
    clock.advance(minutes=5)
    publish_all(app)
    clock.advance(hours=1)
    second = client.get("/dashboard").get_data(as_text=True)
    assert "Your last visit: 2026-" in second and MARK in second
    clock.advance(hours=1)
    third = client.get("/dashboard").get_data(as_text=True)
    assert MARK not in third  # seen now
    # another auditor has its own mark
    make.user(auditor, email="other@watch.example")
    client.post("/logout", data={"csrf_token": csrf_from(third)})
    login(client, "other@watch.example")
    assert MARK in client.get("/dashboard").get_data(as_text=True)


def test_subscribed_auditors_get_an_email_when_a_report_has_findings(app, client, make, scenario, clock):
    auditor = make.org("auditor", name="Watchdog")
    keen = make.user(auditor, email="keen@watch.example")
    make.user(auditor, email="quiet@watch.example")
    login(client, "keen@watch.example")
    page = client.get("/account/email").get_data(as_text=True)
    client.post("/account/email", data={"csrf_token": csrf_from(page), "mail_enabled": "y", "mail_findings": "y"})
    assert "Email alerts: <strong>on</strong>" in client.get("/dashboard").get_data(as_text=True)
    publish_all(app)
    with app.app_context():
        s = db.session()
        notes = s.exec(select(Notification).where(Notification.kind == "report.findings")).all()
        access = s.exec(select(Report).where(Report.series == "access")).one()
        assert any(n.data["report_id"] == access.id and n.org_id == auditor.id for n in notes)
        outbox.tick(s, None)
        mails = s.exec(select(OutboundMail).where(OutboundMail.kind == "report.findings")).all()
        assert {m.recipient for m in mails} == {keen.email}
        mail = next(m for m in mails if m.link.endswith(f"/reports/{access.id}"))
        assert "Acme Labelers delivered to its" in mail.text_body
        assert s.get(User, keen.id).mail_findings


def test_developer_sees_its_own_record_and_auditors_the_pseudonymous_ones(app, client, make, scenario):
    publish_all(app)
    small = scenario["devs"][1]
    make.user(small, email="lab@small.example")
    with app.app_context():
        key = round_input.told_to(db.session(), small)[0]["org"]
    # public: the list and one pseudonymous page, which never names the developer
    listing = client.get("/audit/developers").get_data(as_text=True)
    assert key in listing and "Small Lab" not in listing
    one = client.get(f"/audit/developers/{key}").get_data(as_text=True)
    assert key in one and "Small Lab" not in one and "Entitlement ratio" in one
    assert client.get("/audit/developers/org-doesnotexist").status_code == 404
    assert client.get("/audit/developers/nonsense").status_code == 404
    # own: only when signed in as that developer
    assert client.get("/audit/developers/mine").status_code == 302
    login(client, "lab@small.example")
    mine = client.get("/audit/developers/mine").get_data(as_text=True)
    assert "Small Lab: your access record" in mine and key in mine and scenario["period"] in mine
    row = re.search(r"<tr><th scope=\"row\"[^>]*>.*?</tr>", mine, re.S).group(0)
    assert ">80<" in row or ">120<" in row  # what it asked for, in units


def test_own_record_is_for_developers_only(app, client, make, scenario):
    vendor_user = make.user(scenario["acme"], email="v@acme.example")
    login(client, vendor_user.email)
    assert client.get("/audit/developers/mine").status_code == 403
