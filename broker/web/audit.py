"""The auditor's pages: a public landing page (latest findings, the verify command), a
vendor's and a developer's access record over time, read from the published access reports.

Vendor and pseudonymous developer records are public data (no login). A developer's own
record links its pseudonyms across periods — something only it (and Parity) can do — so it
is shown to that developer alone.
"""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template

from broker import db
from broker.auth.session_login import login_required
from broker.models import Org
from broker.reports import auditing, labels, metrics
from broker.services import round_input

bp = Blueprint("audit", __name__, url_prefix="/audit")

VENDOR_COLUMNS = ("principals", "allocated_units", "delivered_units", "delivery_ratio", "delivery_fairness",
                  "affiliated.preference_ratio_allocated", "affiliated.preference_ratio_delivered")


@bp.get("")
def landing():
    s = db.session()
    periods = auditing.periods(s, n=4)
    latest = periods[0] if periods else None
    return render_template("audit/landing.html", latest=latest, alerts=auditing.alerts(latest),
                           periods=periods)


@bp.get("/vendors/<int:vendor_id>")
def vendor(vendor_id: int):
    name, record = auditing.vendor_record(db.session(), vendor_id)
    if name is None:
        abort(404)
    columns = [(c, labels.column(c)) for c in VENDOR_COLUMNS]
    return render_template("audit/vendor.html", name=name, vendor_id=vendor_id, record=record,
                           columns=columns, SUPPRESSED=metrics.SUPPRESSED, number=labels.number)


@bp.get("/developers")
def developers():
    return render_template("audit/developers.html", periods=auditing.developer_rows(db.session()),
                           causes=labels.CAUSES)


@bp.get("/developers/<pseudonym>")
def developer(pseudonym: str):
    if not (pseudonym.startswith(("org-", "grp-")) and len(pseudonym) <= 40):
        abort(404)
    s = db.session()
    record = auditing.developer_record(s, auditing.pseudonym_periods(s, pseudonym))
    if not record:
        abort(404)
    return render_template("audit/developer.html", record=record, title=f"Developer {pseudonym}",
                           own=False, causes=labels.CAUSES)


@bp.get("/developers/mine")
@login_required("developer")
def my_record():
    s = db.session()
    org = s.get(Org, g.principal.org_id)
    if org is None:
        abort(403)
    keys = {p["period"]: (p["group"] or p["org"]) for p in round_input.told_to(s, org)}
    record = auditing.developer_record(s, keys)
    return render_template("audit/developer.html", record=record, title=f"{org.name}: your access record",
                           own=True, causes=labels.CAUSES, org=org)
