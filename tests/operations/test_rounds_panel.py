"""The operator's rounds panel: what is due, what ran and when, and what "run now" will do
agree with what "run now" then does; /admin/rounds is a page; dry runs show names."""
from __future__ import annotations

from sqlmodel import select

from broker import db
from broker.models import Round
from broker.periods import cutoff_of, next_period, period_of
from broker.services import operations
from tests.broker.test_rounds_service import submit
from tests.helpers import csrf_from, login


def _operator(client, make):
    login(client, make.user(make.org("operator")).email)


def _setup(app, make, market, clock):
    vendor = make.org("vendor", name="Lumen Label Works")
    p = next_period(period_of(clock()))
    market.offering(vendor, capacity=10, periods=[p], title="Street-scene boxes")
    dev = make.org(name="Tessellate AI")
    rid = submit(app, dev, units=8)
    clock.set(cutoff_of(p, 48))
    return p, rid


def test_panel_says_what_run_now_does_and_then_it_does_it(client, make, market, app, clock):
    p, rid = _setup(app, make, market, clock)
    _operator(client, make)
    page = client.get("/admin").get_data(as_text=True)
    assert "Run the main round of " + p in page and "not run yet" in page
    assert "Run the due rounds now" in page

    # The dry run names the request, the developer, the offering and its vendor.
    token = csrf_from(page)
    dry = client.post("/admin/rounds", data={"csrf_token": token, "action": "dry_run"}).get_data(as_text=True)
    assert f"R-{rid}" in dry and "Tessellate AI" in dry and "Street-scene boxes" in dry and "Lumen Label Works" in dry
    assert "req-" not in dry and "off-" not in dry  # no pseudonyms for the operator
    with app.app_context():
        assert db.session().exec(select(Round)).all() == []

    done = client.post("/admin/rounds", data={"csrf_token": token, "action": "run"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert f"Main round of {p} ran" in text and "8 units in 1 allocation." in text
    # Afterwards the panel says the main round ran and will be skipped, and offers no run when
    # nothing is due: never "due" for a round that "run now" would skip.
    with app.app_context():
        s = db.session()
        ov = operations.overview(s, clock())
        main = s.exec(select(Round).where(Round.kind == "main")).one()
    assert ov.main.ran and ov.main.round.id == main.id and ov.main.units == 8
    assert f"Skip the main round of {p}: it ran at" in text
    for slot in ov.due:
        assert slot.kind == "spot"  # only the spot round can still be due: nothing left to allocate


def test_nothing_due_hides_run_now_and_the_dry_run_shows_the_next_round(client, make, market, app, clock):
    p, _ = _setup(app, make, market, clock)
    _operator(client, make)
    token = csrf_from(client.get("/admin").get_data(as_text=True))
    client.post("/admin/rounds", data={"csrf_token": token, "action": "run"})
    # Run the spot slot too, so that nothing is due.
    with app.app_context():
        s = db.session()
        ov = operations.overview(s, clock())
        if ov.due:
            from broker.services import rounds
            for slot in ov.due:
                rounds.run(s, slot, clock())
        ov = operations.overview(s, clock())
    assert not ov.due
    page = client.get("/admin/rounds").get_data(as_text=True)
    assert "Nothing is due now" in page and 'value="run"' not in page
    assert "Dry run of the next round" in page


def test_rounds_page_lists_history_and_pages_with_the_shared_cursor(client, make, market, app, clock):
    _setup(app, make, market, clock)
    _operator(client, make)
    token = csrf_from(client.get("/admin/rounds").get_data(as_text=True))
    r = client.post("/admin/rounds", data={"csrf_token": token, "action": "run", "back": "rounds"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/admin/rounds")
    page = client.get("/admin/rounds")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "History" in text and "main" in text and "<td>8</td>" not in text  # units are in the units column
    assert client.get("/admin/rounds?cursor=not-a-cursor").status_code == 400
    assert client.get("/admin/rounds?dry_run=1").status_code == 200


def test_rounds_page_is_for_operators(client, make):
    assert client.get("/admin/rounds").status_code == 302
    login(client, make.user(make.org("developer")).email)
    assert client.get("/admin/rounds").status_code == 403
