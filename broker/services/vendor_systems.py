"""Reaching vendors' own systems: connect an adapter, sync catalog and capacity in, push orders
out (outbox with retries, backoff and dead letters), pull delivery progress back, and keep a
health line per vendor.

The adapters (``providers/``) do the talking and never see the database. Each job here reads
what it needs into plain data, calls every vendor concurrently under a per-vendor deadline
(``providers.fanout``), and applies each vendor's answer in its own transaction as soon as
it arrives, so a slow vendor never holds up the others. Every job is idempotent: orders are
enqueued once (unique per connection, kind and order), progress carries event ids recorded
once per order (``Delivery.external_id``), and capacity is set, not added.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from broker import db
from broker.access.principal import Principal
from broker.access.roles import ROLE_SCOPES
from broker.clock import now
from broker.config import settings_of
from broker.errors import ApiError
from broker.jobs import Jobs
from broker.models import RETURNED_ORDER_STATUSES, Offering, Order, OrderStatus, Org, OrgKind, ProviderConnection, ProviderEvent
from broker import audit
from broker.services import capacity, orders
from providers import registry, webhook
from providers.base import Event, OrderInfo, Progress, ProviderError, SettingsError
from providers.fanout import fan_out

PLACED, CANCELLED = "order.placed", "order.cancelled"
OPEN = (OrderStatus.offered, OrderStatus.accepted)
BUDGET_FACTOR = 3  # a vendor gets this many request timeouts per job run
BATCH = 50  # events per vendor per push run


# ---- connections --------------------------------------------------------------------------

def allow_http(s: Session) -> bool:
    """Plain http:// vendor addresses only when explicitly allowed (local development, tests)."""
    return bool(settings_of(s).get("PROVIDERS_ALLOW_HTTP"))


def acting_for(conn: ProviderConnection) -> Principal:
    """The principal an adapter acts as: the vendor's org, marked in the audit log."""
    return Principal(org_id=conn.vendor_org_id, role=OrgKind.vendor, scopes=ROLE_SCOPES[OrgKind.vendor],
                     client_id=f"provider:{conn.adapter}", name=f"{conn.adapter} adapter")


def connection_of(s: Session, vendor_org_id: int) -> ProviderConnection | None:
    return s.exec(select(ProviderConnection).where(ProviderConnection.vendor_org_id == vendor_org_id)).first()


def connect(s: Session, p: Principal, *, vendor_org_id: int, adapter: str, settings: dict) -> ProviderConnection:
    """Create or change how Parity reaches a vendor (the vendor itself, or an operator)."""
    if not p.is_operator and (p.role != OrgKind.vendor or p.org_id != vendor_org_id):
        raise ApiError("Only the vendor itself or an operator can connect its system.", status=403,
                       type_="forbidden")
    vendor = s.get(Org, vendor_org_id)
    if vendor is None or vendor.kind != OrgKind.vendor:
        raise ApiError(f"No vendor {vendor_org_id}.", status=404, type_="not-found")
    try:
        clean = registry.validate(adapter, settings, allow_http=allow_http(s))
    except SettingsError as e:
        where = e.field if e.field == "adapter" else f"settings.{e.field}"
        raise ApiError(f"{where}: {e.message}.", status=422, type_="validation",
                       errors=[{"field": where, "message": e.message}]) from None
    conn = connection_of(s, vendor_org_id)
    before = audit.snapshot(conn)
    if conn is None:
        conn = ProviderConnection(vendor_org_id=vendor_org_id)
    conn.adapter, conn.settings = adapter, clean
    s.add(conn)
    s.flush()
    audit.record(s, p, "provider.connect", "provider_connection", conn.id, before=before,
                 after=audit.snapshot(conn))
    return conn


def _adapter(s: Session, conn: ProviderConnection):
    extra = {"callback_url": callback_url(s, conn)} if conn.adapter == "webhook" else {}
    return registry.build(conn.adapter, conn.settings, **extra)


def callback_url(s: Session, conn: ProviderConnection) -> str:
    base = settings_of(s).get("PUBLIC_BASE_URL") or ""
    return f"{base.rstrip('/')}/api/v1/providers/{conn.id}/callbacks" if base else \
        f"/api/v1/providers/{conn.id}/callbacks"


