"""Payment pages: developers pay and see invoices and their ledger, vendors onboard to Stripe
Connect and see payouts, operators settle invoices by hand; and the Stripe webhook."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlmodel import select

from broker import db
from broker.api.payments import checkout_urls
from broker.access.principal import get_owned
from broker.auth.session_login import login_required
from broker.errors import ApiError
from broker.models import Order, Org
from broker.models.ledger import Payment
from broker.clock import now
from broker.payments import charges, connect, invoice_pdf, invoices, queries, service, webhooks
from broker.payments.stripe_gateway import GatewayError, gateway, mode
from broker.policy import current_params
from broker.web.listing import page_of

bp = Blueprint("payments", __name__, url_prefix="/payments")
hooks = Blueprint("stripe_webhook", __name__)


class ActionForm(FlaskForm):
    """A bare button form: CSRF only."""


STRIPE_ORIGINS = ("https://checkout.stripe.com", "https://connect.stripe.com")


@bp.after_request
def _allow_stripe_redirects(resp):
    """The pay and onboarding buttons POST here and are redirected to Stripe's hosted pages;
    browsers apply the page's ``form-action`` to that redirect, so these pages allow Stripe's
    origins there (and the configured API base, which is where a test double serves them)."""
    if gateway(db.session()) is None:
        return resp
    origins = list(STRIPE_ORIGINS)
    base = current_app.config.get("STRIPE_API_BASE")
    if base:
        from urllib.parse import urlsplit

        u = urlsplit(base)
        origins.append(f"{u.scheme}://{u.netloc}")
    resp.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'; "
        f"form-action 'self' {' '.join(origins)}; base-uri 'none'")
    return resp


@bp.app_template_filter("payments_money")
def _money(minor, currency):
    return queries.money(minor, currency)


SUMMARY_ROWS = 10  # the newest rows of a list shown beside the page's main list, with a link to all of it


def _org_names(s, payments_: list[Payment]) -> dict[int, str]:
    ids = {x.org_id for x in payments_}
    return dict(s.exec(select(Org.id, Org.name).where(Org.id.in_(ids))).all()) if ids else {}


@bp.get("")
@login_required()
def index():
    """Each role's money at a glance: its main list paged (the operator's open invoices, the
    vendor's payouts, the developer's orders), the others' newest rows with a link to all."""
    s = db.session()
    p = g.principal
    fee_policy = current_params(s)
    ctx = {"mode": mode(s), "form": ActionForm(), "fee_rate": fee_policy["platform_fee_rate"],
           "policy_version": fee_policy.version, "now": now()}
    if p.is_operator:
        ctx["open_invoices"], ctx["next_cursor"] = page_of("open-invoices", lambda after, limit: queries.payments(
            s, p, status="open", methods=queries.INVOICE_METHODS, after_id=after, limit=limit))
        ctx["org_names"] = _org_names(s, ctx["open_invoices"])
        ctx["entries"] = queries.entries(s, p, limit=SUMMARY_ROWS)
        return render_template("payments/operator.html", **ctx)
    if p.role.value == "vendor":
        ctx["account"] = connect.account_of(s, p.org_id)
        ctx["payouts"], ctx["next_cursor"] = page_of("payouts", lambda after, limit: queries.payouts(
            s, p, after_id=after, limit=limit), id_of=lambda line: line.entry_id)
        ctx["orders"] = queries.orders(s, p, limit=SUMMARY_ROWS)
        return render_template("payments/vendor.html", **ctx)
    if p.role.value == "developer":
        ctx["lines"], ctx["next_cursor"] = page_of("payment-orders", lambda after, limit: invoices.order_lines(
            s, p, ctx["now"], after_id=after, limit=limit), id_of=lambda line: line.order.id)
        ctx["totals"] = invoices.totals(s, p, ctx["now"])
        ctx["payments"] = queries.payments(s, p, limit=SUMMARY_ROWS)
        ctx["entries"] = queries.entries(s, p, limit=SUMMARY_ROWS)
        return render_template("payments/developer.html", **ctx)
    return render_template("error.html", status=403, message="Payments are for developers, vendors and operators."), 403


@bp.get("/invoices")
@login_required("developer")
def invoice_list():
    """Every invoice and card payment of the developer's org, newest first, paged. An
    operator has the filtered, searchable list at /admin/invoices."""
    if g.principal.is_operator:
        return redirect(url_for("admin.invoices"))
    s = db.session()
    rows, next_cursor = page_of("invoices", lambda after, limit: queries.payments(s, g.principal, after_id=after,
                                                                                   limit=limit))
    return render_template("payments/invoices.html", payments=rows, now=now(), next_cursor=next_cursor)


@bp.get("/ledger")
@login_required()
def ledger_page():
    """Every ledger line the caller may see (an operator: all), newest first, paged."""
    if g.principal.role.value == "auditor":
        return render_template("error.html", status=403, message="The ledger is for developers, vendors and operators."), 403
    s = db.session()
    rows, next_cursor = page_of("ledger", lambda after, limit: queries.entries(s, g.principal, after_id=after,
                                                                                limit=limit))
    return render_template("payments/ledger.html", entries=rows, next_cursor=next_cursor)


