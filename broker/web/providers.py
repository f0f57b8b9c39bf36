"""Vendor systems pages: the operator's health view with dead-letter replay, and the vendor's
page to connect its own system with an adapter. Same services as /api/v1/providers."""
from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from broker import db
from broker.auth.session_login import login_required
from broker.clock import now
from broker.errors import ApiError
from broker.web.acting import attempt
from broker.services import vendor_systems
from providers import registry

bp = Blueprint("providers", __name__)


class ConnectionForm(FlaskForm):
    adapter = SelectField("Adapter", choices=[(n, n) for n in registry.NAMES])
    url = StringField("Webhook endpoint (https://…)", validators=[Optional(), Length(max=500)])
    catalog_url = StringField("Catalog address (optional, https://…)", validators=[Optional(), Length(max=500)])
    secret_envs = StringField("Signing secrets: environment variable names, comma-separated, newest first",
                              validators=[Optional(), Length(max=400)])
    tolerance_seconds = IntegerField("Replay window (seconds)", default=300,
                                     validators=[Optional(), NumberRange(min=30, max=3600)])
    timeout_seconds = DecimalField("Timeout per request (seconds)", default=10, places=1,
                                   validators=[Optional(), NumberRange(min=0.1, max=120)])
    max_attempts = IntegerField("Attempts before an event becomes a dead letter", default=8,
                                validators=[Optional(), NumberRange(min=1, max=20)])
    base_url = StringField("Label Studio address (https://…)", validators=[Optional(), Length(max=500)])
    token_env = StringField("Label Studio token: environment variable name", validators=[Optional(), Length(max=80)])
    project_id = IntegerField("Existing Label Studio project to fill (optional)",
                              validators=[Optional(), NumberRange(min=1)])
    label_config = TextAreaField("Labeling interface (optional, <View>…)", validators=[Optional(), Length(max=20000)])

    WEBHOOK = ("url", "catalog_url", "secret_envs", "tolerance_seconds", "timeout_seconds", "max_attempts")
    LABELSTUDIO = ("base_url", "token_env", "project_id", "label_config", "timeout_seconds", "max_attempts")

    def settings(self) -> dict:
        names = {"webhook": self.WEBHOOK, "labelstudio": self.LABELSTUDIO}.get(self.adapter.data, ())
        out = {}
        for name in names:
            value = getattr(self, name).data
            if value in (None, ""):
                continue
            if name == "secret_envs":
                value = [v.strip() for v in value.split(",") if v.strip()]
            elif name == "timeout_seconds":
                value = float(value)
            out[name] = value
        return out

    def fill(self, conn) -> None:
        if conn is None:
            return
        self.adapter.data = conn.adapter
        for name, value in conn.settings.items():
            if hasattr(self, name):
                getattr(self, name).data = ", ".join(value) if name == "secret_envs" else value


@bp.get("/admin/providers")
@login_required("operator")
def operator():
    s = db.session()
    return render_template("providers/operator.html", rows=vendor_systems.health(s, g.principal),
                           dead=vendor_systems.dead_letters(s, g.principal))


@bp.post("/admin/providers/dead-letters/<event_id>/replay")
@login_required("operator")
def replay(event_id: str):
    attempt(lambda s: vendor_systems.replay(s, g.principal, event_id[:64], now()),
            f"Event {event_id} is queued again; the next push sends it.")
    return redirect(url_for("providers.operator"))


@bp.route("/vendor/connection", methods=["GET", "POST"])
@login_required("vendor")
def vendor():
    s = db.session()
    conn = vendor_systems.connection_of(s, g.principal.org_id)
    form = ConnectionForm()
    status = 200
    if form.validate_on_submit():
        try:
            with db.transaction(s):
                conn = vendor_systems.connect(s, g.principal, vendor_org_id=g.principal.org_id,
                                         adapter=form.adapter.data, settings=form.settings())
            flash(f"Connected with the {conn.adapter} adapter.")
            return redirect(url_for("providers.vendor"))
        except ApiError as e:
            flash(e.detail, "error")
            status = 422
    elif form.is_submitted():
        status = 400
    else:
        form.fill(conn)
    health = [r for r in vendor_systems.health(s, g.principal)]
    return render_template("providers/vendor.html", form=form, conn=conn, health=health[0] if health else None,
                           callback=vendor_systems.callback_url(s, conn) if conn and conn.adapter == "webhook" else None,
                           describe=registry.describe, names=registry.NAMES), status
