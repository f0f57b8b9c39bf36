"""When rounds run: the main round at each period's cutoff, spot rounds after it.

At an instant t the rounds allocate the period whose cutoff passed most recently
(``allocation_period``). Its main round is due from the cutoff on; after it, spot rounds are
due at every multiple of the policy's ``spot_interval_minutes``. Run keys name the slot, and
the database refuses a second round with the same key.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlmodel import Session, select

from broker.models import Round
from broker.periods import allocation_period, cutoff_of, next_period, period_of, period_start
from broker.policy import current_params

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Slot:
    period: str
    kind: str  # main | spot
    at: datetime  # when it is (or was) due

    @property
    def run_key(self) -> str:
        if self.kind == "main":
            return f"{self.period}/main"
        return f"{self.period}/spot/{self.at.strftime('%Y-%m-%dT%H:%MZ')}"


def cutoff_hours(s: Session, period: str) -> int:
    return int(current_params(s, period)["cutoff_hours"])


def current_period(s: Session, t: datetime) -> str:
    """The period rounds allocate at ``t``."""
    return allocation_period(t, cutoff_hours(s, next_period(period_of(t))))


def spot_floor(s: Session, period: str, t: datetime) -> datetime:
    step = timedelta(minutes=int(current_params(s, period)["spot_interval_minutes"]))
    return EPOCH + ((t - EPOCH) // step) * step


def main_ran(s: Session, period: str) -> bool:
    return s.exec(select(Round.id).where(Round.run_key == f"{period}/main")).first() is not None


def due_slot(s: Session, t: datetime) -> Slot:
    """The round that should run at ``t``: the main round if it has not, else this spot slot."""
    p = current_period(s, t)
    if not main_ran(s, p):
        return Slot(p, "main", cutoff_of(p, cutoff_hours(s, p)))
    return Slot(p, "spot", spot_floor(s, p, t))


def next_round(s: Session, t: datetime) -> Slot:
    """The next round that has not run yet (for "awaiting round" and the estimate)."""
    p = current_period(s, t)
    if not main_ran(s, p):
        return Slot(p, "main", max(t, cutoff_of(p, cutoff_hours(s, p))))
    step = timedelta(minutes=int(current_params(s, p)["spot_interval_minutes"]))
    spot = spot_floor(s, p, t) + step
    nxt = next_period(p)
    main_at = cutoff_of(nxt, cutoff_hours(s, nxt))
    if main_at <= spot:
        return Slot(nxt, "main", main_at)
    return Slot(p, "spot", spot)


def work_start(slot: Slot) -> datetime:
    """The earliest time work allocated by ``slot`` can start."""
    return max(slot.at, period_start(slot.period))