@bp.post("/orders/<int:order_id>/pay")
@login_required("developer")
def pay(order_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        raise ApiError("The form expired; try again.", status=400)
    s = db.session()
    with db.transaction(s):
        order = get_owned(s, Order, order_id, g.principal, column="developer_org_id", what="order")
        payment = service.on_allocation_confirmed(s, order, g.principal, **checkout_urls(order.id))
    if payment.method == "checkout" and payment.status == "open":
        return redirect(payment.url)
    if payment.status == "paid":
        flash(f"Order {order_id} is already paid.")
    else:
        flash(f"Invoice {payment.number} issued: {queries.money(payment.amount_minor, payment.currency)} "
              f"due {payment.due_at:%Y-%m-%d %H:%M} UTC. It says below how to pay.")
        return redirect(url_for("payments.invoice_page", payment_id=payment.id))
    return redirect(url_for("payments.index"))


@bp.get("/orders/<int:order_id>/return")
@login_required("developer")
def checkout_return(order_id: int):
    """Back from Stripe Checkout. The webhook normally booked the payment already; if it has
    not arrived yet, ask Stripe about the session and book it the same way."""
    s = db.session()
    order = get_owned(s, Order, order_id, g.principal, column="developer_org_id", what="order")
    pay = charges.payment_of(s, order.id)
    gw = gateway(s)
    if pay is not None and pay.status != "paid" and pay.method == "checkout" and gw is not None:
        try:
            cs = webhooks.plain(gw.retrieve_checkout_session(pay.external_id))
        except GatewayError:
            cs = None
        if cs is not None and cs.get("payment_status") == "paid":
            with db.transaction(s):
                webhooks.dispatch(s, "checkout.session.completed", cs)
            pay = charges.payment_of(s, order.id)
    if pay is not None and pay.status == "paid":
        flash(f"Payment received for order {order.id}: {queries.money(pay.amount_minor, pay.currency)}. Thank you.")
    else:
        flash(f"Order {order.id} is not paid yet; it will show as paid when Stripe confirms it.", "error")
    return redirect(url_for("payments.index"))


@bp.post("/connect")
@login_required("vendor")
def connect_start():
    form = ActionForm()
    if not form.validate_on_submit():
        raise ApiError("The form expired; try again.", status=400)
    return redirect(_onboarding_url())


def _onboarding_url() -> str:
    s = db.session()
    with db.transaction(s):
        return connect.onboarding_link(
            s, g.org, g.principal, email=g.user.email,
            return_url=url_for("payments.connect_return", _external=True),
            refresh_url=url_for("payments.connect_refresh", _external=True))


@bp.get("/connect/return")
@login_required("vendor")
def connect_return():
    s = db.session()
    with db.transaction(s):
        acct = connect.refresh(s, g.principal.org_id)
    if acct is not None and acct.payouts_enabled:
        flash("Stripe onboarding is complete: payouts go to your Stripe account.")
    else:
        flash("Stripe onboarding is not finished yet; payouts wait until it is.", "error")
    return redirect(url_for("payments.index"))


@bp.get("/connect/refresh")
@login_required("vendor")
def connect_refresh():
    """Stripe sends the vendor here when the onboarding link expired: make a fresh one."""
    return redirect(_onboarding_url())


@bp.post("/invoices/<int:payment_id>/paid")
@login_required("operator")
def invoice_paid(payment_id: int):
    form = ActionForm()
    if not form.validate_on_submit():
        raise ApiError("The form expired; try again.", status=400)
    if request.form.get("confirmed") != "yes":  # destructive: the confirmation page first
        return redirect(url_for("admin.confirm", action="mark-paid", target_id=payment_id,
                                back=url_for("payments.invoice_page", payment_id=payment_id)))
    s = db.session()
    with db.transaction(s):
        pay = get_owned(s, Payment, payment_id, g.principal, what="invoice")
        charges.mark_invoice_paid(s, pay, g.principal)
    flash(f"Invoice {pay.number} marked paid.")
    return redirect(url_for("payments.index"))


def _invoice(payment_id: int) -> invoices.Invoice:
    s = db.session()
    if g.principal.role.value not in ("developer", "operator") and not g.principal.is_operator:
        raise ApiError("Invoices are for the developer who pays them and for operators.", status=403,
                       type_="forbidden")
    return invoices.invoice(s, g.principal, payment_id, now(), stripe_on=gateway(s) is not None,
                            bank_details=current_app.config.get("BANK_DETAILS"))


@bp.get("/invoices/<int:payment_id>")
@login_required()
def invoice_page(payment_id: int):
    inv = _invoice(payment_id)
    return render_template("payments/invoice.html", inv=inv, form=ActionForm())


@bp.get("/invoices/<int:payment_id>.html")
@login_required()
def invoice_html(payment_id: int):
    """The invoice as one self-contained HTML file (its styles inline), to keep or forward."""
    inv = _invoice(payment_id)
    link = url_for("payments.invoice_page", payment_id=payment_id, _external=True)
    body = render_template("payments/invoice_download.html", inv=inv, link=link)
    resp = current_app.response_class(body, mimetype="text/html")
    resp.headers["Content-Disposition"] = f'attachment; filename="{inv.number}.html"'
    resp.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return resp


@bp.get("/invoices/<int:payment_id>.pdf")
@login_required()
def invoice_pdf_download(payment_id: int):
    inv = _invoice(payment_id)
    link = url_for("payments.invoice_page", payment_id=payment_id, _external=True)
    resp = current_app.response_class(invoice_pdf.render(inv, link=link), mimetype="application/pdf")
    resp.headers["Content-Disposition"] = f'attachment; filename="{inv.number}.pdf"'
    return resp


@hooks.post("/stripe/webhook")
def stripe_webhook():
    """Signature checked on the raw bytes; 400 for stale or forged events; 200 otherwise."""
    result = webhooks.handle(db.session(), request.get_data(cache=False),
                             request.headers.get("Stripe-Signature"),
                             current_app.config.get("STRIPE_WEBHOOK_SECRET"))
    return jsonify({"received": True, "result": result})
