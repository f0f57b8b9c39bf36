"""The figures of schema 2.1 that ``verify`` recomputes, each from published data only:

- ``entitlement``: from the period's round data (input and output), as the builder does;
- ``market_structure``: capacity units by vendor from the report's own offerings (public
  capacity declarations, languages and vendors), every concentration figure and the MHHI
  delta from the units by vendor, the declared ``stakes`` and the previous access report;
- ``foreclosure.holders``: from the offerings and the declared stakes;
- ``foreclosure.vendors`` (schema 2.2 on): the rivals' fill rates, prices, gaps and their
  suppression from the counts published beside them (``counts``), the rows themselves from the
  declared stakes. Reports of 2.1 carry no counts: their gaps are not recomputed (``verify``
  says so);
- ``findings`` (every series): from the document's figures and the previous period's report.

Each function returns None when the figures agree, else ``(path, published, recomputed)``
of the first difference. Pure: documents in, a difference out.
"""
from __future__ import annotations

from broker.canonical import round_figures
from broker.reports import build_structure, entitlement, findings, metrics, structure

Mismatch = tuple[str, object, object] | None


schema_at_least = findings.schema_at_least


def declares_findings(doc: dict) -> bool:
    """Schema 2.1 on carries findings and the market-structure sections."""
    return schema_at_least(doc, (2, 1))


def declares_gap_counts(doc: dict) -> bool:
    """Schema 2.2 on publishes the counts behind ``foreclosure.vendors``."""
    return schema_at_least(doc, (2, 2))


def first_difference(stored, again, path: str, diff) -> Mismatch:
    """(path of the first difference, its published value, its recomputed value), or None."""
    again = round_figures(again)
    where = diff(stored, again, "")
    if where is None:
        return None
    return (f"{path}{'.' if where and not where.startswith('[') else ''}{where}", value_at(stored, where),
            value_at(again, where))


def value_at(doc, where: str):
    """The value at a path such as ``vendors[2].affiliated.satisfaction`` ("(missing)" if none);
    a part with a space (``(length 3 vs 4)``) is a comment, not a key."""
    cur = doc
    for part in where.replace("]", "").replace("[", ".").split("."):
        if part == "" or " " in part:
            continue
        try:
            cur = cur[int(part)] if isinstance(cur, list) else cur[part]
        except (KeyError, IndexError, ValueError, TypeError):
            return "(missing)"
    return cur


def entitlement_mismatch(doc: dict, rounds: list[dict], diff) -> Mismatch:
    k = int(doc.get("parameters", {}).get("small_cell_k", 5))
    return first_difference(doc.get("entitlement"), entitlement.figures(rounds, k), "entitlement", diff)


def structure_mismatch(doc: dict, previous: dict | None, diff) -> Mismatch:
    k = int(doc.get("parameters", {}).get("small_cell_k", 5))
    stakes = doc.get("stakes", [])
    by_vendor: dict[str, dict[str, float]] = {}
    for st in stakes:
        own = by_vendor.setdefault(st["vendor"], {})
        own[st["holder"]] = own.get(st["holder"], 0.0) + st["percent"] / 100
    capacity = structure.vendor_units(doc.get("offerings", []), "capacity_units")
    before = build_structure.previous_hhi(previous)
    again = []
    for row in doc.get("market_structure", []):
        market = (row["task_type"], row["language"])
        if row["basis"] == "capacity":
            units = capacity.get(market, {})
            n = 0
        else:
            units = row.get("units_by_vendor")
            n = row.get("principals", 0)
            if metrics.is_suppressed(units):
                units = {}  # suppressed: every figure must then say so, whatever the units
        again.append(structure.market_row(row["task_type"], row["language"], row["basis"], units, by_vendor,
                                          before.get((*market, row["basis"])), n, k))
    missing = set(capacity) - {(r["task_type"], r["language"]) for r in doc.get("market_structure", [])
                               if r["basis"] == "capacity"}
    if missing:
        return ("market_structure", "(no row)", f"a capacity row for {sorted(missing)[0]}")
    got = first_difference(doc.get("market_structure"), again, "market_structure", diff)
    if got:
        return got
    return first_difference(doc.get("foreclosure", {}).get("holders"),
                            structure.foreclosure_rows(doc.get("offerings", []), stakes),
                            "foreclosure.holders", diff)