def _timeout(conn: ProviderConnection) -> float:
    return float(conn.settings.get("timeout_seconds", 10))


def _health(s: Session, conn_id: int, t: datetime, error: str | None) -> None:
    """Record the outcome of one call to a vendor on its connection (own transaction)."""
    with db.transaction(s):
        conn = s.get(ProviderConnection, conn_id)
        if error:
            conn.last_error, conn.last_error_at = error[:2000], t
        else:
            conn.last_success_at = t
        s.add(conn)


def _connections(s: Session) -> list[ProviderConnection]:
    rows = list(s.exec(select(ProviderConnection).where(ProviderConnection.adapter != "manual")
                       .order_by(ProviderConnection.id)))
    return [c for c in rows if c.adapter in registry.NAMES]


def _order_info(order: Order, external_ref: str = "", instructions: str = "") -> OrderInfo:
    return OrderInfo(order_id=order.id, offering_id=order.offering_id, period=order.period,
                     units=order.units, unit_price_minor=order.unit_price_minor, currency=order.currency,
                     developer_org_id=order.developer_org_id, instructions_ref=instructions,
                     external_ref=external_ref, units_delivered=order.units_delivered)


# ---- catalog and capacity in ----------------------------------------------------------------

def sync_catalogs(s: Session, t: datetime) -> str:
    """Ask each connected vendor system for its capacity and set it on its offerings."""
    # Only systems that have a catalog to read: a health line must mean the vendor answered.
    conns = [c for c in _connections(s) if c.adapter == "webhook" and c.settings.get("catalog_url")]
    calls = {}
    for c in conns:
        adapter, budget = _adapter(s, c), _timeout(c)
        calls[c.id] = (lambda a=adapter, b=budget: a.describe(b), budget * BUDGET_FACTOR)
    counts = {"vendors": len(conns), "ok": 0, "failed": 0, "capacity_set": 0}
    for conn_id, result in fan_out(calls):
        if isinstance(result, Exception):
            counts["failed"] += 1
            _health(s, conn_id, t, f"catalog sync: {_message(result)}")
            continue
        problems = []
        with db.transaction(s):
            conn = s.get(ProviderConnection, conn_id)
            own = set(s.exec(select(Offering.id).where(Offering.vendor_org_id == conn.vendor_org_id)))
            for item in result.capacity:
                if item.offering_id not in own:
                    problems.append(f"offering {item.offering_id} is not one of this vendor's")
                    continue
                try:
                    capacity.set_capacity(s, acting_for(conn), item.offering_id, period=item.period,
                                          units=item.units, now=t)
                    counts["capacity_set"] += 1
                except ApiError as e:
                    problems.append(f"offering {item.offering_id} {item.period}: {e.detail}")
        counts["ok"] += 1
        _health(s, conn_id, t, ("catalog sync: " + "; ".join(problems)) if problems else None)
    return "catalog sync: " + ", ".join(f"{k} {v}" for k, v in counts.items())


# ---- orders out: the outbox -----------------------------------------------------------------

def enqueue(s: Session, t: datetime) -> int:
    """Add an ``order.placed`` event for each open order of a pushing vendor not yet sent, and
    an ``order.cancelled`` for each order released after it was placed. Idempotent."""
    added = 0
    with db.transaction(s):
        for conn in _connections(s):
            if not registry.build(conn.adapter, conn.settings).pushes_orders:
                continue
            sent = {(k, o) for k, o in s.exec(select(ProviderEvent.kind, ProviderEvent.order_id)
                                              .where(ProviderEvent.connection_id == conn.id))}
            rows = s.exec(select(Order).where(Order.vendor_org_id == conn.vendor_org_id,
                                              Order.status.in_(OPEN + RETURNED_ORDER_STATUSES))
                          .order_by(Order.id))
            for order in rows:
                if order.status in OPEN and (PLACED, order.id) not in sent:
                    kind = PLACED
                elif order.status in RETURNED_ORDER_STATUSES and (PLACED, order.id) in sent \
                        and (CANCELLED, order.id) not in sent:
                    kind = CANCELLED
                else:
                    continue
                s.add(ProviderEvent(connection_id=conn.id, event_id=f"evt_{uuid.uuid4().hex}",
                                    dedupe_key=f"{kind}:{order.id}", kind=kind, order_id=order.id,
                                    payload={}, next_attempt_at=t, created_at=t))
                added += 1
    return added


