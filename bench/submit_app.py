"""The submission bench's app: Parity itself plus one bare endpoint on the same stack (same
factory, hooks, engine and session) doing a single INSERT and COMMIT, for comparison."""
import sqlalchemy as sa
from flask import Flask

from broker import db
from broker.app import create_app
from broker.clock import now
from broker.extensions import csrf


def bare():
    s = db.session()
    with db.transaction(s):
        s.execute(sa.text("INSERT INTO bench_bare (created_at) VALUES (:t)"), {"t": now().isoformat()})
    return {"ok": True}, 201


def add_bare(app: Flask) -> Flask:
    """Add ``POST /bench/bare`` (``bench/submit_cpu.py`` adds it to an app of its own)."""
    app.add_url_rule("/bench/bare", "bench_bare", csrf.exempt(bare), methods=["POST"])
    return app


def make() -> Flask:
    """gunicorn's factory (``bench.submit_app:make()``): the app configured from the environment."""
    return add_bare(create_app())
