"""Builders for the broker's tests: vendors with offerings, prices and capacity; developers
with users and tokens; requests; rounds run at a chosen instant."""
from __future__ import annotations

from datetime import timedelta

import pytest

from broker import db
from broker.models import Capacity, Offering, OfferingLanguage, Price
from broker.periods import period_of, next_period


class Market:
    def __init__(self, app, make, clock):
        self.app, self.make, self.clock = app, make, clock

    def offering(self, vendor, *, capacity=100, price=1000, currency="USD", task_type="annotation",
                 modality="text", expertise="general", languages=("en",), turnaround_days=3,
                 periods=None, title=None):
        t = self.clock()
        periods = periods or [period_of(t), next_period(period_of(t))]
        with self.app.app_context(), db.transaction(db.session()) as s:
            off = Offering(vendor_org_id=vendor.id, title=title or f"{task_type} by {vendor.name}",
                           task_type=task_type, modality=modality, expertise=expertise, unit="item",
                           turnaround_days=turnaround_days)
            s.add(off)
            s.flush()
            for lang in languages:
                s.add(OfferingLanguage(offering_id=off.id, language=lang))
            s.add(Price(offering_id=off.id, amount_minor=price, currency=currency,
                        effective_from=t - timedelta(days=30)))
            for p in periods:
                s.add(Capacity(offering_id=off.id, period=p, units=capacity))
        return off


@pytest.fixture
def market(app, make, clock):
    return Market(app, make, clock)


def request_body(**kw):
    body = {"task_type": "annotation", "units": 10, "max_unit_price_minor": 2000, "currency": "USD",
            "language": "en", "modality": "text"}
    body.update(kw)
    return body
