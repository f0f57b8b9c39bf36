"""``python -m broker.reports.verify BASE_URL_OR_FOLDER``: check a published report series.

For every report: its digest (SHA-256 of the exact bytes served), that those bytes are the
canonical form, its JWS signature against the JWKS (current and retired keys), and the chain
(each ``previous_digest`` is the digest of the series' previous report). For every access
report: each listed round's input/output digests, its replay through the engine (the output
must be what ``python -m broker.fairness`` gives for the input), that a final report lists
every round of its period, and that its ``allocation`` section follows from the round data
(schema 2.1 on, also market structure, entitlement and findings; 2.2 on, the rivals' gaps at
invested vendors from the counts published beside them — ``verify_figures``).
Then the transparency log (``broker.tlog.audit``): the checkpoint's signature, that the tiles
hash to its root, that every report and round is in the log (and nothing else is), each
served ``.tlog-proof``; with ``--since CHECKPOINT_FILE``, that the log only grew since that
checkpoint, naming the first tree size where the histories diverge when it did not.
Then the receipts (issue 16): every round accounts for every receipt commitment logged
before it, and its weights and groups are the public ones. Exits 0 when all holds, 1
naming the first discrepancy, 2 when the source cannot be read. ``--receipts`` runs the
developer's check of its own requests instead (``broker.reports.verify_receipts``).

``--download FOLDER URL`` saves a series (reports, JWKS, rounds, the log) for offline
checking; the folder layout is documented in docs/reports.md. Needs ``rfc8785``, ``joserfc``
and ``cryptography``; the round replays also need the engine (``pip install 'parity[engine]'``).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from broker.reports import canonical, receipt_checks, rounddata, signing, verify_figures
from broker.reports import verify_receipts
from broker.reports.sources import FolderSource, HttpSource, SourceError, engine_missing, source_for

__all__ = ["Discrepancy", "FolderSource", "HttpSource", "SourceError", "Verifier", "download", "main", "source_for"]
from broker.tlog import audit, merkle


class Discrepancy(Exception):
    """The first thing found that does not check out."""


def _first_difference(a, b, path: str = "") -> str | None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}".lstrip(".")
            d = _first_difference(a[key], b[key], f"{path}.{key}")
            if d:
                return d
        return None
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, f"{path}[{i}]")
            if d:
                return d
        return f"{path} (length {len(a)} vs {len(b)})" if len(a) != len(b) else None
    return None if a == b else path.lstrip(".")


_lookup = verify_figures.value_at


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Verifier:
    def __init__(self, source, log=lambda line: None):
        self.jwks: dict = {}
        self.src = source
        self.log = log
        self.rounds: dict[int, dict] = {}
        self.round_index: dict[int, dict] | None = None
        self.replayed: set[int] = set()
        self.saved: audit.Saved | None = None  # --since: a checkpoint saved earlier
        self.replay = True  # --no-replay: skip re-running rounds (no engine installed)
        self.log_summary = ""
        self.documents: dict[str, dict[str, dict]] = {}  # series -> period -> latest document
        self.not_recomputed: list[str] = []  # 2.1 access reports: rivals' gaps without their counts

    def run(self) -> int:
        jwks = self.jwks = self.src.jwks()
        items = sorted(self.src.reports(), key=lambda r: r["id"])
        if not items:
            raise Discrepancy("the series holds no reports")
        last: dict[str, str | None] = {}
        for item in items:
            label = f"{item.get('series')} report {item['id']} ({item.get('period')})"
            doc = self.check_report(item, jwks, label)
            expected_prev = last.get(item["series"])
            if doc["previous_digest"] != expected_prev or item.get("previous_digest") != expected_prev:
                raise Discrepancy(f"{label}: chain broken — previous_digest is {doc['previous_digest']!r}, "
                                  f"but the previous {item['series']} report's digest is {expected_prev!r}")
            last[item["series"]] = item["digest"]
            if doc["series"] == "access":
                self.check_access(doc, label)
            self.check_findings(doc, label)
            self.log(f"ok  {label} {item['digest']}")
        self.check_log(items)
        return len(items)

    # --- the transparency log (broker.tlog.audit) ---------------------------------------------

    def check_log(self, items: list[dict]) -> None:
        """Checkpoint signature, tiles → root, every report and round included, ``--since``."""
        if self.round_index is None:  # the lists first, then the checkpoint that covers them
            self.round_index = {r["id"]: r for r in self.src.rounds()}
        try:
            log = audit.load(self.src.bytes, self.jwks)
            # First: did the log only grow since the saved checkpoint (the stronger finding)?
            grown = f", consistent with the saved checkpoint of size {audit.since(log, self.saved)}" if self.saved else ""
            for item in items:
                label = f"{item.get('series')} report {item['id']} ({item.get('period')})"
                self._check_logged(log, audit.report_entry(item, item["digest"]), item, label)
            for rid, meta in sorted(self.round_index.items()):
                din, dout = self._round_digests(meta)
                self._check_logged(log, audit.round_entry(meta, din, dout), meta, f"round {rid} ({meta.get('period')})")
            audit.check_nothing_hidden(log, {i["id"] for i in items}, set(self.round_index))
        except (audit.LogDiscrepancy, merkle.ProofError) as e:
            raise Discrepancy(f"transparency log: {e}") from None
        self.log_summary = (f"log of {log.checkpoint.size} entries: signed checkpoint, tiles hash to its root, "
                            f"every report and round included{grown}")
        self.log(f"ok  {self.log_summary}")
        self.check_receipts(log)

    def all_rounds(self) -> dict[int, dict]:
        if self.round_index is None:
            self.round_index = {r["id"]: r for r in self.src.rounds()}
        return {rid: self._round(rid, f"round {rid}") for rid in sorted(self.round_index)}

    def check_receipts(self, log: audit.Log) -> None:
        """Every round accounts for every receipt commitment logged before it, and its weights
        and groups are the public ones (``receipt_checks``)."""
        orgs, rounds, checked, ledger = self.src.orgs(), self.all_rounds(), 0, None
        for rnd, ledger in receipt_checks.walk(log.entries, rounds):
            problems = (ledger.problems + receipt_checks.completeness(ledger, rnd)
                        + (receipt_checks.weights_and_groups(rnd, orgs) if orgs is not None else []))
            if problems:
                raise Discrepancy(f"receipts: {problems[0]}")
            checked += 1
        commitments = len(ledger.of) if ledger else 0
        self.log_summary += (f"; {checked} round(s) account for all {commitments} receipt commitments logged "
                             f"before them, with the public weights and groups")
        self.log(f"ok  receipts: {checked} round(s) complete, weights and groups public")

    def _check_logged(self, log: audit.Log, entry: bytes, item: dict, label: str) -> None:
        link = item.get("links", {}).get("tlog_proof")
        audit.check_included(log, entry, label, self.src.bytes(link).decode("utf-8") if link else None)

    def _round_digests(self, meta: dict) -> tuple[str, str]:
        """SHA-256 of the exact input and output bytes served for a round."""
        if meta["id"] in self.rounds:
            rnd = self.rounds[meta["id"]]
            return rnd["input_digest"], rnd["output_digest"]
        return _sha(self.src.bytes(meta["links"]["input"])), _sha(self.src.bytes(meta["links"]["output"]))

    def check_report(self, item: dict, jwks: dict, label: str) -> dict:
        data = self.src.bytes(item["links"]["json"])
        got = canonical.digest_of_bytes(data)
        if got != item["digest"]:
            raise Discrepancy(f"{label}: digest of the document is {got}, the list says {item['digest']}")
        if not canonical.is_canonical(data):
            raise Discrepancy(f"{label}: the document is not in canonical form")
        token = self.src.bytes(item["links"]["jws"]).decode("utf-8").strip()
        try:
            header, payload = signing.verify(token, jwks)
        except signing.SignatureError as e:
            raise Discrepancy(f"{label}: JWS does not verify: {e}") from None
        if payload != data:
            raise Discrepancy(f"{label}: the JWS payload differs from the published document")
        doc = json.loads(data)
        for key in ("series", "period"):
            if doc.get(key) != item.get(key):
                raise Discrepancy(f"{label}: document says {key}={doc.get(key)!r}, the list says {item.get(key)!r}")
        for key in ("schema_version", "policy_version", "previous_digest"):
            if key not in doc:
                raise Discrepancy(f"{label}: document has no {key}")
        return doc

    def _round(self, rid: int, label: str) -> dict:
        if rid in self.rounds:
            return self.rounds[rid]
        if self.round_index is None:
            self.round_index = {r["id"]: r for r in self.src.rounds()}
        meta = self.round_index.get(rid)
        if meta is None:
            raise Discrepancy(f"{label}: round {rid} is not in the published rounds")
        raw_in, raw_out = self.src.bytes(meta["links"]["input"]), self.src.bytes(meta["links"]["output"])
        rnd = {"id": rid, "kind": meta.get("kind"), "ran_at": meta.get("ran_at"), "period": meta.get("period"),
               "input": json.loads(raw_in), "output": json.loads(raw_out),
               "input_digest": _sha(raw_in), "output_digest": _sha(raw_out)}
        self.rounds[rid] = rnd
        return rnd

    def _replay(self, rnd: dict, label: str) -> None:
        if rnd["id"] in self.replayed or not self.replay:
            return
        from broker.fairness import RESULT_VERSIONS, RoundInputError, allocate
        version = rnd["output"].get("schema_version", 1)     # rounds stored before version 2 have none
        if version not in RESULT_VERSIONS:
            raise Discrepancy(f"{label}: round {rnd['id']} output has result schema version {version!r}, "
                              f"which this verifier does not know")
        try:
            result = allocate(rnd["input"], version=version)
        except RoundInputError as e:
            raise Discrepancy(f"{label}: round {rnd['id']} input is not a valid engine input: {e}") from None
        again, stored = canonical.round_figures(json.loads(json.dumps(result))), canonical.round_figures(rnd["output"])
        if again != stored:
            where = _first_difference(stored, again)
            raise Discrepancy(f"{label}: round {rnd['id']} does not replay: the engine gives a different "
                              f"output at {where}")
        self.replayed.add(rnd["id"])

    def check_access(self, doc: dict, label: str) -> None:
        rounds = []
        for listed in doc.get("rounds", []):
            rnd = self._round(listed["id"], label)
            for part in ("input", "output"):
                if rnd[f"{part}_digest"] != listed[f"{part}_digest"]:
                    raise Discrepancy(f"{label}: round {listed['id']} {part} digest is {rnd[f'{part}_digest']}, "
                                      f"the report says {listed[f'{part}_digest']}")
            self._replay(rnd, label)
            rounds.append({**rnd, "ran_at": listed.get("ran_at", rnd["ran_at"])})
        if not doc.get("provisional"):
            if self.round_index is None:
                self.round_index = {r["id"]: r for r in self.src.rounds()}
            published = {r["id"] for r in self.round_index.values() if r.get("period") == doc["period"]}
            missing = sorted(published - {r["id"] for r in doc.get("rounds", [])})
            if missing:
                raise Discrepancy(f"{label}: round(s) {missing} of {doc['period']} are published but not "
                                  f"counted in the report")
        index = {o["offering"]: o for o in doc.get("offerings", [])}
        k = int(doc.get("parameters", {}).get("small_cell_k", 5))
        again = canonical.round_figures(rounddata.allocation_figures(rounds, index, k))
        stored = doc.get("allocation")
        where = _first_difference(stored, again)
        if where is not None:
            raise Discrepancy(f"{label}: figure allocation.{where} is {_lookup(stored, where)!r} in the "
                              f"report, but the round data give {_lookup(again, where)!r}")
        self.check_structure(doc, rounds, label)


    # --- schema 2.1 on: market structure, entitlement, findings; 2.2: the rivals' gaps ---------

    def previous_document(self, doc: dict) -> dict | None:
        """The series' latest report, published before this one, of the latest earlier period."""
        earlier = [p for p in self.documents.get(doc["series"], {}) if p < doc["period"]]
        return self.documents[doc["series"]][max(earlier)] if earlier else None

    def check_findings(self, doc: dict, label: str) -> None:
        if verify_figures.declares_findings(doc):
            self._raise_on(verify_figures.findings_mismatch(doc, self.previous_document(doc), _first_difference), label)
        self.documents.setdefault(doc["series"], {})[doc["period"]] = doc

    def check_structure(self, doc: dict, rounds: list[dict], label: str) -> None:
        if not verify_figures.declares_findings(doc):
            return
        self._raise_on(verify_figures.entitlement_mismatch(doc, rounds, _first_difference), label)
        self._raise_on(verify_figures.structure_mismatch(doc, self.previous_document(doc), _first_difference), label)
        if verify_figures.declares_gap_counts(doc):
            self._raise_on(verify_figures.gaps_mismatch(doc, _first_difference), label)
        elif doc.get("foreclosure", {}).get("vendors"):
            # Schema 2.1 published the rivals' gaps without the counts behind them: nothing to
            # recompute them from. Said, not failed: the report is what it was when signed.
            self.not_recomputed.append(label)
            self.log(f"note {label}: schema {doc.get('schema_version')} publishes no counts behind "
                     f"foreclosure.vendors, so its rivals' fill and price gaps are not recomputed")

    @staticmethod
    def _raise_on(mismatch, label: str) -> None:
        if mismatch is not None:
            where, stored, again = mismatch
            raise Discrepancy(f"{label}: figure {where} is {stored!r} in the report, "
                              f"but the published data give {again!r}")


