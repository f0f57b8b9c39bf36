"""The pay-floor flag of DESIGN.md: disclosed effective hourly pay against the policy's floor.

Pay in another currency than the floor's is not converted (Parity keeps no exchange rates):
it is reported as ``other_currency`` and does not count as meeting the floor.
"""
from __future__ import annotations

from dataclasses import dataclass

# DESIGN.md: default USD 8.00/hour. The live value comes from the policy (see
# broker.services.catalog.pay_floor); this is the fallback when no policy is published.
DEFAULT_FLOOR_MINOR = 800
DEFAULT_FLOOR_CURRENCY = "USD"

MEETS, BELOW, UNDISCLOSED, OTHER_CURRENCY = "meets", "below", "undisclosed", "other_currency"
LABELS = {MEETS: "meets the pay floor", BELOW: "below the pay floor",
          UNDISCLOSED: "pay not disclosed", OTHER_CURRENCY: "pay in another currency (not compared)"}


@dataclass(frozen=True)
class PayFloor:
    amount_minor: int = DEFAULT_FLOOR_MINOR
    currency: str = DEFAULT_FLOOR_CURRENCY


def status(pay_minor: int | None, pay_currency: str | None, floor: PayFloor) -> str:
    if pay_minor is None or not pay_currency:
        return UNDISCLOSED
    if pay_currency != floor.currency:
        return OTHER_CURRENCY
    return MEETS if pay_minor >= floor.amount_minor else BELOW
