"""The access report's market-structure sections (schema 2.1): ``stakes``, ``market_structure``
(concentration per task type and language, on capacity and on delivered units) and
``foreclosure`` (per stake holder and per invested vendor; schema 2.2 adds the counts behind
each vendor's row). The measures are the pure functions of ``structure``; this module gathers
their inputs from the period's figures.
"""
from __future__ import annotations

from collections import defaultdict

from broker.reports import structure


def stakes_section(stakes: list[dict]) -> list[dict]:
    """The declared stakes as published: holder and vendor by name (stakes are public)."""
    return [{"holder": st["holder"], "vendor_id": st["vendor_id"], "vendor": st["vendor"],
             "percent": st["percent"]} for st in stakes]


def _markets(offerings: list[dict]) -> dict[int, list[tuple[str, str]]]:
    return {o["offering_id"]: structure.markets_of(o["task_type"], o["languages"]) for o in offerings}


def market_section(offerings: list[dict], units: list[tuple], stakes: list[dict],
                   previous_doc: dict | None, k: int) -> list[dict]:
    """``units``: (principal, size class, offering id, allocated, delivered) rows."""
    markets = _markets(offerings)
    vendor_of = {o["offering_id"]: o["vendor"] for o in offerings}
    capacity: dict[tuple, dict[str, float]] = structure.vendor_units(offerings, "capacity_units")
    delivered: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(int))
    principals: dict[tuple, set[int]] = defaultdict(set)
    for p, _sc, off, _a, d in units:
        for m in markets.get(off, ()):
            delivered[m][vendor_of[off]] += d
            principals[m].add(p)
    return structure.market_rows(capacity, {m: dict(v) for m, v in delivered.items()},
                                 {m: len(ps) for m, ps in principals.items()},
                                 stakes, previous_hhi(previous_doc), k)


def previous_hhi(doc: dict | None) -> dict[tuple[str, str, str], float]:
    """(task type, language, basis) -> HHI of a previous access report (numbers only)."""
    out = {}
    for m in (doc or {}).get("market_structure", []):
        if isinstance(m.get("hhi"), (int, float)) and not isinstance(m.get("hhi"), bool):
            out[(m["task_type"], m["language"], m["basis"])] = m["hhi"]
    return out


def foreclosure_section(offerings: list[dict], units: list[tuple], values: list[tuple],
                        stakes: list[dict], k: int) -> dict:
    """Per holder and market: its foreclosure share. Per invested vendor: the fill rate
    (delivered ÷ ordered) and units-weighted price its customers without a stake got there,
    against what the same customers got across the vendor's task types — with the counts
    behind them (schema 2.2), from which ``verify`` derives every figure again."""
    holders_of: dict[int, set[int]] = defaultdict(set)
    for st in stakes:
        holders_of[st["vendor_id"]].add(st["principal"])
    off_vendor = {o["offering_id"]: o["vendor_id"] for o in offerings}
    off_task = {o["offering_id"]: o["task_type"] for o in offerings}
    names = {st["vendor_id"]: st["vendor"] for st in stakes}
    rows = []
    for v in sorted(holders_of):
        rivals, counts = gap_counts(v, holders_of[v], off_vendor, off_task, units, values)
        rows.append(structure.gap_row(v, names[v], [st["holder"] for st in stakes if st["vendor_id"] == v],
                                      rivals, counts, k))
    return {"holders": structure.foreclosure_rows(offerings, stakes), "vendors": rows}


def gap_counts(vendor: int, holders: set[int], off_vendor: dict[int, int], off_task: dict[int, str],
               units: list[tuple], values: list[tuple]) -> tuple[int, dict]:
    """(rivals, counts for ``structure.gap_row``) of one invested vendor: its customers without
    a stake, their units ordered and delivered and their priced units and value, at the vendor
    and across its task types (its markets, the vendor included)."""
    tasks = {off_task[o] for o, vv in off_vendor.items() if vv == vendor}
    at, market = [0, 0], [0, 0]
    rivals: set[int] = set()
    for p, _sc, off, a, d in units:
        if p in holders or off_task.get(off) not in tasks:
            continue
        market[0] += a
        market[1] += d
        if off_vendor[off] == vendor:
            at[0] += a
            at[1] += d
            rivals.add(p)
    price_at: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    price_mkt: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p, off, currency, n, value in values:
        if p in holders or off_task.get(off) not in tasks:
            continue
        price_mkt[currency][0] += n
        price_mkt[currency][1] += value
        if off_vendor[off] == vendor:
            price_at[currency][0] += n
            price_at[currency][1] += value
    priced = {c: (price_at[c][0], price_at[c][1], price_mkt[c][0], price_mkt[c][1]) for c in sorted(price_at)}
    return len(rivals), {"ordered": (at[0], market[0]), "delivered": (at[1], market[1]), "priced": priced}