@dataclass
class _Outcome:
    event_pk: int
    ok: bool
    external_ref: str = ""
    error: str = ""


def push(s: Session, t: datetime) -> str:
    """Enqueue new work, then deliver every due event, vendor by vendor, concurrently."""
    added = enqueue(s, t)
    due = list(s.exec(select(ProviderEvent).where(ProviderEvent.status == "pending",
                                                  ProviderEvent.next_attempt_at <= t)
                      .order_by(ProviderEvent.connection_id, ProviderEvent.id)))
    by_conn: dict[int, list[ProviderEvent]] = {}
    for ev in due:
        if len(by_conn.setdefault(ev.connection_id, [])) < BATCH:
            by_conn[ev.connection_id].append(ev)
    calls, sinks = {}, {}
    for conn_id, events in by_conn.items():
        conn = s.get(ProviderConnection, conn_id)
        adapter = _adapter(s, conn)
        work = []
        for ev in events:
            order = s.get(Order, ev.order_id)
            placed = s.exec(select(ProviderEvent.external_ref).where(
                ProviderEvent.connection_id == conn_id, ProviderEvent.order_id == ev.order_id,
                ProviderEvent.kind == PLACED)).first() or ""
            work.append((ev.id, Event(event_id=ev.event_id, kind=ev.kind, created_at=ev.created_at,
                                      order=_order_info(order, placed), attempt=ev.attempts + 1)))
        sinks[conn_id] = []
        budget = _timeout(conn) * BUDGET_FACTOR
        calls[conn_id] = (lambda a=adapter, w=work, out=sinks[conn_id], tm=_timeout(conn): _deliver_all(a, w, out, tm),
                          budget)
    delivered = failed = dead = 0
    for conn_id, result in fan_out(calls):
        outcomes = list(sinks[conn_id])  # what finished before a timeout still counts
        d, f, x = _apply_outcomes(s, conn_id, outcomes, t, timed_out=result if isinstance(result, Exception) else None)
        delivered, failed, dead = delivered + d, failed + f, dead + x
    return f"push: {added} enqueued, {delivered} delivered, {failed} failed, {dead} dead-lettered"


def _deliver_all(adapter, work, out: list, timeout: float) -> None:
    """Worker thread: send events in order; stop at the first failure (the vendor is likely
    down, and the rest keep their place for the next run)."""
    for pk, event in work:
        try:
            if event.kind == PLACED:
                placement = adapter.place_order(event, timeout)
                out.append(_Outcome(pk, True, placement.external_ref))
            else:
                adapter.cancel(event, timeout)
                out.append(_Outcome(pk, True))
        except Exception as e:  # noqa: BLE001 — any failure is this event's failed attempt
            out.append(_Outcome(pk, False, error=_message(e)))
            return


def _apply_outcomes(s: Session, conn_id: int, outcomes: list[_Outcome], t: datetime,
                    timed_out: Exception | None) -> tuple[int, int, int]:
    delivered = failed = dead = 0
    last_error = None
    for out in outcomes:
        with db.transaction(s):
            ev = s.get(ProviderEvent, out.event_pk)
            conn = s.get(ProviderConnection, conn_id)
            if ev.status != "pending":
                continue
            if out.ok:
                ev.status, ev.delivered_at, ev.external_ref = "delivered", t, out.external_ref
                ev.attempts += 1
                ev.last_error = ""
                delivered += 1
                if ev.kind == PLACED:
                    _accept_for_vendor(s, conn, ev.order_id)
            else:
                ev.attempts += 1
                ev.last_error = out.error[:2000]
                last_error = out.error
                max_attempts = int(conn.settings.get("max_attempts", 8))
                if ev.attempts >= max_attempts:
                    ev.status, ev.next_attempt_at = "dead", None
                    dead += 1
                    audit.record(s, None, "provider.dead_letter", "provider_event", ev.id,
                                 after={"event_id": ev.event_id, "kind": ev.kind, "order_id": ev.order_id,
                                        "attempts": ev.attempts, "error": ev.last_error})
                else:
                    ev.next_attempt_at = t + timedelta(seconds=webhook.backoff(ev.attempts))
                    failed += 1
            s.add(ev)
    if timed_out is not None and (not outcomes or outcomes[-1].ok):
        last_error = _message(timed_out)  # hung mid-event: that event stays due, no attempt counted
    if outcomes or timed_out is not None:
        _health(s, conn_id, t, f"push: {last_error}" if last_error else None)
    return delivered, failed, dead


