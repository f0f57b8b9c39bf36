"""Payments: confirm-and-pay an allocation, the caller's ledger, invoices and payouts, an
order's money, and operators settling invoices by hand."""
from __future__ import annotations

from datetime import datetime

from flask import g, request, url_for
from flask_openapi3 import APIBlueprint, Tag
from pydantic import BaseModel, Field

from broker import db
from broker.api import pagination
from broker.api.pagination import Page, PageQuery
from broker.api.schemas import PROBLEM_RESPONSES
from broker.auth.oauth import bearer
from broker.access.principal import get_owned
from broker.errors import ApiError
from broker.models import Allocation, Order
from broker.models.ledger import Payment
from broker.payments import charges, ledger, queries, service
from broker.services import idempotency
from broker.services.queries import order_of_allocation

api = APIBlueprint("api_payments", __name__, url_prefix="/api/v1/payments",
                   abp_tags=[Tag(name="payments")], abp_responses=PROBLEM_RESPONSES)

ID = Field(ge=1, le=2**31 - 1)


class PaymentOut(BaseModel):
    id: int
    number: str
    order_id: int
    method: str = Field(description="checkout (Stripe) | invoice (settled by hand) | invoice_terms")
    status: str = Field(description="open | paid | failed | expired | void")
    amount_minor: int
    currency: str
    due_at: datetime
    paid_at: datetime | None
    checkout_url: str | None = Field(description="where to pay (Stripe Checkout), while open")
    reason: str

    @classmethod
    def of(cls, p: Payment) -> "PaymentOut":
        return cls(id=p.id, number=p.number, order_id=p.order_id, method=p.method, status=p.status,
                   amount_minor=p.amount_minor, currency=p.currency, due_at=p.due_at, paid_at=p.paid_at,
                   checkout_url=p.url if p.status == "open" else None, reason=p.reason)


class PaymentPage(Page[PaymentOut]):
    pass


class EntryOut(BaseModel):
    id: int
    txn_id: str
    kind: str
    account: str
    amount_minor: int = Field(description="debit positive, credit negative")
    currency: str
    order_id: int | None
    external_id: str | None
    created_at: datetime


class EntryPage(Page[EntryOut]):
    pass


class PayoutOut(BaseModel):
    txn_id: str
    order_id: int
    amount_minor: int
    currency: str
    status: str = Field(description="paid | pending | reversed")
    transfer_id: str | None
    at: datetime


class PayoutPage(Page[PayoutOut]):
    pass


class OrderMoneyOut(BaseModel):
    order_id: int
    currency: str
    fee_rate: str
    charged: int
    earned: int
    fee: int
    vendor_share: int
    paid_out: int
    refunded: int
    held: int
    settled: bool = Field(description="nothing in flight: charged = paid_out + fee + refunded")


class AllocationPath(BaseModel):
    allocation_id: int = ID


class OrderPath(BaseModel):
    order_id: int = ID


class PaymentPath(BaseModel):
    payment_id: int = ID




def checkout_urls(order_id: int) -> dict[str, str]:
    """Where Stripe Checkout sends the payer back: the order's return page, or the list."""
    return {"success_url": url_for("payments.checkout_return", order_id=order_id, _external=True),
            "cancel_url": url_for("payments.index", _external=True)}

@api.post("/allocations/<int:allocation_id>/confirm", responses={"200": PaymentOut},
          security=[{"oauth2": ["requests:write"]}], summary="Confirm an allocation and pay for it")
@bearer("requests:write")
def confirm(path: AllocationPath):
    """Starts payment: a Stripe Checkout (pay at ``checkout_url``), or an invoice. Retrying
    returns the same payment; send an Idempotency-Key to make a retry explicit."""
    s = db.session()
    alloc = get_owned(s, Allocation, path.allocation_id, g.principal, what="allocation")
    order = order_of_allocation(s, alloc.id)
    if order is None:
        raise ApiError(f"Allocation {alloc.id} has no order yet.", status=409, type_="no-order")

    def create(tx):
        pay = service.on_allocation_confirmed(tx, tx.get(Order, order.id), g.principal, **checkout_urls(order.id))
        return PaymentOut.of(pay).model_dump(mode="json"), 200

    return idempotency.run(s, g.principal, "payments.confirm", request.headers.get("Idempotency-Key"),
                           {"allocation_id": alloc.id}, create)


@api.get("/invoices", responses={"200": PaymentPage}, security=[{"oauth2": ["ledger:read"]}],
         summary="Your invoices and receipts (newest first)")
@bearer("ledger:read")
def list_invoices(query: PageQuery):
    rows, cursor = pagination.by_id(query, "invoices", lambda after_id, limit: queries.payments(
        db.session(), g.principal, after_id=after_id, limit=limit))
    return {"items": [PaymentOut.of(r).model_dump(mode="json") for r in rows], "next_cursor": cursor}


@api.post("/invoices/<int:payment_id>/paid", responses={"200": PaymentOut},
          security=[{"oauth2": ["admin"]}], summary="Mark an invoice paid (operators, settled by hand)")
@bearer("admin")
def mark_paid(path: PaymentPath):
    s = db.session()
    with db.transaction(s):
        pay = get_owned(s, Payment, path.payment_id, g.principal, what="invoice")
        charges.mark_invoice_paid(s, pay, g.principal)
    return PaymentOut.of(pay).model_dump(mode="json")


@api.get("/ledger", responses={"200": EntryPage}, security=[{"oauth2": ["ledger:read"]}],
         summary="Ledger lines of your orders (newest first)")
@bearer("ledger:read")
def list_ledger(query: PageQuery):
    rows, cursor = pagination.by_id(query, "ledger", lambda after_id, limit: queries.entries(
        db.session(), g.principal, after_id=after_id, limit=limit))
    return {"items": [EntryOut(**e.model_dump(include=set(EntryOut.model_fields))).model_dump(mode="json")
                      for e in rows], "next_cursor": cursor}


@api.get("/payouts", responses={"200": PayoutPage}, security=[{"oauth2": ["ledger:read"]}],
         summary="Your payouts per delivery, paid or pending, newest first (vendors)")
@bearer("ledger:read")
def list_payouts(query: PageQuery):
    lines, cursor = pagination.by_id(query, "payouts", lambda after_id, limit: queries.payouts(
        db.session(), g.principal, after_id=after_id, limit=limit), id_of=lambda line: line.entry_id)
    return {"items": [PayoutOut.model_validate(line, from_attributes=True).model_dump(mode="json") for line in lines],
            "next_cursor": cursor}


@api.get("/orders/<int:order_id>", responses={"200": OrderMoneyOut}, security=[{"oauth2": ["ledger:read"]}],
         summary="Where an order's money is")
@bearer("ledger:read")
def order_money(path: OrderPath):
    s = db.session()
    order = queries.visible_order(s, g.principal, path.order_id)
    if order is None:
        raise ApiError(f"No order {path.order_id} is visible to you.", status=404, type_="not-found")
    m = ledger.order_money(s, order)
    return OrderMoneyOut(order_id=order.id, currency=order.currency, fee_rate=str(order.fee_rate),
                         charged=m.charged, earned=m.earned, fee=m.fee, vendor_share=m.vendor_share,
                         paid_out=m.paid_out, refunded=m.refunded, held=m.held,
                         settled=m.settled).model_dump(mode="json")

