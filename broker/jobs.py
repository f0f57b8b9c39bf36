"""Scheduled jobs: what each domain asks the scheduler to run, and how often.

Each domain package says which of its functions run on a timer in its own
``register_jobs(jobs)`` (the pattern of warehouse's ``config.add_periodic_task``); the app
factory calls those and hands the list to the scheduler, which imports no domain module.
A job is a function of (session, slot time) returning a one-line summary; the session
carries the app's settings (``broker.config.settings_of``). Jobs must be idempotent.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlmodel import Session

JobFunc = Callable[[Session, datetime], str]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    # APScheduler trigger arguments, e.g. {"trigger": "interval", "minutes": 5}.
    trigger: dict


class Jobs:
    """The job list of one app, filled by the domains' ``register_jobs``."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def every(self, name: str, func: JobFunc, **interval: int) -> None:
        """Run ``func`` every ``interval`` (``minutes=5``, ``hours=1``, …)."""
        if name in self._jobs:
            raise ValueError(f"two jobs are named {name!r}")
        self._jobs[name] = Job(name, func, {"trigger": "interval", **interval})

    def __iter__(self):
        return iter(self._jobs.values())

    def __getitem__(self, name: str) -> Job:
        return self._jobs[name]
