"""CPU time per request of the submission (POST /api/v1/requests, receipts on) beside the
bare INSERT endpoint of the same app (``bench/submit_app.py``), in-process through Flask's
test client.

    .venv/bin/python bench/submit_cpu.py [--calls 200] [--repeats 5] [--postgres] [--profile FILE[.samples]]

CPU time (``time.process_time``) of this process only, so it counts the application's work
and not the database server's (PostgreSQL's backend runs elsewhere) nor the other users of a
shared machine, whose load moves wall-clock throughput (``bench/submit.py``) a lot. The two
endpoints alternate in ``--repeats`` blocks of ``--calls`` calls; medians are printed, with
the ratio bare/submit (the throughput ratio the issue's target is about: ≥ 0.5) of the medians,
and the median of each repeat's ratio ("pairs": steadier while the machine's load moves).
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.machine import describe as machine  # noqa: E402
from bench.submit import BODY, pg_database, prepare  # noqa: E402


def build(url: str, instance: Path):
    """The bench's app (Parity plus /bench/bare) on ``url``, and a bearer token of its developer."""
    from bench.submit_app import add_bare
    from broker.app import create_app

    cid, secret = prepare(url, instance)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance),
                      "LOG_LEVEL": "WARNING"})
    add_bare(app)
    client = app.test_client()
    basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"},
                    headers={"Authorization": f"Basic {basic}"})
    if r.status_code != 200:
        raise SystemExit(f"token: {r.status_code} {r.get_json()}")
    return app, client, r.get_json()["access_token"]


def wsgi_call(app, method: str, path: str, headers: dict, body: bytes = b""):
    """A call straight into the WSGI app from an environ built once (as a server hands it
    over), so the test client's own work — building requests, parsing answers — is not
    counted on the server's side: it grows with the headers and body the submission sends
    and would weigh on its side of the ratio only. Returns a function ``(key) -> (status, body)``."""
    from werkzeug.test import EnvironBuilder

    template = EnvironBuilder(path=path, method=method, headers=headers, data=body,
                              content_type="application/json" if body else None).get_environ()
    template.pop("wsgi.input")

    def call(key: str | None = None) -> tuple[str, bytes]:
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(body)
        if key is not None:
            environ["HTTP_IDEMPOTENCY_KEY"] = key
        got = []
        out = app(environ, lambda status, _headers, *_: got.append(status))
        try:
            data = b"".join(out)
        finally:
            getattr(out, "close", lambda: None)()
        return got[0], data

    return call


class _Sampler:
    """A statistical profile on CPU time without a dependency: SIGPROF every ``interval`` s of
    this process's CPU (or the kernel's tick, if coarser), each sample counted once for every function on the stack (inclusive)
    and for the innermost one (self). Unlike cProfile it does not inflate small Python
    functions (cProfile's cost per call made the submission look 3× the bare endpoint's
    price, not 2×); C functions count as the Python function that called them."""

    def __init__(self, interval: float = 0.0003):
        self.interval, self.total, self.cpu = interval, 0, 0.0
        self.incl: dict[str, int] = {}
        self.self_: dict[str, int] = {}

    def _sample(self, _signum, frame):
        self.total += 1
        seen, first = set(), True
        while frame is not None:
            code = frame.f_code
            key = f"{code.co_filename.split('site-packages/')[-1]}:{code.co_firstlineno} {code.co_name}"
            if first:
                self.self_[key] = self.self_.get(key, 0) + 1
                first = False
            if key not in seen:
                seen.add(key)
                self.incl[key] = self.incl.get(key, 0) + 1
            frame = frame.f_back

    def enable(self):
        import signal

        signal.signal(signal.SIGPROF, self._sample)
        self.cpu -= time.process_time()
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)

    def disable(self):
        import signal

        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        self.cpu += time.process_time()

    def output_text(self, show_all: bool = False) -> str:
        n = max(self.total, 1)
        # The kernel's timer tick can make samples sparser than asked (every ~4 ms here).
        rows = [f"{self.total} samples over {self.cpu:.1f} s of CPU (one per {1000 * self.cpu / n:.1f} ms); "
                "incl % / self %"]
        rows += [f"{100 * v / n:5.1f} {100 * self.self_.get(k, 0) / n:5.1f}  {k}"
                 for k, v in sorted(self.incl.items(), key=lambda kv: -kv[1])[:120]]
        return "\n".join(rows) + "\n"


