"""The job list and the run ledger that makes each scheduled slot run once.

Each job is a function of (app, scheduled_for). ``run_once`` inserts a ``job_run`` row
unique on (job, scheduled_for) before doing the work: should two leaders ever overlap (a
network partition on PostgreSQL), the second insert fails and that slot is skipped.
Jobs are idempotent all the same.
"""
from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy.exc import IntegrityError
from sqlmodel import delete, select

from broker import db
from broker.clock import now
from broker.models import JobRun, OAuthToken

log = logging.getLogger("parity.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    func: Callable[[datetime], str]
    # APScheduler trigger arguments, e.g. {"trigger": "interval", "minutes": 5}.
    trigger: dict


def purge_expired_tokens(scheduled_for: datetime) -> str:
    """Drop access tokens that expired more than a day ago (they can never be used again)."""
    s = db.session()
    cutoff = now() - timedelta(days=1)
    with db.transaction(s):
        # Tokens live at most a day, so only those issued over two days ago can qualify.
        old = s.exec(select(OAuthToken).where(OAuthToken.issued_at < cutoff - timedelta(days=1)))
        expired = [t.id for t in old if t.issued_at + timedelta(seconds=t.expires_in) < cutoff]
        if expired:
            s.exec(delete(OAuthToken).where(OAuthToken.id.in_(expired)))
    return f"purged {len(expired)} expired tokens"


def _publish_reports(scheduled_for: datetime) -> str:
    from broker.cli.reports import publish_job  # every closed period not yet published, once

    return publish_job(scheduled_for)


def _sign_log_checkpoint(scheduled_for: datetime) -> str:
    from broker.tlog.service import checkpoint_job  # seal price days, sign when the log grew

    return checkpoint_job(scheduled_for)


def registry() -> list[Job]:
    """Every scheduled job. Later features append theirs here."""
    from broker.services import broker_jobs
    from broker.services.providers import jobs as provider_jobs

    return [
        Job("purge_expired_tokens", purge_expired_tokens, {"trigger": "interval", "hours": 1}),
        *broker_jobs.jobs(),  # rounds, request expiry, period-end shorts
        *provider_jobs(),  # vendor systems: catalog sync, order push, progress poll
        Job("publish_reports", _publish_reports, {"trigger": "interval", "hours": 1}),
        Job("sign_log_checkpoint", _sign_log_checkpoint, {"trigger": "interval", "minutes": 5}),
        *__import__("broker.payments.jobs", fromlist=["jobs"]).jobs(),  # payments: release, refund, pay out
    ]


def slot_of(job: Job, t: datetime) -> datetime:
    """The slot a firing belongs to: the fire time floored to the job's interval, so two
    leaders that overlap compute the same slot and the run ledger keeps one."""
    step = timedelta(**{k: v for k, v in job.trigger.items() if k in ("weeks", "days", "hours",
                                                                        "minutes", "seconds")})
    if not step:
        return t.replace(microsecond=0)
    epoch = datetime(1970, 1, 1, tzinfo=t.tzinfo)
    return epoch + ((t - epoch) // step) * step


def run_once(app, job: Job, scheduled_for: datetime) -> str | None:
    """Run ``job`` for its slot unless the slot already ran; returns its summary."""
    with app.app_context():
        s = db.session()
        try:
            with db.transaction(s):
                run = JobRun(job=job.name, scheduled_for=scheduled_for, host=socket.gethostname())
                s.add(run)
        except IntegrityError:
            log.info("job %s for %s already ran; skipped", job.name, scheduled_for.isoformat())
            return None
        try:
            detail = job.func(scheduled_for)
            status = "ok"
        except Exception as exc:  # noqa: BLE001 — recorded, and the scheduler keeps going
            log.exception("job %s failed", job.name)
            detail, status = f"{exc.__class__.__name__}: {exc}", "failed"
        with db.transaction(s):
            run = s.get(JobRun, run.id)
            run.status, run.detail, run.finished_at = status, detail, now()
            s.add(run)
        log.info("job %s: %s (%s)", job.name, status, detail)
        return detail
