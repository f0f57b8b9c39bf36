"""The public fairness policy: every parameter, its documented default, and the version in
force for a period.

Version 0 is the defaults; an operator's change is a new ``PolicyVersion`` row that applies
from a later period (see broker.services.policy). ``current_params`` is the one reader.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from broker.models import PolicyVersion
from broker.periods import validate_period

# name -> (default, kind, bounds, description). Kinds: "share" (0..1), "int", "number", "currency".
PARAMETERS: dict[str, tuple] = {
    "max_reserved_share": (0.3, "share", (0, 1), "largest share of an offering's period capacity one reservation may hold"),
    "small_set_aside": (0.0, "share", (0, 0.99), "share of each offering's capacity first divided among groups of small orgs (0 = off)"),
    "usage_half_life_days": (0, "number", (0, 3650), "half-life of past usage lowering a group's weight (0 = off)"),
    "cutoff_hours": (48, "int", (0, 167), "hours before a period starts when its request window closes and its main round runs"),
    "spot_interval_minutes": (60, "int", (5, 10080), "minutes between spot rounds after the cutoff"),
    "payment_window_hours": (72, "int", (1, 720), "hours a developer has to pay for an allocation"),
    "platform_fee_rate": (0.10, "share", (0, 0.5), "Parity's fee as a share of each order's value"),
    "pay_floor_minor": (800, "int", (0, 100_000), "annotator pay floor per hour, minor units (offerings below are flagged)"),
    "pay_floor_currency": ("USD", "currency", None, "currency of the pay floor"),
    "small_cell_k": (5, "int", (1, 1000), "figures from fewer principals are published as suppressed"),
    "default_weight": (1, "number", (0.0001, 1000), "weight of an org the policy names no other weight for"),
    "exposure_cap_hours": (20, "int", (1, 60), "hours a week one worker may spend on harmful content (offerings with a content class)"),
}

# The pay-floor table by country (ISO 3166-1 alpha-2 → {amount_minor, currency, source, date};
# broker.catalog.payfloor): part of every version like the parameters, changed as a whole
# (``flask policy floors load``). A country without a row is held to the global floor.
FLOORS_KEY = "pay_floors"

DEFAULTS: dict = {**{name: spec[0] for name, spec in PARAMETERS.items()}, FLOORS_KEY: {}}

# The options the engine reads (the rest belong to the shell).
ENGINE_KEYS = ("max_reserved_share", "small_set_aside", "usage_half_life_days")


@dataclass(frozen=True)
class PolicyInForce:
    version: int
    effective_period: str | None  # None for version 0 (the defaults, always in force)
    params: dict

    def __getitem__(self, name: str):
        return self.params[name]


def current_params(s: Session, period: str | None = None) -> PolicyInForce:
    """The version in force for ``period`` (default: the current allocation period's
    calendar week). ISO-week strings sort in time order, so a string compare suffices."""
    if period is None:
        from broker.clock import now
        from broker.periods import period_of

        period = period_of(now())
    validate_period(period)
    row = s.exec(select(PolicyVersion).where(PolicyVersion.effective_period <= period)
                 .order_by(PolicyVersion.effective_period.desc(), PolicyVersion.version.desc())).first()
    if row is None:
        return PolicyInForce(0, None, dict(DEFAULTS))
    return PolicyInForce(row.version, row.effective_period, {**DEFAULTS, **row.params})


def engine_policy(params: dict) -> dict:
    return {k: params[k] for k in ENGINE_KEYS}
