"""Catalog throughput: the JSON search API (50 per page, filters on) and the HTML catalog page,
served by gunicorn (2 sync workers) over a temporary SQLite database with 1,000 offerings,
beside a bare Flask endpoint returning constant JSON, measured in the same run.

    .venv/bin/python bench/catalog.py [--seconds 10] [--connections 16]

Load: wrk when installed (C, keep-alive), else a Python thread pool on http.client. Loopback
only, bounded duration. Target (issue 4): the catalog API at ≥ 1/3 of the bare endpoint. The
same API with its per-process cache bypassed (a new query string per request) is measured
too, the figure issue 20 decided to keep the cache on.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.machine import describe as machine  # noqa: E402

API_PATH = "/api/v1/offerings?task_type=preference_ranking&language=en&sort=price&limit=50"
# Every request a new query string, so the per-process cache never answers; the bound is above
# every price (all in USD), so the page is the same one.
UNCACHED_PATH = API_PATH + "&currency=USD&price_max={rand}"
PAGE_PATH = "/catalog?task_type=preference_ranking&language=en&sort=price"


def load_market(url: str, n: int = 1000) -> None:
    """1,000 offerings from 40 vendors, with prices, languages and this week's capacity."""
    from broker import db, migrate
    from broker.app import create_app
    from broker.access.principal import Principal
    from broker.catalog import vocabulary
    from broker.clock import now
    from broker.models import OrgKind
    from broker.periods import period_of
    from broker.services import accounts, capacity, offerings, prices

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": tempfile.mkdtemp()})
    rnd = random.Random(4)
    langs = ["en", "en-US", "de", "fr", "es", "sw", "hi", "ja", "pt-BR", "ar"]
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            for v in range(40):
                org = accounts.create_org(s, None, name=f"Bench Vendor {v}", kind=OrgKind.vendor, headcount=200)
                p = Principal(org_id=org.id, role=OrgKind.vendor, scopes=frozenset({"catalog:write"}))
                for i in range(n // 40):
                    o = offerings.create(s, p, {
                        "title": f"Offering {v}-{i}", "task_type": rnd.choice(list(vocabulary.TASK_TYPES)[:4]),
                        "modality": rnd.choice(list(vocabulary.MODALITIES)), "unit": rnd.choice(list(vocabulary.UNITS)),
                        "expertise": rnd.choice(list(vocabulary.EXPERTISE)[:4]),
                        "languages": rnd.sample(langs, rnd.randint(1, 3)), "turnaround_days": rnd.randint(1, 14),
                        "effective_hourly_pay_minor": rnd.randint(500, 2000), "pay_currency": "USD"})
                    prices.set_price(s, p, o.id, amount_minor=rnd.randint(20, 5000), currency="USD", now=now())
                    capacity.set_capacity(s, p, o.id, period=period_of(now()), units=rnd.randint(0, 5000), now=now())
    app.extensions["db_engine"].dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, path: str, deadline: float = 120) -> None:
    """Workers import the app after the port opens: wait until both answer at once."""
    stop, fast = time.monotonic() + deadline, 0
    while fast < 20:
        if time.monotonic() > stop:
            raise SystemExit(f"{path} did not become ready")
        t = time.perf_counter()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("GET", path)
            ok = c.getresponse().status == 200
            c.close()
        except OSError:
            ok = False
        fast = fast + 1 if ok and time.perf_counter() - t < 0.5 else 0
        if not ok:
            time.sleep(0.2)


def serve(target: str, env: dict) -> tuple[subprocess.Popen, int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "sync",
                             "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "3", "--log-level", "warning",
                             target],
                            cwd=ROOT, env=env, start_new_session=True)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit(f"gunicorn {target} did not start")


def _rand_path(path: str) -> str:
    return path.replace("{rand}", str(random.randrange(10**6, 10**9)))


def run_wrk(port: int, path: str, seconds: int, conns: int) -> tuple[float, float, float]:
    script = []
    if "{rand}" in path:  # a Lua request() that draws the number per request
        head, tail = path.split("{rand}")
        lua = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        lua.write(f'request = function() return wrk.format("GET", "{head}" .. math.random(1000000, 999999999) .. "{tail}") end\n')
        lua.close()
        script, path = ["-s", lua.name], head + "1000000" + tail
    try:
        out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", *script,
                              f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script[1])
    if "Non-2xx" in out:
        raise SystemExit(f"non-2xx answers from {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(label):
        m = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out)
        return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]

    return rps, pct("50"), pct("99")


def run_python(port: int, path: str, seconds: int, conns: int) -> tuple[float, float, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        c = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while time.monotonic() < stop:
            t = time.perf_counter()
            c.request("GET", _rand_path(path))
            r = c.getresponse()
            r.read()
            if r.status != 200:
                raise SystemExit(f"{path} answered {r.status}")
            mine.append((time.perf_counter() - t) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(conns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return len(latencies) / seconds, latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="parity-bench-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    print(f"machine: {machine()}")
    t = time.perf_counter()
    load_market(url)
    print(f"loaded 1,000 offerings in {time.perf_counter() - t:.1f}s")
    env = {**os.environ, "DATABASE_URL": url, "PARITY_INSTANCE_PATH": str(tmp), "SECRET_KEY": "bench",
           "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT)}
    measure = run_wrk if shutil.which("wrk") else run_python
    print(f"load: {'wrk' if measure is run_wrk else 'python threads'}, {args.connections} connections, "
          f"{args.seconds}s each; gunicorn 2 sync workers")
    results = {}
    for name, target, path in (("bare Flask JSON", "bench.bare_app:app", "/bare"),
                               ("catalog API (50/page, filters)", "wsgi:app", API_PATH),
                               ("catalog API, cache bypassed", "wsgi:app", UNCACHED_PATH),
                               ("catalog HTML page", "wsgi:app", PAGE_PATH)):
        proc, port = serve(target, env)
        try:
            wait_ready(port, API_PATH if "{rand}" in path else path)  # both workers up
            measure(port, path, 2, args.connections)  # warm-up: caches, connections
            results[name] = measure(port, path, args.seconds, args.connections)
            print(f"  {name}: {results[name][0]:.0f} req/s", flush=True)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)  # graceful: in-flight requests finish (3 s)
            proc.wait(timeout=30)
    bare = results["bare Flask JSON"][0]
    print(f"{'endpoint':34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}")
    for name, (rps, p50, p99) in results.items():
        print(f"{name:34} {rps:9.0f} {p50:8.2f} {p99:8.2f} {rps / bare:8.2f}")
    ratio = results["catalog API (50/page, filters)"][0] / bare
    print(f"target: catalog API ≥ 0.33 × bare — {'met' if ratio >= 1 / 3 else 'NOT met'} ({ratio:.2f})")
    bypassed = results["catalog API, cache bypassed"][0] / bare
    print(f"without the cache: {bypassed:.2f} × bare — the target would {'' if bypassed >= 1 / 3 else 'NOT '}be met")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
