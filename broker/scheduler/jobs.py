"""The run ledger that makes each scheduled slot run once.

The jobs themselves come from the domains (``broker.jobs``; the app factory collects them in
``app.extensions["parity_jobs"]``). ``run_once`` inserts a ``job_run`` row unique on (job,
scheduled_for) before doing the work: should two leaders ever overlap (a network partition
on PostgreSQL), the second insert fails and that slot is skipped. Jobs are idempotent all
the same.
"""
from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy.exc import IntegrityError

from broker import db
from broker.clock import now
from broker.jobs import Job, Jobs
from broker.models import JobRun

log = logging.getLogger("parity.scheduler")


def registry(app: Flask) -> Jobs:
    """Every scheduled job of ``app``, as its domains registered them."""
    return app.extensions["parity_jobs"]


def slot_of(job: Job, t: datetime) -> datetime:
    """The slot a firing belongs to: the fire time floored to the job's interval, so two
    leaders that overlap compute the same slot and the run ledger keeps one."""
    step = timedelta(**{k: v for k, v in job.trigger.items() if k in ("weeks", "days", "hours",
                                                                        "minutes", "seconds")})
    if not step:
        return t.replace(microsecond=0)
    epoch = datetime(1970, 1, 1, tzinfo=t.tzinfo)
    return epoch + ((t - epoch) // step) * step


def run_once(app: Flask, job: Job, scheduled_for: datetime) -> str | None:
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
            detail = job.func(s, scheduled_for)
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
