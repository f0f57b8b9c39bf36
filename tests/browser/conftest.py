"""Browser test harness: Playwright driving Debian's Chromium against a live Parity server.

Fixtures (later issues add their flows beside ``test_login.py`` and use these):

``live_server``
    A real HTTP server (werkzeug, threaded, in this process) on a free 127.0.0.1 port over a
    fresh, migrated SQLite database of its own, one per test, so tests stay independent. The
    demo market is loaded by default; a test that wants an empty market says so with
    ``@pytest.mark.parametrize("live_server", [{"demo": False}], indirect=True)``.
    The value is the base URL (a ``str``: ``live_server + "/login"``) that also carries
    ``.url``, ``.app`` (the Flask app object) and ``.transaction()`` (a context manager giving a
    database session inside ``db.transaction``, for setting up rows).
``browser``
    One headless Chromium for the session: Debian's headless shell
    (``/usr/lib/chromium/chromium-headless-shell``), else Debian's ``/usr/bin/chromium``, never a
    downloaded one; every browser test is skipped, with the reason, when both are absent.
``page``
    A fresh browser context and page per test (no cookies shared between tests), with the live
    server as ``base_url`` so ``page.goto("/catalog")`` works.
``login_as``
    ``login_as(page, email, password)`` signs in through the login form and returns the page on
    the dashboard (it fails the test when the sign-in does not succeed).
``demo_logins``
    The demo sign-ins by role (``demo_logins["developer"].email`` …).

Clock: the live server uses the wall clock, deliberately. The demo data is generated around
the wall clock's ISO week (its capacity periods are "this week and the next two"), and a
browser sees the app the way a person would. The ``clock`` fixture of tests/conftest.py is
process-wide: a browser test that requests it moves the live server's clock too (the server
runs in a thread of this process), but then the demo periods no longer line up with "now".

Speed: the demo market is loaded once per run (shared by the pytest-xdist workers, under a
file lock), migrating once per process, into template files; each test then copies a template
(milliseconds) and starts its own server (well under a second).
"""
from __future__ import annotations

import fcntl
import logging
import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

from broker import db
from broker.demo.logins import DEMO_LOGINS

# Debian's headless shell (package chromium-headless-shell, the same Blink and V8 as its
# chromium): the browser without the desktop browser's UI, profile and services around the pages,
# which Playwright uses for headless runs too. It cost 13 % less CPU than /usr/bin/chromium over
# the auditor's layout walk, 60 % less in the browser process itself (docs/testing.md).
HEADLESS_SHELL = "/usr/lib/chromium/chromium-headless-shell"
CHROMIUM = HEADLESS_SHELL if os.path.exists(HEADLESS_SHELL) else "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update"]
TIMEOUT_MS = 10_000


def _app_for(db_path: Path, instance: Path):
    from broker.app import create_app

    return create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{db_path}",
        "INSTANCE_PATH": str(instance),
        "SECRET_KEY": "browser-test-secret-key",
        # Several tests sign in within a minute; the limiter has its own tests.
        "RATELIMIT_ENABLED": False,
        # The browser keeps the stylesheets and script for the test instead of asking again on
        # every page (three 304 answers a page, each loading the signed-in user and org).
        "SEND_FILE_MAX_AGE_DEFAULT": 3600,
    })


def _run_folder(tmp_path_factory) -> Path:
    """A folder of this run that every pytest-xdist worker sees (a worker's base folder is
    ``<run>/popen-gwN``); without xdist, this process's own base folder."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _load_demo_once(database_template, folder: Path) -> Path:
    """The demo market, loaded once per run: the first worker to need it loads it (≈ 10 s of
    CPU) while another that needs it too waits on the lock, then both copy the same file."""
    path = folder / "browser-demo.sqlite3"
    with open(folder / "browser-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = folder / "browser-demo.partial.sqlite3"
            shutil.copyfile(database_template["path"], partial)
            app = _app_for(partial, folder / "browser-demo-instance")
            with app.app_context():
                from broker.demo.loader import load_demo

                load_demo(progress=lambda _line: None)
            # Closing the last connection checkpoints the WAL into the main file.
            app.extensions["db_engine"].dispose()
            os.replace(partial, path)  # seen complete or not at all
    return path


@pytest.fixture(scope="session")
def _browser_templates(database_template, tmp_path_factory):
    """Migrated SQLite files to copy: empty, or with the demo market (each built once, on demand)."""
    if database_template["backend"] != "sqlite":
        pytest.skip("browser tests run on the SQLite pass only")
    folder = tmp_path_factory.mktemp("browser-templates")
    built: dict[bool, Path] = {}

    def template(demo: bool) -> Path:
        if demo not in built:
            if demo:
                built[demo] = _load_demo_once(database_template, _run_folder(tmp_path_factory))
            else:
                built[demo] = shutil.copyfile(database_template["path"], folder / "empty.sqlite3")
        return built[demo]

    return template


class LiveServer(str):
    """The base URL, plus the app behind it."""

    url: str
    app: object

    def __new__(cls, url: str, app):
        obj = super().__new__(cls, url)
        obj.url = url
        obj.app = app
        return obj

    @contextmanager
    def transaction(self):
        with self.app.app_context():
            s = db.session()
            with db.transaction(s):
                yield s


@pytest.fixture
def live_server(request, _browser_templates, tmp_path):
    from werkzeug.serving import make_server

    # A log record per request, kept by pytest for every test, would only bury a failure's output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    options = {"demo": True, **getattr(request, "param", {})}
    path = tmp_path / "parity.sqlite3"
    shutil.copyfile(_browser_templates(bool(options["demo"])), path)
    app = _app_for(path, tmp_path / "instance")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.extensions["db_engine"].dispose()


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (make test installs Debian's chromium-headless-shell)")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    except Exception:
        pw.stop()
        raise
    yield chromium
    chromium.close()
    pw.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


@pytest.fixture
def page(request, browser, live_server, tmp_path):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "_report_call", None)
    if failed is not None and failed.failed:
        # A screenshot of the page as it was when the test failed, for the reader of the log.
        shot = tmp_path / "failure.png"
        try:
            pg.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of the failing page: {shot}")
        except Exception:  # the page may be gone; the test's own failure is what matters
            pass
    context.close()


def _login_as(page, email: str, password: str):
    page.goto("/login")
    # The password form (the page also offers single sign-on by work email).
    form = page.locator("form").filter(has=page.get_by_label("Password", exact=True))
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_label("Password", exact=True).fill(password)
    form.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    path = page.url.split("://", 1)[-1].split("/", 1)[-1]
    if path.startswith("login"):
        alert = page.locator("[role=alert]").all_inner_texts()
        pytest.fail(f"sign-in as {email} failed: {alert or page.title()}")
    return page


@pytest.fixture
def login_as(live_server):
    """``login_as(page, email, password)``: sign in through the form; returns the page."""
    return _login_as


@pytest.fixture
def demo_logins():
    return DEMO_LOGINS
