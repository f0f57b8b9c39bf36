"""The public rounds API and the operator's run endpoint; list cursors refuse forgeries."""
from __future__ import annotations

import base64
import json

from tests.builders import request_body
from tests.helpers import auth


def test_run_dry_run_then_for_real_and_publish(client, make, market):
    market.offering(make.org("vendor"), capacity=6)
    dev = make.token(make.org())
    client.post("/api/v1/requests", json=request_body(units=4), headers=auth(dev))
    op = make.token(make.org("operator"))
    assert client.post("/api/v1/rounds/run", json={}, headers=auth(dev)).status_code == 403
    dry = client.post("/api/v1/rounds/run", json={"dry_run": True}, headers=auth(op))
    assert dry.status_code == 200 and dry.json["dry_run"] is True
    assert client.get("/api/v1/rounds").json["items"] == []
    real = client.post("/api/v1/rounds/run", json={}, headers=auth(op)).json
    assert [(r["kind"], r["units"]) for r in real["rounds"]] == [("main", 0), ("spot", 4)]
    again = client.post("/api/v1/rounds/run", json={}, headers=auth(op)).json
    assert [(r["kind"], r["skipped"]) for r in again["rounds"]] == [("spot", "already ran")]
    items = client.get("/api/v1/rounds?limit=1").json
    assert len(items["items"]) == 1 and items["next_cursor"]
    first = items["items"][0]
    assert set(first) >= {"id", "period", "kind", "ran_at", "links"}
    out = client.get(first["links"]["output"])
    assert out.mimetype == "application/json" and json.loads(out.data)["engine"]["name"] == "parity-fairness"
    assert client.get("/api/v1/rounds/999999/input").status_code == 404
    forged = base64.urlsafe_b64encode(b'{"id":"x"}').decode().rstrip("=")
    for path in ("/api/v1/rounds", "/api/v1/requests", "/api/v1/orders", "/api/v1/notifications"):
        r = client.get(f"{path}?cursor={forged}", headers=auth(op))
        assert r.status_code == 400 and r.json["errors"][0]["field"] == "cursor", path


def test_operator_declares_through_the_pages(client, make, market, app):
    from tests.helpers import csrf_from, login

    vendor = make.org("vendor")
    off = market.offering(vendor, capacity=50)
    a, b = make.org(name="Alpha"), make.org(name="Beta")
    login(client, make.user(make.org("operator")).email)
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    r = client.post("/admin/groups", data={"g-csrf_token": token, "csrf_token": token, "g-name": "Alpha family",
                                           "g-reason": "same parent", "g-members": [str(a.id), str(b.id)]})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    r = client.post("/admin/stakes", data={"s-csrf_token": token, "s-holder_org_id": str(a.id),
                                           "s-vendor_org_id": str(vendor.id), "s-percent": "12.5", "s-kind": "equity"})
    assert r.status_code == 302
    r = client.post("/admin/reservations", data={"r-csrf_token": token, "r-org_id": str(b.id), "r-offering_id": str(off.id),
                                                 "r-period": "2026-W48", "r-units": "16", "r-reason": "pilot"})
    assert r.status_code == 422 and "at most 15" in r.get_data(as_text=True)
    public = client.get("/policy/quotas").get_data(as_text=True)
    assert "Alpha family" in public and "12.5" in public
    r = client.post("/admin/reservations", data={"r-csrf_token": token, "r-org_id": str(b.id), "r-offering_id": str(off.id),
                                                 "r-period": "2026-W48", "r-units": "15", "r-reason": "pilot"})
    assert r.status_code == 302
    from broker import db
    from broker.models import Guarantee, Org, Stake
    from sqlmodel import select

    with app.app_context():
        s = db.session()
        gid, sid = s.exec(select(Guarantee.id)).one(), s.exec(select(Stake.id)).one()
    yes = {"csrf_token": token, "confirmed": "yes"}  # as the confirmation page posts it
    assert client.post(f"/admin/stakes/{sid}/end", data=yes).status_code == 302
    assert client.post(f"/admin/reservations/{gid}/withdraw", data=yes).status_code == 302
    assert client.post(f"/admin/orgs/{a.id}/leave-group", data=yes).status_code == 302
    assert client.post(f"/admin/orgs/{b.id}/leave-group", data={}).status_code == 400  # no CSRF token: refused
    with app.app_context():
        s = db.session()
        assert s.get(Stake, sid).ended_at is not None and s.exec(select(Guarantee)).all() == []
        assert s.get(Org, a.id).group_id is None and s.get(Org, b.id).group_id is not None
