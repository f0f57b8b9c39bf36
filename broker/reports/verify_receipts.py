"""``parity-verify BASE_URL --receipts``: a developer checks its own requests' treatment.

With the developer's API client credentials (``--client-id``/``--client-secret``, or
``PARITY_CLIENT_ID``/``PARITY_CLIENT_SECRET``; scope ``requests:read``) it downloads the
org's receipts (with their salts) and per-period pseudonyms, and from the public side the
JWKS, the transparency log, every round's input and output, the developer directory, the
catalog and the daily price files. It checks each receipt's signature and that its
commitment is in the signed log, then round by round (``receipt_checks.Developer``) that
each of its requests entered exactly as its latest receipt says — units, submitted_at, the
offerings the public catalog and price file make eligible — under its own pseudonym with
its public weight and group, and what the engine gives it from that input. It prints one
line per request and round, and exits 1 naming every mismatch (0 when none; 2 when the
sources cannot be read).
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import sys
import urllib.parse
import urllib.request
from decimal import Decimal

from broker.reports import receipt_checks, signing
from broker.reports.sources import HttpSource, SourceError, engine_missing
from broker.tlog import audit, merkle, receipts


class ClientSource(HttpSource):
    """A running Parity, as the developer's API client (OAuth 2.0 client credentials)."""

    def __init__(self, base: str, client_id: str, client_secret: str, opener=None, poster=None):
        super().__init__(base, opener)
        self._post = poster or self._urlpost
        basic = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        answer = json.loads(self._post(urllib.parse.urljoin(self.base, "oauth/token"),
                                       {"grant_type": "client_credentials", "scope": "requests:read"},
                                       {"Authorization": f"Basic {basic}"}))
        if "access_token" not in answer:
            raise SourceError(f"the token endpoint refused the client: {answer.get('error', answer)}")
        self.token = answer["access_token"]

    @staticmethod
    def _urlpost(url: str, form: dict, headers: dict) -> bytes:
        req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            return e.read()
        except OSError as e:
            raise SourceError(f"cannot fetch {url}: {e}") from None

    def private(self, path: str) -> bytes:
        url = urllib.parse.urljoin(self.base, path)
        if self._get is not self._urlopen:
            return self._get(url, {"Authorization": f"Bearer {self.token}"})
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                return r.read()
        except OSError as e:
            raise SourceError(f"cannot fetch {url}: {e}") from None

    def my_receipts(self) -> list[dict]:
        items, cursor = [], None
        while True:
            q = {"limit": 200, **({"cursor": cursor} if cursor else {})}
            page = json.loads(self.private(f"api/v1/receipts?{urllib.parse.urlencode(q)}"))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def my_pseudonyms(self) -> dict[str, dict]:
        return {p["period"]: p for p in json.loads(self.private("api/v1/receipts/pseudonyms"))["items"]}


def _weight(value) -> Decimal:
    return Decimal(str(value)).normalize()


class ReceiptMismatch(Exception):
    """A receipt that does not check out before any round is read."""


def gather(src: ClientSource, log_line=print) -> tuple[receipt_checks.Mine, audit.Log, dict[int, dict], list[dict]]:
    """Everything the check reads: the developer's own data, then the public data."""
    jwks = src.jwks()
    mine = src.my_receipts()
    for r in mine:
        try:
            _, payload = signing.verify(r["jws"], jwks)
        except (signing.SignatureError, TypeError) as e:
            raise ReceiptMismatch(f"request {r['request_id']} receipt {r['seq']}: its JWS does not verify: {e}")
        if payload != receipts.payload(r["receipt"]):
            raise ReceiptMismatch(f"request {r['request_id']} receipt {r['seq']}: the JWS signs other bytes "
                                  "than the receipt")
    log = audit.load(src.bytes, jwks)
    logged = {m["commitment"] for m in (receipts.parse_manifest(e) for e in log.entries) if m}
    rounds = {}
    for meta in src.rounds():
        rounds[meta["id"]] = {"id": meta["id"], "period": meta.get("period"),
                              "input": json.loads(src.bytes(meta["links"]["input"])),
                              "output": json.loads(src.bytes(meta["links"]["output"]))}
    orgs = {o["id"]: o for o in src.orgs()}
    org_id = mine[0]["receipt"]["org"] if mine else None
    me = orgs.get(org_id, {"weight": "1", "group_id": None})
    group = me.get("group_id")
    facts = receipt_checks.Mine(
        receipts=mine, pseudonyms=src.my_pseudonyms(), weight=_weight(me["weight"]),
        group_weights=[_weight(o["weight"]) for o in orgs.values() if o.get("group_id") == group] if group else None,
        approved_vendors={o["id"] for o in src._pages("api/v1/orgs", kind="vendor")})
    days = sorted({r["input"]["round"]["at"][:10] for r in rounds.values() if (r["input"].get("round") or {}).get("at")})
    tasks = {r["criteria"]["task_type"] for r in mine}
    for day in days:
        try:
            facts.price_files[day] = json.loads(src.bytes(f"prices/{day}.json"))
        except SourceError:
            continue  # a day without prices: the check names it where it needs it
        for p in facts.price_files[day].get("prices", []):
            if p.get("task_type") in tasks and p["offering_id"] not in facts.offerings:
                facts.offerings[p["offering_id"]] = json.loads(src.bytes(f"api/v1/offerings/{p['offering_id']}"))
    log_line(f"downloaded {len(mine)} receipts, {len(rounds)} rounds, a log of {log.checkpoint.size} entries")
    unlogged = [r for r in mine if r["commitment"] not in logged]
    return facts, log, rounds, unlogged


