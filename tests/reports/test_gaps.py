"""The rivals' gaps at an invested vendor (``foreclosure.vendors``) and the counts behind them
(schema 2.2): hand-computed on a two-vendor market, recomputed by ``verify`` from the counts,
and a changed gap or count in a signed copy named by the verifier."""
from __future__ import annotations

import copy
import json

import pytest

from broker import db
from broker.reports import build, build_structure, canonical, keys, signing, verify, verify_figures
from broker.reports.verify import _first_difference
from tests.reports.conftest import PERIOD
from tests.reports.helpers import client_source, publish_all, publish_period, run_verify

# Two vendors in one market (task type "t"): A (id 1), in which H (principal 100) holds 40 %,
# and B (id 2). Five customers without a stake (principals 1..5) order 20 units at each; A
# delivers them 10 each, B 20 each; H gets its 60 in full at A. A prices 1 200, B 800 (minor).
OFFERINGS = [{"offering_id": 11, "vendor_id": 1, "vendor": "A", "task_type": "t"},
             {"offering_id": 21, "vendor_id": 2, "vendor": "B", "task_type": "t"},
             {"offering_id": 22, "vendor_id": 2, "vendor": "B", "task_type": "other"}]
STAKES = [{"holder": "H", "principal": 100, "vendor_id": 1, "vendor": "A", "percent": 40.0}]


def _market(rivals: int = 5):
    units = [(100, "large", 11, 60, 60)]
    values = [(100, 11, "USD", 60, 60 * 1200)]
    for p in range(1, rivals + 1):
        units += [(p, "small", 11, 20, 10), (p, "small", 21, 20, 20), (p, "small", 22, 50, 0)]
        values += [(p, 11, "USD", 20, 20 * 1200), (p, 21, "USD", 20, 20 * 800), (p, 22, "USD", 50, 50 * 5000)]
    return units, values


def test_gaps_and_counts_hand_computed():
    units, values = _market()
    row = build_structure.foreclosure_section(OFFERINGS, units, values, STAKES, k=5)["vendors"][0]
    # At A: the rivals ordered 5·20 = 100 and got 50 (fill 0.5). In A's market (task type t, A
    # and B; not B's "other" market, not H's units): 200 ordered, 50 + 100 = 150 delivered
    # (0.75). Gap 0.5 − 0.75 = −0.25. Price at A 120 000 / 100 = 1 200; in the market
    # (120 000 + 80 000) / 200 = 1 000; gap (1 200 − 1 000) / 1 000 = +20 %.
    assert row == {
        "vendor_id": 1, "vendor": "A", "holders": ["H"], "rivals": 5,
        "rivals_fill_rate": 0.5, "market_fill_rate": 0.75, "fill_gap": -0.25,
        "currency": "USD", "rivals_price_minor": 1200.0, "market_price_minor": 1000.0, "price_gap_percent": 20.0,
        "counts": {"rivals_ordered_units": 100, "rivals_delivered_units": 50,
                   "market_ordered_units": 200, "market_delivered_units": 150,
                   "rivals_priced_units_by_currency": {"USD": 100},
                   "rivals_priced_units": 100, "rivals_value_minor": 120000,
                   "market_priced_units": 200, "market_value_minor": 200000}}


def test_gaps_and_counts_suppressed_below_k_rivals():
    units, values = _market(rivals=4)
    row = build_structure.foreclosure_section(OFFERINGS, units, values, STAKES, k=5)["vendors"][0]
    assert row["rivals"] == 4 and row["currency"] == "USD"
    for key in ("rivals_fill_rate", "market_fill_rate", "fill_gap", "rivals_price_minor", "market_price_minor",
                "price_gap_percent"):
        assert row[key] == "suppressed", key
    assert set(row["counts"].values()) == {"suppressed"}


