"""The operator's lists: requests, orders, orgs and invoices (paged with the one keyset helper,
filtered by status and org, searched), and suspending or reinstating an org (confirmed first)."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from broker import db
from broker.auth.session_login import login_required
from broker.catalog.money import format_money
from broker.catalog.vocabulary import TASK_TYPES
from broker.clock import now
from broker.models import OrderStatus, OrgKind, OrgStatus, RequestStatus
from broker.services import operator_lists as lists
from broker.web.acting import attempt, form_ok
from broker.web.admin_blueprint import bp
from broker.web.confirm import ask, confirmed
from broker.web.listing import page_of

INVOICE_STATUSES = ("open", "paid", "failed", "expired", "void")


def _arg(name: str, allowed) -> str | None:
    value = (request.args.get(name) or "").strip()
    return value if value in allowed else None


def _org_arg() -> int | None:
    return request.args.get("org", type=int) or None


def _q() -> str | None:
    return (request.args.get("q") or "").strip()[:100] or None


def _render(template: str, list_name: str, fetch, id_of, **ctx):
    rows, cursor = page_of(list_name, fetch, id_of=id_of)
    filters = {k: v for k, v in request.args.items() if k in ("status", "org", "q", "kind") and v.strip()}
    return render_template(template, rows=rows, next_cursor=cursor, filters=filters, money=format_money,
                           tasks=TASK_TYPES, **ctx)


@bp.get("/requests", endpoint="requests")
@login_required("operator")
def requests_list():
    s = db.session()
    status, org, q = _arg("status", {x.value for x in RequestStatus}), _org_arg(), _q()
    return _render("admin/requests.html", "admin-requests",
                   lambda after, limit: lists.requests_page(s, status=status, org_id=org, q=q, after_id=after,
                                                            limit=limit),
                   lambda row: row.req.id, statuses=[x.value for x in RequestStatus],
                   orgs=lists.org_choices(s, (OrgKind.developer,)))


@bp.get("/orders", endpoint="orders")
@login_required("operator")
def orders_list():
    s = db.session()
    status, org, q = _arg("status", {x.value for x in OrderStatus}), _org_arg(), _q()
    return _render("admin/orders.html", "admin-orders",
                   lambda after, limit: lists.orders_page(s, status=status, org_id=org, q=q, after_id=after,
                                                          limit=limit),
                   lambda row: row.order.id, statuses=[x.value for x in OrderStatus],
                   orgs=lists.org_choices(s, (OrgKind.developer, OrgKind.vendor)))


@bp.get("/orgs", endpoint="orgs")
@login_required("operator")
def orgs_list():
    s = db.session()
    status, kind, q = _arg("status", {x.value for x in OrgStatus}), _arg("kind", {x.value for x in OrgKind}), _q()
    return _render("admin/orgs.html", "admin-orgs",
                   lambda after, limit: lists.orgs_page(s, kind=kind, status=status, q=q, after_id=after, limit=limit),
                   lambda row: row.org.id, statuses=[x.value for x in OrgStatus], kinds=[x.value for x in OrgKind])


@bp.get("/invoices", endpoint="invoices")
@login_required("operator")
def invoices_list():
    s = db.session()
    status, org, q = _arg("status", set(INVOICE_STATUSES)), _org_arg(), _q()
    return _render("admin/invoices.html", "admin-invoices",
                   lambda after, limit: lists.invoices_page(s, status=status, org_id=org, q=q, after_id=after,
                                                            limit=limit),
                   lambda row: row.payment.id, statuses=INVOICE_STATUSES, now=now(), orgs=lists.org_choices(s, (OrgKind.developer,)))


def _org_status(org_id: int, status: OrgStatus, action: str, done: str):
    if not form_ok(FlaskForm()):
        return redirect(url_for("admin.orgs"))
    if not confirmed():
        return ask(action, org_id)
    reason = (request.form.get("reason") or "").strip()[:500]
    attempt(lambda s: lists.set_status(s, g.principal, org_id, status, reason=reason), done)
    return redirect(url_for("admin.orgs"))


@bp.post("/orgs/<int:org_id>/suspend", endpoint="suspend_org")
@login_required("operator")
def suspend_org(org_id: int):
    return _org_status(org_id, OrgStatus.suspended, "suspend-org", "Organisation suspended.")


@bp.post("/orgs/<int:org_id>/reinstate", endpoint="reinstate_org")
@login_required("operator")
def reinstate_org(org_id: int):
    return _org_status(org_id, OrgStatus.approved, "reinstate-org", "Organisation reinstated.")
