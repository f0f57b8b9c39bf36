"""The Merkle code against transparency-dev/merkle's RFC 6962 vectors (it accepts exactly the
files with ``wantErr: false``), and its own proofs against a from-the-definition tree hash."""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from broker.tlog import merkle

pytestmark = pytest.mark.pure

VECTORS = Path(__file__).parents[1] / "vectors" / "merkle"
INCLUSION = sorted(VECTORS.glob("inclusion/**/*.json"))
CONSISTENCY = sorted(VECTORS.glob("consistency/**/*.json"))


def _b(text):
    return base64.b64decode(text or "")


def _accepts_inclusion(v: dict) -> bool:
    try:
        merkle.verify_inclusion(v["leafIdx"], v["treeSize"], _b(v["leafHash"]),
                                [_b(p) for p in v["proof"] or []], _b(v["root"]))
        return True
    except merkle.ProofError:
        return False


def _accepts_consistency(v: dict) -> bool:
    try:
        merkle.verify_consistency(v["size1"], v["size2"], _b(v["root1"]), _b(v["root2"]),
                                  [_b(p) for p in v["proof"] or []])
        return True
    except merkle.ProofError:
        return False


def test_vectors_are_there():
    assert len(INCLUSION) > 80 and len(CONSISTENCY) > 80


@pytest.mark.parametrize("path", INCLUSION, ids=lambda p: str(p.relative_to(VECTORS)))
def test_inclusion_vector(path):
    v = json.loads(path.read_text())
    assert _accepts_inclusion(v) is (not v["wantErr"]), v["desc"]


@pytest.mark.parametrize("path", CONSISTENCY, ids=lambda p: str(p.relative_to(VECTORS)))
def test_consistency_vector(path):
    v = json.loads(path.read_text())
    assert _accepts_consistency(v) is (not v["wantErr"]), v["desc"]


def mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH, straight from the definition."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return merkle.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def test_proofs_check_for_every_index_and_size_up_to_40():
    data = [f"entry {i}".encode() for i in range(40)]
    tree = merkle.Tree(merkle.leaf_hash(d) for d in data)
    for n in range(1, 41):
        root = tree.root(n)
        assert root == mth(data[:n])
        for i in range(n):
            merkle.verify_inclusion(i, n, merkle.leaf_hash(data[i]), tree.inclusion_proof(i, n), root)
        for m in range(1, n + 1):
            merkle.verify_consistency(m, n, tree.root(m), root, tree.consistency_proof(m, n))
    assert tree.root(0) == merkle.EMPTY_ROOT


def test_a_changed_entry_breaks_the_old_proofs():
    data = [bytes([i]) for i in range(9)]
    tree = merkle.Tree(merkle.leaf_hash(d) for d in data)
    forged = merkle.Tree(merkle.leaf_hash(d) for d in data[:3] + [b"x"] + data[4:])
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(5, 9, tree.root(5), forged.root(9), forged.consistency_proof(5, 9))
    merkle.verify_consistency(3, 9, tree.root(3), forged.root(9), forged.consistency_proof(3, 9))


def test_tiles_and_paths():
    n = 256 * 3 + 17
    tree = merkle.Tree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n))
    full = tree.tile(0, 1, 256)
    assert len(full) == 256 * 32 and full[:32] == tree.levels[0][256]
    assert tree.tile(1, 0, 3) == tree.subtree(0, 256) + tree.subtree(256, 512) + tree.subtree(512, 768)
    assert tree.tile(0, 3, 17) == b"".join(tree.levels[0][768:785])
    with pytest.raises(merkle.ProofError):
        tree.tile(0, 3, 18)
    assert merkle.tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert merkle.tile_path("entries", 5, 17) == "tile/entries/005.p/17"
    assert merkle.parse_tile_path("0/x001/x234/067") == (0, 1234067, 256)
    assert merkle.parse_tile_path("entries/005.p/17") == ("entries", 5, 17)
    for bad in ("0/5", "0/x000/005", "64/000", "0/000.p/256", "0/000.p/0", "01/000", "a/000"):
        with pytest.raises(ValueError):
            merkle.parse_tile_path(bad)
    assert merkle.unbundle(merkle.bundle([b"a", b"", b"bc"])) == [b"a", b"", b"bc"]
