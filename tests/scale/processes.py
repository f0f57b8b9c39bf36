"""Real processes for the scale-out tests: start one with its output collected, wait for a
line, kill it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


class Process:
    def __init__(self, name: str, argv: list[str], env: dict):
        self.name = name
        self.lines: list[tuple[float, str]] = []
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))

    def output(self) -> str:
        return "".join(line for _, line in self.lines)

    def wait_for(self, needle: str, timeout: float = 60) -> float:
        """The monotonic time the first line containing ``needle`` was read."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for t, line in list(self.lines):
                if needle in line:
                    return t
            if self.proc.poll() is not None:
                time.sleep(0.2)  # let the reader thread drain the last lines
                break
            time.sleep(0.05)
        raise AssertionError(f"{self.name}: no {needle!r} within {timeout}s "
                             f"(exit {self.proc.poll()}); output:\n{self.output()[-4000:]}")

    def has(self, needle: str) -> bool:
        return any(needle in line for _, line in list(self.lines))

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)


def scheduler(name: str, env: dict) -> Process:
    return Process(name, [sys.executable, str(ROOT / "tests/scale/scheduler_probe.py")], env)


def gunicorn(name: str, port: int, env: dict, workers: int = 2) -> Process:
    """As docs/deploy.md runs it: the app loaded (and checked) once, then forked."""
    return Process(name, [str(BIN / "gunicorn"), "--preload", "--bind", f"127.0.0.1:{port}",
                          "--workers", str(workers), "--no-control-socket", "--graceful-timeout", "3",
                          "wsgi:app"], env)


def kill_all(procs) -> None:
    """SIGKILL to every process group at once: tests end them without the seconds a
    graceful exit takes (interpreter teardown of the loaded app)."""
    for p in procs:
        if p.proc.poll() is None:
            os.killpg(p.proc.pid, signal.SIGKILL)
    for p in procs:
        p.proc.wait(10)
