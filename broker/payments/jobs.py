"""The scheduler's payments job: release overdue unpaid orders, refund ended periods, and
send every payout and refund still due (each at most once, whoever runs it)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from broker.clock import now
from broker.jobs import Jobs
from broker.payments import service


def settle_tick(s: Session, scheduled_for: datetime) -> str:
    return service.settle(s, now())


def register_jobs(jobs: Jobs) -> None:
    jobs.every("payments_settle", settle_tick, minutes=5)
