"""A real Label Studio 1.23 server for the adapter's test, started in the background.

The server comes from PyPI into its own virtual environment, cached outside the repository
by ``scripts/ensure-labelstudio`` (keyed by version). Booting it takes 20 s on a quiet machine,
and its very first start migrates a fresh database (minutes on a busy one), so:

- the migrated database is kept in the cache as a template (a consistent SQLite backup taken
  from the first server while it runs, so that run needs no second start), and each run
  starts from a copy;
- the server boots in a thread as soon as the session knows it will run the test
  (tests/providers/conftest.py), while the rest of the suite runs; the fixture only waits.
"""
from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
USER, PASSWORD = "parity-tests@example.org", "parity-Tests-2026!"
START_TIMEOUT = int(os.environ.get("LABEL_STUDIO_START_TIMEOUT", "600"))
DB_FILE = "label_studio.sqlite3"


class Unavailable(Exception):
    """Label Studio could not be installed here (the test is skipped, not failed)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(exe: str, data: Path, port: int) -> subprocess.Popen:
    env = dict(os.environ, LABEL_STUDIO_BASE_DATA_DIR=str(data), LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK="true")
    log = open(data / "server.log", "ab")
    proc = subprocess.Popen([exe, "start", "--no-browser", "--host", "127.0.0.1", "--port", str(port),
                             "--data-dir", str(data), "--username", USER, "--password", PASSWORD],
                            cwd=data, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"label-studio exited with {proc.returncode}; see {data / 'server.log'}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop(proc)
    raise RuntimeError(f"label-studio did not answer /health within {START_TIMEOUT} s")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def _keep_as_template(data: Path, template: Path) -> None:
    """Copy a running server's data folder into the cache (SQLite's backup API: consistent
    while the server holds the file). Another run that got there first wins."""
    tmp = template.with_name(f"data-template.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(data, tmp, ignore=shutil.ignore_patterns("server.log", DB_FILE + "*"))
    with sqlite3.connect(data / DB_FILE) as src, sqlite3.connect(tmp / DB_FILE) as dst:
        src.backup(dst)
    try:
        tmp.rename(template)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)


class Server:
    """One Label Studio for the session, booting in a thread from construction on."""

    def __init__(self):
        self.workdir = Path(tempfile.mkdtemp(prefix="parity-label-studio-"))
        self.url: str | None = None
        self.proc: subprocess.Popen | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._boot, name="label-studio boot", daemon=True)
        self._thread.start()

    def _boot(self) -> None:
        try:
            try:
                out = subprocess.run([str(ROOT / "scripts" / "ensure-labelstudio")], check=True,
                                     capture_output=True, text=True, timeout=3000)
                exe = out.stdout.strip().splitlines()[-1]
            except (subprocess.SubprocessError, OSError, IndexError) as e:
                raise Unavailable(f"Label Studio 1.23 could not be installed from PyPI here: {e}") from e
            template = Path(exe).parent.parent / "data-template"
            data = self.workdir / "ls-data"
            fresh = not (template / DB_FILE).exists()
            if fresh:
                data.mkdir(parents=True)  # first start ever: migrations and the admin user
            else:
                shutil.copytree(template, data)
            port = _free_port()
            self.proc = _start(exe, data, port)
            if fresh:
                _keep_as_template(data, template)
            self.url = f"http://127.0.0.1:{port}"
        except BaseException as e:  # noqa: BLE001 — handed to the test that waits
            self.error = e

    def wait(self) -> str:
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.url

    def close(self) -> None:
        self._thread.join()
        if self.proc is not None:
            stop(self.proc)
        shutil.rmtree(self.workdir, ignore_errors=True)
