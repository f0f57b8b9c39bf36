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
    """The database answers and its schema is at this code's newest migration, or newer (a
    rolling upgrade migrates first, and the hosts still on the previous version keep serving:
    migrations stay compatible with the version before them; docs/deploy.md)."""
    try:
        with db.engine().connect() as conn:
            current = MigrationContext.configure(conn).get_current_heads()
    except Exception as exc:  # noqa: BLE001 — any failure means "not ready"
        resp = jsonify(status="unavailable", database="unreachable", detail=str(exc.__class__.__name__))
        resp.status_code = 503
        resp.headers["Retry-After"] = "5"
        return resp
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    known = {r.revision for r in script.walk_revisions()}
    ahead = bool(current) and not set(current) & known  # migrated by a newer version
    ready = set(current) == set(heads) or ahead
    resp = jsonify(status="ok" if ready else "migrations-pending", database="ok",
                   migrations={"current": sorted(current), "head": sorted(heads),
                               **({"database_is_newer": True} if ahead else {})})
    resp.status_code = 200 if ready else 503
    return resp
