"""Exposure limits for harmful content: the declaration, the cap on capacity (422 naming the
cap, the same on the API and the vendor page), the report's exposure per worker, and what
developers see before they request. Figures hand-computed."""
from __future__ import annotations

import pytest
from sqlmodel import select

from broker import db
from broker.catalog import exposure
from broker.models import Capacity, Offering, PolicyVersion
from broker.policy import current_params
from broker.reports import build
from tests.builders import OFFERING
from tests.helpers import auth, csrf_from, login

EXPOSURE = {"workers_assigned": 6, "weekly_hours_per_worker": 20, "minutes_per_unit": 15,
            "counselling": True, "opt_out_without_penalty": True, "rotation": False}
RED_TEAM = {**OFFERING, "title": "Violent-content red teaming", "task_type": "red_teaming",
            "content_classes": ["violence", "self_harm"], "exposure": EXPOSURE}


def test_max_units_is_workers_times_hours_over_time_per_unit():
    # 6 workers × 20 h × 60 min ÷ 15 min = 480 units a week.
    assert exposure.max_units(EXPOSURE, 20) == 480
    # Declared 12.5 h (under the cap): 6 × 12.5 × 60 ÷ 15 = 300.
    assert exposure.max_units({**EXPOSURE, "weekly_hours_per_worker": 12.5}, 20) == 300
    # A lower policy cap binds: 6 × 10 × 60 ÷ 15 = 240; rounding down: 7 × 20 × 60 ÷ 45 = 186.67 → 186.
    assert exposure.max_units(EXPOSURE, 10) == 240
    assert exposure.max_units({**EXPOSURE, "workers_assigned": 7, "minutes_per_unit": 45}, 20) == 186
    # 300 units in a week over 6 workers at 15 minutes: 300 × 15 / 60 / 6 = 12.5 hours each.
    assert exposure.exposure_hours_per_worker(300, EXPOSURE) == 12.5


@pytest.mark.parametrize("classes,declared,field", [
    (["violence"], {}, "exposure.workers_assigned"),
    (["violence"], {**EXPOSURE, "weekly_hours_per_worker": 21}, "exposure.weekly_hours_per_worker"),
    (["violence"], {**EXPOSURE, "rotation": None}, "exposure.rotation"),
    (["gore"], EXPOSURE, "content_classes"),
    ([], EXPOSURE, "exposure"),
    (["hate"], {**EXPOSURE, "weekly_hours_per_worker": float("nan")}, "exposure.weekly_hours_per_worker"),
    (["hate"], {**EXPOSURE, "minutes_per_unit": float("inf")}, "exposure.minutes_per_unit"),
])
def test_declaration_rules(classes, declared, field):
    assert field in [e["field"] for e in exposure.validate(classes, declared, 20)]


def test_capacity_above_the_exposure_cap_is_refused_with_a_422_naming_the_cap(client, make, market):
    vendor = make.org("vendor", name="Redline Safety")
    token = make.token(vendor)
    o = market.offer(token, price=4000, **RED_TEAM)
    assert o["content_classes"] == ["violence", "self_harm"] and o["exposure"]["workers_assigned"] == 6
    url = f"/api/v1/offerings/{o['id']}/capacity/2026-W49"
    assert client.put(url, json={"units": 480}, headers=auth(token)).status_code == 200
    r = client.put(url, json={"units": 481}, headers=auth(token))
    assert r.status_code == 422 and r.content_type.startswith("application/problem+json")
    assert r.json["type"].endswith("exposure-cap")
    assert r.json["detail"] == ("Capacity for 2026-W49 is limited to 480 units by the exposure limit: 6 workers × "
                                "the policy's exposure cap of 20 hours a week ÷ 15 minutes per unit.")
    assert market.rows(Capacity, Capacity.period == "2026-W49")[0].units == 480  # unchanged
    # Declaring more hours than the policy's cap is refused, naming the cap.
    r = client.patch(f"/api/v1/offerings/{o['id']}", json={"exposure": {**EXPOSURE, "weekly_hours_per_worker": 30}},
                     headers=auth(token))
    assert r.status_code == 422
    assert {"field": "exposure.weekly_hours_per_worker",
            "message": "at most 20 hours a week: the policy's exposure cap"} in r.json["errors"]
    # Fewer workers would leave W49's 480 units above the limit: refused until capacity is lowered.
    r = client.patch(f"/api/v1/offerings/{o['id']}", json={"exposure": {**EXPOSURE, "workers_assigned": 3}},
                     headers=auth(token))
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "exposure"
    assert "capacity for 2026-W49 is 480 units" in r.json["errors"][0]["message"]
    assert market.get(Offering, o["id"]).exposure["workers_assigned"] == 6