def download(src, folder: str | Path) -> int:
    """Save reports (json, jws, csv), rounds (input, output) and the JWKS into ``folder``."""
    root = Path(folder)
    (root / "reports").mkdir(parents=True, exist_ok=True)
    (root / "rounds").mkdir(parents=True, exist_ok=True)
    (root / "jwks.json").write_bytes(json.dumps(src.jwks(), indent=1).encode())
    reports = []
    for item in src.reports():
        links = {}
        for kind, ext in (("json", "json"), ("jws", "jws"), ("csv", "csv"), ("tlog_proof", "tlog-proof")):
            if item["links"].get(kind):
                rel = f"reports/{item['id']}.{ext}"
                (root / rel).write_bytes(src.bytes(item["links"][kind]))
                links[kind] = rel
        reports.append({**item, "links": links})
    (root / "reports.json").write_text(json.dumps({"items": reports}, indent=1))
    rounds = []
    for item in src.rounds():
        links = {}
        for part in ("input", "output"):
            rel = f"rounds/{item['id']}.{part}.json"
            (root / rel).write_bytes(src.bytes(item["links"][part]))
            links[part] = rel
        if item["links"].get("tlog_proof"):
            rel = f"rounds/{item['id']}.tlog-proof"
            (root / rel).write_bytes(src.bytes(item["links"]["tlog_proof"]))
            links["tlog_proof"] = rel
        rounds.append({**item, "links": links})
    (root / "rounds.json").write_text(json.dumps({"items": rounds}, indent=1))
    (root / "orgs.json").write_text(json.dumps({"items": src.orgs()}, indent=1))
    audit.download(src.bytes, root)  # log/checkpoint and every tile it covers
    return len(reports)


