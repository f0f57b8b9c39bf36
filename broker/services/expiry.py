"""Requests whose deadline passed before they were fully served expire, with a reason."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from broker.catalog.wire import iso
from broker.models import OPEN_REQUEST_STATUSES, CapacityRequest, Notification, RequestStatus
from broker import audit
from broker.services import receipts
from broker.tlog import service as tlog



def expire(s: Session, t: datetime) -> int:
    """Idempotent: only open requests past their deadline change (each gets a receipt)."""
    tlog.lock(s)  # before the rows' locks, as everything that logs receipts
    rows = s.exec(select(CapacityRequest).where(CapacityRequest.status.in_(OPEN_REQUEST_STATUSES),
                                                CapacityRequest.deadline.is_not(None),
                                                CapacityRequest.deadline <= t).with_for_update()).all()
    for r in rows:
        before = audit.snapshot(r)
        r.status = RequestStatus.expired
        r.reason = {"code": "expired", "deadline": iso(r.deadline),
                    "units": r.units, "units_allocated": r.units_allocated,
                    "last_reason": (r.reason or {}).get("code")}
        r.updated_at = t
        s.add(r)
        audit.record(s, None, "request.expire", "capacity_request", r.id, before=before, after=audit.snapshot(r))
        receipts.issue(s, r, "expired", t)
        s.add(Notification(org_id=r.org_id, kind="request.expired", created_at=t,
                           message=f"Request #{r.id} expired at its deadline with {r.units_allocated} of "
                                   f"{r.units} units allocated.", data={"request_id": r.id}))
    return len(rows)