def _doc(rivals: int = 5) -> dict:
    units, values = _market(rivals)
    return {"series": "access", "period": "2026-W02", "schema_version": "2.2", "parameters": {"small_cell_k": 5},
            "stakes": build_structure.stakes_section(STAKES),
            "foreclosure": build_structure.foreclosure_section(OFFERINGS, units, values, STAKES, k=5)}


def _mismatch(doc):
    return verify_figures.gaps_mismatch(json.loads(canonical.canonical_bytes(doc)), _first_difference)


@pytest.mark.parametrize("rivals", [5, 4])
def test_verify_derives_the_row_from_its_counts(rivals):
    assert _mismatch(_doc(rivals)) is None


@pytest.mark.parametrize("change, where, published, again", [
    (lambda r: r.update(fill_gap=-0.2), "fill_gap", -0.2, -0.25),
    (lambda r: r.update(price_gap_percent=5), "price_gap_percent", 5, 20),
    # One more unit said delivered at A: 51/100 against the market's published 150/200: −0.24.
    (lambda r: r["counts"].update(rivals_delivered_units=51), "fill_gap", -0.25, -0.24),
    # A value that is not what the prices say: the rivals' price at A moves.
    (lambda r: r["counts"].update(rivals_value_minor=110000), "price_gap_percent", 20, 10),
    (lambda r: r.update(rivals=4), "counts.market_delivered_units", 150, "suppressed"),
    (lambda r: r["counts"].update(rivals_priced_units_by_currency={"EUR": 150, "USD": 100}), "currency", "USD", "EUR"),
    (lambda r: r.update(counts="suppressed"), "counts", "suppressed", "the counts behind the row"),
    (lambda r: r.update(vendor="Not A"), "vendor", "Not A", "A"),
])
def test_verify_names_the_figure_that_does_not_follow(change, where, published, again):
    doc = _doc()
    change(doc["foreclosure"]["vendors"][0])
    assert _mismatch(doc) == (f"foreclosure.vendors[0].{where}", published, again)


def test_a_vendor_with_a_stake_must_have_its_row():
    doc = _doc()
    doc["foreclosure"]["vendors"] = []
    where, published, again = _mismatch(doc)
    assert (where, published) == ("foreclosure.vendors[0]", "(no row)") and "for A" in again


def test_suppressed_row_verifies_whatever_counts_it_hid_but_not_a_shown_figure():
    doc = _doc(rivals=4)
    doc["foreclosure"]["vendors"][0]["fill_gap"] = -0.25
    assert _mismatch(doc) == ("foreclosure.vendors[0].fill_gap", -0.25, "suppressed")


# --- against the published series -------------------------------------------------------

def _access_path(client, folder):
    item = next(i for i in client.get("/api/v1/reports").json["items"] if i["series"] == "access")
    return item["id"], folder / "reports" / f"{item['id']}.json"


def _resign(app, folder, report_id: int, doc: dict) -> None:
    """Write ``doc`` as report ``report_id`` of the copy, signed with the test instance's report
    key, its digest fixed in the list: only the figures can give it away."""
    data = canonical.canonical_bytes(doc)
    (folder / "reports" / f"{report_id}.json").write_bytes(data)
    with app.app_context():
        kid, pem = keys.current(db.session(), app.config["KEYS_PATH"])
    (folder / "reports" / f"{report_id}.jws").write_text(signing.sign(data, kid, pem))
    index = json.loads((folder / "reports.json").read_text())
    for item in index["items"]:
        if item["id"] == report_id:
            item["digest"] = canonical.digest_of_bytes(data)
    (folder / "reports.json").write_text(json.dumps(index))


