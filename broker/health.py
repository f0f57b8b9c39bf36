"""Liveness and readiness probes for load balancers and orchestration."""
from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, jsonify

from broker import db
from broker.migrate import alembic_config

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """The process is up (no dependency is checked)."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """The database answers and its schema is at the newest migration."""
    try:
        with db.engine().connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
    except Exception as exc:  # noqa: BLE001 — any failure means "not ready"
        resp = jsonify(status="unavailable", database="unreachable", detail=str(exc.__class__.__name__))
        resp.status_code = 503
        resp.headers["Retry-After"] = "5"
        return resp
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    at_head = set(current) == set(heads)
    resp = jsonify(status="ok" if at_head else "migrations-pending", database="ok",
                   migrations={"current": sorted(current), "head": sorted(heads)})
    resp.status_code = 200 if at_head else 503
    return resp