def _accept_for_vendor(s: Session, conn: ProviderConnection, order_id: int) -> None:
    """The vendor's system took the order (2xx): that is its acceptance."""
    order = s.get(Order, order_id)
    if order is not None and order.status == OrderStatus.offered:
        orders.accept(s, acting_for(conn), order_id)


# ---- progress back ------------------------------------------------------------------------

def record_progress(s: Session, conn: ProviderConnection, prog: Progress, t: datetime) -> dict:
    """Record one progress report inside the caller's transaction; replays change nothing."""
    order = s.get(Order, prog.order_id)
    if order is None or order.vendor_org_id != conn.vendor_org_id:
        raise ApiError(f"No order {prog.order_id} of this vendor.", status=404, type_="not-found",
                       errors=[{"field": "data.order_id", "message": "not an order of this vendor"}])
    external_id = prog.event_id[:120]
    if prog.total is not None:
        units = min(prog.total, order.units) - order.units_delivered
    else:
        units = prog.units or 0
    if units <= 0:
        return {"order_id": order.id, "recorded": 0, "units_delivered": order.units_delivered}
    if order.status == OrderStatus.offered:
        orders.accept(s, acting_for(conn), order.id)
    when = min(prog.delivered_at or t, t)
    when = max(when, order.created_at)
    d = orders.deliver(s, acting_for(conn), order.id, units=units, delivered_at=when,
                       external_id=external_id, note=f"reported by the {conn.adapter} adapter")
    order = s.get(Order, order.id)
    return {"order_id": order.id, "recorded": d.units, "units_delivered": order.units_delivered}


def poll_progress(s: Session, t: datetime) -> str:
    """Ask each pulling vendor system for progress on its placed, still-open orders."""
    calls = {}
    for conn in _connections(s):
        if conn.adapter == "webhook":
            continue  # webhook vendors call back; there is nothing to poll
        rows = s.exec(select(Order, ProviderEvent.external_ref)
                      .join(ProviderEvent, ProviderEvent.order_id == Order.id)
                      .where(ProviderEvent.connection_id == conn.id, ProviderEvent.kind == PLACED,
                             ProviderEvent.status == "delivered", Order.status.in_(OPEN))
                      .order_by(Order.id))
        infos = [_order_info(o, ref) for o, ref in rows]
        if infos:
            adapter, tm = _adapter(s, conn), _timeout(conn)
            calls[conn.id] = (lambda a=adapter, i=infos, b=tm: a.report_progress(i, b), tm * BUDGET_FACTOR)
    recorded = 0
    for conn_id, result in fan_out(calls):
        if isinstance(result, Exception):
            _health(s, conn_id, t, f"progress: {_message(result)}")
            continue
        problems = []
        for prog in result:
            try:
                with db.transaction(s):
                    conn = s.get(ProviderConnection, conn_id)
                    recorded += record_progress(s, conn, prog, t)["recorded"]
            except ApiError as e:
                problems.append(f"order {prog.order_id}: {e.detail}")
            except IntegrityError:  # recorded meanwhile by a concurrent run: nothing to add
                continue
        _health(s, conn_id, t, ("progress: " + "; ".join(problems)) if problems else None)
    return f"progress: {len(calls)} vendors polled, {recorded} units recorded"


