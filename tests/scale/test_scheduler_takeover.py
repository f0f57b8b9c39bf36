"""Two real scheduler processes on one database: SIGKILL the leader just before a slot
boundary, and the standby leads within the poll interval; every slot of a 2-second job,
before and after, runs exactly once (the one whose boundary passed while nobody led is caught
up by the new leader)."""
from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlmodel import select

from broker import db
from broker.models import JobRun
from tests.conftest import BACKEND
from tests.scale import processes

pytestmark = pytest.mark.skipif(
    BACKEND != "postgresql", reason="scale-out schedulers run in the PostgreSQL pass (the SQLite file lock's "
                                    "takeover: tests/foundation/test_scheduler_leader.py)")

POLL = 1.0
STEP = timedelta(seconds=2)


def _runs(app) -> list[JobRun]:
    with app.app_context():
        rows = db.session().exec(select(JobRun).where(JobRun.job == "scale_probe").order_by(JobRun.scheduled_for))
        return list(rows)


def _wait_runs(app, n: int, timeout: float = 30) -> list[JobRun]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _runs(app)
        if len(runs) >= n and runs[-1].status == "ok":
            return runs
        time.sleep(0.1)
    raise AssertionError(f"fewer than {n} finished probe runs within {timeout}s: {_runs(app)}")


def _leader_and_standby(procs, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        leading = [p for p in procs if p.has("scheduler: leading")]
        standing = [p for p in procs if p.has("standing by")]
        if leading and standing:
            return leading[0], standing[0]
        time.sleep(0.05)
    raise AssertionError("no leader and standby:\n" + "\n".join(p.output()[-2000:] for p in procs))


def test_standby_takes_over_within_the_poll_interval_and_every_slot_runs_once(app, tmp_path):
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "shared",
           "PARITY_INSTANCE_PATH": str(tmp_path / "instance"), "PARITY_KEYS_PATH": str(tmp_path / "keys"),
           "SCHEDULER_POLL_SECONDS": str(POLL), "RATELIMIT_STORAGE_URI": "memory://", "LOG_LEVEL": "WARNING"}
    procs = [processes.scheduler(f"scheduler-{i}", env) for i in (1, 2)]
    try:
        leader, standby = _leader_and_standby(procs)
        last = _wait_runs(app, 1)[-1].scheduled_for
        # Kill 0.3 s before the next boundary: it passes while nobody leads.
        boundary = last + STEP
        while boundary - datetime.now(timezone.utc) < timedelta(seconds=0.3):
            boundary += STEP
        time.sleep((boundary - datetime.now(timezone.utc)).total_seconds() - 0.3)
        killed_at = time.monotonic()
        leader.kill()
        took = standby.wait_for("scheduler: leading") - killed_at
        assert took <= POLL + 0.5, f"standby led {took:.2f}s after the kill (poll {POLL}s)"
        runs = [r for r in _wait_runs(app, 1) if r.scheduled_for <= boundary]
        while not runs or runs[-1].scheduled_for < boundary + STEP:
            runs = _wait_runs(app, len(runs) + 1)
    finally:
        processes.kill_all(procs)
    slots = [r.scheduled_for for r in _runs(app)]
    assert boundary in slots, f"the slot at {boundary} (no leader at its boundary) never ran: {slots}"
    assert all(b - a == STEP for a, b in zip(slots, slots[1:])), f"a slot missed or repeated: {slots}"
    assert {r.status for r in runs} == {"ok"}
    print(f"takeover {took:.2f}s after SIGKILL (poll {POLL}s); {len(slots)} slots, each once")
