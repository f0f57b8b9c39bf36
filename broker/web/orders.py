"""Order pages: a vendor sees what to do (customer, instructions, deadline, period, a delivery
schedule, a contact), accepts or declines with a reason, and records deliveries; the developer
follows the progress. A refused decision answers 4xx with the reason on the order's page."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, flash, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from broker import db
from broker.auth.session_login import login_required
from broker.catalog.money import format_money
from broker.errors import ApiError
from broker.web.acting import attempt, form_ok
from broker.web.listing import page_of
from broker.services import notifications, orders as svc

bp = Blueprint("orders", __name__, url_prefix="/orders")


class DeliveryForm(FlaskForm):
    units = IntegerField("Units delivered", validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    delivered_at = DateTimeLocalField("Delivered at (UTC; empty = now)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    note = StringField("Note", validators=[Optional(), Length(max=1000)])


class DeclineForm(FlaskForm):
    reason = TextAreaField("Why you decline (the developer reads this)", validators=[Optional(), Length(max=1000)])


@bp.get("")
@login_required()
def index():
    s = db.session()
    rows, next_cursor = page_of("orders", lambda after, limit: svc.list_for(s, g.principal, after_id=after,
                                                                             limit=limit))
    return render_template("orders/index.html", orders=rows, sheets=svc.list_facts(s, rows),
                           money=format_money, next_cursor=next_cursor)


def _detail(order_id: int, status: int = 200, decline_form: DeclineForm | None = None):
    s = db.session()
    order = svc.get(s, g.principal, order_id)
    return render_template("orders/detail.html", order=order, deliveries=svc.deliveries(s, order),
                           sheet=svc.work_sheet(s, order), title=svc.offering_title(s, order), form=DeliveryForm(),
                           decline_form=decline_form or DeclineForm(formdata=None), money=format_money), status


@bp.get("/<int:order_id>")
@login_required()
def detail(order_id: int):
    return _detail(order_id)


def _decide(order_id: int, change, done: str, form: FlaskForm):
    """Run a vendor's decision; a refusal re-renders the order with its 4xx status and why."""
    if not form.validate_on_submit():
        flash("The form expired or was not valid; try again.", "error")
        return _detail(order_id, 400, form if isinstance(form, DeclineForm) else None)
    s = db.session()
    try:
        with db.transaction(s):
            change(s)
    except ApiError as e:
        flash(e.detail, "error")
        return _detail(order_id, e.status, form if isinstance(form, DeclineForm) else None)
    flash(done)
    return redirect(url_for("orders.detail", order_id=order_id))


@bp.post("/<int:order_id>/accept")
@login_required("vendor")
def accept(order_id: int):
    return _decide(order_id, lambda s: svc.accept(s, g.principal, order_id),
                   f"Order {svc.number(order_id)} accepted. The developer has been told.", FlaskForm())


@bp.post("/<int:order_id>/decline")
@login_required("vendor")
def decline(order_id: int):
    form = DeclineForm()
    return _decide(order_id, lambda s: svc.decline(s, g.principal, order_id, reason=form.reason.data or ""),
                   f"Order {svc.number(order_id)} declined. The developer has been told why, and the units "
                   "are back in the pool for the next spot round.", form)


@bp.post("/<int:order_id>/deliveries")
@login_required("vendor")
def deliver(order_id: int):
    form = DeliveryForm()
    if form_ok(form, "Delivery"):
        at = form.delivered_at.data.replace(tzinfo=timezone.utc) if form.delivered_at.data else None
        attempt(lambda s: svc.deliver(s, g.principal, order_id, units=form.units.data, delivered_at=at,
                                      note=form.note.data or ""),
                f"{form.units.data} units recorded on order {svc.number(order_id)}.")
    return redirect(url_for("orders.detail", order_id=order_id))


@bp.app_context_processor
def _dashboard_helpers():
    def vendor_dashboard():
        s = db.session()
        news = notifications.since_last_visit(s, g.user)
        with db.transaction(s):
            notifications.mark_seen(s, g.user)
        return {"news": news, "orders": svc.list_for(s, g.principal, limit=10)}

    return {"vendor_dashboard": vendor_dashboard}
