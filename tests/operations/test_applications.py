"""Joining Parity: the public application form, the operator's approval queue (approve, or
reject with a reason after a confirmation step), the applicant told through a Notification,
and sign-in only once approved."""
from __future__ import annotations

from sqlmodel import select

from broker import db
from broker.models import Notification, Org, OrgStatus, User
from broker.models.application import OrgApplication
from tests.helpers import csrf_from, login

FORM = {"kind": "vendor", "org_name": "Sauti Data", "website": "https://sauti.example",
        "headcount": "240", "description": "Swahili and English transcription by a salaried team in Nairobi.",
        "applicant_name": "Amina Odhiambo", "email": "amina@sauti.example", "password": "long enough pass 1"}


def _apply(client, **changes):
    token = csrf_from(client.get("/apply").get_data(as_text=True))
    return client.post("/apply", data={**FORM, **changes, "csrf_token": token})


def _operator(client, make):
    op = make.user(make.org("operator", name="Parity Ops"))
    login(client, op.email)
    return op


def _org(app, name="Sauti Data") -> Org:
    with app.app_context():
        return db.session().exec(select(Org).where(Org.name == name)).one()


def test_apply_creates_a_pending_org_whose_applicant_cannot_sign_in_yet(client, app):
    r = _apply(client)
    assert r.status_code == 201 and "amina@sauti.example" in r.get_data(as_text=True)
    org = _org(app)
    assert org.status == OrgStatus.pending and org.kind.value == "vendor" and org.headcount == 240
    with app.app_context():
        s = db.session()
        application = s.exec(select(OrgApplication)).one()
        user = s.exec(select(User).where(User.email == "amina@sauti.example")).one()
    assert application.org_id == org.id and application.status == "pending" and user.org_id == org.id
    refused = login(client, "amina@sauti.example", FORM["password"])
    assert refused.status_code == 401 and "waiting for an operator" in refused.get_data(as_text=True)


def test_a_bad_application_writes_nothing_and_says_why(client, app):
    r = _apply(client, description="too short", email="not-an-email")
    assert r.status_code == 422
    with app.app_context():
        s = db.session()
        assert s.exec(select(OrgApplication)).all() == [] and s.exec(select(Org)).all() == []
    assert _apply(client).status_code == 201
    again = _apply(client, org_name="Another Name")  # same email
    assert again.status_code == 409 and "already has an account" in again.get_data(as_text=True)
    same_org = _apply(client, email="other@sauti.example")
    assert same_org.status_code == 409 and "already applied" in same_org.get_data(as_text=True)


def test_operator_approves_and_the_applicant_is_told_and_can_sign_in(client, app, make):
    _apply(client)
    org = _org(app)
    _operator(client, make)
    queue = client.get("/admin/applications").get_data(as_text=True)
    assert "Sauti Data" in queue and "Amina Odhiambo" in queue and "salaried team in Nairobi" in queue
    token = csrf_from(queue)
    r = client.post(f"/admin/applications/{org.id}/decide", data={"csrf_token": token, "decision": "approve",
                                                                   "reason": "Welcome aboard."})
    assert r.status_code == 302
    with app.app_context():
        s = db.session()
        assert s.get(Org, org.id).status == OrgStatus.approved
        assert s.exec(select(OrgApplication)).one().status == "approved"
        note = s.exec(select(Notification).where(Notification.org_id == org.id)).one()
    assert note.kind == "application.approved" and note.data["email"] == "amina@sauti.example"
    assert "approved" in note.message and "Welcome aboard." in note.message and "/login" in note.message
    # Deciding twice is refused.
    again = client.post(f"/admin/applications/{org.id}/decide", data={"csrf_token": token, "decision": "approve"},
                        follow_redirects=True)
    assert "already decided" in again.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    assert login(client, "amina@sauti.example", FORM["password"]).status_code == 302
    assert client.get("/vendor").status_code == 200


def test_reject_needs_a_reason_and_a_confirmation(client, app, make):
    _apply(client)
    org = _org(app)
    _operator(client, make)
    token = csrf_from(client.get("/admin/applications").get_data(as_text=True))
    url = f"/admin/applications/{org.id}/decide"
    no_reason = client.post(url, data={"csrf_token": token, "decision": "reject"}, follow_redirects=True)
    assert "Say why" in no_reason.get_data(as_text=True)
    ask = client.post(url, data={"csrf_token": token, "decision": "reject", "reason": "Not a data vendor."})
    page = ask.get_data(as_text=True)
    assert ask.status_code == 200 and "Please confirm" in page and "Not a data vendor." in page
    assert _org(app).status == OrgStatus.pending  # nothing decided yet
    client.post(url, data={"csrf_token": token, "decision": "reject", "reason": "Not a data vendor.",
                           "confirmed": "yes"})
    with app.app_context():
        s = db.session()
        assert s.get(Org, org.id).status == OrgStatus.suspended
        application = s.exec(select(OrgApplication)).one()
        note = s.exec(select(Notification).where(Notification.org_id == org.id)).one()
    assert application.status == "rejected" and application.decision_reason == "Not a data vendor."
    assert note.kind == "application.rejected" and "Not a data vendor." in note.message
    assert note.data["email"] == "amina@sauti.example"
    client.post("/logout", data={"csrf_token": token})
    assert login(client, "amina@sauti.example", FORM["password"]).status_code == 401


def test_a_pending_org_without_an_application_can_be_decided(client, app, make):
    pending = make.org(name="Ostrich Labs", status=OrgStatus.pending)
    _operator(client, make)
    queue = client.get("/admin/applications").get_data(as_text=True)
    assert "Ostrich Labs" in queue and "No application on file" in queue
    token = csrf_from(queue)
    client.post(f"/admin/applications/{pending.id}/decide", data={"csrf_token": token, "decision": "approve"})
    with app.app_context():
        s = db.session()
        assert s.get(Org, pending.id).status == OrgStatus.approved
        assert s.exec(select(Notification).where(Notification.org_id == pending.id)).one().kind == "application.approved"


def test_queue_is_for_operators_and_the_form_is_rate_limited(client, make, app):
    login(client, make.user(make.org("developer")).email)
    assert client.get("/admin/applications").status_code == 403
    from broker.app import create_app

    limited = create_app({**{k: app.config[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY")},
                          "TESTING": True, "RATELIMIT_ENABLED": True})
    c = limited.test_client()
    token = csrf_from(c.get("/apply").get_data(as_text=True))
    codes = [c.post("/apply", data={"csrf_token": token, "kind": "vendor"}).status_code for _ in range(6)]
    assert codes[:5] == [422] * 5 and codes[5] == 429
    assert c.get("/apply").status_code == 200  # reading the form is not limited
    limited.extensions["db_engine"].dispose()
