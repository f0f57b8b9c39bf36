"""Must show: the verify command fails, naming the first discrepancy, when one byte of a
report, one link of the chain, or one figure no longer matching the round data is wrong;
and a vendor that delivers to its investor first is revealed by the published figures."""
from __future__ import annotations

import json

from broker.reports import build, verify
from tests.reports.conftest import PERIOD
from tests.reports.helpers import client_source, publish_all, publish_period, run_verify


def _downloaded(app, client, tmp_path):
    folder = tmp_path / "series"
    verify.download(client_source(client), folder)
    return folder


def _ids(client) -> list[tuple[int, str]]:
    """(id, series) of the published reports, oldest first (ids differ between backends)."""
    return sorted((i["id"], i["series"]) for i in client.get("/api/v1/reports").json["items"])


def test_untouched_series_verifies_online_and_offline(app, client, scenario, tmp_path, capsys):
    publish_all(app)
    assert run_verify(client_source(client)) == (0, "OK")
    folder = _downloaded(app, client, tmp_path)
    assert verify.main([str(folder)]) == 0
    assert "OK: 3 reports verified" in capsys.readouterr().out


def test_one_byte_of_a_report_changed_fails(app, client, scenario, tmp_path, capsys):
    publish_all(app)
    folder = _downloaded(app, client, tmp_path)
    first = _ids(client)[0][0]
    path = folder / "reports" / f"{first}.json"
    data = bytearray(path.read_bytes())
    i = data.index(b'"allocated_units":') + len(b'"allocated_units":')
    data[i] = ord("9") if data[i] != ord("9") else ord("8")
    path.write_bytes(bytes(data))
    assert verify.main([str(folder), "-q"]) == 1
    err = capsys.readouterr().err
    assert f"FAIL: access report {first} (2026-W46): digest of the document" in err


def test_one_byte_with_digest_fixed_up_still_fails_the_signature(app, client, scenario, tmp_path):
    publish_all(app)
    folder = _downloaded(app, client, tmp_path)
    pricing = _ids(client)[1][0]
    path = folder / "reports" / f"{pricing}.json"
    doc = json.loads(path.read_bytes())
    doc["platform_fee"]["rate"] = 0.01
    from broker.reports import canonical
    data = canonical.canonical_bytes(doc)
    path.write_bytes(data)
    index = json.loads((folder / "reports.json").read_text())
    for item in index["items"]:
        if item["id"] == pricing:
            item["digest"] = canonical.digest_of_bytes(data)
    (folder / "reports.json").write_text(json.dumps(index))
    code, message = run_verify(verify.FolderSource(folder))
    assert code == 1 and f"pricing report {pricing}" in message and "JWS payload differs" in message


def test_one_chain_link_broken_fails(app, client, scenario, tmp_path, market):
    publish_all(app)
    publish_period(app, PERIOD, correction="recount")  # reports 4–6 chain to 1–3
    folder = _downloaded(app, client, tmp_path)
    ids = _ids(client)
    # Drop the first access report: the correction's previous_digest now points at nothing listed.
    index = json.loads((folder / "reports.json").read_text())
    index["items"] = [i for i in index["items"] if i["id"] != ids[0][0]]
    (folder / "reports.json").write_text(json.dumps(index))
    code, message = run_verify(verify.FolderSource(folder))
    assert code == 1
    assert message.startswith(f"access report {ids[3][0]} (2026-W46): chain broken")


def test_chain_link_rewritten_in_the_list_fails(app, client, scenario, tmp_path):
    publish_all(app)
    publish_period(app, PERIOD, correction="recount")
    folder = _downloaded(app, client, tmp_path)
    second_pricing = _ids(client)[4][0]
    index = json.loads((folder / "reports.json").read_text())
    for item in index["items"]:
        if item["id"] == second_pricing:
            item["previous_digest"] = "sha256:" + "0" * 64
    (folder / "reports.json").write_text(json.dumps(index))
    code, message = run_verify(verify.FolderSource(folder))
    assert code == 1 and message.startswith(f"pricing report {second_pricing} (2026-W46): chain broken")


def test_figure_not_following_from_round_data_fails(app, client, scenario, monkeypatch):
    """Parity itself lies: a properly signed, chained report whose figure is not what the
    published rounds give."""
    honest = build.BUILDERS["access"]

    def lying(s, period, at):
        doc = honest(s, period, at)
        doc["allocation"]["totals"]["allocated_units"] += 25
        return doc

    monkeypatch.setitem(build.BUILDERS, "access", lying)
    publish_all(app)
    code, message = run_verify(client_source(client))
    assert code == 1
    assert message == (f"access report {_ids(client)[0][0]} (2026-W46): figure allocation.totals.allocated_units is 415 in "
                       "the report, but the round data give 390")


def test_round_output_that_does_not_replay_fails(app, client, scenario, tmp_path):
    publish_all(app)
    folder = _downloaded(app, client, tmp_path)
    rounds = json.loads((folder / "rounds.json").read_text())["items"]
    first = min(r["id"] for r in rounds)
    path = folder / "rounds" / f"{first}.output.json"
    out = json.loads(path.read_text())
    out["allocations"][0]["units"] += 1
    path.write_text(json.dumps(out))
    code, message = run_verify(verify.FolderSource(folder))
    assert code == 1 and f"round {first} output digest" in message


def test_final_report_must_count_every_round_of_its_period(app, client, scenario, market):
    publish_all(app)
    from datetime import datetime, timezone
    late = market.request(scenario["devs"][3], 5, datetime(2026, 11, 11, tzinfo=timezone.utc))
    market.run_round(PERIOD, "spot", datetime(2026, 11, 11, 6, tzinfo=timezone.utc), [(late, [scenario["b1"]])])
    code, message = run_verify(client_source(client))
    assert code == 1 and "are published but not counted" in message


def test_investor_first_vendor_is_revealed(app, client, scenario):
    publish_all(app)
    item = next(i for i in client.get("/api/v1/reports").json["items"] if i["series"] == "access")
    doc = json.loads(client.get(item["links"]["json"]).data)
    vendors = {v["vendor"]: v for v in doc["vendors"]}
    acme, bee = vendors["Acme Labelers"], vendors["Bee Data"]
    # The broker allocated fairly: the investor's allocated share is what max-min fairness gives.
    assert acme["affiliated"]["preference_ratio_allocated"] < 1.2
    # Acme delivered all of the investor's units and half of everyone else's.
    assert acme["affiliated"]["preference_ratio_delivered"] > 1.9
    assert acme["affiliated"]["preference_ratio_delivered"] > 1.5 * acme["affiliated"]["preference_ratio_allocated"]
    assert acme["delivery_fairness"] < 0.95
    assert acme["affiliated"]["others_delivery_ratio"] < 0.55
    # The investor's own figures stand on one principal: suppressed, never a number.
    assert acme["affiliated"]["affiliated_delivery_ratio"] == "suppressed"
    # Bee, which holds no stake and delivers everything, shows nothing of the kind.
    assert bee["affiliated"]["principals"] == 0
    assert bee["delivery_ratio"] in (1.0, "suppressed")
    html = client.get(item["links"]["html"]).get_data(as_text=True)
    assert "preference_ratio_delivered" in html


def test_verify_command_reports_unreadable_source(tmp_path, capsys):
    assert verify.main([str(tmp_path / "missing")]) == 2
    assert "ERROR" in capsys.readouterr().err
