"""The vendor pages' forms (Flask-WTF: CSRF on every one). They only shape input; the
rules live in the services, whose field errors are shown next to the form."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (BooleanField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TextAreaField, widgets)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from broker.catalog import vocabulary


def _choices(terms: dict) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in terms.items()]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class OfferingForm(FlaskForm):
    """The fields of models.offering.OfferingBase as a vendor types them. Only their shape is
    here (an empty box is "not given"); the rules are services.offerings', whose field errors
    the page shows."""

    title = StringField("Title")
    task_type = SelectField("Task type", choices=_choices(vocabulary.TASK_TYPES))
    modality = SelectField("Modality", choices=_choices(vocabulary.MODALITIES))
    languages = StringField("Languages (BCP 47, comma-separated)")
    expertise = SelectField("Domain expertise", choices=_choices(vocabulary.EXPERTISE))
    unit = SelectField("Unit", choices=_choices(vocabulary.UNITS))
    description = TextAreaField("Description")
    turnaround_days = IntegerField("Turnaround (days)", validators=[Optional()])
    calibration_required = BooleanField("Calibration required before work starts")
    gold_tasks = BooleanField("Gold tasks")
    redundancy = IntegerField("Redundancy (judgements per item)", validators=[Optional()])
    consensus = SelectField("Consensus method", choices=_choices(vocabulary.CONSENSUS_METHODS))
    agreement_metric = SelectField("Agreement metric", choices=_choices(vocabulary.AGREEMENT_METRICS))
    data_residency = StringField("Data residency (country code or EU)")
    nda = BooleanField("Workers sign an NDA")
    secure_facility = BooleanField("Work done in a secure facility")
    pii_allowed = BooleanField("Personal data may be processed")
    content_risk = SelectField("Content risk", choices=_choices(vocabulary.CONTENT_RISK))
    hourly_pay = StringField("Effective hourly pay of annotators", validators=[Optional(), Length(max=20)])
    pay_currency = StringField("Pay currency (ISO 4217)")
    annotator_share = DecimalField("Share of the price reaching annotators (%)", places=2, validators=[Optional()])


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
