"""The demo market's past: closed weeks with real rounds, orders, deliveries and published,
signed reports, so that a newcomer sees reports and charts at once.

For each of the ``WEEKS`` ISO weeks before the load, oldest first:

1. the vendors declare capacity and developers submit requests in the days before the cutoff;
2. the broker's own main round runs at the cutoff (``broker.services.rounds.run``);
3. vendors accept their orders and record deliveries (``broker.services.orders``); every
   vendor delivers most of what it sold, except that **Northstar Annotation**, in which Helios
   Intelligence holds 49 %, delivers to its investor in full and first and to everyone else
   only in part — the access reports' delivery fairness and affiliate preference ratio show
   it; developers withdraw what the round could not serve; undelivered orders end short;

then the final reports of those weeks are published, chained and signed
(``broker.reports.publish.publish_due``).

The services stamp "now" (they rightly refuse a past); the broker's clock is set to the
moment each step happened (``broker.clock.set_clock``) and restored afterwards. Each step runs
in its own transaction (rounds and publication open their own) and checks its own state, so a
load interrupted here is completed by loading again, and a completed one is left unchanged.
"""
from __future__ import annotations

import math
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Callable

from sqlmodel import Session, select

from broker import clock, db
from broker.access.principal import Principal
from broker.access.roles import ROLE_SCOPES
from broker.demo import market
from broker.models import OPEN_REQUEST_STATUSES, Capacity, CapacityRequest, Offering, Order, OrderStatus, Org, RequestStatus, User
from broker.periods import cutoff_of, next_period, period_end, period_of, period_start, periods_from
from broker import audit
from broker.services import capacity, orders, receipts, requests, schedule
from broker.services import rounds
from broker.reports import publish

WEEKS = 4
# Weekly capacity of the past weeks relative to an offering's usual week, and demand relative
# to the demo's pending requests: a quiet week, a busy one, …
CAPACITY_FACTORS = (0.9, 1.0, 1.0, 1.1)
DEMAND_FACTORS = (0.7, 0.9, 1.1, 0.95)
# Share of its orders a vendor delivers within the week (the rest ends short); 1.0 if absent.
RELIABILITY = {"atlas-microtask": 0.8, "quorum-crowd": 0.93, "polyglot-voice": 0.9, "kestrel-data": 0.96}
# Northstar delivers this share of every order that is not its investor's.
OTHERS_SHARE_AT_INVESTED_VENDOR = 0.55
# In the past weeks the investor asks the invested vendor's market (coding preference data)
# for a volume the round serves in full: its allocation is fair, its deliveries are not.
INVESTOR_WEEKLY_UNITS = 1500


def first_week(market_opened: datetime) -> str:
    """The first past week: the one after the market opened (see ``opened_at``)."""
    return next_period(period_of(market_opened))


def opened_at(t: datetime) -> datetime:
    """When the demo market "opened": Monday 00:00 a week before the first past week, so the
    orgs, offerings and the investor's stake exist before every past round."""
    return period_start(period_of(t)) - timedelta(weeks=WEEKS + 1)


def weeks_after(market_opened: datetime) -> list[str]:
    return periods_from(first_week(market_opened), WEEKS)


@contextmanager
def clock_at(t: datetime):
    """The broker's clock stands at ``t`` inside the block (then the previous clock returns)."""
    saved = clock._now  # the installed clock (tests install their own): restored as it was
    clock.set_clock(lambda: t)
    try:
        yield
    finally:
        clock.set_clock(saved)


def _principal(org: Org, user: User | None = None) -> Principal:
    return Principal(org_id=org.id, role=org.kind, scopes=ROLE_SCOPES[org.kind],
                     user_id=user.id if user else None, name=org.name)


def load(s: Session, market_opened: datetime, *, keys_path: str,
         progress: Callable[[str], None]) -> bool:
    """Bring the demo's past up to date; True if anything was written."""
    weeks = weeks_after(market_opened)
    orgs = {o.slug: o for o in s.exec(select(Org))}
    users = {u.org_id: u for u in s.exec(select(User).order_by(User.id))}
    actor = {slug: _principal(o, users.get(o.id)) for slug, o in orgs.items()}
    changed = False
    for i, week in enumerate(weeks):
        changed |= _demand(s, week, i, orgs, actor, progress)
        changed |= _round(s, week, progress)
        changed |= _work(s, week, orgs, actor, progress)
    # Only the demo's own weeks: a later week that closed since is the scheduler's to publish.
    due = set(publish.unpublished_closed(s, clock.now()))
    for week in (w for w in weeks if w in due):
        out = publish.publish_period(s, week, keys_path=keys_path)
        progress(f"Past week {week}: published and signed its {len(out)} reports …")
        changed = True
    return changed


