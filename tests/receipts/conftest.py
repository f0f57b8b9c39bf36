"""A small market with receipts, rounds run by the real broker (optionally from a falsified
input: the "dishonest copy of Parity" of issue 16), and the two checks run against it through
the test client."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from broker import db
from broker.periods import cutoff_of, next_period, period_of
from broker.reports import log_signing, verify, verify_receipts
from broker.services import groups, rounds, schedule
from broker.tlog import audit
from tests.builders import OPERATOR, request_body
from tests.helpers import auth, issue_token

BASE = "http://parity.test/"


@dataclass
class World:
    app: object
    client: object
    clock: object
    period: str
    offerings: list
    me: object
    others: list
    creds: tuple[str, str]
    clients: dict = field(default_factory=dict)  # org id -> (client id, secret)

    def token(self, org) -> str:
        """A fresh token (the clock moves past a token's hour between submitting and checking)."""
        return issue_token(self.client, *self.clients[org.id])

    def submit(self, org, **kw) -> dict:
        r = self.client.post("/api/v1/requests", json=request_body(**kw), headers=auth(self.token(org)))
        assert r.status_code == 201, r.json
        return r.json

    def edit(self, org, request_id: int, **changes) -> dict:
        r = self.client.patch(f"/api/v1/requests/{request_id}", json=changes, headers=auth(self.token(org)))
        assert r.status_code == 200, r.json
        return r.json

    def cancel(self, org, request_id: int) -> dict:
        r = self.client.post(f"/api/v1/requests/{request_id}/cancel", headers=auth(self.token(org)))
        assert r.status_code == 200, r.json
        return r.json

    def run_main(self, falsify=None, monkeypatch=None):
        """The period's main round (its input first passed through ``falsify``), then a
        signed checkpoint over it."""
        if falsify is not None:
            real = rounds.snapshot

            def planted(s, slot, at, **kw):
                snap = real(s, slot, at, **kw)
                falsify(snap)
                return snap

            monkeypatch.setattr(rounds, "snapshot", planted)
        self.clock.set(cutoff_of(self.period, 48) + timedelta(minutes=5))
        with self.app.app_context():
            s = db.session()
            out = rounds.run(s, schedule.due_slot(s, self.clock()), self.clock())
            assert out.round is not None, out.skipped
            log_signing.sign_checkpoint(s, keys_path=self.app.config["KEYS_PATH"], config=self.app.config, force=True)
        if monkeypatch is not None:
            monkeypatch.undo()
        return out

    # --- the checks ---------------------------------------------------------------------

    def _get(self, url: str, headers=None) -> bytes:
        r = self.client.get(url.removeprefix(BASE.rstrip("/")), headers=headers or {})
        assert r.status_code == 200, (url, r.status_code)
        return r.data

    def _post(self, url: str, form: dict, headers: dict) -> bytes:
        return self.client.post(url.removeprefix(BASE.rstrip("/")), data=form, headers=headers).data

    def developer_check(self, creds=None) -> tuple[list[str], list[str]]:
        cid, secret = creds or self.creds
        src = verify_receipts.ClientSource(BASE, cid, secret, opener=self._get, poster=self._post)
        lines: list[str] = []
        problems = verify_receipts.check(src, log_line=lines.append)
        return lines, problems

    def public_check(self) -> str | None:
        """The verifier's receipts check; None when it passes, else its first discrepancy."""
        src = verify.HttpSource(BASE, opener=self._get)
        v = verify.Verifier(src)
        v.jwks = src.jwks()
        try:
            v.check_receipts(audit.load(src.bytes, v.jwks))
        except verify.Discrepancy as d:
            return str(d)
        return None


@pytest.fixture
def world(app, client, clock, make, market):
    period = next_period(period_of(clock()))
    v1, v2 = make.org("vendor"), make.org("vendor")
    offerings = [market.offering(v1, capacity=60, price=1000, periods=[period]),
                 market.offering(v2, capacity=40, price=1500, periods=[period])]
    me, a, b = make.org(name="Receipt Labs"), make.org(), make.org()
    cid, secret = make.client_credentials(me)
    w = World(app, client, clock, period, offerings, me, [a, b], (cid, secret))
    w.clients[me.id] = (cid, secret)
    for org in (a, b):
        w.clients[org.id] = make.client_credentials(org)
    return w


def group(app, *orgs, name="Affiliates"):
    with app.app_context(), db.transaction(db.session()) as s:
        groups.create_group(s, OPERATOR, name=name, reason="common control, declared",
                            member_ids=[o.id for o in orgs])
