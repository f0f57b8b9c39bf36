"""The broker's scheduled jobs (listed in broker.scheduler.jobs.registry).

Each is idempotent: rounds are keyed by their slot (the database refuses a second round with
the same run key), expiry and shorts only touch rows still open. A tick that dies half-way
leaves nothing (one transaction) and the next tick does the work.
"""
from __future__ import annotations

from datetime import datetime

from broker import db
from broker.clock import now
from broker.services import expiry, orders, rounds


def rounds_tick(scheduled_for: datetime) -> str:
    """Run the main round once its cutoff passed, then the current spot slot."""
    outs = rounds.run_due(db.session(), now())
    if any(o.round is not None for o in outs):
        from broker.tlog.service import checkpoint_job  # a round's log proof is served at once

        checkpoint_job(scheduled_for)
    return "; ".join(rounds.summary(o) for o in outs) or "nothing due"


def expire_tick(scheduled_for: datetime) -> str:
    s = db.session()
    with db.transaction(s):
        n = expiry.expire(s, now())
    return f"expired {n} requests"


def shorts_tick(scheduled_for: datetime) -> str:
    s = db.session()
    with db.transaction(s):
        n = orders.mark_shorts(s, now())
    return f"{n} orders short at period end"


def jobs() -> list:
    from broker.scheduler.jobs import Job

    return [Job("rounds", rounds_tick, {"trigger": "interval", "minutes": 1}),
            Job("expire_requests", expire_tick, {"trigger": "interval", "minutes": 5}),
            Job("period_end_shorts", shorts_tick, {"trigger": "interval", "minutes": 15})]
