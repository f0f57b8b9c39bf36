"""The auditor's check of the transparency log, for ``python -m broker.reports.verify``.

Given a source (a running Parity or a downloaded folder: ``log/checkpoint``,
``log/tile/...``), it verifies the checkpoint's signature with a note key published in the
JWKS, rebuilds the tree from the entry bundles and checks every hash tile and the root
against the checkpoint; then that each report and round is in the log, that the log holds no
report or round the lists leave out, and each served ``.tlog-proof``. ``since`` checks that
the log extends a checkpoint saved earlier and, when the tiles saved with it are at hand,
names the first tree size where the two histories diverge. Needs no Flask and no database.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from broker.tlog import entries, merkle, note

CHECKPOINT = "log/checkpoint"


class LogDiscrepancy(Exception):
    """The log does not check out (the verifier reports it as its first discrepancy)."""


def verifiers(jwks: dict) -> list[note.Verifier]:
    """The note verifier keys published in the JWKS (each must be its JWK's own key)."""
    out = []
    for jwk in jwks.get("keys", []):
        vkey = jwk.get("note_verifier_key")
        if not vkey:
            continue
        try:
            v = note.parse_verifier_key(vkey)
            if note.public_bytes(v.public) != note.unb64url(jwk.get("x", "")):
                raise note.NoteError(f"note key {vkey} is not the key of JWK {jwk.get('kid')}")
        except note.NoteError as e:
            raise LogDiscrepancy(f"JWKS: {e}") from None
        out.append(v)
    if not out:
        raise LogDiscrepancy("the JWKS publishes no note verifier key for the transparency log")
    return out


def open_checkpoint(text: str, keys: list[note.Verifier], what: str = "the checkpoint") -> note.Checkpoint:
    errors = []
    for v in keys:
        try:
            return note.open_checkpoint(text, v, origin=v.name)
        except note.NoteError as e:
            errors.append(str(e))
    raise LogDiscrepancy(f"{what} does not verify with the published log key(s): {'; '.join(errors)}")


def level_widths(size: int, level: int) -> list[tuple[int, int]]:
    """(tile index, width) of every tile of ``level`` a tree of ``size`` needs."""
    count = size // merkle.TILE_WIDTH ** level
    return [(n, min(merkle.TILE_WIDTH, count - n * merkle.TILE_WIDTH))
            for n in range((count + merkle.TILE_WIDTH - 1) // merkle.TILE_WIDTH)]


def tile_paths(size: int) -> list[str]:
    """Every tile and entry bundle path (under ``log/``) a tree of ``size`` is served as."""
    paths = [merkle.tile_path("entries", n, w) for n, w in level_widths(size, 0)]
    level = 0
    while size // merkle.TILE_WIDTH ** level:
        paths += [merkle.tile_path(level, n, w) for n, w in level_widths(size, level)]
        level += 1
    return paths


def read_entries(get, size: int) -> list[bytes]:
    out = []
    for n, w in level_widths(size, 0):
        path = merkle.tile_path("entries", n, w)
        try:
            got = merkle.unbundle(get(f"log/{path}"))
        except ValueError as e:
            raise LogDiscrepancy(f"entry bundle {path}: {e}") from None
        if len(got) != w:
            raise LogDiscrepancy(f"entry bundle {path} holds {len(got)} entries, not {w}")
        out += got
    return out


def read_leaves(get, size: int) -> list[bytes]:
    data = b"".join(get(f"log/{merkle.tile_path(0, n, w)}") for n, w in level_widths(size, 0))
    if len(data) != size * merkle.HASH_SIZE:
        raise LogDiscrepancy(f"the level-0 tiles hold {len(data)} bytes, not {size} hashes")
    return [data[i:i + merkle.HASH_SIZE] for i in range(0, len(data), merkle.HASH_SIZE)]


@dataclass
class Log:
    checkpoint: note.Checkpoint
    tree: merkle.Tree
    entries: list[bytes]
    keys: list[note.Verifier]
    index: dict[bytes, int] = field(default_factory=dict)


def load(get, jwks: dict) -> Log:
    """Fetch and check the log: signature, entries → level-0 tiles → higher tiles → root."""
    keys = verifiers(jwks)
    cp = open_checkpoint(get(CHECKPOINT).decode("utf-8"), keys)
    found = read_entries(get, cp.size)
    leaves = read_leaves(get, cp.size)
    for i, (e, leaf) in enumerate(zip(found, leaves)):
        if merkle.leaf_hash(e) != leaf:
            raise LogDiscrepancy(f"log entry {i} does not hash to its leaf in tile "
                                 f"{merkle.tile_path(0, i // merkle.TILE_WIDTH)}: {e[:200]!r}")
    tree = merkle.Tree(leaves)
    level = 1
    while cp.size // merkle.TILE_WIDTH ** level:
        for n, w in level_widths(cp.size, level):
            path = merkle.tile_path(level, n, w)
            if get(f"log/{path}") != tree.tile(level, n, w):
                raise LogDiscrepancy(f"tile {path} is not the hash of the tiles below it")
        level += 1
    root = tree.root(cp.size)
    if root != cp.root:
        raise LogDiscrepancy(f"the tiles give root {note.b64(root)} for tree size {cp.size}, but the "
                             f"checkpoint signs {note.b64(cp.root)}")
    log = Log(cp, tree, found, keys)
    log.index = {leaf: i for i, leaf in enumerate(leaves)}
    return log


def check_included(log: Log, entry: bytes, label: str, proof_text: str | None = None) -> None:
    """``entry`` is in the log (its inclusion proof checked against the root), or — published
    after the checkpoint was fetched — its served ``.tlog-proof`` shows it in a later one."""
    leaf = merkle.leaf_hash(entry)
    i = log.index.get(leaf)
    if i is None:
        if proof_text is not None and check_proof_file(log, proof_text, entry, label) > log.checkpoint.size:
            return
        raise LogDiscrepancy(f"{label}: not in the transparency log (no entry {entry.decode()})")
    size = log.checkpoint.size
    merkle.verify_inclusion(i, size, leaf, log.tree.inclusion_proof(i, size), log.checkpoint.root)
    if proof_text is not None:
        check_proof_file(log, proof_text, entry, label)


def check_proof_file(log: Log, text: str, entry: bytes, label: str) -> int:
    """A served C2SP tlog-proof: its checkpoint signed, its proof leading there, and that
    checkpoint a state of the same log when it is not newer. Returns its tree size."""
    try:
        p = note.parse_proof(text)
        cp = open_checkpoint(p.checkpoint_note, log.keys, f"{label}: the proof's checkpoint")
        merkle.verify_inclusion(p.index, cp.size, merkle.leaf_hash(entry), p.hashes, cp.root)
    except (note.NoteError, merkle.ProofError) as e:
        raise LogDiscrepancy(f"{label}: its .tlog-proof does not verify: {e}") from None
    if cp.size <= log.checkpoint.size and log.tree.root(cp.size) != cp.root:
        raise LogDiscrepancy(f"{label}: its .tlog-proof's checkpoint (size {cp.size}) is not a state of this log")
    return cp.size


def report_entry(item: dict, digest: str) -> bytes:
    return entries.report(item["id"], item["series"], item["period"], digest)


def round_entry(item: dict, input_digest: str, output_digest: str) -> bytes:
    return entries.round_(item["id"], item["period"], item["kind"], input_digest, output_digest)


def check_nothing_hidden(log: Log, report_ids: set[int], round_ids: set[int]) -> None:
    """Every report and round the log holds is in the published lists."""
    for i, e in enumerate(log.entries):
        doc = json.loads(e)
        listed = {"report": report_ids, "round": round_ids}.get(doc.get("type"))
        if listed is not None and doc.get("id") not in listed:
            raise LogDiscrepancy(f"log entry {i} records {doc['type']} {doc.get('id')}, which the published "
                                 f"{doc['type']} list does not show")


@dataclass
class Saved:
    """A checkpoint saved earlier (``--download``), and the leaf hashes saved beside it."""
    note_text: str
    leaves: list[bytes] | None


def read_saved(path: str | Path) -> Saved:
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    tiles = path.parent / "tile"
    leaves = None
    if tiles.is_dir():
        try:
            size = note.unverified_checkpoint(text).size
            leaves = read_leaves(lambda p: (path.parent.parent / p).read_bytes(), size)
        except (OSError, note.NoteError, LogDiscrepancy):
            leaves = None  # the tiles are not all there: consistency is still checked
    return Saved(text, leaves)


def since(log: Log, saved: Saved) -> int:
    """Check the log extends the saved checkpoint; name where they diverge if not."""
    old = open_checkpoint(saved.note_text, log.keys, "the saved checkpoint")
    new = log.checkpoint
    if old.size > new.size:
        raise LogDiscrepancy(f"the log shrank: the saved checkpoint has {old.size} entries, the log now {new.size}")
    if old.size == 0:
        return 0
    try:
        merkle.verify_consistency(old.size, new.size, old.root, new.root,
                                  log.tree.consistency_proof(old.size, new.size) if old.size < new.size else [])
        return old.size
    except merkle.ProofError:
        pass
    if saved.leaves is not None and merkle.Tree(saved.leaves).root() == old.root:
        first = next(i for i, (a, b) in enumerate(zip(saved.leaves, log.tree.levels[0])) if a != b)
        raise LogDiscrepancy(
            f"the log's history diverges from the checkpoint saved earlier (size {old.size}) at tree size "
            f"{first + 1}: entry {first} is now {log.entries[first].decode()}, not the entry saved then")
    raise LogDiscrepancy(f"the log is not consistent with the checkpoint saved earlier: at tree size {old.size} "
                         f"it had root {note.b64(old.root)}, the log now gives {note.b64(log.tree.root(old.size))}")


def download(get, folder: Path) -> int:
    """Save the checkpoint and every tile and entry bundle it covers under ``folder/log``."""
    text = get(CHECKPOINT)
    size = note.unverified_checkpoint(text.decode("utf-8")).size
    for path in tile_paths(size):
        target = folder / "log" / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(get(f"log/{path}"))
    (folder / "log").mkdir(parents=True, exist_ok=True)
    (folder / CHECKPOINT).write_bytes(text)  # last: a folder with a checkpoint has its tiles
    return size
