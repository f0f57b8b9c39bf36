"""The Label Studio adapter against a real Label Studio 1.23 server (``label_studio``:
tests/providers/labelstudio_server.py, booted in the background). The test logs in as the
admin the server was started with, creates a personal access token (a JWT refresh token) and
gives it to the adapter through the environment, as an operator would.
"""
from __future__ import annotations

import requests
from sqlmodel import select

from broker import db
from broker.models import Delivery, Order, OrderStatus, ProviderEvent
from broker.services import vendor_systems as svc
from tests.builders import principal_of
from tests.providers.labelstudio_server import PASSWORD, USER


def _personal_access_token(base: str) -> str:
    web = requests.Session()
    web.get(f"{base}/user/login/", timeout=30)
    r = web.post(f"{base}/user/login/", data={"email": USER, "password": PASSWORD,
                                              "csrfmiddlewaretoken": web.cookies["csrftoken"]},
                 headers={"Referer": f"{base}/user/login/"}, allow_redirects=False, timeout=30)
    assert r.status_code == 302, r.text[:300]
    headers = {"X-CSRFToken": web.cookies["csrftoken"], "Referer": f"{base}/"}
    r = web.post(f"{base}/api/token/", headers=headers, timeout=30)
    assert r.status_code == 201, r.text[:300]
    return r.json()["token"]


def _annotate(base: str, token: str, task_ids: list[int]) -> None:
    """Stand-in annotator: submit a completed annotation for each task through the API."""
    access = requests.post(f"{base}/api/token/refresh/", json={"refresh": token}, timeout=30).json()["access"]
    for tid in task_ids:
        r = requests.post(f"{base}/api/tasks/{tid}/annotations/", headers={"Authorization": f"Bearer {access}"},
                          json={"result": [{"from_name": "status", "to_name": "unit", "type": "choices",
                                            "value": {"choices": ["done"]}}]}, timeout=30)
        assert r.status_code == 201, r.text[:300]


def test_orders_become_tasks_and_completions_become_deliveries(app, make, shop, clock, monkeypatch, label_studio):
    token = _personal_access_token(label_studio)
    monkeypatch.setenv("PARITY_PROVIDER_LS_TOKEN", token)
    vendor, dev = shop.vendor(), make.org()
    shop.connect(vendor, "labelstudio", base_url=label_studio, token_env="PARITY_PROVIDER_LS_TOKEN",
                 timeout_seconds=60)
    order_id = shop.order(vendor, dev, units=4)

    assert "1 delivered" in shop.run(svc.push, clock())
    with app.app_context():
        ev = db.session().exec(select(ProviderEvent)).one()
        project = int(ev.external_ref)
        assert db.session().get(Order, order_id).status == OrderStatus.accepted

    access = requests.post(f"{label_studio}/api/token/refresh/", json={"refresh": token}, timeout=30).json()["access"]
    bearer = {"Authorization": f"Bearer {access}"}
    info = requests.get(f"{label_studio}/api/projects/{project}/", headers=bearer, timeout=30).json()
    assert info["title"] == f"Parity order #{order_id}"
    tasks = requests.get(f"{label_studio}/api/tasks?project={project}&page_size=100", headers=bearer,
                         timeout=30).json()["tasks"]
    assert sorted(t["data"]["parity_unit"] for t in tasks) == [1, 2, 3, 4]
    assert {t["data"]["parity_order"] for t in tasks} == {order_id}

    # Nothing completed yet: polling records nothing.
    assert "0 units recorded" in shop.run(svc.poll_progress, clock())
    _annotate(label_studio, token, [t["id"] for t in tasks[:3]])
    clock.advance(hours=1)
    assert "3 units recorded" in shop.run(svc.poll_progress, clock())
    # Polling again is idempotent: the same three completions are not counted twice.
    assert "0 units recorded" in shop.run(svc.poll_progress, clock())
    _annotate(label_studio, token, [tasks[3]["id"]])
    assert "1 units recorded" in shop.run(svc.poll_progress, clock())

    with app.app_context():
        s = db.session()
        order = s.get(Order, order_id)
        assert order.units_delivered == 4 and order.status == OrderStatus.delivered
        assert sorted(d.units for d in s.exec(select(Delivery))) == [1, 3]
        assert svc.health(s, principal_of(make.org("operator")))[0]["state"] == "ok"
