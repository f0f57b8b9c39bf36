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
