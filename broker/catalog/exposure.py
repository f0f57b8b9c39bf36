"""Exposure limits for harmful content. Pure.

An offering whose work shows harmful content carries one or more content classes and the
vendor's declaration of who does it: the workers assigned, the weekly hours each may spend on
it (never above the policy's cap, default 20), the minutes one unit takes, and the protections
offered. Capacity in a period (an ISO week) may not exceed what that allows:

    workers × min(declared hours, policy cap) × 60 ÷ minutes per unit   (whole units, rounded down)
"""
from __future__ import annotations

import math
from fractions import Fraction

CONTENT_CLASSES = {"violence": "Violence", "sexual": "Sexual content", "self_harm": "Self-harm",
                   "hate": "Hate", "other_severe": "Other severe harm"}
PROTECTIONS = {"counselling": "Counselling", "opt_out_without_penalty": "Opt-out without penalty",
               "rotation": "Rotation"}
FIGURES = ("workers_assigned", "weekly_hours_per_worker", "minutes_per_unit")
KEYS = (*FIGURES, *PROTECTIONS)
DEFAULT_CAP_HOURS = 20
MAX_WORKERS = 1_000_000
MAX_MINUTES_PER_UNIT = 10_000


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def validate(content_classes, exposure, cap_hours: int) -> list[dict]:
    """Errors ({field, message}) of an offering's content classes and exposure declaration."""
    errors: list[dict] = []
    if not isinstance(content_classes, list):
        return [{"field": "content_classes", "message": "must be a list of content classes"}]
    for c in content_classes:
        if c not in CONTENT_CLASSES:
            errors.append({"field": "content_classes",
                           "message": f"{c!r} is not a content class (one of: {', '.join(CONTENT_CLASSES)})"})
    if len(set(content_classes)) != len(content_classes):
        errors.append({"field": "content_classes", "message": "names a class twice"})
    exposure = exposure if exposure is not None else {}
    if not isinstance(exposure, dict):
        return errors + [{"field": "exposure", "message": "must be an object"}]
    for key in set(exposure) - set(KEYS):
        errors.append({"field": f"exposure.{key}", "message": "unknown exposure fact"})
    if not content_classes:
        if any(exposure.get(k) not in (None, False) for k in KEYS):
            errors.append({"field": "exposure", "message": "an exposure declaration needs a content class"})
        return errors
    w = exposure.get("workers_assigned")
    if isinstance(w, bool) or not isinstance(w, int) or not 1 <= w <= MAX_WORKERS:
        errors.append({"field": "exposure.workers_assigned",
                       "message": f"name the workers assigned (a whole number from 1 to {MAX_WORKERS:,})"})
    h = exposure.get("weekly_hours_per_worker")
    if not _number(h) or h <= 0:
        errors.append({"field": "exposure.weekly_hours_per_worker",
                       "message": "give the weekly exposure hours each worker may work (above 0)"})
    elif h > cap_hours:
        errors.append({"field": "exposure.weekly_hours_per_worker",
                       "message": f"at most {cap_hours} hours a week: the policy's exposure cap"})
    m = exposure.get("minutes_per_unit")
    if not _number(m) or not 0 < m <= MAX_MINUTES_PER_UNIT:
        errors.append({"field": "exposure.minutes_per_unit",
                       "message": f"give the minutes one unit takes (above 0, at most {MAX_MINUTES_PER_UNIT:,})"})
    for p in PROTECTIONS:  # one left out is not offered
        if p in exposure and not isinstance(exposure[p], bool):
            errors.append({"field": f"exposure.{p}", "message": "say whether it is offered (true or false)"})
    return errors


def normalised(exposure: dict | None) -> dict:
    """The declaration as stored: its figures, and every protection (one left out: not offered)."""
    exposure = exposure or {}
    return {**{k: exposure[k] for k in FIGURES if k in exposure},
            **{p: bool(exposure.get(p)) for p in PROTECTIONS}}


def hours_allowed(exposure: dict, cap_hours: int) -> Fraction:
    return min(Fraction(str(exposure["weekly_hours_per_worker"])), Fraction(cap_hours))


def max_units(exposure: dict, cap_hours: int) -> int:
    """Whole units a week the declared workers can do within the exposure limit."""
    minutes = Fraction(exposure["workers_assigned"]) * hours_allowed(exposure, cap_hours) * 60
    return int(minutes / Fraction(str(exposure["minutes_per_unit"])))


def _g(x) -> str:
    return f"{float(x):g}"


def cap_message(period: str, exposure: dict, cap_hours: int) -> str:
    """The refusal of a capacity above the limit, naming the cap and how it is computed."""
    hours = hours_allowed(exposure, cap_hours)
    why = (f"the policy's exposure cap of {cap_hours} hours a week" if hours == cap_hours
           else f"{_g(hours)} hours a week declared (the policy's exposure cap is {cap_hours})")
    return (f"Capacity for {period} is limited to {max_units(exposure, cap_hours):,} units by the exposure limit: "
            f"{exposure['workers_assigned']} workers × {why} ÷ {_g(exposure['minutes_per_unit'])} minutes "
            f"per unit.")


def exposure_hours_per_worker(units: int, exposure: dict) -> float:
    """Hours of harmful content per assigned worker that ``units`` in one week amount to."""
    return float(Fraction(units) * Fraction(str(exposure["minutes_per_unit"])) / 60
                 / Fraction(exposure["workers_assigned"]))
