"""This week's orders in the demo, so a vendor signing in has work in every state.

Before the cutoff of the period rounds allocate now, five developers each ask one vendor
(by preferring it) for a few hundred units of its first offering, with instructions and a
deadline; the broker's own main round runs at the cutoff (the scheduler would run it as
soon as it started: it is due) and turns them, and whatever else was waiting before the
cutoff, into orders. Then each vendor works its five demo orders into the states a vendor
meets: one left **new** (offered), one **accepted**, one **declined** with a reason (its
units go back to the pool and its request waits for the next spot round), one **partly
delivered** and one **delivered**.

Everything goes through the services (``rounds.run``, ``orders.accept``/``decline``/
``deliver``) with the broker's clock set to when it happened. Once only: the round's run key
is the marker; a load after the main round ran (the scheduler's or this one) changes nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from sqlmodel import Session, select

from broker import db
from broker.config import SETTINGS_KEY
from broker.demo import market
from broker.demo.history import _principal, clock_at
from broker.demo.logins import DEMO_LOGINS
from broker.models import Allocation, CapacityRequest, Offering, OfferingLanguage, Order, OrderStatus, Org, Price, \
    RequestStatus, User
from broker.periods import cutoff_of, period_end
from broker import audit
from broker.reports import log_signing
from broker.services import orders, receipts, rounds, schedule

ORDERS_PER_VENDOR = 5
UNITS = (240, 180, 300, 400, 120)  # new, accepted, declined, partly delivered, delivered
DECLINE_REASON = ("Our reviewers for this task are booked until the end of the week; "
                  "we would rather decline now than deliver late")
INSTRUCTIONS = "https://docs.{slug}.example/labelling-guide-v3"


def load(s: Session, t: datetime, progress: Callable[[str], None], *, keys_path: str) -> bool:
    """Give every demo vendor five orders of this week in five states; True if written."""
    period = schedule.current_period(s, t)
    if schedule.main_ran(s, period):
        return False
    cutoff = cutoff_of(period, schedule.cutoff_hours(s, period))
    orgs = {o.slug: o for o in s.exec(select(Org))}
    users = {u.org_id: u for u in s.exec(select(User).order_by(User.id))}
    # The demo developer first, so its sign-in sees orders in every state (one per vendor).
    first = DEMO_LOGINS["developer"].org_slug
    developers = [orgs[first]] + [orgs[slug] for slug, _, _ in market.DEVELOPERS
                                  if slug not in market.PENDING_DEVELOPERS and slug != first][:ORDERS_PER_VENDOR - 1]
    first_offering = {}
    for o in market.OFFERINGS:
        first_offering.setdefault(o.vendor, o.title)
    offering_of = {o.title: o for o in s.exec(select(Offering))}
    progress(f"This week ({period}): {ORDERS_PER_VENDOR} requests to each vendor before the cutoff …")
    with clock_at(cutoff - timedelta(hours=8)), db.transaction(s):
        for j, v in enumerate(market.VENDORS):
            off = offering_of[first_offering[v.slug]]
            lang = s.exec(select(OfferingLanguage.language).where(OfferingLanguage.offering_id == off.id)
                          .order_by(OfferingLanguage.language)).first()
            price = s.exec(select(Price.amount_minor).where(Price.offering_id == off.id,
                                                            Price.effective_to.is_(None))).first()
            for k, dev in enumerate(_rotated(developers, j)):
                submitted = cutoff - timedelta(hours=30 - k)
                row = CapacityRequest(
                    org_id=dev.id, created_by_user_id=(users.get(dev.id).id if users.get(dev.id) else None),
                    task_type=off.task_type, language=lang, expertise=off.expertise, modality=off.modality,
                    units=UNITS[k], max_unit_price_minor=price, currency=market.CURRENCY,
                    preferred_vendor_ids=[orgs[v.slug].id], instructions_ref=INSTRUCTIONS.format(slug=dev.slug),
                    deadline=period_end(period) + timedelta(days=off.turnaround_days),
                    status=RequestStatus.pending, submitted_at=submitted, updated_at=submitted)
                s.add(row)
                s.flush()
                audit.record(s, None, "capacity_request.create", "capacity_request", row.id,
                             after=audit.snapshot(row))
                receipts.issue(s, row, "submitted", submitted)
    with clock_at(cutoff):
        out = rounds.run(s, schedule.Slot(period, "main", cutoff), cutoff)
    progress(f"This week ({period}): {rounds.summary(out)} …")
    _work(s, t, period, orgs, users, developers)
    # The round is in the transparency log: sign a checkpoint now, as the scheduler's job would
    # within a minute, so its inclusion proof is there at once.
    log_signing.update(s, keys_path=keys_path, config=s.info.get(SETTINGS_KEY, {}))  # its own transactions
    return True


def _rotated(developers: list[Org], j: int) -> list[Org]:
    """Vendor ``j``'s developers in turn: each developer meets every state at some vendor."""
    k = j % len(developers)
    return developers[k:] + developers[:k]


def _work(s: Session, t: datetime, period: str, orgs: dict, users: dict, developers: list[Org]) -> None:
    """Each vendor's five demo orders, oldest request first: new, accepted, declined, partly
    delivered, delivered."""
    dev_ids = {d.id for d in developers}
    for j, v in enumerate(market.VENDORS):
        vendor = orgs[v.slug]
        actor = _principal(vendor, users.get(vendor.id))
        with db.transaction(s):
            rows = s.exec(select(Order, CapacityRequest).join(Allocation, Allocation.id == Order.allocation_id)
                          .join(CapacityRequest, CapacityRequest.id == Allocation.request_id)
                          .where(Order.vendor_org_id == vendor.id, Order.period == period,
                                 Order.status == OrderStatus.offered, Order.developer_org_id.in_(dev_ids))
                          .order_by(CapacityRequest.submitted_at, Order.id)).all()
            plan = {o.developer_org_id: o for o, r in rows
                    if r.preferred_vendor_ids == [vendor.id] and r.instructions_ref.startswith("https://docs.")}
            ordered = [plan[d.id] for d in _rotated(developers, j) if d.id in plan]
            created = max([o.created_at for o in ordered], default=t)
            accept_at = min(t - timedelta(minutes=30), created + timedelta(hours=3))
            deliver_at = min(t - timedelta(minutes=10), max(created + timedelta(hours=4), t - timedelta(hours=20)))
            for i, order in enumerate(ordered):
                if i == 0:
                    continue  # new: waiting for the vendor
                if i == 2:
                    with clock_at(accept_at):
                        orders.decline(s, actor, order.id, reason=DECLINE_REASON)
                    continue
                with clock_at(accept_at):
                    orders.accept(s, actor, order.id)
                if i == 3:
                    with clock_at(deliver_at):
                        orders.deliver(s, actor, order.id, units=order.units // 2, delivered_at=deliver_at,
                                       note="First half, through the vendor's portal (demo).")
                if i == 4:
                    with clock_at(deliver_at):
                        orders.deliver(s, actor, order.id, units=order.units, delivered_at=deliver_at,
                                       note="Delivered in full (demo).")
