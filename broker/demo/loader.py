"""A realistic, fictional market for trying Parity and for the browser tests.

``load_demo`` writes the data of broker.demo.market around the current ISO week:

- the market itself (orgs, sign-ins, vendors, offerings with price histories, developers, a
  group and the investor's stake), dated as if it opened five weeks ago;
- its past (``broker.demo.history``): four closed weeks with their real main rounds, orders,
  deliveries and published, signed transparency reports;
- its present: capacity for this week and the next two, reservations for the next two
  periods open to them, workforce disclosures and requests submitted in the last days.

The market and its present are written in one transaction, all or nothing; the past week by
week after it (a round and a publication commit on their own), each step checking its own
state. Loading again changes nothing (the demo operator org marks the market; the past is
complete), and completes a load that was interrupted in the past.

Everything goes through the services, with their rules and audit entries, acting as the
vendor concerned or the demo operator, with the broker's clock set to when it happened; only
what needs a past the services rightly refuse (the superseded prices and the queues of
requests submitted earlier) is written directly, audited with no actor (the command line).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, func, select

from flask import current_app

from broker import db
from broker.clock import as_utc, now
from broker.access.principal import Principal
from broker.access.roles import ROLE_SCOPES
from broker.demo import history, market
from broker.demo import orders as this_week
from broker.demo.logins import DEMO_LOGINS
from broker.models import (
    Allocation, Capacity, CapacityRequest, Delivery, Guarantee, Offering, Org, OrgKind, OrgStatus, Price,
    Report, RequestStatus, Round, User,
)
from broker.periods import period_end, period_of, periods_from
from broker import audit
from broker.services import accounts, capacity, groups, receipts, schedule, vendors, workforce
from broker.services import offerings as catalog_offerings
from broker.services import policy as policy_svc
from broker.catalog import payfloor

MARKER_SLUG = market.OPERATOR[0]
# Capacity of this week, the next and the one after, relative to an offering's usual week.
CAPACITY_FACTORS = (1.0, 1.05, 0.95)


def load_demo(progress: Callable[[str], None] = print) -> str:
    """Load the demo market (idempotent) and return a summary with the demo sign-ins."""
    s = db.session()
    t = now()
    with db.transaction(s):
        # Checked inside the write transaction: two loads at once cannot both pass it.
        marker = s.exec(select(Org).where(Org.slug == MARKER_SLUG)).first()
        loaded = marker is None
        if loaded:
            _load(s, t, progress)
            opened = history.opened_at(t)
        else:
            opened = as_utc(marker.created_at)
    loaded |= history.load(s, opened, keys_path=current_app.config["KEYS_PATH"], progress=progress)
    if loaded:
        loaded |= this_week.load(s, t, progress, keys_path=current_app.config["KEYS_PATH"])
    progress("Demo market loaded." if loaded else "Demo market already loaded; nothing changed.")
    return _summary(s, loaded=loaded)


def _add(s: Session, row: SQLModel, entity: str) -> SQLModel:
    s.add(row)
    s.flush()
    pk = sa.inspect(row).identity[0]
    audit.record(s, None, f"{entity}.create", entity, pk, after=audit.snapshot(row))
    return row


def _principal(org: Org, user: User | None = None) -> Principal:
    return Principal(org_id=org.id, role=org.kind, scopes=ROLE_SCOPES[org.kind],
                     user_id=user.id if user else None, name=org.name)


def _load(s: Session, t: datetime, progress) -> None:
    """The market, dated when it opened, and its present (one transaction)."""
    orgs: dict[str, Org] = {}
    users: dict[str, User] = {}
    opened = history.opened_at(t)
    with history.clock_at(opened):
        operator, vendor_actor, offerings = _load_market(s, t, opened, orgs, users, progress)
    _load_present(s, t, orgs, users, operator, vendor_actor, offerings, progress)


def _load_market(s: Session, t: datetime, opened: datetime, orgs: dict, users: dict, progress):
    today = t.replace(hour=0, minute=0, second=0, microsecond=0)

    def sign_in_for(slug: str) -> None:
        login = next((x for x in DEMO_LOGINS.values() if x.org_slug == slug), None)
        if login is not None:
            users[slug] = accounts.create_user(s, None, org=orgs[slug], email=login.email,
                                               password=login.password,
                                               name=f"Demo {login.role} (demo data only)")

    progress("Operator and auditor organisations, with their demo sign-ins …")
    for (slug, name, headcount), kind in ((market.OPERATOR, OrgKind.operator), (market.AUDITOR, OrgKind.auditor)):
        orgs[slug] = accounts.create_org(s, None, name=name, kind=kind, headcount=headcount, slug=slug)
        sign_in_for(slug)
    operator = _principal(orgs[market.OPERATOR[0]], users.get(market.OPERATOR[0]))
    progress("An ILLUSTRATIVE pay-floor table by country …")
    floors, errors = payfloor.parse_floor_csv((Path(__file__).parent / market.PAY_FLOORS_CSV).read_text())
    assert not errors, errors
    policy_svc.change(s, operator, changes={"pay_floors": floors},
                      reason="Demo: an ILLUSTRATIVE pay-floor table (not real minimum or living wages)")

    progress(f"{len(market.VENDORS)} vendors with their profiles …")
    vendor_actor: dict[str, Principal] = {}
    for v in market.VENDORS:
        org = orgs[v.slug] = accounts.create_org(s, None, name=v.name, kind=OrgKind.vendor,
                                                 headcount=v.headcount, slug=v.slug)
        sign_in_for(v.slug)
        vendor_actor[v.slug] = _principal(org, users.get(v.slug))
        vendors.save_profile(s, vendor_actor[v.slug], org.id, {
            "legal_name": v.legal_name, "vendor_kind": v.kind, "hq_country": v.hq,
            "description": v.description, "website": f"https://{v.slug}.example",
            "certifications": list(v.certifications), "grievance_contact": f"grievances@{v.slug}.example",
            "ownership": [{"holder": h, "percent": p} for h, p in v.ownership],
        }, opened)

    progress(f"{len(market.OFFERINGS)} offerings with price histories …")
    offerings: dict[str, Offering] = {}
    for i, o in enumerate(market.OFFERINGS):
        actor = vendor_actor[o.vendor]
        off = offerings[o.key] = catalog_offerings.create(s, actor, {
            "title": o.title, "task_type": o.task_type, "modality": o.modality, "expertise": o.expertise,
            "unit": o.unit, "languages": list(o.languages),
            "description": f"{o.title}. Delivered by {_vendor_name(o.vendor)}.",
            "quality": dict(market.QUALITY[o.quality]), "turnaround_days": o.turnaround_days,
            "calibration_required": o.quality in ("expert", "adjudicated"), "security": dict(o.security),
            "content_risk": o.content_risk, "effective_hourly_pay_minor": o.pay,
            "pay_currency": market.CURRENCY, "annotator_share": o.annotator_share,
            **_exposure_of(o.key),
        })
        # A price history needs a past: the price service refuses backdating (rightly), so
        # the two demo prices are written directly. The change fell 3 to 11 weeks ago.
        changed = today - timedelta(days=21 + 7 * (i % 9))
        for amount, start, end in ((o.old_price, today - timedelta(days=180), changed), (o.price, changed, None)):
            _add(s, Price(offering_id=off.id, amount_minor=amount, currency=market.CURRENCY,
                          effective_from=start, effective_to=end, created_at=start), "price")

    progress(f"{len(market.DEVELOPERS)} developer organisations, a group and a stake …")
    for slug, name, headcount in market.DEVELOPERS:
        status = OrgStatus.pending if slug in market.PENDING_DEVELOPERS else OrgStatus.approved
        orgs[slug] = accounts.create_org(s, None, name=name, kind=OrgKind.developer, headcount=headcount,
                                         slug=slug, status=status)
        sign_in_for(slug)
    group_name, members, reason = market.GROUP
    groups.create_group(s, operator, name=group_name, reason=reason, member_ids=[orgs[m].id for m in members])
    holder, vendor, percent, kind, note = market.STAKE
    groups.declare_stake(s, operator, holder_org_id=orgs[holder].id, vendor_org_id=orgs[vendor].id,
                         percent=percent, kind=kind, note=note)
    return operator, vendor_actor, offerings


def _load_present(s: Session, t: datetime, orgs: dict, users: dict, operator: Principal,
                  vendor_actor: dict, offerings: dict, progress) -> None:
    periods = periods_from(period_of(t), 3)
    progress(f"Capacity for {', '.join(periods)} …")
    for o in market.OFFERINGS:
        for period, factor in zip(periods, CAPACITY_FACTORS):
            capacity.set_capacity(s, vendor_actor[o.vendor], offerings[o.key].id, period=period,
                                  units=round(o.capacity * factor), now=t)

    # Reservations can be made only from the period rounds allocate now on (in a week's last
    # two days that is already the next one).
    open_periods = [p for p in periods if p >= schedule.current_period(s, t)][:2]
    progress(f"Reservations for {' and '.join(open_periods)} …")
    units_of = {o.key: o.capacity for o in market.OFFERINGS}
    for slug, key, share, why in market.GUARANTEES:
        for period in open_periods:
            factor = CAPACITY_FACTORS[periods.index(period)]
            groups.reserve(s, operator, org_id=orgs[slug].id, offering_id=offerings[key].id, period=period,
                           units=math.floor(share * round(units_of[key] * factor)), reason=why)

    progress("Workforce disclosures …")
    quarter = _last_closed_quarter(t)
    for (vendor, headcount, mix, countries, pay, below_min, below_living, shown, days, harm, rep, experts,
         principles, attestation, by) in market.DISCLOSURES:
        workforce.submit(s, vendor_actor[vendor], orgs[vendor].id, quarter, {
            "headcount": headcount, "employment_mix": dict(mix), "countries": dict(countries),
            "median_hourly_pay_minor": pay, "pay_currency": market.CURRENCY,
            "share_below_minimum_wage": below_min, "share_below_living_wage": below_living,
            "time_estimate_shown": shown, "payment_days": days, "harmful_content_protections": harm,
            "representation": rep, "share_domain_experts": experts, "fairwork_principles": list(principles),
            "attestation": attestation, "attested_by": by,
            "pay_by_country": {cc: {"hourly_pay_minor": pay_cc, "currency": market.CURRENCY}
                               for cc, pay_cc in market.PAY_BY_COUNTRY.get(vendor, {}).items()}}, t)

    progress(f"{len(market.REQUESTS)} pending capacity requests, submitted over the last days …")
    for slug, task, modality, expertise, language, units, max_price, hours_ago, weeks in market.REQUESTS:
        # Written directly: the request service stamps "now", and a market needs a queue.
        submitted = t - timedelta(hours=hours_ago)
        user = users.get(slug)
        row = _add(s, CapacityRequest(
            org_id=orgs[slug].id, created_by_user_id=user.id if user else None, task_type=task,
            language=language, expertise=expertise, modality=modality, units=units,
            max_unit_price_minor=max_price, currency=market.CURRENCY,
            deadline=period_end(periods[0]) + timedelta(weeks=weeks) if weeks else None,
            status=RequestStatus.pending, submitted_at=submitted, updated_at=submitted,
        ), "capacity_request")
        receipts.issue(s, row, "submitted", submitted)  # as the request service gives it


def _exposure_of(key: str) -> dict:
    if key not in market.EXPOSURE:
        return {}
    classes, declared = market.EXPOSURE[key]
    return {"content_classes": list(classes), "exposure": dict(declared)}


def _vendor_name(slug: str) -> str:
    return next(v.name for v in market.VENDORS if v.slug == slug)


def _last_closed_quarter(t: datetime) -> str:
    q = (t.month - 1) // 3  # the current quarter, 0-based; the last closed one is q - 1
    return f"{t.year - 1}-Q4" if q == 0 else f"{t.year}-Q{q}"


def _summary(s: Session, *, loaded: bool) -> str:
    def count(model, *where) -> int:
        return s.exec(select(func.count()).select_from(model).where(*where)).one()

    lines = [
        "Demo market " + ("loaded" if loaded else "was already loaded") + ":",
        f"  {count(Org, Org.kind == OrgKind.vendor)} vendors, {count(Offering)} offerings, "
        f"{count(Price)} prices, {count(Capacity)} capacity rows",
        f"  {count(Org, Org.kind == OrgKind.developer)} developer orgs, {count(Guarantee)} reservations, "
        f"{count(CapacityRequest, CapacityRequest.status == RequestStatus.pending)} pending requests",
        f"  past weeks: {count(Round)} rounds, {count(Allocation)} allocations, {count(Delivery)} deliveries, "
        f"{count(Report)} published reports (/reports)",
        "Demo sign-ins (demo data only, never in production):",
    ]
    lines += [f"  {x.role:<9} {x.email:<32} password: {x.password}" for x in DEMO_LOGINS.values()]
    return "\n".join(lines)
