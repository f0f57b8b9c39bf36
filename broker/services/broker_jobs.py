"""The broker's scheduled jobs (``register_jobs``; see broker.jobs).

Each is idempotent: rounds are keyed by their slot (the database refuses a second round with
the same run key), expiry and shorts only touch rows still open. A tick that dies half-way
leaves nothing (one transaction) and the next tick does the work.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from broker import db
from broker.clock import now
from broker.jobs import Jobs
from broker.services import expiry, orders, rounds


def rounds_tick(s: Session, scheduled_for: datetime) -> str:
    """Run the main round once its cutoff passed, then the current spot slot."""
    outs = rounds.run_due(s, now())
    return "; ".join(rounds.summary(o) for o in outs) or "nothing due"


def expire_tick(s: Session, scheduled_for: datetime) -> str:
    with db.transaction(s):
        n = expiry.expire(s, now())
    return f"expired {n} requests"


def shorts_tick(s: Session, scheduled_for: datetime) -> str:
    with db.transaction(s):
        n = orders.mark_shorts(s, now())
    return f"{n} orders short at period end"


def register_jobs(jobs: Jobs) -> None:
    jobs.every("rounds", rounds_tick, minutes=1)
    jobs.every("expire_requests", expire_tick, minutes=5)
    jobs.every("period_end_shorts", shorts_tick, minutes=15)
