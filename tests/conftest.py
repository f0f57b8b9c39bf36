"""Fixtures: a database per test run (SQLite or PostgreSQL), an app per test, a settable
clock, and the builders of tests/builders.py (``make``: orgs, users, tokens; ``market``: rows).

Which database: SQLite by default; ``PARITY_TEST_DB=postgresql`` runs the same tests on a
throw-away PostgreSQL database created on ``TEST_DATABASE_URL`` (default: the local server)
and dropped at the end.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from werkzeug.routing.rules import Rule

from broker import clock as clock_module
from broker import db, migrate
from broker.access import passwords
from tests.builders import Builders, Market

BACKEND = os.environ.get("PARITY_TEST_DB", "sqlite")

# Hypothesis profile "fairness" for the engine's property tests (applied per test with
# ``settings.get_profile("fairness")``, so other tests keep their own settings): the full 500
# examples per property in CI (CI=true), a quick 50 on a developer's machine.
# HYPOTHESIS_PROFILE=ci forces the full run locally.
IN_CI = os.environ.get("CI") == "true" or os.environ.get("HYPOTHESIS_PROFILE") == "ci"
settings.register_profile("fairness", max_examples=500 if IN_CI else 50, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Every other property test: no deadline and no "too slow" health check, because CI shares two
# cores with the PostgreSQL pass and a slow machine is not a defect of the code under test.
settings.register_profile("shared-machine", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("shared-machine")
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _compile_builder_once(compile_builder):
    """Every test builds its own app, and werkzeug compiles two URL builders (generated
    Python) for each of its ~130 routes: five sixths of ``create_app``'s time. A builder depends
    only on the rule's text, parts, defaults and converters, so the suite compiles each once."""
    cache = {}

    def cached(rule: Rule, append_unknown: bool = True):
        key = (rule.rule, tuple(rule._trace), repr(sorted((rule.defaults or {}).items())),
               tuple((name, type(conv)) for name, conv in rule._converters.items()), append_unknown)
        if key not in cache:
            cache[key] = compile_builder(rule, append_unknown)
        return cache[key]

    return cached


if hasattr(Rule, "_compile_builder"):  # werkzeug 3.x; without it, apps are only slower to build
    Rule._compile_builder = _compile_builder_once(Rule._compile_builder)

# Passwords are still scrypt-hashed and checked, with a work factor of 2**10 instead of 2**15:
# a full-strength hash costs 0.1–1 s here, and the suite makes hundreds (users, demo logins).
passwords.METHOD = "scrypt:1024:8:1"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config, items):
    # A test that never touches the database is pure: it runs once, on the SQLite pass. The
    # migrations' test touches an empty one (``empty_database_url``): it runs on both.
    for item in items:
        if not {"database_template", "empty_database_url"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.pure)
    if BACKEND == "postgresql":
        skip = pytest.mark.skip(reason="pure/browser tests run once, on the SQLite pass")
        for item in items:
            if "pure" in item.keywords or "browser" in item.keywords:
                item.add_marker(skip)
    # Under pytest-xdist (scripts/test runs the browser and PostgreSQL passes on two workers,
    # ``--dist loadgroup``), tests that share something costly or global run in one worker:
    # the demo market's one load, and the scale-out tests (Redis database 12, flushed by them).
    for item in items:
        group = _XDIST_GROUPS.get(item.nodeid.split("::", 1)[0])
        if item.get_closest_marker("demo_market"):
            group = "demo-market"
        if group:
            item.add_marker(pytest.mark.xdist_group(group))



def pytest_collection_finish(session):
    # scripts/test starts the other passes once a process of the first has collected: by then
    # the work tree's and the libraries' bytecode (and pytest's rewritten test modules) are
    # written, and the other processes read them instead of each compiling the same files.
    marker = os.environ.get("PARITY_COLLECTED_MARKER")
    if marker:
        Path(marker).touch()

# Test files whose tests must share one worker (by file: a module-scoped server or build).
_XDIST_GROUPS = {
    "tests/scale/test_scale_out.py": "scale",
    "tests/scale/test_scheduler_takeover.py": "scale",
    "tests/scale/test_ratelimit_storage.py": "scale",
    "tests/tlog/test_go_interop.py": "go-interop",
}