def receive_callback(s: Session, connection_id: int, body: bytes, header: str | None, t: datetime) -> dict:
    """A signed progress callback from a webhook vendor: verify, then record (idempotent)."""
    conn = s.get(ProviderConnection, connection_id)
    if conn is None or conn.adapter != "webhook":
        raise ApiError(f"No webhook connection {connection_id}.", status=404, type_="not-found")
    secrets = webhook.WebhookAdapter(conn.settings).secrets()
    try:
        webhook.verify(body, header, secrets, now=t.timestamp(),
                       tolerance=conn.settings.get("tolerance_seconds", webhook.DEFAULT_TOLERANCE))
    except webhook.SignatureError as e:
        raise ApiError(f"Signature rejected: {e}.", status=401, type_="bad-signature",
                       errors=[{"field": webhook.SIGNATURE_HEADER, "message": str(e)}]) from None
    try:
        prog = webhook.parse_callback(body)
    except webhook.CallbackError as e:
        raise ApiError(f"{e.field}: {e.message}.", status=422, type_="validation",
                       errors=[{"field": e.field, "message": e.message}]) from None
    with db.transaction(s):
        conn = s.get(ProviderConnection, connection_id)
        try:
            out = record_progress(s, conn, prog, t)
        except IntegrityError:  # the same event raced in twice: the other one recorded it
            raise ApiError("This event is being recorded by a concurrent request.", status=409,
                           type_="conflict") from None
        conn.last_success_at = t
        s.add(conn)
    return {"event_id": prog.event_id, **out}


# ---- operator: health and dead letters -----------------------------------------------------

def _operator(p: Principal) -> None:
    if not p.is_operator:
        raise ApiError("Only operators can do that.", status=403, type_="forbidden")


def health(s: Session, p: Principal) -> list[dict]:
    """One line per connected vendor: adapter, last success, last error, outbox counts."""
    stmt = select(ProviderConnection, Org).join(Org, Org.id == ProviderConnection.vendor_org_id)
    if not p.is_operator:
        stmt = stmt.where(ProviderConnection.vendor_org_id == p.org_id)
    counts = {(c, st): n for c, st, n in s.exec(
        select(ProviderEvent.connection_id, ProviderEvent.status, func.count())
        .group_by(ProviderEvent.connection_id, ProviderEvent.status))}
    out = []
    for conn, org in s.exec(stmt.order_by(Org.name)):
        ok = conn.last_success_at is not None and (conn.last_error_at is None or
                                                   conn.last_success_at >= conn.last_error_at)
        state = "ok" if ok else ("failing" if conn.last_error_at else "never reached")
        if conn.adapter == "manual":
            state = "manual"
        out.append({"connection_id": conn.id, "vendor_org_id": org.id, "vendor": org.name,
                    "adapter": conn.adapter, "state": state, "last_success_at": conn.last_success_at,
                    "last_error": conn.last_error, "last_error_at": conn.last_error_at,
                    "pending": counts.get((conn.id, "pending"), 0),
                    "dead": counts.get((conn.id, "dead"), 0)})
    return out


def dead_letters(s: Session, p: Principal, limit: int = 100) -> list[tuple[ProviderEvent, str]]:
    _operator(p)
    rows = s.exec(select(ProviderEvent, Org.name)
                  .join(ProviderConnection, ProviderConnection.id == ProviderEvent.connection_id)
                  .join(Org, Org.id == ProviderConnection.vendor_org_id)
                  .where(ProviderEvent.status == "dead").order_by(ProviderEvent.id.desc()).limit(limit))
    return list(rows)


def replay(s: Session, p: Principal, event_id: str, t: datetime) -> ProviderEvent:
    """Put a dead letter back in the queue, due now, with a fresh count of attempts."""
    _operator(p)
    ev = s.exec(select(ProviderEvent).where(ProviderEvent.event_id == event_id)).first()
    if ev is None:
        raise ApiError(f"No event {event_id}.", status=404, type_="not-found")
    if ev.status != "dead":
        raise ApiError(f"Event {event_id} is {ev.status}; only a dead letter can be replayed.",
                       status=409, type_="conflict")
    before = audit.snapshot(ev)
    ev.status, ev.attempts, ev.next_attempt_at = "pending", 0, t
    s.add(ev)
    audit.record(s, p, "provider.replay", "provider_event", ev.id, before=before, after=audit.snapshot(ev))
    return ev


def _message(e: BaseException) -> str:
    if isinstance(e, ProviderError):
        return str(e)
    return f"{e.__class__.__name__}: {e}"[:500]


def register_jobs(jobs: Jobs) -> None:
    """The scheduler's jobs for vendor systems (each idempotent). A job's slot time only keys
    the run ledger; the work itself is done as of now."""
    jobs.every("providers_sync", lambda s, _slot: sync_catalogs(s, now()), minutes=15)
    jobs.every("providers_push", lambda s, _slot: push(s, now()), minutes=1)
    jobs.every("providers_poll", lambda s, _slot: poll_progress(s, now()), minutes=5)
