"""Rows the payments browser tests start from: an allocated order as a round would leave it,
without running one (a stand-in round row; the engine is not what these tests drive)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from broker.clock import now
from broker.models import Allocation, CapacityRequest, Offering, Order, Price, Round
from broker.periods import period_of


def order_for(s, dev, ven, *, units: int, price_minor: int, due_in: timedelta, currency: str = "EUR") -> Order:
    """A preference-ranking offering of ``ven`` and an order of ``dev`` for ``units`` of it,
    payable within ``due_in``."""
    off = Offering(vendor_org_id=ven.id, title="Preference pairs", task_type="preference_ranking",
                   modality="text", unit="comparison", turnaround_days=2)
    s.add(off)
    s.flush()
    s.add(Price(offering_id=off.id, amount_minor=price_minor, currency=currency, effective_from=now()))
    period = period_of(now())
    rnd = Round(run_key=f"browser-{period}", period=period, kind="main", policy_version=0, input_json="{}",
                output_json="{}", input_digest="sha256:x", output_digest="sha256:x")
    req = CapacityRequest(org_id=dev.id, task_type="preference_ranking", units=units, max_unit_price_minor=2000,
                          currency=currency, submitted_at=now())
    s.add_all([rnd, req])
    s.flush()
    alloc = Allocation(round_id=rnd.id, request_id=req.id, offering_id=off.id, org_id=dev.id, period=period,
                       units=units, unit_price_minor=price_minor, currency=currency, explanation={})
    s.add(alloc)
    s.flush()
    order = Order(allocation_id=alloc.id, vendor_org_id=ven.id, developer_org_id=dev.id, offering_id=off.id,
                  period=period, units=units, unit_price_minor=price_minor, currency=currency,
                  fee_rate=Decimal("0.10"), payment_due_at=now() + due_in, created_at=now() - timedelta(minutes=1))
    s.add(order)
    s.flush()
    return order
