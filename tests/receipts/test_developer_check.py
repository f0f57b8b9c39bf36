"""The developer's check (``parity-verify --receipts``) on an honest round, and on rounds
whose input a dishonest copy of Parity falsified: each fault is named."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from broker.catalog.wire import iso
from tests.receipts.conftest import group


def _market(w):
    mine = w.submit(w.me, units=60, max_unit_price_minor=2000)
    w.submit(w.others[0], units=60)
    w.submit(w.others[1], units=30, max_unit_price_minor=1200)
    return mine


def test_an_honest_round_checks_out_with_a_readable_report(world):
    mine = _market(world)
    world.run_main()
    lines, problems = world.developer_check()
    assert problems == []
    line = next(x for x in lines if x.startswith(f"request {mine['id']} "))
    assert f"({world.period}/main) as submitted; got " in line and "of 60 units" in line
    assert "fair share at level" in line
    assert world.public_check() is None


def _mine(snap, w):
    """The developer's request items in the input (by its org's pseudonym)."""
    org = snap.names("org", w.me.id)
    return [r for r in snap.input["requests"] if r["org"] == org]


def _org_item(snap, org):
    name = snap.names("org", org.id)
    return next(o for o in snap.input["orgs"] if o["id"] == name)


def drop(w):
    def falsify(snap):
        gone = _mine(snap, w)[0]
        snap.input["requests"].remove(gone)
    return falsify


def more_units(w):
    def falsify(snap):
        _mine(snap, w)[0]["units"] -= 7
    return falsify


def earlier(w):
    def falsify(snap):
        item = _mine(snap, w)[0]
        item["submitted_at"] = iso(datetime.fromisoformat(item["submitted_at"].replace("Z", "+00:00")) - timedelta(hours=1))
    return falsify


def heavier(w):
    def falsify(snap):
        _org_item(snap, w.me)["weight"] = 3
    return falsify


def into_group(w):
    def falsify(snap):
        for org in (w.me, w.others[0]):
            _org_item(snap, org)["group"] = "grp-planted"
    return falsify


def out_of_group(w):
    def falsify(snap):
        for org in (w.me, w.others[0]):
            _org_item(snap, org).pop("group", None)
    return falsify


def double_at_one_offering(w):
    """The issue's scenario: one org's requests count twice at one vendor's offering only —
    they go in under a second pseudonym of weight 2 that only requests there use."""
    def falsify(snap):
        target = f"off-{w.offerings[0].id}"
        twin = {"id": "org-twin", "weight": 2 * _org_item(snap, w.me).get("weight", 1)}
        snap.input["orgs"].append(twin)
        for item in _mine(snap, w):
            if target in item["offerings"]:
                item["org"] = twin["id"]
    return falsify


FAULTS = [
    (drop, "missing from round "),
    (more_units, "wanting 53 units; its receipt 1 says 60, 0 already allocated, so 60"),
    (earlier, "with submitted_at"),
    (heavier, "your org's weight in the input is 3, the public weight is 1"),
    (into_group, "your org is in group grp-planted in the input, but in no group publicly"),
    (double_at_one_offering, "under org org-twin, not your pseudonym"),
]


@pytest.mark.parametrize("fault,named", FAULTS, ids=[f.__name__ for f, _ in FAULTS])
def test_a_falsified_input_fails_the_developers_check_naming_the_fault(world, monkeypatch, fault, named):
    mine = _market(world)
    world.run_main(fault(world), monkeypatch)
    lines, problems = world.developer_check()
    assert problems, lines
    assert any(named in p for p in problems), problems
    if fault is not double_at_one_offering:
        assert any(f"request {mine['id']}" in p or "your org" in p for p in problems)


def test_an_org_taken_out_of_its_public_group_in_the_input_only_is_named(world, monkeypatch):
    group(world.app, world.me, world.others[0])
    _market(world)
    world.run_main(out_of_group(world), monkeypatch)
    problems = world.developer_check()[1]
    assert any("your org is in no group in the input, but publicly in a group of 2" in p for p in problems), problems
    assert "3 org(s) in no group with weight 1 in the input, but 1 in the public directory" in world.public_check()


def test_in_its_public_group_the_developers_check_passes(world):
    group(world.app, world.me, world.others[0])
    _market(world)
    world.run_main()
    assert world.developer_check()[1] == []
    assert world.public_check() is None


def test_the_public_check_sees_a_weight_or_a_group_that_is_not_public(world, monkeypatch):
    _market(world)
    world.run_main(heavier(world), monkeypatch)
    assert "org(s) in no group with weight 3 in the input, but 0 in the public directory" in world.public_check()


def test_the_check_exits_non_zero_naming_the_mismatch(world, monkeypatch, capsys):
    from broker.reports import verify, verify_receipts

    _market(world)
    world.run_main(drop(world), monkeypatch)
    real = verify_receipts.ClientSource
    monkeypatch.setattr(verify_receipts, "ClientSource",
                        lambda base, cid, secret: real(base, cid, secret, opener=world._get, poster=world._post))
    cid, secret = world.creds
    code = verify.main(["http://parity.test/", "--receipts", "--client-id", cid, "--client-secret", secret])
    err = capsys.readouterr().err
    assert code == 1 and "MISMATCH: request" in err and "missing from round " in err and "FAIL: 1 mismatch" in err


def test_eligible_offerings_compare_as_the_input_names_them():
    """A PostgreSQL run failed an honest round when the ids crossed 99 → 100: the input's
    sorted names put "off-100" first, the re-derived ids sorted as numbers put 99 first."""
    from broker.reports.receipt_checks import offering_names

    assert offering_names([99, 100]) == sorted(["off-100", "off-99"]) == ["off-100", "off-99"]
