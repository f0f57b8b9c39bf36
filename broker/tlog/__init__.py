"""Parity's transparency log (C2SP tlog-tiles, tlog-checkpoint, signed-note, tlog-proof; RFC 6962
hashing). Pure parts — ``merkle`` (hashes, tiles, proofs), ``note`` (signed notes, checkpoints,
proof files), ``entries`` (the manifests logged) and ``audit`` (the auditor's check) — need
neither Flask nor a database; ``service`` stores and signs, ``broker.web.tlog`` serves.
See docs/reports.md, "The transparency log"."""
