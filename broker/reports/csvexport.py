"""CSV for every table of a report. Pure.

A table is any list of objects in the document (``vendors``, ``allocation.offerings``, …).
Nested objects become dotted columns (``affiliated.preference_ratio_delivered``); lists in a
cell are joined with ``;``. ``table_csv`` gives one table with a header row; ``all_csv`` gives
every table in long form (``table,row,column,value``), one figure per line.
"""
from __future__ import annotations

import csv
import io


def tables(doc: dict, prefix: str = "") -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for key in sorted(doc):
        value, name = doc[key], f"{prefix}{key}"
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out[name] = [_flatten(v) for v in value]
        elif isinstance(value, dict):
            out.update(tables(value, f"{name}."))
    return out


def _flatten(row: dict, prefix: str = "") -> dict:
    flat = {}
    for k, v in row.items():
        if isinstance(v, dict):
            flat.update(_flatten(v, f"{prefix}{k}."))
        elif isinstance(v, list):
            flat[f"{prefix}{k}"] = ";".join(str(x) for x in v)
        else:
            flat[f"{prefix}{k}"] = v
    return flat


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(round(v, 6))
    return str(v)


def table_csv(rows: list[dict]) -> str:
    columns: list[str] = []
    for r in rows:
        columns += [c for c in r if c not in columns]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([_cell(r.get(c)) for c in columns])
    return buf.getvalue()


def all_csv(doc: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["series", "period", "table", "row", "column", "value"])
    for name, rows in tables(doc).items():
        for i, r in enumerate(rows):
            for c, v in r.items():
                w.writerow([doc.get("series"), doc.get("period"), name, i, c, _cell(v)])
    return buf.getvalue()
