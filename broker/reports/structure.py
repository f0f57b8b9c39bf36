"""Market structure: concentration as the 2023 US Merger Guidelines measure it, and
foreclosure from declared stakes. Pure: plain data in, plain data out (docs/reports.md,
"Concentration and foreclosure", has each definition with a worked example).

A *market* is one task type in one language: an offering in several languages is in each of
their markets with its whole capacity (a vendor that can serve German can serve it with all
its people); an offering with no language is in the task type's market ``any``.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping

from broker.reports import metrics

# 2023 US Merger Guidelines, section 2.1: a market with an HHI above 1,800 is highly
# concentrated; a change of more than 100 points is significant; a firm with a share above
# 30 % is flagged whatever the HHI.
HHI_HIGH = metrics.HIGHLY_CONCENTRATED_HHI
HHI_DELTA_SIGNIFICANT = 100
SHARE_FLAG = 0.30
ANY_LANGUAGE = "any"


def markets_of(task_type: str, languages: Iterable[str]) -> list[tuple[str, str]]:
    """The (task type, language) markets an offering is in."""
    langs = sorted(set(languages)) or [ANY_LANGUAGE]
    return [(task_type, lang) for lang in langs]


def vendor_units(offerings: Iterable[Mapping], units_key: str) -> dict[tuple[str, str], dict[str, float]]:
    """market -> vendor -> units (``units_key`` of each offering row: capacity or delivered).
    Each row needs ``task_type``, ``languages`` and ``vendor``."""
    out: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for o in offerings:
        units = o.get(units_key)
        if units is None or metrics.is_suppressed(units):
            continue
        for m in markets_of(o["task_type"], o.get("languages") or ()):
            out[m][o["vendor"]] += units
    return {m: dict(v) for m, v in out.items()}


def concentration(units: Mapping[str, float], previous_hhi: float | None = None) -> dict:
    """HHI, its change since the previous period, the largest share and the three flags of one
    market from its vendors' units. The change is None without a previous figure."""
    names = sorted(units)
    values = [units[n] for n in names]
    hhi = metrics.hhi(values)
    shares = metrics.shares(values)
    top = max(range(len(names)), key=lambda i: (shares[i], -i)) if names else None
    delta = None if previous_hhi is None else hhi - previous_hhi
    return {"vendors": len(names), "units": sum(values), "hhi": hhi, "hhi_change": delta,
            "top_vendor": names[top] if top is not None else None,
            "top_share": shares[top] if top is not None else 0.0,
            "highly_concentrated": hhi > HHI_HIGH,
            "significant_change": delta is not None and delta > HHI_DELTA_SIGNIFICANT,
            "share_above_30_percent": top is not None and shares[top] > SHARE_FLAG}


def foreclosure_share(capacity: Mapping[str, float], holdings: Iterable[str]) -> float:
    """Share (0..1) of a market's capacity held by the vendors a developer holds a stake in."""
    total = sum(capacity.values())
    held = sum(capacity.get(v, 0) for v in set(holdings))
    return held / total if total else 0.0


def mhhi_delta(shares: Mapping[str, float], stakes: Mapping[str, Mapping[str, float]]) -> float:
    """The O'Brien–Salop modified-HHI delta (MHHI = HHI + delta) implied by declared stakes.

    ``shares``: vendor -> market share (0..1). ``stakes``: vendor -> holder -> ownership
    (0..1). Control is taken proportional to ownership (γ = β), and the part of a vendor no
    declared holder owns as one further owner holding nothing else (it weighs in the
    denominator, never in a cross term). Then

        delta = 10 000 · Σ_j Σ_{k≠j} s_j s_k · (Σ_i β_ij β_ik) / (Σ_i β_ij²)

    which is 0 unless one holder has stakes in two vendors of the market (common ownership).
    """
    total = 0.0
    vendors = sorted(shares)
    for j in vendors:
        own = stakes.get(j, {})
        rest = max(0.0, 1.0 - sum(own.values()))
        denom = sum(b * b for b in own.values()) + rest * rest
        if not denom:
            continue
        for k in vendors:
            if k == j:
                continue
            cross = sum(b * stakes.get(k, {}).get(i, 0.0) for i, b in own.items())
            total += shares[j] * shares[k] * cross / denom
    return 10_000 * total


def market_rows(capacity: Mapping[tuple[str, str], Mapping[str, float]],
                delivered: Mapping[tuple[str, str], Mapping[str, float]],
                principals: Mapping[tuple[str, str], int], stakes: list[Mapping],
                previous: Mapping | None, k: int) -> list[dict]:
    """The access report's ``market_structure`` rows: per market (task type, language) and
    basis (``capacity``, ``delivered``), the vendors' units and their concentration (change
    against ``previous``: {(task, language, basis): hhi}) with the MHHI delta from ``stakes``
    ({holder, vendor, percent}). Delivered units stand on the market's principals and are
    suppressed below k of them; capacity is the vendors' own public declaration."""
    previous = previous or {}
    by_vendor: dict[str, dict[str, float]] = defaultdict(dict)
    for st in stakes:
        own = by_vendor[st["vendor"]]
        own[st["holder"]] = own.get(st["holder"], 0.0) + st["percent"] / 100
    rows = []
    for basis, table in (("capacity", capacity), ("delivered", delivered)):
        for (task, lang), units in sorted(table.items()):
            rows.append(market_row(task, lang, basis, dict(units), by_vendor,
                                   previous.get((task, lang, basis)), principals.get((task, lang), 0), k))
    return rows


