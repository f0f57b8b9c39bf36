"""The public catalog search: filters, sorting, pagination, comparison."""
from __future__ import annotations

import pytest


@pytest.fixture
def catalog(market, people):
    t, o = people.vendor_token, people.other_token
    made = {
        "cheap_en": market.offer(t, price=120, title="Cheap English labels", task_type="labeling",
                                 languages=["en-US"], turnaround_days=2, effective_hourly_pay_minor=700),
        "mid_de": market.offer(o, price=300, title="German RLHF", languages=["de"], turnaround_days=5),
        "med": market.offer(t, price=900, title="Clinical review", task_type="expert_review",
                            expertise="medicine", languages=["en", "fr"], turnaround_days=10),
        "eur": market.offer(o, price=200, currency="EUR", title="Euro ranking", languages=["fr"],
                            effective_hourly_pay_minor=None, pay_currency=None),
    }
    market.offer(t, title="Unpriced draft")  # no price: not in the catalog
    return {k: v["id"] for k, v in made.items()}


def _ids(client, qs=""):
    r = client.get("/api/v1/offerings" + qs)
    assert r.status_code == 200, r.get_data(as_text=True)
    return [i["id"] for i in r.json["items"]]


def test_catalog_lists_priced_active_offerings(client, catalog):
    assert _ids(client) == sorted(catalog.values())
    item = client.get("/api/v1/offerings").json["items"][0]
    assert item["vendor"]["name"] == "Acme Labelling" and item["price"]["display"] == "USD 1.20"
    assert item["languages"] == ["en-US"] and item["pay_floor"] == "below"


def test_filters(client, catalog):
    c = catalog
    assert _ids(client, "?task_type=labeling") == [c["cheap_en"]]
    assert _ids(client, "?language=en") == [c["cheap_en"], c["med"]]  # en matches en-US
    assert _ids(client, "?language=en-us") == [c["cheap_en"]]
    assert _ids(client, "?expertise=medicine") == [c["med"]]
    assert _ids(client, "?currency=USD&price_min=200&price_max=900") == [c["mid_de"], c["med"]]
    assert _ids(client, "?turnaround_max=5") == [c["cheap_en"], c["mid_de"], c["eur"]]
    assert _ids(client, "?pay_floor=meets") == [c["mid_de"], c["med"]]
    assert _ids(client, "?q=german") == [c["mid_de"]]
    assert _ids(client, "?q=borealis") == [c["mid_de"], c["eur"]]
    assert _ids(client, "?q=100%25") == []  # a literal %, not a wildcard
    assert _ids(client, "?task_type=preference_ranking&language=fr&turnaround_max=5") == [c["eur"]]


def test_sort_by_price_within_currency_and_paginate(client, catalog):
    c = catalog
    assert _ids(client, "?sort=price") == [c["eur"], c["cheap_en"], c["mid_de"], c["med"]]
    assert _ids(client, "?sort=-price&currency=USD") == [c["med"], c["mid_de"], c["cheap_en"]]
    seen, cursor = [], None
    while True:
        r = client.get("/api/v1/offerings?sort=price&limit=1" + (f"&cursor={cursor}" if cursor else ""))
        seen += [i["id"] for i in r.json["items"]]
        cursor = r.json["next_cursor"]
        if not cursor:
            break
    assert seen == [c["eur"], c["cheap_en"], c["mid_de"], c["med"]]


def test_bad_queries_are_4xx_naming_the_field(client, catalog):
    for qs, field in (("?task_type=astrology", "task_type"), ("?price_min=100", "currency"),
                      ("?currency=ABC", "currency"), ("?language=!!", "language"), ("?limit=0", "limit"),
                      ("?limit=500", "limit"), ("?sort=vibes", "sort"), ("?cursor=notacursor", "cursor"),
                      ("?price_min=-1&currency=USD", "price_min"), ("?bogus=1", "bogus")):
        r = client.get("/api/v1/offerings" + qs)
        assert 400 <= r.status_code < 500 and r.content_type == "application/problem+json", qs
        assert any(field in e["field"] for e in r.json["errors"]), (qs, r.json)
    # A cursor of one sort order is refused under another.
    cur = client.get("/api/v1/offerings?sort=price&limit=1").json["next_cursor"]
    assert client.get(f"/api/v1/offerings?sort=turnaround&cursor={cur}").status_code == 400


def test_compare_keeps_the_order_asked_for(client, catalog):
    c = catalog
    r = client.get(f"/api/v1/offerings/compare?ids={c['med']},{c['cheap_en']},{c['eur']}")
    assert [i["id"] for i in r.json["items"]] == [c["med"], c["cheap_en"], c["eur"]]
    too_many = ",".join(str(x) for x in range(1, 6))
    assert client.get(f"/api/v1/offerings/compare?ids={too_many}").status_code == 422


def test_catalog_follows_the_policy_pay_floor(client, app, catalog, make):
    """An operator raising the floor changes which offerings meet it."""
    from broker import db
    from broker.models import PolicyVersion
    from broker.policy import DEFAULTS

    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.add(PolicyVersion(version=1, params={**DEFAULTS, "pay_floor_minor": 1500},
                                effective_period="2026-W01"))
    assert _ids(client, "?pay_floor=meets") == []
    assert client.get("/api/v1/offerings").json["pay_floor"]["display"] == "USD 15.00"
