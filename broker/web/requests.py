"""Developer pages: the request form (eligible offerings shown before submitting), the list
with reasons, positions and estimates, one request with its allocations' explanations and
receipts (downloadable, with how to verify one's treatment), and the quota picture."""
from __future__ import annotations

import json
from datetime import timezone
from decimal import Decimal, InvalidOperation

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from broker import db
from broker.auth.session_login import login_required
from broker.catalog.money import format_money, minor_exponent
from broker.catalog.vocabulary import EXPERTISE, MODALITIES, TASK_TYPES
from broker.clock import now
from broker.errors import ApiError
from broker.web.acting import attempt, form_ok
from broker.web.listing import page_of
from broker.extensions import limiter
from broker.models import OPEN_REQUEST_STATUSES, Offering, OrgKind
from broker.reports import receipt_signing
from broker.services import (eligibility, groups, notifications, offerings, prices, queries, receipts,
                             requests as svc, waiting)

bp = Blueprint("requests", __name__, url_prefix="/requests")
# An estimate runs the engine: ?estimate=1 on the list or on one request is limited like the API
# estimate (20 a minute per address, one budget for both pages); other views are not limited.
estimate_limit = limiter.shared_limit("20/minute", scope="web-estimate",
                                      exempt_when=lambda: not request.args.get("estimate"))


def _choices(terms: dict, empty: str | None = None) -> list[SelectChoice]:
    head = [SelectChoice("", empty)] if empty else []
    return head + [SelectChoice(k, v) for k, v in terms.items()]


