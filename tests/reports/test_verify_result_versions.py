"""A published round replays in the result schema version it was stored in: rounds stored
before version 2 (no ``schema_version``) keep verifying, byte for byte; a version the
verifier does not know is a discrepancy, named."""
from __future__ import annotations

import json

from sqlmodel import select

from broker import canonical, db
from broker.fairness import allocate, dumps_result
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


def test_round_stored_as_version_1_still_verifies(app, client, scenario):
    def as_stored_before(rnd):
        v1 = dumps_result(allocate(json.loads(rnd.input_json), version=1))
        assert "schema_version" not in v1 and '"approx"' in v1
        return v1
    _restore(app, as_stored_before)
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
