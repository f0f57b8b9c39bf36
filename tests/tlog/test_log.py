"""The log service and its public routes: entries appended with what they describe, never
changed; checkpoints, tiles, proofs and keys as C2SP says; the verify command online, offline,
``--since``, and failing with the divergence named after a rewritten entry."""
from __future__ import annotations

import hashlib

from broker import db
from broker.tlog import note
from broker.tlog import service as tlog


def forged_checkpoint(app, saved_note: str) -> str:
    """A checkpoint signed with the log's real key at a saved size over another root: what an
    operator who rewrote history would sign."""
    cp = note.parse_checkpoint(saved_note.split("\n\n")[0] + "\n")
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            _kid, key = tlog._signer(s, app.instance_path)
    fake = note.Checkpoint(cp.origin, cp.size, hashlib.sha256(b"another history").digest())
    return note.sign(fake.text(), cp.origin, key)
