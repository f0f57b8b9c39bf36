"""Errors as HTTP answers: RFC 9457 problem+json under /api and /oauth, HTML pages everywhere else."""
from __future__ import annotations

from http import HTTPStatus

from flask import Flask, Response, json, render_template, request
from pydantic import ValidationError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from broker.errors import ApiError

PROBLEM_TYPE_BASE = "https://parity.example/problems/"


def problem(status: int, detail: str, *, title: str | None = None, type_: str | None = None,
            errors: list[dict] | None = None, base: Response | None = None) -> Response:
    body = {
        "type": PROBLEM_TYPE_BASE + (type_ or HTTPStatus(status).phrase.lower().replace(" ", "-")),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    resp = base or Response()
    resp.set_data(json.dumps(body))
    resp.status_code = status
    resp.mimetype = "application/problem+json"
    return resp


def validation_problem(e: ValidationError) -> Response:
    """pydantic errors → 422 with one entry per field, naming it by its JSON path."""
    errors = []
    for err in e.errors(include_url=False):
        loc = [str(p) for p in err.get("loc", ())]
        errors.append({"field": ".".join(loc) or "(body)", "message": err.get("msg", "invalid"),
                       "code": err.get("type", "invalid")})
    fields = ", ".join(sorted({x["field"] for x in errors}))
    return problem(422, f"The request has invalid fields: {fields}.", title="Validation failed",
                   type_="validation", errors=errors)


def wants_problem_json() -> bool:
    p = request.path
    return p.startswith(("/api/", "/oauth/", "/log/tile/", "/log/proof/")) or \
        p in ("/stripe/webhook", "/log/checkpoint") or request.accept_mimetypes.best == "application/json"


def register(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(e: ApiError):
        if wants_problem_json():
            resp = problem(e.status, e.detail, title=e.title, type_=e.type_, errors=e.errors)
        else:
            resp = Response(render_template("error.html", status=e.status, message=e.detail),
                            status=e.status, mimetype="text/html")
        resp.headers.update(e.headers)
        return resp

    @app.errorhandler(HTTPException)
    def _http_error(e: HTTPException):
        if wants_problem_json():
            # Start from werkzeug's own response so headers such as Allow (405) and
            # Retry-After (429/503) survive.
            return problem(e.code or 500, e.description or e.name, base=e.get_response())
        return render_template("error.html", status=e.code, message=e.description), e.code

    @app.errorhandler(ValidationError)
    def _validation(e: ValidationError):
        return validation_problem(e)

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):
        app.logger.exception("unhandled error")
        if isinstance(e, HTTPException):
            return _http_error(e)
        if _is_db_unavailable(e):
            if wants_problem_json():
                resp = problem(503, "The database is unavailable; retry shortly.")
                resp.headers["Retry-After"] = "5"
                return resp
            return render_template("error.html", status=503,
                                   message="Parity is briefly unavailable; retry shortly."), 503, {"Retry-After": "5"}
        if wants_problem_json():
            return problem(500, "An unexpected error occurred; it has been logged.")
        return render_template("error.html", status=500, message=InternalServerError.description), 500


def _is_db_unavailable(e: Exception) -> bool:
    return isinstance(e, (OperationalError, InterfaceError)) and "locked" not in str(e)
