"""The manifests Parity logs, one per published thing: small RFC 8785 documents. Pure.

Each names what it describes and the SHA-256 of the exact bytes published for it, so an
auditor holding the artifact recomputes the entry and finds it in the log:
- report: id, series, period, digest (of the report document);
- round: id, period, kind, digests of the exact engine input and output;
- policy: version, effective period, digest of the RFC 8785 form of its parameters;
- price_file: UTC date, digest of the day's price file;
- receipt: the salted commitment of a request event's receipt (``broker.tlog.receipts``);
- labor_disclosure: id, quarter, digest of a developer's labor disclosure (no developer named).
"""
from __future__ import annotations

from broker.canonical import digest, jcs

KINDS = ("report", "round", "policy", "price_file", "receipt", "labor_disclosure")


def _entry(type_: str, **fields) -> bytes:
    return jcs({"type": type_, **fields})


def report(report_id: int, series: str, period: str, report_digest: str) -> bytes:
    return _entry("report", id=report_id, series=series, period=period, digest=report_digest)


def round_(round_id: int, period: str, kind: str, input_digest: str, output_digest: str) -> bytes:
    return _entry("round", id=round_id, period=period, kind=kind, input_digest=input_digest,
                  output_digest=output_digest)


def policy(version: int, effective_period: str, params: dict) -> bytes:
    return _entry("policy", version=version, effective_period=effective_period,
                  params_digest=digest(jcs(params)))


def price_file(day: str, file_digest: str) -> bytes:
    return _entry("price_file", date=day, digest=file_digest)


def labor_disclosure(disclosure_id: int, quarter: str, disclosure_digest: str) -> bytes:
    return _entry("labor_disclosure", id=disclosure_id, quarter=quarter, digest=disclosure_digest)
