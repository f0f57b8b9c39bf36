"""Request submission throughput: POST /api/v1/requests (token check, eligibility, request,
audit entry and idempotency record in one transaction) through gunicorn, on SQLite and on
PostgreSQL, beside a bare endpoint of the same app doing one INSERT + COMMIT, measured in the
same run.

    .venv/bin/python bench/submit.py [--seconds 8] [--connections 16] [--rounds 3] [--no-postgres]
                                     [--target 0.5]

Load: wrk with a Lua script giving every request its own Idempotency-Key. Loopback only,
bounded duration; temporary databases are removed at the end. Target (issues 5 and 16):
submission at ≥ 1/2 of the bare endpoint's throughput.

The verdict is per round: each round measures the bare endpoint and the submission back to
back (their order alternating from round to round, so a load that rises or falls during the
run favours neither), and its ratio is submission / bare of that pair. Printed: every
round's ratio, their median and spread, and whether the target holds in every round — on a
shared machine the ratio of two medians can pass while half of the pairs fail.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.machine import describe as machine  # noqa: E402
PG_ADMIN = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BODY = {"task_type": "annotation", "units": 10, "max_unit_price_minor": 2000, "currency": "USD",
        "language": "en", "modality": "text"}

# ``tid`` must stay a global: ``thread:set`` writes the thread's globals, and a local of the
# same name would shadow it (every thread would then send the same keys, half the load
# becoming replays of each other).
LUA = """
local n = 0
function setup(thread) n = n + 1; thread:set("tid", n) end
local count = 0
function request()
  count = count + 1
  local h = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer %(token)s",
             ["Idempotency-Key"] = "%(run)s-" .. tid .. "-" .. count}
  return wrk.format("%(method)s", "%(path)s", h, '%(body)s')
