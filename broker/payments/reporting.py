"""Figures the pricing report takes from the ledger (aggregated in SQL): what was actually
charged, earned, kept as fee and refunded per task type, unit and currency, and the effective
price per delivered unit."""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session

from broker.models import LedgerEntry, Offering, Order
from broker.payments import ledger


@dataclass(frozen=True)
class LedgerPrice:
    task_type: str
    unit: str
    currency: str
    orders: int
    delivered_units: int
    charged_minor: int
    earned_minor: int  # value of delivered units (what developers paid for work received)
    fee_minor: int
    refunded_minor: int

    @property
    def effective_price_minor(self) -> float | None:
        """Paid per delivered unit (a figure, not money: the report rounds it)."""
        return self.earned_minor / self.delivered_units if self.delivered_units else None

    @property
    def effective_fee_rate(self) -> float | None:
        return self.fee_minor / self.earned_minor if self.earned_minor else None


def period_prices(s: Session, period: str) -> list[LedgerPrice]:
    L, O, F = LedgerEntry.__table__, Order.__table__, Offering.__table__
    amt = L.c.amount_minor
    held = L.c.account.like("developer:%:held")
    stmt = (sa.select(
        F.c.task_type, F.c.unit, O.c.currency, sa.func.count(sa.distinct(O.c.id)),
        sa.func.sum(sa.case((sa.and_(held, L.c.kind == "charge"), -amt), else_=0)),
        sa.func.sum(sa.case((sa.and_(held, L.c.kind == "earn"), amt), else_=0)),
        sa.func.sum(sa.case((L.c.account == ledger.FEES, -amt), else_=0)),
        sa.func.sum(sa.case((sa.and_(held, L.c.kind == "refund_due"), amt), else_=0)))
        .select_from(L).join(O, O.c.id == L.c.order_id).join(F, F.c.id == O.c.offering_id)
        .where(O.c.period == period).group_by(F.c.task_type, F.c.unit, O.c.currency)
        .order_by(F.c.task_type, F.c.unit, O.c.currency))
    out = []
    for task, unit, cur, n, charged, earned, fee, refunded in s.exec(stmt).all():
        units = s.exec(sa.select(sa.func.coalesce(sa.func.sum(O.c.units_delivered), 0))
                       .select_from(O).join(F, F.c.id == O.c.offering_id)
                       .where(O.c.period == period, F.c.task_type == task, F.c.unit == unit,
                              O.c.currency == cur,
                              O.c.id.in_(sa.select(L.c.order_id).where(held, L.c.kind == "earn")))).one()[0]
        out.append(LedgerPrice(task, unit, cur, int(n), int(units), int(charged), int(earned), int(fee), int(refunded)))
    return out
