"""How the policy page names each parameter: a plain name and a value with its unit
("Pay floor: USD 8.00 an hour"), and what changed between two versions. Presentation only:
the parameters themselves (names, defaults, bounds) are ``broker.policy.PARAMETERS``."""
from __future__ import annotations


def _percent(v) -> str:
    return f"{float(v) * 100:g} %"


def _off_or(fmt):
    return lambda v, p: "off" if not float(v) else fmt(v, p)


# name -> (plain name, value formatter(value, all params))
LABELS = {
    "max_reserved_share": ("Largest reservation", lambda v, p: f"{_percent(v)} of an offering's capacity for the period"),
    "small_set_aside": ("Small-developer set-aside", _off_or(lambda v, p: f"{_percent(v)} of each offering's capacity")),
    "usage_half_life_days": ("Past usage lowers weight, half-life", _off_or(lambda v, p: f"{float(v):g} days")),
    "cutoff_hours": ("Request window closes", lambda v, p: f"{v} hours before the period starts"),
    "spot_interval_minutes": ("Spot rounds after the cutoff", lambda v, p: f"every {v} minutes"),
    "payment_window_hours": ("Time to pay an allocation", lambda v, p: f"{v} hours"),
    "platform_fee_rate": ("Platform fee", lambda v, p: f"{_percent(v)} of each order's value"),
    "pay_floor_minor": ("Pay floor", lambda v, p: f"{p.get('pay_floor_currency', 'USD')} {int(v) / 100:,.2f} an hour"),
    "small_cell_k": ("Smallest group a report figure may stand on", lambda v, p: f"{v} principals"),
    "default_weight": ("Weight of an organisation the policy names no other for", lambda v, p: f"{float(v):g}"),
    "exposure_cap_hours": ("Harmful-content exposure cap", lambda v, p: f"{v} hours a week per worker"),
    "pay_floors": ("Pay floors by country", lambda v, p: f"{len(v)} countries" if v else "none (the global floor everywhere)"),
}
# Shown in a table of their own, not as one row.
OWN_TABLE = {"pay_floors"}
# Shown inside another parameter's value (the pay floor's currency).
FOLDED_INTO = {"pay_floor_currency": "pay_floor_minor"}


def label(name: str) -> str:
    return LABELS.get(name, (name.replace("_", " ").capitalize(), None))[0]


def value(name: str, params: dict) -> str:
    spec = LABELS.get(name)
    return spec[1](params[name], params) if spec else str(params[name])


def rows(params: dict, defaults: dict) -> list[dict]:
    """Each parameter as the page shows it: plain name, value, default, key."""
    return [{"key": n, "name": label(n), "value": value(n, params), "default": value(n, defaults)}
            for n in params if n not in FOLDED_INTO and n not in OWN_TABLE and n in defaults]


def changes(before: dict, after: dict) -> list[dict]:
    """What changed from ``before`` to ``after`` (full parameter sets), in plain words."""
    out = []
    for n in after:
        target = FOLDED_INTO.get(n, n)
        if before.get(n) != after.get(n) and not any(c["key"] == target for c in out):
            out.append({"key": target, "name": label(target), "before": value(target, before),
                        "after": value(target, after)})
    return out
