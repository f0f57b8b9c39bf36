"""A developer's labor disclosure: figures hand-computed, signed JSON verified against the
JWKS, its transparency-log entry, the FMTI text, and Croissant RAI validated by mlcroissant."""
from __future__ import annotations

import hashlib
import json

import pytest
from sqlmodel import select

from broker import db
from broker.models import Capacity, LaborDisclosure, LogEntry, PolicyVersion
from broker.policy import current_params
from broker.reports import labor, labor_formats, signing
from tests.builders import OFFERING
from tests.helpers import csrf_from, login

TABLE = {"US": {"amount_minor": 1500, "currency": "USD", "source": "illustrative", "date": "2026-01-01"},
         "KE": {"amount_minor": 250, "currency": "USD", "source": "illustrative", "date": "2026-01-01"},
         "PH": {"amount_minor": 310, "currency": "USD", "source": "illustrative", "date": "2026-01-01"}}
EXPOSURE = {"workers_assigned": 6, "weekly_hours_per_worker": 20, "minutes_per_unit": 15,
            "counselling": True, "opt_out_without_penalty": True, "rotation": False}


@pytest.fixture
def bought(app, make, market):
    """Developer Helios bought 300 red-teaming units from Redline (60 % of its 100 workers in the
    US at 12.00 an hour, 40 % in Kenya at 9.00) and 100 annotation units from Pasig (50 workers,
    all in the Philippines at 2.00) in 2026-Q4."""
    red, pasig = make.org("vendor", name="Redline Safety"), make.org("vendor", name="Pasig Annotation")
    dev, other = make.org("developer", name="Helios AI"), make.org("developer", name="Other AI")
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(PolicyVersion(version=1, params={**current_params(s).params, "pay_floors": TABLE},
                                effective_period="2026-W01", reason="floors"))
    market.disclosure(red, "2026-Q4", headcount=100, countries={"US": 60.0, "KE": 40.0},
                      pay_by_country={"US": {"hourly_pay_minor": 1200, "currency": "USD"},
                                      "KE": {"hourly_pay_minor": 900, "currency": "USD"}},
                      harmful_content_protections="counselling, opt-out")
    market.disclosure(pasig, "2026-Q4", headcount=50, countries={"PH": 100.0},
                      pay_by_country={"PH": {"hourly_pay_minor": 200, "currency": "USD"}})
    rt = market.offer(make.token(red), price=4000, **{**OFFERING, "title": "Red teaming", "task_type": "red_teaming",
                                                     "content_classes": ["violence"], "exposure": EXPOSURE})
    an = market.offer(make.token(pasig), price=100, **{**OFFERING, "title": "Annotation", "task_type": "annotation"})
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(Capacity(offering_id=rt["id"], period="2026-W48", units=480))
    market.order(units=300, developer=dev, vendor=red, offering_id=rt["id"], period="2026-W48")
    market.order(units=100, developer=dev, vendor=pasig, offering_id=an["id"], period="2026-W49")
    market.order(units=7, developer=other, vendor=pasig, offering_id=an["id"], period="2026-W49")
    return dev, other, rt


def _doc(app, dev, clock):
    with app.app_context():
        s = db.session()
        pol = current_params(s)
        return labor.build(s, dev.id, "2026-Q4", clock(), dict(pol.params), pol.version)


def test_the_figures_hand_computed(app, bought, clock):
    dev, _other, rt = bought
    doc = _doc(app, dev, clock)
    assert doc["units"] == {"total": 400, "by_task_type": {"annotation": 100, "red_teaming": 300}}
    assert [(v["vendor"], v["units"], v["share_of_units_percent"]) for v in doc["vendors"]] == [
        ("Redline Safety", 300, 75.0), ("Pasig Annotation", 100, 25.0)]
    # Redline: 60 % of workers under the US floor (12.00 < 15.00; above the global 8.00), Kenya meets.
    # Pasig: all under the PH floor (2.00 < 3.10). Weighted by units: (300×60 + 100×100) / 400 = 70 %.
    assert doc["pay"]["share_of_units_by_workers_below_local_floor_percent"] == 70.0
    assert doc["pay"]["share_of_units_by_workers_at_or_above_local_floor_percent"] == 30.0
    # Countries by units: US 300×60/400 = 45, KE 300×40/400 = 30, PH 100/400 = 25.
    assert doc["countries"] == {"weighted_share_percent": {"KE": 30.0, "PH": 25.0, "US": 45.0},
                                "at_least_25_percent": ["US", "KE", "PH"]}
    # Exposure: 300 units × 15 min ÷ 60 ÷ 6 workers = 12.5 hours per worker in W48.
    [e] = doc["exposure"]
    assert (e["offering"], e["max_weekly_exposure_hours_per_worker"], e["cap_hours"]) == (f"off-{rt['id']}", 12.5, 20)
    assert e["protections"] == {"counselling": True, "opt_out_without_penalty": True, "rotation": False}
    assert doc["provisional"] is True  # 2026-Q4 has not ended on 23 November