def test_a_lower_policy_cap_binds_from_its_period(app, client, make, market):
    vendor = make.org("vendor")
    token = make.token(vendor)
    o = market.offer(token, price=4000, **RED_TEAM)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(PolicyVersion(version=1, params={**current_params(s).params, "exposure_cap_hours": 10},
                                effective_period="2026-W50", reason="lower cap"))
    ok = client.put(f"/api/v1/offerings/{o['id']}/capacity/2026-W49", json={"units": 480}, headers=auth(token))
    assert ok.status_code == 200
    r = client.put(f"/api/v1/offerings/{o['id']}/capacity/2026-W50", json={"units": 241}, headers=auth(token))
    assert r.status_code == 422 and "limited to 240 units" in r.json["detail"]
    assert "20 hours a week declared (the policy's exposure cap is 10)" not in r.json["detail"]
    assert "the policy's exposure cap of 10 hours a week" in r.json["detail"]


@pytest.fixture
def vendor_page(app, make):
    org = make.org("vendor", name="Redline Safety")
    user = make.user(org, email="ops@redline.example")
    c = app.test_client()
    assert login(c, user.email).status_code == 302
    c.org = org
    return c


FORM = {"title": "Violent-content red teaming", "task_type": "red_teaming", "modality": "text",
        "languages": "en", "expertise": "general", "unit": "item", "turnaround_days": "5",
        "consensus": "none", "agreement_metric": "none", "content_risk": "graphic",
        "content_classes": ["violence", "self_harm"], "workers_assigned": "6", "weekly_hours_per_worker": "20",
        "minutes_per_unit": "15", "counselling": "y", "opt_out_without_penalty": "y",
        "price": "40.00", "currency": "USD"}


def _post(c, url, data, page=None):
    token = csrf_from(c.get(page or url).get_data(as_text=True))
    return c.post(url, data={**data, "csrf_token": token})


def test_the_vendor_page_declares_exposure_and_refuses_capacity_above_the_cap(vendor_page, client, market):
    r = _post(vendor_page, "/vendor/offerings/new", {**FORM, "capacity": "481"})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert ("Capacity for 2026-W48 is limited to 480 units by the exposure limit: 6 workers × the policy&#39;s "
            "exposure cap of 20 hours a week ÷ 15 minutes per unit.") in page
    assert market.count(Offering) == 0  # nothing half-written
    r = _post(vendor_page, "/vendor/offerings/new", {**FORM, "capacity": "480"})
    assert r.status_code == 302, r.get_data(as_text=True)[:3000]
    [o] = market.rows(Offering)
    assert o.content_classes == ["violence", "self_harm"]
    assert o.exposure == {"workers_assigned": 6, "weekly_hours_per_worker": 20, "minutes_per_unit": 15,
                          "counselling": True, "opt_out_without_penalty": True, "rotation": False}
    edit = f"/vendor/offerings/{o.id}"
    r = _post(vendor_page, f"{edit}/capacity", {"period": "2026-W49", "units": "500"}, page=edit)
    assert r.status_code == 422 and "limited to 480 units" in r.get_data(as_text=True)
    # The edit page shows the declaration as saved.
    html = vendor_page.get(edit).get_data(as_text=True)
    assert 'name="workers_assigned" type="text" value="6"' in html
    # Developers see the content classes and protections before they request.
    public = client.get(f"/catalog/offerings/{o.id}").get_data(as_text=True)
    assert 'data-content-classes="violence self_harm"' in public
    assert "Violence, Self-harm" in public
    assert "at most 20 hours a week (policy cap 20 hours)" in public
    assert '<tr data-protection="counselling"><th scope="row">Counselling</th><td>Offered</td>' in public
    assert '<tr data-protection="rotation"><th scope="row">Rotation</th><td>Not offered</td>' in public


