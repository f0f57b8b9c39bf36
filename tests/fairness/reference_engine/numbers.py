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


def pow2_neg(x: Fraction) -> Fraction:
    """2**(-x) for x >= 0, as an exact Fraction of the value rounded to 12 decimals.

    The irrational power is evaluated with ``decimal`` at 40 digits (libmpdec is the same
    everywhere), then rounded, so replaying a round on another machine gives the same bits.
    """
    with localcontext() as ctx:
        ctx.prec = 40
        exponent = Decimal(x.numerator) / Decimal(x.denominator)
        value = Decimal(2) ** (-exponent)
        value = value.quantize(Decimal("1e-12"))
    return Fraction(value)


def frac_part(q: Fraction) -> Fraction:
    return q - floor(q)
