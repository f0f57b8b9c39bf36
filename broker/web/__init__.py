"""Server-rendered pages. One module per area; each calls the same services as the API."""
from flask import Flask, g

from broker.catalog.iso import COUNTRIES
from broker.catalog.money import format_money
from broker.extensions import csrf

# (endpoint, label, role or None for everyone): a page may add itself to the main menu here;
# the menus themselves are in broker/web/menu.py (one per role, grouped).
NAV: list[tuple[str, str, str | None]] = []

def register(app: Flask) -> None:
    from broker.web import catalog, home, prices, vendor
    from broker.web import admin, orders, policy, reports, requests
    from broker.web import admin_lists, confirm, onboarding  # noqa: F401  (routes join admin's blueprint)

    app.register_blueprint(home.bp)
    app.register_blueprint(onboarding.bp)
    app.register_blueprint(catalog.bp)
    app.register_blueprint(prices.bp)
    app.register_blueprint(vendor.bp)
    for module in (requests, policy, admin, orders, reports):
        app.register_blueprint(module.bp)
    from broker.web import payments

    app.register_blueprint(payments.bp)
    app.register_blueprint(payments.hooks)
    from broker.web import providers

    app.register_blueprint(providers.bp)
    from broker.web import tlog

    app.register_blueprint(tlog.bp)
    from broker.web import audit

    app.register_blueprint(audit.bp)
    from broker.web import mail

    app.register_blueprint(mail.bp)
    from broker.web import labor

    app.register_blueprint(labor.bp)
    csrf.exempt(payments.hooks)  # Stripe signs its webhooks; there is no browser session
    # every page may show an amount or a country's name
    app.jinja_env.globals.update(format_money=format_money, COUNTRIES=COUNTRIES)
    from broker.catalog.exposure import CONTENT_CLASSES, PROTECTIONS

    app.jinja_env.globals.update(CONTENT_CLASSES=CONTENT_CLASSES, PROTECTIONS=PROTECTIONS)
    from broker.web import formatting

    formatting.register(app)  # money, units, R-/O- numbers, names: one set of filters

    @app.context_processor
    def _nav():
        from broker.web.menu import menu_for

        def nav_groups():
            p = g.get("principal") if g.get("user") else None
            return menu_for(p.role.value if p else None, app.view_functions, NAV)

        return {"nav_groups": nav_groups}

    @app.after_request
    def _security_headers(resp):
        # No inline scripts anywhere: pages work without JavaScript.
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return resp