def test_small_cells_are_suppressed(app, bought, clock, market):
    dev, _other, _rt = bought
    doc = _doc(app, dev, clock)
    assert all(c["hourly_pay_minor"] != "suppressed" for v in doc["vendors"]
               for c in v["workforce_disclosure"]["local_floors"]["countries"])
    # A vendor with 10 workers, 4 of them in Kenya (< k = 5): Kenya's pay is suppressed.
    with app.app_context():
        s = db.session()
        d = s.exec(select(labor.WorkforceDisclosure).where(labor.WorkforceDisclosure.headcount == 100)).one()
        with db.transaction(s):
            d.headcount = 10
            s.add(d)
    doc = _doc(app, dev, clock)
    countries = {c["country"]: c for c in doc["vendors"][0]["workforce_disclosure"]["local_floors"]["countries"]}
    assert countries["KE"]["hourly_pay_minor"] == "suppressed" and countries["US"]["hourly_pay_minor"] == 1200


def test_the_developer_downloads_a_signed_logged_disclosure_that_verifies(app, make, bought, client, clock):
    dev, other, _rt = bought
    user = make.user(dev, email="cto@helios.example")
    c = app.test_client()
    assert login(c, user.email).status_code == 302
    page = c.get("/labor").get_data(as_text=True)
    assert "2026-Q4" in page
    r = c.post("/labor", data={"quarter": "2026-Q4", "csrf_token": csrf_from(page)})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    [row] = [x for x in _rows(app)]
    page = c.get("/labor").get_data(as_text=True)
    assert f'data-disclosure="{row.id}"' in page and "70% of units made by workers paid below" in page

    data = c.get(f"/labor/{row.id}.json").get_data()
    token = c.get(f"/labor/{row.id}.jws").get_data(as_text=True)
    jwks = client.get("/.well-known/jwks.json").json
    header, payload = signing.verify(token, jwks)
    assert payload == data and header["alg"] == "EdDSA"
    assert row.digest == "sha256:" + hashlib.sha256(data).hexdigest()
    doc = json.loads(data)
    assert doc["pay"]["share_of_units_by_workers_below_local_floor_percent"] == 70
    with app.app_context():
        entry = db.session().exec(select(LogEntry).where(LogEntry.kind == "labor_disclosure")).one()
    body = json.loads(entry.body)
    assert body == {"type": "labor_disclosure", "id": row.id, "quarter": "2026-Q4", "digest": row.digest}
    assert "Helios" not in entry.body  # the log names no developer
    proof = client.get(f"/log/proof/labor_disclosure/{row.id}.tlog-proof")
    assert proof.status_code == 200 and proof.get_data(as_text=True).strip()

    # Making it again with the same figures returns the same disclosure: no second log entry.
    page = c.get("/labor").get_data(as_text=True)
    c.post("/labor", data={"quarter": "2026-Q4", "csrf_token": csrf_from(page)})
    assert len(_rows(app)) == 1

    # Another developer cannot read it; an anonymous visitor is sent to log in.
    o = app.test_client()
    assert login(o, make.user(other, email="x@other.example").email).status_code == 302
    assert o.get(f"/labor/{row.id}.json").status_code == 404
    assert client.get(f"/labor/{row.id}.json").status_code == 302

    text = c.get(f"/labor/{row.id}.txt").get_data(as_text=True)
    for name, _question in labor_formats.FMTI_INDICATORS:
        assert f"\n{name}\n" in text
    assert "70% of the units were made by workers paid below the pay floor of their country" in text
    assert "United States (US), Kenya (KE), Philippines (PH)" in text
    assert "6 workers assigned, each at most 20 hours a week (policy cap 20 hours)" in text


