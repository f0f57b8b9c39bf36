"""SQLite WAL frames written per submission (POST /api/v1/requests) and per bare INSERT, the
pages each COMMIT writes: what a schema's indexes cost a write, which CPU profiles do not show.

    .venv/bin/python bench/submit_wal.py [--calls 500] [--warm 300]

The bench's app (``bench/submit_app.py``) on a temporary SQLite file, calls straight into WSGI
as in ``bench/submit_cpu.py``; automatic checkpoints are off while counting, so the WAL file's
growth over ``--calls`` calls, in frames of page size + 24 bytes, is what they wrote. The warm-up
calls first take the tables past their first pages (page splits then come at their usual rate).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.machine import describe as machine  # noqa: E402
from bench.submit import BODY  # noqa: E402
from bench.submit_cpu import build, wsgi_call  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--warm", type=int, default=300)
    args = ap.parse_args()
    import sqlalchemy as sa

    print(f"machine: {machine()}")
    tmp = Path(tempfile.mkdtemp(prefix="parity-bench-wal-"))
    try:
        (tmp / "i").mkdir()
        path = tmp / "bench.sqlite3"
        app, _client, tok = build(f"sqlite:///{path}", tmp / "i")
        engine = app.extensions["db_engine"]

        @sa.event.listens_for(engine, "connect")
        def _no_checkpoints(dbapi_conn, _record):
            dbapi_conn.execute("PRAGMA wal_autocheckpoint=0")

        engine.dispose()  # connections from now on count without automatic checkpoints
        with engine.connect() as c:
            page = c.exec_driver_sql("PRAGMA page_size").scalar()
        post = wsgi_call(app, "POST", "/api/v1/requests", {"Authorization": f"Bearer {tok}"},
                         json.dumps(BODY).encode())
        post_bare = wsgi_call(app, "POST", "/bench/bare", {})
        run, count = uuid.uuid4().hex[:8], [0]

        def submit():
            count[0] += 1
            status, data = post(f"{run}-{count[0]}")
            if not status.startswith("201"):
                raise SystemExit(f"submission: {status} {data[:300]!r}")

        def bare():
            status, data = post_bare()
            if not status.startswith("201"):
                raise SystemExit(f"bare: {status} {data[:300]!r}")

        for _ in range(args.warm):
            submit()
            bare()
        wal = Path(f"{path}-wal")
        for name, call in (("bare INSERT+COMMIT", bare), ("submit request", submit)):
            with engine.connect() as c:
                c.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            before = wal.stat().st_size if wal.exists() else 0
            for _ in range(args.calls):
                call()
            frames = (wal.stat().st_size - max(before, 32)) / (page + 24)
            print(f"{name:20} {frames / args.calls:6.2f} WAL frames per call ({args.calls} calls, page {page} B)")
        engine.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
