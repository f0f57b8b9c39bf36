"""Parity's fairness engine: a pure function from a round's input to its allocation.

No Flask, no database, no clock: ``allocate(data)`` gives the same result for the same
input whatever the order of its lists. See docs/fairness.md.
"""
from __future__ import annotations

import gc
import json

from .validate import RoundInputError, check, validate

__all__ = ["allocate", "validate", "RoundInputError", "dumps_result"]


def allocate(round_input: dict) -> dict:
    """Validate a round input (raising ``RoundInputError``) and return its result document."""
    from . import engine, explain
    from .intake import intake
    from .model import parse_round
    instants: dict[str, int] = {}      # submitted_at -> UTC microseconds, parsed once
    # A round allocates a few hundred thousand small objects and frees none of them until it
    # returns: the cyclic collector would rescan them again and again (about 40% of the time
    # of a 100 000-request round), so it is paused for the call and restored after.
    paused = gc.isenabled()
    gc.disable()
    try:
        rnd = intake(round_input)
        if rnd is None:
            check(round_input, instants)      # raises, naming every problem
            rnd = parse_round(round_input, instants)
        return explain.build(engine.run(rnd))
    finally:
        if paused:
            gc.enable()


def dumps_result(result: dict) -> str:
    """Canonical JSON text of a result: what the CLI prints and what the shell stores."""
    return json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
