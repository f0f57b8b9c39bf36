"""The outbox: notifications become emails, which are sent once each and retried on failure.

Two steps, both safe to run from two schedulers at once (docs/decisions.md, "Email"):

1. ``expand`` claims each new ``Notification`` with a conditional update (``mailed_at`` from
   NULL to now: only one process wins it) and, in the same transaction, queues one
   ``OutboundMail`` per recipient — unique on (notification, recipient).
2. ``send_due`` claims each due mail the same way (``pending`` → ``sending``), commits the
   claim, hands the message to the transport, then marks it ``sent`` — or ``pending`` again
   with a later ``next_attempt_at`` after a temporary failure, or ``failed`` after a permanent
   one or too many tries. A mail left ``sending`` by a process that died (``reap_stuck``) is
   marked ``failed``, never retried by itself: the server may have taken it already.

Who gets a notification's email: the active people of its org who have not turned email off;
for ``report.findings`` only those who subscribed (``User.mail_findings``); for a decided
application whose org has no one yet, the applicant's address in ``data["email"]``.
"""
from __future__ import annotations

import hashlib
import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, format_datetime
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlmodel import Session, select

from broker import db
from broker.clock import now
from broker.config import settings_of
from broker.jobs import Jobs
from broker.mail import transport
from broker.models import Notification, Org, OutboundMail, User

log = logging.getLogger("parity.mail")

TEMPLATES = Path(__file__).resolve().parent.parent.parent / "templates" / "mail"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]),
                   trim_blocks=True, lstrip_blocks=True)

# Waits after the 1st, 2nd, … failed try; after the last the mail is marked failed.
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15), timedelta(hours=1))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1
STUCK_AFTER = timedelta(minutes=15)
# News older than this when the outbox first sees it (a scheduler that was down for days, a
# loaded history) is marked but not mailed: late email about the past is noise.
TOO_OLD = timedelta(days=2)
BATCH = 200

# Subject lines per kind (the notification's message is the body's first sentence).
SUBJECTS = {
    "allocation.new": "Capacity allocated to you",
    "order.new": "New order to work on",
    "order.accepted": "Your order was accepted",
    "order.declined": "Your order was declined",
    "order.released": "Order released",
    "order.short": "Order ended short",
    "delivery.new": "Delivery recorded",
    "request.expired": "Request expired",
    "invoice.due": "Invoice due",
    "invoice.overdue": "Invoice overdue",
    "invoice.paid": "Payment received",
    "application.approved": "Your application was approved",
    "application.rejected": "Your application was not approved",
    "report.findings": "New findings in a Parity report",
}
SUBSCRIPTION_KINDS = {"report.findings"}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    link: str


def link_of(n: Notification, base_url: str) -> str:
    """The page a notification is about (an absolute URL, for a reader outside the app)."""
    d = n.data or {}
    if n.kind.startswith("invoice.") and d.get("payment_id"):
        path = f"/payments/invoices/{d['payment_id']}"
    elif d.get("order_id"):
        path = f"/orders/{d['order_id']}"
    elif d.get("report_id"):
        path = f"/reports/{d['report_id']}"
    elif d.get("request_id"):
        path = f"/requests/{d['request_id']}"
    elif n.kind == "allocation.new":
        path = "/requests"
    elif n.kind == "application.approved":
        path = "/login"
    elif n.kind == "application.rejected":
        path = "/"
    else:
        path = "/dashboard"
    return base_url.rstrip("/") + path


def render(n: Notification, org: Org | None, person: str, base_url: str) -> Rendered:
    link = link_of(n, base_url)
    ctx = {"n": n, "org": org, "person": person, "link": link, "base_url": base_url.rstrip("/"),
           "subject": SUBJECTS.get(n.kind, "News from Parity"),
           "settings_link": base_url.rstrip("/") + "/account/email"}
    number = (n.data or {}).get("number")
    if len(n.message) <= 120:
        subject = f"{ctx['subject']}: {n.message}"
    else:
        subject = f"{ctx['subject']}: {number}" if number else ctx["subject"]
    return Rendered(subject[:300], _env.get_template("notification.txt").render(ctx),
                    _env.get_template("notification.html").render(ctx), link)


def base_url_of(settings) -> str:
    return settings.get("PUBLIC_BASE_URL") or "http://localhost:8000"


def from_address(settings) -> str:
    if settings.get("MAIL_FROM"):
        return settings["MAIL_FROM"]
    host = urlsplit(base_url_of(settings)).hostname or "localhost"
    return formataddr(("Parity", f"no-reply@{host}"))


def _domain(settings) -> str:
    return urlsplit(base_url_of(settings)).hostname or "parity.localhost"


def recipients(s: Session, n: Notification) -> list[tuple[str, str]]:
    """(address, name) of everyone who should get ``n`` by email."""
    stmt = select(User).where(User.org_id == n.org_id, User.is_active == sa.true(),
                              User.mail_enabled == sa.true())
    if n.kind in SUBSCRIPTION_KINDS:
        stmt = stmt.where(User.mail_findings == sa.true())
    people = [(u.email, u.name or u.email) for u in s.exec(stmt.order_by(User.id))]
    if not people and n.kind.startswith("application.") and (n.data or {}).get("email"):
        has_anyone = s.exec(select(User.id).where(User.org_id == n.org_id)).first()
        if has_anyone is None:
            people = [(str(n.data["email"]), str(n.data.get("name") or n.data["email"]))]
    return people


def _update(s: Session, stmt) -> int:
    """A conditional UPDATE on the session's connection; the rows it changed (0: someone
    else got there first)."""
    return s.connection().execute(stmt).rowcount


