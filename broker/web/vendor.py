"""Vendor-side pages: profile, offerings, prices, capacity and workforce disclosures.

Views only turn forms into service calls; a refused change shows the services' field errors
and writes nothing (each change is one ``db.transaction``).
"""
from __future__ import annotations

import re

from flask import Blueprint, flash, g, redirect, render_template, url_for
from sqlmodel import select

from broker import db
from broker.access.principal import get_owned
from broker.auth.session_login import login_required
from broker.catalog import money, payfloor, vocabulary
from broker.clock import now
from broker.errors import ApiError
from broker.models import Offering
from broker.periods import period_of, periods_from
from broker.services import capacity, catalog, offerings, prices, vendors, workforce
from broker.web import NAV
from broker.web.vendor_forms import (CapacityForm, DisclosureForm, NewOfferingForm, OfferingForm, PriceForm,
                                     ProfileForm, SelectChoice, offering_fields)

bp = Blueprint("vendor", __name__, url_prefix="/vendor")
NAV.append(("vendor.home", "My listings", "vendor"))
PERIODS_SHOWN = 8


def _refused(e: ApiError) -> None:
    flash(e.detail, "error")
    for err in e.errors or []:
        flash(f"{err['field'].replace('_', ' ')}: {err['message']}", "error")


def _money(text: str, currency: str, field: str) -> int:
    try:
        return money.parse_money(text, (currency or "").upper())
    except ValueError as e:
        raise offerings.invalid([{"field": field, "message": str(e)}]) from None


@bp.app_template_global()
def vendor_overview(org_id: int) -> list[dict]:
    """The vendor's offerings with current price and the next periods' capacity (dashboard)."""
    s = db.session()
    t = now()
    periods = periods_from(period_of(t), 2)
    out = []
    for o in s.exec(select(Offering).where(Offering.vendor_org_id == org_id).order_by(Offering.id)):
        caps = {c.period: c.units for c in capacity.of_offering(s, o.id, periods[0])}
        out.append({"offering": o, "price": prices.current(s, o.id, t),
                    "capacity": [(p, caps.get(p)) for p in periods]})
    return out


@bp.app_template_global()
def vendor_disclosure_summary(org_id: int) -> dict | None:
    s = db.session()
    latest = workforce.of_vendor(s, org_id)[:1]
    return {"quarter": latest[0].quarter, **workforce.summary(latest[0], catalog.pay_floor(s), catalog.floor_table(s))} if latest else None


@bp.get("")
@login_required("vendor")
def home():
    return render_template("vendor/home.html", rows=vendor_overview(g.principal.org_id),
                           disclosure=vendor_disclosure_summary(g.principal.org_id), vocab=vocabulary)


_WHOLE = re.compile(r"^[+-]?\d{1,15}$")


def _typed(text, kind):
    """A typed box → the value the API would carry; what does not parse goes to the service as
    typed, which refuses it with the same message as a wrong value sent to the API."""
    if kind is bool or kind is list or isinstance(kind, dict):
        return text
    text = (text or "").strip()
    if text == "":
        return None
    if kind is int and _WHOLE.match(text):
        return int(text)
    if kind is float:
        try:
            value = float(text)
            return int(value) if value.is_integer() else value
        except ValueError:
            return text
    return text


def _offering_data(form) -> dict:
    """The form as the service's input: the same shape as the API's body (OfferingCreate)."""
    data: dict = {}
    for form_name, (name, group, kind) in offering_fields().items():
        value = _typed(getattr(form, form_name).data, kind)
        if group is not None:
            if value is not None:  # an empty box is "not given"; a switch is always given
                data.setdefault(group, {})[name] = value
            continue
        data[name] = value
    data["title"] = (data.get("title") or "").strip()
    data["description"] = data.get("description") or ""
    data["languages"] = [x.strip() for x in (form.languages.data or "").split(",") if x.strip()]
    if data.get("security", {}).get("data_residency"):
        data["security"]["data_residency"] = data["security"]["data_residency"].upper()
    if not data.get("security", {}).get("iso27001"):
        data.get("security", {}).pop("iso27001", None)
    pay_currency = (data.get("pay_currency") or "").upper() or None
    data["pay_currency"] = pay_currency
    pay = (form.hourly_pay.data or "").strip()
    data["effective_hourly_pay_minor"] = _money(pay, pay_currency or "USD", "effective_hourly_pay_minor") if pay else None
    if not data.get("content_classes"):
        data["content_classes"], data["exposure"] = [], {}
    return data


def _show_errors(form, e: ApiError) -> None:
    """Put the service's field errors next to their boxes (``quality.redundancy`` → redundancy)."""
    fields = offering_fields()
    by_model = {(group + "." if group else "") + name: form_name for form_name, (name, group, _k) in fields.items()}
    for err in e.errors or []:
        key = err["field"]
        target = by_model.get(key) or by_model.get(key.split(".")[0])
        if target is not None and target in form._fields:
            form[target].errors = [*(form[target].errors or []), err["message"]]


