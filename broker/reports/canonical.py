"""The canonical form and digest of a report document (DESIGN.md "Publication"). Pure.

Canonical form: every non-integer number rounded to 6 decimals, then
``json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` encoded as
UTF-8. Digest: ``sha256:`` + the hex SHA-256 of those bytes. Anyone can recompute both with
the standard library alone.
"""
from __future__ import annotations

import hashlib
import json
import math

DECIMALS = 6
PREFIX = "sha256:"


def round_figures(value):
    """A copy of ``value`` with every float rounded to 6 decimals (integers and bools kept).

    A float that rounds to a whole number stays a float (``1.0``): the type of a figure does
    not change with its value, so a schema can say "number" and mean it.
    """
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("reports never hold NaN or infinity")
        rounded = round(value, DECIMALS)
        return 0.0 if rounded == 0 else rounded  # no "-0.0" in a published figure
    if isinstance(value, dict):
        return {str(k): round_figures(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_figures(v) for v in value]
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def canonical_bytes(doc: dict) -> bytes:
    return json.dumps(round_figures(doc), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False, allow_nan=False).encode("utf-8")


def digest_of_bytes(data: bytes) -> str:
    return PREFIX + hashlib.sha256(data).hexdigest()


def digest(doc: dict) -> str:
    return digest_of_bytes(canonical_bytes(doc))


def is_canonical(data: bytes) -> bool:
    """True when ``data`` is exactly the canonical form of the document it encodes."""
    try:
        return canonical_bytes(json.loads(data.decode("utf-8"))) == data
    except (ValueError, UnicodeDecodeError, TypeError):
        return False
