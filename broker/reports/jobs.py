"""The scheduler's reports job: publish every closed period not yet published (idempotent)."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from broker.clock import now
from broker.config import settings_of
from broker.jobs import Jobs
from broker.reports import publish


def publish_tick(s: Session, scheduled_for: datetime) -> str:
    out = publish.publish_due(s, keys_path=settings_of(s)["KEYS_PATH"], at=now())
    done = [p for p in out if p.report is not None and not p.skipped]
    return f"published {len(done)} reports" + (f" for {sorted({p.period for p in done})}" if done else "")


def register_jobs(jobs: Jobs) -> None:
    jobs.every("publish_reports", publish_tick, hours=1)