def _offering_prefill(s, o: Offering) -> dict:
    values = {}
    for form_name, (name, group, kind) in offering_fields().items():
        if group is not None:
            v = (getattr(o, group) or {}).get(name)
            values[form_name] = ("none" if isinstance(kind, dict) else "") if v is None else (
                v if kind is bool or isinstance(kind, dict) else f"{v:g}" if isinstance(v, float) else str(v))
    values["languages"] = ", ".join(offerings.languages_of(s, o.id))
    values["hourly_pay"] = money.decimal_string(o.effective_hourly_pay_minor, o.pay_currency) \
        if o.effective_hourly_pay_minor else ""
    values["turnaround_days"] = str(o.turnaround_days)
    values["annotator_share"] = f"{o.annotator_share:g}" if o.annotator_share is not None else ""
    return values


@bp.route("/offerings/new", methods=["GET", "POST"])
@login_required("vendor")
def new_offering():
    form = NewOfferingForm()
    if form.validate_on_submit():
        s = db.session()
        try:
            with db.transaction(s):
                data = _offering_data(form)
                currency = form.currency.data.strip().upper()
                amount = _money(form.price.data, currency, "price")
                o = offerings.create(s, g.principal, data)
                prices.set_price(s, g.principal, o.id, amount_minor=amount, currency=currency, now=now())
                if form.capacity.data is not None:
                    capacity.set_capacity(s, g.principal, o.id, period=period_of(now()), units=form.capacity.data,
                                          now=now())
            flash(f"Offering “{o.title}” is listed.")
            return redirect(url_for("vendor.edit_offering", offering_id=o.id))
        except ApiError as e:
            _refused(e)
            _show_errors(form, e)
            return render_template("vendor/offering_new.html", form=form), e.status
    status = 400 if form.is_submitted() else 200
    return render_template("vendor/offering_new.html", form=form), status


def _edit_context(s, o: Offering, form=None, price_form=None, cap_form=None) -> dict:
    t = now()
    history = prices.history(s, o.id)
    current = prices.current(s, o.id, t)
    if form is None:
        form = OfferingForm(obj=o, **_offering_prefill(s, o))
    price_form = price_form or PriceForm(currency=current.currency if current else "USD")
    cap_form = cap_form or CapacityForm()
    cap_form.period.choices = _period_choices(t)
    caps = {c.period: c.units for c in capacity.of_offering(s, o.id, period_of(t))}
    cap_rows = [(p, caps.get(p), *capacity.committed(s, o.id, p)) for p in periods_from(period_of(t), PERIODS_SHOWN)]
    from broker.web.catalog import price_chart

    svg, _ = price_chart(s, o)
    return {"o": o, "form": form, "price_form": price_form, "cap_form": cap_form, "history": history,
            "current": current, "cap_rows": cap_rows, "svg": svg}


def _period_choices(t) -> list[SelectChoice]:
    return [SelectChoice(p, p) for p in periods_from(period_of(t), PERIODS_SHOWN)]


def _own(s, offering_id: int) -> Offering:
    return get_owned(s, Offering, offering_id, g.principal, column="vendor_org_id", what="offering")


@bp.route("/offerings/<int:offering_id>", methods=["GET", "POST"])
@login_required("vendor")
def edit_offering(offering_id: int):
    s = db.session()
    o = _own(s, offering_id)
    form = OfferingForm()
    if form.validate_on_submit():
        try:
            with db.transaction(s):
                offerings.update(s, g.principal, o.id, _offering_data(form))
            flash("Offering saved.")
            return redirect(url_for("vendor.edit_offering", offering_id=o.id))
        except ApiError as e:
            _refused(e)
            _show_errors(form, e)
            return render_template("vendor/offering_edit.html", **_edit_context(s, o, form=form)), e.status
    if form.is_submitted():
        return render_template("vendor/offering_edit.html", **_edit_context(s, o, form=form)), 400
    return render_template("vendor/offering_edit.html", **_edit_context(s, o))


@bp.post("/offerings/<int:offering_id>/price")
@login_required("vendor")
def set_price(offering_id: int):
    s = db.session()
    o = _own(s, offering_id)
    form = PriceForm()
    if form.validate_on_submit():
        try:
            with db.transaction(s):
                currency = form.currency.data.strip().upper()
                p = prices.set_price(s, g.principal, o.id, amount_minor=_money(form.amount.data, currency, "amount"),
                                     currency=currency, now=now())
            flash(f"New price {money.format_money(p.amount_minor, p.currency)} is in effect; the old one is kept in the history.")
            return redirect(url_for("vendor.edit_offering", offering_id=o.id))
        except ApiError as e:
            _refused(e)
            return render_template("vendor/offering_edit.html", **_edit_context(s, o, price_form=form)), e.status
    return render_template("vendor/offering_edit.html", **_edit_context(s, o, price_form=form)), 400