def market_row(task: str, lang: str, basis: str, units: dict[str, float], stakes_by_vendor: Mapping,
               previous_hhi: float | None, principals: int, k: int) -> dict:
    """One ``market_structure`` row (what ``verify`` recomputes from its ``units_by_vendor``)."""
    c = concentration(units, previous_hhi)
    names = sorted(units)
    shares = dict(zip(names, metrics.shares([units[v] for v in names])))
    c["mhhi_delta"] = mhhi_delta(shares, {v: stakes_by_vendor[v] for v in names if v in stakes_by_vendor})
    row = {"task_type": task, "language": lang, "basis": basis, "units_by_vendor": units, **c}
    if basis == "delivered":
        row = {key: (v if key in ("task_type", "language", "basis") else metrics.suppress(v, principals, k))
               for key, v in row.items()}
        row["principals"] = principals
    return row


def foreclosure_rows(offerings: list[Mapping], stakes: list[Mapping]) -> list[dict]:
    """Per stake holder and market where it holds a stake in a vendor: the foreclosure share."""
    capacity = vendor_units(offerings, "capacity_units")
    holdings: dict[str, set[str]] = defaultdict(set)
    for st in stakes:
        holdings[st["holder"]].add(st["vendor"])
    rows = []
    for holder in sorted(holdings):
        for (task, lang), cap in sorted(capacity.items()):
            held = sorted(holdings[holder] & set(cap))
            if held:
                rows.append({"holder": holder, "task_type": task, "language": lang, "vendors": held,
                             "foreclosure_share": foreclosure_share(cap, held)})
    return rows


# --- rivals at invested vendors (foreclosure.vendors) ---------------------------------------

GAP_FIGURES = ("rivals_fill_rate", "market_fill_rate", "fill_gap", "rivals_price_minor", "market_price_minor",
               "price_gap_percent")


def gap_row(vendor_id: int, vendor: str, holders: list[str], rivals: int, counts: Mapping, k: int) -> dict:
    """One invested vendor's row of ``foreclosure.vendors`` from the counts behind it.

    ``counts``: ``ordered`` and ``delivered`` — (at the vendor, in its markets) units of its
    customers without a stake (``rivals`` principals); ``priced`` — currency -> (units priced
    at the vendor, their value, units priced in its markets, their value), minor units; a
    currency's market pair may be None when only the choice of currency is known. The price
    compared is in the currency most of the rivals' units at the vendor were priced in (the
    first such currency in code order on a tie). Every figure and count is suppressed below k
    rivals. (Schema 2.1 published the same row without ``counts``.)
    """
    (ord_at, ord_mkt), (del_at, del_mkt) = counts["ordered"], counts["delivered"]
    priced = counts["priced"]
    fill_at, fill_mkt = metrics.ratio(del_at, ord_at), metrics.ratio(del_mkt, ord_mkt)
    row = {"vendor_id": vendor_id, "vendor": vendor, "holders": sorted(holders), "rivals": rivals,
           "rivals_fill_rate": fill_at, "market_fill_rate": fill_mkt,
           "fill_gap": fill_at - fill_mkt if fill_at is not None and fill_mkt is not None else None,
           "currency": None, "rivals_price_minor": None, "market_price_minor": None, "price_gap_percent": None}
    shown = {"rivals_ordered_units": ord_at, "rivals_delivered_units": del_at,
             "market_ordered_units": ord_mkt, "market_delivered_units": del_mkt,
             "rivals_priced_units_by_currency": {c: priced[c][0] for c in sorted(priced)},
             "rivals_priced_units": None, "rivals_value_minor": None,
             "market_priced_units": None, "market_value_minor": None}
    if priced:
        cur = max(sorted(priced), key=lambda c: priced[c][0])
        n_at, v_at, n_mkt, v_mkt = priced[cur]
        p_at, p_mkt = metrics.ratio(v_at, n_at), metrics.ratio(v_mkt, n_mkt)
        row.update(currency=cur, rivals_price_minor=p_at, market_price_minor=p_mkt,
                   price_gap_percent=(100 * (p_at - p_mkt) / p_mkt) if p_at is not None and p_mkt else None)
        shown.update(rivals_priced_units=n_at, rivals_value_minor=v_at, market_priced_units=n_mkt,
                     market_value_minor=v_mkt)
    for key in GAP_FIGURES:
        row[key] = metrics.suppress(row[key], rivals, k)
    row["counts"] = {key: metrics.suppress(v, rivals, k) for key, v in shown.items()}
    return row
