"""Parity's fairness engine: a pure function from a round's input to its allocation.

No Flask, no database, no clock: ``allocate(data)`` gives the same result for the same
input whatever the order of its lists. See docs/fairness.md.
"""
from __future__ import annotations

import json

from .validate import RoundInputError, check, validate

__all__ = ["allocate", "validate", "RoundInputError", "dumps_result"]


def allocate(round_input: dict) -> dict:
    """Validate a round input (raising ``RoundInputError``) and return its result document."""
    from . import engine, explain
    from .model import parse_round
    check(round_input)
    return explain.build(engine.run(parse_round(round_input)))


def dumps_result(result: dict) -> str:
    """Canonical JSON text of a result: what the CLI prints and what the shell stores."""
    return json.dumps(result, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
