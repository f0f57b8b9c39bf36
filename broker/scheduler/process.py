"""The scheduler process: wait to lead, then run the jobs with APScheduler until stopped."""
from __future__ import annotations

import logging
import signal
import threading

from apscheduler.schedulers.background import BackgroundScheduler

from broker import db
from broker.clock import now
from broker.scheduler.jobs import registry, run_once, slot_of
from broker.scheduler.leader import LeaderLock

log = logging.getLogger("parity.scheduler")


def run(app, *, poll_seconds: float = 5.0, once: bool = False) -> None:
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
            _lead(app, lock, stop, poll_seconds, once)
        finally:
            lock.release()
        if once:
            return
        announced = False


def _lead(app, lock: LeaderLock, stop: threading.Event, poll_seconds: float, once: bool) -> None:
    sched = BackgroundScheduler(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                              "misfire_grace_time": 300})
    for job in registry(app):
        sched.add_job(_runner(app, job), id=job.name, name=job.name, **job.trigger)
    sched.start()
    try:
        if once:
            for job in registry(app):
                run_once(app, job, slot_of(job, now()))
            return
        while not stop.is_set():
            stop.wait(poll_seconds)
            if not lock.still_held():
                log.warning("lost the leader lock; stopping jobs and standing by")
                return
    finally:
        sched.shutdown(wait=True)


def _runner(app, job):
    def fire():
        run_once(app, job, slot_of(job, now()))

    return fire
