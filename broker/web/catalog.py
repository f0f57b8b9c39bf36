"""The public catalog (no login): search and filters, comparison, offering and vendor pages,
and the CSV export. Same service functions as /api/v1/offerings."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, render_template, request
from pydantic import ValidationError

from broker import db
from broker.api.offerings import CatalogQuery, filters_from
from broker.catalog import money, payfloor, vocabulary
from broker.catalog.chart import PricePoint, price_history_svg
from broker.catalog.wire import iso
from broker.clock import now
from broker.errors import ApiError
from broker.models import Offering, Org
from broker.periods import period_of
from broker.services import capacity, catalog, offerings, prices, vendors, workforce

bp = Blueprint("catalog", __name__)

PAGE = 50
VENDOR_PAGE = 20  # offerings on a vendor's page, each with its price chart
MAX_COMPARE = 4
FILTER_KEYS = ("q", "task_type", "modality", "language", "expertise", "unit", "currency", "price_min",
               "price_max", "turnaround_max", "pay_floor", "sort")


def _query() -> tuple[CatalogQuery | None, str | None]:
    """The filter form's fields (blank ones dropped); prices are typed as decimals."""
    args = {k: v.strip() for k, v in request.args.items() if k in FILTER_KEYS and v.strip()}
    try:
        for k in ("price_min", "price_max"):
            if k in args:
                args[k] = money.parse_money(args[k], args.get("currency", "USD"))
        return CatalogQuery(**args), None
    except ValueError as e:  # pydantic's ValidationError is a ValueError too
        if isinstance(e, ValidationError):
            fields = ", ".join(".".join(str(p) for p in err["loc"]) for err in e.errors())
            return None, f"Some filters are not valid: {fields}."
        return None, f"Price: {e}."


def _context(q: CatalogQuery | None) -> dict:
    filter_args = {k: v for k, v in request.args.items() if k in FILTER_KEYS and v.strip()}
    return {"vocab": vocabulary, "payfloor": payfloor, "args": request.args,
            "filter_args": filter_args}


@bp.get("/catalog")
def index():
    s = db.session()
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    q, error = _query()
    rows, more, floor = [], False, catalog.pay_floor(s)
    if q is not None:
        try:
            rows, after = catalog.search(s, filters_from(q), now=now(), floor=floor, limit=PAGE,
                                         offset=(page - 1) * PAGE)
            more = after is not None
        except ApiError as e:
            error = "; ".join(f"{x['field']}: {x['message']}" for x in e.errors or []) or e.detail
    status = 400 if error else 200
    selected = {x for x in request.args.getlist("id") if x.isdigit()}
    return render_template("catalog/index.html", rows=rows, page=page, more=more, error=error, floor=floor,
                           period=period_of(now()), selected=selected, **_context(q)), status


@bp.get("/catalog/compare")
def compare():
    s = db.session()
    raw = request.args.getlist("id")
    try:
        ids = tuple(dict.fromkeys(int(x) for x in raw))
    except ValueError:
        raise ApiError("Offering ids are numbers.", status=400) from None
    ids = ids[:200]
    floor = catalog.pay_floor(s)
    rows, _ = catalog.search(s, catalog.Filters(ids=ids), now=now(), floor=floor, limit=len(ids)) if ids else ([], None)
    order = {oid: i for i, oid in enumerate(ids)}
    rows.sort(key=lambda r: order[r["id"]])
    # Too many chosen: say so and keep the selection, to untick some (never a bare 400).
    too_many = len(rows) > MAX_COMPARE
    return render_template("catalog/compare.html", rows=rows, floor=floor, vocab=vocabulary,
                           payfloor=payfloor, too_many=too_many, limit=MAX_COMPARE)


def price_chart(s, offering: Offering) -> tuple[str, list]:
    history = prices.history(s, offering.id)
    currency = history[-1].currency if history else "USD"
    svg = price_history_svg([PricePoint(p.effective_from, p.effective_to, p.amount_minor) for p in history],
                            currency, now(), f"Price history of {offering.title} ({currency})")
    return svg, history


@bp.get("/catalog/offerings/<int:offering_id>")
def offering(offering_id: int):
    s = db.session()
    o = s.get(Offering, offering_id)
    vendor = s.get(Org, o.vendor_org_id) if o else None
    if o is None or vendor is None:
        raise ApiError(f"No offering {offering_id}.", status=404)
    svg, history = price_chart(s, o)
    t = now()
    cap = [(row, *capacity.committed(s, o.id, row.period)) for row in capacity.of_offering(s, o.id, period_of(t))]
    floor = catalog.pay_floor(s)
    return render_template("catalog/offering.html", o=o, vendor=vendor, svg=svg, history=history,
                           current=prices.current(s, o.id, t), capacity=cap,
                           languages=offerings.languages_of(s, o.id), vocab=vocabulary,
                           pay=payfloor.status(o.effective_hourly_pay_minor, o.pay_currency, floor),
                           payfloor=payfloor, floor=floor)


@bp.get("/vendors")
def vendor_directory():
    return render_template("catalog/vendors.html", rows=vendors.directory(db.session()), vocab=vocabulary)


@bp.get("/vendors/<int:vendor_id>")
def vendor_page(vendor_id: int):
    s = db.session()
    org = vendors.public_vendor(s, vendor_id)
    t = now()
    floor = catalog.pay_floor(s)
    page = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
    rows, after = catalog.search(s, catalog.Filters(vendor_id=org.id, sort="id"), now=t, floor=floor,
                                 limit=VENDOR_PAGE, offset=(page - 1) * VENDOR_PAGE)
    charts = []
    for r in rows:
        o = s.get(Offering, r["id"])
        charts.append((r, *price_chart(s, o)))
    disclosures = workforce.of_vendor(s, org.id)
    latest = disclosures[0] if disclosures else None
    return render_template("catalog/vendor.html", org=org, profile=vendors.get_profile(s, org.id), charts=charts,
                           latest=latest, summary=workforce.summary(latest, floor, catalog.floor_table(s)) if latest else None,
                           older=disclosures[1:], stakes=vendors.stakes_in(s, org.id),
                           reservations=vendors.reservations_at(s, org.id, period_of(t)), floor=floor,
                           vocab=vocabulary, payfloor=payfloor, page=page, more=after is not None)


CSV_COLUMNS = ("offering_id", "title", "vendor_id", "vendor", "task_type", "modality", "expertise", "unit",
               "languages", "price", "currency", "price_minor", "price_since", "turnaround_days",
               "capacity_this_period", "effective_hourly_pay_minor", "pay_currency", "pay_floor")


def _cell(value):
    """Spreadsheets run cells starting with = + - @ as formulas: quote them (OWASP CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@bp.get("/catalog.csv")
def export_csv():
    s = db.session()
    q, error = _query()
    if q is None:
        raise ApiError(error, status=400)
    floor = catalog.pay_floor(s)
    rows = catalog.all_rows(s, filters_from(q), now=now(), floor=floor)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([_cell(v) for v in (
            r["id"], r["title"], r["vendor_org_id"], r["vendor_name"], r["task_type"], r["modality"],
            r["expertise"], r["unit"], " ".join(r["languages"]), money.decimal_string(r["amount_minor"], r["currency"]),
            r["currency"], r["amount_minor"], iso(r["price_since"]), r["turnaround_days"], r["capacity"],
            r["effective_hourly_pay_minor"], r["pay_currency"], r["pay_floor"])])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=parity-catalog-{now():%Y-%m-%d}.csv",
                             "Cache-Control": "public, max-age=60"})
