"""Published reports (public): the list of DESIGN.md "Publication", each document byte for
byte, its compact JWS and its CSV."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Literal

from flask import Response, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, ConfigDict, Field

from broker import db
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import PROBLEM_RESPONSES
from broker.errors import ApiError
from broker.models import Report
from broker.reports import csvexport, store

api = APIBlueprint("api_reports", __name__, url_prefix="/api/v1/reports", abp_tags=[Tag(name="reports")],
                   abp_responses=PROBLEM_RESPONSES)


class ReportLinks(BaseModel):
    json_: str = Field(alias="json", description="the report document (canonical JSON, the signed bytes)")
    jws: str = Field(description="compact JWS (alg EdDSA, kid) whose payload is the document")
    csv: str = Field(description="every table of the report as CSV (long form); ?table=NAME for one table")
    html: str = Field(description="the report page with charts")
    tlog_proof: str = Field(description="C2SP tlog-proof: the report's inclusion in the transparency log")
    model_config = ConfigDict(populate_by_name=True)


class ReportOut(BaseModel):
    id: int
    series: str
    period: str
    digest: str
    previous_digest: str | None
    schema_version: str
    policy_version: int
    provisional: bool
    supersedes_id: int | None
    kid: str
    published_at: datetime
    links: ReportLinks

    @classmethod
    def of(cls, r: Report) -> "ReportOut":
        return cls(id=r.id, series=r.series, period=r.period, digest=r.digest,
                   previous_digest=r.previous_digest, schema_version=r.schema_version,
                   policy_version=r.policy_version, provisional=r.provisional,
                   supersedes_id=r.supersedes_id, kid=r.kid, published_at=r.published_at,
                   links=ReportLinks(json=url_for("api_reports.report_json", report_id=r.id),
                                     jws=url_for("api_reports.report_jws", report_id=r.id),
                                     csv=url_for("api_reports.report_csv", report_id=r.id),
                                     html=url_for("reports.show", report_id=r.id),
                                     tlog_proof=url_for("tlog.proof", kind="report", ref=r.id)))

    def out(self) -> dict:
        return self.model_dump(mode="json", by_alias=True)


class ReportPage(Page[ReportOut]):
    pass


class ReportQuery(PageQuery):
    series: Literal["access", "pricing", "workforce"] | None = None
    period: str | None = Field(default=None, pattern=r"^\d{4}-W\d{2}$")


class ReportPath(BaseModel):
    report_id: int = Field(ge=1, le=2**31 - 1)


class CsvQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    table: str | None = Field(default=None, max_length=80, description="one table, e.g. vendors")


def _report(report_id: int) -> Report:
    r = store.get(db.session(), report_id)
    if r is None:
        raise ApiError(f"No report {report_id}.", status=404, type_="not-found")
    return r


@api.get("", responses={"200": ReportPage}, summary="Published reports, newest first (public)")
def list_reports(query: ReportQuery):
    rows, cursor = pagination.by_id(query, "reports", lambda before_id, limit: store.page(
        db.session(), limit=limit, before_id=before_id, series=query.series, period=query.period))
    return {"items": [ReportOut.of(r).out() for r in rows], "next_cursor": cursor}


@api.get("/<int:report_id>", responses={"200": ReportOut}, summary="One report's metadata and links (public)")
def get_report(path: ReportPath):
    return ReportOut.of(_report(path.report_id)).out()


@api.get("/<int:report_id>.json", summary="The report document: the exact signed bytes (public)")
def report_json(path: ReportPath):
    r = _report(path.report_id)
    return Response(r.document.encode("utf-8"), mimetype="application/json",
                    headers={"Digest-SHA256": r.digest, "Cache-Control": "public, max-age=31536000, immutable"})


@api.get("/<int:report_id>.jws", summary="The compact JWS of the report (public)")
def report_jws(path: ReportPath):
    return Response(_report(path.report_id).jws, mimetype="text/plain",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})


@api.get("/<int:report_id>.csv", summary="The report's tables as CSV (public)")
def report_csv(path: ReportPath, query: CsvQuery):
    r = _report(path.report_id)
    doc = json.loads(r.document)
    name = f"{r.series}-{r.period}-{r.id}"
    if query.table:
        tables = csvexport.tables(doc)
        if query.table not in tables:
            raise ApiError(f"table: no table {query.table!r} in this report (it has {', '.join(tables)}).",
                           status=422, type_="validation", errors=[{"field": "table", "message": "unknown table"}])
        body, name = csvexport.table_csv(tables[query.table]), f"{name}-{query.table}"
    else:
        body = csvexport.all_csv(doc)
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
