"""Every page of the app, for each role that may see it: the layout test and `make screenshots`.

``page_rules(app)`` lists the GET routes that render HTML (every GET route of ``app.url_map``
except those in ``NOT_PAGES``, each with its reason); ``urls_for(app, role)`` fills in the
path parameters with real ids from the demo market, chosen per role (a developer's own request,
a vendor's own order and offering, ...). A page route the demo market has no id for is
reported, never skipped in silence.
"""
from __future__ import annotations

import re
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

from sqlmodel import select

from broker import db
from broker.demo.logins import DEMO_LOGINS

ROLES: tuple[str | None, ...] = (None, "developer", "vendor", "auditor", "operator")

# GET routes that are not pages a person reads, and why.
NOT_PAGES: dict[str, str] = {
    "static": "files",
    "health.healthz": "health check (JSON)",
    "health.readyz": "readiness check (JSON)",
    "reports.jwks": "JSON key set",
    "reports.schema": "JSON Schema",
    "catalog.export_csv": "CSV download",
    "prices.day_json": "JSON price file",
    "prices.index_json": "JSON price file index",
    "tlog.checkpoint": "signed note (text)",
    "tlog.tile": "binary log tile",
    "tlog.proof": "binary proof",
    "requests.receipt_file": "receipt download (JWS/JSON)",
    "payments.checkout_return": "Stripe Checkout comes back here; redirects to /payments",
    "payments.connect_return": "Stripe Connect comes back here; redirects to /payments",
    "payments.connect_refresh": "Stripe Connect link refresh; redirects to Stripe",
    "sso.start": "redirects to the identity provider",
    "sso.callback": "the identity provider comes back here; redirects",
    "api_docs.openapi_json": "OpenAPI document (JSON)",
    "labor.document": "labor disclosure download (JSON)",
    "labor.jws": "labor disclosure download (JWS)",
    "labor.text": "labor disclosure download (plain text)",
    "labor.croissant": "labor disclosure download (Croissant JSON-LD)",
    "payments.invoice_html": "invoice download (a self-contained HTML file, sent as an attachment)",
    "payments.invoice_pdf_download": "invoice download (PDF)",
    "mail.outbox_html": "an email's own HTML body, as the recipient's mail program shows it",
}
API_PAGES = {"api_docs.docs"}  # under /api/ but a page


