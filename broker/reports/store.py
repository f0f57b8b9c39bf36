"""Reading published reports (the API and the pages call these)."""
from __future__ import annotations

import json

from sqlmodel import Session, select

from broker.models import Report


def page(s: Session, *, limit: int, before_id: int | None = None, series: str | None = None,
         period: str | None = None) -> list[Report]:
    """Up to ``limit`` reports older than ``before_id``, newest first."""
    stmt = select(Report).order_by(Report.id.desc())
    if before_id:
        stmt = stmt.where(Report.id < before_id)
    if series:
        stmt = stmt.where(Report.series == series)
    if period:
        stmt = stmt.where(Report.period == period)
    return list(s.exec(stmt.limit(limit)))


def get(s: Session, report_id: int) -> Report | None:
    return s.get(Report, report_id)


def superseded_ids(s: Session) -> set[int]:
    return {i for i in s.exec(select(Report.supersedes_id).where(Report.supersedes_id.is_not(None)))}


def latest(s: Session, series: str) -> Report | None:
    """The newest report of a series that nothing supersedes."""
    gone = superseded_ids(s)
    for r in s.exec(select(Report).where(Report.series == series).order_by(Report.period.desc(), Report.id.desc())):
        if r.id not in gone:
            return r
    return None


def history(s: Session, series: str, up_to_period: str, n: int = 12) -> list[dict]:
    """Documents of the series' current (not superseded) reports up to a period, oldest first."""
    return [doc for _, doc in history_with_ids(s, series, up_to_period, n)]


def history_with_ids(s: Session, series: str, up_to_period: str, n: int = 12) -> list[tuple[int, dict]]:
    """(report id, document) of the series' current reports up to a period, oldest first."""
    gone = superseded_ids(s)
    rows = s.exec(select(Report).where(Report.series == series, Report.period <= up_to_period)
                  .order_by(Report.period.desc(), Report.id.desc())).all()
    seen, out = set(), []
    for r in rows:
        if r.id in gone or r.period in seen:
            continue
        seen.add(r.period)
        out.append((r.id, json.loads(r.document)))
        if len(out) == n:
            break
    return out[::-1]


def previous_document(s: Session, series: str, period: str) -> dict | None:
    """The document of the series' current report of the latest period before ``period``
    (what a report's findings compare with), or None."""
    gone = superseded_ids(s)
    for r in s.exec(select(Report).where(Report.series == series, Report.period < period)
                    .order_by(Report.period.desc(), Report.id.desc())):
        if r.id not in gone:
            return json.loads(r.document)
    return None
