"""What the auditor's dashboard reads: findings across periods for every series, the alerts
(findings new or worse than in the period before), and a vendor's access record over time —
all from the published documents (``store.history``), so the dashboard shows nothing a
downloaded series does not hold."""
from __future__ import annotations

from sqlmodel import Session

from broker.reports import store

SERIES = ("access", "pricing", "workforce")
LATEST = "9999-W99"  # later than any period: history up to now


def periods(s: Session, n: int = 8) -> list[dict]:
    """Newest period first: {period, reports: {series: (report id, document)}}."""
    by_period: dict[str, dict] = {}
    for series in SERIES:
        for rid, doc in store.history_with_ids(s, series, LATEST, n):
            by_period.setdefault(doc["period"], {})[series] = (rid, doc)
    return [{"period": p, "reports": by_period[p]} for p in sorted(by_period, reverse=True)[:n]]


def alerts(latest: dict | None) -> list[tuple[str, int, int, dict]]:
    """Findings of the latest period that are new, or worse than in the period before:
    (series, report id, position on the page, finding)."""
    out = []
    for series, (rid, doc) in sorted((latest or {"reports": {}})["reports"].items()):
        for i, f in enumerate(doc.get("findings") or [], start=1):
            if f["trend"] in ("new", "first") or (f["trend"] in ("up", "down") and _worse(f)):
                out.append((series, rid, i, f))
    return out


def _worse(f: dict) -> bool:
    below_is_bad = f["code"] in ("rivals_fill_gap", "entitlement")
    return (f["trend"] == "down") if below_is_bad else (f["trend"] == "up")


def vendor_record(s: Session, vendor_id: int, n: int = 12) -> tuple[str | None, list[dict]]:
    """(vendor name, per period oldest first: its access-report row and its findings)."""
    name, rows = None, []
    for rid, doc in store.history_with_ids(s, "access", LATEST, n):
        row = next((v for v in doc.get("vendors", []) if v["vendor_id"] == vendor_id), None)
        if row is None:
            continue
        name = row["vendor"]
        found = [f for f in doc.get("findings") or [] if f["key"].endswith(f":{vendor_id}")
                 or row["vendor"] in f["text"]]
        rows.append({"period": doc["period"], "report_id": rid, "row": row, "findings": found})
    return name, rows


def developer_rows(s: Session, n: int = 4) -> list[dict]:
    """The pseudonymous developers of the latest ``n`` access reports, newest period first:
    {period, report_id, developers: [entitlement row]} — as published, nothing more."""
    out = []
    for rid, doc in reversed(store.history_with_ids(s, "access", LATEST, n)):
        devs = (doc.get("entitlement") or {}).get("developers") or []
        out.append({"period": doc["period"], "report_id": rid, "developers": devs})
    return out


def developer_record(s: Session, keys: dict[str, str], n: int = 12) -> list[dict]:
    """A developer's rows in the published access reports, oldest first. ``keys`` maps each
    period to the developer's pseudonym in that period's round data (its group's, when it is
    in a group): one key for a pseudonymous page, every period's for the developer itself."""
    rows = []
    for rid, doc in store.history_with_ids(s, "access", LATEST, n):
        key = keys.get(doc["period"])
        if key is None:
            continue
        row = next((d for d in (doc.get("entitlement") or {}).get("developers") or [] if d["group"] == key), None)
        if row is None:
            continue
        found = [f for f in doc.get("findings") or [] if f["key"].endswith(f":{key}")]
        rows.append({"period": doc["period"], "report_id": rid, "pseudonym": key, "row": row, "findings": found})
    return rows


def pseudonym_periods(s: Session, pseudonym: str, n: int = 12) -> dict[str, str]:
    """{period: pseudonym} for the periods whose access report lists ``pseudonym`` (a
    pseudonym belongs to one period; the round data never links two periods)."""
    out = {}
    for _rid, doc in store.history_with_ids(s, "access", LATEST, n):
        if any(d["group"] == pseudonym for d in (doc.get("entitlement") or {}).get("developers") or []):
            out[doc["period"]] = pseudonym
    return out


def published_since(s: Session, since) -> set[int]:
    """Ids of the reports published after ``since`` (every report when ``since`` is None)."""
    from sqlmodel import select

    from broker.models import Report

    stmt = select(Report.id)
    if since is not None:
        stmt = stmt.where(Report.published_at > since)
    return set(s.exec(stmt).all())
