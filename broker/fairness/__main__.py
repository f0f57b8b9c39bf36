"""``python -m broker.fairness [round.json] [--explain] [--result-version 1|2]``: result JSON on stdout.

Exit status 0 on success, 2 for a malformed round (message on stderr naming the problems).
"""
from __future__ import annotations

import gc
import json
import sys

import orjson

from . import RESULT_VERSIONS, RoundInputError, allocate, result_bytes
from .reading import table


class _Args:
    file, explain, result_version = None, False, RESULT_VERSIONS[-1]


def _arguments(argv):
    """The common calls (a file, or standard input) without loading argparse (a tenth of a
    one-offering round's start-up); anything else goes through it."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if len(argv) <= 1 and not (argv and argv[0].startswith("-")):
        args = _Args()
        args.file = argv[0] if argv else None
        return args
    import argparse
    parser = argparse.ArgumentParser(prog="python -m broker.fairness",
                                     description="Run one Parity allocation round (fairness policy v1).")
    parser.add_argument("file", nargs="?", help="round input JSON (default: standard input)")
    parser.add_argument("--explain", action="store_true",
                        help="also print a human-readable table on standard error")
    parser.add_argument("--result-version", type=int, choices=RESULT_VERSIONS, default=RESULT_VERSIONS[-1],
                        help="result schema version (default 2; 1 replays rounds stored before version 2)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = _arguments(argv)
    # a one-shot process: nothing it builds becomes garbage before it exits, so the cyclic
    # collector would only rescan the round's objects while they are parsed and built
    gc.disable()
    try:
        raw = open(args.file, "rb").read() if args.file else sys.stdin.buffer.read()
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            data = json.loads(raw)      # what orjson refuses but JSON allows: integers beyond 64 bits
    except (OSError, ValueError) as exc:
        print(f"error: cannot read round input: {exc}", file=sys.stderr)
        return 2
    try:
        result = allocate(data, version=args.result_version)
    except RoundInputError as exc:
        print("error: " + str(exc), file=sys.stderr)
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
        return 2
    sys.stdout.buffer.write(result_bytes(result))
    sys.stdout.flush()
    if args.explain:
        sys.stderr.write(table(result, data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
