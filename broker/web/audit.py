"""The auditor's pages beside the dashboard: a vendor's access record over time, read from
the published access reports (public data, so no login)."""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from broker import db
from broker.reports import auditing, labels, metrics

bp = Blueprint("audit", __name__, url_prefix="/audit")

VENDOR_COLUMNS = ("principals", "allocated_units", "delivered_units", "delivery_ratio", "delivery_fairness",
                  "affiliated.preference_ratio_allocated", "affiliated.preference_ratio_delivered")


@bp.get("/vendors/<int:vendor_id>")
def vendor(vendor_id: int):
    name, record = auditing.vendor_record(db.session(), vendor_id)
    if name is None:
        abort(404)
    columns = [(c, labels.column(c)) for c in VENDOR_COLUMNS]
    return render_template("audit/vendor.html", name=name, vendor_id=vendor_id, record=record,
                           columns=columns, SUPPRESSED=metrics.SUPPRESSED)
