"""Print the N slowest tests of the JUnit XML files of scripts/test's passes, all passes together.

    python scripts/slowest_tests.py 15 sqlite.xml browser.xml postgresql.xml

A test's time is its setup, call and teardown (pytest's JUnit ``time``); the pass is the file's
name. Missing or unreadable files are named and skipped: a pass that did not run has none.
"""
from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def slowest(n: int, paths: list[str]) -> list[tuple[float, str, str]]:
    rows = []
    for path in paths:
        try:
            root = ET.parse(path).getroot()
        except (OSError, ET.ParseError) as e:
            print(f"(no test times from {path}: {e.__class__.__name__})")
            continue
        for case in root.iter("testcase"):
            name = f"{case.get('classname', '')}::{case.get('name', '')}"
            rows.append((float(case.get("time") or 0), Path(path).stem, name))
    return sorted(rows, reverse=True)[:n]


def main(argv: list[str]) -> int:
    n, paths = int(argv[0]), argv[1:]
    rows = slowest(n, paths)
    print(f"=== the {len(rows)} slowest tests of all passes (setup + call + teardown) ===")
    for seconds, pass_name, name in rows:
        print(f"{seconds:8.2f}s  {pass_name:<10}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
