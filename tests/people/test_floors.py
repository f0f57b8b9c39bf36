"""Pay floors by country: the policy's table, its CSV loader, and the local-floor flag of
vendors (hand-computed cases)."""
from __future__ import annotations

import pytest

from sqlmodel import select

from broker import db
from broker.catalog import payfloor
from broker.catalog import workforce as wf
from broker.models import AuditEntry, LogEntry, PolicyVersion
from broker.policy import current_params
from broker.reports import build
from tests.helpers import auth, login

GLOBAL = payfloor.PayFloor(800, "USD")
TABLE = {"US": {"amount_minor": 1500, "currency": "USD", "source": "illustrative", "date": "2026-01-01"},
         "KE": {"amount_minor": 250, "currency": "USD", "source": "illustrative", "date": "2026-01-01"}}

CSV = """country,hourly_amount,currency,source,date
US,15.00,USD,Illustrative living wage,2026-01-01
KE,2.50,USD,Illustrative living wage,2026-01-01
PH,3.10,USD,Illustrative living wage,2026-01-01
"""


def test_above_the_global_floor_but_under_a_local_one_is_flagged_with_the_share_affected():
    # 60 % in the US paid 12.00 (above the global 8.00, under the US floor of 15.00);
    # 40 % in Kenya paid 9.00 (above both). So 60 % of the workers are under their local floor.
    got = payfloor.local_assessment({"US": 60, "KE": 40},
                                    {"US": {"hourly_pay_minor": 1200, "currency": "USD"},
                                     "KE": {"hourly_pay_minor": 900, "currency": "USD"}}, TABLE, GLOBAL)
    assert got["flag"] == "below"
    assert got["share_below_floor_percent"] == 60.0 and got["share_meets_floor_percent"] == 40.0
    assert [(c["country"], c["floor_minor"], c["floor_basis"], c["status"]) for c in got["countries"]] == [
        ("US", 1500, "local", "below"), ("KE", 250, "local", "meets")]
    # The same vendor against the global floor alone meets it everywhere.
    assert payfloor.local_assessment({"US": 60, "KE": 40},
                                     {"US": {"hourly_pay_minor": 1200, "currency": "USD"},
                                      "KE": {"hourly_pay_minor": 900, "currency": "USD"}}, {}, GLOBAL)["flag"] == "meets"


def test_a_country_without_a_local_floor_falls_back_to_the_global_one_and_gaps_are_not_compared():
    got = payfloor.local_assessment({"PH": 50, "KE": 30, "IN": 20},
                                    {"PH": {"hourly_pay_minor": 700, "currency": "USD"},   # under global 8.00
                                     "KE": {"hourly_pay_minor": 30000, "currency": "KES"}},  # not converted
                                    TABLE, GLOBAL)
    rows = {c["country"]: c for c in got["countries"]}
    assert rows["PH"]["floor_basis"] == "global" and rows["PH"]["status"] == "below"
    assert rows["KE"]["status"] == "other_currency" and rows["IN"]["status"] == "undisclosed"
    assert (got["share_below_floor_percent"], got["share_not_compared_percent"]) == (50.0, 50.0)
    assert got["flag"] == "below"


def test_csv_errors_name_their_lines_and_a_bad_file_yields_no_table():
    table, errors = payfloor.parse_floor_csv(CSV)
    assert errors == [] and table["PH"] == {"amount_minor": 310, "currency": "USD",
                                            "source": "Illustrative living wage", "date": "2026-01-01"}
    bad = CSV + "XX,1.00,USD,src,2026-01-01\nUS,2.00,USD,src,2026-01-01\nDE,-1,EUR,,2026-13-01\nFR,1.001,EUR,s,2026-01-01\n"
    table, errors = payfloor.parse_floor_csv(bad)
    assert table == {}
    assert errors[0].startswith("line 5: 'XX' is not an ISO 3166-1")
    assert "line 6: US appears twice" in errors
    assert any(e.startswith("line 7: hourly_amount '-1'") for e in errors)
    assert "line 7: name the source of the floor (1–300 characters)" in errors
    assert "line 7: date '2026-13-01' is not YYYY-MM-DD" in errors
    assert any(e.startswith("line 8: hourly_amount '1.001'") for e in errors)
    assert payfloor.parse_floor_csv("land,amount\n")[1] == [
        "line 1: the header must be country,hourly_amount,currency,source,date (found land,amount)"]


def test_flask_policy_floors_load_versions_the_table_publicly(app, runner, client, make, tmp_path):
    make.org("operator", name="Parity ops")
    good = tmp_path / "floors.csv"
    good.write_text(CSV)
    result = runner.invoke(args=["policy", "floors", "load", str(good), "--reason", "first local floors"])
    assert result.exit_code == 0, result.output
    assert "Loaded 3 pay floors as policy version 1" in result.output
    with app.app_context():
        s = db.session()
        v = s.get(PolicyVersion, 1) or s.exec(select(PolicyVersion)).first()
        assert v.params["pay_floors"]["US"]["amount_minor"] == 1500 and v.reason == "first local floors"
        assert current_params(s, v.effective_period).params["pay_floors"] == v.params["pay_floors"]
        assert s.exec(select(LogEntry).where(LogEntry.kind == "policy")).first() is not None
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "policy.change")).first() is not None
    # Public: the versions API carries the table.
    assert client.get("/api/v1/policy/versions").json["items"][0]["params"]["pay_floors"]["KE"]["currency"] == "USD"
    shown = runner.invoke(args=["policy", "floors", "show"])
    assert shown.exit_code == 0  # the version applies from a later period: the table in force now is empty
    # A bad file: every error with its line, nothing written.
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV + "ZZ,1,USD,x,2026-01-01\nKE,abc,USD,x,2026-01-01\n")
    result = runner.invoke(args=["policy", "floors", "load", str(bad)])
    assert result.exit_code != 0
    assert "line 5: 'ZZ' is not an ISO 3166-1 alpha-2 country code" in result.output
    assert "line 6: KE appears twice" in result.output
    with app.app_context():
        assert len(db.session().exec(select(PolicyVersion)).all()) == 1


