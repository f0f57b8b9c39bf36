"""Public report pages: the auditor archive, one page per report (charts + every table),
and the JWKS at /.well-known/jwks.json. No login: published reports are public."""
from __future__ import annotations

import json

from flask import Blueprint, abort, current_app, jsonify, render_template
from markupsafe import Markup

from broker import db
from broker.catalog.vocabulary import TASK_TYPES, UNITS
from broker.reports import charts, csvexport, keys, labels, metrics, store
from broker.web.listing import page_of

bp = Blueprint("reports", __name__)
ARCHIVE_PAGE = 60  # reports in the archive per page: 20 weeks of the three series


@bp.get("/.well-known/jwks.json")
def jwks():
    from broker.tlog.service import jwk_decoration

    resp = jsonify(keys.jwks(db.session(), jwk_decoration(current_app.config)))
    resp.headers["Cache-Control"] = "public, max-age=300"
    return resp


@bp.get("/reports/schema/<any(access, pricing, workforce):series>.schema.json")
def schema(series: str):
    from broker.reports.schema import load

    return jsonify(load(series))


@bp.get("/reports")
def index():
    s = db.session()
    rows, next_cursor = page_of("reports", lambda after, limit: store.page(s, limit=limit, before_id=after),
                                limit=ARCHIVE_PAGE)
    gone = store.superseded_ids(s)
    latest = {series: store.latest(s, series) for series in ("access", "pricing", "workforce")}
    return render_template("reports/index.html", rows=rows, superseded=gone, latest=latest, short=short_digest,
                           next_cursor=next_cursor)


@bp.get("/reports/<int:report_id>")
def show(report_id: int):
    s = db.session()
    r = store.get(s, report_id)
    if r is None:
        abort(404)
    doc = json.loads(r.document)
    superseded_by = next((x for x in store.page(s, limit=50, period=r.period, series=r.series)
                          if x.supersedes_id == r.id), None)
    shown = [(c, Markup(c.svg)) for c in _charts(s, doc)]
    return render_template("reports/show.html", r=r, doc=doc, charts=shown,
                           tables=page_tables(doc), superseded_by=superseded_by,
                           SUPPRESSED=metrics.SUPPRESSED, short=short_digest, number=labels.number,
                           cell_text=labels.cell_text)


def short_digest(d: str | None) -> str:
    """``sha256:1a2b3c4d…9f8e7d6c``: enough to tell digests apart on a page; the full one is
    in the element's title and copyable beside it."""
    if not d:
        return ""
    algo, _, hexd = d.partition(":")
    return f"{algo}:{hexd[:8]}…{hexd[-8:]}" if len(hexd) > 20 else d


def page_tables(doc: dict) -> list[dict]:
    """The document's tables for the page: human titles and headings (labels), the findings
    left out (they open the page), nested groups of columns (``affiliated.*``) as a table of
    their own beside the row's name, and long tables cut at 50 rows (the CSV has them all)."""
    out = []
    for name, rows in csvexport.tables(labels.worded(doc)).items():
        if name == "findings":
            continue
        cols: list[str] = []
        for row in rows:
            cols += [c for c in row if c not in cols]
        # A column holding any fraction shows all its numbers with decimals (the canonical
        # form writes 1.0 as 1, which would otherwise read "1" beside "0.97").
        decimals = {c for c in cols if any(isinstance(r.get(c), float) for r in rows)}
        groups: dict[str, list[str]] = {}
        for c in cols:
            groups.setdefault(c.split(".", 1)[0] + "." if "." in c else "", []).append(c)
        # What a row is about reads first (vendor, task type, ...), then its figures; the
        # table of the row's own figures before the tables of its nested groups.
        plain = groups.get("", [])
        named = sorted((c for c in plain if c in _IDENTIFYING), key=_IDENTIFYING.index)
        ident = named[:2] or plain[:1]
        for prefix, members in sorted(groups.items(), key=lambda g: g[0] != ""):
            title = labels.table_title(name) if not prefix else (
                f"{labels.table_title(name)}: {labels.humanise(prefix.rstrip('.')).lower()}")
            shown = named + [c for c in members if c not in named] if not prefix else ident + members
            out.append({"name": name, "title": title, "total": len(rows), "decimals": decimals,
                        "columns": [(c, labels.column(c)) for c in shown], "rows": rows[:50]})
    return out


_IDENTIFYING = ("vendor", "task_type", "size_class", "offering", "group", "holder", "language", "basis")


def _charts(s, doc: dict) -> list[charts.Chart]:
    series = doc["series"]
    if series == "access":
        sc = doc["allocation"]["size_classes"]

        def size(r):
            return labels.SIZE_NAMES.get(r["size_class"], r["size_class"])

        out = [charts.grouped_bars("Allocation vs demand by size class (units)", [size(r) for r in sc],
                                   [("demand", [r["demand_units"] for r in sc]),
                                    ("allocated", [r["allocated_units"] for r in sc])],
                                   category_heading="Size class")]
        w = doc["wait_times"]
        for key, label in (("submission_to_allocation", "Wait from submission to allocation (hours)"),
                           ("allocation_to_delivery", "Wait from allocation to delivery (hours)")):
            out.append(charts.grouped_bars(label, [size(r) for r in w],
                                           [("median", [r[key]["median"] for r in w]),
                                            ("p90", [r[key]["p90"] for r in w])], " h", category_heading="Size class"))
        hist = store.history(s, "access", doc["period"])
        if not hist or hist[-1]["period"] != doc["period"]:
            hist.append(doc)
        markets = sorted({c["task_type"] for h in hist for c in h.get("concentration", [])})
        lines = [(TASK_TYPES.get(m, m), [next((c["vendors_hhi"] for c in h.get("concentration", []) if c["task_type"] == m), None)
                      for h in hist]) for m in markets]
        out.append(charts.lines("Market concentration over time (HHI of vendors)", [h["period"] for h in hist],
                                lines, y_max=10000, threshold=(1800, "highly concentrated (1 800)")))
        return out
    if series == "pricing":
        rows = [(f"{TASK_TYPES.get(p['task_type'], p['task_type'])}, per {UNITS.get(p['unit'], p['unit'])}", p["min_minor"] / 100,
                 p["median_minor"] / 100, p["max_minor"] / 100) for p in doc["list_prices"]]
        currencies = sorted({p["currency"] for p in doc["list_prices"]})
        unit = f" {currencies[0]}" if len(currencies) == 1 else ""
        if len(currencies) > 1:
            rows = [(f"{label} ({p['currency']})", *rest) for (label, *rest), p in zip(rows, doc["list_prices"])]
        return [charts.ranges("List price ranges per task type and unit", rows, unit)]
    vendors = [v for v in doc["vendors"] if v.get("disclosed")]
    floor = doc["pay_floor"]
    return [charts.grouped_bars(f"Median hourly annotator pay (pay floor {floor['amount_minor'] / 100:.2f} {floor['currency']})",
                                [f"{v['vendor']} ({v['pay_currency']})" for v in vendors],
                                [("median hourly pay", [v["median_hourly_pay_minor"] / 100 for v in vendors])],
                                category_heading="Vendor")]
