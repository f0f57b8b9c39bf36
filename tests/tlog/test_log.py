"""The log service and its public routes: entries appended with what they describe, never
changed; checkpoints, tiles, proofs and keys as C2SP says; the verify command online, offline,
``--since``, and failing with the divergence named after a rewritten entry."""
from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest
import sqlalchemy as sa
from sqlmodel import select

from broker import db
from broker.models import LogCheckpoint, LogEntry
from broker.reports import log_signing, verify
from broker.tlog import entries, merkle, note
from broker.tlog import service as tlog
from tests.helpers import auth
from tests.reports.conftest import PERIOD
from tests.reports.helpers import client_source, publish_all, publish_period, run_verify


def forged_checkpoint(app, saved_note: str) -> str:
    """A checkpoint signed with the log's real key at a saved size over another root: what an
    operator who rewrote history would sign."""
    cp = note.unverified_checkpoint(saved_note)
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            _kid, key = log_signing._signer(s, app.config["KEYS_PATH"])
    fake = note.Checkpoint(cp.origin, cp.size, hashlib.sha256(b"another history").digest())
    return note.sign(fake.text(), cp.origin, key)


def _entries(app) -> list[LogEntry]:
    with app.app_context():
        return list(db.session().exec(select(LogEntry).order_by(LogEntry.idx)))


def test_reports_and_rounds_are_logged_as_they_are_published(app, client, scenario):
    publish_all(app)
    rows = _entries(app)
    assert [r.idx for r in rows] == list(range(len(rows)))
    bodies = {r.body.encode() for r in rows}
    for item in client.get("/api/v1/reports").json["items"]:
        assert entries.report(item["id"], item["series"], item["period"], item["digest"]) in bodies
    for item in client.get("/api/v1/rounds").json["items"]:
        assert entries.round_(item["id"], item["period"], item["kind"], item["input_digest"],
                              item["output_digest"]) in bodies
    kinds = [r.kind for r in rows]
    assert kinds.count("round") == 2 and kinds.count("report") == 3 and "price_file" in kinds
    # the rounds ran before the reports were published: the log keeps that order
    assert max(i for i, k in enumerate(kinds) if k == "round") < min(i for i, k in enumerate(kinds) if k == "report")


def test_an_entry_exists_only_with_its_transaction(app):
    with app.app_context():
        s = db.session()
        with pytest.raises(RuntimeError):
            with db.transaction(s):
                tlog.append(s, "policy", 7, b'{"type":"policy"}')
                raise RuntimeError("the policy change failed")
    assert _entries(app) == []


@pytest.mark.parametrize("sql", ["UPDATE tlog_entry SET body = '{}'", "DELETE FROM tlog_entry",
                                 "UPDATE tlog_checkpoint SET size = 0", "DELETE FROM price_file"])
def test_log_rows_are_never_changed(app, scenario, sql):
    publish_all(app)
    with app.app_context():
        s = db.session()
        with pytest.raises(sa.exc.DBAPIError, match="append-only"):
            with db.transaction(s):
                s.exec(sa.text(sql))


def test_policy_versions_are_logged(app, client, make):
    op = make.token(make.org("operator"))
    r = client.post("/api/v1/policy", json={"changes": {"max_reserved_share": 0.25}, "reason": "scarce capacity"},
                    headers=auth(op))
    assert r.status_code == 201
    (row,) = _entries(app)
    doc = json.loads(row.body)
    assert doc["type"] == "policy" and doc["version"] == 1 and doc["effective_period"] == r.json["effective_period"]


