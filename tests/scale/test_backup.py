"""``flask db backup`` taken while requests are being written, restored into a new database:
the copy is one consistent moment (every request with its audit entry), its ledger passes
``flask payments check``, and its signed reports still verify."""
from __future__ import annotations

import shutil
import threading

import pytest
import sqlalchemy as sa

from broker import db
from broker.models import Order
from broker.payments import charges, service
from broker.api.payments import checkout_urls
from tests.builders import request_body
from tests.conftest import BACKEND
from tests.helpers import auth
from tests.builders import OPERATOR
from tests.reports.helpers import client_source, publish_all, run_verify


def _paid_and_published(app, orders):
    """Each order invoiced, paid and its deliveries booked; then the period's reports."""
    with app.app_context(), app.test_request_context():  # checkout URLs are built for the order
        s = db.session()
        for o in orders:
            with db.transaction(s):
                pay = service.on_allocation_confirmed(s, s.get(Order, o.id), None, **checkout_urls(o.id))
            with db.transaction(s):
                charges.mark_invoice_paid(s, pay, OPERATOR)
            with db.transaction(s):
                service.on_delivery_recorded(s, s.get(Order, o.id))
    assert len([p for p in publish_all(app) if p.report]) == 3


def _counts(url: str) -> tuple[int, int, int]:
    """(requests made through the API, their audit entries, ledger entries)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as c:
        out = tuple(c.exec_driver_sql(sql).scalar() for sql in (
            "SELECT count(*) FROM capacity_request r WHERE r.id > (SELECT min(CAST(entity_id AS INTEGER)) - 1 "
            "FROM audit_entry WHERE action = 'request.create')",
            "SELECT count(*) FROM audit_entry WHERE action = 'request.create'",
            "SELECT count(*) FROM ledger_entry"))
    engine.dispose()
    return out


def test_a_backup_taken_under_writes_restores_to_a_checked_verifiable_database(
        app, client, make, scenario, empty_database_url, tmp_path):
    if BACKEND == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump/pg_restore are not installed (Debian: postgresql-client)")
    _paid_and_published(app, scenario["orders"])
    token = make.token(scenario["devs"][1])
    stop, written = threading.Event(), []

    def writer():  # requests keep arriving through the API while the backup runs
        c = app.test_client()
        while not stop.is_set():
            r = c.post("/api/v1/requests", json=request_body(units=1 + len(written) % 7), headers=auth(token))
            assert r.status_code == 201, r.get_data(as_text=True)
            written.append(r.json["id"])

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 5:
            stop.wait(0.05)
        at_backup = len(written)
        out = app.test_cli_runner().invoke(args=["db", "backup", str(tmp_path / "parity.backup")])
        while len(written) < at_backup + 5:
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(30)
    assert out.exit_code == 0, out.output
    again = app.test_cli_runner().invoke(args=["db", "backup", str(tmp_path / "parity.backup")])
    assert again.exit_code == 1 and "exists" in again.output

    from broker.app import create_app

    restored = create_app({"TESTING": True, "DATABASE_URL": empty_database_url, "SECRET_KEY": "x",
                           "INSTANCE_PATH": str(tmp_path / "restored"), "RATELIMIT_ENABLED": False})
    try:
        runner = restored.test_cli_runner()
        done = runner.invoke(args=["db", "restore", str(tmp_path / "parity.backup")])
        assert done.exit_code == 0, done.output
        refused = runner.invoke(args=["db", "restore", str(tmp_path / "parity.backup")])
        assert refused.exit_code == 1 and "not empty" in refused.output

        requests, audited, entries = _counts(empty_database_url)
        live_requests = _counts(app.config["DATABASE_URL"])[0]
        assert requests == audited  # one moment: no request without its audit entry, or the reverse
        assert live_requests - len(written) + at_backup <= requests < live_requests  # taken amid the writes
        assert entries > 0
        check = runner.invoke(args=["payments", "check"])
        assert check.exit_code == 0 and "ledger ok" in check.output, check.output
        assert run_verify(client_source(restored.test_client())) == (0, "OK")
    finally:
        restored.extensions["db_engine"].dispose()