class RequestForm(FlaskForm):
    task_type = SelectField("Task type", choices=_choices(TASK_TYPES), validators=[DataRequired()])
    modality = SelectField("Modality", choices=_choices(MODALITIES, "Any"), validators=[Optional()])
    expertise = SelectField("Expertise", choices=_choices(EXPERTISE, "Any"), validators=[Optional()])
    language = StringField("Language (BCP 47, e.g. en or pt-BR)", validators=[Optional(), Length(max=16)])
    units = IntegerField("Units", validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    max_unit_price = StringField("Maximum unit price", validators=[DataRequired(), Length(max=20)])
    currency = StringField("Currency", default="USD", validators=[DataRequired(), Length(min=3, max=3)])
    deadline = DateTimeLocalField("Deadline (UTC, optional)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    earliest_start = DateTimeLocalField("Earliest start (UTC, optional)", format="%Y-%m-%dT%H:%M",
                                        validators=[Optional()])
    preferred_vendor_ids = SelectMultipleField("Only these vendors (optional)", coerce=int, validators=[Optional()])
    excluded_vendor_ids = SelectMultipleField("Never these vendors (optional)", coerce=int, validators=[Optional()])
    instructions_ref = StringField("Instructions reference (URL or document id)", validators=[Optional(), Length(max=500)])


def _vendors(s) -> list[SelectChoice]:
    return [SelectChoice(o.id, o.name) for o in queries.orgs_by_name(s, OrgKind.vendor)]


def _form(s, obj=None) -> RequestForm:
    form = RequestForm(obj=obj)
    vendors = _vendors(s)
    form.preferred_vendor_ids.choices = vendors
    form.excluded_vendor_ids.choices = vendors
    return form


def _minor(text: str, currency: str) -> int:
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ApiError("max_unit_price: not a number.", status=422) from None
    minor = value * (10 ** minor_exponent(currency))
    if not value.is_finite() or minor != minor.to_integral_value() or minor <= 0:
        raise ApiError("max_unit_price: a positive amount with at most "
                       f"{minor_exponent(currency)} decimals.", status=422)
    return int(minor)


def _fields(form: RequestForm) -> dict:
    currency = (form.currency.data or "").strip().upper()
    utc = lambda d: d.replace(tzinfo=timezone.utc) if d else None  # noqa: E731
    return {"task_type": form.task_type.data, "modality": form.modality.data or None,
            "expertise": form.expertise.data or None, "language": (form.language.data or "").strip() or None,
            "units": form.units.data, "max_unit_price_minor": _minor(form.max_unit_price.data, currency),
            "currency": currency, "deadline": utc(form.deadline.data),
            "earliest_start": utc(form.earliest_start.data),
            "preferred_vendor_ids": form.preferred_vendor_ids.data or [],
            "excluded_vendor_ids": form.excluded_vendor_ids.data or [],
            "instructions_ref": form.instructions_ref.data or ""}


def _preview(s, fields: dict):
    c = eligibility.Criteria(task_type=fields["task_type"], currency=fields["currency"],
                             max_unit_price_minor=fields["max_unit_price_minor"], language=fields["language"],
                             expertise=fields["expertise"], modality=fields["modality"],
                             preferred_vendor_ids=tuple(fields["preferred_vendor_ids"]),
                             excluded_vendor_ids=tuple(fields["excluded_vendor_ids"]))
    return eligibility.resolve(s, c, now())


def _form_flow(s, form, editing, save):
    """The request form, new or edited: a valid POST previews the eligible offerings; with
    action=submit it also saves (``save(fields)`` returns the flash text and the request id)."""
    resolution = None
    if form.validate_on_submit():
        try:
            fields = _fields(form)
            resolution = _preview(s, fields)
            if request.form.get("action") == "submit":
                with db.transaction(s):
                    message, request_id = save(fields)
                flash(message)
                return redirect(url_for("requests.detail", request_id=request_id))
        except ApiError as e:
            flash(e.detail, "error")
            return render_template("requests/form.html", form=form, resolution=resolution, editing=editing), 422
    elif request.method == "POST":
        return render_template("requests/form.html", form=form, resolution=None, editing=editing), 422
    return render_template("requests/form.html", form=form, resolution=resolution, editing=editing)


def _preselect(s, form: RequestForm, offering_id: int):
    """"Request this": the form starts from one offering — its task type, modality,
    expertise, first language, current price and currency, and its vendor as the only one."""
    off = s.get(Offering, offering_id)
    if off is None or off.status != "active":
        return None
    form.task_type.data, form.modality.data, form.expertise.data = off.task_type, off.modality, off.expertise
    langs = offerings.languages_of(s, off.id)
    form.language.data = langs[0] if langs else ""
    price = prices.current(s, off.id, now())
    if price is not None:
        form.currency.data = price.currency
        form.max_unit_price.data = str(Decimal(price.amount_minor).scaleb(-minor_exponent(price.currency)))
    form.preferred_vendor_ids.data = [off.vendor_org_id]
    return off


@bp.route("/new", methods=["GET", "POST"])
@login_required("developer")
def new():
    s = db.session()
    form = _form(s)
    chosen = None
    offering_id = request.values.get("offering", type=int)
    if offering_id:
        chosen = s.get(Offering, offering_id) if request.method == "POST" else _preselect(s, form, offering_id)
    g.preselected = chosen

    def save(fields):
        req = svc.create(s, g.principal, fields)
        return f"Request R-{req.id} submitted.", req.id

    return _form_flow(s, form, None, save)


@bp.route("/<int:request_id>/edit", methods=["GET", "POST"])
@login_required("developer")
def edit(request_id: int):
    s = db.session()
    req = svc.get(s, g.principal, request_id)
    form = _form(s, obj=req)
    if request.method == "GET":
        exp = minor_exponent(req.currency)
        form.max_unit_price.data = str(Decimal(req.max_unit_price_minor).scaleb(-exp))
        form.deadline.data = req.deadline.replace(tzinfo=None) if req.deadline else None
        form.earliest_start.data = req.earliest_start.replace(tzinfo=None) if req.earliest_start else None

    def save(fields):
        svc.edit(s, g.principal, req.id, fields)
        return f"Request R-{req.id} updated.", req.id

    return _form_flow(s, form, req, save)


@bp.get("")
@estimate_limit
@login_required("developer")
def index():
    s = db.session()
    rows, next_cursor = page_of("requests", lambda after, limit: svc.list_for(s, g.principal, after_id=after,
                                                                               limit=limit))
    open_ = [r for r in rows if r.status in OPEN_REQUEST_STATUSES]
    estimates = waiting.estimates_for(s, open_) if open_ and request.args.get("estimate") else {}
    items = []
    offerings = queries.offering_titles_by_request(s, [r.id for r in rows])
    for r in rows:
        reason = waiting.reason_of(s, r)
        est = estimates.get(r.id)
        items.append({"req": r, "reason": reason, "why": waiting.explain(s, r, reason) if reason else None,
                      "offerings": offerings.get(r.id, []),
                      # a 0-unit estimate always says why and what would change it
                      "estimate_words": waiting.explain(s, r, reason, estimate=est) if est and not est["units"]
                      else None})
    return render_template("requests/index.html", items=items, estimates=estimates,
                           label=waiting.ESTIMATE_LABEL, money=format_money, next_cursor=next_cursor,
                           filters={"estimate": "1"} if request.args.get("estimate") else {})


@bp.get("/<int:request_id>")
@estimate_limit
@login_required("developer")
def detail(request_id: int):
    s = db.session()
    req = svc.get(s, g.principal, request_id)
    allocs = queries.allocations_with_orders(s, req.id)
    estimate = waiting.estimate(s, req) if request.args.get("estimate") and req.status in OPEN_REQUEST_STATUSES else None
    reason = waiting.reason_of(s, req)
    return render_template("requests/detail.html", req=req, reason=reason,
                           explanation=waiting.explain(s, req, reason),
                           estimate_words=waiting.explain(s, req, reason, estimate=estimate) if estimate else None,
                           allocations=allocs, estimate=estimate,
                           money=format_money, resolution=eligibility.resolve(s, eligibility.Criteria.of(req), now()),
                           receipts=[(r, json.loads(r.payload)) for r in receipts.of_request(s, req.id)],
                           base_url=request.url_root.rstrip("/"))


@bp.get("/<int:request_id>/receipts/<int:seq>.<any(jws, json):kind>")
@login_required("developer")
def receipt_file(request_id: int, seq: int, kind: str):
    """A receipt to keep: its compact JWS, or its RFC 8785 payload (the bytes the JWS signs)."""
    s = db.session()
    svc.get(s, g.principal, request_id)  # 404 unless it is the developer's own
    row = next((r for r in receipts.of_request(s, request_id) if r.seq == seq), None)
    if row is None:
        abort(404)
    body, mimetype = ((receipt_signing.jws(s, row.payload) or "", "application/jose") if kind == "jws"
                      else (row.payload, "application/json"))
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="request-{request_id}-receipt-{seq}.{kind}"'})


@bp.post("/<int:request_id>/cancel")
@login_required("developer")
def cancel(request_id: int):
    if not form_ok(FlaskForm()):
        return redirect(url_for("requests.detail", request_id=request_id))
    if request.form.get("confirmed") != "yes":
        # Destructive: a page that says what will happen, whose button POSTs again with
        # confirmed=yes (no JavaScript needed).
        req = svc.get(db.session(), g.principal, request_id)
        left = req.units - req.units_allocated
        return render_template(
            "admin/confirm.html", button="Cancel the request",
            text=(f"Cancel request R-{req.id}: the {left:,} units still asked for will no longer be considered by "
                  f"any round. Units already allocated ({req.units_allocated:,}) stay allocated. You get a signed "
                  "receipt of the cancellation. This cannot be undone."),
            action=url_for("requests.cancel", request_id=request_id),
            back=url_for("requests.detail", request_id=request_id))
    attempt(lambda s: svc.cancel(s, g.principal, request_id), f"Request R-{request_id} cancelled.")
    return redirect(url_for("requests.detail", request_id=request_id))


@bp.get("/quota")
@login_required("developer")
def quota():
    s = db.session()
    return render_template("requests/quota.html", q=groups.quota(s, g.principal.org_id))


@bp.app_context_processor
def _dashboard_helpers():
    def developer_dashboard():
        s = db.session()
        p = g.principal
        rows = svc.list_for(s, p, limit=10)
        news = notifications.since_last_visit(s, g.user)
        with db.transaction(s):
            notifications.mark_seen(s, g.user)
        return {"requests": [{"req": r, "reason": waiting.reason_of(s, r)} for r in rows],  # reason_text: short
                "news": news, "quota": groups.quota(s, p.org_id)}

    return {"developer_dashboard": developer_dashboard}
