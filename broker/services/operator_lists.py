"""The operator's lists: requests, orders, orgs and invoices, newest first, filtered and searched.

Each ``*_page`` takes ``after_id`` (the id of the last row of the previous page, as the one
keyset pagination helper hands it back) and ``limit``, and returns rows with the names a
person reads. Search (``q``): a number, or ``R-12`` / ``O-12`` / ``INV-…``, finds that row;
words match names and titles, case-insensitively.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from broker.models import CapacityRequest, Offering, Order, Org, OrgKind, OrgStatus, User
from broker.models.ledger import Payment

_ID = re.compile(r"^\s*(?:[RrOo]\s*-?\s*|#)?(\d{1,9})\s*$")


def _id_of(q: str | None) -> int | None:
    m = _ID.match(q or "")
    return int(m.group(1)) if m else None


def _like(column, q: str):
    return sa.func.lower(column).contains(q.strip().lower(), autoescape=True)


@dataclass
class RequestRow:
    req: CapacityRequest
    org_name: str


@dataclass
class OrderRow:
    order: Order
    offering: str
    developer: str
    vendor: str


@dataclass
class OrgRow:
    org: Org
    users: int


@dataclass
class InvoiceRow:
    payment: Payment
    org_name: str
    order: Order | None


def requests_page(s: Session, *, status: str | None = None, org_id: int | None = None, q: str | None = None,
                  after_id: int | None = None, limit: int = 25) -> list[RequestRow]:
    stmt = (select(CapacityRequest, Org.name).join(Org, Org.id == CapacityRequest.org_id)
            .order_by(CapacityRequest.id.desc()))
    if status:
        stmt = stmt.where(CapacityRequest.status == status)
    if org_id:
        stmt = stmt.where(CapacityRequest.org_id == org_id)
    if q and q.strip():
        n = _id_of(q)
        stmt = stmt.where(CapacityRequest.id == n if n is not None else
                          sa.or_(_like(Org.name, q), _like(CapacityRequest.task_type, q.replace(" ", "_")),
                                 _like(CapacityRequest.instructions_ref, q)))
    if after_id:
        stmt = stmt.where(CapacityRequest.id < after_id)
    return [RequestRow(r, name) for r, name in s.exec(stmt.limit(limit))]


def orders_page(s: Session, *, status: str | None = None, org_id: int | None = None, q: str | None = None,
                after_id: int | None = None, limit: int = 25) -> list[OrderRow]:
    dev, ven = aliased(Org), aliased(Org)
    stmt = (select(Order, Offering.title, dev.name, ven.name)
            .join(Offering, Offering.id == Order.offering_id)
            .join(dev, dev.id == Order.developer_org_id).join(ven, ven.id == Order.vendor_org_id)
            .order_by(Order.id.desc()))
    if status:
        stmt = stmt.where(Order.status == status)
    if org_id:
        stmt = stmt.where(sa.or_(Order.developer_org_id == org_id, Order.vendor_org_id == org_id))
    if q and q.strip():
        n = _id_of(q)
        stmt = stmt.where(Order.id == n if n is not None else
                          sa.or_(_like(Offering.title, q), _like(dev.name, q), _like(ven.name, q)))
    if after_id:
        stmt = stmt.where(Order.id < after_id)
    return [OrderRow(o, t, d, v) for o, t, d, v in s.exec(stmt.limit(limit))]


def orgs_page(s: Session, *, kind: str | None = None, status: str | None = None, q: str | None = None,
              after_id: int | None = None, limit: int = 25) -> list[OrgRow]:
    users = (select(sa.func.count(User.id)).where(User.org_id == Org.id).correlate(Org).scalar_subquery())
    stmt = select(Org, users).order_by(Org.id.desc())
    if kind:
        stmt = stmt.where(Org.kind == kind)
    if status:
        stmt = stmt.where(Org.status == status)
    if q and q.strip():
        n = _id_of(q)
        stmt = stmt.where(Org.id == n if n is not None else sa.or_(_like(Org.name, q), _like(Org.slug, q)))
    if after_id:
        stmt = stmt.where(Org.id < after_id)
    return [OrgRow(o, int(n or 0)) for o, n in s.exec(stmt.limit(limit))]


def invoices_page(s: Session, *, status: str | None = None, org_id: int | None = None, q: str | None = None,
                  after_id: int | None = None, limit: int = 25) -> list[InvoiceRow]:
    stmt = (select(Payment, Org.name, Order).join(Org, Org.id == Payment.org_id)
            .join(Order, Order.id == Payment.order_id, isouter=True).order_by(Payment.id.desc()))
    if status:
        stmt = stmt.where(Payment.status == status)
    if org_id:
        stmt = stmt.where(Payment.org_id == org_id)
    if q and q.strip():
        n = _id_of(q)
        stmt = stmt.where(sa.or_(Payment.order_id == n, Payment.id == n) if n is not None else
                          sa.or_(_like(Payment.number, q), _like(Org.name, q)))
    if after_id:
        stmt = stmt.where(Payment.id < after_id)
    return [InvoiceRow(p, name, o) for p, name, o in s.exec(stmt.limit(limit))]


def org_choices(s: Session, kinds: tuple[OrgKind, ...]) -> list[tuple[int, str]]:
    """Orgs of these kinds by name, for a filter."""
    rows = s.exec(select(Org.id, Org.name, Org.kind).where(Org.kind.in_(kinds)).order_by(Org.name))
    many = len(kinds) > 1
    return [(i, f"{n} ({k.value})" if many else n) for i, n, k in rows]


def set_status(s: Session, actor, org_id: int, status: OrgStatus, *, reason: str) -> Org:
    """Suspend or reinstate an org (an operator's act, audited with its reason)."""
    from broker import audit
    from broker.errors import ApiError

    org = s.get(Org, org_id, with_for_update=True)
    if org is None:
        raise ApiError(f"No organisation {org_id}.", status=404, type_="not-found")
    if org.kind == OrgKind.operator and status != OrgStatus.approved:
        raise ApiError("An operator organisation cannot be suspended here.", status=409, type_="conflict")
    before = audit.snapshot(org)
    org.status = status
    s.add(org)
    s.flush()
    audit.record(s, actor, f"org.{status.value}", "org", org.id, before=before,
                 after=audit.snapshot(org) | {"reason": reason})
    return org
