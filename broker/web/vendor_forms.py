"""The vendor pages' forms (Flask-WTF: CSRF on every one). They only shape input; the
rules live in the services, whose field errors are shown next to the form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, widgets)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from broker.catalog import exposure as exposure_rules
from broker.catalog import vocabulary
from broker.models.offering import OfferingBase
from broker.services import offerings as offering_rules


def _choices(terms: dict) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in terms.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# How a vendor types each field of models.offering.OfferingBase (and of its JSON fields'
# facts, services.offerings.NESTED): only a label each. The fields themselves, their kinds and
# vocabularies come from the model family and the service; the rules are the service's alone
# (services.offerings.validate), so the page and the API refuse the same inputs with the same
# messages. ``effective_hourly_pay_minor`` is typed as an amount (``hourly_pay``).
LABELS = {
    "title": "Title", "task_type": "Task type", "modality": "Modality", "expertise": "Domain expertise",
    "unit": "Unit", "description": "Description", "turnaround_days": "Turnaround (days)",
    "calibration_required": "Calibration required before work starts", "content_risk": "Content risk",
    "effective_hourly_pay_minor": "Effective hourly pay of annotators",
    "pay_currency": "Pay currency (ISO 4217)", "annotator_share": "Share of the price reaching annotators (%)",
    "content_classes": "Harmful content the work shows",
    "languages": "Languages (BCP 47, comma-separated)",
    # quality
    "gold_tasks": "Gold tasks", "redundancy": "Redundancy (judgements per item)", "consensus": "Consensus method",
    "agreement_metric": "Agreement metric",
    # security
    "data_residency": "Data residency (country code or EU)", "nda": "Workers sign an NDA",
    "secure_facility": "Work done in a secure facility", "pii_allowed": "Personal data may be processed",
    "iso27001": "ISO 27001 certified",
    # exposure
    "workers_assigned": "Workers assigned", "weekly_hours_per_worker": "Weekly exposure hours per worker",
    "minutes_per_unit": "Minutes per unit", "counselling": "Counselling offered",
    "opt_out_without_penalty": "Opt-out without penalty", "rotation": "Rotation off harmful content",
}
# Form field name → the model's (or the nested fact's "group.key") name, and back.
FORM_NAME = {"effective_hourly_pay_minor": "hourly_pay"}
TEXTAREAS = {"description"}


def _kind_of(name: str, annotation):
    if name in offering_rules.VOCABULARIES:
        return offering_rules.VOCABULARIES[name]
    if name == "content_classes":
        return list
    for kind in (bool, int, float, str, dict, list):
        if annotation is kind or kind in getattr(annotation, "__args__", ()):
            return kind
    raise TypeError(f"OfferingBase.{name}: no form field for {annotation!r}")


def _field(label: str, kind):
    if kind is bool:
        return BooleanField(label)
    # validate_choice=False: a term outside the vocabulary reaches the service, which refuses
    # it with the message the API gives.
    if kind is list:
        return MultiCheckboxField(label, choices=_choices(exposure_rules.CONTENT_CLASSES), validate_choice=False)
    if isinstance(kind, dict):
        return SelectField(label, choices=_choices(kind), validate_choice=False)
    return StringField(label)  # numbers and text are typed; the service judges them


def offering_fields() -> dict[str, tuple[str, str | None, object]]:
    """form field name → (model field, nested group or None, kind), in the model's order."""
    out = {}
    for name, info in OfferingBase.model_fields.items():
        kind = _kind_of(name, info.annotation)
        if name in offering_rules.NESTED:
            for key, sub in offering_rules.NESTED[name].items():
                out[key] = (key, name, sub)
            continue
        out[FORM_NAME.get(name, name)] = (name, None, kind)
    out["languages"] = ("languages", None, str)
    return out


def _build_offering_form() -> type[FlaskForm]:
    attrs = {}
    for form_name, (name, _group, kind) in offering_fields().items():
        label = LABELS.get(name)
        if label is None:
            raise TypeError(f"offering field {name!r} has no label in vendor_forms.LABELS")
        attrs[form_name] = TextAreaField(label) if name in TEXTAREAS else _field(label, kind)
    return type("OfferingForm", (FlaskForm,), {"__doc__": "The fields of models.offering.OfferingBase "
                                                          "as a vendor types them (see LABELS).", **attrs})