@bp.post("/offerings/<int:offering_id>/capacity")
@login_required("vendor")
def set_capacity(offering_id: int):
    s = db.session()
    o = _own(s, offering_id)
    form = CapacityForm()
    form.period.choices = _period_choices(now())
    if form.validate_on_submit():
        try:
            with db.transaction(s):
                capacity.set_capacity(s, g.principal, o.id, period=form.period.data, units=form.units.data, now=now())
            flash(f"Capacity for {form.period.data} set to {form.units.data} units.")
            return redirect(url_for("vendor.edit_offering", offering_id=o.id))
        except ApiError as e:
            _refused(e)
            return render_template("vendor/offering_edit.html", **_edit_context(s, o, cap_form=form)), e.status
    return render_template("vendor/offering_edit.html", **_edit_context(s, o, cap_form=form)), 400


def _country_pay(text: str) -> dict:
    """Lines ``KE = 3.50 USD`` → {"KE": {"hourly_pay_minor": 350, "currency": "USD"}}."""
    out = {}
    for i, line in enumerate((text or "").splitlines()):
        if not line.strip():
            continue
        cc, sep, rest = line.partition("=")
        parts = rest.split()
        if not sep or len(parts) != 2:
            raise offerings.invalid([{"field": "pay_by_country",
                                      "message": f"line {i + 1}: write it as country = amount currency (KE = 3.50 USD)"}])
        currency = parts[1].upper()
        out[cc.strip().upper()] = {"hourly_pay_minor": _money(parts[0], currency, "pay_by_country"), "currency": currency}
    return out


def _lines(text: str, field: str) -> list[tuple[str, float]]:
    out = []
    for i, line in enumerate((text or "").splitlines()):
        if not line.strip():
            continue
        name, sep, value = line.rpartition("=")
        try:
            if not sep:
                raise ValueError
            out.append((name.strip(), float(value.strip().rstrip("%"))))
        except ValueError:
            raise offerings.invalid([{"field": field, "message": f"line {i + 1}: write it as name = percent"}]) from None
    return out


@bp.route("/profile", methods=["GET", "POST"])
@login_required("vendor")
def profile():
    s = db.session()
    current = vendors.get_profile(s, g.principal.org_id)
    form = ProfileForm(obj=current) if current and not _posted() else ProfileForm()
    if current and not _posted():
        form.certifications.data = ", ".join(current.certifications)
        form.ownership.data = "\n".join(f"{o['holder']} = {o['percent']:g}" for o in current.ownership)
    if form.validate_on_submit():
        try:
            data = {k: getattr(form, k).data or "" for k in ("legal_name", "vendor_kind", "description", "website",
                                                            "grievance_contact", "other_affiliations")}
            data["hq_country"] = form.hq_country.data.strip().upper()
            data["certifications"] = [c.strip() for c in (form.certifications.data or "").split(",") if c.strip()]
            data["ownership"] = [{"holder": h, "percent": p} for h, p in _lines(form.ownership.data, "ownership")]
            with db.transaction(s):
                vendors.save_profile(s, g.principal, g.principal.org_id, data, now())
            flash("Profile saved.")
            return redirect(url_for("vendor.home"))
        except ApiError as e:
            _refused(e)
            return render_template("vendor/profile.html", form=form), e.status
    return render_template("vendor/profile.html", form=form), 400 if _posted() else 200


def _posted() -> bool:
    from flask import request

    return request.method == "POST"


@bp.route("/disclosure", methods=["GET", "POST"])
@login_required("vendor")
def disclosure():
    s = db.session()
    form = DisclosureForm()
    if not _posted():
        from broker.catalog.workforce import quarter_of

        form.quarter.data = quarter_of(now().year, now().month)
    if form.validate_on_submit():
        try:
            currency = form.pay_currency.data.strip().upper()
            mix = {k: float(getattr(form, f"mix_{k}").data) for k in vocabulary.EMPLOYMENT_TYPES
                   if getattr(form, f"mix_{k}").data}
            data = {"headcount": form.headcount.data, "employment_mix": mix,
                    "countries": {c.upper(): v for c, v in _lines(form.countries.data, "countries")},
                    "median_hourly_pay_minor": _money(form.median_pay.data, currency, "median_pay"),
                    "pay_currency": currency, "pay_by_country": _country_pay(form.country_pay.data),
                    "share_below_minimum_wage": float(form.share_below_minimum_wage.data),
                    "share_below_living_wage": float(form.share_below_living_wage.data),
                    "time_estimate_shown": form.time_estimate_shown.data, "payment_days": form.payment_days.data,
                    "harmful_content_protections": form.harmful_content_protections.data or "",
                    "representation": form.representation.data or "",
                    "share_domain_experts": float(form.share_domain_experts.data),
                    "fairwork_principles": form.fairwork_principles.data or [],
                    "attestation": form.attestation.data, "attested_by": form.attested_by.data or ""}
            with db.transaction(s):
                d = workforce.submit(s, g.principal, g.principal.org_id, form.quarter.data.strip(), data, now())
                summary = workforce.summary(d, catalog.pay_floor(s), catalog.floor_table(s))
            flash(f"Disclosure for {d.quarter} saved: {summary['completeness']}% complete; "
                  f"{payfloor.LABELS[summary['pay_floor']]}.")
            return redirect(url_for("vendor.home"))
        except ApiError as e:
            _refused(e)
            return render_template("vendor/disclosure.html", form=form), e.status
    return render_template("vendor/disclosure.html", form=form), 400 if _posted() else 200