def findings_mismatch(doc: dict, previous: dict | None, diff) -> Mismatch:
    body = {key: v for key, v in doc.items() if key != "findings"}
    return first_difference(doc.get("findings"), findings.findings(body, previous), "findings", diff)


GAP_COUNTS = ("rivals_ordered_units", "rivals_delivered_units", "market_ordered_units", "market_delivered_units",
              "rivals_priced_units", "rivals_value_minor", "market_priced_units", "market_value_minor")


def gaps_mismatch(doc: dict, diff) -> Mismatch:
    """``foreclosure.vendors`` of a 2.2 report: one row per vendor with a declared stake (its
    name and holders from ``stakes``), every figure and its suppression derived again from
    the row's published ``counts`` and ``rivals``."""
    k = int(doc.get("parameters", {}).get("small_cell_k", 5))
    stakes = doc.get("stakes", [])
    published = doc.get("foreclosure", {}).get("vendors", [])
    by_id = {r.get("vendor_id"): r for r in published}
    again = []
    for i, v in enumerate(sorted({st["vendor_id"] for st in stakes})):
        row = by_id.get(v)
        name = next(st["vendor"] for st in stakes if st["vendor_id"] == v)
        holders = [st["holder"] for st in stakes if st["vendor_id"] == v]
        if row is None:
            return (f"foreclosure.vendors[{i}]", "(no row)", f"a row for {name}, which has a declared stake")
        rivals = row.get("rivals")
        if not isinstance(rivals, int) or isinstance(rivals, bool) or rivals < 0:
            return (f"foreclosure.vendors[{i}].rivals", rivals, "a count of principals")
        counts, problem = _counts_of(row, rivals, k)
        if problem:
            return (f"foreclosure.vendors[{i}].{problem[0]}", problem[1], problem[2])
        again.append(structure.gap_row(v, name, holders, rivals, counts, k))
    return first_difference(published, again, "foreclosure.vendors", diff)


def _counts_of(row: dict, rivals: int, k: int) -> tuple[dict, tuple | None]:
    """The counts of a published row in ``structure.gap_row``'s form, or the first one that
    cannot stand behind the row's figures: (path in the row, published, what it should be)."""
    zero = {"ordered": (0, 0), "delivered": (0, 0), "priced": {}}
    if rivals < k:
        # Every figure and count must say "suppressed", whatever the counts were; the currency
        # stays published (as in 2.1) and cannot be checked without them.
        cur = row.get("currency")
        return {**zero, "priced": {cur: (0, 0, 0, 0)} if isinstance(cur, str) else {}}, None
    counts = row.get("counts")
    if not isinstance(counts, dict):
        return zero, ("counts", counts if counts is not None else "(missing)", "the counts behind the row")

    def number(key):
        v = counts.get(key, "(missing)")
        return v if isinstance(v, (int, float)) and not isinstance(v, bool) and v >= 0 else None

    for key in GAP_COUNTS[:4]:
        if number(key) is None:
            return zero, (f"counts.{key}", counts.get(key, "(missing)"), "a number of units")
    by_currency = counts.get("rivals_priced_units_by_currency")
    if not isinstance(by_currency, dict) or any(
            not isinstance(n, (int, float)) or isinstance(n, bool) for n in by_currency.values()):
        return zero, ("counts.rivals_priced_units_by_currency", by_currency, "units by currency")
    priced = {c: (n, None, None, None) for c, n in by_currency.items()}
    if priced:
        cur = max(sorted(priced), key=lambda c: priced[c][0])
        if row.get("currency") != cur:
            return zero, ("currency", row.get("currency"), cur)
        for key in GAP_COUNTS[4:]:
            if number(key) is None:
                return zero, (f"counts.{key}", counts.get(key, "(missing)"), f"a number ({cur})")
        priced[cur] = tuple(counts[key] for key in GAP_COUNTS[4:])
    return {"ordered": (counts["rivals_ordered_units"], counts["market_ordered_units"]),
            "delivered": (counts["rivals_delivered_units"], counts["market_delivered_units"]),
            "priced": priced}, None