def test_public_routes(app, client, scenario):
    publish_all(app)
    cp = client.get("/log/checkpoint")
    assert cp.status_code == 200 and cp.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in cp.headers["Cache-Control"]
    jwks = client.get("/.well-known/jwks.json").json
    (vkey,) = [k["note_verifier_key"] for k in jwks["keys"] if "note_verifier_key" in k]
    checkpoint = note.open_checkpoint(cp.get_data(as_text=True), note.parse_verifier_key(vkey))
    assert checkpoint.origin == "parity.localhost/log" and vkey.startswith("parity.localhost/log+")
    assert vkey in client.get("/log/").get_data(as_text=True)
    size = checkpoint.size
    assert size < 256
    tile = client.get(f"/log/tile/0/000.p/{size}")
    assert tile.status_code == 200 and len(tile.data) == 32 * size
    assert tile.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert tile.mimetype == "application/octet-stream"
    bundle = merkle.unbundle(client.get(f"/log/tile/entries/000.p/{size}").data)
    assert [merkle.leaf_hash(e) for e in bundle] == [tile.data[i:i + 32] for i in range(0, len(tile.data), 32)]
    assert merkle.Tree(merkle.leaf_hash(e) for e in bundle).root() == checkpoint.root
    for bad in (f"/log/tile/0/000.p/{size + 1}", "/log/tile/0/000", "/log/tile/1/000.p/1", "/log/tile/0/5",
                "/log/tile/entries/001.p/1", "/log/proof/report/999.tlog-proof", "/log/proof/nope/1.tlog-proof"):
        r = client.get(bad)
        assert r.status_code == 404 and r.mimetype == "application/problem+json", bad
    item = client.get("/api/v1/reports").json["items"][0]
    proof = note.parse_proof(client.get(item["links"]["tlog_proof"]).get_data(as_text=True))
    leaf = merkle.leaf_hash(entries.report(item["id"], item["series"], item["period"], item["digest"]))
    merkle.verify_inclusion(proof.index, size, leaf, proof.hashes, checkpoint.root)
    page = client.get(item["links"]["html"]).get_data(as_text=True)
    assert item["links"]["tlog_proof"] in page


def test_a_sealed_price_file_is_served_as_logged(app, client, scenario):
    publish_all(app)
    row = next(r for r in _entries(app) if r.kind == "price_file")
    day = json.loads(row.body)["date"]
    r = client.get(f"/prices/{day}.json")
    assert json.loads(row.body)["digest"] == "sha256:" + hashlib.sha256(r.data).hexdigest()
    assert r.headers["Link"] == f'</log/proof/price_file/{day}.tlog-proof>; rel="tlog-proof"'
    assert client.get(f"/log/proof/price_file/{day}.tlog-proof").status_code == 200


def test_checkpoints_are_signed_when_the_log_grows_and_never_over_another_history(app, scenario, clock):
    publish_all(app)
    with app.app_context():
        s = db.session()
        assert log_signing.sign_checkpoint(s, keys_path=app.config["KEYS_PATH"], config=app.config) is None
        clock.advance(days=1, minutes=1)
        again = log_signing.sign_checkpoint(s, keys_path=app.config["KEYS_PATH"], config=app.config)
        assert again is not None  # re-signed daily even when nothing was added
        with db.transaction(s):
            tlog.append(s, "policy", 9, entries.policy(9, "2026-W50", {"x": 1}))
        grown = log_signing.sign_checkpoint(s, keys_path=app.config["KEYS_PATH"], config=app.config)
        assert grown.size == again.size + 1
        assert len(s.exec(select(LogCheckpoint)).all()) == 3


def test_verify_online_offline_and_since(app, client, scenario, tmp_path, capsys):
    publish_all(app)
    folder = tmp_path / "first"
    verify.download(client_source(client), folder)
    assert verify.main([str(folder), "-q"]) == 0
    out = capsys.readouterr().out
    assert "every report and round included" in out
    publish_period(app, PERIOD, correction="recount")
    code, message = _verify_since(client, folder / "log" / "checkpoint")
    assert (code, message) == (0, "OK")


def _verify_since(client, saved) -> tuple[int, str]:
    v = verify.Verifier(client_source(client))
    v.saved = verify.audit.read_saved(saved)
    try:
        v.run()
        return 0, "OK"
    except verify.Discrepancy as d:
        return 1, str(d)


