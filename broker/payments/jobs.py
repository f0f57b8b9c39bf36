"""The scheduler's payments job: release overdue unpaid orders, refund ended periods, and
send every payout and refund still due (each at most once, whoever runs it)."""
from __future__ import annotations

from datetime import datetime

from broker import db
from broker.clock import now


def settle_tick(scheduled_for: datetime) -> str:
    from broker.payments import service

    return service.settle(db.session(), now())


def jobs() -> list:
    from broker.scheduler.jobs import Job

    return [Job("payments_settle", settle_tick, {"trigger": "interval", "minutes": 5})]
