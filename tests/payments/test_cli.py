"""``flask payments``: the ledger check an operator runs, what is waiting, and settling now."""
from __future__ import annotations

from sqlmodel import delete

from broker import db
from broker.models import LedgerEntry
from broker.payments import ledger
from tests.payments.conftest import deliver, money
from tests.payments.test_faults import paid_order


def test_check_passes_on_good_books_and_names_the_problem_on_bad_ones(app, market):
    runner = app.test_cli_runner()
    order = market.order(units=2, price=1000, fee_rate="0.10")
    dev = market.developer.id
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            ledger.post(s, "c", "charge", "USD", {ledger.CASH_BANK: 2000, ledger.held(dev): -2000}, order_id=order.id)
    ok = runner.invoke(args=["payments", "check"])
    assert ok.exit_code == 0 and "ledger ok" in ok.output

    with app.app_context():
        s = db.session()
        with db.transaction(s):   # a charge booked for 1 unit of a 2-unit order: wrong books
            ledger.post(s, "c2", "charge", "USD", {ledger.CASH_BANK: -1000, ledger.held(dev): 1000},
                        order_id=order.id)
    bad = runner.invoke(args=["payments", "check"])
    assert bad.exit_code == 1
    assert f"order {order.id}: charged 1000 != 2 units × 1000" in bad.output

    with app.app_context():   # leave good books for the suite's own ledger check
        s = db.session()
        with db.transaction(s):
            s.exec(delete(LedgerEntry).where(LedgerEntry.order_id == order.id))


def test_pending_lists_a_payout_waiting_for_the_vendor_and_settle_sends_it(stripe_app, client, market,
                                                                            fake_stripe, monkeypatch):
    runner = stripe_app.test_cli_runner()
    assert runner.invoke(args=["payments", "pending"]).output.strip() == "nothing waiting"
    order = paid_order(stripe_app, client, market, fake_stripe)
    from broker.payments import payouts

    # the after-commit release is what normally sends it: hold it back to see it waiting
    monkeypatch.setattr(payouts, "_release_after_commit", lambda s: None)
    deliver(stripe_app, market, order.id, 10)
    waiting = runner.invoke(args=["payments", "pending"])
    assert waiting.exit_code == 0
    assert f"{order.id:>7} payout" in waiting.output and "2250" in waiting.output

    out = runner.invoke(args=["payments", "settle"])
    assert out.exit_code == 0 and "1 payouts/refunds" in out.output
    assert money(stripe_app, order.id).paid_out == 2250
    assert runner.invoke(args=["payments", "pending"]).output.strip() == "nothing waiting"
