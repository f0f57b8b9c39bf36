"""Must show, on the demo (``make run`` loads it): a log covering the four demo weeks, every
report digest reproduced by an RFC 8785 library, the verify command passing online and then
offline, and failing, naming the divergence, after a rewritten entry in a copy of the database."""
from __future__ import annotations

import hashlib
import json

import pytest
import rfc8785

from broker.reports import build, verify
from tests.reports.helpers import client_source
from tests.tlog.test_log import _entries, _rewrite_copy, _verify_since


@pytest.mark.demo_market
def test_demo_log(app, client, clock, tmp_path, capsys):
    reports = client.get("/api/v1/reports?limit=100").json["items"]
    weeks = sorted({r["period"] for r in reports})
    assert weeks == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"] and len(reports) == 12
    # An RFC 8785 library reproduces every report digest.
    for item in reports:
        data = client.get(item["links"]["json"]).data
        doc = json.loads(data)
        assert doc["canonicalization"] == "RFC8785" and doc["schema_version"] == build.SCHEMA_VERSION
        assert "sha256:" + hashlib.sha256(rfc8785.dumps(doc)).hexdigest() == item["digest"]
    # The log covers the four weeks: every report and round, under a signed checkpoint.
    rows = _entries(app)
    logged = [json.loads(r.body) for r in rows]
    rounds = client.get("/api/v1/rounds?limit=100").json["items"]
    assert {(e["type"], e["id"]) for e in logged if e["type"] in ("report", "round")} == \
        {("report", r["id"]) for r in reports} | {("round", r["id"]) for r in rounds}
    assert {r["period"] for r in rounds} >= set(weeks)
    checkpoint = client.get("/log/checkpoint").get_data(as_text=True)
    assert checkpoint.split("\n")[1] == str(len(rows))
    # verify, online (through the test client) and then offline
    v = verify.Verifier(client_source(client))
    v.run()
    assert "every report and round included" in v.log_summary
    folder = tmp_path / "series"
    verify.download(client_source(client), folder)
    assert verify.main([str(folder), "-q"]) == 0
    assert "OK: 12 reports verified" in capsys.readouterr().out
    # a rewritten entry in a copy of the database, re-signed: named (the copy is of the SQLite file)
    if not app.config["DATABASE_URL"].startswith("sqlite"):
        return
    idx = next(r.idx for r in rows if r.kind == "report")
    forged = _rewrite_copy(app, tmp_path, idx)
    code, message = _verify_since(forged.test_client(), folder / "log" / "checkpoint")
    assert code == 1 and f"at tree size {idx + 1}: entry {idx} is now" in message, message
