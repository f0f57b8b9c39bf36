"""The operator's vendor-systems page (health, dead letters, replay) and the vendor's page to
connect its system."""
from __future__ import annotations

from sqlmodel import select

from broker import db
from broker.models import ProviderConnection, ProviderEvent
from broker.services import vendor_systems as svc
from tests.helpers import csrf_from, login
from tests.providers.vendor_server import VendorSystem
from tests.providers.conftest import SECRET


def test_vendor_connects_its_system_through_the_page(app, client, make, shop):
    vendor = shop.vendor()
    user = make.user(vendor.org)
    login(client, user.email)
    page = client.get("/vendor/connection")
    assert page.status_code == 200 and "Connect your system" in page.get_data(as_text=True)
    form = {"csrf_token": csrf_from(page.get_data(as_text=True)), "adapter": "webhook",
            "url": "https://vendor.example/parity", "secret_envs": "PARITY_PROVIDER_ACME_SECRET, PARITY_PROVIDER_ACME_OLD",
            "tolerance_seconds": "300", "timeout_seconds": "5", "max_attempts": "6"}
    r = client.post("/vendor/connection", data=form)
    assert r.status_code == 302
    with app.app_context():
        conn = db.session().exec(select(ProviderConnection)).one()
    assert conn.vendor_org_id == vendor.id and conn.adapter == "webhook"
    assert conn.settings["secret_envs"] == ["PARITY_PROVIDER_ACME_SECRET", "PARITY_PROVIDER_ACME_OLD"]
    html = client.get("/vendor/connection").get_data(as_text=True)
    assert f"/api/v1/providers/{conn.id}/callbacks" in html
    bad = client.post("/vendor/connection", data=dict(form, secret_envs="SECRET_KEY"))
    assert bad.status_code == 422 and "secret_envs" in bad.get_data(as_text=True)
    assert client.post("/vendor/connection", data=dict(form, csrf_token="")).status_code in (400, 403)


def test_operator_sees_health_and_replays_a_dead_letter(app, client, make, shop, clock):
    vendor, dev = shop.vendor("Flaky Labels"), make.org()
    with VendorSystem([SECRET]) as system:
        shop.connect(vendor, "webhook", url=system.url, secret_envs=["PARITY_PROVIDER_ACME_SECRET"], max_attempts=1)
        shop.order(vendor, dev)
        system.fail_next = 1
        shop.run(svc.push, clock())
        operator = make.org("operator")
        login(client, make.user(operator).email)
        page = client.get("/admin/providers")
        html = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "Flaky Labels" in html and "failing" in html and "HTTP 503" in html
        with app.app_context():
            ev = db.session().exec(select(ProviderEvent)).one()
        assert ev.status == "dead" and ev.event_id in html
        r = client.post(f"/admin/providers/dead-letters/{ev.event_id}/replay", data={"csrf_token": csrf_from(html)})
        assert r.status_code == 302
        shop.run(svc.push, clock())
        assert len(system.processed) == 1
    assert "No dead letters." in client.get("/admin/providers").get_data(as_text=True)


def test_pages_are_for_their_roles(client, make, shop):
    login(client, make.user(make.org()).email)  # a developer
    assert client.get("/admin/providers").status_code == 403
    assert client.get("/vendor/connection").status_code == 403
