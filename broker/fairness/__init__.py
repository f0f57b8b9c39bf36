"""Parity's fairness engine: a pure function from a round's input to its allocation.

No Flask, no database, no clock: ``allocate(data)`` gives the same result for the same
input whatever the order of its lists. See docs/fairness.md.
"""
from __future__ import annotations

import gc
import os

from broker import canonical

from . import explain, reading
from .intake import intake
from .model import parse_round
from .validate import RoundInputError, check, validate

__all__ = ["allocate", "validate", "RoundInputError", "dumps_result", "result_bytes", "RESULT_VERSIONS"]
RESULT_VERSIONS = (1, 2)
# PARITY_ENGINE_ARRAYS=0: every round on the object path (the reference the array path is held to)
ARRAYS = os.environ.get("PARITY_ENGINE_ARRAYS", "1") != "0"


def allocate(round_input: dict, version: int = explain.SCHEMA_VERSION) -> dict:
    """Validate a round input (raising ``RoundInputError``) and return its result document
    in result schema ``version`` (2, the compact one; 1 replays rounds stored before it)."""
    if version not in RESULT_VERSIONS:
        raise ValueError(f"no result schema version {version!r}")
    instants: dict[str, int] = {}      # submitted_at -> UTC microseconds, parsed once
    # A round allocates a few hundred thousand small objects and frees none of them until it
    # returns: the cyclic collector would rescan them again and again (about 40% of the time
    # of a 100 000-request round), so it is paused for the call and restored after.
    paused = gc.isenabled()
    gc.disable()
    try:
        doc = _on_columns(round_input) if ARRAYS else None
        if doc is None:
            doc = _on_objects(round_input, instants)
        return doc if version == 2 else reading.as_v1(doc, round_input)
    finally:
        if paused:
            gc.enable()


def _on_columns(round_input: dict) -> dict | None:
    """The array path (a round whose requests each name at most one offering), or None when
    the round is not for it (invalid, linked, decayed, numbers too large)."""
    solved = _solved(round_input)
    if solved is None:
        return None
    from . import document
    return document.build(solved)


def _solved(round_input: dict):
    """``bulk.solve`` of the round's columns, or None (not for the array path)."""
    from . import bulk, columns          # numpy: loaded by the rounds that use it
    cols = columns.columns(round_input)
    try:
        return None if cols is None else bulk.solve(cols)
    except OverflowError:                # a capacity or reservation beyond int64
        return None


def _on_objects(round_input: dict, instants: dict[str, int]) -> dict:
    """The object path: every round, and the wording of an invalid one's problems."""
    from . import engine                 # the object path's rules: not loaded by a round on columns
    rnd = intake(round_input)
    if rnd is None:
        check(round_input, instants)      # raises, naming every problem
        rnd = parse_round(round_input, instants)
    return explain.build(engine.run(rnd))


def result_bytes(result: dict) -> bytes:
    """The canonical bytes of a result, with a trailing newline: what the command prints and
    what the shell stores. Version 2: ``canonical.compact`` (no floats in it, so the same
    bytes as the version-1 form of the same values); version 1: the form it was stored in."""
    form = canonical.legacy if reading.version(result) == 1 else canonical.compact
    return form(result) + b"\n"


def dumps_result(result: dict) -> str:
    """``result_bytes`` as text."""
    return result_bytes(result).decode("utf-8")
