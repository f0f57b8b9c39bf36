"""Vendor pages: orders to accept and deliveries to record; developers see progress."""
from __future__ import annotations

from datetime import timezone

from flask import Blueprint, g, redirect, render_template, url_for
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from broker import db
from broker.auth.session_login import login_required
from broker.catalog.money import format_money
from broker.web.acting import attempt, form_ok
from broker.services import notifications, orders as svc

bp = Blueprint("orders", __name__, url_prefix="/orders")


class DeliveryForm(FlaskForm):
    units = IntegerField("Units delivered", validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    delivered_at = DateTimeLocalField("Delivered at (UTC; empty = now)", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    note = StringField("Note", validators=[Optional(), Length(max=1000)])


@bp.get("")
@login_required()
def index():
    s = db.session()
    rows = svc.list_for(s, g.principal, limit=200)
    return render_template("orders/index.html", orders=rows, title_of=lambda o: svc.offering_title(s, o),
                           money=format_money)


@bp.get("/<int:order_id>")
@login_required()
def detail(order_id: int):
    s = db.session()
    order = svc.get(s, g.principal, order_id)
    return render_template("orders/detail.html", order=order, deliveries=svc.deliveries(s, order),
                           title=svc.offering_title(s, order), form=DeliveryForm(), money=format_money)


@bp.post("/<int:order_id>/accept")
@login_required("vendor")
def accept(order_id: int):
    if form_ok(FlaskForm()):
        attempt(lambda s: svc.accept(s, g.principal, order_id), f"Order #{order_id} accepted.")
    return redirect(url_for("orders.detail", order_id=order_id))


@bp.post("/<int:order_id>/deliveries")
@login_required("vendor")
def deliver(order_id: int):
    form = DeliveryForm()
    if form_ok(form, "Delivery"):
        at = form.delivered_at.data.replace(tzinfo=timezone.utc) if form.delivered_at.data else None
        attempt(lambda s: svc.deliver(s, g.principal, order_id, units=form.units.data, delivered_at=at,
                                      note=form.note.data or ""),
                f"{form.units.data} units recorded on order #{order_id}.")
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
