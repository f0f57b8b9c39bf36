"""Two scheduler processes: exactly one leads; when it dies, the other takes over."""
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _start(env):
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    proc.lines = []
    threading.Thread(target=lambda: [proc.lines.append(line) for line in proc.stdout], daemon=True).start()
    return proc


# A liveness wait, not a timing check: a scheduler process that starts while the rest of the
# suite loads both cores (and compiles its imports for the first time) took over 30 s once.
def _wait_for_line(proc, needle, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(needle in line for line in proc.lines):
            return
        time.sleep(0.1)
    raise AssertionError(f"no {needle!r} within {timeout}s; output so far:\n{''.join(proc.lines)}")


def test_one_leader_then_takeover(app, tmp_path):
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"],
           "PARITY_INSTANCE_PATH": app.config["INSTANCE_PATH"], "SCHEDULER_POLL_SECONDS": "0.5",
           "SECRET_KEY": "x", "PYTHONUNBUFFERED": "1"}
    first = _start(env)
    second = None
    try:
        _wait_for_line(first, "scheduler: leading")
        second = _start(env)
        _wait_for_line(second, "standing by")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        _wait_for_line(second, "scheduler: leading")
    finally:
        for p in (first, second):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


def test_job_slot_runs_once_even_if_two_leaders_overlap(app):
    from datetime import datetime, timezone

    from sqlmodel import select

    from broker import db
    from broker.models import JobRun
    from broker.jobs import Job
    from broker.scheduler.jobs import run_once, slot_of

    calls = []
    job = Job("probe", lambda s, t: calls.append(t) or "ran", {"trigger": "interval", "minutes": 5})
    t = datetime(2026, 11, 23, 10, 7, 30, tzinfo=timezone.utc)
    assert slot_of(job, t) == datetime(2026, 11, 23, 10, 5, tzinfo=timezone.utc)
    assert run_once(app, job, slot_of(job, t)) == "ran"
    assert run_once(app, job, slot_of(job, t.replace(minute=9))) is None
    assert len(calls) == 1
    with app.app_context():
        runs = db.session().exec(select(JobRun).where(JobRun.job == "probe")).all()
    assert [r.status for r in runs] == ["ok"]
