"""Load and faults: a realistic mix at gunicorn (sync workers) on PostgreSQL, with and
without injected faults, then an exactly-once check of every accepted request.

    .venv/bin/python bench/load.py [--seconds 20] [--threads 12] [--scenarios steady,scheduler,postgres]

Setup: a throw-away database on TEST_DATABASE_URL's server (default the local one), migrated,
with the demo market and API clients made by the CLI (``clients create``); gunicorn with two
sync workers and the scheduler process, both on loopback. Mix per client thread: catalog
reads (API and page), request submissions with an Idempotency-Key, dashboard and API reads,
and estimates. A submission answered 503 or cut off is retried with the same key (honouring
Retry-After, capped at 2 s), as a client should.

Scenarios (each for --seconds): ``steady`` (no fault); ``scheduler`` (the scheduler process is
SIGKILLed a third of the way in and started again 2 s later); ``postgres`` (PostgreSQL is
restarted once, a third of the way in: calls during the outage must fail cleanly with 503 and
Retry-After). After each: every accepted submission (201) is in the database exactly once,
with the id the client was given, and no row exists that no client was told about.

Expected answers: 200/201 everywhere; 429 from the estimate endpoint (20 a minute per address:
the limit working); 503 + Retry-After only while PostgreSQL restarts. Anything else counts as
an unexpected error. The database is dropped at the end and PostgreSQL is left running.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.submit import free_port, machine, token as get_token  # noqa: E402

PG_ADMIN = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BIN = ROOT / ".venv" / "bin"
SUBMIT = {"task_type": "annotation", "units": 5, "max_unit_price_minor": 5000, "currency": "USD", "language": "en"}
DEV_LOGIN = ("developer@demo.parity.example", "demo-developer-2026")
CLIENT_ORGS = 4  # developer orgs whose API clients submit


def pg_cluster() -> tuple[str, str]:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    return version, "main"


def ensure_postgres_running() -> None:
    v, name = pg_cluster()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", v, name, "start"], capture_output=True)


# --- setup -------------------------------------------------------------------------------------

def flask(env: dict, *args: str) -> str:
    out = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def prepare(env: dict, url: str) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    flask(env, "db", "upgrade")
    flask(env, "demo", "load")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        slugs = [r[0] for r in conn.exec_driver_sql(
            "SELECT slug FROM org WHERE kind = 'developer' AND status = 'approved' ORDER BY id LIMIT %d" % CLIENT_ORGS)]
    engine.dispose()
    creds = []
    for slug in slugs:
        out = flask(env, "clients", "create", slug, "--name", "load test",
                    "--scope", "requests:read", "--scope", "requests:write")
        cid = re.search(r"client_id:\s+(\S+)", out).group(1)
        secret = re.search(r"client_secret:\s+(\S+)", out).group(1)
        creds.append((cid, secret))
    return creds


def start_web(env: dict, port: int) -> subprocess.Popen:
    proc = subprocess.Popen([str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync",
                             "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "3", "--log-level", "warning",
                             "wsgi:app"], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=open(env["PARITY_INSTANCE_PATH"] + "/web.log", "ab"))
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not start")


def start_scheduler(env: dict) -> subprocess.Popen:
    log = open(env["PARITY_INSTANCE_PATH"] + "/scheduler.log", "ab")
    return subprocess.Popen([str(BIN / "flask"), "--app", "wsgi", "scheduler", "run"], cwd=ROOT, env=env,
                            start_new_session=True, stdout=log, stderr=log)


def sign_in(port: int) -> str:
    """A developer's session cookie, through the real login form (CSRF token included)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/login")
    r = c.getresponse()
    html = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    from urllib.parse import urlencode

    c.request("POST", "/login", urlencode({"email": DEV_LOGIN[0], "password": DEV_LOGIN[1], "csrf_token": csrf}),
              {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    r = c.getresponse()
    r.read()
    if r.status != 302:
        raise SystemExit(f"login: {r.status}")
    return r.getheader("Set-Cookie").split(";")[0]


# --- load --------------------------------------------------------------------------------------

class Run:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.by_op: dict[str, list[float]] = {}
        self.statuses: Counter = Counter()
        self.unexpected: Counter = Counter()
        self.accepted: dict[str, int] = {}  # Idempotency-Key → request id the client was given
        self.gave_up: list[str] = []
        self.outage: list[float] = []  # [start, end] of the injected database outage
        self.retries = 0

    def record(self, op: str, status: int, seconds: float, headers: dict) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_op.setdefault(op, []).append(seconds)
            self.statuses[status] += 1
            if status in (200, 201):
                return
            if status == 429 and op == "estimate":
                return
            if status == 503 and headers.get("retry-after") and self.in_outage():
                return
            self.unexpected[f"{op} {status}"] += 1

    def in_outage(self) -> bool:
        if not self.outage:
            return False
        end = self.outage[1] if len(self.outage) > 1 else time.time()
        return self.outage[0] - 0.5 <= time.time() <= end + 5


def worker(run: Run, port: int, token: str, cookie: str, stop: float, prefix: str, seed: int,
           offering_ids: list[int]) -> None:
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[int] = []
    api = {"Authorization": f"Bearer {token}"}
    n = 0

    def call(op, method, path, body=None, headers=None):
        nonlocal conn
        h = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body)
            h["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            conn.request(method, path, data, h)
            r = conn.getresponse()
            payload = r.read()
            status, rh = r.status, {k.lower(): v for k, v in r.getheaders()}
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status, rh, payload = 0, {}, b""
        run.record(op, status, time.perf_counter() - t0, rh)
        return status, rh, payload

    while time.time() < stop:
        n += 1
        x = rnd.random()
        if x < 0.25:
            call("catalog", "GET", f"/api/v1/offerings?task_type={rnd.choice(['annotation', 'red_teaming', 'transcription'])}&limit=20")
        elif x < 0.35:
            call("catalog", "GET", rnd.choice(["/catalog", f"/catalog/offerings/{rnd.choice(offering_ids)}"]))
        elif x < 0.55:
            key = f"{prefix}-{seed}-{n}"
            deadline = time.time() + 30
            while True:
                status, rh, payload = call("submit", "POST", "/api/v1/requests", SUBMIT,
                                           {**api, "Idempotency-Key": key})
                if status in (200, 201):
                    rid = json.loads(payload)["id"]
                    with run.lock:
                        run.accepted[key] = rid
                    mine.append(rid)
                    break
                if status not in (0, 503) or time.time() > deadline:
                    with run.lock:
                        run.gave_up.append(key)
                    break
                with run.lock:
                    run.retries += 1
                time.sleep(min(float(rh.get("retry-after", 1)), 2.0))
        elif x < 0.70:
            call("dashboard", "GET", "/dashboard", headers={"Cookie": cookie})
        elif x < 0.90:
            call("api-read", "GET", rnd.choice(["/api/v1/requests?limit=20", "/api/v1/quota", "/api/v1/notifications"]),
                 headers=api)
        elif mine:
            call("estimate", "GET", f"/api/v1/requests/{rnd.choice(mine[-5:])}/estimate", headers=api)
    conn.close()


def exactly_once(url: str, run: Run, prefix: str, first_id: int) -> tuple[bool, str]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT key, body FROM idempotency_record WHERE key LIKE :p"),
                            {"p": prefix + "-%"}).all()
        created = [r[0] for r in conn.execute(sa.text(
            "SELECT id FROM capacity_request WHERE id > :first AND org_id IN "
            "(SELECT org_id FROM oauth_client WHERE name = 'load test')"), {"first": first_id})]
    engine.dispose()
    by_key = Counter(k for k, _ in rows)
    stored = {k: json.loads(b)["id"] for k, b in rows}
    problems = []
    dup = [k for k, c in by_key.items() if c > 1]
    if dup:
        problems.append(f"{len(dup)} keys stored twice")
    missing = [k for k in run.accepted if k not in stored]
    wrong = [k for k, rid in run.accepted.items() if k in stored and stored[k] != rid]
    if missing:
        problems.append(f"{len(missing)} accepted requests missing")
    if wrong:
        problems.append(f"{len(wrong)} accepted keys map to another row")
    rows_per_id = Counter(created)
    if len(created) != len(set(stored.values())) or any(c > 1 for c in rows_per_id.values()):
        problems.append(f"{len(created)} rows for {len(set(stored.values()))} keys")
    unconfirmed = set(stored) - set(run.accepted)
    if unconfirmed:
        problems.append(f"{len(unconfirmed)} rows no client was told about")
    ok = not problems
    text = (f"{len(run.accepted)} accepted, {len(created)} rows, each once" if ok else "; ".join(problems))
    return ok, text


def max_request_id(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        value = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM capacity_request").scalar()
    engine.dispose()
    return value


def scenario(name: str, args, env: dict, url: str, port: int, tokens: list[str], cookie: str,
             offering_ids: list[int], procs: dict) -> dict:
    run = Run()
    prefix = f"{name}-{uuid.uuid4().hex[:6]}"
    first_id = max_request_id(url)
    start = time.time()
    stop = start + args.seconds
    threads = [threading.Thread(target=worker, args=(run, port, tokens[i % len(tokens)], cookie, stop, prefix, i,
                                                      offering_ids)) for i in range(args.threads)]
    for t in threads:
        t.start()
    fault = ""
    if name == "scheduler":
        time.sleep(args.seconds / 3)
        procs["scheduler"].send_signal(signal.SIGKILL)
        procs["scheduler"].wait()
        time.sleep(2)
        procs["scheduler"] = start_scheduler(env)
        log = Path(env["PARITY_INSTANCE_PATH"]) / "scheduler.log"
        for _ in range(100):  # the new process takes the lead the dead one's connection held
            if log.read_text().count("scheduler: leading") >= 2:
                break
            time.sleep(0.1)
        leading = log.read_text().count("scheduler: leading") >= 2
        fault = f"scheduler SIGKILLed, restarted after 2 s, leading again: {'yes' if leading else 'NO'}"
    elif name == "postgres":
        time.sleep(args.seconds / 3)
        v, cluster = pg_cluster()
        run.outage.append(time.time())
        t0 = time.time()
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", v, cluster, "restart"], check=True,
                       capture_output=True)
        run.outage.append(time.time())
        fault = f"PostgreSQL restarted ({time.time() - t0:.1f} s)"
    for t in threads:
        t.join()
    elapsed = time.time() - start
    time.sleep(0.5)
    ok, check = exactly_once(url, run, prefix, first_id)
    lat = sorted(run.latencies)
    return {"scenario": name, "fault": fault, "seconds": elapsed, "calls": len(lat),
            "throughput": len(lat) / elapsed,
            "p50_ms": 1000 * statistics.median(lat) if lat else 0,
            "p99_ms": 1000 * lat[int(0.99 * (len(lat) - 1))] if lat else 0,
            "statuses": dict(sorted(run.statuses.items())), "unexpected": dict(run.unexpected),
            "per_op": {op: (len(v), 1000 * statistics.median(v)) for op, v in sorted(run.by_op.items())},
            "retries": run.retries, "gave_up": len(run.gave_up), "exactly_once": ok, "check": check}


def main() -> int:
    import sqlalchemy as sa

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument("--scenarios", default="steady,scheduler,postgres")
    args = parser.parse_args()
    assert 1 <= args.seconds <= 300 and 1 <= args.threads <= 64, "bounded runs only"

    ensure_postgres_running()
    name = f"parity_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
    tmp = tempfile.mkdtemp(prefix="parity-load-")
    env = {**os.environ, "DATABASE_URL": url, "PARITY_INSTANCE_PATH": tmp, "SECRET_KEY": "load-test",
           "LOG_LEVEL": "WARNING", "SCHEDULER_POLL_SECONDS": "1"}
    procs: dict = {}
    results = []
    try:
        creds = prepare(env, url)
        port = free_port()
        procs["web"] = start_web(env, port)
        procs["scheduler"] = start_scheduler(env)
        tokens = [get_token(port, cid, secret) for cid, secret in creds]
        cookie = sign_in(port)
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            offering_ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM offering ORDER BY id")]
        engine.dispose()
        # Warm-up (not reported): first requests compile templates and fill connection pools.
        warm = argparse.Namespace(seconds=3, threads=args.threads)
        scenario("warmup", warm, env, url, port, tokens, cookie, offering_ids, procs)
        for sc in args.scenarios.split(","):
            results.append(scenario(sc, args, env, url, port, tokens, cookie, offering_ids, procs))
            r = results[-1]
            print(f"\n== {r['scenario']}{' — ' + r['fault'] if r['fault'] else ''}")
            print(f"   {r['calls']} calls in {r['seconds']:.1f} s: {r['throughput']:.0f} calls/s; "
                  f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
            print("   per operation (calls, p50 ms): " + ", ".join(
                f"{op} {n}/{ms:.0f}" for op, (n, ms) in r["per_op"].items()))
            print(f"   statuses {r['statuses']}; submission retries {r['retries']}, gave up {r['gave_up']}")
            print(f"   unexpected errors: {r['unexpected'] or 'none'}")
            print(f"   exactly-once: {'PASS' if r['exactly_once'] else 'FAIL'} ({r['check']})")
    finally:
        for p in procs.values():
            try:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(p.pid, signal.SIGKILL)
        ensure_postgres_running()
        for _ in range(50):
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                         f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
                break
            except sa.exc.OperationalError:
                time.sleep(0.2)
        admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nmachine: {machine()}; gunicorn 2 sync workers; {args.threads} client threads; PostgreSQL {pg_cluster()[0]}")
    failed = [r["scenario"] for r in results if not r["exactly_once"] or r["unexpected"]]
    print("result:", "PASS" if not failed else f"FAIL in {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
