"""The request page shows the receipts (downloadable) and how to verify one's treatment; the
public policy page says what receipts prove and what they do not."""
from __future__ import annotations

import json

from broker.reports import signing
from broker.tlog import receipts
from tests.helpers import login


def test_the_request_page_shows_its_receipts_and_the_command(world, app, client, make):
    mine = world.submit(world.me, units=12)
    world.edit(world.me, mine["id"], units=14)
    user = make.user(world.me)
    login(client, user.email)
    html = client.get(f"/requests/{mine['id']}").get_data(as_text=True)
    assert html.count("data-receipt>") == 2 and "submitted" in html and "edited" in html
    assert "parity-verify http://localhost --receipts" in html and "Verify my treatment" in html
    payload = client.get(f"/requests/{mine['id']}/receipts/2.json")
    assert payload.status_code == 200 and "attachment" in payload.headers["Content-Disposition"]
    doc = json.loads(payload.data)
    assert doc["units"] == 14 and doc["event"] == "edited" and receipts.payload(doc) == payload.data
    token = client.get(f"/requests/{mine['id']}/receipts/2.jws").get_data(as_text=True)
    _, signed = signing.verify(token, client.get("/.well-known/jwks.json").json)
    assert signed == payload.data
    assert client.get(f"/requests/{mine['id']}/receipts/3.jws").status_code == 404


def test_another_developer_cannot_download_a_receipt(world, client, make):
    theirs = world.submit(world.others[0], units=5)
    login(client, make.user(world.me).email)
    assert client.get(f"/requests/{theirs['id']}/receipts/1.json").status_code == 404


def test_the_policy_page_says_what_receipts_prove_and_do_not(client):
    html = client.get("/policy").get_data(as_text=True)
    assert "Receipts: what they prove, and what they do not" in html
    assert "They prove" in html and "They do not prove" in html and "--receipts" in html


def test_the_fast_compact_signer_gives_joserfcs_bytes():
    from joserfc.jwk import OKPKey

    from broker.reports import signing

    key = OKPKey.generate_key("Ed25519")
    payload = b'{"a":1,"salt":"x"}'
    fast = signing.CompactSigner("kid-1", key).sign(payload)
    assert fast == signing.sign(payload, "kid-1", key)  # Ed25519 is deterministic: byte for byte
    jwks = {"keys": [signing.public_jwk(key, "kid-1")]}
    assert signing.verify(fast, jwks) == ({"alg": "EdDSA", "kid": "kid-1"}, payload)
