"""Parity's transparency log (C2SP tlog-tiles, tlog-checkpoint, signed-note, tlog-proof; RFC 6962
hashing). Pure parts — ``merkle`` (hashes, tiles, proofs), ``note`` (signed notes, checkpoints,
proof files) and ``entries`` (the manifests logged) — need neither Flask nor a database, so
the auditor's verifier uses them alone; ``service`` stores and signs, ``web`` serves.
See docs/transparency-log.md."""
