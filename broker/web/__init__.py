"""Server-rendered pages. One module per area; each calls the same services as the API."""
from flask import Flask, g

# (endpoint, label, role or None for everyone): pages add themselves to the main menu here.
NAV: list[tuple[str, str, str | None]] = []


def register(app: Flask) -> None:
    from broker.web import catalog, home

    app.register_blueprint(home.bp)
    app.register_blueprint(catalog.bp)

    @app.context_processor
    def _nav():
        def nav_links():
            p = g.get("principal")
            role = p.role.value if p else None
            return [(e, label) for e, label, r in NAV
                    if e in app.view_functions and (r is None or r == role or (p and p.is_operator))]

        return {"nav_links": nav_links}

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
