"""Vendor profiles and workforce disclosures through the API; the public vendor page."""
from __future__ import annotations

from decimal import Decimal

from broker import db
from broker.models import AuditEntry, Guarantee, Stake, VendorProfile, WorkforceDisclosure
from tests.helpers import auth

PROFILE = {"legal_name": "Acme Labelling Ltd", "vendor_kind": "managed_workforce", "hq_country": "KE",
           "certifications": ["ISO 27001"], "grievance_contact": "https://acme.example/grievance",
           "ownership": [{"holder": "Founders", "percent": 60}, {"holder": "Big Model Co", "percent": 12.5}],
           "other_affiliations": "None"}
DISCLOSURE = {"headcount": 420, "employment_mix": {"employee": 30, "contractor": 70},
              "countries": {"KE": 55.5, "PH": 44.5}, "median_hourly_pay_minor": 950, "pay_currency": "USD",
              "share_below_minimum_wage": 0, "share_below_living_wage": 12.5, "time_estimate_shown": True,
              "payment_days": 14, "harmful_content_protections": "wellness breaks, opt-out",
              "representation": "worker council", "share_domain_experts": 8,
              "fairwork_principles": ["pay", "contracts"], "attestation": "third_party",
              "attested_by": "Fair Audit LLP", "pay_by_country": {"KE": {"hourly_pay_minor": 950, "currency": "USD"},
                                                   "PH": {"hourly_pay_minor": 1000, "currency": "USD"}}}


def test_vendor_saves_its_profile_and_the_public_sees_it(client, market, people):
    url = f"/api/v1/vendors/{people.vendor.id}/profile"
    r = client.put(url, json=PROFILE, headers=auth(people.vendor_token))
    assert r.status_code == 200 and r.json["hq_country"] == "KE"
    r2 = client.put(url, json={**PROFILE, "hq_country": "UG"}, headers=auth(people.vendor_token))
    assert r2.status_code == 200
    page = client.get(f"/api/v1/vendors/{people.vendor.id}").json
    assert page["profile"]["ownership"][1] == {"holder": "Big Model Co", "percent": 12.5}
    assert page["profile"]["hq_country"] == "UG"
    actions = [(e.action, e.before and e.before["hq_country"], e.after["hq_country"])
               for e in market.rows(AuditEntry, AuditEntry.entity == "vendor_profile")]
    assert actions == [("vendor_profile.create", None, "KE"), ("vendor_profile.update", "KE", "UG")]


def test_profile_permissions_and_validation(client, market, people):
    url = f"/api/v1/vendors/{people.vendor.id}/profile"
    assert client.put(url, json=PROFILE).status_code == 401
    assert client.put(url, json=PROFILE, headers=auth(people.developer_token)).status_code == 403
    assert client.put(url, json=PROFILE, headers=auth(people.other_token)).status_code == 403
    for change, field in (({"hq_country": "XX"}, "hq_country"), ({"vendor_kind": "gig"}, "vendor_kind"),
                          ({"ownership": [{"holder": "Tiny", "percent": 3}]}, "ownership.0.percent"),
                          ({"ownership": [{"holder": "A", "percent": 60}, {"holder": "B", "percent": 50}]}, "ownership"),
                          ({"website": "javascript:alert(1)"}, "website")):
        r = client.put(url, json={**PROFILE, **change}, headers=auth(people.vendor_token))
        assert r.status_code == 422 and field in [e["field"] for e in r.json["errors"]], (change, r.json)
    assert market.count(VendorProfile) == 0
    assert market.rows(AuditEntry, AuditEntry.entity == "vendor_profile") == []


