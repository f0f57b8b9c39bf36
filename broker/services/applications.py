"""Joining Parity: a developer or vendor org applies; an operator approves or rejects, with a reason.

``apply`` writes, in one transaction, the org (``pending``), the applicant's account (which
cannot sign in until approval) and the application. ``decide`` approves (org ``approved``) or
rejects (org ``suspended``, its application ``rejected``) and adds a ``Notification``
(``application.approved`` / ``application.rejected``) whose ``data`` carries the applicant's
email: the mail work sends it to the org's users, or to that address when the org has none
able to receive it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, select

from broker import audit
from broker.access.passwords import MIN_LENGTH
from broker.access.principal import Principal
from broker.clock import now
from broker.errors import ApiError
from broker.models import Notification, Org, OrgKind, OrgStatus, User
from broker.models.application import OrgApplication
from broker.services import accounts

KINDS = ("developer", "vendor")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _invalid(errors: list[dict]) -> ApiError:
    return ApiError("The application is not complete: " + "; ".join(f"{e['field'].replace('_', ' ')}: {e['message']}"
                                                                   for e in errors) + ".",
                    status=422, type_="validation", errors=errors)


def apply(s: Session, *, kind: str, org_name: str, applicant_name: str, email: str, password: str,
          website: str = "", headcount: int | None = None, description: str = "") -> OrgApplication:
    """A new org asks to join: the org (pending), the applicant's account and the application."""
    org_name, applicant_name = (org_name or "").strip(), (applicant_name or "").strip()
    email, website, description = (email or "").strip().lower(), (website or "").strip(), (description or "").strip()
    errors = []
    if kind not in KINDS:
        errors.append({"field": "kind", "message": "choose developer or vendor"})
    if not 2 <= len(org_name) <= 200:
        errors.append({"field": "org_name", "message": "2 to 200 characters"})
    if not 2 <= len(applicant_name) <= 200:
        errors.append({"field": "applicant_name", "message": "2 to 200 characters"})
    if not _EMAIL.match(email) or len(email) > 254:
        errors.append({"field": "email", "message": "not an email address"})
    if len(password or "") < MIN_LENGTH:
        errors.append({"field": "password", "message": f"at least {MIN_LENGTH} characters"})
    if website and not re.match(r"^https?://[^\s]+\.[^\s]+$", website) or len(website) > 300:
        errors.append({"field": "website", "message": "a web address starting with https://"})
    if headcount is not None and not 0 <= headcount <= 10_000_000:
        errors.append({"field": "headcount", "message": "a number of people from 0"})
    if not 20 <= len(description) <= 2000:
        errors.append({"field": "description", "message": "tell us in 20 to 2,000 characters what you want to do"})
    if errors:
        raise _invalid(errors)
    if s.exec(select(User.id).where(User.email == email)).first() is not None:
        raise ApiError("That email address already has an account: sign in instead, or use another address.",
                       status=409, type_="conflict")
    slug = accounts.slugify(org_name)
    if s.exec(select(Org.id).where(Org.slug == slug)).first() is not None:
        raise ApiError(f"An organisation named “{org_name}” has already applied or joined.", status=409,
                       type_="conflict")
    org = accounts.create_org(s, None, name=org_name, kind=OrgKind(kind), headcount=headcount,
                              status=OrgStatus.pending, slug=slug)
    accounts.create_user(s, None, org=org, email=email, password=password, name=applicant_name)
    app = OrgApplication(org_id=org.id, kind=kind, org_name=org_name, applicant_name=applicant_name,
                         applicant_email=email, website=website, headcount=headcount, description=description)
    s.add(app)
    s.flush()
    audit.record(s, None, "application.submit", "org_application", app.id, after=audit.snapshot(app))
    return app


@dataclass
class QueueItem:
    org: Org
    application: OrgApplication | None  # None: a pending org created without an application


def queue(s: Session) -> list[QueueItem]:
    """Pending orgs, oldest first, each with its application when there is one."""
    rows = s.exec(select(Org, OrgApplication).join(OrgApplication, OrgApplication.org_id == Org.id, isouter=True)
                  .where(Org.status == OrgStatus.pending).order_by(Org.id))
    return [QueueItem(org, app) for org, app in rows]


def decided(s: Session, limit: int = 20) -> list[OrgApplication]:
    """The latest decisions, newest first."""
    return list(s.exec(select(OrgApplication).where(OrgApplication.status != "pending")
                       .order_by(OrgApplication.decided_at.desc(), OrgApplication.id.desc()).limit(limit)))


def decide(s: Session, actor: Principal, org_id: int, *, approve: bool, reason: str,
           sign_in_url: str = "") -> Org:
    """Approve or reject a pending org (and its application), and tell the applicant."""
    reason = (reason or "").strip()
    if not approve and len(reason) < 5:
        raise ApiError("Say why the application is rejected (at least 5 characters): the applicant reads it.",
                       status=422, type_="validation", errors=[{"field": "reason", "message": "at least 5 characters"}])
    if len(reason) > 2000:
        raise ApiError("The reason is longer than 2,000 characters.", status=422, type_="validation")
    org = s.get(Org, org_id, with_for_update=True)
    if org is None or org.kind not in (OrgKind.developer, OrgKind.vendor):
        raise ApiError(f"No application from organisation {org_id}.", status=404, type_="not-found")
    if org.status != OrgStatus.pending:
        raise ApiError(f"{org.name} was already decided ({org.status.value}).", status=409, type_="conflict")
    app = s.exec(select(OrgApplication).where(OrgApplication.org_id == org.id)).first()
    before = audit.snapshot(org)
    t = now()
    org.status = OrgStatus.approved if approve else OrgStatus.suspended
    s.add(org)
    email = app.applicant_email if app else ""
    if app is not None:
        app.status = "approved" if approve else "rejected"
        app.decision_reason = reason
        app.decided_at = t
        app.decided_by_user_id = actor.user_id
        s.add(app)
    s.flush()
    kind = "application.approved" if approve else "application.rejected"
    if approve:
        message = (f"{org.name} is approved on Parity. You can sign in now"
                   + (f" at {sign_in_url}" if sign_in_url else "") + "." + (f" Note from the operator: {reason}" if reason else ""))
    else:
        message = f"The application of {org.name} to Parity was not approved. Reason: {reason}"
    s.add(Notification(org_id=org.id, kind=kind, created_at=t, message=message[:500],
                       data={"application_id": app.id if app else None, "org_id": org.id, "email": email,
                             "applicant_name": app.applicant_name if app else "", "reason": reason,
                             "sign_in_url": sign_in_url}))
    audit.record(s, actor, kind, "org", org.id, before=before, after=audit.snapshot(org) | {"reason": reason})
    return org
