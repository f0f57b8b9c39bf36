"""RFC 8785 exactly: the RFC author's six input/output pairs byte for byte, the ``rfc8785``
package over arbitrary JSON values, and reports in the form they declare."""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from broker import canonical
from broker.reports import canonical as report_canonical

pytestmark = pytest.mark.pure

JCS = Path(__file__).parents[1] / "vectors" / "jcs"
PAIRS = sorted(p.name for p in (JCS / "input").glob("*.json"))


def test_there_are_six_pairs():
    assert len(PAIRS) == 6


@pytest.mark.parametrize("name", PAIRS)
def test_rfc8785_pair_is_byte_identical(name):
    value = json.loads((JCS / "input" / name).read_bytes())
    assert canonical.jcs(value) == (JCS / "output" / name).read_bytes()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=25)


def es_number(x: float) -> str:
    """ECMAScript Number::toString, which RFC 8785 §3.2.2.3 prescribes, written from the spec
    (shortest round-trip digits, as Python's repr gives them)."""
    if x == 0:
        return "0"
    if x < 0:
        return "-" + es_number(-x)
    sign, digits, exp = Decimal(repr(float(x))).as_tuple()
    s = "".join(map(str, digits)).rstrip("0") or "0"
    exp += len(digits) - len(s)
    k, n = len(s), exp + len(s)
    if k <= n <= 21:
        return s + "0" * (n - k)
    if 0 < n <= 21:
        return s[:n] + "." + s[n:]
    if -6 < n <= 0:
        return "0." + "0" * -n + s
    e = n - 1
    return (s if k == 1 else s[0] + "." + s[1:]) + "e" + ("+" if e >= 0 else "-") + str(abs(e))


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def reference_jcs(v) -> str:
    """RFC 8785 written out from the RFC, independently of the rfc8785 package."""
    if v is None or isinstance(v, bool):
        return {None: "null", True: "true", False: "false"}[v]
    if isinstance(v, (int, float)):
        return es_number(float(v))
    if isinstance(v, str):
        return '"' + "".join(_ESCAPES.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 else c) for c in v) + '"'
    if isinstance(v, list):
        return "[" + ",".join(reference_jcs(x) for x in v) + "]"
    keys = sorted(v, key=lambda k: k.encode("utf-16-be"))  # UTF-16 code units
    return "{" + ",".join(reference_jcs(k) + ":" + reference_jcs(v[k]) for k in keys) + "}"


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_jcs_is_rfc8785_over_any_json_value(value):
    data = canonical.jcs(value)
    assert data == rfc8785.dumps(value)  # the maintained package, as the module promises
    assert data == reference_jcs(value).encode("utf-8")  # and what the RFC says, written out
    # the bytes, read back as JSON numbers are (IEEE doubles), are canonical again
    assert canonical.jcs(json.loads(data, parse_int=float)) == data


integral_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(integral_values)
def test_the_fast_path_for_float_free_values_is_rfc8785(value):
    # receipts and their log entries use it on the submission path
    assert canonical.jcs(value) == reference_jcs(value).encode("utf-8") == rfc8785.dumps(value)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_double_is_written_as_ecmascript_does(x):
    assert canonical.jcs(x).decode() == es_number(x)


def test_reference_serialiser_agrees_with_the_six_pairs():
    for name in PAIRS:
        value = json.loads((JCS / "input" / name).read_bytes())
        assert reference_jcs(value).encode("utf-8") == (JCS / "output" / name).read_bytes(), name


def test_the_differences_the_issue_names():
    doc = {"b": 94.0, "a": 1e-06, "c": 1e20, "\U0001F600": 1, "\uffff": 2}
    assert canonical.jcs(doc) == ('{"a":0.000001,"b":94,"c":100000000000000000000,'
                                  '"\U0001F600":1,"\uffff":2}').encode("utf-8")
    assert canonical.legacy(doc) != canonical.jcs(doc)


def test_new_reports_declare_and_use_rfc8785():
    doc = {"series": "access", "canonicalization": "RFC8785", "x": 94.0, "y": 0.1234567891}
    data = report_canonical.canonical_bytes(doc)
    assert data == rfc8785.dumps({**doc, "x": 94, "y": 0.123457})
    assert report_canonical.digest(doc) == "sha256:" + hashlib.sha256(data).hexdigest()
    assert report_canonical.is_canonical(data)
    assert not report_canonical.is_canonical(canonical.legacy(report_canonical.round_figures(doc)))


def test_old_reports_keep_the_legacy_form_they_were_published_in():
    doc = {"series": "access", "x": 94.0, "y": 0.1234567891}  # schema 1.0: no canonicalization
    data = report_canonical.canonical_bytes(doc)
    assert data == b'{"series":"access","x":94.0,"y":0.123457}'
    assert report_canonical.is_canonical(data)
    assert not report_canonical.is_canonical(rfc8785.dumps(doc))


def test_a_large_whole_figure_stays_canonical():
    data = report_canonical.canonical_bytes({"canonicalization": "RFC8785", "x": 2.0 ** 60})
    assert data == b'{"canonicalization":"RFC8785","x":1152921504606847000}'
    assert report_canonical.is_canonical(data)


def test_no_nan_and_no_negative_zero():
    with pytest.raises(ValueError):
        report_canonical.canonical_bytes({"x": float("nan")})
    assert report_canonical.canonical_bytes({"canonicalization": "RFC8785", "x": -0.0000001}) == \
        b'{"canonicalization":"RFC8785","x":0}'


ascii_keyed_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(st.characters(max_codepoint=0x7F)), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(ascii_keyed_values)
def test_the_fast_path_writes_any_text_under_ascii_keys_as_rfc8785(value):
    # price files and reports: ASCII keys, vendor names and titles in any script
    assert canonical.jcs(value) == reference_jcs(value).encode("utf-8") == rfc8785.dumps(value)


def test_a_lone_surrogate_is_refused_as_the_package_refuses_it():
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical.jcs({"title": "\ud800"})
