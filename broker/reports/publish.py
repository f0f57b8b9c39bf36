"""Publishing reports: build, chain, canonicalise, sign and store — immutably.

- A report is never updated or deleted. A period still open gets a *provisional* report;
  publishing again (or after it closes, the final one) adds a new report that names the one
  it supersedes. A correction of a final report is a new report naming the one it corrects
  and why.
- The chain is per series, in publication order: each document's ``previous_digest`` is the
  digest of the series' previous report (null for the first).
- Publications are serialised (PostgreSQL advisory lock; SQLite's write lock), so two
  publishers can never fork a chain.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from broker import db
from broker.clock import now
from broker.models import Allocation, Capacity, Notification, Org, OrgKind, OrgStatus, Report, Round
from broker.periods import period_end, validate_period
from broker.config import SETTINGS_KEY
from broker.reports import build, canonical, keys, log_signing, signing
from broker import audit
from broker.tlog import service as tlog

PUBLISH_LOCK_KEY = 0x504152495459 + 6


class PublishError(Exception):
    pass


@dataclass
class Published:
    series: str
    period: str
    report: Report | None
    skipped: str | None = None


def is_closed(period: str, at: datetime) -> bool:
    return at >= period_end(period)


def known_periods(s: Session) -> list[str]:
    """Periods with rounds, allocations or declared capacity, oldest first."""
    q = sa.union(sa.select(Round.period), sa.select(Allocation.period), sa.select(Capacity.period))
    return sorted({p for (p,) in s.exec(q).all()})


def unpublished_closed(s: Session, at: datetime) -> list[str]:
    finals = {(r.series, r.period) for r in s.exec(select(Report).where(Report.provisional.is_(False)))}
    return [p for p in known_periods(s) if is_closed(p, at)
            and any((series, p) not in finals for series in build.SERIES)]


def _latest(s: Session, series: str, period: str | None = None) -> Report | None:
    stmt = select(Report).where(Report.series == series)
    if period:
        stmt = stmt.where(Report.period == period)
    return s.exec(stmt.order_by(Report.id.desc())).first()


def publish_period(s: Session, period: str, *, keys_path: str, actor=None,
                   correction: str | None = None, at: datetime | None = None) -> list[Published]:
    """Publish the three reports of ``period`` in one transaction (all or none).

    Closed period: the final reports (skipped when already published, unless
    ``correction`` gives the reason for a corrected one). Open period: provisional reports.
    """
    validate_period(period)
    at = at or now()
    closed = is_closed(period, at)
    if correction is not None and not correction.strip():
        raise PublishError("a correction needs a reason")
    out: list[Published] = []
    with db.transaction(s):
        if s.get_bind().dialect.name == "postgresql":
            s.exec(sa.text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=PUBLISH_LOCK_KEY))
        kid, pem = keys.current(s, keys_path)
        for series in build.SERIES:
            before = _latest(s, series, period)
            if correction is not None:
                if before is None or before.provisional:
                    raise PublishError(f"no final {series} report of {period} to correct")
            elif closed and before is not None and not before.provisional:
                out.append(Published(series, period, before, "final report already published"))
                continue
            doc = build.BUILDERS[series](s, period, at)
            doc["provisional"] = not closed
            doc["supersedes"] = ({"id": before.id, "digest": before.digest} if before else None)
            doc["correction"] = ({"corrects": before.digest, "reason": correction.strip()}
                                 if correction is not None else None)
            out.append(Published(series, period, _store(s, doc, kid, pem, actor, before)))
    if any(p.skipped is None for p in out):
        _sign_log(s, keys_path)
    return out


def _sign_log(s: Session, keys_path: str) -> None:
    """A checkpoint over what was just published, so its proofs are served at once."""
    log_signing.update(s, keys_path=keys_path, config=s.info.get(SETTINGS_KEY, {}))


def _store(s: Session, doc: dict, kid: str, pem: bytes, actor, before: Report | None) -> Report:
    prev = _latest(s, doc["series"])
    doc["previous_digest"] = prev.digest if prev else None
    data = canonical.canonical_bytes(doc)
    rep = Report(series=doc["series"], period=doc["period"], schema_version=doc["schema_version"],
                 policy_version=doc["policy_version"], provisional=doc["provisional"],
                 supersedes_id=before.id if before else None, document=data.decode("utf-8"),
                 digest=canonical.digest_of_bytes(data), previous_digest=doc["previous_digest"],
                 jws=signing.sign(data, kid, pem), kid=kid, published_at=now())
    s.add(rep)
    s.flush()
    tlog.log_report(s, rep)  # in this transaction: a report exists exactly when its log entry does
    audit.record(s, actor, "report.publish", "report", rep.id,
                 after={"series": rep.series, "period": rep.period, "digest": rep.digest,
                        "previous_digest": rep.previous_digest, "provisional": rep.provisional,
                        "supersedes_id": rep.supersedes_id, "kid": kid,
                        "correction": doc.get("correction")})
    _alert_auditors(s, rep, doc)
    return rep


def _alert_auditors(s: Session, rep: Report, doc: dict) -> None:
    """A report with findings tells every auditor org (a Notification in this transaction);
    the outbox emails the auditors who subscribed (``User.mail_findings``)."""
    found = [f for f in doc.get("findings") or [] if f.get("trend") != "summary"]
    if not found:
        return
    kind = "provisional " if rep.provisional else ("corrected " if doc.get("correction") else "")
    n = len(found)
    message = (f"The {kind}{rep.series} report for {rep.period} has {n} finding{'s' if n != 1 else ''}. "
               f"First: {found[0]['text']}")
    for org_id in s.exec(select(Org.id).where(Org.kind == OrgKind.auditor, Org.status == OrgStatus.approved)):
        s.add(Notification(org_id=org_id, kind="report.findings", message=message[:500], created_at=rep.published_at,
                           data={"report_id": rep.id, "series": rep.series, "period": rep.period, "findings": n}))


def publish_due(s: Session, *, keys_path: str, actor=None, at: datetime | None = None) -> list[Published]:
    """Every closed period not yet published, oldest first (idempotent)."""
    at = at or now()
    out = []
    for period in unpublished_closed(s, at):
        out.extend(publish_period(s, period, keys_path=keys_path, actor=actor, at=at))
    return out
