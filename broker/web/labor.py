"""The developer's labor disclosure: make one for a quarter, download it as signed JSON, its
JWS, readable text (FMTI 2025 indicators) and Croissant RAI metadata."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import SelectField

from broker import db
from broker.auth.session_login import login_required
from broker.catalog.workforce import quarter_of
from broker.clock import now
from broker.errors import ApiError
from broker.reports import labor, labor_formats
from broker.web import NAV

bp = Blueprint("labor", __name__, url_prefix="/labor")
NAV.append(("labor.index", "Labor disclosure", "developer"))


@bp.app_template_global()
def exposure_cap_hours() -> int:
    """The policy's weekly exposure cap in force now (hours per worker)."""
    from broker.services.offerings import cap_hours

    return cap_hours(db.session())


@bp.app_template_global()
def vendor_local_floors(vendor_id: int) -> dict | None:
    """The vendor's latest workforce disclosure against the local floors (None without one)."""
    from broker.services import catalog, workforce

    s = db.session()
    latest = workforce.of_vendor(s, vendor_id)[:1]
    return workforce.summary(latest[0], catalog.pay_floor(s), catalog.floor_table(s))["local_floors"] if latest else None


class QuarterForm(FlaskForm):
    quarter = SelectField("Quarter")


def _quarters(s) -> list[str]:
    t = now()
    return sorted(set(labor.quarters_of(s, g.principal.org_id)) | {quarter_of(t.year, t.month)}, reverse=True)


@bp.route("", methods=["GET", "POST"])
@login_required("developer")
def index():
    s = db.session()
    form = QuarterForm()
    form.quarter.choices = _quarters(s)
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                with db.transaction(s):
                    row = labor.publish_for(s, g.principal, form.quarter.data,
                                            keys_path=current_app.config["KEYS_PATH"], at=now())
                labor.sign_log(s, keys_path=current_app.config["KEYS_PATH"])
                flash(f"Labor disclosure for {row.quarter} signed and logged.")
                return redirect(url_for("labor.index"))
            except ApiError as e:
                flash(e.detail, "error")
                status = e.status
            except FileNotFoundError:  # the key folder is not this host's (see docs/reports.md)
                current_app.logger.exception("labor disclosure: no private signing key")
                flash("The disclosure could not be signed: this server does not hold the signing key. "
                      "Tell the operator.", "error")
                status = 503
        else:
            status = 400
    rows = [(r, json.loads(r.document), labor.log_index(s, r.id)) for r in labor.of_org(s, g.principal.org_id)] \
        if g.principal.role.value == "developer" else []
    return render_template("people/labor.html", form=form, rows=rows), status


def _row(disclosure_id: int):
    return labor.visible(db.session(), g.principal, disclosure_id)


@bp.get("/<int:disclosure_id>.json")
@login_required()
def document(disclosure_id: int):
    r = _row(disclosure_id)
    return Response(r.document.encode("utf-8"), mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="labor-disclosure-{r.quarter}-{r.id}.json"',
        "Link": f'<{url_for("labor.jws", disclosure_id=r.id)}>; rel="signature"'})


@bp.get("/<int:disclosure_id>.jws")
@login_required()
def jws(disclosure_id: int):
    r = _row(disclosure_id)
    return Response(r.jws, mimetype="application/jose", headers={
        "Content-Disposition": f'attachment; filename="labor-disclosure-{r.quarter}-{r.id}.jws"'})


@bp.get("/<int:disclosure_id>.txt")
@login_required()
def text(disclosure_id: int):
    r = _row(disclosure_id)
    body = labor_formats.text(json.loads(r.document),
                              json_url=url_for("labor.document", disclosure_id=r.id, _external=True),
                              jws_url=url_for("labor.jws", disclosure_id=r.id, _external=True))
    return Response(body, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="labor-disclosure-{r.quarter}-{r.id}.txt"'})


@bp.get("/<int:disclosure_id>.croissant.json")
@login_required()
def croissant(disclosure_id: int):
    r = _row(disclosure_id)
    meta = labor_formats.croissant(json.loads(r.document), url=url_for("labor.index", _external=True),
                                   json_url=url_for("labor.document", disclosure_id=r.id, _external=True),
                                   digest=r.digest)
    return Response(json.dumps(meta, indent=2, ensure_ascii=False), mimetype="application/ld+json", headers={
        "Content-Disposition": f'attachment; filename="labor-disclosure-{r.quarter}-{r.id}.croissant.json"'})