OfferingForm = _build_offering_form()


class NewOfferingForm(OfferingForm):
    price = StringField("Price per unit", validators=[DataRequired(), Length(max=20)])
    currency = StringField("Price currency (ISO 4217)", default="USD", validators=[DataRequired(), Length(min=3, max=3)])
    capacity = IntegerField("Capacity this period (units)", validators=[Optional(), NumberRange(0, 1_000_000_000)])


class PriceForm(FlaskForm):
    amount = StringField("New price per unit", validators=[DataRequired(), Length(max=20)])
    currency = StringField("Currency", validators=[DataRequired(), Length(min=3, max=3)])


class CapacityForm(FlaskForm):
    period = SelectField("Period")
    units = IntegerField("Units", validators=[InputRequired(),
                                              NumberRange(0, 1_000_000_000)])


class ProfileForm(FlaskForm):
    legal_name = StringField("Legal name", validators=[DataRequired(), Length(max=200)])
    vendor_kind = SelectField("Kind of vendor", choices=_choices(vocabulary.VENDOR_KINDS))
    hq_country = StringField("Headquarters country (ISO 3166-1 code)", validators=[DataRequired(), Length(min=2, max=2)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)])
    website = StringField("Website", validators=[Optional(), Length(max=500)])
    certifications = StringField("Certifications (comma-separated)", validators=[Optional(), Length(max=2000)])
    grievance_contact = StringField("Grievance contact for workers", validators=[Optional(), Length(max=500)])
    ownership = TextAreaField("Owners above 5% (one per line: name = percent)", validators=[Optional(), Length(max=4000)])
    other_affiliations = TextAreaField("Other affiliations", validators=[Optional(), Length(max=2000)])


class DisclosureForm(FlaskForm):
    quarter = StringField("Quarter (e.g. 2026-Q3)", validators=[DataRequired(), Length(max=7)])
    headcount = IntegerField("Headcount", validators=[DataRequired(), NumberRange(1, 10_000_000)])
    mix_employee = DecimalField("Employees (%)", validators=[Optional()])
    mix_contractor = DecimalField("Contractors (%)", validators=[Optional()])
    mix_crowd = DecimalField("Crowd workers (%)", validators=[Optional()])
    mix_other = DecimalField("Other (%)", validators=[Optional()])
    countries = TextAreaField("Countries and share of workers (one per line: KE = 40)", validators=[Optional(), Length(max=4000)])
    median_pay = StringField("Median effective hourly pay", validators=[DataRequired(), Length(max=20)])
    country_pay = TextAreaField("Median hourly pay in each country (one per line: KE = 3.50 USD)",
                                validators=[Optional(), Length(max=4000)])
    pay_currency = StringField("Pay currency (ISO 4217)", default="USD", validators=[DataRequired(), Length(min=3, max=3)])
    share_below_minimum_wage = DecimalField("Share paid below the local minimum wage (%)", validators=[InputRequired(), NumberRange(0, 100)])
    share_below_living_wage = DecimalField("Share paid below the local living wage (%)", validators=[InputRequired(), NumberRange(0, 100)])
    time_estimate_shown = BooleanField("A time estimate is shown before a task is accepted")
    payment_days = IntegerField("Days from task to payment", validators=[Optional(), NumberRange(0, 365)])
    harmful_content_protections = TextAreaField("Protections for harmful content", validators=[Optional(), Length(max=2000)])
    representation = TextAreaField("Worker representation", validators=[Optional(), Length(max=2000)])
    share_domain_experts = DecimalField("Share of domain experts (%)", validators=[InputRequired(), NumberRange(0, 100)])
    fairwork_principles = MultiCheckboxField("Fairwork principles met", choices=_choices(vocabulary.FAIRWORK_PRINCIPLES))
    attestation = SelectField("Attestation", choices=_choices(vocabulary.ATTESTATIONS))
    attested_by = StringField("Attested by", validators=[Optional(), Length(max=200)])
