"""Joining Parity: the public application form (developer and vendor orgs), and the operator's
approval queue (approve, or reject with a reason after a confirmation step)."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, IntegerField, PasswordField, RadioField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from broker import db
from broker.access.passwords import MIN_LENGTH
from broker.auth.session_login import login_required
from broker.errors import ApiError
from broker.extensions import limiter
from broker.services import applications
from broker.web.admin_blueprint import bp as admin_bp
from broker.web.acting import form_ok
from broker.web.confirm import confirmed

bp = Blueprint("onboarding", __name__)


class ApplicationForm(FlaskForm):
    kind = RadioField("Your organisation is", choices=[("developer", "an AI developer: we want human-data capacity"),
                                                       ("vendor", "a vendor: we offer human-data work")],
                      validators=[DataRequired(message="choose developer or vendor")])
    org_name = StringField("Organisation name", validators=[DataRequired(), Length(min=2, max=200)])
    website = URLField("Website (optional)", validators=[Optional(), Length(max=300)])
    headcount = IntegerField("People in your organisation (optional)",
                             validators=[Optional(), NumberRange(min=0, max=10_000_000)])
    description = TextAreaField("What do you want to do on Parity?",
                                validators=[DataRequired(), Length(min=20, max=2000)])
    applicant_name = StringField("Your name", validators=[DataRequired(), Length(min=2, max=200)])
    email = EmailField("Your work email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField(f"Choose a password (at least {MIN_LENGTH} characters)",
                             validators=[DataRequired(), Length(min=MIN_LENGTH, max=200)])


@bp.route("/apply", methods=["GET", "POST"])
@limiter.limit("5/minute", methods=["POST"])
def apply():
    form = ApplicationForm()
    if request.method == "GET" and request.args.get("kind") in applications.KINDS:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        s = db.session()
        try:
            with db.transaction(s):
                app = applications.apply(s, kind=form.kind.data, org_name=form.org_name.data,
                                         applicant_name=form.applicant_name.data, email=form.email.data,
                                         password=form.password.data, website=form.website.data or "",
                                         headcount=form.headcount.data, description=form.description.data)
        except ApiError as e:
            flash(e.detail, "error")
            return render_template("onboarding/apply.html", form=form), e.status
        return render_template("onboarding/applied.html", application=app), 201
    if request.method == "POST":
        return render_template("onboarding/apply.html", form=form), 422
    return render_template("onboarding/apply.html", form=form)


@admin_bp.get("/applications", endpoint="applications")
@login_required("operator")
def queue():
    s = db.session()
    return render_template("admin/applications.html", queue=applications.queue(s), decided=applications.decided(s))


@admin_bp.post("/applications/<int:org_id>/decide", endpoint="decide_application")
@login_required("operator")
def decide(org_id: int):
    if not form_ok(FlaskForm()):
        return redirect(url_for("admin.applications"))
    decision = request.form.get("decision")
    reason = (request.form.get("reason") or "").strip()
    if decision not in ("approve", "reject"):
        flash("Choose approve or reject.", "error")
        return redirect(url_for("admin.applications"))
    s = db.session()
    if decision == "reject" and len(reason) < 5:
        flash("Say why the application is rejected (at least 5 characters): the applicant reads it.", "error")
        return redirect(url_for("admin.applications"))
    if decision == "reject" and not confirmed():
        from broker.models import Org

        org = s.get(Org, org_id)
        if org is None:
            flash(f"No application from organisation {org_id}.", "error")
            return redirect(url_for("admin.applications"))
        return render_template("admin/confirm.html", button="Reject the application",
                               text=f"Reject the application of {org.name}? The applicant is told, with this reason; "
                                    "the organisation stays out of Parity (it can be reinstated from the "
                                    "organisations list).",
                               quote=reason, action=url_for("admin.decide_application", org_id=org_id),
                               hidden={"decision": "reject", "reason": reason}, back=url_for("admin.applications"))
    try:
        with db.transaction(s):
            org = applications.decide(s, g.principal, org_id, approve=decision == "approve", reason=reason,
                                      sign_in_url=url_for("auth.login", _external=True))
    except ApiError as e:
        flash(e.detail, "error")
        return redirect(url_for("admin.applications"))
    flash(f"{org.name} {'approved' if decision == 'approve' else 'rejected'}; the applicant will be told.")
    return redirect(url_for("admin.applications"))
