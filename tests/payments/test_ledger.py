"""The ledger itself: balance, once-only transactions, fee rounding, and an invariant check
that does catch wrong books."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from broker import db
from broker.models import Order
from broker.payments import ledger


def test_fee_rounds_half_up_in_minor_units():
    assert ledger.fee_of(900, Decimal("0.125")) == 113
    assert ledger.fee_of(899, Decimal("0.125")) == 112
    assert ledger.fee_of(0, Decimal("0.1")) == 0


def test_unbalanced_or_repeated_transactions_are_refused(app, market):
    order = market.order(units=1, price=100)
    with app.app_context():
        s = db.session()
        with pytest.raises(ledger.LedgerError), db.transaction(s):
            ledger.post(s, "t1", "charge", "USD", {ledger.CASH_BANK: 100, ledger.held(1): -99})
        with pytest.raises(ledger.LedgerError), db.transaction(s):
            ledger.post(s, "t1", "charge", "USD", {ledger.CASH_BANK: 100})
        with db.transaction(s):
            ledger.post(s, "t1", "charge", "USD", {ledger.CASH_BANK: 100, ledger.held(market.developer.id): -100},
                        order_id=order.id)
        with pytest.raises(IntegrityError), db.transaction(s):
            ledger.post(s, "t1", "charge", "USD", {ledger.CASH_BANK: 100, ledger.held(market.developer.id): -100},
                        order_id=order.id)
        assert ledger.balance(s, ledger.CASH_BANK) == 100


def test_invariant_check_catches_an_overpaid_vendor_and_a_wrong_fee(app, market):
    order = market.order(units=2, price=1000, fee_rate="0.10")
    dev, ven = market.developer.id, market.vendor.id
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            ledger.post(s, "c", "charge", "USD", {ledger.CASH_BANK: 2000, ledger.held(dev): -2000}, order_id=order.id)
            # Earned 1 000 with a 50 fee (should be 100), and paid the vendor more than it earned.
            ledger.post(s, "e", "earn", "USD", {ledger.held(dev): 1000, ledger.payable(ven): -950, ledger.FEES: -50},
                        order_id=order.id)
            ledger.post(s, "p", "payout", "USD", {ledger.payable(ven): 1200, ledger.CASH_BANK: -1200}, order_id=order.id)
            problems = ledger.check_order(s, s.get(Order, order.id))
            s.rollback()  # leave good books for the autouse check
    text = "\n".join(problems)
    assert "fee 50 is not 0.1000 of 1000" in text
    assert "paid out 1200 more than the vendor earned (950)" in text
    assert "more than the delivered units are worth" in text  # nothing was delivered