@pytest.mark.parametrize("tamper, where", [
    (lambda r: r.update(fill_gap=r["fill_gap"] + 0.05), "fill_gap"),
    (lambda r: r["counts"].update(market_delivered_units=r["counts"]["market_delivered_units"] + 7), "fill_gap"),
])
def test_changed_gap_or_count_in_a_signed_copy_is_named(app, client, scenario, tmp_path, tamper, where):
    publish_all(app)
    folder = tmp_path / "series"
    verify.download(client_source(client), folder)
    rid, path = _access_path(client, folder)
    doc = json.loads(path.read_bytes())
    assert doc["schema_version"] == "2.2"
    row = doc["foreclosure"]["vendors"][0]
    # The scenario: Acme delivers half (rounded down) of each order of its five customers
    # without a stake, all to its investor.
    c = row["counts"]
    assert row["vendor"] == "Acme Labelers" and row["rivals"] == 5
    assert row["rivals_fill_rate"] == round(c["rivals_delivered_units"] / c["rivals_ordered_units"], 6)
    assert 0.45 < row["rivals_fill_rate"] <= 0.5
    assert run_verify(verify.FolderSource(folder)) == (0, "OK")
    forged = copy.deepcopy(doc)
    tamper(forged["foreclosure"]["vendors"][0])
    _resign(app, folder, rid, forged)
    code, message = run_verify(verify.FolderSource(folder))
    assert code == 1, message
    assert message.startswith(f"access report {rid} (2026-W46): figure foreclosure.vendors[0].{where} is ")
    assert "but the published data give" in message


def test_report_of_schema_2_1_verifies_and_says_its_gaps_are_not_recomputed(app, client, scenario, market,
                                                                             monkeypatch, tmp_path, capsys):
    """A report signed under 2.1 (no counts, the old wording) keeps verifying; the command
    says plainly that its gaps were not recomputed. A 2.2 correction chained after it is
    recomputed in full."""
    honest = build.BUILDERS["access"]

    def as_in_2_1(s, period, at):
        doc = honest(s, period, at)
        for row in doc["foreclosure"]["vendors"]:
            del row["counts"]
        return doc

    monkeypatch.setattr(build, "SCHEMA_VERSION", "2.1")
    monkeypatch.setitem(build.BUILDERS, "access", as_in_2_1)
    publish_all(app)
    folder = tmp_path / "series"
    verify.download(client_source(client), folder)
    rid, path = _access_path(client, folder)
    doc = json.loads(path.read_bytes())
    assert doc["schema_version"] == "2.1" and "counts" not in doc["foreclosure"]["vendors"][0]
    assert verify.main([str(folder)]) == 0
    out = capsys.readouterr().out
    assert (f"note access report {rid} (2026-W46): schema 2.1 publishes no counts behind foreclosure.vendors, "
            "so its rivals' fill and price gaps are not recomputed") in out
    assert "rivals' gaps (not recomputed in 1 report(s) of schema 2.1, which publish no counts)" in out
    # Publishing moves to 2.2: the correction's gaps are recomputed, and a changed one is named.
    monkeypatch.undo()
    publish_period(app, PERIOD, correction="recount")
    folder = tmp_path / "series-2"
    verify.download(client_source(client), folder)
    latest, path = _access_path(client, folder)
    doc = json.loads(path.read_bytes())
    assert latest != rid and doc["schema_version"] == "2.2" and "counts" in doc["foreclosure"]["vendors"][0]
    assert verify.main([str(folder), "-q"]) == 0
    assert "not recomputed in 1 report(s) of schema 2.1" in capsys.readouterr().out
    doc["foreclosure"]["vendors"][0]["counts"]["rivals_ordered_units"] += 10
    _resign(app, folder, latest, doc)
    code, message = run_verify(verify.FolderSource(folder))
    assert code == 1 and message.startswith(f"access report {latest} (2026-W46): figure foreclosure.vendors[0].")


def test_rows_follow_the_published_json_schema():
    import jsonschema

    from broker.reports.schema import load

    schema = {**load("access"), "required": []}
    for rivals in (5, 4):
        jsonschema.validate({"foreclosure": json.loads(canonical.canonical_bytes(_doc(rivals)["foreclosure"]))}, schema)
    broken = _doc()
    broken["foreclosure"]["vendors"][0]["counts"]["rivals_ordered_units"] = -1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"foreclosure": broken["foreclosure"]}, schema)
