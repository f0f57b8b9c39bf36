"""Scale-out as documented, with real processes: two gunicorn instances (2 sync workers each)
on different ports sharing one PostgreSQL database, one SECRET_KEY, one key folder and one
Redis for rate limits, behind a (simulated) proxy, so each check can speak from its own
client address. Two more instances with ``memory://`` limits show what Redis is for.

Runs in the PostgreSQL pass when Redis answers too (``TEST_REDIS_URL``, default database 12
of the local server; only that database is flushed); skipped saying why otherwise. The
scheduler half of scale-out (two schedulers, SIGKILL, takeover) is
``test_scheduler_takeover.py``.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa
from sqlalchemy import event

from broker import db, migrate
from broker.access.principal import Principal
from broker.models import OrgKind
from broker.services import prices
from tests.builders import Builders, Market, request_body
from tests.conftest import BACKEND, new_pg_database
from tests.scale import processes
from tests.scale.conftest import REDIS_URL, redis_answers, redis_client

TOKEN_LIMIT = 30  # token requests a minute per address (broker/auth/oauth.py)
SEARCH = "/api/v1/offerings?task_type=annotation&sort=id&limit=50"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(base: str, proc: processes.Process, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.proc.poll() is not None:
            raise AssertionError(f"{proc.name} exited {proc.proc.returncode}:\n{proc.output()[-4000:]}")
        try:
            if requests.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{proc.name} not ready in {timeout}s:\n{proc.output()[-4000:]}")


@pytest.fixture(scope="module")
def cluster(database_template, tmp_path_factory):
    if BACKEND != "postgresql":
        pytest.skip("the scale-out test runs in the PostgreSQL pass (PARITY_TEST_DB=postgresql, "
                    "or `make test` with a PostgreSQL server answering)")
    if not redis_answers():
        pytest.skip(f"the scale-out test needs Redis: none answers at {REDIS_URL} (set TEST_REDIS_URL)")
    redis_client().flushdb()
    try:
        with new_pg_database("parity_scale") as url:
            migrate.upgrade(url)
            yield from _running(url, tmp_path_factory.mktemp("scale"))
    finally:
        redis_client().flushdb()


def _running(url: str, root):
    """Four gunicorn instances on ``url`` (two on Redis, two on memory://) and an app in this
    process for setting up and inspecting; all stopped at the end."""
    shared = {"DATABASE_URL": url, "SECRET_KEY": "one-secret-for-every-host",
              "PARITY_KEYS_PATH": str(root / "keys"), "PARITY_PROXY_HOPS": "1", "LOG_LEVEL": "WARNING"}
    procs, bases = {}, {}
    for host, storage, workers in (("a", REDIS_URL, 2), ("b", REDIS_URL, 2),
                                   ("mem_a", "memory://", 1), ("mem_b", "memory://", 1)):
        port = _free_port()
        env = {**os.environ, **shared, "RATELIMIT_STORAGE_URI": storage,
               "PARITY_INSTANCE_PATH": str(root / f"instance-{host}")}  # each host its own instance folder
        procs[host] = processes.gunicorn(f"web-{host}", port, env, workers=workers)
        bases[host] = f"http://127.0.0.1:{port}"
    from broker.app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": shared["SECRET_KEY"], "KEYS_PATH": shared["PARITY_KEYS_PATH"],
                      "INSTANCE_PATH": str(root / "instance-test"), "RATELIMIT_ENABLED": False, "TESTING": True})
    try:
        for host, proc in procs.items():
            _wait_ready(bases[host], proc)
        make = Builders(app)
        yield SimpleNamespace(app=app, make=make, url=url, procs=procs, **bases,
                              market=Market(app, clock=lambda: datetime.now(timezone.utc)))
    finally:
        processes.kill_all(procs.values())
        app.extensions["db_engine"].dispose()


def _bearer(token: str, address: str = "192.0.2.1") -> dict:
    return {"Authorization": f"Bearer {token}", "X-Forwarded-For": address}


def _token(base: str, client_id: str, secret: str, address: str) -> requests.Response:
    return requests.post(base + "/oauth/token", data={"grant_type": "client_credentials"},
                         auth=(client_id, secret), headers={"X-Forwarded-For": address}, timeout=30)


def _catalog(base: str) -> dict[int, int]:
    r = requests.get(base + SEARCH, timeout=30)
    assert r.status_code == 200, r.text
    return {i["id"]: i["price"]["amount_minor"] for i in r.json()["items"]}


def _catalog_reads(base: str, n: int = 6) -> list[dict[int, int]]:
    """Several reads: each gunicorn worker of the instance keeps its own cache."""
    return [_catalog(base) for _ in range(n)]


def _set_price(base: str, token: str, offering_id: int, amount: int) -> int:
    r = requests.post(f"{base}/api/v1/offerings/{offering_id}/prices", json={"amount_minor": amount, "currency": "USD"},
                      headers=_bearer(token), timeout=60)
    return r.status_code


def test_a_write_through_one_instance_is_read_through_the_other_at_once(cluster):
    vendor = cluster.make.org("vendor", name="Scale Vendor")
    token = cluster.make.token(vendor)
    one = cluster.market.offering(vendor, price=1000).id
    two = cluster.market.offering(vendor, price=2000).id
    assert all(r == {one: 1000, two: 2000} for r in _catalog_reads(cluster.b)), "B's caches warmed"

    assert _set_price(cluster.a, token, one, 1100) == 201
    assert all(r[one] == 1100 for r in _catalog_reads(cluster.b)), "B served the price before A's write"

    # Two overlapping commits: one held open in this process after all its rows (and audit
    # entries) are written, the other made through A meanwhile; B is read in between.
    held_open, release = threading.Event(), threading.Event()
    principal = Principal(org_id=vendor.id, role=OrgKind.vendor, scopes=frozenset({"catalog:write"}))

    def hold(_session):
        held_open.set()
        release.wait(30)

    def held_change():
        with cluster.app.app_context():
            s = db.session()
            event.listen(s, "before_commit", hold)
            with db.transaction(s):
                prices.set_price(s, principal, one, amount_minor=1200, currency="USD",
                                 now=datetime.now(timezone.utc))

    result = {}
    first = threading.Thread(target=held_change)
    first.start()
    assert held_open.wait(30)
    second = threading.Thread(target=lambda: result.update(status=_set_price(cluster.a, token, two, 2200)))
    second.start()
    second.join(1.5)
    during = _catalog_reads(cluster.b, 4)
    assert all(r[one] == 1100 for r in during)  # nothing of the held change is visible yet
    release.set()
    first.join(30)
    second.join(60)
    assert result["status"] == 201
    after = _catalog_reads(cluster.b)
    assert all(r == {one: 1200, two: 2200} for r in after), f"stale after both commits: {after}"
    single = requests.get(f"{cluster.b}/api/v1/offerings/{one}", timeout=30).json()
    assert single["current_price"]["amount_minor"] == 1200


def test_a_token_from_one_instance_works_on_the_other_and_revocation_reaches_both(cluster):
    dev = cluster.make.org("developer", name="Token Lab")
    cid, secret = cluster.make.client_credentials(dev)
    for issuer, other in ((cluster.a, cluster.b), (cluster.b, cluster.a)):
        r = _token(issuer, cid, secret, "192.0.2.10")
        assert r.status_code == 200, r.text
        token = r.json()["access_token"]
        assert requests.get(other + "/api/v1/me", headers=_bearer(token), timeout=30).status_code == 200
        revoked = requests.post(issuer + "/oauth/revoke", data={"token": token}, auth=(cid, secret), timeout=30)
        assert revoked.status_code == 200
        assert requests.get(other + "/api/v1/me", headers=_bearer(token), timeout=30).status_code == 401
        assert requests.get(issuer + "/api/v1/me", headers=_bearer(token), timeout=30).status_code == 401


def _count_requests(cluster, org_id: int) -> int:
    with cluster.app.app_context():
        return db.session().connection().execute(
            sa.text("SELECT count(*) FROM capacity_request WHERE org_id = :o"), {"o": org_id}).scalar()


def test_one_idempotency_key_sent_to_both_instances_at_once_creates_one_request(cluster):
    cluster.market.offering(cluster.make.org("vendor", name="Idem Vendor"))
    dev = cluster.make.org("developer", name="Idem Lab")
    token = cluster.make.token(dev)
    keys = [f"both-{i}" for i in range(6)]
    barrier = threading.Barrier(2)

    def send(base, key):
        barrier.wait(10)
        return requests.post(base + "/api/v1/requests", json=request_body(units=3),
                             headers={**_bearer(token), "Idempotency-Key": key}, timeout=60)

    with ThreadPoolExecutor(max_workers=2) as pool:
        for key in keys:
            answers = list(pool.map(send, (cluster.a, cluster.b), (key, key)))
            assert [r.status_code for r in answers] == [201, 201], [r.text for r in answers]
            assert answers[0].json()["id"] == answers[1].json()["id"]
            # created through one instance, read through the other at once
            for base in (cluster.a, cluster.b):
                got = requests.get(f"{base}/api/v1/requests/{answers[0].json()['id']}", headers=_bearer(token), timeout=30)
                assert got.status_code == 200, got.text
    assert _count_requests(cluster, dev.id) == len(keys)


def test_200_concurrent_submissions_split_across_both_create_exactly_200(cluster):
    cluster.market.offering(cluster.make.org("vendor", name="Load Vendor"))
    devs = [cluster.make.org("developer", name=f"Load Lab {i}") for i in range(4)]
    tokens = [cluster.make.token(d) for d in devs]

    def submit(i):
        base = (cluster.a, cluster.b)[i % 2]
        r = requests.post(base + "/api/v1/requests", json=request_body(units=1 + i % 9),
                          headers={**_bearer(tokens[i % 4]), "Idempotency-Key": f"load-{i}"}, timeout=120)
        return r.status_code

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=24) as pool:
        codes = list(pool.map(submit, range(200)))
    took = time.monotonic() - started
    assert not [c for c in codes if c >= 500], sorted(set(codes))
    assert codes.count(201) == 200, sorted(set(codes))
    assert sum(_count_requests(cluster, d.id) for d in devs) == 200
    print(f"200 submissions over two instances in {took:.1f}s")


def _admitted(bases: tuple[str, str], cid: str, secret: str, address: str, n: int) -> list[int]:
    """``n`` token requests from one client address, alternating instances, 8 at a time."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda i: _token(bases[i % 2], cid, secret, address).status_code, range(n)))


def test_a_rate_limit_holds_across_both_instances_and_not_with_memory_storage(cluster):
    dev = cluster.make.org("developer", name="Limit Lab")
    cid, secret = cluster.make.client_credentials(dev)
    n = TOKEN_LIMIT + 15
    shared = _admitted((cluster.a, cluster.b), cid, secret, "198.51.100.7", n)
    assert shared.count(200) == TOKEN_LIMIT and shared.count(429) == n - TOKEN_LIMIT, shared

    # The same check against two instances counting in memory: each admits the limit, so
    # together they admit more than it (the check above can fail).
    apart = _admitted((cluster.mem_a, cluster.mem_b), cid, secret, "198.51.100.8", n)
    assert apart.count(200) > TOKEN_LIMIT, apart
    print(f"token limit {TOKEN_LIMIT}/min, {n} tries: Redis admitted {shared.count(200)}, "
          f"memory:// admitted {apart.count(200)}")