def _profiler(path: str):
    if path.endswith(".samples"):
        return _Sampler()
    if path.endswith(".txt"):
        from pyinstrument import Profiler  # sampling: less distortion than cProfile (pip install pyinstrument)

        profiler = Profiler(interval=0.0005)
        profiler.enable, profiler.disable = profiler.start, profiler.stop
        return profiler
    import cProfile

    return cProfile.Profile(time.process_time)  # CPU time: a shared machine's load would swamp wall time


def measure(label: str, url: str, instance: Path, args) -> tuple[float, float]:
    app, _client, tok = build(url, instance)
    run = uuid.uuid4().hex[:8]
    count = [0]
    post_request = wsgi_call(app, "POST", "/api/v1/requests", {"Authorization": f"Bearer {tok}"},
                             json.dumps(BODY).encode())
    post_bare = wsgi_call(app, "POST", "/bench/bare", {})

    def submit():
        count[0] += 1
        status, data = post_request(f"{run}-{count[0]}")
        if not status.startswith("201"):
            raise SystemExit(f"submission: {status} {data[:300]!r}")
        return data

    def bare():
        status, data = post_bare()
        if not status.startswith("201"):
            raise SystemExit(f"bare: {status} {data[:300]!r}")
        return data

    receipt = json.loads(submit())["receipt"]
    if receipt["jws"] is None or not receipt["commitment"].startswith("sha256:"):
        raise SystemExit(f"the submission's receipt is not signed: {receipt}")
    calls = {"bare INSERT+COMMIT": bare, "submit request": submit}
    for call in calls.values():  # warm-up: caches, compiled statements, the receipt key
        for _ in range(20):
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    profilers = {name: _profiler(args.profile) for name in calls} if args.profile else {}
    for k in range(args.repeats):
        for name, call in calls.items():
            profiler = profilers.get(name)
            if profiler is not None:
                profiler.enable()
            t0 = time.process_time()
            for _ in range(args.calls):
                call()
            times[name].append((time.process_time() - t0) / args.calls * 1000)
            if profiler is not None:
                profiler.disable()
        print(f"  {label} repeat {k + 1}: " + ", ".join(f"{n} {v[-1]:.2f} ms" for n, v in times.items()),
              flush=True)
    for name, profiler in profilers.items():
        where = f"{args.profile}.{label}.{name.split()[0]}"
        if hasattr(profiler, "output_text"):
            Path(where).write_text(profiler.output_text(show_all=False))
        else:
            profiler.dump_stats(where)
        print(f"  profile of {name}: {where}")
    app.extensions["db_engine"].dispose()
    bare, submit = times["bare INSERT+COMMIT"], times["submit request"]
    # The ratio of each repeat's pair (measured back to back) is steadier than the ratio of
    # the medians when the machine's load moves during the run.
    return statistics.median(bare), statistics.median(submit), statistics.median(b / s for b, s in zip(bare, submit))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--postgres", action="store_true", help="also on a temporary PostgreSQL database")
    ap.add_argument("--no-sqlite", action="store_true")
    ap.add_argument("--profile", help="profile each endpoint into FILE.<database>.<endpoint>: a sampled profile "
                    "on CPU time when FILE ends in .samples (no dependency; the least distorted), pyinstrument's "
                    "text when FILE ends in .txt, else cProfile stats")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    print(f"{args.repeats} × {args.calls} calls per endpoint, alternating; CPU time of this process")
    tmp = Path(tempfile.mkdtemp(prefix="parity-bench-submit-cpu-"))
    results = {}
    try:
        if not args.no_sqlite:
            (tmp / "sqlite").mkdir()
            results["SQLite"] = measure("sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}", tmp / "sqlite", args)
        pg = pg_database() if args.postgres else None
        if pg:
            url, drop = pg
            try:
                (tmp / "postgresql").mkdir()
                results["PostgreSQL"] = measure("postgresql", url, tmp / "postgresql", args)
            finally:
                drop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'database':11} {'bare ms':>8} {'submit ms':>10} {'ratio':>6} {'pairs':>6}")
    for dbname, (bare, submit, pairs) in results.items():
        print(f"{dbname:11} {bare:8.2f} {submit:10.2f} {bare / submit:6.2f} {pairs:6.2f}")
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