def main(argv=None) -> int:
    if "--receipts" in (sys.argv[1:] if argv is None else argv):  # the developer's check of its own requests
        return verify_receipts.main(argv)
    parser = argparse.ArgumentParser(prog="parity-verify", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", help="base URL of a Parity (https://…) or a downloaded folder")
    parser.add_argument("--download", metavar="FOLDER",
                        help="save the series and the log (FOLDER/log/checkpoint) into FOLDER, then verify the copy")
    parser.add_argument("--since", metavar="CHECKPOINT_FILE",
                        help="a checkpoint saved earlier (FOLDER/log/checkpoint): prove the log only grew since")
    parser.add_argument("--no-replay", action="store_true",
                        help="do not re-run the rounds through the engine (for an install without it)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the verdict")
    parser.add_argument("--receipts", action="store_true",
                        help="instead: check your own requests' treatment with your API client's credentials "
                             "(--client-id/--client-secret or PARITY_CLIENT_ID/PARITY_CLIENT_SECRET; see docs/reports.md)")
    args = parser.parse_args(argv)
    log = (lambda line: None) if args.quiet else print
    try:
        saved = audit.read_saved(args.since) if args.since else None  # before --download overwrites it
        src = source_for(args.source)
        if args.download:
            n = download(src, args.download)
            log(f"saved {n} reports into {args.download}")
            src = FolderSource(args.download)
        verifier = Verifier(src, log)
        verifier.saved, verifier.replay = saved, not args.no_replay
        n = verifier.run()
    except Discrepancy as d:
        print(f"FAIL: {d}", file=sys.stderr)
        return 1
    except ImportError as e:
        print(engine_missing(e), file=sys.stderr)
        return 2
    except (SourceError, OSError, ValueError, KeyError, TypeError) as e:
        print(f"ERROR: cannot read the series: {e.__class__.__name__}: {e}", file=sys.stderr)
        return 2
    replays = "round replays" if verifier.replay else "round replays SKIPPED"
    gaps = "rivals' gaps" + (f" (not recomputed in {len(verifier.not_recomputed)} report(s) of schema 2.1, which "
                             f"publish no counts)" if verifier.not_recomputed else "")
    print(f"OK: {n} reports verified (signatures, chain, {replays}, access figures, market structure, {gaps}, "
          f"entitlement, findings); {verifier.log_summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
