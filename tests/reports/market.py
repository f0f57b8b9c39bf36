"""Builders for report tests: a small market written as model rows, with rounds produced by
the real engine (``broker.fairness.allocate``) over inputs shaped like the broker's (offerings
``off-<id>``, orgs/groups/requests under the period's pseudonyms)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

from sqlmodel import select

from broker import db
from broker.fairness import allocate, dumps_result
from broker.models import (Allocation, CapacityRequest, Capacity, Delivery, Offering, Order, OrderStatus, Org,
                           OrgGroup, OrgKind, OrgStatus, Price, Round, Stake, WorkforceDisclosure)


def canonical(doc) -> str:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Market:
    def __init__(self, app):
        self.app = app
        self.n = 0

    def _add(self, *rows):
        with self.app.app_context():
            s = db.session()
            with db.transaction(s):
                for r in rows:
                    s.add(r)
                s.flush()
                for r in rows:
                    s.refresh(r)
            return rows[0] if len(rows) == 1 else rows

    def org(self, kind: str, name: str | None = None, headcount: int | None = 120, group: OrgGroup | None = None) -> Org:
        self.n += 1
        name = name or f"{kind} {self.n}"
        return self._add(Org(name=name, slug=f"{kind}-{self.n}", kind=OrgKind(kind), status=OrgStatus.approved,
                             headcount=headcount, group_id=group.id if group else None))

    def group(self, name: str) -> OrgGroup:
        return self._add(OrgGroup(name=name))

    def offering(self, vendor: Org, *, period: str, capacity: int, price: int = 1000,
                 task_type: str = "preference_ranking", unit: str = "comparison",
                 annotator_share: float | None = 60.0, pay: int | None = 1500,
                 price_from: datetime | None = None) -> Offering:
        off = self._add(Offering(vendor_org_id=vendor.id, title=f"{task_type} by {vendor.name}",
                                 task_type=task_type, modality="text", unit=unit, turnaround_days=3,
                                 annotator_share=annotator_share, effective_hourly_pay_minor=pay,
                                 pay_currency="USD" if pay else None))
        from broker.periods import period_start
        self._add(Price(offering_id=off.id, amount_minor=price, currency="USD",
                        effective_from=price_from or period_start(period) - timedelta(days=30)),
                  Capacity(offering_id=off.id, period=period, units=capacity))
        return off

    def stake(self, holder: Org, vendor: Org, percent: str = "20") -> Stake:
        from broker.periods import period_start
        return self._add(Stake(holder_org_id=holder.id, vendor_org_id=vendor.id, percent=Decimal(percent),
                               kind="equity", declared_at=period_start("2026-W01")))

    def request(self, org: Org, units: int, submitted_at: datetime) -> CapacityRequest:
        return self._add(CapacityRequest(org_id=org.id, task_type="preference_ranking", units=units,
                                         max_unit_price_minor=100_000, currency="USD",
                                         submitted_at=submitted_at))

    def run_round(self, period: str, kind: str, at: datetime,
                  wants: list[tuple[CapacityRequest, list[Offering]]]) -> tuple[Round, list[Order]]:
        """Run the real engine over ``wants`` (request, eligible offerings) and write the round,
        its allocations and orders as the broker does."""
        with self.app.app_context():
            from broker.services.rounds import Pseudonyms

            s = db.session()
            names = Pseudonyms(period)
            orgs = {o.id: o for o in s.exec(select(Org)).all()}
            offerings = {o.id: o for _, offs in wants for o in offs}
            used = {}
            for a in s.exec(select(Allocation).where(Allocation.period == period)):
                used[a.offering_id] = used.get(a.offering_id, 0) + a.units
            caps = {c.offering_id: c.units for c in s.exec(
                select(Capacity).where(Capacity.period == period))}
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
            input_json = canonical(doc)
            result = allocate(json.loads(input_json))
            output_json = dumps_result(result)
            import hashlib
            dig = lambda t: "sha256:" + hashlib.sha256(t.encode()).hexdigest()  # noqa: E731
            with db.transaction(s):
                rnd = Round(run_key=f"{period}/{kind}/{at.isoformat()}", period=period, kind=kind,
                            policy_version=0, input_json=input_json, output_json=output_json,
                            input_digest=dig(input_json), output_digest=dig(output_json), ran_at=at)
                s.add(rnd)
                s.flush()
                from broker.tlog import service as tlog
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

    def deliver(self, order: Order, units: int, at: datetime) -> Delivery:
        """A delivery, with the order's running total kept as orders.deliver keeps it."""
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