end
"""


def prepare(url: str, instance: Path) -> tuple[str, str]:
    """Migrate, add a small market and one developer with an API client; returns its credentials."""
    import sqlalchemy as sa

    from broker import db, migrate
    from broker.app import create_app
    from broker.clock import now
    from broker.models import Capacity, Offering, OfferingLanguage, OrgKind, Price
    from broker.periods import next_period, period_of
    from broker.services import accounts

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance)})
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            s.execute(sa.text("CREATE TABLE bench_bare (id " + ("SERIAL" if url.startswith("postgresql") else
                                                                 "INTEGER") + " PRIMARY KEY, created_at VARCHAR(40))"))
        with db.transaction(s):
            for v in range(10):
                org = accounts.create_org(s, None, name=f"Bench Vendor {v}", kind=OrgKind.vendor, headcount=200)
                for i, task in enumerate(("annotation", "labeling", "transcription")):
                    off = Offering(vendor_org_id=org.id, title=f"{task} {v}", task_type=task, modality="text",
                                   unit="item", turnaround_days=3)
                    s.add(off)
                    s.flush()
                    s.add(OfferingLanguage(offering_id=off.id, language="en"))
                    s.add(Price(offering_id=off.id, amount_minor=500 + 100 * v, currency="USD", effective_from=now()))
                    for p in (period_of(now()), next_period(period_of(now()))):
                        s.add(Capacity(offering_id=off.id, period=p, units=1000))
            dev = accounts.create_org(s, None, name="Bench Developer", kind=OrgKind.developer, headcount=80)
            client, secret = accounts.create_client(s, None, org=dev, name="bench", scopes=["requests:write", "requests:read"])
    app.extensions["db_engine"].dispose()
    return client.client_id, secret


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync",
                             "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "3", "--log-level", "warning",
                             "bench.submit_app:make()"], cwd=ROOT, env=env, start_new_session=True)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


def token(port: int, client_id: str, secret: str) -> str:
    import base64

    c = http.client.HTTPConnection("127.0.0.1", port)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    c.request("POST", "/oauth/token", "grant_type=client_credentials",
              {"Authorization": f"Basic {basic}", "Content-Type": "application/x-www-form-urlencoded"})
    r = c.getresponse()
    body = json.loads(r.read())
    if r.status != 200:
        raise SystemExit(f"token: {r.status} {body}")
    return body["access_token"]


def wrk(port: int, path: str, tok: str, seconds: int, conns: int, tmp: Path,
        method: str = "POST") -> tuple[float, float, float]:
    script = tmp / f"{uuid.uuid4().hex}.lua"
    script.write_text(LUA % {"token": tok, "run": uuid.uuid4().hex[:8], "method": method, "path": path,
                             "body": json.dumps(BODY) if method == "POST" else ""})
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-s", str(script),
                          f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"non-2xx answers from {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    completed = int(re.search(r"(\d+) requests in", out).group(1))

    def pct(label):
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    return rps, pct("50"), pct("99"), completed


def written(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as c:
            return c.exec_driver_sql("SELECT count(*) FROM capacity_request").scalar()
    finally:
        engine.dispose()


def measure(label: str, url: str, tmp: Path, args) -> dict:
    instance = tmp / label
    instance.mkdir()
    cid, secret = prepare(url, instance)
    env = {**os.environ, "DATABASE_URL": url, "PARITY_INSTANCE_PATH": str(instance), "SECRET_KEY": "bench",
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    proc, port = serve(env)
    runs: dict[str, list[tuple]] = {}
    bare, submit = ("bare INSERT+COMMIT", "POST", "/bench/bare"), ("submit request", "POST", "/api/v1/requests")
    # Context, not a target: the bearer-token check plus one SELECT. Measured after each pair,
    # so that the pair itself is back to back.
    context = ("token check+SELECT", "GET", "/api/v1/notifications?limit=1")
    try:
        tok = token(port, cid, secret)
        for k in range(args.rounds):
            for name, method, path in ((bare, submit) if k % 2 == 0 else (submit, bare)) + (context,):
                wrk(port, path, tok, 2, args.connections, tmp, method)  # warm-up
                before = written(url)
                *result, completed = wrk(port, path, tok, args.seconds, args.connections, tmp, method)
                if path == "/api/v1/requests":
                    # Every answer must be a new request, not a replay of an earlier key.
                    # Requests in flight when the warm-up or the run stopped add up to one row
                    # per connection each.
                    added = written(url) - before
                    if not 0 <= added - completed <= 2 * args.connections:
                        raise SystemExit(f"{completed} submissions answered but {added} requests written")
                runs.setdefault(name, []).append(tuple(result))
                print(f"  {label} round {k + 1} {name}: {result[0]:.0f} req/s", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # graceful: in-flight requests finish
        proc.wait(timeout=30)
    medians = {name: tuple(statistics.median(r[i] for r in rs) for i in range(3)) for name, rs in runs.items()}
    ratios = [s[0] / b[0] for b, s in zip(runs[bare[0]], runs[submit[0]])]
    return {"medians": medians, "ratios": ratios}


def pg_database() -> tuple[str, callable] | None:
    import sqlalchemy as sa

    name = f"parity_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except Exception as e:  # noqa: BLE001 — no server: the PostgreSQL half is skipped
        print(f"PostgreSQL not available ({e.__class__.__name__}); skipped")
        return None

    def drop():
        with admin.connect() as c:
            c.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()

    return sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def verdict(dbname: str, ratios: list[float], target: float) -> str:
    """One line: every round's ratio, their median and spread, and whether all reach ``target``."""
    held = sum(r >= target for r in ratios)
    word = "holds in every round" if held == len(ratios) else f"NOT met: {held} of {len(ratios)} rounds"
    return (f"{dbname}: rounds {' '.join(f'{r:.2f}' for r in ratios)}; median {statistics.median(ratios):.2f}, "
            f"spread {min(ratios):.2f}–{max(ratios):.2f}; ≥ {target:g}: {word}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=8)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--rounds", type=int, default=1, help="measure the three endpoints this many times "
                    "in turn and report the medians")
    ap.add_argument("--target", type=float, default=0.5, help="the ratio submission / bare every round "
                    "must reach (issue 16: 0.5)")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    print(f"machine: {machine()}")
    print(f"load: wrk, {args.connections} connections, {args.seconds}s each, {args.rounds} round(s); "
          "gunicorn 2 sync workers; each submission carries a fresh Idempotency-Key")
    tmp = Path(tempfile.mkdtemp(prefix="parity-bench-submit-"))
    results = {}
    try:
        results["SQLite"] = measure("sqlite", f"sqlite:///{tmp / 'bench.sqlite3'}", tmp, args)
        pg = None if args.no_postgres else pg_database()
        if pg:
            url, drop = pg
            try:
                results["PostgreSQL"] = measure("postgresql", url, tmp, args)
            finally:
                drop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{'database':11} {'endpoint':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    for dbname, got in results.items():
        rows = got["medians"]
        bare = rows["bare INSERT+COMMIT"][0]
        for name, (rps, p50, p99) in rows.items():
            print(f"{dbname:11} {name:20} {rps:8.0f} {p50:8.2f} {p99:8.2f} {rps / bare:8.2f}")
    print(f"submission / bare per round (pairs measured back to back); target ≥ {args.target:g} in every round")
    for dbname, got in results.items():
        print(verdict(dbname, got["ratios"], args.target))
    print("load average at end: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
