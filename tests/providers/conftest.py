"""Fixtures of the provider tests: vendors with an offering, orders as a round makes them,
a connection per vendor, vendor systems on 127.0.0.1, and a real Label Studio booting in the
background from the moment the session knows it will need one."""
from __future__ import annotations

import itertools
import os
from types import SimpleNamespace
from datetime import timedelta
from decimal import Decimal

import pytest

from broker import db
from broker.models import (Allocation, Capacity, CapacityRequest, Offering, Order, Price,
                           Round)
from broker.periods import period_of
from broker.services import vendor_systems as svc
from tests.builders import principal_of
from tests.providers import labelstudio_server

_label_studio: list[labelstudio_server.Server] = []  # the session's one server, once booting


def pytest_collection_finish(session):
    # Boot Label Studio now, beside the tests that run before its own (its boot is most of
    # that test's time), but only when a selected test needs it. Under pytest-xdist every
    # worker collects the test and one runs it, which one is not known yet: only the first
    # worker boots ahead (a boot is ≈ 12 s of CPU); another that gets the test boots then.
    if os.environ.get("PYTEST_XDIST_WORKER", "gw0") != "gw0":
        return
    if any("label_studio" in getattr(item, "fixturenames", ()) for item in session.items):
        _label_studio.append(labelstudio_server.Server())


def pytest_sessionfinish(session):
    for server in _label_studio:
        server.close()


@pytest.fixture(scope="session")
def label_studio() -> str:
    """The base URL of a running Label Studio (skips the test when it cannot be installed)."""
    if not _label_studio:  # collected some other way: boot it now
        _label_studio.append(labelstudio_server.Server())
    try:
        return _label_studio[0].wait()
    except labelstudio_server.Unavailable as e:
        pytest.skip(str(e))

SECRET = "whsec-test-current-0123456789"
OLD_SECRET = "whsec-test-previous-9876543210"


@pytest.fixture(autouse=True)
def provider_env(monkeypatch):
    monkeypatch.setenv("PARITY_PROVIDERS_ALLOW_HTTP", "1")
    monkeypatch.setenv("PARITY_PROVIDER_ACME_SECRET", SECRET)
    monkeypatch.setenv("PARITY_PROVIDER_ACME_OLD", OLD_SECRET)


class Shop:
    """Builds vendors, offerings and orders straight into the database."""

    _seq = itertools.count(1)

    def __init__(self, app, make, clock):
        self.app, self.make, self.clock = app, make, clock

    def vendor(self, name=None):
        v = self.make.org("vendor", name=name)
        with self.app.app_context(), db.transaction(db.session()) as s:
            t = self.clock()
            off = Offering(vendor_org_id=v.id, title=f"Annotation by {v.name}", task_type="annotation",
                           modality="text", unit="item", turnaround_days=3)
            s.add(off)
            s.flush()
            s.add(Price(offering_id=off.id, amount_minor=1000, currency="USD", effective_from=t - timedelta(days=9)))
            s.add(Capacity(offering_id=off.id, period=period_of(t), units=100))
        return SimpleNamespace(id=v.id, name=v.name, org=v, offering_id=off.id)

    def order(self, vendor, developer, units=10) -> int:
        t = self.clock()
        n = next(self._seq)
        with self.app.app_context(), db.transaction(db.session()) as s:
            req = CapacityRequest(org_id=developer.id, task_type="annotation", units=units,
                                  max_unit_price_minor=2000, currency="USD", submitted_at=t)
            rnd = Round(run_key=f"test/{n}", period=period_of(t), kind="spot", policy_version=1,
                        input_json="{}", output_json="{}", input_digest="x", output_digest="x", ran_at=t)
            s.add(req)
            s.add(rnd)
            s.flush()
            alloc = Allocation(round_id=rnd.id, request_id=req.id, offering_id=vendor.offering_id,
                               org_id=developer.id, period=period_of(t), units=units, unit_price_minor=1000,
                               currency="USD", created_at=t)
            s.add(alloc)
            s.flush()
            order = Order(allocation_id=alloc.id, vendor_org_id=vendor.id, developer_org_id=developer.id,
                          offering_id=vendor.offering_id, period=period_of(t), units=units,
                          unit_price_minor=1000, currency="USD", fee_rate=Decimal("0.05"), created_at=t)
            s.add(order)
            s.flush()
            return order.id

    def connect(self, vendor, adapter, **settings):
        operator = self.make.org("operator")
        with self.app.app_context(), db.transaction(db.session()) as s:
            conn = svc.connect(s, principal_of(operator), vendor_org_id=vendor.id, adapter=adapter,
                               settings=settings)
            return conn.id

    def get(self, model, pk):
        with self.app.app_context():
            s = db.session()
            row = s.get(model, pk)
            s.expunge(row)
            return row

    def run(self, fn, *args):
        """Run a job function in an app context, as the scheduler does."""
        with self.app.app_context():
            return fn(db.session(), *args)


@pytest.fixture
def shop(app, make, clock):
    return Shop(app, make, clock)
