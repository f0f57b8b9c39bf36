"""Typed, canonically ordered view of a round input.

``parse_round`` assumes the input passed ``validate``; it sorts every list so that the
engine never sees the order in which the caller happened to build them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from fractions import Fraction

from .numbers import to_fraction

DEFAULT_POLICY = {"max_reserved_share": Fraction(3, 10), "small_set_aside": Fraction(0),
                  "usage_half_life_days": Fraction(0)}


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


@dataclass(frozen=True)
class Request:
    id: str
    org: str
    units: int
    offerings: tuple[str, ...]
    submitted_at: datetime
    reason_hint: str | None

    @property
    def priority(self) -> tuple:
        """Oldest first, then request id: the order inside an org."""
        return (self.submitted_at, self.id)


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


def parse_policy(raw: dict | None) -> Policy:
    raw = raw or {}
    values = {k: to_fraction(raw[k]) if k in raw else v for k, v in DEFAULT_POLICY.items()}
    return Policy(**values)


def parse_round(data: dict) -> Round:
    offerings = {}
    for o in sorted(data["offerings"], key=lambda o: o["id"]):
        offerings[o["id"]] = Offering(o["id"], o["capacity"], o.get("period_capacity", o["capacity"]),
                                      o.get("unit_price", 0))
    orgs = {}
    for o in sorted(data["orgs"], key=lambda o: o["id"]):
        orgs[o["id"]] = Org(o["id"], to_fraction(o.get("weight", 1)), o.get("group", o["id"]),
                            o.get("size_class"))
    requests = sorted(
        (Request(r["id"], r["org"], r["units"], tuple(sorted(set(r["offerings"]))),
                 parse_instant(r["submitted_at"]), r.get("reason_hint"))
         for r in data["requests"]),
        key=lambda r: r.id)
    guarantees = {(g["org"], g["offering"]): g["units"] for g in data.get("guarantees", [])}
    usage: dict[tuple[str, str], Fraction] = {}
    for u in data.get("usage", []):
        key = (u["org"], u["offering"])
        usage[key] = usage.get(key, Fraction(0)) + to_fraction(u["units"])
    return Round(parse_policy(data.get("policy")), offerings, orgs, requests, guarantees, usage,
                 data.get("round"))
