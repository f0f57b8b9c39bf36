"""A round whose requests each name at most one offering, as numpy columns: the array
path's intake.

``columns(data)`` makes every check ``intake`` makes, a whole column at a time (types,
lengths, known orgs and offerings, distinct ids, parsable times), and returns None when
the round is not valid *or* lies outside what the array path computes (a request naming
several offerings, usage decay, numbers beyond the bounds of int64 arithmetic). The caller
then takes the object path (``intake``, ``engine``, ``explain``), which words the problems
of an invalid round. So accepting is the only answer that must be exact: every check
below is at least as strict as ``intake``'s.
"""
from __future__ import annotations

import re
from itertools import islice, repeat
from math import isnan
from operator import itemgetter

import numpy as np

from .model import instant_key, parse_header
from .numbers import to_fraction
from .intake import header_valid
from .validate import _HINTS, _REQ_KEYS, _REQ_KEYS_BOTH, _REQ_KEYS_HINT, _REQ_KEYS_RECEIPT

UNITS_LIMIT = 2**40           # per request: sums over 100 000s of requests stay far inside int64
_KEY_SETS = frozenset((_REQ_KEYS, _REQ_KEYS_HINT, _REQ_KEYS_RECEIPT, _REQ_KEYS_BOTH))
_ABSENT = object()
_receipts_ok = re.compile(r"(?:sha256:[0-9a-f]{64})*").fullmatch
_get = {k: itemgetter(k) for k in ("id", "org", "units", "offerings", "submitted_at")}


class Columns:
    """The round's header (``rnd``: policy, offerings, guarantees, usage, metadata; its orgs
    and requests left empty), its orgs in id order (``org_ids``, ``org_group``: group ids,
    ``org_weight``: index into ``weights``, one Fraction per distinct value, ``org_small``) and its
    requests in id order, one column each: ``ids`` (list), ``units``, ``org`` (index into
    ``org_ids``), ``off`` (index into ``rnd.offerings``, -1 for none), ``at`` (UTC
    microseconds), ``hint`` (list of reason hints, or None when no request has one)."""
    __slots__ = ("rnd", "org_ids", "org_group", "org_weight", "weights", "org_small", "ids", "units", "org", "off", "at",
                 "hint")


def columns(data) -> Columns | None:
    """The round as columns, or None (invalid, or not for the array path)."""
    if not isinstance(data, dict) or not isinstance(data.get("orgs"), list):
        return None
    try:
        # first what a linked round fails on, before any other work: one pass over a column
        if max(map(len, map(_get["offerings"], data["requests"])), default=0) > 1:
            return None
        cols = _orgs(data["orgs"])
        # the schema's checks of everything but the orgs (checked above) and the requests
        if cols is None or not header_valid(data, {**data, "orgs": []}):
            return None
        cols.rnd = rnd = parse_header({**data, "orgs": []})
        if rnd.policy.usage_half_life_days != 0 and rnd.usage:
            return None           # decayed weights are 12-decimal fractions: the object path
        return _requests(data["requests"], cols)
    except (TypeError, ValueError, KeyError):      # an unhashable or malformed value somewhere
        return None


_ORG_KEYS = frozenset(("id", "weight", "group", "size_class"))
_SIZES = frozenset(("small", "medium", "large"))


def _orgs(items: list) -> Columns | None:
    """The orgs' columns, in id order, after ``_conforms``'s checks of them (``_item_ok``)."""
    if not items:
        return None
    if set(map(type, items)) != {dict}:
        return None
    shapes = set(map(tuple, items))
    if not all("id" in t and _ORG_KEYS.issuperset(t) for t in shapes):
        return None
    ids = list(map(itemgetter("id"), items))
    if not _ids_ok(ids):
        return None
    weights = list(map(dict.get, items, repeat("weight"), repeat(1)))
    if not set(map(type, weights)) <= {int, float} or not min(weights) > 0 or any(map(isnan, weights)):
        return None
    groups = list(map(dict.get, items, repeat("group"), repeat(_ABSENT)))
    named = [g for g in groups if g is not _ABSENT]
    if named and not _ids_ok(named):
        return None
    sizes = list(map(dict.get, items, repeat("size_class"), repeat("small")))
    if not set(sizes) <= _SIZES:
        return None
    pick = _id_order(ids)
    if pick is None:
        return None           # a duplicate id
    cols = Columns()
    cols.org_ids = list(pick(ids))
    cols.org_group = [i if g is _ABSENT else g for i, g in zip(cols.org_ids, pick(groups))]
    kinds: dict = {}                     # one Fraction per distinct weight, as parse_header
    for w in weights:
        if w not in kinds:
            kinds[w] = len(kinds)
    cols.weights = [to_fraction(w) for w in kinds]
    cols.org_weight = np.fromiter(map(kinds.__getitem__, pick(weights)), np.int64, len(ids))
    small = [x.get("size_class") == "small" for x in items] if "small" in sizes else None
    cols.org_small = np.zeros(len(ids), bool) if small is None else np.array(pick(small), bool)
    return cols


