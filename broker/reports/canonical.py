"""Which canonical form a report document is in, and its digest. Pure.

The bytes come from ``broker.canonical`` (the one canonicaliser); this module only knows the
reports' rule for choosing the form. A document declares it: schema 2.0 on carries
``"canonicalization": "RFC8785"`` (RFC 8785 / JCS, reproducible with any JCS library);
documents published before (schema 1.0, no such member) were written in the legacy form
(``json.dumps(sort_keys=True)``) and keep their bytes forever, so they are checked by it.
Every non-integer figure is rounded to 6 decimals before either form.
"""
from __future__ import annotations

import json

from broker import canonical as _canonical
from broker.canonical import digest as digest_of_bytes, round_figures  # noqa: F401 (re-exported)

RFC8785 = "RFC8785"
LEGACY = "legacy"


def form_of(doc: dict) -> str:
    """The canonical form a document declares (legacy when it declares none)."""
    return RFC8785 if doc.get("canonicalization") == RFC8785 else LEGACY


def canonical_bytes(doc: dict) -> bytes:
    rounded = round_figures(doc)
    return _canonical.jcs(rounded) if form_of(doc) == RFC8785 else _canonical.legacy(rounded)


def digest(doc: dict) -> str:
    return digest_of_bytes(canonical_bytes(doc))


def is_canonical(data: bytes) -> bool:
    """True when ``data`` is exactly the canonical form (the one it declares) of its document."""
    try:
        text = data.decode("utf-8")
        doc = json.loads(text)
        if isinstance(doc, dict) and form_of(doc) == RFC8785:
            # RFC 8785 numbers are IEEE doubles: read them as such (an integral figure of 2^53
            # or more is written in digits but is not an I-JSON integer).
            doc = json.loads(text, parse_int=float)
        return isinstance(doc, dict) and canonical_bytes(doc) == data
    except (ValueError, UnicodeDecodeError, TypeError, OverflowError):
        return False
