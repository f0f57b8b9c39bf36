"""What changed for an org since a reader last looked: new allocations, orders, deliveries.

Rows are written by the services that make the change, in the same transaction. A person's
"last visit" is ``User.notifications_seen_at``; API clients pass ``since`` themselves.
"""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from broker.clock import now
from broker.models import Notification, User


def list_for(s: Session, org_id: int, *, since: datetime | None = None, after_id: int | None = None,
             limit: int = 50) -> list[Notification]:
    stmt = select(Notification).where(Notification.org_id == org_id)
    if since is not None:
        stmt = stmt.where(Notification.created_at > since)
    if after_id:
        stmt = stmt.where(Notification.id < after_id)
    return list(s.exec(stmt.order_by(Notification.id.desc()).limit(limit)))


def since_last_visit(s: Session, user: User, limit: int = 20) -> list[Notification]:
    return list_for(s, user.org_id, since=user.notifications_seen_at, limit=limit)


def mark_seen(s: Session, user: User) -> None:
    """Called inside a transaction when the dashboard has shown the list."""
    user = s.get(User, user.id)
    user.notifications_seen_at = now()
    s.add(user)