def _demand(s: Session, week: str, i: int, orgs, actor, progress) -> bool:
    """Capacity and requests of a past week (once: its capacity rows are the marker)."""
    cutoff = cutoff_of(week, schedule.cutoff_hours(s, week))
    declared = cutoff - timedelta(days=2)
    with clock_at(declared), db.transaction(s):
        if s.exec(select(Capacity.id).where(Capacity.period == week)).first() is not None:
            return False
        progress(f"Past week {week}: capacity and {len(market.REQUESTS)} requests before its cutoff …")
        offering_of = {o.title: o for o in s.exec(select(Offering))}
        for j, o in enumerate(market.OFFERINGS):
            off = offering_of[o.title]
            units = round(o.capacity * CAPACITY_FACTORS[i] * (1 + 0.04 * ((j + i) % 3 - 1)))
            capacity.set_capacity(s, actor[o.vendor], off.id, period=week, units=units, now=declared)
        for j, (slug, task, modality, expertise, language, units, max_price, hours_ago, _weeks) in \
                enumerate(market.REQUESTS):
            # Written directly, as the loader does for the pending queue: the request service
            # stamps "now", and a week's queue builds up over the days before its cutoff.
            submitted = cutoff - timedelta(hours=6 + hours_ago)
            wobble = 1 + 0.1 * ((7 * j + 3 * i) % 5 - 2)
            if (slug, task, modality) == (market.STAKE[0], "preference_ranking", "code"):
                units = INVESTOR_WEEKLY_UNITS
            row = CapacityRequest(
                org_id=orgs[slug].id, created_by_user_id=actor[slug].user_id, task_type=task,
                language=language, expertise=expertise, modality=modality,
                units=max(1, round(units * DEMAND_FACTORS[i] * wobble)), max_unit_price_minor=max_price,
                currency=market.CURRENCY, status=RequestStatus.pending, submitted_at=submitted,
                updated_at=submitted)
            s.add(row)
            s.flush()
            audit.record(s, None, "capacity_request.create", "capacity_request", row.id,
                         after=audit.snapshot(row))
            receipts.issue(s, row, "submitted", submitted)  # as the request service gives it
    return True


def _round(s: Session, week: str, progress) -> bool:
    """The week's main round, run by the broker at the cutoff (once: its run key)."""
    cutoff = cutoff_of(week, schedule.cutoff_hours(s, week))
    slot = schedule.Slot(week, "main", cutoff)
    with clock_at(cutoff):
        out = rounds.run(s, slot, cutoff)
    if out.skipped:
        return False
    progress(f"Past week {week}: {rounds.summary(out)} …")
    return True


def _work(s: Session, week: str, orgs, actor, progress) -> bool:
    """Vendors accept and deliver the week's orders; what the round left unserved is withdrawn;
    what was not delivered ends short (once: only offered orders are worked on)."""
    start, end = period_start(week), period_end(week)
    cutoff = cutoff_of(week, schedule.cutoff_hours(s, week))
    slug_of = {o.id: slug for slug, o in orgs.items()}
    invested = orgs[market.STAKE[1]].id
    investor = orgs[market.STAKE[0]].id
    with db.transaction(s):
        todo = s.exec(select(Order).where(Order.period == week, Order.status == OrderStatus.offered)
                      .order_by(Order.id)).all()
        open_requests = s.exec(select(CapacityRequest).where(
            CapacityRequest.status.in_(OPEN_REQUEST_STATUSES),
            CapacityRequest.submitted_at < cutoff).order_by(CapacityRequest.id)).all()
        if not todo and not open_requests:
            return False
        progress(f"Past week {week}: vendors accept and deliver {len(todo)} orders …")
        with clock_at(cutoff + timedelta(hours=3)):
            for order in todo:
                orders.accept(s, actor[slug_of[order.vendor_org_id]], order.id)
        with clock_at(end - timedelta(minutes=1)):
            for n, order in enumerate(todo):
                vendor = actor[slug_of[order.vendor_org_id]]
                plan = _deliveries(order, n, start, slug_of[order.vendor_org_id], invested, investor)
                for units, at in plan:
                    orders.deliver(s, vendor, order.id, units=units, delivered_at=at,
                                   note="Delivered through the vendor's portal (demo history).")
            # The developers source elsewhere what this week's round could not give them.
            for r in open_requests:
                requests.cancel(s, actor[slug_of[r.org_id]], r.id)
        with clock_at(end):
            orders.mark_shorts(s, end)
    return True


def _deliveries(order: Order, n: int, start: datetime, vendor: str, invested: int,
                investor: int) -> list[tuple[int, datetime]]:
    """(units, delivered_at) of an order's deliveries: deterministic, within its week."""
    late = timedelta(hours=n % 24)
    if order.vendor_org_id == invested:
        if order.developer_org_id == investor:  # the investor first, and in full
            return [(order.units, start + timedelta(days=1, hours=2))]
        units = math.floor(order.units * OTHERS_SHARE_AT_INVESTED_VENDOR)
        return [(units, start + timedelta(days=4) + late)] if units else []
    total = math.floor(order.units * RELIABILITY.get(vendor, 1.0))
    first = math.ceil(total / 2)
    out = [(first, start + timedelta(days=2) + late), (total - first, start + timedelta(days=5) + late)]
    return [(u, at) for u, at in out if u > 0]

