"""Test data builders, one set for the whole suite (as in CTFd's tests).

- ``Builders`` (fixture ``make``): orgs, users and API clients made through the services, as an
  operator would make them, and tokens issued through /oauth/token.
- ``Market`` (fixture ``market``): the rows of a marketplace written directly — offerings with
  prices and capacity, requests, rounds run by the real engine, orders and deliveries — and
  offerings listed through the real API.
- ``principal_of`` / ``OPERATOR``: the caller a service is given.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import func, select

from broker.tlog import service as tlog
from broker import db
from broker.access.principal import Principal
from broker.access.roles import ROLE_SCOPES
from broker.canonical import digest, legacy
from broker.clock import now
from broker.fairness import allocate, dumps_result
from broker.models import (Allocation, Capacity, CapacityRequest, Delivery, Offering, OfferingLanguage, Order,
                           OrderStatus, Org, OrgGroup, OrgKind, OrgStatus, Price, Round, Stake,
                           WorkforceDisclosure)
from broker.periods import next_period, period_of, period_start
from broker.services.round_input import Pseudonyms
from tests.helpers import auth, issue_token

# A complete offering as the API takes it.
OFFERING = {
    "title": "English preference ranking",
    "task_type": "preference_ranking",
    "modality": "text",
    "expertise": "general",
    "unit": "comparison",
    "languages": ["en"],
    "turnaround_days": 3,
    "quality": {"gold_tasks": True, "redundancy": 3, "consensus": "majority",
                "agreement_metric": "krippendorff_alpha"},
    "security": {"nda": True, "data_residency": "EU"},
    "content_risk": "mild",
    "effective_hourly_pay_minor": 1200,
    "pay_currency": "USD",
}


def request_body(**kw) -> dict:
    """A capacity request as the API takes it."""
    body = {"task_type": "annotation", "units": 10, "max_unit_price_minor": 2000, "currency": "USD",
            "language": "en", "modality": "text"}
    body.update(kw)
    return body


def principal_of(org, scopes=None) -> Principal:
    """The org acting with every scope its role may hold (or ``scopes``)."""
    kind = OrgKind(org.kind)
    return Principal(org_id=org.id, role=kind, scopes=frozenset(scopes) if scopes else ROLE_SCOPES[kind],
                     name=org.name)


OPERATOR = Principal(org_id=0, role=OrgKind.operator, scopes=ROLE_SCOPES[OrgKind.operator], name="ops")


class Builders:
    """Orgs, users and clients made through the services; each commits and returns the row."""

    def __init__(self, app):
        self.app = app
        self.n = 0

    def _tx(self):
        return db.transaction(db.session())

    def org(self, kind="developer", name=None, headcount=120, **kw):
        from broker.services import accounts

        self.n += 1
        with self.app.app_context(), self._tx() as s:
            org = accounts.create_org(s, None, name=name or f"{kind.title()} {self.n}",
                                      kind=OrgKind(kind), headcount=headcount, **kw)
        return org

    def user(self, org, email=None, password="correct horse battery", name=""):
        from broker.services import accounts

        self.n += 1
        with self.app.app_context(), self._tx() as s:
            return accounts.create_user(s, None, org=org, email=email or f"user{self.n}@example.org",
                                        password=password, name=name)

    def client_credentials(self, org, scopes=None):
        from broker.services import accounts

        with self.app.app_context(), self._tx() as s:
            c, secret = accounts.create_client(s, None, org=org, name="test client", scopes=scopes)
        return c.client_id, secret

    def token(self, org, scopes=None) -> str:
        cid, secret = self.client_credentials(org, scopes)
        return issue_token(self.app.test_client(), cid, secret)


class Market:
    """Marketplace rows written directly (no audit trail, no API), and offerings through the API.

    ``developer``, ``vendor``, ``offering_id`` and ``period`` are the defaults of ``order``; a fixture that
    wants a ready market sets them (see tests/payments/conftest.py).
    """

    def __init__(self, app, clock=None, client=None):
        self.app, self.clock, self.client = app, clock, client
        self.n = 0
        self.developer = self.vendor = self.offering_id = self.period = None
        self.result_version = 2  # the engine's result schema; 1 stores rounds as engines before 2 did

    # ---- reading ---------------------------------------------------------------------------

    def count(self, model) -> int:
        with self.app.app_context():
            return db.session().exec(select(func.count()).select_from(model)).one()

    def rows(self, model, *where):
        # In key order: PostgreSQL returns rows in no set order, and tests compare sequences.
        key = list(model.__table__.primary_key.columns)
        with self.app.app_context():
            return list(db.session().exec(select(model).where(*where).order_by(*key)))

    def get(self, model, row_id: int):
        with self.app.app_context():
            return db.session().get(model, row_id)

    # ---- writing rows ----------------------------------------------------------------------

    def _add(self, *rows):
        with self.app.app_context():
            s = db.session()
            with db.transaction(s):
                s.add_all(rows)
                s.flush()
                for r in rows:
                    s.refresh(r)
            return rows[0] if len(rows) == 1 else rows

    def org(self, kind: str, name: str | None = None, headcount: int | None = 120,
            group: OrgGroup | None = None) -> Org:
        """An approved org row (no audit entry: for data that only reports read)."""
        self.n += 1
        return self._add(Org(name=name or f"{kind} {self.n}", slug=f"{kind}-{self.n}", kind=OrgKind(kind),
                             status=OrgStatus.approved, headcount=headcount, group_id=group.id if group else None))

    def group(self, name: str) -> OrgGroup:
        return self._add(OrgGroup(name=name))

    def offering(self, vendor, *, capacity=100, price=1000, currency="USD", task_type="annotation",
                 modality="text", expertise="general", unit="item", languages=("en",), turnaround_days=3,
                 periods=None, title=None, annotator_share=None, pay=None, price_from=None) -> Offering:
        """An offering with one price in effect (from 30 days before the clock, or
        ``price_from``) and ``capacity`` units in each of ``periods`` (default: this period and
        the next)."""
        t = self.clock() if self.clock else now()
        periods = periods or [period_of(t), next_period(period_of(t))]
        with self.app.app_context(), db.transaction(db.session()) as s:
            off = Offering(vendor_org_id=vendor.id, title=title or f"{task_type} by {vendor.name}",
                           task_type=task_type, modality=modality, expertise=expertise, unit=unit,
                           turnaround_days=turnaround_days, annotator_share=annotator_share,
                           effective_hourly_pay_minor=pay, pay_currency="USD" if pay else None)
            s.add(off)
            s.flush()
            s.add_all([OfferingLanguage(offering_id=off.id, language=lang) for lang in languages])
            s.add(Price(offering_id=off.id, amount_minor=price, currency=currency,
                        effective_from=price_from or t - timedelta(days=30)))
            s.add_all([Capacity(offering_id=off.id, period=p, units=capacity) for p in periods])
        return off

    def stake(self, holder: Org, vendor: Org, percent: str = "20") -> Stake:
        return self._add(Stake(holder_org_id=holder.id, vendor_org_id=vendor.id, percent=Decimal(percent),
                               kind="equity", declared_at=period_start("2026-W01")))

    def request(self, org: Org, units: int, submitted_at: datetime,
                task_type: str = "preference_ranking") -> CapacityRequest:
        return self._add(CapacityRequest(org_id=org.id, task_type=task_type, units=units,
                                         max_unit_price_minor=100_000, currency="USD", submitted_at=submitted_at))

    def order(self, *, units=10, price=250, currency="USD", fee_rate="0.10", developer=None, vendor=None,
              offering_id=None, period=None) -> Order:
        """An allocation and its order, as a round would leave them (the round itself empty)."""
        dev, vendor = developer or self.developer, vendor or self.vendor
        offering_id = offering_id or self.offering_id
        period = period or self.period or period_of(now())
        self.n += 1
        with self.app.app_context(), db.transaction(db.session()) as s:
            rnd = Round(run_key=f"test-{period}-{self.n}", period=period, kind="main", policy_version=0,
                        input_json="{}", output_json="{}", input_digest="sha256:x", output_digest="sha256:x")
            req = CapacityRequest(org_id=dev.id, task_type="annotation", units=units,
                                  max_unit_price_minor=price * 2, currency=currency, submitted_at=now())
            s.add_all([rnd, req])
            s.flush()
            alloc = Allocation(round_id=rnd.id, request_id=req.id, offering_id=offering_id, org_id=dev.id,
                               period=period, units=units, unit_price_minor=price, currency=currency,
                               explanation={})
            s.add(alloc)
            s.flush()
            order = Order(allocation_id=alloc.id, vendor_org_id=vendor.id, developer_org_id=dev.id,
                          offering_id=offering_id, period=period, units=units, unit_price_minor=price,
                          currency=currency, fee_rate=Decimal(fee_rate), payment_due_at=now() + timedelta(hours=72))
            s.add(order)
            s.flush()
            return order

    def run_round(self, period: str, kind: str, at: datetime,
                  wants: list[tuple[CapacityRequest, list[Offering]]]) -> tuple[Round, list[Order]]:
        """Run the real engine over ``wants`` (request, eligible offerings) and write the round,
        its allocations and orders as the broker does (input shaped like the broker's: offerings
        ``off-<id>``, orgs and requests under the period's pseudonyms)."""
        with self.app.app_context():
            s = db.session()
            names = Pseudonyms(period, self.app.config["SECRET_KEY"])
            orgs = {o.id: o for o in s.exec(select(Org)).all()}
            offerings = {o.id: o for _, offs in wants for o in offs}
            used = {}
            for a in s.exec(select(Allocation).where(Allocation.period == period)):
                used[a.offering_id] = used.get(a.offering_id, 0) + a.units
            caps = {c.offering_id: c.units for c in s.exec(select(Capacity).where(Capacity.period == period))}
            req_org = {r.id: r.org_id for r, _ in wants}
            doc = {"round": {"period": period, "kind": kind, "at": at.isoformat()},
                   "policy": {"max_reserved_share": 0.3, "small_set_aside": 0, "usage_half_life_days": 0},
                   "offerings": [{"id": f"off-{o.id}", "capacity": caps[o.id] - used.get(o.id, 0),
                                  "period_capacity": caps[o.id], "unit_price": 1000, "currency": "USD"}
                                 for o in offerings.values()],
                   "orgs": [], "guarantees": [], "requests": []}
            for oid in sorted(set(req_org.values())):
                o = orgs[oid]
                item = {"id": names("org", o.id), "weight": 1}
                if o.group_id:
                    item["group"] = names("grp", o.group_id)
                if o.size_class:
                    item["size_class"] = o.size_class.value
                doc["orgs"].append(item)
            for r, offs in wants:
                doc["requests"].append({"id": names("req", r.id), "org": names("org", r.org_id),
                                        "units": r.units - r.units_allocated,
                                        "offerings": [f"off-{o.id}" for o in offs],
                                        "submitted_at": r.submitted_at.isoformat().replace("+00:00", "Z")})
            input_json = legacy(doc).decode()
            result = allocate(json.loads(input_json), version=self.result_version)
            output_json = dumps_result(result)
            with db.transaction(s):
                rnd = Round(run_key=f"{period}/{kind}/{at.isoformat()}", period=period, kind=kind,
                            policy_version=0, input_json=input_json, output_json=output_json,
                            input_digest=digest(input_json.encode()), output_digest=digest(output_json.encode()),
                            ran_at=at)
                s.add(rnd)
                s.flush()
                tlog.log_round(s, rnd)  # as broker.services.rounds does, in the round's transaction
                orders = []
                for a in result["allocations"]:
                    rid = names.real(a["request"])
                    oid = int(a["offering"].removeprefix("off-"))
                    al = Allocation(round_id=rnd.id, request_id=rid, offering_id=oid, org_id=req_org[rid],
                                    period=period, units=a["units"], unit_price_minor=1000, currency="USD",
                                    created_at=at)
                    s.add(al)
                    s.flush()
                    od = Order(allocation_id=al.id, vendor_org_id=offerings[oid].vendor_org_id,
                               developer_org_id=req_org[rid], offering_id=oid, period=period,
                               units=a["units"], unit_price_minor=1000, currency="USD",
                               fee_rate=Decimal("0.10"), created_at=at)
                    s.add(od)
                    s.flush()
                    orders.append(od)
                    req = s.get(CapacityRequest, rid)
                    req.units_allocated += a["units"]
                    s.add(req)
            return rnd, orders

    def deliver(self, order: Order, units: int, at: datetime) -> Delivery | None:
        """A delivery row, with the order's running total kept as orders.deliver keeps it."""
        if units <= 0:
            return None
        with self.app.app_context():
            s = db.session()
            with db.transaction(s):
                row = s.get(Order, order.id)
                row.units_delivered += units
                if row.units_delivered >= row.units:
                    row.status = OrderStatus.delivered
                d = Delivery(order_id=order.id, units=units, delivered_at=at)
                s.add_all([row, d])
                s.flush()
                s.refresh(d)
            order.units_delivered, order.status = row.units_delivered, row.status
            return d

    def disclosure(self, vendor: Org, quarter: str, **kw) -> WorkforceDisclosure:
        base = dict(vendor_org_id=vendor.id, quarter=quarter, headcount=300,
                    employment_mix={"employee": 50.0, "contractor": 50.0}, countries={"KE": 60.0, "PH": 40.0},
                    median_hourly_pay_minor=1400, pay_currency="USD", share_below_minimum_wage=0.0,
                    share_below_living_wage=10.0, time_estimate_shown=True, payment_days=14,
                    share_domain_experts=20.0, fairwork_principles=["pay", "conditions"],
                    attestation="self")
        base.update(kw)
        return self._add(WorkforceDisclosure(**base))

    # ---- through the API -------------------------------------------------------------------

    def offer(self, token, price=None, currency="USD", **fields) -> dict:
        """List an offering through POST /api/v1/offerings (and set its price)."""
        r = self.client.post("/api/v1/offerings", json={**OFFERING, **fields}, headers=auth(token))
        assert r.status_code == 201, r.get_data(as_text=True)
        if price is not None:
            p = self.client.post(f"/api/v1/offerings/{r.json['id']}/prices",
                                 json={"amount_minor": price, "currency": currency}, headers=auth(token))
            assert p.status_code == 201, p.get_data(as_text=True)
        return r.json
