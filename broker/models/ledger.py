"""Double-entry ledger of every charge, payout, fee and refund, and Stripe event receipts."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from broker.models.types import UTCDateTime
from broker.models.base import created_at_field, utc_field


class LedgerEntry(SQLModel, table=True):
    """One leg of a balanced transaction: the legs sharing ``txn_id`` sum to zero."""

    __tablename__ = "ledger_entry"
    # A deterministic txn_id posts once: each account appears at most once per transaction.
    __table_args__ = (sa.Index("ix_ledger_txn", "txn_id"), sa.Index("ix_ledger_account", "account"),
                      sa.UniqueConstraint("txn_id", "account", name="uq_ledger_txn_account"))

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


class Payment(SQLModel, table=True):
    """How a developer pays for one order: a Stripe Checkout Session or an invoice.

    One row per order. ``method`` is ``checkout`` (Stripe), ``invoice`` (embedded mode:
    settled by hand, due within the payment window) or ``invoice_terms`` (an organisation
    approved for terms: work proceeds at once and the invoice is due after its terms).
    """

    __tablename__ = "payment"
    __table_args__ = (sa.Index("ix_payment_org_status", "org_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="purchase_order.id", unique=True)
    org_id: int = Field(foreign_key="org.id")
    method: str = Field(max_length=16)  # checkout | invoice | invoice_terms
    status: str = Field(default="open", max_length=16)  # open | paid | failed | expired | void
    number: str = Field(max_length=40, unique=True)  # e.g. "INV-2026-W48-17", shown to people
    amount_minor: int = Field(ge=0)
    currency: str = Field(max_length=3)
    due_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    external_id: str | None = Field(default=None, max_length=120, index=True)  # cs_… / pi_…
    payment_intent_id: str | None = Field(default=None, max_length=120)
    url: str | None = Field(default=None, max_length=2000)  # hosted checkout page
    attempts: int = Field(default=1, ge=1)
    reason: str = Field(default="", max_length=500)  # why it failed or was released
    paid_at: datetime | None = utc_field()
    # When the "invoice due" and "invoice overdue" notifications were written (each once).
    due_notice_at: datetime | None = utc_field()
    overdue_notice_at: datetime | None = utc_field()
    created_at: datetime = created_at_field()


class ConnectAccount(SQLModel, table=True):
    """A vendor's Stripe Connect account and how far its onboarding went."""

    __tablename__ = "connect_account"

    org_id: int = Field(foreign_key="org.id", primary_key=True)
    account_id: str = Field(max_length=64, unique=True)
    details_submitted: bool = False
    payouts_enabled: bool = False
    updated_at: datetime = created_at_field()
