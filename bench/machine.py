"""The line every benchmark prints first: what it ran on (numbers compare only within one
machine, and a shared machine's load moves them)."""
from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe() -> str:
    try:
        mem = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB; "
    except (ValueError, OSError, AttributeError):
        mem = ""
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{cpu_model()}; {os.cpu_count()} cores; {mem}Python {platform.python_version()} "
            f"({platform.python_implementation()}); {platform.system()} {platform.release()} "
            f"{platform.machine()}; load average {load}")
