"""The log's store: append entries, keep the tree, read tiles and proofs (sealing price files
and signing checkpoints: ``broker.reports.log_signing``). Appends run inside the caller's transaction, so an entry exists exactly when the
thing it describes does; the database refuses to change or delete either (migration 0010).

Appends are serialised (PostgreSQL advisory lock; SQLite's write lock) so indices stay gapless.
A checkpoint is signed only over a tree that extends the last one signed.
"""
from __future__ import annotations

import threading
from urllib.parse import urlparse

import sqlalchemy as sa
from sqlmodel import Session, func, select

from broker.clock import now
from broker.models import LogCheckpoint, LogEntry, PolicyVersion, Report, Round, SigningKey
from broker.tlog import entries, merkle, note

LOG_LOCK_KEY = 0x504152495459 + 10
DEFAULT_ORIGIN = "parity.localhost/log"


class LogIntegrityError(Exception):
    """The stored log no longer extends the last signed checkpoint: never signed over."""


def origin(config: dict) -> str:
    """The log's origin line and key name: PARITY_LOG_ORIGIN, else the public URL's host and
    path + ``/log``, else a local placeholder. Fix it before the first checkpoint."""
    if config.get("TLOG_ORIGIN"):
        return config["TLOG_ORIGIN"]
    base = config.get("PUBLIC_BASE_URL")
    if base:
        u = urlparse(base)
        return f"{u.netloc}{u.path.rstrip('/')}/log"
    return DEFAULT_ORIGIN


# The next index: the primary key's largest + 1 (an index lookup; COUNT(*) reads every entry,
# and with a receipt per request event the log grows with every submission).
NEXT_IDX = sa.select(func.coalesce(func.max(LogEntry.idx), -1) + 1).scalar_subquery()


def lock(s: Session) -> None:
    if s.get_bind().dialect.name == "postgresql":
        s.exec(sa.text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=LOG_LOCK_KEY))


def append(s: Session, kind: str, ref, body: bytes) -> LogEntry:
    """Append ``body`` as the next entry (call inside the transaction that creates the thing).
    Logging the same thing twice returns its entry; a different body for it is refused."""
    if kind not in entries.KINDS:
        raise ValueError(f"unknown log entry kind {kind!r}")
    lock(s)
    ref = str(ref)
    old = s.exec(select(LogEntry).where(LogEntry.kind == kind, LogEntry.ref == ref)).first()
    if old is not None:
        if old.body.encode("utf-8") != body:
            raise LogIntegrityError(f"{kind} {ref} is already logged with different content")
        return old
    size = s.exec(select(NEXT_IDX)).one()
    row = LogEntry(idx=size, kind=kind, ref=ref, body=body.decode("utf-8"),
                   leaf_hash=merkle.leaf_hash(body).hex(), created_at=now())
    s.add(row)
    s.flush()
    return row


def log_report(s: Session, r: Report) -> LogEntry:
    return append(s, "report", r.id, entries.report(r.id, r.series, r.period, r.digest))


def log_round(s: Session, r: Round) -> LogEntry:
    return append(s, "round", r.id, entries.round_(r.id, r.period, r.kind, r.input_digest, r.output_digest))


def log_policy(s: Session, v: PolicyVersion) -> LogEntry:
    return append(s, "policy", v.version, entries.policy(v.version, v.effective_period, v.params))


# --- the tree ------------------------------------------------------------------------------

_trees: dict[str, merkle.Tree] = {}
_trees_lock = threading.Lock()


def tree(s: Session) -> merkle.Tree:
    """The tree over every stored entry, kept per database address and extended as the log
    grows. A cached tree is used only while its last leaf and the latest checkpoint's root
    match the database (tests reuse one address for many databases)."""
    key = str(s.get_bind().url)
    with _trees_lock:
        cached = t = _trees.get(key)
        if t is not None and t.size:
            tail = s.exec(select(LogEntry.leaf_hash).where(LogEntry.idx == t.size - 1)).first()
            if tail is None or bytes.fromhex(tail) != t.levels[0][-1]:
                t = None
        t = _extend(s, t or merkle.Tree())
        cp = latest_checkpoint(s)
        if t is cached and cp is not None and cp.size <= t.size and t.root(cp.size).hex() != cp.root_hash:
            t = _extend(s, merkle.Tree())
        _trees[key] = t
        return t


def _extend(s: Session, t: merkle.Tree) -> merkle.Tree:
    for (h,) in s.exec(sa.select(LogEntry.leaf_hash).where(LogEntry.idx >= t.size).order_by(LogEntry.idx)):
        t.append(bytes.fromhex(h))
    return t


# --- checkpoints ---------------------------------------------------------------------------

def latest_checkpoint(s: Session) -> LogCheckpoint | None:
    return s.exec(select(LogCheckpoint).order_by(LogCheckpoint.id.desc())).first()


def verifier_keys(s: Session, config: dict) -> list[str]:
    """The note verifier key (name+hash+base64) of every log key, oldest first."""
    name = origin(config)
    rows = s.exec(select(SigningKey).where(SigningKey.purpose == "log").order_by(SigningKey.created_at)).all()
    return [note.verifier_key(name, note.unb64url(r.public_jwk["x"])) for r in rows]


def jwk_decoration(config: dict):
    """For ``keys.jwks``: the log key's JWK also carries its note verifier key."""
    name = origin(config)

    def decorate(row: SigningKey, jwk: dict) -> dict:
        if row.purpose == "log":
            jwk["use"] = "sig"
            jwk["note_verifier_key"] = note.verifier_key(name, note.unb64url(jwk["x"]))
        return jwk

    return decorate


# --- reading -------------------------------------------------------------------------------

def entry_of(s: Session, kind: str, ref) -> LogEntry | None:
    return s.exec(select(LogEntry).where(LogEntry.kind == kind, LogEntry.ref == str(ref))).first()


def proof_for(s: Session, kind: str, ref) -> str | None:
    """The C2SP tlog-proof of an artifact's entry against the latest checkpoint (None when it
    is not logged, or not yet covered by a checkpoint)."""
    e, cp = entry_of(s, kind, ref), latest_checkpoint(s)
    if e is None or cp is None or e.idx >= cp.size:
        return None
    return note.format_proof(e.idx, tree(s).inclusion_proof(e.idx, cp.size), cp.note)


def tile(s: Session, level, index: int, width: int) -> bytes | None:
    """A hash tile, or an entry bundle for level "entries", within the latest checkpoint."""
    cp = latest_checkpoint(s)
    if cp is None:
        return None
    if level == "entries":
        lo = index * merkle.TILE_WIDTH
        if lo + width > cp.size:
            return None
        rows = s.exec(select(LogEntry.body).where(LogEntry.idx >= lo, LogEntry.idx < lo + width)
                      .order_by(LogEntry.idx)).all()
        return merkle.bundle([b.encode("utf-8") for b in rows])
    if (index * merkle.TILE_WIDTH + width) * merkle.TILE_WIDTH ** level > cp.size:
        return None
    return tree(s).tile(level, index, width)