def page_rules(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        if rule.rule.startswith("/api/") and rule.endpoint not in API_PAGES:
            continue  # the API answers JSON (its own tests walk the OpenAPI document)
        rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


def demo_ids(app) -> dict[str | None, dict[str, int]]:
    """Real ids for each path parameter, per role (what that role may open)."""
    from broker.models import CapacityRequest, Offering, Order, Org, Report

    with app.app_context():
        s = db.session()
        org = {slug: s.exec(select(Org).where(Org.slug == slug)).one()
               for slug in {x.org_slug for x in DEMO_LOGINS.values()}}
        dev, ven = org[DEMO_LOGINS["developer"].org_slug], org[DEMO_LOGINS["vendor"].org_slug]
        offering = s.exec(select(Offering).where(Offering.vendor_org_id == ven.id,
                                                 Offering.status == "active").order_by(Offering.id)).first()
        report = s.exec(select(Report).order_by(Report.id)).first()
        request = s.exec(select(CapacityRequest).where(CapacityRequest.org_id == dev.id)
                         .order_by(CapacityRequest.id.desc())).first()
        dev_order = s.exec(select(Order).where(Order.developer_org_id == dev.id).order_by(Order.id)).first()
        ven_order = s.exec(select(Order).where(Order.vendor_org_id == ven.id).order_by(Order.id)).first()
        any_order = s.exec(select(Order).order_by(Order.id)).first()
        public = {"offering_id": offering.id, "vendor_id": ven.id}
        if report is not None:
            public["report_id"] = report.id
        ids: dict[str | None, dict[str, int]] = {None: dict(public), "auditor": dict(public)}
        ids["developer"] = dict(public)
        if request is not None:
            ids["developer"]["request_id"] = request.id
        if dev_order is not None:
            ids["developer"]["order_id"] = dev_order.id
        ids["vendor"] = dict(public)
        if ven_order is not None:
            ids["vendor"]["order_id"] = ven_order.id
        ids["operator"] = dict(public, **({"request_id": request.id} if request else {}),
                               **({"order_id": any_order.id} if any_order else {}))
        if request is not None:  # the confirmation page before cancelling a request
            ids["operator"].update(action="cancel-request", target_id=request.id)
        _made_ids(s, app, dev, ids)
        extra = getattr(app, "layout_extra_ids", None)  # other parts of the app may add theirs
        if extra:
            for role, values in extra(s).items():
                ids.setdefault(role, {}).update(values)
        return ids


def _made_ids(s, app, dev, ids: dict) -> None:
    """Ids the demo does not hold, made the way a person would make them: an invoice the demo
    developer asks for, an email the outbox queues, a pseudonym the access reports publish."""
    from broker.access.principal import Principal
    from broker.clock import now
    from broker.mail import outbox
    from broker.models import Notification, Order, OrderStatus, OutboundMail
    from broker.payments import charges
    from broker.reports import auditing

    order = s.exec(select(Order).where(Order.developer_org_id == dev.id, Order.payment_status == "unpaid",
                                       Order.status.not_in([OrderStatus.released, OrderStatus.declined]))
                   .order_by(Order.id)).first()
    if order is not None:
        with db.transaction(s):
            pay = charges.start(s, order, Principal(org_id=dev.id, role=dev.kind, scopes=frozenset(), name=dev.name),
                                success_url="/payments", cancel_url="/payments")
        ids["developer"]["payment_id"] = pay.id
        ids["operator"]["payment_id"] = pay.id
    with db.transaction(s):
        s.add(Notification(org_id=dev.id, kind="order.accepted", message="An order was accepted.", data={},
                           created_at=now()))
    outbox.expand(s, now())
    mail = s.exec(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    if mail is not None:
        ids["operator"]["mail_id"] = mail.id
    rows = [d for p in auditing.developer_rows(s) for d in p["developers"]]
    if rows:
        for role in (None, "developer", "vendor", "auditor", "operator"):
            ids.setdefault(role, {})["pseudonym"] = rows[0]["group"]


def url_of(rule, ids: dict[str, int]) -> str | None:
    """The rule's path with ``ids`` filled in; None when an id is missing."""
    path = rule.rule
    for name in rule.arguments:
        if name not in ids:
            return None
        path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", str(ids[name]), path)
    return path


def login(page, role: str) -> None:
    who = DEMO_LOGINS[role]
    page.goto("/login")
    form = page.locator("form").filter(has=page.get_by_label("Password", exact=True))
    form.get_by_label("Email", exact=True).fill(who.email)
    form.get_by_label("Password", exact=True).fill(who.password)
    form.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_load_state()
    if "/login" in page.url:
        raise RuntimeError(f"sign-in as the demo {role} failed")


def app_for(db_path: Path, instance: Path):
    from broker.app import create_app

    return create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{db_path}", "INSTANCE_PATH": str(instance),
                       "SECRET_KEY": "layout-walk-secret-key", "RATELIMIT_ENABLED": False,
                       # the browser keeps the static files instead of asking again on every page
                       "SEND_FILE_MAX_AGE_DEFAULT": 3600})


def build_demo_database(path: Path, instance: Path, progress=lambda _line: None) -> None:
    """A migrated SQLite file with the demo market loaded."""
    from broker import migrate
    from broker.demo.loader import load_demo

    migrate.upgrade(f"sqlite:///{path}")
    app = app_for(path, instance)
    with app.app_context():
        load_demo(progress=progress)
    app.extensions["db_engine"].dispose()


@contextmanager
def serve(db_path: Path, instance: Path):
    """A threaded werkzeug server over ``db_path``; yields (base_url, app)."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request would bury the progress lines

    app = app_for(db_path, instance)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="walk-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        app.extensions["db_engine"].dispose()


def copy_database(template: Path, target: Path) -> Path:
    shutil.copyfile(template, target)
    return target


# --- What the layout test checks on each page (run in the page) ---------------------------

# How much wider than the window the document is, and the elements sticking out (outside any
# horizontally scrolling box), for the failure message.
OVERFLOW_JS = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  const out = [];
  if (root.scrollWidth > limit) {
    const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p).overflowX; if (s === 'auto' || s === 'scroll' || s === 'hidden') return true; }
      return false; };
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > limit + 1 && r.width > 0 && !scrolls(el)) {
        out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                 (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
                 ' right=' + Math.round(r.right));
        if (out.length >= 4) break;
      }
    }
  }
  return {width: root.scrollWidth, window: limit, culprits: out};
}"""

