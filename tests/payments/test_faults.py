"""Must show: retries and crashes never pay twice.

Stripe answering 500 then 200 on a transfer pays once; a lost response is replayed from the
idempotency key; the scheduler killed between creating a transfer and recording it pays once
after restart (the crash is a real exception at the point between the two).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from broker import db
from broker.api.payments import checkout_urls
from broker.clock import now
from broker.models import LedgerEntry
from broker.payments import payouts
from tests.payments.conftest import deliver, money, onboard, post_event


def paid_order(app, client, market, fake, units=10, price=250):
    """An order paid through the fake checkout, its vendor onboarded."""
    from broker.payments import service
    from tests.builders import principal_of

    order = market.order(units=units, price=price)
    with app.app_context(), app.test_request_context():
        s = db.session()
        with db.transaction(s):
            pay = service.on_allocation_confirmed(s, s.get(type(order), order.id), principal_of(market.developer),
                                                   **checkout_urls(order.id))
    assert post_event(client, fake.complete_checkout(pay.external_id)).status_code == 200
    onboard(app, client, fake, market.vendor)
    return order


def payout_rows(app, order_id):
    with app.app_context():
        return db.session().exec(select(LedgerEntry).where(LedgerEntry.order_id == order_id,
                                                           LedgerEntry.kind == "payout")).all()


def test_stripe_500_then_200_on_a_transfer_pays_once(stripe_app, client, market, fake_stripe):
    order = paid_order(stripe_app, client, market, fake_stripe)
    fake_stripe.fail("POST", "/v1/transfers", status=500, times=1)
    deliver(stripe_app, market, order.id, 4)
    calls = fake_stripe.calls("POST", "/v1/transfers")
    assert [c["status"] for c in calls] == [500, 200]
    assert calls[0]["key"] == calls[1]["key"] == f"parity-payout:o{order.id}:u4"
    assert len(fake_stripe.of("transfer")) == 1
    assert money(stripe_app, order.id).paid_out == 900  # 4 × 250 − 10 %
    assert len(payout_rows(stripe_app, order.id)) == 2  # one balanced transaction: two legs


def test_lost_response_is_replayed_not_repeated(stripe_app, client, market, fake_stripe):
    order = paid_order(stripe_app, client, market, fake_stripe)
    fake_stripe.fail("POST", "/v1/transfers", status=500, times=1, after=True)  # done, answer lost
    deliver(stripe_app, market, order.id, 10)
    calls = fake_stripe.calls("POST", "/v1/transfers")
    assert len(calls) == 2 and calls[1].get("replayed") is True
    [tr] = fake_stripe.of("transfer")
    [leg] = [e for e in payout_rows(stripe_app, order.id) if e.account.startswith("cash:")]
    assert leg.external_id == tr["id"] and -leg.amount_minor == tr["amount"] == 2250


def test_stripe_down_leaves_the_payout_for_the_next_run(stripe_app, client, market, fake_stripe):
    from broker.payments import service

    stripe_app.config["STRIPE_NETWORK_RETRIES"] = 0
    order = paid_order(stripe_app, client, market, fake_stripe)
    fake_stripe.fail("POST", "/v1/transfers", status=503, times=1)
    deliver(stripe_app, market, order.id, 2)  # the delivery commits; the transfer fails
    assert fake_stripe.of("transfer") == [] and money(stripe_app, order.id).paid_out == 0
    assert money(stripe_app, order.id).vendor_share == 450
    with stripe_app.app_context():
        summary = service.settle(db.session(), now())
    assert "transfer tr_" in summary
    assert len(fake_stripe.of("transfer")) == 1 and money(stripe_app, order.id).paid_out == 450


class Killed(BaseException):
    """The process dying: not an Exception, so nothing on the way catches it."""


def test_scheduler_killed_between_transfer_and_record_pays_once_after_restart(
        stripe_app, client, market, fake_stripe, monkeypatch):
    from broker.app import create_app
    from broker.scheduler.jobs import registry, run_once

    order = paid_order(stripe_app, client, market, fake_stripe)
    stripe_app.config["STRIPE_NETWORK_RETRIES"] = 0
    job = registry(stripe_app)["payments_settle"]

    # 1. The web process's after-commit release fails at the crash point: Stripe made the
    #    transfer, the ledger did not record it (the delivery itself is committed).
    def fails():
        raise RuntimeError("connection to the database lost")

    monkeypatch.setattr(payouts, "_after_stripe_call", fails)
    deliver(stripe_app, market, order.id, 6)
    assert len(fake_stripe.of("transfer")) == 1
    assert payout_rows(stripe_app, order.id) == []
    assert money(stripe_app, order.id).vendor_share == 1350

    # 2. The scheduler picks it up and is killed at the same point (nothing catches it).
    def die():
        raise Killed("killed after Stripe answered, before the ledger committed")

    monkeypatch.setattr(payouts, "_after_stripe_call", die)
    with pytest.raises(Killed):
        run_once(stripe_app, job, now().replace(microsecond=0))
    assert payout_rows(stripe_app, order.id) == []

    # 3. Restart: a new process (app) on the same database runs the job again.
    monkeypatch.setattr(payouts, "_after_stripe_call", lambda: None)
    restarted = create_app({k: stripe_app.config[k] for k in (
        "TESTING", "DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY", "RATELIMIT_ENABLED", "STRIPE_API_KEY",
        "STRIPE_API_BASE", "STRIPE_WEBHOOK_SECRET", "STRIPE_NETWORK_RETRIES")})
    try:
        for minutes in (5, 10):
            run_once(restarted, job, now().replace(microsecond=0) + timedelta(minutes=minutes))
    finally:
        restarted.extensions["db_engine"].dispose()

    calls = fake_stripe.calls("POST", "/v1/transfers")
    assert len(calls) == 3 and len({c["key"] for c in calls}) == 1
    assert [c.get("replayed", False) for c in calls] == [False, True, True]
    [tr] = fake_stripe.of("transfer")
    assert tr["amount"] == 1350
    assert len(payout_rows(stripe_app, order.id)) == 2
    assert money(stripe_app, order.id).paid_out == 1350


def test_transfer_webhook_records_a_transfer_whose_record_was_lost(stripe_app, client, market, fake_stripe,
                                                                   monkeypatch):
    """The crash again, healed by Stripe's transfer.created event instead of the scheduler."""
    order = paid_order(stripe_app, client, market, fake_stripe)
    stripe_app.config["STRIPE_NETWORK_RETRIES"] = 0
    monkeypatch.setattr(payouts, "_after_stripe_call", lambda: (_ for _ in ()).throw(RuntimeError("crash")))
    deliver(stripe_app, market, order.id, 3)
    [evt] = [e for e in fake_stripe.events if e["type"] == "transfer.created"]
    assert post_event(client, evt).json["result"] == "recorded"
    assert post_event(client, evt).json["result"] == "duplicate"
    monkeypatch.setattr(payouts, "_after_stripe_call", lambda: None)
    with stripe_app.app_context():
        assert payouts.release_due(db.session()) == []  # nothing left to send
    assert len(fake_stripe.of("transfer")) == 1 and money(stripe_app, order.id).paid_out == 675
