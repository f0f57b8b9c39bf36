"""The public checks (``parity-verify``): every receipt commitment logged before a round is
accounted for by its input, and nothing else is in it; and what receipts keep private."""
from __future__ import annotations

import json

from sqlmodel import select

from broker import db
from broker.models import LogEntry, RequestReceipt, Round
from broker.tlog import receipts
from tests.receipts.test_developer_check import _market, _mine, drop


def test_edits_and_cancellations_before_the_round_are_followed(world):
    mine = _market(world)
    world.edit(world.me, mine["id"], units=45)
    gone = world.submit(world.others[0], units=5)
    world.cancel(world.others[0], gone["id"])
    world.run_main()
    assert world.public_check() is None
    lines, problems = world.developer_check()
    assert problems == [] and any(f"request {mine['id']} entered" in x and "as its receipt 2 (edited) says" in x
                                  and "of 45 units" in x for x in lines), lines
    with world.app.app_context():
        rnd = json.loads(db.session().exec(select(Round)).one().input_json)
    commitments = {r["receipt"] for r in rnd["requests"]}
    assert len(commitments) == 3  # the cancelled request is not in; the edited one under its second receipt


def test_the_public_check_fails_when_a_request_is_dropped(world, monkeypatch):
    _market(world)
    world.run_main(drop(world), monkeypatch)
    found = world.public_check()
    assert found and "is missing from the input" in found and "submitted" in found


def test_the_public_check_fails_when_a_request_is_added(world, monkeypatch):
    _market(world)

    def add(snap):  # a request nobody submitted: under an existing org, with a made-up commitment
        fake = dict(snap.input["requests"][0], id="req-planted", receipt="sha256:" + "ab" * 32)
        snap.input["requests"].append(fake)
        snap.names.back["req-planted"] = snap.names.back[snap.input["requests"][0]["id"]]

    world.run_main(add, monkeypatch)
    found = world.public_check()
    assert found and "request req-planted carries receipt sha256:abab" in found and "not in the log" in found


def test_the_public_check_fails_when_an_edit_is_ignored(world, monkeypatch):
    mine = _market(world)
    with world.app.app_context():
        old = db.session().exec(select(RequestReceipt.commitment).where(RequestReceipt.request_id == mine["id"])).one()
    world.edit(world.me, mine["id"], units=20)

    def stale(snap):  # the input keeps the request as first submitted
        item = _mine(snap, world)[0]
        item["receipt"], item["units"] = old, 60

    world.run_main(stale, monkeypatch)
    assert "superseded before the round" in world.public_check()
    problems = world.developer_check()[1]
    assert any("missing from round " in p for p in problems), problems


def test_a_commitment_does_not_match_without_its_salt(world):
    mine = _market(world)
    with world.app.app_context():
        row = db.session().exec(select(RequestReceipt).where(RequestReceipt.request_id == mine["id"])).one()
        entry = db.session().exec(select(LogEntry).where(LogEntry.kind == "receipt",
                                                         LogEntry.ref == f"{mine['id']}.1")).one()
    doc = json.loads(row.payload)
    logged = json.loads(entry.body)["commitment"]
    assert receipts.commitment(receipts.payload(doc)) == logged == row.commitment
    # Someone who knows (or guesses) every field but the salt cannot confirm the guess:
    guesses = [{k: v for k, v in doc.items() if k != "salt"}, dict(doc, salt=""), dict(doc, salt=receipts.b64(bytes(32)))]
    guesses += [dict(doc, org=o, salt=receipts.b64(bytes(32))) for o in range(1, 20)]
    assert all(receipts.commitment(receipts.payload(g)) != logged for g in guesses)


def test_the_log_and_round_data_name_no_org_and_no_request(world, client):
    _market(world)
    world.run_main()
    orgs = [world.me, *world.others]
    with world.app.app_context():
        s = db.session()
        bodies = [e.body for e in s.exec(select(LogEntry).order_by(LogEntry.idx))]
        rnd = s.exec(select(Round)).one()
        request_ids = [r.request_id for r in s.exec(select(RequestReceipt))]
    manifests = [json.loads(b) for b in bodies if json.loads(b)["type"] == "receipt"]
    assert len(manifests) == 3
    assert all(set(m) == {"type", "commitment", "previous", "event", "open", "submitted_at"} for m in manifests)
    public = "\n".join(bodies) + rnd.input_json + rnd.output_json
    for org in orgs:
        assert org.name not in public and org.slug not in public
        assert f'"org":{org.id}' not in public and f'"org": {org.id}' not in public
    for rid in request_ids:
        assert f'"request":{rid}' not in public.replace(" ", "")
    # A receipt's proof is given to its developer, not to the public.
    assert client.get(f"/log/proof/receipt/{request_ids[0]}.1.tlog-proof").status_code == 404


def test_pseudonyms_are_told_to_their_org_only(world, client):
    from tests.helpers import auth

    _market(world)
    world.run_main()
    with world.app.app_context():
        rnd = json.loads(db.session().exec(select(Round)).one().input_json)
    mine = client.get("/api/v1/receipts/pseudonyms", headers=auth(world.token(world.me))).json["items"]
    theirs = client.get("/api/v1/receipts/pseudonyms", headers=auth(world.token(world.others[0]))).json["items"]
    assert mine[0]["period"] == world.period and mine[0]["org"] != theirs[0]["org"]
    assert {mine[0]["org"], theirs[0]["org"]} <= {o["id"] for o in rnd["orgs"]}
    assert client.get("/api/v1/receipts/pseudonyms").status_code == 401
    # and a developer sees only its own receipts
    other_rid = next(r["request_id"] for r in client.get("/api/v1/receipts", headers=auth(
        world.token(world.others[0]))).json["items"])
    assert client.get(f"/api/v1/requests/{other_rid}/receipts", headers=auth(world.token(world.me))).status_code == 404


def test_a_request_past_its_deadline_expires_with_a_receipt_at_the_round(world):
    from datetime import timedelta

    from broker.periods import cutoff_of

    late = world.submit(world.me, units=10, deadline=(cutoff_of(world.period, 48) + timedelta(minutes=1)).isoformat())
    _market(world)
    world.run_main()
    with world.app.app_context():
        events = [r.event for r in db.session().exec(select(RequestReceipt).where(
            RequestReceipt.request_id == late["id"]).order_by(RequestReceipt.seq))]
    assert events == ["submitted", "expired"]
    assert world.public_check() is None
    assert world.developer_check()[1] == []
