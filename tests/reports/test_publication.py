"""Publication contract: list, document bytes, JWS, JWKS, chain, provisional → final,
corrections, idempotent publishing, key rotation keeping old reports verifiable."""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

import jsonschema

from broker.reports import canonical, signing
from broker.reports.schema import load as load_schema
from tests.reports.conftest import PERIOD
from tests.reports.helpers import client_source, publish_all, publish_period, run_verify


def test_list_contract_document_signature_and_schema(app, client, scenario):
    publish_all(app)
    items = client.get("/api/v1/reports").json["items"]
    assert [i["series"] for i in items] == ["workforce", "pricing", "access"]  # newest first
    jwks = client.get("/.well-known/jwks.json").json
    for item in items:
        assert set(item["links"]) == {"json", "jws", "csv", "html", "tlog_proof"}
        data = client.get(item["links"]["json"]).data
        assert canonical.digest_of_bytes(data) == item["digest"] and canonical.is_canonical(data)
        token = client.get(item["links"]["jws"]).get_data(as_text=True)
        header, payload = signing.verify(token, jwks)
        assert header == {"alg": "EdDSA", "kid": item["kid"]} and payload == data
        doc = json.loads(data)
        assert doc["previous_digest"] is None and doc["period"] == PERIOD
        jsonschema.validate(doc, load_schema(doc["series"]))
        assert client.get(item["links"]["html"]).status_code == 200
        csv = client.get(item["links"]["csv"])
        assert csv.mimetype == "text/csv" and csv.data.startswith(b"series,period,table,row,column,value")
    # The archive page reaches every report (it used to list the newest 500, no way further).
    seen, url, pages = set(), "/reports?limit=2", 0
    while url:
        html = client.get(url).get_data(as_text=True)
        pages += 1
        seen |= {int(x) for x in re.findall(r'<tr>\s*<td>(\d+)</td>', html)}
        nxt = re.search(r'href="([^"]*cursor=[^"]*)">Next page →', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert seen == {i["id"] for i in items} and pages == 2 and "Last page" in html
    assert client.get("/reports?cursor=bm90LWEtY3Vyc29y").status_code == 400


def test_private_key_stays_in_instance_folder_with_0600(app, scenario):
    publish_all(app)
    folder = os.path.join(app.instance_path, "keys")
    names = os.listdir(folder)
    assert len(names) == 2  # the report key and the transparency log's key
    for name in names:
        assert oct(os.stat(os.path.join(folder, name)).st_mode & 0o777) == "0o600"


def test_publishing_is_idempotent_and_chains(app, client, scenario, market, clock):
    first = publish_all(app)
    assert len([p for p in first if p.report]) == 3
    assert publish_all(app) == []  # nothing left: closed periods all published
    again = publish_period(app, PERIOD)
    assert all(p.skipped for p in again)
    # A correction is a new report naming the one it corrects; the chain continues.
    fixed = publish_period(app, PERIOD, correction="vendor disclosure was misfiled")
    access_old = first[0].report
    access_new = fixed[0].report
    doc = json.loads(access_new.document)
    assert doc["correction"] == {"corrects": access_old.digest, "reason": "vendor disclosure was misfiled"}
    assert doc["previous_digest"] == first[2].report.digest or doc["previous_digest"] == access_old.digest
    assert access_new.previous_digest == access_old.digest  # chain per series
    assert client.get(f"/reports/{access_old.id}").get_data(as_text=True).count("Superseded by") == 1
    assert run_verify(client_source(client)) == (0, "OK")


def test_open_period_is_provisional_then_superseded_by_final(app, client, scenario, clock):
    clock.set(datetime(2026, 11, 12, 12, tzinfo=timezone.utc))  # inside W46
    prov = publish_period(app, PERIOD)
    assert all(p.report.provisional for p in prov)
    assert json.loads(prov[0].report.document)["provisional"] is True
    clock.set(datetime(2026, 11, 17, tzinfo=timezone.utc))
    final = publish_all(app)
    assert [p.report.supersedes_id for p in final] == [p.report.id for p in prov]
    assert not any(p.report.provisional for p in final)
    assert run_verify(client_source(client)) == (0, "OK")


def test_rotation_keeps_old_reports_verifiable(app, client, runner, scenario):
    publish_all(app)
    old_kid = client.get("/api/v1/reports").json["items"][0]["kid"]
    out = runner.invoke(args=["reports", "rotate-key"])
    assert out.exit_code == 0, out.output
    assert not os.path.exists(os.path.join(app.instance_path, "keys", f"{old_kid}.pem"))
    out = runner.invoke(args=["reports", "publish", "--period", PERIOD, "--correction", "re-signed"])
    assert out.exit_code == 0, out.output
    kids = {i["kid"] for i in client.get("/api/v1/reports").json["items"]}
    assert len(kids) == 2 and old_kid in kids
    report_keys = [k for k in client.get("/.well-known/jwks.json").json["keys"] if "note_verifier_key" not in k]
    assert {k["kid"] for k in report_keys} == kids
    assert run_verify(client_source(client)) == (0, "OK")


def test_cli_publish_default_and_errors(app, runner, scenario):
    out = runner.invoke(args=["reports", "publish"])
    assert out.exit_code == 0 and out.output.count("(final)") == 3
    out = runner.invoke(args=["reports", "publish"])
    assert "nothing to publish" in out.output
    out = runner.invoke(args=["reports", "publish", "--period", "2026-W99"])
    assert out.exit_code != 0 and "does not exist" in out.output


def test_api_errors_are_problems(client):
    r = client.get("/api/v1/reports/999999.json")
    assert r.status_code == 404 and r.mimetype == "application/problem+json"
    assert client.get("/api/v1/reports?series=bogus").status_code == 422

