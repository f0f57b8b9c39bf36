"""RFC 8785 exactly: the RFC author's six input/output pairs byte for byte, the ``rfc8785``
package over arbitrary JSON values, and reports in the form they declare."""
from __future__ import annotations

import hashlib
import json
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


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_jcs_is_the_rfc8785_package_over_any_json_value(value):
    assert canonical.jcs(value) == rfc8785.dumps(value)
    # and the bytes, read back as JSON numbers are (IEEE doubles), are canonical again
    data = canonical.jcs(value)
    assert canonical.jcs(json.loads(data, parse_int=float)) == data


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
