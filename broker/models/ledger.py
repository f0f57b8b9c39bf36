"""Double-entry ledger of every charge, payout, fee and refund, and Stripe event receipts."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.base import created_at_field


class LedgerEntry(SQLModel, table=True):
    """One leg of a balanced transaction: the legs sharing ``txn_id`` sum to zero."""

    __tablename__ = "ledger_entry"
    __table_args__ = (sa.Index("ix_ledger_txn", "txn_id"), sa.Index("ix_ledger_account", "account"))

    id: int | None = Field(default=None, primary_key=True)
    txn_id: str = Field(max_length=80)
    # e.g. "developer:12:receivable", "vendor:3:payable", "platform:fees", "stripe:cash"
    account: str = Field(max_length=80)
    amount_minor: int  # debit positive, credit negative
    currency: str = Field(max_length=3)
    order_id: int | None = Field(default=None, foreign_key="purchase_order.id", index=True)
    kind: str = Field(max_length=32)  # charge | payout | fee | refund | dispute
    # Deterministic key sent to Stripe so a retry never moves money twice.
    idempotency_key: str | None = Field(default=None, max_length=120)
    external_id: str | None = Field(default=None, max_length=120)
    created_at: datetime = created_at_field()


class StripeEvent(SQLModel, table=True):
    """Webhook events already processed (Stripe retries deliveries)."""

    __tablename__ = "stripe_event"
    event_id: str = Field(max_length=120, primary_key=True)
    type: str = Field(max_length=80)
    received_at: datetime = created_at_field()