def check(src: ClientSource, *, replay: bool = True, log_line=print) -> list[str]:
    """Run the developer's check; print its report; return the mismatches."""
    facts, log, rounds, unlogged = gather(src, log_line)
    allocate = None
    if replay:
        from broker.fairness import allocate
    try:
        dev = receipt_checks.Developer(facts, replay=allocate)
    except ValueError as e:
        return [f"a receipt does not match its commitment: {e}"]
    rounds_seen, last_round_at = 0, None
    for rnd, ledger in receipt_checks.walk(log.entries, rounds):
        dev.check(rnd, ledger)
        rounds_seen += 1
        last_round_at = max(filter(None, (last_round_at, receipt_checks.instant(rnd["input"]["round"].get("at")))))
    problems = []
    for r in unlogged:  # logged in its event's transaction: a round in the log after it must follow it there
        what = f"request {r['request_id']}: receipt {r['seq']} ({r['event']}) is not in the signed log"
        if last_round_at is not None and receipt_checks.instant(r["receipt"]["at"]) < last_round_at:
            problems.append(f"{what}, though a round after it is")
        else:
            log_line(f"note: {what} yet (a checkpoint is signed every minute; run again later)")
    for line in dev.lines:
        log_line(line)
    problems += dev.problems
    log_line(f"{len(dev.lines)} request entries checked over {rounds_seen} round(s) of the log")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="parity-verify --receipts", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="base URL of a Parity (https://…)")
    parser.add_argument("--receipts", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client-id", default=os.environ.get("PARITY_CLIENT_ID"))
    parser.add_argument("--client-secret", default=os.environ.get("PARITY_CLIENT_SECRET"))
    parser.add_argument("--no-replay", action="store_true", help="trust the published outputs (no engine installed)")
    args = parser.parse_args(argv)
    if not args.client_id or not args.client_secret:
        print("ERROR: give your API client's --client-id and --client-secret (or PARITY_CLIENT_ID and "
              "PARITY_CLIENT_SECRET)", file=sys.stderr)
        return 2
    if not args.source.startswith(("http://", "https://")):
        print("ERROR: --receipts reads your receipts from a running Parity: give its https:// URL", file=sys.stderr)
        return 2
    try:
        problems = check(ClientSource(args.source, args.client_id, args.client_secret), replay=not args.no_replay)
    except ReceiptMismatch as e:
        problems = [str(e)]
    except (audit.LogDiscrepancy, merkle.ProofError) as e:
        problems = [f"transparency log: {e}"]
    except ImportError as e:
        print(engine_missing(e), file=sys.stderr)
        return 2
    except (SourceError, OSError, ValueError, KeyError, TypeError) as e:
        print(f"ERROR: cannot read your receipts or the public data: {e.__class__.__name__}: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print(f"MISMATCH: {p}", file=sys.stderr)
    if problems:
        print(f"FAIL: {len(problems)} mismatch(es) between your receipts and the round inputs", file=sys.stderr)
        return 1
    print("OK: every request entered every round as its latest receipt says, with your public weight and group")
    return 0
