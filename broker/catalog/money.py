"""Money as integer minor units: each currency's decimal places (ISO 4217 table A.1), and
exact formatting and parsing of amounts (no float anywhere)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

# Minor-unit exponents that differ from the usual 2 (ISO 4217 table A.1).
_EXPONENTS = {
    **dict.fromkeys(["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX",
                     "UYI", "VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
    "XDR": 0, "XSU": 0, "XUA": 0,
}


def minor_exponent(currency: str) -> int:
    """Digits after the decimal point of ``currency`` (2 for most)."""
    return _EXPONENTS.get(currency, 2)


def _amount(amount_minor: int, currency: str) -> str:
    exp = minor_exponent(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, frac = divmod(abs(amount_minor), 10 ** exp)
    return f"{sign}{whole:,}{'.' + str(frac).zfill(exp) if exp else ''}"


def format_money(amount_minor: int, currency: str) -> str:
    """``1250, "USD"`` → ``"USD 12.50"``: the currency's code, then the amount; exact, from
    integers only (no float). Every page and message shows money this way."""
    return f"{currency} {_amount(amount_minor, currency)}"


def decimal_string(amount_minor: int, currency: str) -> str:
    """``1250, "USD"`` → ``"12.50"`` (for CSV and JSON readers that want a decimal)."""
    return _amount(amount_minor, currency).replace(",", "")


def parse_money(text: str, currency: str) -> int:
    """``"12.5", "USD"`` → ``1250``: a decimal typed by a person, to exact minor units.
    Raises ValueError for anything else (more decimals than the currency has, signs, words)."""
    exp = minor_exponent(currency)
    cleaned = (text or "").strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not value.is_finite() or value < 0 or value > 10**12:
        raise ValueError(f"{text!r} is not an amount")
    scaled = value.scaleb(exp)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} has {exp} decimal places")
    return int(scaled)
