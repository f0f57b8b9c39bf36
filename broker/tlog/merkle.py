"""RFC 6962 Merkle trees: hashes, inclusion and consistency proofs, C2SP tiles. Pure.

leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right), the empty tree's root =
SHA-256 of nothing. Proofs are built by RFC 6962 §2.1.1/§2.1.2 and checked by the algorithms
of RFC 9162 §2.1.3.2 and §2.1.4.2, which take only the proof, never the tree.

``Tree`` keeps every complete, aligned subtree hash (2^k leaves starting at a multiple of
2^k), as Go's sumdb does; any other subtree hash is combined from those, so a proof or a tile
costs O(log n) hashes once the tree is built.
"""
from __future__ import annotations

import hashlib
import re

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes per full tile
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(Exception):
    """A proof that does not verify, or a request outside the tree."""


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """An append-only list of leaf hashes with its complete subtree hashes."""

    def __init__(self, leaf_hashes=()):
        self.levels: list[list[bytes]] = [[]]
        for h in leaf_hashes:
            self.append(h)

    @property
    def size(self) -> int:
        return len(self.levels[0])

    def append(self, leaf: bytes) -> None:
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        self.levels[0].append(leaf)
        k = 0
        while len(self.levels[k]) % 2 == 0:
            parent = node_hash(self.levels[k][-2], self.levels[k][-1])
            if len(self.levels) == k + 1:
                self.levels.append([])
            self.levels[k + 1].append(parent)
            k += 1

    def subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]) for 0 ≤ lo < hi ≤ size."""
        n = hi - lo
        if not 0 <= lo < hi <= self.size:
            raise ProofError(f"no subtree [{lo}, {hi}) in a tree of {self.size}")
        if n & (n - 1) == 0 and lo % n == 0:
            return self.levels[n.bit_length() - 1][lo // n]
        k = _split(n)
        return node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        size = self.size if size is None else size
        if not 0 <= size <= self.size:
            raise ProofError(f"the tree has {self.size} leaves, not {size}")
        return EMPTY_ROOT if size == 0 else self.subtree(0, size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 6962 PATH(index, D[0:size])."""
        if not 0 <= index < size <= self.size:
            raise ProofError(f"no leaf {index} in a tree of {size}")
        proof: list[bytes] = []
        lo, hi, m = 0, size, index
        while hi - lo > 1:
            k = _split(hi - lo)
            if m < k:
                proof.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree(lo, lo + k))
                lo, m = lo + k, m - k
        return proof[::-1]

    def consistency_proof(self, old: int, new: int) -> list[bytes]:
        """RFC 6962 PROOF(old, D[0:new]) for 0 < old ≤ new."""
        if not 0 < old <= new <= self.size:
            raise ProofError(f"no consistency proof from {old} to {new} in a tree of {self.size}")
        proof: list[bytes] = []
        lo, hi, m, complete = 0, new, old, True
        while m != hi - lo:
            k = _split(hi - lo)
            if m <= k:
                proof.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                proof.append(self.subtree(lo, lo + k))
                lo, m, complete = lo + k, m - k, False
        if not complete:
            proof.append(self.subtree(lo, hi))
        return proof[::-1]

    def tile(self, level: int, index: int, width: int) -> bytes:
        """Tile ``index`` of ``level`` with ``width`` hashes (C2SP tlog-tiles)."""
        span = TILE_WIDTH ** level  # leaves under one hash of this tile
        first = index * TILE_WIDTH
        if not 1 <= width <= TILE_WIDTH or (first + width) * span > self.size:
            raise ProofError(f"tile {level}/{index} of width {width} is beyond the tree of {self.size}")
        row = self.levels[TILE_HEIGHT * level] if TILE_HEIGHT * level < len(self.levels) else []
        return b"".join(row[first:first + width])


def _check_hashes(hashes, what: str) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise ProofError(f"{what} holds a hash of {len(h)} bytes, not 32")


def root_from_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes]) -> bytes:
    """The root a valid inclusion proof implies (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not in a tree of size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError("the leaf hash is not 32 bytes")
    _check_hashes(proof, "the inclusion proof")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows leaf ``index`` in the tree (size, root)."""
    if root_from_inclusion(index, size, leaf, proof) != root:
        raise ProofError(f"the inclusion proof of leaf {index} does not lead to the root of tree {size}")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
    """Raise ProofError unless tree (new, new_root) extends tree (old, old_root) (RFC 9162 §2.1.4.2)."""
    if old > new:
        raise ProofError(f"tree size {new} is smaller than {old}")
    if old == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    if old == new:
        if proof:
            raise ProofError("equal sizes take an empty consistency proof")
        if old_root != new_root:
            raise ProofError(f"two different roots for tree size {old}")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    _check_hashes(proof, "the consistency proof")
    if old & (old - 1) == 0:
        proof = [old_root, *proof]
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError(f"the consistency proof does not lead to the root of tree {old}")
    if sr != new_root:
        raise ProofError(f"the consistency proof does not lead to the root of tree {new}")


# --- tile paths (C2SP tlog-tiles) -------------------------------------------------------------

_TILE = re.compile(r"^(0|[1-9]\d?|entries)/((?:x\d{3}/)*\d{3})(?:\.p/([1-9]\d{0,2}))?$")


def tile_index_path(index: int) -> str:
    """1234067 → ``x001/x234/067``."""
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join(["x" + g for g in groups[:-1]] + [groups[-1]])


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]`` (``level`` "entries" for an entry bundle)."""
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{tile_index_path(index)}{suffix}"


def parse_tile_path(rest: str) -> tuple[int | str, int, int]:
    """``<L>/<N>[.p/<W>]`` after ``tile/`` → (level or "entries", index, width)."""
    m = _TILE.match(rest)
    if not m:
        raise ValueError(f"{rest!r} is not a tile path like 0/x001/234.p/17 or entries/000")
    level = m.group(1) if m.group(1) == "entries" else int(m.group(1))
    if isinstance(level, int) and level > 63:
        raise ValueError("tile levels run from 0 to 63")
    index = int("".join(p.lstrip("x") for p in m.group(2).split("/")))
    if tile_index_path(index) != m.group(2):
        raise ValueError(f"{m.group(2)!r} is not the canonical path of tile {index}")
    width = int(m.group(3)) if m.group(3) else TILE_WIDTH
    if m.group(3) and width >= TILE_WIDTH:
        raise ValueError("a partial tile holds 1 to 255 hashes")
    return level, index, width


def bundle(entries: list[bytes]) -> bytes:
    """An entry bundle: each entry as big-endian uint16 length + bytes."""
    out = bytearray()
    for e in entries:
        if len(e) > 0xFFFF:
            raise ValueError("a log entry is at most 65 535 bytes")
        out += len(e).to_bytes(2, "big") + e
    return bytes(out)


def unbundle(data: bytes) -> list[bytes]:
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("entry bundle truncated")
        n = int.from_bytes(data[i:i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("entry bundle truncated")
        out.append(data[i + 2:i + 2 + n])
        i += 2 + n
    return out


def tree_from_tiles(size: int, level0: list[bytes]) -> Tree:
    """A tree rebuilt from the level-0 tiles (concatenated 32-byte leaf hashes) covering ``size``."""
    data = b"".join(level0)
    if len(data) < size * HASH_SIZE:
        raise ProofError(f"the tiles hold {len(data) // HASH_SIZE} leaf hashes, the tree has {size}")
    return Tree(data[i * HASH_SIZE:(i + 1) * HASH_SIZE] for i in range(size))