def _same(xs):
    return xs


def _id_order(ids: list):
    """A function putting a column in id order (the identity when the ids already are, the
    common case, checked in one pass), or None when two ids are equal."""
    if all(map(str.__lt__, ids, islice(ids, 1, None))):
        return _same              # strictly increasing: in order, and no duplicate
    if len(set(ids)) != len(ids):
        return None
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return itemgetter(*order) if len(order) > 1 else (lambda xs: (xs[order[0]],))


def _ids_ok(ids: list) -> bool:
    """Every value an id: a string of 1 to 200 characters."""
    if set(map(type, ids)) != {str}:
        return False
    lens = list(map(len, ids))
    return min(lens) >= 1 and max(lens) <= 200


def _requests(items: list, cols: Columns) -> Columns | None:
    rnd = cols.rnd
    n = len(items)
    if n == 0 or set(map(type, items)) != {dict}:
        return None
    # five members each: exactly the required ones, as reading each of them below (KeyError)
    # shows; more: name them
    shapes = {_REQ_KEYS} if set(map(len, items)) == {5} else {frozenset(t) for t in set(map(tuple, items))}
    if not shapes <= _KEY_SETS:
        return None
    hints = None
    if any("reason_hint" in s for s in shapes):
        raw = [x.get("reason_hint", _ABSENT) for x in items]
        if not set(raw) - {_ABSENT} <= _HINTS:
            return None
        hints = [None if h is _ABSENT else h for h in raw]
    if any("receipt" in s for s in shapes):
        receipts = [x["receipt"] for x in items if "receipt" in x]
        if set(map(type, receipts)) != {str} or set(map(len, receipts)) != {71}:
            return None
        if not _receipts_ok("".join(receipts)):
            return None
    ids = list(map(_get["id"], items))
    if not _ids_ok(ids):
        return None
    pick = _id_order(ids)
    if pick is None:
        return None           # a duplicate id
    units = list(map(_get["units"], items))
    if set(map(type, units)) != {int} or min(units) < 1 or max(units) >= UNITS_LIMIT:
        return None
    org_pos = dict(zip(cols.org_ids, range(len(cols.org_ids))))
    orgs = list(map(_get["org"], items))            # an unknown org: KeyError below
    offs = list(map(_get["offerings"], items))
    if set(map(type, offs)) != {list}:
        return None
    sizes = set(map(len, offs))
    if max(sizes) > 1:
        return None           # a request that may be served by several offerings: the object path
    off_pos = dict(zip(rnd.offerings, range(len(rnd.offerings))))
    if 0 in sizes:
        off_pos[None] = -1
        first = [o[0] if o else None for o in offs]
    else:
        first = list(map(itemgetter(0), offs))    # an unknown offering: KeyError below
    ats = list(map(_get["submitted_at"], items))
    if set(map(type, ats)) != {str}:
        return None
    instants = {}
    for at in set(ats):
        if len(at) < 10:
            return None
        instants[at] = instant_key(at)      # ValueError: not an instant
    if pick is _same:
        take = _same
    else:
        order = np.array(pick(range(n)), dtype=np.int64)

        def take(column):
            return column[order]
    cols.ids = list(pick(ids))
    cols.units = take(np.array(units, dtype=np.int64))
    cols.org = take(np.fromiter(map(org_pos.__getitem__, orgs), np.int64, n))
    cols.off = take(np.fromiter(map(off_pos.__getitem__, first), np.int64, n))
    cols.at = take(np.fromiter(map(instants.__getitem__, ats), np.int64, n))
    cols.hint = None if hints is None else list(pick(hints))
    return cols
