"""The broker's pages: request form with eligible offerings before submitting, reasons and
positions, the public policy page, operator forms, and the vendor's order pages."""
from __future__ import annotations

from sqlmodel import select

from broker import db
from broker.models import CapacityRequest, Order, PolicyVersion
from tests.helpers import csrf_from, login


def _dev(make, client):
    org = make.org()
    user = make.user(org)
    assert login(client, user.email).status_code == 302
    return org, user


def test_request_form_previews_then_submits(client, make, market, app):
    vendor = make.org("vendor")
    off = market.offering(vendor, price=1200)
    _dev(make, client)
    page = client.get("/requests/new")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    form = {"csrf_token": token, "task_type": "annotation", "modality": "text", "expertise": "", "language": "en",
            "units": "12", "max_unit_price": "15.00", "currency": "USD", "instructions_ref": "doc-1"}
    preview = client.post("/requests/new", data=form | {"action": "preview"})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and off.title in html and "Offerings these criteria reach" in html
    with app.app_context():
        assert db.session().exec(select(CapacityRequest)).all() == []  # preview writes nothing
    done = client.post("/requests/new", data=form | {"action": "submit"})
    assert done.status_code == 302
    with app.app_context():
        req = db.session().exec(select(CapacityRequest)).one()
    assert req.max_unit_price_minor == 1500 and req.units == 12
    detail = client.get(done.headers["Location"]).get_data(as_text=True)
    # plain words, the engine's code only inside the details disclosure, and no queue position
    # (arrival order buys nothing inside a round's window)
    assert "No round has considered this request since it was submitted or changed" in detail
    assert "data-position" not in detail and "Position" not in detail
    assert detail.index("<details data-engine-terms>") < detail.index("awaiting_round")
    listing = client.get("/requests").get_data(as_text=True)
    assert f"R-{req.id}" in listing and "Annotation" in listing and "No round has considered" in listing
    bad = client.post("/requests/new", data=form | {"action": "submit", "max_unit_price": "1.234"})
    assert bad.status_code == 422


def test_policy_page_is_public_and_operator_change_applies_next_period(client, make, app):
    page = client.get("/policy")
    assert page.status_code == 200 and "max_reserved_share" in page.get_data(as_text=True)
    assert client.get("/policy/quotas").status_code == 200
    op = make.org("operator")
    user = make.user(op)
    login(client, user.email)
    admin = client.get("/admin")
    assert admin.status_code == 200
    token = csrf_from(admin.get_data(as_text=True))
    r = client.post("/admin/policy", data={"csrf_token": token, "param_max_reserved_share": "0.2",
                                           "reason": "Tighter reservations for scarce RLHF capacity"})
    assert r.status_code == 302
    with app.app_context():
        v = db.session().exec(select(PolicyVersion)).one()
    assert v.params["max_reserved_share"] == 0.2 and v.created_by_user_id == user.id
    assert v.effective_period == "2026-W49"  # clock: Monday of W48, W49's cutoff still ahead
    text = client.get("/policy").get_data(as_text=True)
    assert "Tighter reservations" in text
    # Plain names and units; the history names what changed, and the operator by role only.
    assert "Pay floor</th><td data-param=\"pay_floor_minor\">USD 8.00 an hour" in text
    assert "Largest reservation: 30 % of an offering&#39;s capacity for the period → 20 %" in text
    main = text.split("<main", 1)[1]  # the header shows the signed-in user their own address
    assert text.count("data-changed=") == 1 and user.email not in main and "an operator" in main


def test_developer_pages_need_a_developer(client, make):
    assert client.get("/requests").status_code == 302  # to the login page
    vendor = make.org("vendor")
    login(client, make.user(vendor).email)
    assert client.get("/requests").status_code == 403
    assert client.get("/admin").status_code == 403


def test_operator_runs_round_vendor_accepts_and_delivers(client, make, market, app, clock):
    vendor = make.org("vendor")
    market.offering(vendor, capacity=50)
    dev = make.org()
    dev_user = make.user(dev)
    from tests.broker.test_rounds_service import submit

    rid = submit(app, dev, units=20)
    op_user = make.user(make.org("operator"))
    login(client, op_user.email)
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    dry = client.post("/admin/rounds", data={"csrf_token": token, "action": "dry_run"})
    assert dry.status_code == 200 and "Dry run of" in dry.get_data(as_text=True)
    with app.app_context():
        assert db.session().exec(select(Order)).all() == []
    r = client.post("/admin/rounds", data={"csrf_token": token, "action": "run"})
    assert r.status_code == 302
    with app.app_context():
        order = db.session().exec(select(Order)).one()
    assert order.units == 20
    client.post("/logout", data={"csrf_token": token})
    login(client, make.user(vendor).email)
    page = client.get("/orders").get_data(as_text=True)
    assert f"#{order.id}" in page and "New order" in page
    token = csrf_from(client.get(f"/orders/{order.id}").get_data(as_text=True))
    assert client.post(f"/orders/{order.id}/accept", data={"csrf_token": token}).status_code == 302
    client.post(f"/orders/{order.id}/deliveries", data={"csrf_token": token, "units": "20"})
    with app.app_context():
        assert db.session().get(Order, order.id).status.value == "delivered"
    client.post("/logout", data={"csrf_token": token})
    login(client, dev_user.email)
    detail = client.get(f"/requests/{rid}").get_data(as_text=True)
    assert "20 of 20 units delivered" in detail and "Got all 20 units" in detail
    dash = client.get("/dashboard").get_data(as_text=True)
    assert "allocated you 20 units" in dash
    assert "allocated you 20 units" not in client.get("/dashboard").get_data(as_text=True)  # seen now


def test_order_and_request_lists_page_through_every_row(app, make, market, clock):
    """Both lists used to stop at their first 200 rows, with no way to the rest."""
    from datetime import timedelta

    market.developer, market.vendor = make.org(), make.org("vendor")
    market.offering_id = market.offering(market.vendor).id
    orders = {market.order().id for _ in range(27)}
    for i in range(30):  # and the 27 requests behind the orders: 57, three pages
        market.request(market.developer, units=5, submitted_at=clock() - timedelta(minutes=i))
    for org, path, marker, want in ((market.vendor, "/orders", 'data-order="', orders),
                                    (market.developer, "/requests", 'href="/requests/', None)):
        client = app.test_client()
        login(client, make.user(org).email)
        seen, url = set(), path
        for _ in range(3):
            page = client.get(url)
            assert page.status_code == 200
            html = page.get_data(as_text=True)
            assert ("← First page" in html) == (url != path)
            seen |= {int(x.split('"')[0]) for x in html.split(marker)[1:] if x.split('"')[0].isdigit()}
            if "Next page →" not in html:
                break
            url = f"{path}?cursor={html.split(f'{path}?cursor=')[1].split(chr(34))[0]}"
        assert "Last page" in html
        assert seen == (want or seen) and len(seen) == (27 if want else 57)
        assert client.get(f"{path}?cursor=bm90LWEtY3Vyc29y").status_code == 400
