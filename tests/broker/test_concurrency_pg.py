"""PostgreSQL-only: concurrent submissions with Idempotency-Key reuse lose and duplicate
nothing; two scheduler processes started together run each round once; a scheduler killed
with SIGKILL mid-round leaves no partial round, and the next run completes it."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlmodel import func, select

from broker import db
from broker.models import Allocation, AuditEntry, CapacityRequest, IdempotencyRecord, Order, Round
from tests.builders import request_body
from tests.broker.test_rounds_service import submit
from tests.conftest import BACKEND
from tests.helpers import auth

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL-only (run with PARITY_TEST_DB=postgresql)")
ROOT = Path(__file__).resolve().parents[2]


def _count(app, model, *where):
    with app.app_context():
        return db.session().exec(select(func.count()).select_from(model).where(*where)).one()


def test_200_concurrent_submissions_with_key_reuse(app, make, market):
    market.offering(make.org("vendor"))
    orgs = [make.org() for _ in range(4)]
    tokens = {o.id: make.token(o) for o in orgs}
    rng = random.Random(5)
    # 200 calls over 120 (org, key) pairs: many keys are sent two or three times, at once.
    calls = [(o.id, f"key-{o.id}-{rng.randrange(30)}") for o in orgs for _ in range(50)]
    rng.shuffle(calls)

    def body_for(key):  # a retry repeats the same body
        return request_body(units=1 + int(key.rsplit("-", 1)[1]))

    def call(item):
        org_id, key = item
        c = app.test_client()
        r = c.post("/api/v1/requests", json=body_for(key), headers=auth(tokens[org_id]) | {"Idempotency-Key": key})
        return org_id, key, r.status_code, (r.json or {}).get("id")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, calls))
    assert {status for *_, status, _ in results} == {201}, [r for r in results if r[2] != 201][:3]
    ids_by_key = defaultdict(set)
    for org_id, key, _, rid in results:
        ids_by_key[(org_id, key)].add(rid)
    assert all(len(ids) == 1 for ids in ids_by_key.values())  # every retry saw the first result
    distinct = len(ids_by_key)
    assert _count(app, CapacityRequest) == distinct  # nothing lost, nothing duplicated
    assert _count(app, IdempotencyRecord) == distinct
    assert _count(app, AuditEntry, AuditEntry.action == "request.create") == distinct
    with app.app_context():
        for (org_id, key), ids in ids_by_key.items():
            req = db.session().get(CapacityRequest, ids.pop())
            assert req.org_id == org_id and req.units == body_for(key)["units"]


def _env(app, tmp_path) -> dict:
    return os.environ | {"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": app.config["SECRET_KEY"],
                         "PARITY_INSTANCE_PATH": str(tmp_path / "sched"), "LOG_LEVEL": "WARNING",
                         "PYTHONPATH": str(ROOT)}


def _setup_wall_clock_market(app, make, market, clock):
    clock.set(datetime.now(timezone.utc))  # the subprocesses use the wall clock
    market.offering(make.org("vendor"), capacity=25)
    for units in (10, 10, 10):
        submit(app, make.org(), units=units)


def test_two_schedulers_started_together_run_each_round_once(app, make, market, clock, tmp_path):
    _setup_wall_clock_market(app, make, market, clock)
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run", "--once"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=_env(app, tmp_path), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    with app.app_context():
        s = db.session()
        rounds_ = s.exec(select(Round)).all()
        assert [r.kind for r in rounds_].count("main") == 1, [r.run_key for r in rounds_]
        assert len({r.run_key for r in rounds_}) == len(rounds_)
        total = s.exec(select(func.sum(Allocation.units))).one()
        assert total == 25  # capacity, handed out once
        for req in s.exec(select(CapacityRequest)):
            assert req.units_allocated <= req.units
            assert req.units_allocated == s.exec(select(func.coalesce(func.sum(Allocation.units), 0))
                                                 .where(Allocation.request_id == req.id)).one()


def test_scheduler_killed_mid_round_leaves_nothing_and_next_run_completes(app, make, market, clock, tmp_path):
    _setup_wall_clock_market(app, make, market, clock)
    script = textwrap.dedent("""
        import sys, time
        from broker.app import create_app
        from broker.services import rounds
        from broker.scheduler import process

        def pause():
            print("PAUSED", flush=True)
            time.sleep(120)

        rounds._before_commit = pause
        process.run(create_app(), once=True)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=_env(app, tmp_path),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen.append(line)
        if "PAUSED" in line or not line:
            break
    assert any("PAUSED" in x for x in seen), "".join(seen)
    # The round's rows are written and flushed, not committed: kill the process now.
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    for model in (Round, Allocation, Order):
        assert _count(app, model) == 0
    assert _count(app, CapacityRequest, CapacityRequest.units_allocated > 0) == 0
    # The next tick (a new slot of the rounds job) completes the work.
    from broker.scheduler.jobs import registry, run_once

    job = registry(app)["rounds"]
    clock.set(datetime.now(timezone.utc))
    assert run_once(app, job, clock().replace(second=0, microsecond=0) + timedelta(minutes=1))
    assert _count(app, Round, Round.kind == "main") == 1
    with app.app_context():
        assert db.session().exec(select(func.sum(Allocation.units))).one() == 25