def test_the_workforce_report_publishes_exposure_per_worker_and_each_protection(app, make, market, clock):
    vendor, dev = make.org("vendor", name="Redline Safety"), make.org("developer", name="Helios")
    token = make.token(vendor)
    o = market.offer(token, price=4000, **RED_TEAM)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(Capacity(offering_id=o["id"], period="2026-W48", units=480))
    market.order(units=300, developer=dev, vendor=vendor, offering_id=o["id"], period="2026-W48")
    with app.app_context():
        doc = build.workforce(db.session(), "2026-W48", clock())
    [row] = doc["exposure"]
    # 300 units × 15 minutes ÷ 60 ÷ 6 workers = 12.5 hours per worker in the week.
    assert row["exposure_hours_per_worker"] == 12.5
    assert (row["workers_assigned"], row["declared_weekly_hours_per_worker"], row["cap_hours"]) == (6, 20.0, 20)
    assert row["max_units_per_week"] == 480 and row["units"] == 300
    assert row["protections"] == {"counselling": True, "opt_out_without_penalty": True, "rotation": False}
    assert row["content_classes"] == ["self_harm", "violence"]


def test_exposure_per_worker_of_fewer_than_k_workers_is_suppressed(app, make, market, clock):
    vendor, dev = make.org("vendor"), make.org("developer")
    o = market.offer(make.token(vendor), price=4000,
                     **{**RED_TEAM, "exposure": {**EXPOSURE, "workers_assigned": 3}})
    market.order(units=10, developer=dev, vendor=vendor, offering_id=o["id"], period="2026-W48")
    with app.app_context():
        [row] = build.workforce(db.session(), "2026-W48", clock())["exposure"]
    assert row["exposure_hours_per_worker"] == "suppressed" and row["protections"]["counselling"] is True


def test_an_offering_without_content_class_keeps_no_exposure(client, make, market):
    vendor = make.org("vendor")
    token = make.token(vendor)
    o = market.offer(token, price=100)
    assert o["content_classes"] == [] and o["exposure"] == {}
    r = client.put(f"/api/v1/offerings/{o['id']}/capacity/2026-W49", json={"units": 10**6}, headers=auth(token))
    assert r.status_code == 200
    with client.application.app_context():
        assert db.session().exec(select(Offering)).first().exposure == {}


def test_the_limit_is_the_largest_capacity_within_the_hours():
    """For any declaration: max_units keeps each worker within min(declared, cap) hours, and one
    unit more would not (checked in exact fractions)."""
    from fractions import Fraction

    from hypothesis import given, settings, strategies as st

    @settings(max_examples=300, deadline=None)
    @given(workers=st.integers(1, 5000), hours=st.integers(1, 400).map(lambda x: x / 4),
           minutes=st.integers(1, 2000).map(lambda x: x / 8), cap=st.integers(1, 60))
    def check(workers, hours, minutes, cap):
        e = {"workers_assigned": workers, "weekly_hours_per_worker": hours, "minutes_per_unit": minutes}
        n = exposure.max_units(e, cap)
        allowed = min(Fraction(str(hours)), Fraction(cap)) * workers * 60
        assert n * Fraction(str(minutes)) <= allowed < (n + 1) * Fraction(str(minutes))

    check()
