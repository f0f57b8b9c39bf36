"""Email pages: the operator's outbox (what was sent, what waits, what failed) and each
person's email choices (all notifications on or off; auditors: finding alerts)."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlmodel import select
from wtforms import BooleanField

from broker import db
from broker.auth.session_login import login_required
from broker.mail import outbox, transport
from broker.models import Org, OutboundMail, User
from broker.web.acting import form_ok

bp = Blueprint("mail", __name__)

STATUSES = ("pending", "sending", "sent", "failed")


class ActionForm(FlaskForm):
    """A bare button form: CSRF only."""


class EmailChoicesForm(FlaskForm):
    mail_enabled = BooleanField("Email me when something changes for my organisation (new orders, "
                                "allocations, deliveries, invoices)")
    mail_findings = BooleanField("Email me when a newly published report has a finding")


def _shows_bodies() -> bool:
    """Message bodies are shown in development: the default folder transport, or debug mode."""
    try:
        cfg = transport.from_settings(current_app.config)
    except ValueError:
        return False
    return current_app.debug or cfg.scheme == "file"


def _operator_only() -> None:
    if not g.principal.is_operator:
        abort(403, "The outbox is for operators.")


@bp.get("/admin/outbox")
@login_required("operator")
def outbox_index():
    _operator_only()
    s = db.session()
    status = request.args.get("status") or None
    if status is not None and status not in STATUSES:
        abort(400, f"Status must be one of {', '.join(STATUSES)}.")
    try:
        before = int(request.args["before"]) if request.args.get("before") else None
    except ValueError:
        abort(400, "“before” must be a mail number.")
    mails = outbox.listing(s, status=status, before_id=before, limit=50)
    ids = {m.org_id for m in mails if m.org_id}
    orgs = dict(s.exec(select(Org.id, Org.name).where(Org.id.in_(ids))).all()) if ids else {}
    try:
        where = transport.from_settings(current_app.config).describe()
    except ValueError as e:
        where = f"not usable: {e}"
    return render_template("mail_pages/outbox.html", mails=mails, counts=outbox.counts(s), status=status,
                           orgs=orgs, where=where, shows_bodies=_shows_bodies(), form=ActionForm(),
                           next_before=mails[-1].id if len(mails) == 50 else None)


@bp.get("/admin/outbox/<int:mail_id>")
@login_required("operator")
def outbox_show(mail_id: int):
    _operator_only()
    mail = db.session().get(OutboundMail, mail_id)
    if mail is None:
        abort(404, f"No mail {mail_id}.")
    return render_template("mail_pages/mail.html", mail=mail, shows_bodies=_shows_bodies(), form=ActionForm())


@bp.get("/admin/outbox/<int:mail_id>/body.html")
@login_required("operator")
def outbox_html(mail_id: int):
    """The HTML part as the reader sees it (development only)."""
    _operator_only()
    mail = db.session().get(OutboundMail, mail_id)
    if mail is None or not _shows_bodies():
        abort(404)
    resp = current_app.response_class(mail.html_body, mimetype="text/html")
    # the mail's own inline styles, nothing else: no scripts, no remote content
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return resp


@bp.post("/admin/outbox/<int:mail_id>/retry")
@login_required("operator")
def outbox_retry(mail_id: int):
    """An operator sends a failed mail again (a deliberate choice: if it was interrupted while
    sending, the reader may get it twice)."""
    _operator_only()
    if not form_ok(ActionForm()):
        return redirect(url_for("mail.outbox_show", mail_id=mail_id))
    s = db.session()
    with db.transaction(s):
        mail = s.get(OutboundMail, mail_id)
        if mail is None:
            abort(404, f"No mail {mail_id}.")
        if mail.status != "failed":
            flash(f"Mail {mail_id} is {mail.status}; only a failed mail can be sent again.", "error")
            return redirect(url_for("mail.outbox_show", mail_id=mail_id))
        mail.status, mail.attempts, mail.next_attempt_at, mail.last_error = "pending", 0, None, ""
        s.add(mail)
    flash(f"Mail {mail_id} to {mail.recipient} will be sent again within a minute.")
    return redirect(url_for("mail.outbox_show", mail_id=mail_id))


@bp.route("/account/email", methods=["GET", "POST"])
@login_required()
def email_choices():
    s = db.session()
    user = s.get(User, g.user.id)
    form = EmailChoicesForm(obj=user if request.method == "GET" else None)
    is_auditor = g.principal.role.value == "auditor"
    if request.method == "POST" and form_ok(form, "Email choices"):
        with db.transaction(s):
            user = s.get(User, g.user.id)
            user.mail_enabled = form.mail_enabled.data
            if is_auditor:
                user.mail_findings = form.mail_findings.data
            s.add(user)
        flash("Your email choices are saved.")
        return redirect(url_for("mail.email_choices"))
    return render_template("mail_pages/choices.html", form=form, is_auditor=is_auditor, user=user)
