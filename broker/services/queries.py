"""Read-only queries the pages and the API show as they are: counts, choices for a form, the
rows that belong to a request. Views call these; they hold no SQL of their own."""
from __future__ import annotations

from sqlmodel import Session, func, select

from broker.models import Allocation, Offering, Order, Org, OrgKind, OrgStatus


def market_counts(s: Session) -> dict[str, int]:
    """The front page's numbers: approved vendors and developers, active offerings."""
    def approved(kind: OrgKind) -> int:
        return s.exec(select(func.count()).select_from(Org).where(
            Org.kind == kind, Org.status == OrgStatus.approved)).one()

    return {"vendors": approved(OrgKind.vendor),
            "offerings": s.exec(select(func.count()).select_from(Offering).where(Offering.status == "active")).one(),
            "developers": approved(OrgKind.developer)}


def orgs_by_name(s: Session, kind: OrgKind, *, approved_only: bool = True) -> list[Org]:
    stmt = select(Org).where(Org.kind == kind)
    if approved_only:
        stmt = stmt.where(Org.status == OrgStatus.approved)
    return list(s.exec(stmt.order_by(Org.name)))


def active_offerings(s: Session) -> list[Offering]:
    return list(s.exec(select(Offering).where(Offering.status == "active").order_by(Offering.id)))


def allocations_of(s: Session, request_id: int) -> list[Allocation]:
    return list(s.exec(select(Allocation).where(Allocation.request_id == request_id).order_by(Allocation.id)))


def allocations_with_orders(s: Session, request_id: int) -> list[tuple[Allocation, Offering, Order | None]]:
    """A request's allocations with their offering and order (None until the order exists)."""
    return list(s.exec(select(Allocation, Offering, Order).join(Offering, Offering.id == Allocation.offering_id)
                       .join(Order, Order.allocation_id == Allocation.id, isouter=True)
                       .where(Allocation.request_id == request_id).order_by(Allocation.id)))


def order_of_allocation(s: Session, allocation_id: int) -> Order | None:
    return s.exec(select(Order).where(Order.allocation_id == allocation_id)).first()


def offering_titles_by_request(s: Session, request_ids: list[int]) -> dict[int, list[str]]:
    """request id → titles of the offerings its allocations came from (in allocation order)."""
    out: dict[int, list[str]] = {}
    if not request_ids:
        return out
    rows = s.exec(select(Allocation.request_id, Offering.title).join(Offering, Offering.id == Allocation.offering_id)
                  .where(Allocation.request_id.in_(request_ids)).order_by(Allocation.id))
    for rid, title in rows:
        if title not in out.setdefault(rid, []):
            out[rid].append(title)
    return out
