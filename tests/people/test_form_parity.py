"""Issue 13's leftover: the vendor page's offering form takes its fields from the offering
model family and its rules from services.offerings alone, so the page and the API refuse the
same inputs with the same messages."""
from __future__ import annotations

import html
import re

import pytest

from broker.models import Offering
from broker.models.offering import OfferingBase
from broker.services import offerings as rules
from broker.web.vendor_forms import OfferingForm, offering_fields
from tests.builders import OFFERING
from tests.helpers import auth, csrf_from, login

API = {**OFFERING, "effective_hourly_pay_minor": 950, "pay_currency": "USD"}
FORM = {"title": OFFERING["title"], "task_type": OFFERING["task_type"], "modality": OFFERING["modality"],
        "languages": "en", "expertise": "general", "unit": OFFERING["unit"], "turnaround_days": "3",
        "gold_tasks": "y", "redundancy": "3", "consensus": "majority", "agreement_metric": "none",
        "content_risk": "none", "hourly_pay": "9.50", "pay_currency": "USD", "price": "1.00", "currency": "USD"}
EXPOSURE = {"workers_assigned": 6, "weekly_hours_per_worker": 20, "minutes_per_unit": 15,
            "counselling": True, "opt_out_without_penalty": False, "rotation": True}
EXPOSURE_FORM = {"workers_assigned": "6", "weekly_hours_per_worker": "20", "minutes_per_unit": "15",
                 "counselling": "y", "rotation": "y"}

# (what the API gets, what the form gets): the same bad input each way.
CASES = [
    ({"title": "x"}, {"title": "x"}),
    ({"title": "   "}, {"title": "   "}),
    ({"turnaround_days": 366}, {"turnaround_days": "366"}),
    ({"languages": ["!!"]}, {"languages": "!!"}),
    ({"annotator_share": 101}, {"annotator_share": "101"}),
    ({"task_type": "astrology"}, {"task_type": "astrology"}),
    ({"unit": "bucket"}, {"unit": "bucket"}),
    ({"quality": {**OFFERING["quality"], "redundancy": 51}}, {"redundancy": "51"}),
    ({"quality": {**OFFERING["quality"], "consensus": "coin_toss"}}, {"consensus": "coin_toss"}),
    ({"security": {"data_residency": "XX"}}, {"data_residency": "XX"}),
    ({"pay_currency": "ZZZ"}, {"pay_currency": "ZZZ"}),
    ({"content_classes": ["gore"], "exposure": EXPOSURE}, {"content_classes": ["gore"], **EXPOSURE_FORM}),
    ({"content_classes": ["violence"]}, {"content_classes": ["violence"]}),
    ({"content_classes": ["hate"], "exposure": {**EXPOSURE, "weekly_hours_per_worker": 30}},
     {"content_classes": ["hate"], **EXPOSURE_FORM, "weekly_hours_per_worker": "30"}),
    ({"content_classes": ["sexual"], "exposure": {**EXPOSURE, "minutes_per_unit": 0}},
     {"content_classes": ["sexual"], **EXPOSURE_FORM, "minutes_per_unit": "0"}),
]


def test_the_form_has_a_field_for_every_field_of_the_model():
    fields = offering_fields()
    model_names = {(g + "." if g else "") + n for n, g, _k in fields.values()}
    for name in OfferingBase.model_fields:
        if name in rules.NESTED:
            assert {f"{name}.{k}" for k in rules.NESTED[name]} <= model_names
        else:
            assert name in model_names, name
    assert all(hasattr(OfferingForm, f) for f in fields)


@pytest.fixture
def vendor_web(app, make):
    org = make.org("vendor", name="Parity Labelling")
    user = make.user(org, email="ops@parity-labelling.example")
    c = app.test_client()
    assert login(c, user.email).status_code == 302
    c.token = make.token(org)
    return c


def _form_errors(page: str) -> set[tuple[str, str]]:
    fields = offering_fields()
    out = set()
    for form_name, message in re.findall(r'<small id="([a-z_0-9]+)-error" class="flag-below-floor">(.*?)</small>',
                                         page, re.S):
        name, group, _kind = fields[form_name]
        out.add(((group + "." if group else "") + name, html.unescape(message)))
    return out


def _model_field(field: str) -> str:
    # The API names the element of a list ("languages.0"); the form has one box for the list.
    return re.sub(r"\.\d+$", "", field)


@pytest.mark.parametrize("api_change,form_change", CASES)
def test_the_page_and_the_api_refuse_the_same_input_with_the_same_messages(vendor_web, market, api_change,
                                                                          form_change):
    r = vendor_web.post("/api/v1/offerings", json={**API, **api_change}, headers=auth(vendor_web.token))
    assert r.status_code == 422, r.json
    api = {(_model_field(e["field"]), e["message"]) for e in r.json["errors"]}
    token = csrf_from(vendor_web.get("/vendor/offerings/new").get_data(as_text=True))
    w = vendor_web.post("/vendor/offerings/new", data={**FORM, **form_change, "csrf_token": token})
    assert w.status_code == 422
    assert _form_errors(w.get_data(as_text=True)) == api
    assert market.count(Offering) == 0