def _create_pg_database(conn, name: str, template: str | None = None) -> None:
    """CREATE DATABASE on the test server, empty or as a copy of ``template`` (which nobody may
    be connected to)."""
    conn.exec_driver_sql(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def _pg_url(admin_url: str, name: str) -> str:
    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Migrate once per run; each test then starts from this empty, migrated schema."""
    if BACKEND == "postgresql":
        with new_pg_database("parity_test") as url:
            migrate.upgrade(url)
            yield {"backend": "postgresql", "url": url}
    else:
        folder = tmp_path_factory.mktemp("template")
        path = folder / "template.sqlite3"
        migrate.upgrade(f"sqlite:///{path}")
        yield {"backend": "sqlite", "path": path}


def _fresh_database(template, tmp_path: Path) -> str:
    if template["backend"] == "sqlite":
        target = tmp_path / "parity.sqlite3"
        shutil.copyfile(template["path"], target)
        return f"sqlite:///{target}"
    url = template["url"]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.exec_driver_sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
        # DELETE is much cheaper than TRUNCATE on tiny tables. The replica role skips
        # triggers and foreign-key checks, so the order does not matter and the audit log's
        # append-only trigger (which guards production data) does not block the test reset.
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for t in tables:
            conn.exec_driver_sql(f'DELETE FROM "{t}"')
    engine.dispose()
    return url


# The clock the demo market is loaded at, for the tests that share one load (``demo_market``):
# the ``clock`` fixture's start, so each of them sees the demo as if it had loaded it itself.
DEMO_LOADED_AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)  # a Monday, ISO week 48


@pytest.fixture(scope="session")
def demo_template(database_template, tmp_path_factory):
    """The demo market loaded once per run (at ``DEMO_LOADED_AT``) into a database of its own;
    each test marked ``demo_market`` starts from a copy of it (a file copy on SQLite, ``CREATE
    DATABASE ... TEMPLATE`` on PostgreSQL) with a copy of its signing keys. A load costs seconds
    (four past rounds, twelve signed reports) and several tests only read and extend it."""
    from broker.app import create_app
    from broker.demo.loader import load_demo

    folder = tmp_path_factory.mktemp("demo-template")
    with contextlib.ExitStack() as cleanup:
        if database_template["backend"] == "postgresql":
            url = cleanup.enter_context(new_pg_database("parity_demo"))
            migrate.upgrade(url)
        else:
            path = folder / "demo.sqlite3"
            shutil.copyfile(database_template["path"], path)
            url = f"sqlite:///{path}"
        instance = folder / "instance"
        application = create_app({"TESTING": True, "DATABASE_URL": url, "INSTANCE_PATH": str(instance),
                                  "SECRET_KEY": "test-secret-key", "RATELIMIT_ENABLED": False})
        previous = clock_module._now
        clock_module.set_clock(lambda: DEMO_LOADED_AT)
        progress: list[str] = []
        try:
            with application.app_context():
                summary = load_demo(progress=progress.append)
                db.close_session()
        finally:
            clock_module.set_clock(previous)
        # Closing the last connection checkpoints SQLite's WAL into the file; PostgreSQL copies a
        # template only while nobody is connected to it.
        application.extensions["db_engine"].dispose()
        yield {"backend": database_template["backend"], "url": url, "keys": Path(application.config["KEYS_PATH"]),
               "summary": summary, "progress": tuple(progress)}


@contextlib.contextmanager
def _demo_copy(demo, tmp_path: Path):
    """A database holding the demo market, and its keys in ``tmp_path/instance/keys``."""
    shutil.copytree(demo["keys"], tmp_path / "instance" / "keys")
    if demo["backend"] != "postgresql":
        target = tmp_path / "demo.sqlite3"
        shutil.copyfile(sa.engine.make_url(demo["url"]).database, target)
        yield f"sqlite:///{target}"
        return
    with new_pg_database("parity_demo_copy", template=sa.engine.make_url(demo["url"]).database) as url:
        yield url


@pytest.fixture
def demo_market(request):
    """The demo load shared by the tests marked ``demo_market`` (their ``app`` holds a copy):
    its summary and progress lines, as ``load_demo`` gave them."""
    if request.node.get_closest_marker("demo_market") is None:
        pytest.fail("demo_market: mark the test with @pytest.mark.demo_market so its app holds the demo")
    demo = request.getfixturevalue("demo_template")
    return {"summary": demo["summary"], "progress": list(demo["progress"])}


@contextlib.contextmanager
def new_pg_database(prefix: str, template: str | None = None):
    """A new PostgreSQL database on the test server (empty, or a copy of ``template``),
    dropped (connections and all) at the end."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        _create_pg_database(c, name, template)
    try:
        yield _pg_url(PG_ADMIN_URL, name)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def empty_database_url(tmp_path):
    """A new, empty database on the backend under test (dropped afterwards)."""
    if BACKEND != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    with new_pg_database("parity_empty") as url:
        yield url


class SettableClock:
    """A clock the test moves by hand; starts at a fixed, realistic instant."""

    def __init__(self, start: datetime):
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def set(self, value: datetime) -> None:
        self.current = value

    def advance(self, **kw) -> datetime:
        self.current += timedelta(**kw)
        return self.current


@pytest.fixture
def clock():
    c = SettableClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))  # a Monday, ISO week 48
    clock_module.set_clock(c)
    yield c
    clock_module.set_clock(None)


@pytest.fixture
def app(request, database_template, tmp_path, clock):
    from broker.app import create_app

    with contextlib.ExitStack() as stack:
        if request.node.get_closest_marker("demo_market"):
            url = stack.enter_context(_demo_copy(request.getfixturevalue("demo_template"), tmp_path))
        else:
            url = _fresh_database(database_template, tmp_path)
        yield stack.enter_context(_app_over(create_app, url, tmp_path))


@contextlib.contextmanager
def _app_over(create_app, url: str, tmp_path: Path):
    application = create_app({
        "TESTING": True,
        "DATABASE_URL": url,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_ENABLED": False,
    })
    try:
        yield application
    finally:
        application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    with app.app_context():
        yield db.session()


@pytest.fixture
def make(app):
    return Builders(app)


@pytest.fixture
def market(app, clock, client):
    return Market(app, clock, client)
