"""Canonical form and digest exactly as DESIGN.md's "Publication" states them."""
from __future__ import annotations

import hashlib
import json

import pytest

from broker.reports import canonical

pytestmark = pytest.mark.pure


def test_canonical_form_is_the_documented_json_dumps_with_6_decimals():
    doc = {"b": 1, "a": [0.1234567891, 2, "é"], "c": {"z": None, "y": True}, "d": 1.0}
    expected = json.dumps({"b": 1, "a": [0.123457, 2, "é"], "c": {"z": None, "y": True}, "d": 1.0},
                          sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert canonical.canonical_bytes(doc) == expected
    assert canonical.digest(doc) == "sha256:" + hashlib.sha256(expected).hexdigest()
    assert canonical.is_canonical(expected)
    assert not canonical.is_canonical(json.dumps(doc).encode())


def test_no_nan_and_no_negative_zero():
    with pytest.raises(ValueError):
        canonical.canonical_bytes({"x": float("nan")})
    assert canonical.canonical_bytes({"x": -0.0000001}) == b'{"x":0.0}'
