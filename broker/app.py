"""The application factory: defaults, then environment, then the caller's overrides."""
from __future__ import annotations

import logging
from pathlib import Path

from flask.cli import FlaskGroup
from flask_openapi3 import Info, OpenAPI
from werkzeug.middleware.proxy_fix import ProxyFix

from broker import config, db, http_errors, ratelimit
from broker.access import tokens
from broker.api import register as register_api
from broker.auth import oauth, session_login, sso
from broker.cli import register as register_cli
from broker.extensions import csrf
from broker.jobs import Jobs
from broker.mail import outbox as mail_outbox
from broker.payments import jobs as payments_jobs
from broker.reports import jobs as reports_jobs
from broker.reports import log_signing
from broker.services import broker_jobs, vendor_systems
from broker.web import register as register_web

ROOT = Path(__file__).resolve().parent.parent

API_INFO = Info(
    title="Parity API",
    version="1",
    description="Marketplace and access-fairness broker for human-data capacity. "
    "Public endpoints need no token; the rest take an OAuth 2.0 bearer token from "
    "POST /oauth/token (client credentials). Errors are RFC 9457 problem+json.",
)
SECURITY_SCHEMES = {
    "oauth2": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "/oauth/token", "scopes": {}}},
    }
}


def create_app(cfg: dict | None = None) -> OpenAPI:
    settings = config.load(cfg)
    app = OpenAPI(
        "broker",
        info=API_INFO,
        security_schemes=SECURITY_SCHEMES,
        validation_error_status=422,
        validation_error_callback=http_errors.validation_problem,
        doc_prefix="/api/v1",
        doc_url="/openapi.json",
        doc_ui=False,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=settings["INSTANCE_PATH"],
    )
    app.config.update(settings)
    app.config["RATELIMIT_STORAGE_URI"] = settings["RATELIMIT_STORAGE_URI"]
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    for noisy in ("alembic", "apscheduler"):  # their INFO lines drown the job summaries
        logging.getLogger(noisy).setLevel(logging.WARNING)
    _fill_scope_descriptions()

    if app.config["PROXY_HOPS"]:
        # behind a proxy every caller would otherwise share its address: rate limits, the
        # audit log and login lockouts need the client's own (only as many hops as trusted)
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    db.init_app(app)
    csrf.init_app(app)
    ratelimit.init_app(app)
    http_errors.register(app)

    oauth.init_app(app)
    session_login.init_app(app)
    sso.init_app(app)

    from broker import health

    app.register_blueprint(health.bp)
    register_api(app)
    register_web(app)
    register_cli(app)
    app.extensions["parity_jobs"] = _jobs()
    return app


def _jobs() -> Jobs:
    """Each domain adds its scheduled jobs; the scheduler runs what is here."""
    jobs = Jobs()
    for domain in (tokens, broker_jobs, vendor_systems, reports_jobs, log_signing, payments_jobs,
                   mail_outbox):
        domain.register_jobs(jobs)
    return jobs


def main() -> None:
    """The ``parity`` console script: the same commands without ``--app``."""
    FlaskGroup(create_app=lambda: create_app(), help="Parity operator commands.")()


def _fill_scope_descriptions() -> None:
    from broker.access.roles import ALL_SCOPES

    SECURITY_SCHEMES["oauth2"]["flows"]["clientCredentials"]["scopes"] = dict(ALL_SCOPES)
