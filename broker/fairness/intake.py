"""Check a round input and build its ``Round`` in one pass over the requests.

``validate`` reads every request twice (schema, then rules) and ``parse_round`` a third
time; on a 100 000-request round those passes cost more than the allocation. ``intake``
does all three at once and answers only "valid or not": on ``None`` the caller runs
``validate`` to word the problems. A test holds ``intake`` and ``validate`` in agreement.
"""
from __future__ import annotations

from operator import attrgetter

from .model import Request, Round, instant_key, parse_header
from .validate import _REQ_KEYS, _conforms, _is_int, _keys_ok, rules_except_requests


_ID = attrgetter("id")


def intake(data) -> Round | None:
    """The parsed round if ``data`` is a valid round input, else None."""
    if not header_valid(data):
        return None
    rnd = parse_header(data)
    offerings = {o["id"]: o for o in data["offerings"]}
    requests = _requests(data["requests"], {o.id: o.group for o in rnd.orgs.values()}, offerings)
    if requests is None:
        return None
    rnd.requests = requests
    return rnd


def header_valid(data, schema_view=None) -> bool:
    """Every check of everything but the requests: the schema (of ``schema_view`` when given,
    a copy of ``data`` without what the caller checks itself), duplicate offering and org
    ids, and the rules (``rules_except_requests``)."""
    if not _conforms(data if schema_view is None else schema_view, requests=False):
        return False
    offerings = {o["id"]: o for o in data["offerings"]}
    orgs = {o["id"]: o for o in data["orgs"]}
    if len(offerings) != len(data["offerings"]) or len(orgs) != len(data["orgs"]):
        return False
    return not rules_except_requests(data, offerings, orgs)


def _requests(items, group_of: dict, offerings: dict) -> list[Request] | None:
    """Every check ``validate`` makes on requests (schema and rules), while building them."""
    keys_plain = _REQ_KEYS
    instants: dict[str, int] = {}
    out = []
    append = out.append
    for x in items:
        if not isinstance(x, dict):
            return None
        k = x.keys()
        hint = None
        if k != keys_plain:
            if not _keys_ok(x, k):
                return None
            hint = x.get("reason_hint")
        units = x["units"]
        if type(units) is not int and not _is_int(units):
            return None
        if units < 1:
            return None
        rid, org, offs, at = x["id"], x["org"], x["offerings"], x["submitted_at"]
        if not isinstance(rid, str) or not 1 <= len(rid) <= 200:
            return None
        if not isinstance(org, str) or org not in group_of:     # known orgs have valid ids
            return None
        if not isinstance(offs, list):
            return None
        if len(offs) == 1:
            o = offs[0]
            if not isinstance(o, str) or o not in offerings:
                return None
            offs = (o,)
        else:
            for o in offs:
                if not isinstance(o, str) or o not in offerings:
                    return None
            sorted_offs = tuple(sorted(set(offs)))
            if len(sorted_offs) != len(offs):
                return None
            offs = sorted_offs
        if not isinstance(at, str) or len(at) < 10:
            return None
        key = instants.get(at)
        if key is None:
            try:
                key = instants[at] = instant_key(at)
            except ValueError:
                return None
        append(Request(rid, org, units, offs, key, hint, group_of[org]))
    out.sort(key=_ID)
    if len(set(map(_ID, out))) != len(out):      # a duplicate id
        return None
    return out
