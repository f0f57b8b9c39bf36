"""``python -m broker.fairness [round.json] [--explain]``: result JSON on stdout.

Exit status 0 on success, 2 for a malformed round (message on stderr naming the problems).
"""
from __future__ import annotations

import argparse
import json
import sys

from . import RoundInputError, allocate, dumps_result
from .explain import table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m broker.fairness",
                                     description="Run one Parity allocation round (fairness policy v1).")
    parser.add_argument("file", nargs="?", help="round input JSON (default: standard input)")
    parser.add_argument("--explain", action="store_true",
                        help="also print a human-readable table on standard error")
    args = parser.parse_args(argv)
    try:
        text = open(args.file, encoding="utf-8").read() if args.file else sys.stdin.read()
        data = json.loads(text)
    except (OSError, ValueError) as exc:
        print(f"error: cannot read round input: {exc}", file=sys.stderr)
        return 2
    try:
        result = allocate(data)
    except RoundInputError as exc:
        print("error: " + str(exc), file=sys.stderr)
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
        return 2
    sys.stdout.write(dumps_result(result))
    if args.explain:
        sys.stderr.write(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
