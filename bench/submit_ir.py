"""Instructions per request of the submission beside the bare INSERT endpoint, counted by
valgrind's callgrind: a measure the machine's load does not move.

    .venv/bin/python bench/submit_ir.py [--calls 50] [--postgres]

Same app, database and calls as ``bench/submit_cpu.py`` (straight into WSGI), but the cost is
the number of instructions this process executes per call (callgrind's ``Ir``), counted only
around the measured loops: instrumentation starts and stops through callgrind's client
requests (a four-line C helper compiled here with gcc). CPU time on a shared machine moves
by a tenth between runs of the same code (other processes share caches and cores); the
instruction count moves by a few percent (garbage collection, page splits, dict layouts), so
an A/B of two checkouts is readable at any load. It counts this process only: not the
kernel (SQLite's WAL writes), not PostgreSQL's server, not time spent waiting, and an
instruction is not a fixed time — use it to compare, and ``bench/submit_cpu.py`` /
``bench/submit.py`` for the ratio itself. Slow: about 3 minutes per database at 50 calls.
Needs valgrind, its headers (``valgrind.h``, ``callgrind.h``) and gcc.
"""
from __future__ import annotations

import argparse
import ctypes
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HELPER = """#include <valgrind/callgrind.h>
void start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void stop(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
"""


def inner(db: str, calls: int, helper: str) -> None:
    """Under valgrind: build the app, warm it up, then count each endpoint's loop."""
    sys.path.insert(0, str(ROOT))
    from bench.submit import BODY, pg_database
    from bench.submit_cpu import build, wsgi_call

    cg = ctypes.CDLL(helper)
    tmp = Path(tempfile.mkdtemp(prefix="parity-bench-submit-ir-"))
    (tmp / "i").mkdir()
    drop = None
    if db == "postgresql":
        url, drop = pg_database()
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    try:
        app, _client, tok = build(url, tmp / "i")
        post = wsgi_call(app, "POST", "/api/v1/requests", {"Authorization": f"Bearer {tok}"},
                         json.dumps(BODY).encode())
        bare = wsgi_call(app, "POST", "/bench/bare", {})
        for i in range(30):  # warm-up: caches, compiled statements, the receipt key
            assert post(f"warm-{i}")[0].startswith("201") and bare()[0].startswith("201")
        cg.start()
        for _ in range(calls):
            bare()
        cg.stop(b"bare")
        cg.start()
        for i in range(calls):
            post(f"k-{i}")
        cg.stop(b"submit")
        app.extensions["db_engine"].dispose()
    finally:
        if drop:
            drop()
        shutil.rmtree(tmp, ignore_errors=True)


def count(db: str, calls: int, work: Path, helper: Path) -> dict[str, float]:
    out = work / db
    out.mkdir()
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.%p",
           sys.executable, __file__, "--inner", db, "--calls", str(calls), "--helper", str(helper)]
    run = subprocess.run(cmd, cwd=ROOT, env={**os.environ, "PYTHONHASHSEED": "0"}, capture_output=True, text=True)
    if run.returncode != 0:
        raise SystemExit(f"valgrind run failed ({db}):\n{run.stderr[-3000:]}")
    got = {}
    for path in glob.glob(f"{out}/cg.*.*"):
        text = Path(path).read_text(errors="replace")
        label = re.search(r"^desc: Trigger: Client Request: (\w+)", text, re.M)
        total = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
        if label and total:
            got[label.group(1)] = int(total.group(1)) / calls
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--postgres", action="store_true", help="also on a temporary PostgreSQL database")
    ap.add_argument("--inner", help=argparse.SUPPRESS)
    ap.add_argument("--helper", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.inner:
        inner(args.inner, args.calls, args.helper)
        return
    if not (shutil.which("valgrind") and shutil.which("gcc")):
        raise SystemExit("valgrind and gcc are needed (apt-get install valgrind gcc)")
    work = Path(tempfile.mkdtemp(prefix="parity-bench-ir-"))
    try:
        (work / "cg.c").write_text(HELPER)
        helper = work / "libcg.so"
        subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-o", str(helper), str(work / "cg.c")], check=True)
        print(f"{args.calls} calls per endpoint; instructions of this process (callgrind Ir) per call")
        print(f"{'database':11} {'bare Ir':>12} {'submit Ir':>12} {'ratio':>6}")
        for db in ("sqlite", "postgresql") if args.postgres else ("sqlite",):
            got = count(db, args.calls, work, helper)
            print(f"{db:11} {got['bare']:12,.0f} {got['submit']:12,.0f} {got['bare'] / got['submit']:6.3f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
