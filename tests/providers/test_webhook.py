"""The webhook adapter against a real vendor HTTP server on 127.0.0.1: signed delivery, signed
callbacks (forged and replayed ones refused), retries until the vendor is back with every
order delivered exactly once, dead letters and their replay, and a hanging vendor that does
not hold up the others."""
from __future__ import annotations

import json
import time

from sqlmodel import select

from broker import db
from broker.models import AuditEntry, Capacity, Delivery, Order, OrderStatus, ProviderConnection, ProviderEvent
from broker.periods import period_of
from broker.services import vendor_systems as svc
from providers import webhook
from tests.helpers import auth
from tests.providers.conftest import OLD_SECRET, SECRET
from tests.providers.vendor_server import VendorSystem


def _events(app, **where):
    with app.app_context():
        stmt = select(ProviderEvent).order_by(ProviderEvent.id)
        for k, v in where.items():
            stmt = stmt.where(getattr(ProviderEvent, k) == v)
        return list(db.session().exec(stmt))


def test_order_is_pushed_signed_and_accepted(app, client, make, shop, clock):
    vendor, dev = shop.vendor(), make.org()
    token = make.token(vendor.org)
    with VendorSystem([SECRET]) as system:
        r = client.put("/api/v1/providers/connection", headers=auth(token), json={
            "adapter": "webhook",
            "settings": {"url": system.url + "/parity", "secret_envs": ["PARITY_PROVIDER_ACME_SECRET"]}})
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.json["callback_url"].endswith(f"/api/v1/providers/{r.json['id']}/callbacks")
        order_id = shop.order(vendor, dev, units=12)

        summary = shop.run(svc.push, clock())
        assert "1 delivered" in summary
        assert system.orders_processed() == [order_id]
        req = system.received[0]
        # The vendor's own verification succeeded (it answered 200), and the header is the documented one.
        header = req["headers"]["Parity-Signature"]
        t = int(header.split(",")[0][2:])
        assert webhook.verify(req["body"], header, [SECRET], now=t) == t
        doc = json.loads(req["body"])
        assert doc["type"] == "order.placed" and doc["data"]["order"]["units"] == 12
        assert req["headers"]["Parity-Event-Id"] == doc["id"]
        # Running again sends nothing new: the order is enqueued once.
        assert "0 enqueued, 0 delivered" in shop.run(svc.push, clock())
        assert len(system.received) == 1

    order = shop.get(Order, order_id)
    assert order.status == OrderStatus.accepted  # the vendor system's 2xx is its acceptance
    ev = _events(app)[0]
    assert ev.status == "delivered" and ev.external_ref == f"job-{order_id}" and ev.attempts == 1
    conn = shop.get(ProviderConnection, ev.connection_id)
    assert conn.last_success_at == clock() and conn.last_error == ""


def test_key_rotation_old_and_new_secret_both_verify(shop, make, clock):
    vendor, dev = shop.vendor(), make.org()
    shop.connect(vendor, "webhook", url="http://127.0.0.1:1/x",
                 secret_envs=["PARITY_PROVIDER_ACME_SECRET", "PARITY_PROVIDER_ACME_OLD"])
    order_id = shop.order(vendor, dev)
    with VendorSystem([OLD_SECRET]) as old_side:  # a vendor that has not rotated yet
        with shop.app.app_context(), db.transaction(db.session()) as s:
            conn = s.exec(select(ProviderConnection)).one()
            conn.settings = dict(conn.settings, url=old_side.url)
            s.add(conn)
        shop.run(svc.push, clock())
        assert old_side.orders_processed() == [order_id]
        header = old_side.received[0]["headers"]["Parity-Signature"]
        assert header.count("v1=") == 2  # signed with both active secrets during the rotation


def _signed(body: dict, secret: str, t: int) -> tuple[bytes, dict]:
    raw = json.dumps(body).encode()
    return raw, {"Parity-Signature": webhook.sign(raw, [secret], t), "Content-Type": "application/json"}