def _rewrite_copy(app, tmp_path, idx: int) -> str:
    """A copy of the database in which entry ``idx`` was rewritten and a checkpoint signed over
    the rewritten log, as an operator rewriting history would; returns an app serving it."""
    src = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    copy = tmp_path / "rewritten.sqlite3"
    with sqlite3.connect(src) as original, sqlite3.connect(copy) as con:
        original.backup(con)  # WAL-safe copy
    con = sqlite3.connect(copy)
    con.execute("DROP TRIGGER tlog_entry_no_update")
    body = con.execute("SELECT body FROM tlog_entry WHERE idx = ?", (idx,)).fetchone()[0]
    doc = json.loads(body)
    doc["digest"] = "sha256:" + "0" * 64
    new = entries.report(doc["id"], doc["series"], doc["period"], doc["digest"]) if doc["type"] == "report" \
        else json.dumps(doc).encode()
    con.execute("UPDATE tlog_entry SET body = ?, leaf_hash = ? WHERE idx = ?",
                (new.decode(), merkle.leaf_hash(new).hex(), idx))
    leaves = [bytes.fromhex(h) for (h,) in con.execute("SELECT leaf_hash FROM tlog_entry ORDER BY idx")]
    con.commit()
    con.close()
    from broker.app import create_app
    forged = create_app({**{k: app.config[k] for k in ("TESTING", "INSTANCE_PATH", "SECRET_KEY")},
                         "DATABASE_URL": f"sqlite:///{copy}"})
    with forged.app_context():
        s = db.session()
        with db.transaction(s):
            kid, key = log_signing._signer(s, forged.config["KEYS_PATH"])
            cp = note.Checkpoint("parity.localhost/log", len(leaves), merkle.Tree(leaves).root())
            s.add(LogCheckpoint(size=cp.size, root_hash=cp.root.hex(), kid=kid,
                                note=note.sign(cp.text(), cp.origin, key)))
    return forged


def test_a_rewritten_entry_fails_naming_where_the_histories_diverge(app, client, scenario, tmp_path):
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        pytest.skip("copies the SQLite file")
    publish_all(app)
    folder = tmp_path / "saved"
    verify.download(client_source(client), folder)
    rows = _entries(app)
    idx = next(r.idx for r in rows if r.kind == "round")
    forged = _rewrite_copy(app, tmp_path, idx)
    code, message = _verify_since(forged.test_client(), folder / "log" / "checkpoint")
    assert code == 1
    assert message.startswith("transparency log: the log's history diverges from the checkpoint saved earlier "
                              f"(size {len(rows)}) at tree size {idx + 1}: entry {idx} is now "), message
    # Without the saved checkpoint, the round's own manifest is not in the log it signed.
    code, message = run_verify(client_source(forged.test_client()))
    round_id = json.loads(rows[idx].body)["id"]
    assert code == 1 and message.startswith(f"transparency log: round {round_id} (2026-W46): "), message


def test_reports_published_before_rfc8785_keep_their_bytes_and_verify(app, client, scenario, monkeypatch):
    from broker import canonical
    from broker.reports import build

    real = build._header

    def schema_1(*args, **kw):  # what build wrote before RFC 8785
        doc = real(*args, **kw)
        del doc["canonicalization"]
        return {**doc, "schema_version": "1.0"}

    monkeypatch.setattr(build, "_header", schema_1)
    publish_all(app)
    monkeypatch.setattr(build, "_header", real)
    publish_period(app, PERIOD, correction="now in RFC 8785")
    items = sorted(client.get("/api/v1/reports").json["items"], key=lambda i: i["id"])
    old, new = client.get(items[0]["links"]["json"]).data, client.get(items[3]["links"]["json"]).data
    assert old == canonical.legacy(json.loads(old)) and b"canonicalization" not in old
    assert new == canonical.jcs(json.loads(new)) and json.loads(new)["canonicalization"] == "RFC8785"
    assert run_verify(client_source(client)) == (0, "OK")


def test_an_item_published_after_the_checkpoint_was_read_is_shown_by_its_proof(app, client, scenario):
    publish_all(app)
    jwks = client.get("/.well-known/jwks.json").json
    log = verify.audit.load(client_source(client).bytes, jwks)  # the auditor reads the checkpoint …
    publish_period(app, PERIOD, correction="recount")  # … and a report is published right after
    item = max(client.get("/api/v1/reports").json["items"], key=lambda i: i["id"])
    entry = entries.report(item["id"], item["series"], item["period"], item["digest"])
    with pytest.raises(verify.audit.LogDiscrepancy, match="not in the transparency log"):
        verify.audit.check_included(log, entry, "new report")
    proof = client.get(item["links"]["tlog_proof"]).get_data(as_text=True)
    verify.audit.check_included(log, entry, "new report", proof)  # in the next signed checkpoint
    forged = entries.report(item["id"], item["series"], item["period"], "sha256:" + "0" * 64)
    with pytest.raises(verify.audit.LogDiscrepancy, match="does not verify"):
        verify.audit.check_included(log, forged, "new report", proof)
