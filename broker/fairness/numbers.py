"""Exact numbers: JSON numbers in, Fractions inside, canonical renderings out.

Every quantity that decides an allocation is a ``fractions.Fraction`` so the integer
result never depends on floating-point rounding noise.
"""
from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction
from functools import lru_cache
from math import floor


def to_fraction(value) -> Fraction:
    """Exact value of a JSON number; a float is read through its shortest repr (0.3 -> 3/10)."""
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, (int, Fraction)):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value))
    if isinstance(value, (str, Decimal)):
        return Fraction(str(value))
    raise TypeError(f"not a number: {value!r}")


def render(q: Fraction | int | None) -> dict | None:
    """A rational for output: exact string and a float rounded to 6 decimals."""
    if q is None:
        return None
    return dict(_render(q))


@lru_cache(maxsize=4096)
def _render(q) -> tuple:
    q = Fraction(q)
    exact = str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
    return (("exact", exact), ("approx", round(q.numerator / q.denominator, 6)))


def exact_text(q) -> str:
    """A rational as the result document writes it: "7" or "7/3"."""
    if type(q) is int:
        return str(q)
    q = Fraction(q)
    return str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"


def pow2_neg(x: Fraction) -> Fraction:
    """2**(-x) for x >= 0, as an exact Fraction of the value rounded to 12 decimals.

    The irrational power is evaluated with ``decimal`` at 40 digits (libmpdec is the same
    everywhere), then rounded, so replaying a round on another machine gives the same bits.
    A value below 5e-13 would round to 0 and leave its group with no weight at all (and the
    level undefined); such a value keeps 12 significant digits instead: still tiny, never 0.
    """
    with localcontext() as ctx:
        ctx.prec = 40
        exponent = Decimal(x.numerator) / Decimal(x.denominator)
        exact = Decimal(2) ** (-exponent)
        value = exact.quantize(Decimal("1e-12"))
        if value == 0:
            ctx.prec = 12
            value = +exact
    return Fraction(value)


def frac_part(q: Fraction) -> Fraction:
    return q - floor(q)


def num_text(q) -> str:
    """A rational in an explanation: "7" or "7/3 (≈2.333)"."""
    q = Fraction(q)
    n, d = q.numerator, q.denominator
    return str(n) if d == 1 else f"{n}/{d} (≈{n / d:.3f})"


class Desc:
    """The renderings an explanation needs for one (level, weight) pair, made once and shared
    by every row with that pair: rendered level and weight, their texts, and the fair share
    weight x level (exact and as text). ``level`` None: no constraint bound the group."""
    __slots__ = ("level", "weight", "level_r", "weight_r", "level_t", "weight_t", "fair", "fair_t",
                 "level_doc", "weight_doc")

    def __init__(self, level, weight):
        self.level, self.weight = level, weight
        self.weight_r = tuple(v for _, v in _render(weight))
        self.weight_t = num_text(weight)
        if level is None:
            self.level_r = self.level_t = self.fair = self.fair_t = None
        else:
            self.level_r = tuple(v for _, v in _render(level))
            self.level_t = num_text(level)
            self.fair = weight * level
            self.fair_t = num_text(self.fair)
        # the rendered objects of the result document, shared by every row that shows them
        self.weight_doc = {"exact": self.weight_r[0], "approx": self.weight_r[1]}
        self.level_doc = None if level is None else {"exact": self.level_r[0], "approx": self.level_r[1]}
