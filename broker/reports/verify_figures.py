"""The figures of schema 2.1 that ``verify`` recomputes, each from published data only:

- ``entitlement``: from the period's round data (input and output), as the builder does;
- ``market_structure``: capacity units by vendor from the report's own offerings (public
  capacity declarations, languages and vendors), every concentration figure and the MHHI
  delta from the units by vendor, the declared ``stakes`` and the previous access report;
- ``foreclosure.holders``: from the offerings and the declared stakes;
- ``findings`` (every series): from the document's figures and the previous period's report.

Each function returns None when the figures agree, else ``(path, published, recomputed)``
of the first difference. Pure: documents in, a difference out.
"""
from __future__ import annotations

from broker.canonical import round_figures
from broker.reports import build_structure, entitlement, findings, metrics, structure

Mismatch = tuple[str, object, object] | None


def declares_findings(doc: dict) -> bool:
    """Schema 2.1 on carries findings and the market-structure sections."""
    try:
        major, minor = (int(x) for x in str(doc.get("schema_version", "0.0")).split(".")[:2])
    except ValueError:
        return False
    return (major, minor) >= (2, 1)


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
