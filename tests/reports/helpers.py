"""Verify against the app through its test client (no socket), and download a series."""
from __future__ import annotations

from broker import db
from broker.reports import publish, verify


def client_source(client) -> verify.HttpSource:
    def get(url: str) -> bytes:
        r = client.get(url.removeprefix("http://parity.test"))
        assert r.status_code == 200, (url, r.status_code)
        return r.data
    return verify.HttpSource("http://parity.test/", opener=get)


def publish_all(app, **kw):
    with app.app_context():
        return publish.publish_due(db.session(), keys_path=app.config["KEYS_PATH"], **kw)


def publish_period(app, period, **kw):
    with app.app_context():
        return publish.publish_period(db.session(), period, keys_path=app.config["KEYS_PATH"], **kw)


def run_verify(src) -> tuple[int, str]:
    """(exit status, message) as the command gives them."""
    try:
        verify.Verifier(src).run()
        return 0, "OK"
    except verify.Discrepancy as d:
        return 1, str(d)
