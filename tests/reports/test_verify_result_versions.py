"""A published round replays in the result schema version it was stored in: rounds stored
before version 2 (no ``schema_version``) keep verifying, byte for byte; a version the
verifier does not know is a discrepancy, named."""
from __future__ import annotations

import json

import pytest
from sqlmodel import select

from broker import canonical, db
from broker.fairness import dumps_result
from broker.models import Round
from tests.reports.helpers import client_source, publish_all, run_verify


def _restore(app, rewrite) -> int:
    """Rewrite the first round's stored output (and its digest) as ``rewrite`` gives it."""
    with app.app_context():
        s = db.session()
        rnd = s.exec(select(Round).order_by(Round.id)).first()
        rnd.output_json = rewrite(rnd)
        rnd.output_digest = canonical.digest(rnd.output_json.encode("utf-8"))
        s.add(rnd)
        s.commit()
        return rnd.id


@pytest.fixture
def market(market, request):
    """The scenario's rounds stored in the result version a test names (its log entries with
    them, as when those rounds ran: the log never takes a rewritten round)."""
    marker = request.node.get_closest_marker("result_version")
    if marker:
        market.result_version = marker.args[0]
    return market


@pytest.mark.result_version(1)
def test_round_stored_as_version_1_still_verifies(app, client, scenario):
    with app.app_context():
        stored = [r.output_json for r in db.session().exec(select(Round))]
    assert stored and all("schema_version" not in o and '"approx"' in o for o in stored)
    publish_all(app)
    assert run_verify(client_source(client)) == (0, "OK")


def test_unknown_result_version_is_named(app, client, scenario):
    def from_the_future(rnd):
        doc = json.loads(rnd.output_json)
        doc["schema_version"] = 3
        return dumps_result(doc)
    rid = _restore(app, from_the_future)
    publish_all(app)
    code, message = run_verify(client_source(client))
    assert code == 1 and f"round {rid} output has result schema version 3" in message
