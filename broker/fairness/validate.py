"""Input validation: the JSON Schema, then the rules a schema cannot express.

``validate`` returns every problem found (empty list = valid); ``check`` raises
``RoundInputError`` with all of them in one message.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from functools import lru_cache

from .model import instant_key


class RoundInputError(ValueError):
    """A malformed round: the message names every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid round input: " + "; ".join(self.problems))


@lru_cache(maxsize=None)
def load_schema(name: str) -> dict:
    """One of the shipped schemas: "round-input", "round-output" (result version 2) or "round-output-v1"."""
    from importlib import resources     # only to word problems or check a schema: not at start-up
    text = resources.files(__package__).joinpath("schema", f"{name}.schema.json").read_text("utf-8")
    return json.loads(text)


@lru_cache(maxsize=None)
def _validator(name: str):
    import jsonschema  # only dependency outside the standard library
    schema = load_schema(name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_id(v) -> bool:
    return isinstance(v, str) and 1 <= len(v) <= 200


_FIELDS = {
    "offerings": ({"id", "capacity"}, {"period_capacity", "unit_price", "currency"}),
    "orgs": ({"id"}, {"weight", "group", "size_class"}),
    "guarantees": ({"org", "offering", "units"}, set()),
    "usage": ({"org", "offering", "units"}, set()),
    "requests": ({"id", "org", "units", "offerings", "submitted_at"}, {"reason_hint", "receipt"}),
}
_HINTS = {"invalid", "no_matching_offering", "over_budget", "deadline_unreachable", "awaiting_round"}
_receipt_ok = re.compile(r"sha256:[0-9a-f]{64}\Z").match  # a receipt commitment (the engine ignores it)


def _item_ok(kind: str, x: dict) -> bool:
    if kind == "offerings":
        return (_is_id(x["id"]) and _is_int(x["capacity"]) and x["capacity"] >= 0
                and (_is_int(x.get("period_capacity", 0)) and x.get("period_capacity", 0) >= 0)
                and (_is_int(x.get("unit_price", 0)) and x.get("unit_price", 0) >= 0)
                and ("currency" not in x or (isinstance(x["currency"], str) and len(x["currency"]) == 3
                                             and x["currency"].isascii() and x["currency"].isupper()
                                             and x["currency"].isalpha())))
    if kind == "orgs":
        return (_is_id(x["id"]) and ("weight" not in x or (_is_num(x["weight"]) and x["weight"] > 0))
                and ("group" not in x or _is_id(x["group"]))
                and x.get("size_class", "small") in ("small", "medium", "large"))
    if kind == "guarantees":
        return _is_id(x["org"]) and _is_id(x["offering"]) and _is_int(x["units"]) and x["units"] >= 0
    if kind == "usage":
        return _is_id(x["org"]) and _is_id(x["offering"]) and _is_num(x["units"]) and x["units"] >= 0
    return (_is_id(x["id"]) and _is_id(x["org"]) and _is_int(x["units"]) and x["units"] >= 1
            and isinstance(x["offerings"], list) and all(_is_id(o) for o in x["offerings"])
            and isinstance(x["submitted_at"], str) and len(x["submitted_at"]) >= 10
            and x.get("reason_hint", "invalid") in _HINTS
            and ("receipt" not in x or (isinstance(x["receipt"], str) and bool(_receipt_ok(x["receipt"])))))


def _conforms(data, requests: bool = True) -> bool:
    """Fast check of exactly what round-input.schema.json says (jsonschema takes ~1 s per
    10k requests; this takes milliseconds). Only when it fails is jsonschema run, to word
    the messages; tests check that both always agree. ``requests=False`` leaves the
    requests to ``intake.requests``, which checks them while building them."""
    if not isinstance(data, dict) or not {"offerings", "orgs", "requests"} <= data.keys():
        return False
    if not data.keys() <= {"round", "policy", *_FIELDS}:
        return False
    if "round" in data and not isinstance(data["round"], dict):
        return False
    pol = data.get("policy", {})
    if not isinstance(pol, dict):
        return False
    for key, upper, strict in (("max_reserved_share", 1, False), ("small_set_aside", 1, True),
                               ("usage_half_life_days", None, False)):
        if key in pol:
            v = pol[key]
            if not _is_num(v) or v < 0 or (upper is not None and (v >= upper if strict else v > upper)):
                return False
    for kind, (required, optional) in _FIELDS.items():
        if kind not in data:
            continue
        items = data[kind]
        if not isinstance(items, list):
            return False
        if kind == "requests":
            if requests and not _requests_conform(items):
                return False
            continue
        allowed = required | optional
        for x in items:
            if not isinstance(x, dict) or not required <= x.keys() or not x.keys() <= allowed:
                return False
            if not _item_ok(kind, x):
                return False
    return True


_REQ_KEYS = frozenset(("id", "org", "units", "offerings", "submitted_at"))
_REQ_KEYS_HINT = _REQ_KEYS | {"reason_hint"}
_REQ_KEYS_RECEIPT = _REQ_KEYS | {"receipt"}
_REQ_KEYS_BOTH = _REQ_KEYS_HINT | {"receipt"}


def _keys_ok(x: dict, k) -> bool:
    """The request's members are the required ones, plus a valid ``reason_hint`` and/or a
    well-formed ``receipt`` (called only when they are not exactly the required ones)."""
    if k != _REQ_KEYS_RECEIPT:
        hint = x.get("reason_hint")
        if (k != _REQ_KEYS_HINT and k != _REQ_KEYS_BOTH) or type(hint) is not str or hint not in _HINTS:
            return False
    if "receipt" in k:
        r = x["receipt"]
        return type(r) is str and bool(_receipt_ok(r))
    return True


def _requests_conform(items) -> bool:
    """``_item_ok`` for requests, unrolled: this loop sees every request of the round."""
    keys_plain = _REQ_KEYS
    ids_ok: set = set()          # ids (and offering ids) already found well-formed
    for x in items:
        if type(x) is not dict:
            if not isinstance(x, dict):
                return False
        k = x.keys()
        if k != keys_plain and not _keys_ok(x, k):
            return False
        units = x["units"]
        if type(units) is not int or units < 1:
            if not _is_int(units) or units < 1:
                return False
        at = x["submitted_at"]
        if type(at) is not str or len(at) < 10:
            if not isinstance(at, str) or len(at) < 10:
                return False
        rid, org, offs = x["id"], x["org"], x["offerings"]
        if not (_is_id(rid) and isinstance(org, str) and (org in ids_ok or _is_id(org)) and isinstance(offs, list)):
            return False
        ids_ok.add(org)
        for o in offs:
            if not isinstance(o, str) or (o not in ids_ok and not _is_id(o)):
                return False
            ids_ok.add(o)
    return True


def schema_problems(data, name: str = "round-input") -> list[str]:
    if name != "round-input":
        return _schema_problems(data, name)
    if _conforms(data):
        return []
    return _schema_problems(data, name) or ["(root): does not match round-input.schema.json"]


def _schema_problems(data, name: str) -> list[str]:
    errors = sorted(_validator(name).iter_errors(data), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in errors]


def _duplicates(items, what: str) -> list[str]:
    seen, dup = set(), set()
    for i in items:
        (dup if i in seen else seen).add(i)
    return [f"duplicate {what} id {i!r}" for i in sorted(dup)]


def validate(data) -> list[str]:
    """Every problem in a round input, as messages naming the offending item."""
    return _validate(data, {})


def _validate(data, instants: dict[str, int]) -> list[str]:
    """``validate``; fills ``instants`` (submitted_at text -> UTC microseconds) on the way."""
    problems = schema_problems(data)
    if problems:
        return problems
    offerings = {o["id"]: o for o in data["offerings"]}
    orgs = {o["id"]: o for o in data["orgs"]}
    problems += _duplicates([o["id"] for o in data["offerings"]], "offering")
    problems += _duplicates([o["id"] for o in data["orgs"]], "org")
    problems += _duplicates([r["id"] for r in data["requests"]], "request")
    problems += rules_except_requests(data, offerings, orgs)
    return problems + _request_rules(data, offerings, orgs, instants)


def rules_except_requests(data, offerings: dict, orgs: dict) -> list[str]:
    """The rules a schema cannot express, for everything but the requests (and the
    duplicate ids): capacities, groups, guarantees and usage."""
    problems = []
    for o in data["offerings"]:
        if o.get("period_capacity", o["capacity"]) < o["capacity"]:
            problems.append(f"offering {o['id']!r}: capacity {o['capacity']} exceeds period_capacity {o['period_capacity']}")
    for o in data["orgs"]:
        g = o.get("group")
        if g is not None and g in orgs and g != o["id"] and orgs[g].get("group", g) != g:
            problems.append(f"org {o['id']!r}: group id {g!r} is the id of an org outside that group")
    reserved = defaultdict(int)
    for kind in ("guarantees", "usage"):
        pairs = []
        for i, item in enumerate(data.get(kind, [])):
            if item["org"] not in orgs:
                problems.append(f"{kind}[{i}]: unknown org {item['org']!r}")
            if item["offering"] not in offerings:
                problems.append(f"{kind}[{i}]: unknown offering {item['offering']!r}")
            pairs.append((item["org"], item["offering"]))
            if kind == "guarantees":
                reserved[item["offering"]] += item["units"]
        if kind == "guarantees":
            counts = Counter(pairs)
            problems += [f"duplicate guarantee for org {a!r} at offering {b!r}"
                         for (a, b), n in sorted(counts.items()) if n > 1]
    for oid, units in sorted(reserved.items()):
        if oid in offerings:
            cap = offerings[oid].get("period_capacity", offerings[oid]["capacity"])
            if units > cap:
                problems.append(f"offering {oid!r}: reservations add up to {units} units, more than its capacity {cap}")
    return problems


def _request_rules(data, offerings: dict, orgs: dict, instants: dict[str, int]) -> list[str]:
    problems = []
    bad_times: dict[str, str] = {}
    for r in data["requests"]:
        org, offs, at = r["org"], r["offerings"], r["submitted_at"]
        if org not in orgs:
            problems.append(f"request {r['id']!r}: unknown org {org!r}")
        for oid in offs:
            if oid not in offerings:
                problems.append(f"request {r['id']!r}: unknown offering {oid!r}")
        if len(offs) > 1 and len(set(offs)) != len(offs):
            problems.append(f"request {r['id']!r}: an offering is listed twice")
        if at not in instants:
            if at not in bad_times:
                try:
                    instants[at] = instant_key(at)
                    continue
                except ValueError as exc:
                    bad_times[at] = str(exc)
            problems.append(f"request {r['id']!r}: submitted_at {at!r} is not an ISO 8601 instant ({bad_times[at]})")
    return problems


def check(data, instants: dict[str, int] | None = None) -> None:
    """Raise ``RoundInputError`` naming every problem, or return None."""
    problems = _validate(data, {} if instants is None else instants)
    if problems:
        raise RoundInputError(problems)