def test_the_croissant_rai_export_passes_mlcroissant(app, make, bought):
    mlc = pytest.importorskip("mlcroissant")
    dev, _other, _rt = bought
    user = make.user(dev, email="cto@helios.example")
    c = app.test_client()
    assert login(c, user.email).status_code == 302
    page = c.get("/labor").get_data(as_text=True)
    c.post("/labor", data={"quarter": "2026-Q4", "csrf_token": csrf_from(page)})
    [row] = _rows(app)
    meta = c.get(f"/labor/{row.id}.croissant.json").json
    assert meta["distribution"][0]["sha256"] == row.digest.removeprefix("sha256:")
    ds = mlc.Dataset(jsonld=meta)  # raises on a validation error
    m = ds.metadata
    assert not m.ctx.issues.errors
    def one(v):
        return " ".join(v) if isinstance(v, list) else v

    assert "400 units in 2026-Q4" in one(m.data_collection)
    assert "Red-teaming 300" in one(m.data_annotation_protocol)
    assert "Parity marketplace" in one(m.data_annotation_platform)
    assert any("Redline Safety: 100 workers; United States (US) 60%" in d for d in m.annotator_demographics)
    assert meta["parity:wages"]["shareOfUnitsBelowLocalFloorPercent"] == 70.0
    assert meta["parity:protections"][0]["counselling"] is True


def test_only_developers_make_one_and_only_for_a_quarter_that_has_begun(app, bought, clock):
    dev, _other, _rt = bought
    from broker.access.principal import Principal
    from broker.errors import ApiError
    from broker.models import OrgKind

    me = Principal(org_id=dev.id, role=OrgKind.developer, scopes=frozenset())
    with app.app_context():
        s = db.session()
        with pytest.raises(ApiError) as e, db.transaction(s):
            labor.publish_for(s, me, "2027-Q1", keys_path=app.config["KEYS_PATH"], at=clock())
        assert e.value.status == 422
        with pytest.raises(ApiError) as e, db.transaction(s):
            labor.publish_for(s, Principal(org_id=dev.id, role=OrgKind.vendor, scopes=frozenset()), "2026-Q4",
                              keys_path=app.config["KEYS_PATH"], at=clock())
        assert e.value.status == 403
    assert _rows(app) == []


def _rows(app):
    with app.app_context():
        return list(db.session().exec(select(LaborDisclosure)))


def test_the_api_makes_lists_and_reads_disclosures_for_their_developer_only(app, make, bought, client):
    from tests.helpers import auth

    dev, other, _rt = bought
    token, other_token = make.token(dev), make.token(other)
    r = client.post("/api/v1/labor-disclosures", json={"quarter": "2026-Q4"}, headers=auth(token))
    assert r.status_code == 201, r.json
    assert r.json["document"]["pay"]["share_of_units_by_workers_below_local_floor_percent"] == 70
    _header, payload = signing.verify(r.json["jws"], client.get("/.well-known/jwks.json").json)
    assert json.loads(payload) == r.json["document"]
    assert r.json["links"]["tlog_proof"].endswith(f"/log/proof/labor_disclosure/{r.json['id']}.tlog-proof")
    assert [x["id"] for x in client.get("/api/v1/labor-disclosures", headers=auth(token)).json["items"]] == [r.json["id"]]
    assert client.get(f"/api/v1/labor-disclosures/{r.json['id']}", headers=auth(other_token)).status_code == 404
    assert client.get("/api/v1/labor-disclosures", headers=auth(other_token)).json["items"] == []
    assert client.post("/api/v1/labor-disclosures", json={"quarter": "2099-Q1"},
                       headers=auth(token)).status_code == 422
    vendor_token = make.token(make.org("vendor"))
    assert client.post("/api/v1/labor-disclosures", json={"quarter": "2026-Q4"},
                       headers=auth(vendor_token)).status_code == 403
