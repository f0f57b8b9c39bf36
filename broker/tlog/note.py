"""Signed notes (C2SP signed-note), checkpoints (tlog-checkpoint) and proof files (tlog-proof).
Pure: text and key objects in, text or errors out.

A checkpoint is the note text ``origin\\nsize\\nbase64(root)\\n``, signed Ed25519 over exactly
that text. Signature line: ``— <key name> base64(key ID ‖ signature)``, key ID =
SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. The verifier key is given as Go's
``name+hex(key ID)+base64(0x01 ‖ public key)``, so ``golang.org/x/mod/sumdb/note`` reads it as is.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from broker.tlog.merkle import HASH_SIZE

ED25519 = 0x01
DASH = "\u2014"
PROOF_HEADER = "c2sp.org/tlog-proof@v1"


class NoteError(ValueError):
    """A note, checkpoint or proof file that is malformed or not signed by the expected key."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise NoteError(f"{text[:60]!r} is not base64") from None


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(name: str, public: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([ED25519]) + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    """``name+hash+base64`` (the note verifier key format of Go's sumdb/note)."""
    if not _valid_name(name):
        raise NoteError(f"{name!r} cannot name a note key (no spaces, no '+')")
    return f"{name}+{key_id(name, public).hex()}+{b64(bytes([ED25519]) + public)}"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public: Ed25519PublicKey


def parse_verifier_key(vkey: str) -> Verifier:
    parts = vkey.strip().split("+", 2)  # base64 may hold "+" too
    if len(parts) != 3 or not _valid_name(parts[0]) or len(parts[1]) != 8:
        raise NoteError(f"{vkey!r} is not a note verifier key name+hash+base64")
    name, hexid, raw = parts[0], parts[1], unb64(parts[2])
    if len(raw) != 33 or raw[0] != ED25519:
        raise NoteError("only Ed25519 note verifier keys (type 0x01, 32 bytes) are accepted")
    if key_id(name, raw[1:]).hex() != hexid.lower():
        raise NoteError(f"the key hash {hexid} does not match key {name}")
    return Verifier(name, bytes.fromhex(hexid), Ed25519PublicKey.from_public_bytes(raw[1:]))


def sign(text: str, name: str, private: Ed25519PrivateKey) -> str:
    """The signed note: text (ending in a newline), a blank line, one signature line."""
    if not text.endswith("\n") or "\n\n" in text or any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text must be non-empty lines ending in a newline")
    sig = private.sign(text.encode("utf-8"))
    kid = key_id(name, public_bytes(private.public_key()))
    return f"{text}\n{DASH} {name} {b64(kid + sig)}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text once ``verifier``'s signature on it checks; NoteError otherwise.
    Signatures by other keys are ignored (signed-note), a bad one by this key rejects."""
    if not note.endswith("\n") or any(ord(c) < 0x20 and c != "\n" for c in note):
        raise NoteError("a note ends in a newline and holds no control characters")
    cut = note.rfind("\n\n")
    if cut < 0:
        raise NoteError("no blank line between the note text and its signatures")
    text, sigs = note[:cut + 1], note[cut + 2:]
    verified = False
    for line in sigs.splitlines():
        if not line.startswith(DASH + " ") or line.count(" ") != 2:
            raise NoteError(f"malformed signature line {line[:80]!r}")
        _, name, sig64 = line.split(" ")
        sig = unb64(sig64)
        if len(sig) < 5:
            raise NoteError("a signature is a 4-byte key ID and the signature")
        if name != verifier.name or sig[:4] != verifier.key_id:
            continue
        try:
            verifier.public.verify(sig[4:], text.encode("utf-8"))
        except InvalidSignature:
            raise NoteError(f"the signature by {name} does not verify") from None
        verified = True
    if not verified:
        raise NoteError(f"the note carries no signature by {verifier.name}")
    return text


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{b64(self.root)}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "" or any(line == "" for line in lines[:-1]):
        raise NoteError("a checkpoint is at least three non-empty lines")
    origin, size, root = lines[0], lines[1], unb64(lines[2])
    if not size.isdigit() or (size != "0" and size.startswith("0")) or not size.isascii():
        raise NoteError(f"tree size {size!r} is not a decimal without leading zeroes")
    if len(root) != HASH_SIZE:
        raise NoteError("the root hash is not 32 bytes")
    return Checkpoint(origin, int(size), root)


def unverified_checkpoint(note: str) -> Checkpoint:
    """The checkpoint a signed note carries, signatures NOT checked (to know which tiles to
    fetch or save; trust only what ``open_checkpoint`` returns)."""
    return parse_checkpoint(note[:note.rfind("\n\n") + 1])


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    cp = parse_checkpoint(open_note(note, verifier))
    if origin is not None and cp.origin != origin:
        raise NoteError(f"the checkpoint is for log {cp.origin!r}, not {origin!r}")
    return cp


def format_proof(index: int, proof: list[bytes], checkpoint_note: str, extra: bytes | None = None) -> str:
    """A C2SP tlog-proof file."""
    lines = [PROOF_HEADER]
    if extra is not None:
        lines.append(f"extra {b64(extra)}")
    lines.append(f"index {index}")
    lines += [b64(h) for h in proof]
    return "\n".join(lines) + "\n\n" + checkpoint_note


@dataclass(frozen=True)
class Proof:
    index: int
    hashes: list[bytes]
    checkpoint_note: str
    extra: bytes | None


def parse_proof(text: str) -> Proof:
    head, sep, checkpoint_note = text.partition("\n\n")
    lines = head.split("\n")
    if not sep or lines[0] != PROOF_HEADER:
        raise NoteError(f"not a tlog proof (first line {lines[0][:40]!r})")
    i, extra = 1, None
    if len(lines) > i and lines[i].startswith("extra "):
        extra, i = unb64(lines[i][6:]), i + 1
    if len(lines) <= i or not lines[i].startswith("index "):
        raise NoteError("the proof has no index line")
    index = lines[i][6:]
    if not index.isdigit() or (index != "0" and index.startswith("0")):
        raise NoteError(f"index {index!r} is not a decimal without leading zeroes")
    hashes = [unb64(line) for line in lines[i + 1:]]
    return Proof(int(index), hashes, checkpoint_note, extra)


def unb64url(text: str) -> bytes:
    """base64url without padding (a JWK's ``x``) → bytes."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise NoteError(f"{text[:60]!r} is not base64url") from None
