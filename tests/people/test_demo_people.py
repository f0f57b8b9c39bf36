"""The demo's people side: an ILLUSTRATIVE floor table in force, a red-teaming offering with
declared exposure limits and protections, pay in three countries, and a developer's labor
disclosure for a demo quarter that verifies and passes mlcroissant."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from broker import db
from broker.demo.logins import DEMO_LOGINS
from broker.models import LaborDisclosure, Offering, Org, WorkforceDisclosure
from broker.policy import current_params
from broker.reports import signing
from tests.helpers import csrf_from, login


@pytest.mark.demo_market
def test_the_demo_people_side(app, client):
    with app.app_context():
        s = db.session()
        floors = current_params(s).params["pay_floors"]
        assert len(floors) >= 20 and all(f["source"].startswith("ILLUSTRATIVE") for f in floors.values())
        red = [o for o in s.exec(select(Offering).where(Offering.task_type == "red_teaming")) if o.content_classes]
        assert red and all(o.exposure["workers_assigned"] > 0 for o in red)
        assert any(all(o.exposure[p] for p in ("counselling", "opt_out_without_penalty", "rotation")) for o in red)
        redline = s.exec(select(Org).where(Org.slug == "redline-adversarial")).one()
        d = s.exec(select(WorkforceDisclosure).where(WorkforceDisclosure.vendor_org_id == redline.id)).one()
        assert len(d.pay_by_country) == 3
        quorum = s.exec(select(Org).where(Org.slug == "quorum-crowd")).one()
        first_red = red[0].id
    page = client.get(f"/catalog/offerings/{first_red}").get_data(as_text=True)
    assert "This work shows harmful content" in page and 'data-protection="counselling"' in page
    # Quorum: median 8.60 above the global 8.00, but its US contributors earn 11.00 under the
    # illustrative US floor of 15.00: 28 % of its workers.
    vendor = client.get(f"/vendors/{quorum.id}").get_data(as_text=True)
    assert 'data-local-floors="below"' in vendor

    dev = next(x for x in DEMO_LOGINS.values() if x.role == "developer")
    c = app.test_client()
    assert login(c, dev.email, dev.password).status_code == 302
    page = c.get("/labor").get_data(as_text=True)
    quarter = page.split('<option selected value="', 1)[1].split('"', 1)[0] if "<option selected" in page \
        else page.split('<option value="', 1)[1].split('"', 1)[0]
    r = c.post("/labor", data={"quarter": quarter, "csrf_token": csrf_from(page)})
    assert r.status_code == 302
    with app.app_context():
        row = db.session().exec(select(LaborDisclosure)).one()
    data = c.get(f"/labor/{row.id}.json").get_data()
    header, payload = signing.verify(c.get(f"/labor/{row.id}.jws").get_data(as_text=True),
                                     client.get("/.well-known/jwks.json").json)
    assert payload == data
    doc = json.loads(data)
    assert doc["units"]["total"] > 0 and doc["vendors"]
    mlc = pytest.importorskip("mlcroissant")
    mlc.Dataset(jsonld=c.get(f"/labor/{row.id}.croissant.json").json)
