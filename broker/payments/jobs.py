"""The scheduler's payments job: release overdue unpaid orders, refund ended periods, and
send every payout and refund still due (each at most once, whoever runs it)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from broker.clock import now
from broker.jobs import Jobs
from broker.payments import reminders, service


def settle_tick(s: Session, scheduled_for: datetime) -> str:
    return service.settle(s, now())


def reminders_tick(s: Session, scheduled_for: datetime) -> str:
    due, overdue = reminders.remind(s, now())
    return f"{due} invoices due soon, {overdue} overdue: notified"


def register_jobs(jobs: Jobs) -> None:
    jobs.every("payments_settle", settle_tick, minutes=5)
    jobs.every("invoice_reminders", reminders_tick, minutes=15)