# Unformatted minor-unit prices. A price is "unformatted" when a number that names money is a
# bare integer: (1) a table cell under a column whose header names money (price, amount,
# total, fee, cost, paid, owed, payout, revenue, spend, value; not a count such as "Units",
# "Fee (%)", "Days …", "Number of …") holding only an integer, such as "240"; (2) a <dd> after a <dt> naming money holding only an integer; (3) running text
# "price 240" / "amount: 240" (the words price, amount, total, cost or fee followed by an
# integer that is not followed by a decimal part, a currency code, "%", "units" or "days").
# Money is written by format_money ("2.40 USD", "USD 2.40", "240 JPY" for zero-decimal currencies),
# which none of these match. Returns the offending snippets.
MINOR_UNITS_JS = r"""() => {
  const MONEY = /\b(price|prices|amount|total|fee|fees|cost|paid|owed|payout|revenue|spend|value)\b/i;
  const BARE = /^-?\d[\d,]*$/;
  // counts that merely mention money ("Units", "Fee (%)", "Days paid late", "Number of payouts")
  const NOT_MONEY = /%|\bdays?\b|\bcount\b|\bnumber\b|#|\(units\)|^\s*units?\b(?!\s*price)/i;
  const bad = [];
  for (const table of document.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead tr:last-child th')].map(th => th.innerText.trim());
    if (!heads.length) continue;
    for (const tr of table.querySelectorAll('tbody tr')) {
      [...tr.children].forEach((td, i) => {
        const t = td.innerText.trim();
        if (heads[i] && MONEY.test(heads[i]) && !NOT_MONEY.test(heads[i]) && BARE.test(t))
          bad.push(heads[i] + ': ' + t);
      });
    }
  }
  for (const dt of document.querySelectorAll('dt')) {
    const dd = dt.nextElementSibling;
    if (dd && dd.tagName === 'DD' && MONEY.test(dt.innerText) && !NOT_MONEY.test(dt.innerText) && BARE.test(dd.innerText.trim()))
      bad.push(dt.innerText.trim() + ': ' + dd.innerText.trim());
  }
  const text = document.querySelector('main') ? document.querySelector('main').innerText : '';
  const re = /\b(price|amount|total|cost|fee)\b:?[ \t]+(-?\d[\d,]*)(?![\d.,]*\d)(?![ \t]*(?:[A-Z]{3}\b|%|units?\b|days?\b|hours?\b|items?\b))/gi;
  for (const m of text.matchAll(re)) bad.push(m[0]);
  return bad.slice(0, 5);
}"""

# axe-core's run, reporting its serious and critical violations (what the layout test fails on).
# With ``all`` false, the rules that can only report minor or moderate violations are not run:
# a violation's impact is the rule's own when the rule sets one, else the highest impact among
# its failing checks (axe's aggregateChecks), so such a rule cannot change what is reported.
# 25 of axe 4.14's 96 default rules ("region", "landmark-*", "heading-order", …); about a tenth
# of axe's time. test_layout.py checks that both runs report the same on a page full of faults.
AXE_MILD_RULES_JS = """() => {
  const low = new Set(['minor', 'moderate']), checks = axe._audit.data.checks || {};
  const impacts = rule => rule.impact ? [rule.impact] : [...rule.any, ...rule.all, ...rule.none]
    .map(c => (checks[typeof c === 'string' ? c : c.id] || {}).impact);
  return axe._audit.rules.filter(rule => { const i = impacts(rule); return i.length > 0 && i.every(x => low.has(x)); })
    .map(rule => rule.id);
}"""
AXE_RUN_JS = """async (all) => {
  const rules = all ? {} : Object.fromEntries((""" + AXE_MILD_RULES_JS + """)().map(id => [id, {enabled: false}]));
  const r = await axe.run(document, {resultTypes: ['violations'], rules});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(v =>
    v.id + ' (' + v.impact + '): ' + v.help + ' — ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""
