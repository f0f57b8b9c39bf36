"""Build one period's three reports over N allocation + delivery rows (default 1,000,000:
half allocations, half deliveries) on SQLite and/or PostgreSQL; print time and peak memory.

    .venv/bin/python bench/reports.py                 # both backends (PostgreSQL if it answers)
    .venv/bin/python bench/reports.py --rows 200000 --backend sqlite
    .venv/bin/python bench/reports.py --backend postgresql --statements   # the slowest SQL too

Target: under 10 s on PostgreSQL. Aggregation runs in SQL; Python sees grouped rows only
(plus the period's round documents, which ``verify`` must read too).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.machine import describe as machine  # noqa: E402

import sqlalchemy as sa  # noqa: E402

PERIOD = "2026-W46"
START = datetime(2026, 11, 9, tzinfo=timezone.utc)
PG_ADMIN = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _load() -> str:
    """The load average when the run starts: other work on the machine skews the timings."""
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3]) + " (1, 5, 15 min)"
    except OSError:
        return "?"


def fill(url: str, rows: int) -> None:
    from broker import migrate
    migrate.upgrade(url)
    e = sa.create_engine(url)
    rnd = random.Random(7)
    n_alloc = rows // 2
    n_req = max(1, n_alloc // 10)
    n_dev, n_vendor, n_off = 2000, 20, 100
    t = lambda m: START - timedelta(days=3) + timedelta(minutes=m)  # noqa: E731
    naive = url.startswith("sqlite")
    ts = (lambda d: d.replace(tzinfo=None)) if naive else (lambda d: d)
    with e.begin() as c:
        md = sa.MetaData()
        md.reflect(c, only=["org", "offering", "price", "capacity", "capacity_request", "allocation_round",
                            "allocation", "purchase_order", "delivery", "stake"])
        T = md.tables
        c.execute(T["org"].insert(), [dict(id=i, slug=f"o{i}", name=f"Org {i}", kind="vendor" if i <= n_vendor else "developer",
                                         status="approved", headcount=rnd.choice([10, 120, 3000]), weight=1,
                                         created_at=ts(t(0))) for i in range(1, n_vendor + n_dev + 1)])
        c.execute(T["stake"].insert(), [dict(holder_org_id=n_vendor + v, vendor_org_id=v, percent=10, kind="equity",
                                           note="", declared_at=ts(t(0))) for v in range(1, n_vendor + 1)])
        c.execute(T["offering"].insert(), [dict(id=i, vendor_org_id=1 + i % n_vendor, title=f"Offering {i}",
                                              task_type=["annotation", "labeling", "preference_ranking"][i % 3],
                                              modality="text", expertise="general", unit="item", description="",
                                              quality={}, turnaround_days=3, calibration_required=False, security={},
                                              content_risk="none", effective_hourly_pay_minor=rnd.choice([700, 1200]),
                                              pay_currency="USD", annotator_share=50.0, status="active",
                                              created_at=ts(t(0))) for i in range(1, n_off + 1)])
        c.execute(T["price"].insert(), [dict(offering_id=i, amount_minor=rnd.randint(50, 5000), currency="USD",
                                           effective_from=ts(t(-10000)), created_at=ts(t(0))) for i in range(1, n_off + 1)])
        c.execute(T["capacity"].insert(), [dict(offering_id=i, period=PERIOD, units=10**7, updated_at=ts(t(0)))
                                         for i in range(1, n_off + 1)])
        req_org = [n_vendor + 1 + rnd.randrange(n_dev) for _ in range(n_req)]
        c.execute(T["capacity_request"].insert(), [dict(id=i + 1, org_id=req_org[i], task_type="annotation", units=1000,
                                                      max_unit_price_minor=10**6, currency="USD", preferred_vendor_ids=[],
                                                      excluded_vendor_ids=[], instructions_ref="", status="partial",
                                                      units_allocated=0, reason={}, submitted_at=ts(t(rnd.randrange(1000))),
                                                      updated_at=ts(t(0))) for i in range(n_req)])
        # One round's documents, shaped like the broker's (a sample of the requests).
        reqs = [{"id": f"req-{i}", "org": f"org-{req_org[i]}", "units": 1000, "offerings": [f"off-{1 + i % n_off}"],
                 "submitted_at": "2026-11-06T00:00:00Z"} for i in range(n_req)]
        inp = {"orgs": [{"id": f"org-{o}", "size_class": "small"} for o in set(req_org)], "requests": reqs}
        out = {"allocations": [{"request": r["id"], "offering": r["offerings"][0], "units": 10} for r in reqs], "requests": []}
        c.execute(T["allocation_round"].insert(), [dict(id=1, run_key="bench", period=PERIOD, kind="main", policy_version=0,
                                                      input_json=json.dumps(inp), output_json=json.dumps(out),
                                                      input_digest="sha256:x", output_digest="sha256:y", ran_at=ts(t(1440)))])
        batch = 50_000
        for lo in range(0, n_alloc, batch):
            ids = range(lo + 1, min(n_alloc, lo + batch) + 1)
            a_rows, o_rows, d_rows = [], [], []
            for i in ids:
                rq = rnd.randrange(n_req)
                off = 1 + rnd.randrange(n_off)
                units = rnd.randint(1, 50)
                a_rows.append(dict(id=i, round_id=1, request_id=rq + 1, offering_id=off, org_id=req_org[rq], period=PERIOD,
                                   units=units, unit_price_minor=100, currency="USD", explanation={}, created_at=ts(t(1440))))
                o_rows.append(dict(id=i, allocation_id=i, vendor_org_id=1 + off % n_vendor, developer_org_id=req_org[rq],
                                   offering_id=off, period=PERIOD, units=units, units_delivered=units, unit_price_minor=100,
                                   currency="USD", fee_rate=0.1, status="delivered", payment_status="paid",
                                   created_at=ts(t(1440))))
                d_rows.append(dict(order_id=i, units=units, delivered_at=ts(t(1440 + rnd.randrange(5000))), note="",
                                   created_at=ts(t(0))))
            c.execute(T["allocation"].insert(), a_rows)
            c.execute(T["purchase_order"].insert(), o_rows)
            c.execute(T["delivery"].insert(), d_rows)
    if not naive:
        with e.connect() as c:
            c.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    e.dispose()


def _statement_timer(engine):
    """Record each SQL statement's wall time (for --statements)."""
    times: list[tuple[float, str]] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _start(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("t0", []).append(time.perf_counter())

    @sa.event.listens_for(engine, "after_cursor_execute")
    def _stop(conn, cursor, statement, parameters, context, executemany):
        times.append((time.perf_counter() - conn.info["t0"].pop(), " ".join(statement.split())))

    return times


def run(url: str, rows: int, label: str, statements: bool = False) -> None:
    from broker.app import create_app
    from broker import db
    from broker.reports import build

    t0 = time.perf_counter()
    fill(url, rows)
    print(f"[{label}] filled {rows:,} allocation+delivery rows in {time.perf_counter() - t0:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as inst:
        app = create_app({"DATABASE_URL": url, "INSTANCE_PATH": inst, "SECRET_KEY": "bench"})
        times = _statement_timer(app.extensions["db_engine"]) if statements else None
        with app.app_context():
            s = db.session()
            at = START + timedelta(days=8)
            # Timed without tracemalloc (it slows allocation-heavy code several times over);
            # a second build under tracemalloc measures the peak Python memory.
            t0 = time.perf_counter()
            docs = {series: fn(s, PERIOD, at) for series, fn in build.BUILDERS.items()}
            took = time.perf_counter() - t0
            if times is not None:
                spent = sum(t for t, _ in times)
                print(f"[{label}] {len(times)} statements, {spent:.2f} s in SQL; the slowest:")
                for t, sql in sorted(times, reverse=True)[:8]:
                    print(f"    {t:6.2f} s  {sql[:220]}")
                times.clear()
            tracemalloc.start()
            for series, fn in build.BUILDERS.items():
                fn(s, PERIOD, at)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        app.extensions["db_engine"].dispose()
    size = sum(len(json.dumps(d)) for d in docs.values())
    print(f"[{label}] built access+pricing+workforce in {took:.2f} s; peak Python memory {peak / 2**20:.1f} MiB; "
          f"documents {size / 1024:.0f} KiB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--statements", action="store_true", help="also print the slowest SQL statements")
    args = ap.parse_args()
    print("machine:", machine())
    print("load:", _load())
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as d:
            run(f"sqlite:///{d}/bench.sqlite3", args.rows, "sqlite", args.statements)
    if args.backend in ("postgresql", "both"):
        name = f"parity_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE DATABASE "{name}"')
        except sa.exc.OperationalError as e:
            print(f"[postgresql] skipped: {e.__class__.__name__}")
            return
        try:
            run(sa.engine.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False),
                args.rows, "postgresql", args.statements)
        finally:
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
