"""Typed, canonically ordered view of a round input.

``parse_round`` assumes the input passed ``validate``; it sorts every list so that the
engine never sees the order in which the caller happened to build them. Requests are
light ``__slots__`` objects (a round may hold 100 000 of them) and their submission
instants become integer microseconds since the epoch, which order exactly as the UTC
instants do.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from fractions import Fraction

from .numbers import to_fraction

DEFAULT_POLICY = {"max_reserved_share": Fraction(3, 10), "small_set_aside": Fraction(0),
                  "usage_half_life_days": Fraction(0)}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICRO = timedelta(microseconds=1)


@dataclass(frozen=True)
class Policy:
    max_reserved_share: Fraction
    small_set_aside: Fraction
    usage_half_life_days: Fraction


@dataclass(frozen=True)
class Offering:
    id: str
    capacity: int
    period_capacity: int
    unit_price: int


@dataclass(frozen=True)
class Org:
    id: str
    weight: Fraction
    group: str
    size_class: str | None


class Request:
    """One request; ``offerings`` is a sorted tuple of distinct ids, ``at`` microseconds (UTC).

    The engine writes its result on the request itself (``got``: offering -> units, ``row``:
    the index of its group's row at its first offering) rather than in dictionaries keyed by
    request id: with 100 000 requests the lookups cost more than the arithmetic."""
    __slots__ = ("id", "org", "group", "units", "offerings", "at", "reason_hint", "got", "row")

    def __init__(self, id, org, units, offerings, at, reason_hint, group=None):
        self.id, self.org, self.units, self.offerings = id, org, units, offerings
        self.at, self.reason_hint, self.group = at, reason_hint, group
        self.got = self.row = None

    @property
    def priority(self) -> tuple:
        """Oldest first, then request id: the order inside an org."""
        return (self.at, self.id)


@dataclass
class Round:
    policy: Policy
    offerings: dict[str, Offering]
    orgs: dict[str, Org]
    requests: list[Request]
    guarantees: dict[tuple[str, str], int] = field(default_factory=dict)   # (org, offering)
    usage: dict[tuple[str, str], Fraction] = field(default_factory=dict)   # (org, offering)
    meta: dict | None = None


def parse_instant(text: str) -> datetime:
    """ISO 8601 with an offset, as a UTC instant; a naive time is refused (ambiguous)."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("has no UTC offset")
    return value.astimezone(timezone.utc)


def instant_key(text: str) -> int:
    """Microseconds since the epoch of an ISO 8601 instant (raises ValueError like parse_instant)."""
    return (parse_instant(text) - _EPOCH) // _MICRO


def parse_policy(raw: dict | None) -> Policy:
    raw = raw or {}
    values = {k: to_fraction(raw[k]) if k in raw else v for k, v in DEFAULT_POLICY.items()}
    return Policy(**values)


def parse_round(data: dict, instants: dict[str, int] | None = None) -> Round:
    """``instants`` may carry the submission times already parsed by validation."""
    rnd = parse_header(data)
    instants = {} if instants is None else instants
    group_of = {o.id: o.group for o in rnd.orgs.values()}
    requests = []
    append = requests.append
    for r in data["requests"]:
        at = r["submitted_at"]
        key = instants.get(at)
        if key is None:
            key = instants[at] = instant_key(at)
        offs = r["offerings"]
        offs = (offs[0],) if len(offs) == 1 else tuple(sorted(set(offs)))
        org = r["org"]
        append(Request(r["id"], org, r["units"], offs, key, r.get("reason_hint"), group_of[org]))
    requests.sort(key=lambda r: r.id)
    rnd.requests = requests
    return rnd


def parse_header(data: dict) -> Round:
    """Everything but the requests (left empty)."""
    offerings = {}
    for o in sorted(data["offerings"], key=lambda o: o["id"]):
        offerings[o["id"]] = Offering(o["id"], o["capacity"], o.get("period_capacity", o["capacity"]),
                                      o.get("unit_price", 0))
    orgs = {}
    weights: dict = {}
    for o in sorted(data["orgs"], key=lambda o: o["id"]):
        w = o.get("weight", 1)
        key = (type(w), w)
        if key not in weights:
            weights[key] = to_fraction(w)
        orgs[o["id"]] = Org(o["id"], weights[key], o.get("group", o["id"]), o.get("size_class"))
    guarantees = {(g["org"], g["offering"]): g["units"] for g in data.get("guarantees", [])}
    usage: dict[tuple[str, str], Fraction] = {}
    for u in data.get("usage", []):
        key = (u["org"], u["offering"])
        usage[key] = usage.get(key, Fraction(0)) + to_fraction(u["units"])
    return Round(parse_policy(data.get("policy")), offerings, orgs, [], guarantees, usage, data.get("round"))
