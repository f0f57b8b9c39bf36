"""The catalog cache after overlapping commits: a price change held open on purpose while a
second one is made and the catalog is read; once both commit, the cached search must show
both (it did not when the version was the largest audit id: on PostgreSQL the second change
committed first under a larger id, and an answer cached before the first commit kept that
version for good)."""
from __future__ import annotations

import threading

from sqlalchemy import event

from broker import db
from broker.access.principal import Principal
from broker.models import OrgKind
from broker.services import prices
from tests.helpers import auth

SEARCH = "/api/v1/offerings?task_type=preference_ranking&sort=id"


def _catalog_prices(client) -> dict[int, int]:
    r = client.get(SEARCH)
    assert r.status_code == 200
    return {item["id"]: item["price"]["amount_minor"] for item in r.json["items"]}


def _uncached_price(client, offering_id) -> int:
    return client.get(f"/api/v1/offerings/{offering_id}").json["current_price"]["amount_minor"]


def test_no_stale_answer_survives_the_later_commit(app, client, clock, market, people):
    a = market.offer(people.vendor_token, price=1000)["id"]
    b = market.offer(people.vendor_token, price=2000)["id"]
    clock.advance(minutes=1)
    assert _catalog_prices(client) == {a: 1000, b: 2000}

    held_open, release, held_done = threading.Event(), threading.Event(), threading.Event()
    vendor = Principal(org_id=people.vendor.id, role=OrgKind.vendor, scopes=frozenset({"catalog:write"}))

    def hold(_session):  # everything is written (audit rows too, staged until now): wait
        held_open.set()
        release.wait(30)

    def held_price_change():  # the first transaction: a slow COMMIT
        with app.app_context():
            s = db.session()
            event.listen(s, "before_commit", hold)
            with db.transaction(s):
                prices.set_price(s, vendor, a, amount_minor=1111, currency="USD", now=clock())
            event.remove(s, "before_commit", hold)
        held_done.set()

    second = {}

    def second_price_change():  # made through the API while the first is still open
        r = app.test_client().post(f"/api/v1/offerings/{b}/prices", json={"amount_minor": 2222, "currency": "USD"},
                                   headers=auth(people.vendor_token))
        second["status"] = r.status_code

    first = threading.Thread(target=held_price_change)
    first.start()
    assert held_open.wait(30)
    other = threading.Thread(target=second_price_change)
    other.start()
    other.join(1.5)  # with the audit-id version it committed here, before the first
    during = _catalog_prices(client)  # read (and cached) while the first is uncommitted
    assert during[a] == 1000
    release.set()
    first.join(30)
    other.join(30)
    assert held_done.is_set() and second["status"] == 201

    after = _catalog_prices(client)
    assert after == {a: 1111, b: 2222}, f"stale catalog after both commits: {after}"
    assert after == {oid: _uncached_price(client, oid) for oid in (a, b)}


def test_every_table_the_catalog_reads_moves_the_version(app, clock, session, make):
    """The triggers cover the tables the search reads (a new one joined in must be added to
    ``CATALOG_TABLES`` and to a migration), and each write there moves the version."""
    import sqlalchemy as sa
    from sqlalchemy.sql import visitors

    from broker.catalog.payfloor import PayFloor
    from broker.models.catalog_version import CATALOG_TABLES
    from broker.periods import period_of
    from broker.services import catalog, catalog_cache

    stmt = catalog._filtered(catalog._base(clock(), period_of(clock())),
                             catalog.Filters(language="en", q="x"), PayFloor())
    read = {el.name for el in visitors.iterate(stmt) if isinstance(el, sa.Table)}
    assert read and read <= set(CATALOG_TABLES), read - set(CATALOG_TABLES)

    if session.get_bind().dialect.name == "postgresql":
        sql = "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid " \
              "WHERE t.tgname = c.relname || '_catalog_changed'"
    else:
        sql = "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE tbl_name || '_catalog_%'"
    assert {r[0] for r in session.connection().execute(sa.text(sql))} == set(CATALOG_TABLES)
    session.rollback()
    before = catalog_cache.PageCache.version(session)
    session.rollback()
    make.org("vendor")  # an org row written: the version moves, in its own committed transaction
    assert catalog_cache.PageCache.version(session) > before
