"""A small market with private rows of every kind, owned by known orgs, for the security tests.

Developer org A (the owner of every private row), developer org B (the stranger), vendor V
(serves A), vendor W (another vendor), an auditor and an operator; each has a signed-in
browser and an API token with all its role's scopes. Rows are made the way production makes
them — requests through the API, allocations and orders by the scheduler's round job,
invoices and ledger entries by confirming, acceptance and delivery by the vendor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import select

from broker import db
from broker.models import Allocation, Capacity, Offering, OfferingLanguage, Order, Price
from broker.periods import cutoff_of, next_period, period_of
from tests.helpers import auth, csrf_from, login

ROLES = ("anonymous", "dev_a", "dev_b", "vendor", "vendor_w", "auditor", "operator")


@dataclass
class World:
    ids: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    browsers: dict = field(default_factory=dict)
    csrf: dict = field(default_factory=dict)
    orgs: dict = field(default_factory=dict)

    def headers(self, role: str) -> dict:
        return auth(self.tokens[role]) if role in self.tokens else {}


def _offering(app, vendor, period: str, clock) -> int:
    with app.app_context(), db.transaction(db.session()) as s:
        off = Offering(vendor_org_id=vendor.id, title=f"Text labels by {vendor.name}", task_type="annotation",
                       modality="text", expertise="general", unit="item", turnaround_days=3)
        s.add(off)
        s.flush()
        s.add(OfferingLanguage(offering_id=off.id, language="en"))
        s.add(Price(offering_id=off.id, amount_minor=500, currency="USD", effective_from=clock() - timedelta(days=30)))
        for p in (period_of(clock()), period):
            s.add(Capacity(offering_id=off.id, period=p, units=100))
        return off.id


def _ok(r, *codes):
    assert r.status_code in codes, (r.status_code, r.get_data(as_text=True)[:500])
    return r


def build(app, make, clock) -> World:
    """Build the market; the clock ends inside the allocated period."""
    from broker.scheduler.jobs import registry, run_once

    w = World()
    period = next_period(period_of(clock()))
    o = w.orgs
    o["dev_a"], o["dev_b"] = make.org(name="Alpha Lab"), make.org(name="Beta Lab")
    o["vendor"], o["vendor_w"] = make.org("vendor", name="Vee Labels"), make.org("vendor", name="Wye Labels")
    o["auditor"], o["operator"] = make.org("auditor", name="Audit Co"), make.org("operator", name="Parity Ops")
    emails = {role: f"{role}@security.example" for role in o}
    for role, org in o.items():
        make.user(org, email=emails[role])
    spare = make.org(name="Spare Lab")  # an org only the suspend/reinstate routes act on
    off = _offering(app, o["vendor"], period, clock)
    other_off = _offering(app, o["vendor_w"], period, clock)
    c = app.test_client()
    body = {"task_type": "annotation", "units": 10, "max_unit_price_minor": 2000, "currency": "USD",
            "language": "en", "modality": "text"}
    ta, tb = make.token(o["dev_a"]), make.token(o["dev_b"])
    # Alpha Lab asks the world's vendor only: every order of Alpha Lab is then Vee Labels' (which
    # vendor a round would serve first otherwise depends on the ids a backend hands out).
    reqs = [_ok(c.post("/api/v1/requests", json=body | {"preferred_vendor_ids": [o["vendor"].id]}, headers=auth(ta)),
                201).json["id"] for _ in range(4)]
    _ok(c.post("/api/v1/requests", json=body, headers=auth(tb)), 201)
    op = make.token(o["operator"])
    grp = _ok(c.post("/api/v1/admin/groups", headers=auth(op), json={
        "name": "Alpha family", "reason": "common control", "member_ids": [o["dev_a"].id]}), 201).json["id"]
    stakes = [_ok(c.post("/api/v1/admin/stakes", headers=auth(op), json={
        "holder_org_id": o["dev_b"].id, "vendor_org_id": o["vendor"].id, "percent": 5.0 + i, "kind": "equity"}),
        201).json["id"] for i in range(2)]
    reservations = [_ok(c.post("/api/v1/admin/reservations", headers=auth(op), json={
        "org_id": o[who].id, "offering_id": off, "period": period, "units": 2, "reason": "security test"}), 201).json["id"]
        for who in ("dev_b", "dev_a")]

    clock.set(cutoff_of(period, 48) + timedelta(seconds=20))
    job = registry(app)["rounds"]
    assert run_once(app, job, clock().replace(second=0))
    clock.set(cutoff_of(period, 48) + timedelta(days=2, hours=3))  # inside the period

    with app.app_context():
        s = db.session()
        allocs = s.exec(select(Allocation).where(Allocation.org_id == o["dev_a"].id).order_by(Allocation.id)).all()
        orders = s.exec(select(Order).where(Order.developer_org_id == o["dev_a"].id).order_by(Order.id)).all()
        assert len(allocs) >= 2 and len(orders) >= 2
        alloc_ids, order_ids = [a.id for a in allocs], [x.id for x in orders]
    for role, org in o.items():
        w.tokens[role] = make.token(org)
    # Pending (unallocated) requests, for the edit and cancel routes.
    pending = [_ok(c.post("/api/v1/requests", json=body, headers=w.headers("dev_a")), 201).json["id"]
               for _ in range(4)]
    pay = _ok(c.post(f"/api/v1/payments/allocations/{alloc_ids[0]}/confirm", headers=w.headers("dev_a")), 200, 201)
    invoice = _ok(c.get("/api/v1/payments/invoices", headers=w.headers("dev_a")), 200).json["items"][0]
    _ok(c.post(f"/api/v1/payments/invoices/{invoice['id']}/paid", headers=w.headers("operator")), 200)
    _ok(c.post(f"/api/v1/orders/{order_ids[0]}/accept", headers=w.headers("vendor")), 200)
    _ok(c.post(f"/api/v1/orders/{order_ids[0]}/deliveries", headers=w.headers("vendor"),
               json={"units": 1, "external_id": "batch-1"}), 201)
    invoices = _ok(c.get("/api/v1/payments/invoices", headers=w.headers("dev_a")), 200).json["items"]
    assert invoices, pay.json
    conn = _ok(c.put("/api/v1/providers/connection", headers=w.headers("vendor"),
                     json={"adapter": "manual", "settings": {}}), 200, 201).json
    event_id = _dead_letter(app, conn["id"], order_ids[0])

    w.ids = {
        "org_id": o["dev_a"].id, "vendor_id": o["vendor"].id, "offering_id": off, "other_offering_id": other_off, "period": period,
        "request_id": reqs[0], "request_ids": reqs, "pending_ids": pending, "order_id": order_ids[0], "order_ids": order_ids,
        "allocation_id": alloc_ids[0], "allocation_ids": alloc_ids, "payment_id": invoices[0]["id"],
        "group_id": grp, "stake_ids": stakes, "reservation_ids": reservations,
        "connection_id": conn["id"], "event_id": event_id, "quarter": "2026-Q3", "day": clock().date().isoformat(),
        "series": "access", "filename": "parity.css",
        "spare_org_ids": [spare.id], "action": "end-stake", "target_id": stakes[0],
    }
    w.ids.update(_report_and_round(app, period))
    w.ids.update(_mail_and_pseudonym(app, o["dev_a"]))
    w.ids.update(_labor_disclosure(app, o["dev_a"], clock))
    # the transparency log: the report's proof, and a tile its checkpoint covers
    w.ids.update({"kind": "report", "ref": w.ids["report_id"], "rest": "0/000.p/1",
                  "seq": 1, "receipt_files": ["json"]})
    for role in o:
        browser = app.test_client()
        _ok(login(browser, emails[role]), 302)
        w.browsers[role] = browser
        w.csrf[role] = csrf_from(browser.get("/login").get_data(as_text=True))
    anon = app.test_client()
    w.browsers["anonymous"] = anon
    w.csrf["anonymous"] = csrf_from(anon.get("/login").get_data(as_text=True))
    return w


def _dead_letter(app, connection_id: int, order_id: int) -> str:
    from broker.models import ProviderEvent

    with app.app_context(), db.transaction(db.session()) as s:
        s.add(ProviderEvent(connection_id=connection_id, event_id="evt-security-1", dedupe_key="security-1",
                            kind="order.offered", order_id=order_id, payload={}, status="dead", attempts=5,
                            last_error="test"))
    return "evt-security-1"


def _mail_and_pseudonym(app, dev) -> dict:
    """An email in the outbox (the acceptance and delivery above, sent to dev_a's person) and
    dev_a's pseudonym in the published access report (its group's)."""
    from broker.mail import outbox
    from broker.models import OutboundMail
    from broker.services.round_input import told_to

    with app.app_context():
        s = db.session()
        outbox.tick(s, None)
        mail_id = s.exec(select(OutboundMail.id)).first()
        assert mail_id is not None
        mine = told_to(s, s.get(type(dev), dev.id))[0]
        return {"mail_id": mail_id, "pseudonym": mine["group"] or mine["org"]}


def _report_and_round(app, period: str) -> dict:
    from broker.models import Report, Round
    from broker.reports.publish import publish_period

    with app.app_context():
        publish_period(db.session(), period, keys_path=app.config["KEYS_PATH"])
    with app.app_context():
        s = db.session()
        return {"report_id": s.exec(select(Report.id)).first(), "round_id": s.exec(select(Round.id)).first()}


def _labor_disclosure(app, dev, clock) -> dict:
    """Org A's labor disclosure for the current quarter (people: /labor)."""
    from broker.catalog.workforce import quarter_of
    from broker.reports import labor

    quarter = quarter_of(clock().year, clock().month)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            row = labor.publish(s, dev.id, quarter, keys_path=app.config["KEYS_PATH"], at=clock())
        return {"disclosure_id": row.id, "labor_quarter": quarter}