def test_disclosure_shows_completeness_and_pay_floor(client, market, people):
    url = f"/api/v1/vendors/{people.vendor.id}/disclosures/2026-Q4"
    r = client.put(url, json=DISCLOSURE, headers=auth(people.vendor_token))
    assert r.status_code == 200, r.json
    assert r.json["completeness"] == 100 and r.json["missing"] == []
    assert r.json["pay_floor"] == "meets" and r.json["major_countries"] == ["KE", "PH"]
    low = {**DISCLOSURE, "median_hourly_pay_minor": 450, "payment_days": None, "representation": "",
           "attestation": "self", "attested_by": ""}
    r2 = client.put(url, json=low, headers=auth(people.vendor_token))
    assert r2.json["pay_floor"] == "below"
    assert set(r2.json["missing"]) == {"payment_days", "representation", "independent_attestation"}
    assert r2.json["completeness"] == 11 * 100 // 14
    assert market.count(WorkforceDisclosure) == 1  # one per quarter, replaced
    page = client.get(f"/api/v1/vendors/{people.vendor.id}").json
    assert page["latest_disclosure"]["median_hourly_pay_minor"] == 450
    entries = market.rows(AuditEntry, AuditEntry.entity == "workforce_disclosure")
    assert [e.action for e in entries] == ["workforce_disclosure.create", "workforce_disclosure.update"]
    assert entries[1].before["median_hourly_pay_minor"] == 950 and entries[1].after["median_hourly_pay_minor"] == 450


def test_disclosure_validation_writes_nothing(client, market, people):
    url = f"/api/v1/vendors/{people.vendor.id}/disclosures/2026-Q4"
    cases = [
        ({"employment_mix": {"employee": 30, "contractor": 60}}, "employment_mix"),
        ({"countries": {"KE": 50, "ZZ": 50}}, "countries.ZZ"),
        ({"countries": {"KE": 100.5}}, "countries.KE"),
        ({"median_hourly_pay_minor": 0}, "median_hourly_pay_minor"),
        ({"pay_currency": "DOL"}, "pay_currency"),
        ({"share_below_living_wage": 0, "share_below_minimum_wage": 5}, "share_below_living_wage"),
        ({"attestation": "audit", "attested_by": ""}, "attested_by"),
        ({"fairwork_principles": ["vibes"]}, "fairwork_principles.0"),
    ]
    for change, field in cases:
        r = client.put(url, json={**DISCLOSURE, **change}, headers=auth(people.vendor_token))
        assert r.status_code == 422 and field in [e["field"] for e in r.json["errors"]], (change, r.json)
    for quarter in ("2026-Q5", "2027-Q1", "Q4-2026"):  # malformed, or not yet begun
        r = client.put(f"/api/v1/vendors/{people.vendor.id}/disclosures/{quarter}", json=DISCLOSURE,
                       headers=auth(people.vendor_token))
        assert r.status_code == 422 and r.json["errors"][0]["field"] == "quarter", r.json
    assert client.put(url, json=DISCLOSURE, headers=auth(people.other_token)).status_code == 403
    assert client.put(url, json=DISCLOSURE, headers=auth(people.developer_token)).status_code == 403
    assert market.count(WorkforceDisclosure) == 0


def test_vendor_page_lists_stakes_and_reservations(client, app, market, people, make):
    o = market.offer(people.vendor_token, price=200)
    investor = make.org(name="Big Model Co")
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(Stake(holder_org_id=investor.id, vendor_org_id=people.vendor.id, percent=Decimal("12.5"),
                        kind="equity"))
            s.add(Guarantee(org_id=investor.id, offering_id=o["id"], period="2026-W49", units=40))
            s.add(Guarantee(org_id=investor.id, offering_id=o["id"], period="2026-W40", units=40))  # past
    page = client.get(f"/api/v1/vendors/{people.vendor.id}").json
    assert [(x["holder"], x["percent"], x["kind"]) for x in page["stakes"]] == [("Big Model Co", "12.5", "equity")]
    assert [(x["org"], x["units"], x["period"]) for x in page["reservations"]] == [("Big Model Co", 40, "2026-W49")]
    assert client.get(f"/api/v1/vendors/{people.developer.id}").status_code == 404
    names = [v["name"] for v in client.get("/api/v1/vendors").json["items"]]
    assert names == ["Acme Labelling", "Borealis Data"]