def test_signed_callbacks_record_progress_and_forged_or_replayed_ones_are_refused(app, client, make, shop, clock):
    vendor, dev = shop.vendor(), make.org()
    conn_id = shop.connect(vendor, "webhook", url="https://vendor.example/hooks",
                           secret_envs=["PARITY_PROVIDER_ACME_SECRET"])
    order_id = shop.order(vendor, dev, units=10)
    url = f"/api/v1/providers/{conn_id}/callbacks"
    now_ts = int(clock().timestamp())
    event = {"id": "vp_1", "type": "order.progress", "data": {"order_id": order_id, "units": 4}}

    raw, headers = _signed(event, SECRET, now_ts)
    r = client.post(url, data=raw, headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["recorded"] == 4 and r.json["units_delivered"] == 4

    # The same event again (a retry within the window) is recognised: nothing counted twice.
    r = client.post(url, data=raw, headers=headers)
    assert r.status_code == 200 and r.json["units_delivered"] == 4

    def refused(raw_body, hdrs, why):
        r = client.post(url, data=raw_body, headers=hdrs)
        assert r.status_code == 401, (why, r.get_data(as_text=True))
        assert r.headers["Content-Type"].startswith("application/problem+json")

    forged_event = {"id": "vp_2", "type": "order.progress", "data": {"order_id": order_id, "units": 6}}
    refused(*_signed(forged_event, "not-the-secret", now_ts), "wrong key")
    raw2, hdr2 = _signed(forged_event, SECRET, now_ts)
    refused(raw2.replace(b'"units": 6', b'"units": 5'), hdr2, "body changed after signing")
    refused(raw2, {"Content-Type": "application/json"}, "no signature")
    # A captured, correctly signed message replayed after the window closes.
    clock.advance(seconds=301)
    refused(raw2, hdr2, "replayed outside the window")
    # Re-signing the captured body with a fresh timestamp needs the secret: old MAC fails.
    stale_mac = hdr2["Parity-Signature"].split(",")[1]
    refused(raw2, {"Parity-Signature": f"t={int(clock().timestamp())},{stale_mac}",
                   "Content-Type": "application/json"}, "timestamp swapped")

    with app.app_context():
        s = db.session()
        assert [d.units for d in s.exec(select(Delivery))] == [4]
        assert s.get(Order, order_id).units_delivered == 4
        assert s.exec(select(AuditEntry).where(AuditEntry.action == "delivery.record")).one().actor_client_id \
            == "provider:webhook"

    # A cumulative report ("total") after the window is fine when freshly signed.
    raw3, hdr3 = _signed({"id": "vp_3", "type": "order.progress", "data": {"order_id": order_id, "total": 10}},
                         SECRET, int(clock().timestamp()))
    r = client.post(url, data=raw3, headers=hdr3)
    assert r.status_code == 200 and r.json["recorded"] == 6
    assert shop.get(Order, order_id).status == OrderStatus.delivered


def test_callback_for_another_vendors_order_or_bad_body_is_refused(client, make, shop, clock):
    v1, v2, dev = shop.vendor(), shop.vendor(), make.org()
    conn_id = shop.connect(v1, "webhook", url="https://a.example/h", secret_envs=["PARITY_PROVIDER_ACME_SECRET"])
    theirs = shop.order(v2, dev)
    t = int(clock().timestamp())
    raw, h = _signed({"id": "x1", "type": "order.progress", "data": {"order_id": theirs, "units": 1}}, SECRET, t)
    r = client.post(f"/api/v1/providers/{conn_id}/callbacks", data=raw, headers=h)
    assert r.status_code == 404
    raw, h = _signed({"id": "x2", "type": "order.progress", "data": {"order_id": theirs, "units": True}}, SECRET, t)
    r = client.post(f"/api/v1/providers/{conn_id}/callbacks", data=raw, headers=h)
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "data.units"
    assert shop.get(Order, theirs).units_delivered == 0


def test_vendor_down_then_back_every_order_delivered_exactly_once(app, make, shop, clock):
    vendor, dev = shop.vendor(), make.org()
    with VendorSystem([SECRET]) as system:
        shop.connect(vendor, "webhook", url=system.url, secret_envs=["PARITY_PROVIDER_ACME_SECRET"],
                     max_attempts=10)
        ids = [shop.order(vendor, dev, units=5) for _ in range(3)]
        system.fail_next = 7  # down for seven attempts
        system.ack_lost_next = 1  # then it saves one event but the answer is lost
        waits: dict[str, list[float]] = {}  # per event: the wait after each failed attempt
        runs = 0
        while runs == 0 or (runs < 30 and any(e.status != "delivered" for e in _events(app))):
            runs += 1
            shop.run(svc.push, clock())
            events = _events(app)
            for e in events:
                w = waits.setdefault(e.event_id, [])
                if e.status == "pending" and e.attempts > len(w):
                    w.append((e.next_attempt_at - clock()).total_seconds())
            pending = [e for e in events if e.status == "pending"]
            if pending:
                clock.set(max(clock(), min(e.next_attempt_at for e in pending)))
        events = _events(app)
        assert {e.status for e in events} == {"delivered"}
        assert system.orders_processed() == sorted(ids)  # each order applied once by the vendor
        assert len(system.received) > len(ids)  # there were retries…
        sent_ids = [json.loads(r["body"])["id"] for r in system.received if r["body"]]
        assert set(sent_ids) == {e.event_id for e in events}  # …always with the same event ids
        # Exponential with jitter: 30 s base, half of each wait random, doubling per failure.
        assert max(len(w) for w in waits.values()) >= 2
        for w in waits.values():
            assert all(30 * 2 ** i / 2 <= x <= 30 * 2 ** i for i, x in enumerate(w)), w
    with app.app_context():
        assert all(db.session().get(Order, i).status == OrderStatus.accepted for i in ids)


def test_dead_letter_after_max_attempts_then_operator_replays(app, client, make, shop, clock):
    vendor, dev = shop.vendor(), make.org()
    operator = make.org("operator")
    with VendorSystem([SECRET]) as system:
        shop.connect(vendor, "webhook", url=system.url, secret_envs=["PARITY_PROVIDER_ACME_SECRET"], max_attempts=3)
        order_id = shop.order(vendor, dev)
        system.fail_next = 1000
        for _ in range(3):
            shop.run(svc.push, clock())
            clock.advance(hours=2)
        (ev,) = _events(app)
        assert ev.status == "dead" and ev.attempts == 3 and "HTTP 503" in ev.last_error
        admin = make.token(operator, ["admin"])  # issued now: the clock moved hours ahead

        r = client.get("/api/v1/providers/health", headers=auth(admin))
        assert r.status_code == 200, r.get_data(as_text=True)
        health = r.json["items"]
        assert health[0]["state"] == "failing" and health[0]["dead"] == 1
        assert "HTTP 503" in health[0]["last_error"]
        dead = client.get("/api/v1/providers/dead-letters", headers=auth(admin)).json["items"]
        assert [d["event_id"] for d in dead] == [ev.event_id]
        assert client.get("/api/v1/providers/dead-letters", headers=auth(make.token(vendor.org))).status_code == 403

        system.fail_next = 0
        r = client.post(f"/api/v1/providers/dead-letters/{ev.event_id}/replay", headers=auth(admin))
        assert r.status_code == 200 and r.json["status"] == "pending"
        again = client.post(f"/api/v1/providers/dead-letters/{ev.event_id}/replay", headers=auth(admin))
        assert again.status_code == 409
        shop.run(svc.push, clock())
        assert system.orders_processed() == [order_id]
    (ev,) = _events(app)
    assert ev.status == "delivered"
    health = client.get("/api/v1/providers/health", headers=auth(admin)).json["items"]
    assert health[0]["state"] == "ok" and health[0]["dead"] == 0


def test_a_hanging_vendor_does_not_hold_up_the_others(app, make, shop, clock):
    slow_vendor, fast_vendor = shop.vendor("Slow Co"), shop.vendor("Fast Co")
    period = period_of(clock())
    with VendorSystem([SECRET]) as slow, VendorSystem([SECRET]) as fast:
        slow.hang_seconds = 4
        fast.catalog = {"offerings": [fast_vendor.offering_id],
                        "capacity": [{"offering_id": fast_vendor.offering_id, "period": period, "units": 250}]}
        shop.connect(slow_vendor, "webhook", url=slow.url, catalog_url=slow.url + "/catalog",
                     secret_envs=["PARITY_PROVIDER_ACME_SECRET"], timeout_seconds=0.3)
        shop.connect(fast_vendor, "webhook", url=fast.url, catalog_url=fast.url + "/catalog",
                     secret_envs=["PARITY_PROVIDER_ACME_SECRET"], timeout_seconds=5)
        started = time.monotonic()
        summary = shop.run(svc.sync_catalogs, clock())
        elapsed = time.monotonic() - started
    assert elapsed < 3.0, elapsed  # not the slow vendor's 4 s
    assert "ok 1" in summary and "failed 1" in summary
    with app.app_context():
        s = db.session()
        cap = s.exec(select(Capacity).where(Capacity.offering_id == fast_vendor.offering_id,
                                            Capacity.period == period)).one()
        assert cap.units == 250
        conns = {c.vendor_org_id: c for c in s.exec(select(ProviderConnection))}
    assert conns[fast_vendor.id].last_success_at == clock()
    assert conns[slow_vendor.id].last_success_at is None and "no answer" in conns[slow_vendor.id].last_error


def test_catalog_sync_refuses_capacity_for_offerings_of_other_vendors(app, make, shop, clock):
    mine, other = shop.vendor(), shop.vendor()
    with VendorSystem([SECRET]) as system:
        system.catalog = {"capacity": [{"offering_id": other.offering_id, "period": period_of(clock()), "units": 1}]}
        shop.connect(mine, "webhook", url=system.url, catalog_url=system.url,
                     secret_envs=["PARITY_PROVIDER_ACME_SECRET"])
        shop.run(svc.sync_catalogs, clock())
    with app.app_context():
        s = db.session()
        assert s.exec(select(Capacity).where(Capacity.offering_id == other.offering_id)).one().units == 100
        conn = s.exec(select(ProviderConnection)).one()
        assert "not one of this vendor's" in conn.last_error


def test_connection_settings_are_validated_and_secrets_never_stored(client, make, shop):
    vendor = shop.vendor()
    token = make.token(vendor.org)

    def put(settings, adapter="webhook"):
        return client.put("/api/v1/providers/connection", headers=auth(token),
                          json={"adapter": adapter, "settings": settings})

    r = put({"url": "https://v.example/h", "secret_envs": ["SECRET_KEY"]})
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "settings.secret_envs"
    r = put({"url": "ftp://v.example/h", "secret_envs": ["PARITY_PROVIDER_ACME_SECRET"]})
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "settings.url"
    r = put({"url": "https://v.example/h", "secret_envs": ["PARITY_PROVIDER_ACME_SECRET"], "secret": "x"})
    assert r.status_code == 422 and r.json["errors"][0]["field"] == "settings.secret"
    r = put({"base_url": "https://ls.example", "token_env": "STRIPE_API_KEY"}, adapter="labelstudio")
    assert r.status_code == 422
    assert client.get("/api/v1/providers/connection", headers=auth(token)).status_code == 404
    dev_token = make.token(make.org())
    assert client.put("/api/v1/providers/connection", headers=auth(dev_token),
                      json={"adapter": "manual", "settings": {}}).status_code == 403
    r = put({"url": "https://v.example/h", "secret_envs": ["PARITY_PROVIDER_ACME_SECRET"]})
    assert r.status_code == 200 and SECRET not in r.get_data(as_text=True)
