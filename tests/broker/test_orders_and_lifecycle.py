"""Orders and deliveries, shorts at period end, expiry at the deadline, the estimate, the
CLI, and a round that fails before commit leaving nothing behind."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import func, select

from broker import db
from broker.models import Allocation, AuditEntry, CapacityRequest, Notification, Order, Round
from broker.periods import next_period, period_end, period_of
from broker.services import broker_jobs, rounds
from tests.builders import request_body
from tests.broker.test_rounds_service import submit
from tests.helpers import auth


def _round_now(app):
    with app.app_context():
        return rounds.run_due(db.session(), __import__("broker.clock", fromlist=["now"]).now())


def _count(app, model):
    with app.app_context():
        return db.session().exec(select(func.count()).select_from(model)).one()


def test_vendor_accepts_and_delivers_with_checks(client, make, market, app, clock):
    vendor, other_vendor = make.org("vendor"), make.org("vendor")
    market.offering(vendor, capacity=40)
    dev = make.org()
    submit(app, dev, units=12)
    _round_now(app)
    vtok, dtok, otok = make.token(vendor), make.token(dev), make.token(other_vendor)
    order = client.get("/api/v1/orders", headers=auth(vtok)).json["items"][0]
    oid = order["id"]
    assert order["units"] == 12 and order["fee_rate"] == "0.1000" and order["payment_due_at"]
    assert client.get(f"/api/v1/orders/{oid}", headers=auth(otok)).status_code == 404
    assert client.post(f"/api/v1/orders/{oid}/accept", headers=auth(dtok)).status_code == 403
    assert client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 1}, headers=auth(vtok)).status_code == 409
    assert client.post(f"/api/v1/orders/{oid}/accept", headers=auth(vtok)).status_code == 200
    assert client.post(f"/api/v1/orders/{oid}/accept", headers=auth(vtok)).status_code == 409
    assert client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 13}, headers=auth(vtok)).status_code == 422
    future = (clock() + timedelta(hours=1)).isoformat()
    assert client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 1, "delivered_at": future},
                       headers=auth(vtok)).status_code == 422
    first = client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 5, "external_id": "b1"}, headers=auth(vtok))
    again = client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 5, "external_id": "b1"}, headers=auth(vtok))
    assert first.status_code == again.status_code == 201 and again.json["units_delivered"] == 5
    assert client.post(f"/api/v1/orders/{oid}/deliveries", json={"units": 6, "external_id": "b1"},
                       headers=auth(vtok)).status_code == 409
    seen = client.get(f"/api/v1/orders/{oid}", headers=auth(dtok)).json
    assert seen["units_delivered"] == 5 and len(seen["deliveries"]) == 1

    # The period ends with 7 units undelivered: the order is short, once.
    clock.set(period_end(order["period"]) + timedelta(minutes=1))
    with app.app_context():
        assert broker_jobs.shorts_tick(db.session(), clock()) == "1 orders short at period end"
        assert broker_jobs.shorts_tick(db.session(), clock()) == "0 orders short at period end"
        short = db.session().get(Order, oid)
        assert short.status.value == "short" and short.units - short.units_delivered == 7
        assert db.session().exec(select(Notification).where(Notification.kind == "order.short")).all()


def test_deadline_passes_and_the_request_expires(client, make, market, app, clock):
    market.offering(make.org("vendor"), capacity=0, turnaround_days=1)
    dev = make.org()
    tok = make.token(dev)
    deadline = clock() + timedelta(days=4)
    rid = client.post("/api/v1/requests", json=request_body(deadline=deadline.isoformat()), headers=auth(tok)).json["id"]
    _round_now(app)
    r = client.get(f"/api/v1/requests/{rid}", headers=auth(tok)).json
    assert r["reason"]["code"] == "capacity_exhausted"
    clock.set(deadline + timedelta(seconds=1))
    with app.app_context():
        assert broker_jobs.expire_tick(db.session(), clock()) == "expired 1 requests"
        assert broker_jobs.expire_tick(db.session(), clock()) == "expired 0 requests"
        req = db.session().get(CapacityRequest, rid)
        assert req.status.value == "expired" and req.reason["code"] == "expired"
        assert req.reason["last_reason"] == "capacity_exhausted"


def test_estimate_is_labelled_and_writes_nothing(client, make, market, app):
    market.offering(make.org("vendor"), capacity=9)
    a, b = make.org(), make.org()
    ta = make.token(a)
    rid = client.post("/api/v1/requests", json=request_body(units=8), headers=auth(ta)).json["id"]
    client.post("/api/v1/requests", json=request_body(units=8), headers=auth(make.token(b)))
    est = client.get(f"/api/v1/requests/{rid}/estimate", headers=auth(ta))
    assert est.status_code == 200
    assert est.json["label"] == "estimate, not a reservation"
    assert est.json["units"] in (4, 5) and est.json["reason"]["code"] == "fair_share_reached"
    assert _count(app, Round) == 0 and _count(app, Allocation) == 0
    assert client.get(f"/api/v1/requests/{rid}/estimate", headers=auth(make.token(b))).status_code == 404


def test_estimate_is_rate_limited(client, make, market, app, tmp_path):
    from broker.app import create_app

    market.offering(make.org("vendor"))
    ta = make.token(make.org())
    rid = client.post("/api/v1/requests", json=request_body(), headers=auth(ta)).json["id"]
    limited = create_app({"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "k",
                          "INSTANCE_PATH": str(tmp_path / "limited"), "RATELIMIT_ENABLED": True})
    try:
        c = limited.test_client()
        codes = [c.get(f"/api/v1/requests/{rid}/estimate", headers=auth(ta)).status_code for _ in range(21)]
        assert c.get(f"/api/v1/requests/{rid}", headers=auth(ta)).status_code == 200  # only the estimate is limited
    finally:
        limited.extensions["db_engine"].dispose()
    assert codes[:20] == [200] * 20 and codes[20] == 429


def test_a_round_that_fails_before_commit_leaves_nothing_and_the_next_run_completes(make, market, app, monkeypatch):
    market.offering(make.org("vendor"), capacity=10)
    rid = submit(app, make.org(), units=4)

    def crash():
        raise RuntimeError("power cut")

    monkeypatch.setattr(rounds, "_before_commit", crash)
    with pytest.raises(RuntimeError):
        _round_now(app)
    for model in (Round, Allocation, Order, Notification):
        assert _count(app, model) == 0
    with app.app_context():
        assert db.session().exec(select(AuditEntry).where(AuditEntry.action.like("round%"))).all() == []
        assert db.session().get(CapacityRequest, rid).units_allocated == 0
    monkeypatch.setattr(rounds, "_before_commit", lambda: None)
    outs = _round_now(app)
    assert [o.skipped for o in outs] == [None, None]  # main (empty: after cutoff), then the spot slot
    with app.app_context():
        assert db.session().get(CapacityRequest, rid).units_allocated == 4


def test_cli_round_run_dry_run_and_main_refused_before_cutoff(make, market, app, runner, clock):
    market.offering(make.org("vendor"), capacity=10)
    submit(app, make.org(), units=3)
    dry = runner.invoke(args=["round", "run", "--dry-run"])
    assert dry.exit_code == 0 and "would allocate 0 units" in dry.output  # main of W48: request came after its cutoff
    assert _count(app, Round) == 0
    early = runner.invoke(args=["round", "run", "--kind", "main", "--period", next_period(period_of(clock()))])
    assert early.exit_code != 0 and "open until" in early.output
    assert runner.invoke(args=["round", "run", "--period", "2026-W99"]).exit_code != 0
    ran = runner.invoke(args=["round", "run"])
    assert ran.exit_code == 0, ran.output
    assert "main round" in ran.output and "allocated 3 units" in ran.output
