"""The scheduler process: wait to lead, then run the jobs with APScheduler until stopped.

Interval jobs fire on their slot boundaries (multiples of the interval since the epoch), the
same instants whichever process leads. A new leader also runs, at once, the current slot of
every job unless the run ledger shows it ran: a slot whose boundary passed while no process
led (the gap of a takeover, at most the poll interval) still runs, once.
"""
from __future__ import annotations

import logging
import signal
import threading
from datetime import datetime, timezone

from apscheduler.schedulers.background import BackgroundScheduler

from broker import db
from broker.clock import now
from broker.scheduler.jobs import registry, run_once, slot_of
from broker.scheduler.leader import LeaderLock

log = logging.getLogger("parity.scheduler")


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def run(app, *, poll_seconds: float = 5.0, once: bool = False, jobs=None) -> None:
    """Lead when no other process does; ``jobs`` defaults to the registry."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with app.app_context():
        lock = LeaderLock(db.engine(), app.config["INSTANCE_PATH"])
    announced = False
    while not stop.is_set():
        if not lock.try_acquire():
            if not announced:
                log.info("another scheduler leads; standing by")
                print("scheduler: standing by (another instance leads)", flush=True)
                announced = True
            stop.wait(poll_seconds)
            continue
        print("scheduler: leading", flush=True)
        try:
            _lead(app, lock, stop, poll_seconds, once, registry(app) if jobs is None else jobs)
        finally:
            lock.release()
        if once:
            return
        announced = False


def _lead(app, lock: LeaderLock, stop: threading.Event, poll_seconds: float, once: bool, jobs) -> None:
    sched = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                              "misfire_grace_time": 300})
    for job in jobs:
        sched.add_job(_runner(app, job), id=job.name, name=job.name, **_on_boundaries(job.trigger))
        if not once:  # catch up the current slot (the ledger skips it if it ran)
            sched.add_job(_runner(app, job), id=f"{job.name}:catch-up", name=job.name, trigger="date")
    sched.start()
    try:
        if once:
            for job in jobs:
                run_once(app, job, slot_of(job, now()))
            return
        while not stop.is_set():
            stop.wait(poll_seconds)
            if not lock.still_held():
                log.warning("lost the leader lock; stopping jobs and standing by")
                return
    finally:
        sched.shutdown(wait=True)


def _on_boundaries(trigger: dict) -> dict:
    return {"start_date": EPOCH, **trigger} if trigger.get("trigger") == "interval" else trigger


def _runner(app, job):
    def fire():
        run_once(app, job, slot_of(job, now()))

    return fire
