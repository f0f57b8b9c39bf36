"""The report metrics of DESIGN.md "Reports — exact metrics". Pure: plain numbers in, plain
numbers out; no Flask, no database, no clock.

Conventions every function follows:
- Inputs are sequences of non-negative numbers (ints or floats); results are floats.
- An empty or all-zero input has a defined result documented per function (never a crash),
  because a vendor with no customers still appears in a report.
- ``SUPPRESSED`` is what a figure becomes when fewer than k principals stand behind it.
"""
from __future__ import annotations

import math
from typing import Iterable, Sequence

SUPPRESSED = "suppressed"
HIGHLY_CONCENTRATED_HHI = 1800  # 2023 US Merger Guidelines


def jain(values: Sequence[float]) -> float:
    """Jain's fairness index (Σv)² / (n·Σv²); 1.0 when Σv² = 0 (nobody got anything: equal).

    With n values it lies in [1/n, 1]: 1 when all are equal, 1/n when one value holds all.
    """
    n = len(values)
    sq = sum(v * v for v in values)
    if n == 0 or sq == 0:
        return 1.0
    return sum(values) ** 2 / (n * sq)


def shares(values: Sequence[float]) -> list[float]:
    """Each value's share of the total (0..1); all zeros when the total is 0."""
    total = sum(values)
    return [v / total if total else 0.0 for v in values]


def hhi(values: Sequence[float]) -> float:
    """Herfindahl–Hirschman index Σ(100·share)², 0..10 000; 0 for an empty or all-zero market."""
    return sum((100 * s) ** 2 for s in shares(values))


def cr4(values: Sequence[float]) -> float:
    """Concentration ratio: the four largest shares added up (0..1)."""
    return sum(sorted(shares(values), reverse=True)[:4])


def highly_concentrated(hhi_value: float) -> bool:
    return hhi_value > HIGHLY_CONCENTRATED_HHI


def gini(values: Sequence[float]) -> float:
    """Gini coefficient, mean-absolute-difference form: Σᵢ Σⱼ |vᵢ − vⱼ| / (2·n²·mean).

    0 when all are equal (and for an empty or all-zero input); (n−1)/n when one holds all,
    so always in [0, 1). Computed in O(n log n) from the sorted values:
    Σᵢ Σⱼ |vᵢ − vⱼ| = 2·Σᵢ (2i − n + 1)·v₍ᵢ₎ for i = 0..n−1 in ascending order.
    """
    n = len(values)
    total = sum(values)
    if n == 0 or total == 0:
        return 0.0
    ordered = sorted(values)
    weighted = sum((2 * i - n + 1) * v for i, v in enumerate(ordered))
    return max(0.0, weighted / (n * total))


def percentile(values: Iterable[float], p: float) -> float | None:
    """Nearest-rank percentile: the smallest value with at least p % of the values at or
    below it, i.e. the value of rank ⌈p/100 · n⌉ in ascending order (rank 1 for p = 0).

    Always one of the observed values (no interpolation), so the SQL aggregation can pick
    the same row by rank. The median is ``percentile(v, 50)`` (the lower median for even n).
    None for no values.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[nearest_rank(len(ordered), p) - 1]


def nearest_rank(n: int, p: float) -> int:
    """The 1-based rank ``percentile`` picks among n sorted values."""
    if not 0 <= p <= 100:
        raise ValueError("p must be within 0..100")
    # Multiply before dividing so 90·10/100 is exactly 9, not 9.000000000000002.
    return min(n, max(1, math.ceil(p * n / 100)))


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, None when the denominator is 0 (undefined, not zero)."""
    return numerator / denominator if denominator else None


def satisfaction(allocated: float, demanded: float) -> float | None:
    """Allocated / demanded units of one principal; None without demand."""
    return ratio(allocated, demanded)


def delivery_ratio(delivered: float, allocated: float) -> float | None:
    """Delivered / allocated units; None when nothing was allocated."""
    return ratio(delivered, allocated)


def delivery_fairness(ratios: Sequence[float | None]) -> float:
    """Jain's index of a vendor's principals' delivery ratios (principals without an
    allocation have no ratio and are left out)."""
    return jain([r for r in ratios if r is not None])


def affiliate_preference_ratio(affiliated_units: float, total_units: float,
                               affiliated_demand: float, total_demand: float) -> float | None:
    """The affiliated principals' share of the vendor's units divided by their share of the
    demand at the vendor. Above 1: the vendor's investors got more than their demand share.
    None when there is no demand, no affiliated demand or no units to share."""
    unit_share = ratio(affiliated_units, total_units)
    demand_share = ratio(affiliated_demand, total_demand)
    if unit_share is None or not demand_share:
        return None
    return unit_share / demand_share


def suppress(value, principals: int, k: int):
    """``value`` when at least k principals stand behind it, else ``SUPPRESSED``."""
    return value if principals >= k else SUPPRESSED


def is_suppressed(value) -> bool:
    return value == SUPPRESSED
