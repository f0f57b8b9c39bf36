"""Allocation periods: ISO weeks named like "2026-W48" (pure functions, no clock).

A period starts on Monday 00:00 UTC. Its request window closes at the cutoff, a number of
hours (policy ``cutoff_hours``) before the period starts.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_PERIOD = re.compile(r"^(\d{4})-W(\d{2})$")


def validate_period(s: str) -> str:
    """Return ``s`` if it names an existing ISO week, else raise ValueError."""
    m = _PERIOD.match(s or "")
    if not m:
        raise ValueError(f"{s!r} is not an ISO week like 2026-W48")
    year, week = int(m.group(1)), int(m.group(2))
    try:
        date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValueError(f"{s!r}: week {week} does not exist in {year}") from None
    return s


def period_of(dt: datetime) -> str:
    """The ISO week containing the instant ``dt`` (taken in UTC)."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime: periods are computed in UTC")
    y, w, _ = dt.astimezone(timezone.utc).isocalendar()
    return f"{y:04d}-W{w:02d}"


def period_start(p: str) -> datetime:
    validate_period(p)
    y, w = int(p[:4]), int(p[6:])
    d = date.fromisocalendar(y, w, 1)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


def period_end(p: str) -> datetime:
    """The first instant after the period (the next period's start)."""
    return period_start(p) + timedelta(days=7)


def next_period(p: str) -> str:
    return period_of(period_start(p) + timedelta(days=7))


def previous_period(p: str) -> str:
    return period_of(period_start(p) - timedelta(days=7))


def cutoff_of(p: str, hours: int | float) -> datetime:
    """When the request window of period ``p`` closes (its main round runs then)."""
    return period_start(p) - timedelta(hours=hours)


def allocation_period(t: datetime, hours: int | float) -> str:
    """The period whose cutoff passed most recently at ``t``: the one rounds allocate now.

    Before the next period's cutoff that is the current week; in the last ``hours`` of a
    week it is already the next one (its main round ran at the cutoff).
    """
    p = period_of(t)
    nxt = next_period(p)
    return nxt if t >= cutoff_of(nxt, hours) else p


def periods_from(p: str, n: int) -> list[str]:
    """``p`` and the ``n - 1`` periods after it (from one parse: capacity checks its 104 weeks
    ahead on every change, and a parse per week was most of that)."""
    start = period_start(p)
    return [period_of(start + timedelta(weeks=i)) for i in range(n)]
