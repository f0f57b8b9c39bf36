"""Rounds through the service layer: snapshot, engine, one transaction, run keys."""
from __future__ import annotations

import json

from sqlmodel import select

from broker import db
from broker.fairness import allocate, dumps_result
from broker.models import Allocation, AuditEntry, CapacityRequest, Notification, Order, Round
from broker.periods import cutoff_of, next_period, period_of
from broker.services import requests as requests_svc
from broker.services import rounds, schedule
from tests.builders import principal_of, request_body


def submit(app, org, **kw):
    body = request_body(**kw)
    with app.app_context(), db.transaction(db.session()) as s:
        return requests_svc.create(s, principal_of(org), body).id


def test_main_round_allocates_stores_and_replays(app, make, market, clock):
    vendor = make.org("vendor")
    off = market.offering(vendor, capacity=10, periods=[next_period(period_of(clock()))])
    a, b = make.org(), make.org()
    ra = submit(app, a, units=8)
    rb = submit(app, b, units=8)
    p = next_period(period_of(clock()))
    clock.set(cutoff_of(p, 48))
    with app.app_context():
        s = db.session()
        slot = schedule.due_slot(s, clock())
        assert slot.kind == "main" and slot.period == p
        out = rounds.run(s, slot, clock())
        assert out.round is not None
        allocs = s.exec(select(Allocation)).all()
        assert sorted(x.units for x in allocs) == [5, 5]
        assert {x.request_id for x in allocs} == {ra, rb}
        assert len(s.exec(select(Order)).all()) == 2
        rnd = s.exec(select(Round)).one()
        assert dumps_result(allocate(json.loads(rnd.input_json))) == rnd.output_json
        assert "org-" in rnd.input_json and f'"{a.id}"' not in rnd.input_json
        req = s.get(CapacityRequest, ra)
        assert req.status.value == "partial" and req.units_allocated == 5
        assert req.reason["code"] == "fair_share_reached"
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "round.run")).one()
        assert len(s.exec(select(Notification)).all()) == 4  # 2 vendor orders + 2 developers
        again = rounds.run(s, slot, clock())
        assert again.skipped == "already ran"
        assert len(s.exec(select(Round)).all()) == 1
        assert off.id == allocs[0].offering_id