def expand(s: Session, at: datetime) -> int:
    """Queue the emails of every notification not yet looked at; returns how many."""
    settings = settings_of(s)
    base, domain = base_url_of(settings), _domain(settings)
    with db.transaction(s):  # old news in one statement: marked, never mailed
        _update(s, sa.update(Notification).where(Notification.mailed_at.is_(None),
                                                 Notification.created_at < at - TOO_OLD).values(mailed_at=at))
    ids = s.exec(select(Notification.id).where(Notification.mailed_at.is_(None))
                 .order_by(Notification.id).limit(BATCH)).all()
    queued = 0
    for nid in ids:
        with db.transaction(s):
            won = _update(s, sa.update(Notification).where(Notification.id == nid, Notification.mailed_at.is_(None))
                         .values(mailed_at=at))
            if not won:
                continue  # another scheduler took it
            n = s.get(Notification, nid)
            if n.created_at < at - TOO_OLD:
                continue  # became old since the statement above
            org = s.get(Org, n.org_id)
            for address, person in recipients(s, n):
                r = render(n, org, person, base)
                digest = hashlib.sha256(address.lower().encode()).hexdigest()[:12]
                s.add(OutboundMail(notification_id=n.id, org_id=n.org_id, recipient=address, kind=n.kind,
                                   subject=r.subject, text_body=r.text, html_body=r.html, link=r.link,
                                   message_id=f"<parity.n{n.id}.{digest}@{domain}>", created_at=at))
                queued += 1
    return queued


def message_of(mail: OutboundMail, sender: str, settings_link: str | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = mail.subject
    msg["From"] = sender
    msg["To"] = mail.recipient
    msg["Message-ID"] = mail.message_id
    msg["Date"] = format_datetime(mail.created_at)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    if settings_link:
        msg["List-Unsubscribe"] = f"<{settings_link}>"  # RFC 2369: where to stop these emails
    msg.set_content(mail.text_body)
    msg.add_alternative(mail.html_body, subtype="html")
    return msg


def reap_stuck(s: Session, at: datetime) -> int:
    """Mails claimed by a sender that never reported back: failed, not retried (no duplicate)."""
    with db.transaction(s):
        return _update(s, sa.update(OutboundMail).where(OutboundMail.status == "sending",
                                                    OutboundMail.claimed_at < at - STUCK_AFTER)
                      .values(status="failed", last_error="interrupted while sending; not retried "
                              "automatically because the server may have received it"))


def send_due(s: Session, at: datetime, cfg: transport.MailConfig | None = None, *, worker: str | None = None) -> dict:
    """Send every mail that is due; returns counts {sent, retry, failed}."""
    settings = settings_of(s)
    cfg = cfg or transport.from_settings(settings)
    sender = from_address(settings)
    worker = worker or socket.gethostname()
    due = s.exec(select(OutboundMail.id).where(
        OutboundMail.status == "pending",
        sa.or_(OutboundMail.next_attempt_at.is_(None), OutboundMail.next_attempt_at <= at))
        .order_by(OutboundMail.id).limit(BATCH)).all()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for mid in due:
        with db.transaction(s):
            won = _update(s, sa.update(OutboundMail).where(OutboundMail.id == mid, OutboundMail.status == "pending")
                         .values(status="sending", claimed_at=at, claimed_by=worker[:120],
                                 attempts=OutboundMail.attempts + 1))
        if not won:
            continue
        mail = s.get(OutboundMail, mid)
        s.refresh(mail)
        try:
            transport.send(cfg, message_of(mail, sender, base_url_of(settings).rstrip("/") + "/account/email"), name=f"{mail.created_at:%Y%m%dT%H%M%S}-{mail.id:08d}")
        except transport.MailError as e:
            final = e.permanent or mail.attempts >= MAX_ATTEMPTS
            values = {"status": "failed" if final else "pending", "last_error": str(e)[:2000]}
            if not final:
                values["next_attempt_at"] = at + RETRY_AFTER[mail.attempts - 1]
            counts["failed" if final else "retry"] += 1
            log.warning("mail %s to %s: %s (%s)", mail.id, mail.recipient, e, values["status"])
        else:
            values = {"status": "sent", "sent_at": now(), "last_error": ""}
            counts["sent"] += 1
        with db.transaction(s):
            _update(s, sa.update(OutboundMail).where(OutboundMail.id == mid, OutboundMail.status == "sending")
                   .values(**values))
        s.expire_all()
    return counts


def tick(s: Session, scheduled_for: datetime) -> str:
    at = now()
    queued = expand(s, at)
    stuck = reap_stuck(s, at)
    c = send_due(s, at)
    return (f"queued {queued} emails; sent {c['sent']}, retrying {c['retry']}, failed {c['failed']}"
            + (f"; {stuck} interrupted" if stuck else ""))


def register_jobs(jobs: Jobs) -> None:
    jobs.every("mail_outbox", tick, minutes=1)


def listing(s: Session, *, status: str | None = None, limit: int = 100, before_id: int | None = None) -> list[OutboundMail]:
    stmt = select(OutboundMail)
    if status:
        stmt = stmt.where(OutboundMail.status == status)
    if before_id:
        stmt = stmt.where(OutboundMail.id < before_id)
    return list(s.exec(stmt.order_by(OutboundMail.id.desc()).limit(limit)))


def counts(s: Session) -> dict[str, int]:
    rows = s.exec(select(OutboundMail.status, sa.func.count()).group_by(OutboundMail.status)).all()
    return {st: 0 for st in ("pending", "sending", "sent", "failed")} | {st: n for st, n in rows}