def test_vendor_disclosure_shows_local_floors_and_the_workforce_report_flags_them(app, client, make, market, clock):
    vendor = make.org("vendor", name="Acme Labelling")
    token = make.token(vendor)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(PolicyVersion(version=1, params={**current_params(s).params, "pay_floors": TABLE},
                                effective_period="2026-W01", reason="test floors"))
    body = {"headcount": 100, "employment_mix": {"employee": 100}, "countries": {"US": 60, "KE": 40},
            "median_hourly_pay_minor": 1000, "pay_currency": "USD",
            "pay_by_country": {"US": {"hourly_pay_minor": 1200, "currency": "USD"},
                               "KE": {"hourly_pay_minor": 900, "currency": "USD"}},
            "share_below_minimum_wage": 0, "share_below_living_wage": 0, "time_estimate_shown": True,
            "share_domain_experts": 0, "attestation": "self"}
    r = client.put(f"/api/v1/vendors/{vendor.id}/disclosures/2026-Q4", json=body, headers=auth(token))
    assert r.status_code == 200, r.json
    assert r.json["pay_floor"] == "meets"  # the median against the global floor
    assert r.json["local_floors"]["flag"] == "below" and r.json["local_floors"]["share_below_floor_percent"] == 60.0
    bad = {**body, "pay_by_country": {"PH": {"hourly_pay_minor": 900, "currency": "USD"}}}
    r = client.put(f"/api/v1/vendors/{vendor.id}/disclosures/2026-Q4", json=bad, headers=auth(token))
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "pay_by_country.PH"
    page = client.get(f"/vendors/{vendor.id}").get_data(as_text=True)
    assert 'data-local-floors="below"' in page and "60% of the workers are paid below the pay floor" in page
    own = app.test_client()
    assert login(own, make.user(vendor, email="ops@acme.example").email).status_code == 302
    mine = own.get("/vendor").get_data(as_text=True)
    assert "60% of your workers are paid below their country's floor." in mine
    with app.app_context():
        doc = build.workforce(db.session(), "2026-W48", clock())
    row = next(v for v in doc["vendors"] if v["vendor_id"] == vendor.id)
    assert row["local_floors"]["share_below_floor_percent"] == 60.0
    # 100 workers: 60 in the US and 40 in Kenya, both at least k = 5, so nothing is suppressed.
    assert [(c["country"], c["hourly_pay_minor"], c["status"]) for c in doc["local_floors"]
            if c["vendor_id"] == vendor.id] == [("US", 1200, "below"), ("KE", 900, "meets")]
    assert doc["pay_floors_by_country"] == TABLE


def test_country_pay_of_fewer_than_k_workers_is_suppressed():
    lf = payfloor.local_assessment({"US": 96, "KE": 4}, {"US": {"hourly_pay_minor": 1600, "currency": "USD"},
                                                        "KE": {"hourly_pay_minor": 100, "currency": "USD"}},
                                   TABLE, GLOBAL)
    from broker.reports.labor import local_floors_cells

    cells = local_floors_cells(lf, 100, 5)  # 4 workers in Kenya < 5
    assert [c["hourly_pay_minor"] for c in cells["countries"]] == [1600, "suppressed"]
    assert cells["share_below_floor_percent"] == 4.0  # the share stays: it is the vendor's public mix


def test_policy_page_lists_the_floor_table(app, client):
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(PolicyVersion(version=1, params={**current_params(s).params, "pay_floors": TABLE},
                                effective_period="2026-W01", reason="test floors"))
    html = client.get("/policy").get_data(as_text=True)
    assert 'data-floor="US"' in html and "USD 15.00" in html and 'data-pay-floors="2"' in html


@pytest.mark.parametrize("table,msg", [
    ({"XX": {"amount_minor": 1, "currency": "USD", "source": "s", "date": "2026-01-01"}}, "XX: not an ISO"),
    ({"US": {"amount_minor": 0, "currency": "USD", "source": "s", "date": "2026-01-01"}}, "US: amount_minor"),
    ({"US": {"amount_minor": 1, "currency": "USD"}}, "US: needs amount_minor"),
])
def test_a_stored_table_is_checked(table, msg):
    assert payfloor.check_table(table)[0].startswith(msg)


def test_workforce_rules_refuse_pay_for_a_country_outside_the_mix():
    errors = wf.validate({"quarter": "2026-Q4", "headcount": 3, "countries": {"KE": 100},
                          "pay_by_country": {"KE": {"hourly_pay_minor": 0, "currency": "USD"}}})
    assert {"field": "pay_by_country.KE", "message": "pay must be positive (minor units)"} in errors
