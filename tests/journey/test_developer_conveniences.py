"""Developer conveniences: catalog search over titles, descriptions and task types; comparing
more than the limit keeps the selection with a clear message; "Request this" opens the form
with the offering's criteria; the pages read R-/O- numbers, titles and money in currency."""
from __future__ import annotations

import re

from sqlmodel import select

from broker import db
from broker.models import CapacityRequest
from tests.helpers import csrf_from, login


def _titles(html: str) -> list[str]:
    return re.findall(r'href="/catalog/offerings/\d+">([^<]+)</a>', html)


def test_search_finds_descriptions_task_types_and_fields(client, market, make):
    v = make.org("vendor", name="Northstar")
    tok = make.token(v)
    market.offer(tok, price=4800, title="Clinical note review", task_type="expert_review", expertise="medicine")
    market.offer(tok, price=900, title="Call centre audio", task_type="transcription", modality="audio",
                 description="Speech from customer calls, transcribed verbatim")
    market.offer(tok, price=300, title="Chat preference pairs", task_type="preference_ranking")
    assert _titles(client.get("/catalog?q=medical").get_data(as_text=True)) == ["Clinical note review"]
    assert _titles(client.get("/catalog?q=verbatim").get_data(as_text=True)) == ["Call centre audio"]
    assert _titles(client.get("/catalog?q=RLHF").get_data(as_text=True)) == ["Chat preference pairs"]
    # words narrow: every word must match somewhere
    assert _titles(client.get("/catalog?q=clinical+review").get_data(as_text=True)) == ["Clinical note review"]
    assert _titles(client.get("/catalog?q=medical+audio").get_data(as_text=True)) == []
    api = client.get("/api/v1/offerings?q=medical").json["items"]
    assert [o["title"] for o in api] == ["Clinical note review"]


def test_comparing_more_than_the_limit_keeps_the_selection(client, market, make):
    tok = make.token(make.org("vendor", name="Sauti"))
    ids = [market.offer(tok, price=100 + i, title=f"Offering {i}")["id"] for i in range(6)]
    r = client.get("/catalog/compare?" + "&".join(f"id={i}" for i in ids))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "You chose 6 offerings; compare at most 4 at a time. Untick 2" in html
    checked = re.findall(r'<input type="checkbox" name="id" value="(\d+)" checked>', html)
    assert [int(x) for x in checked] == ids  # the selection is kept, in order
    ok = client.get("/catalog/compare?" + "&".join(f"id={i}" for i in ids[:4])).get_data(as_text=True)
    assert "compare at most" not in ok and "Offering 3" in ok and "USD 1.03" in ok


def test_request_this_preselects_the_offering_and_pages_read_like_people(client, market, make, app):
    v = make.org("vendor", name="Northstar")
    off = market.offer(make.token(v), price=240, title="Clinical note review", task_type="expert_review",
                       expertise="medicine", languages=["en"])
    page = client.get(f"/catalog/offerings/{off['id']}").get_data(as_text=True)
    assert f'href="/requests/new?offering={off["id"]}"' in page and "Request this" in page
    dev = make.org(name="Acme AI")
    login(client, make.user(dev).email)
    form_page = client.get(f"/requests/new?offering={off['id']}").get_data(as_text=True)
    assert "Requesting <strong>Clinical note review</strong> by Northstar" in form_page
    assert re.search(r'<option selected value="expert_review">|<option value="expert_review" selected>', form_page)
    assert 'value="2.40"' in form_page and 'value="en"' in form_page
    assert re.search(rf'<option selected value="{v.id}">|<option value="{v.id}" selected>', form_page)
    data = {"csrf_token": csrf_from(form_page), "task_type": "expert_review", "expertise": "medicine", "modality": "",
            "language": "en", "units": "30", "max_unit_price": "2.40", "currency": "USD",
            "preferred_vendor_ids": str(v.id), "instructions_ref": "https://docs.example/guide"}
    preview = client.post(f"/requests/new?offering={off['id']}", data=data | {"action": "preview"}).get_data(as_text=True)
    assert "USD 2.40" in preview and ">240<" not in preview  # money in currency, never minor units
    done = client.post(f"/requests/new?offering={off['id']}", data=data | {"action": "submit"})
    assert done.status_code == 302
    with app.app_context():
        req = db.session().exec(select(CapacityRequest)).one()
    assert req.preferred_vendor_ids == [v.id] and req.max_unit_price_minor == 240
    listing = client.get("/requests").get_data(as_text=True)
    assert f"R-{req.id}" in listing and "Domain-expert review" in listing and "expert_review" not in listing


def test_a_zero_estimate_in_the_list_says_why_and_what_to_do(client, market, make, app):
    v = make.org("vendor", name="Northstar")
    market.offer(make.token(v), price=900, title="Clinical note review", task_type="expert_review",
                 expertise="medicine", languages=["en"])
    dev = make.org(name="Acme AI")
    login(client, make.user(dev).email)
    page = client.get("/requests/new")
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "task_type": "expert_review",
            "expertise": "medicine", "modality": "", "language": "en", "units": "30", "max_unit_price": "5.00",
            "currency": "USD", "action": "submit"}
    assert client.post("/requests/new", data=data).status_code == 302  # below the price: over budget
    listing = client.get("/requests?estimate=1").get_data(as_text=True)
    cell = listing.split("<td data-estimate>", 1)[1].split("</td>", 1)[0]
    assert "0 units. Why:" in cell and "USD 9.00" in cell and "What would change it" in cell


def test_cancelling_a_request_asks_first_and_acts_only_when_confirmed(client, market, make):
    from broker.models import RequestStatus
    from tests.builders import request_body
    from tests.helpers import auth

    market.offering(make.org("vendor"))
    dev = make.org(name="Lab One")
    make.user(dev, email="dev@example.org")
    rid = client.post("/api/v1/requests", json=request_body(units=7), headers=auth(make.token(dev))).json["id"]
    login(client, "dev@example.org")
    token = csrf_from(client.get(f"/requests/{rid}").get_data(as_text=True))
    page = client.post(f"/requests/{rid}/cancel", data={"csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Please confirm" in html and f"R-{rid}" in html and "7 units" in html
    assert 'name="confirmed" value="yes"' in html
    assert market.get(CapacityRequest, rid).status != RequestStatus.cancelled  # nothing happened yet
    r = client.post(f"/requests/{rid}/cancel", data={"csrf_token": token, "confirmed": "yes"})
    assert r.status_code == 302
    assert market.get(CapacityRequest, rid).status == RequestStatus.cancelled
