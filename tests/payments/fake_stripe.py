"""A small fake of the Stripe API, served over real HTTP on 127.0.0.1 (a free port, in a thread).

The real ``stripe`` SDK talks to it (``StripeClient(key, base_addresses=...)``), so the SDK's
form encoding, headers, retries, error mapping and idempotency keys are all exercised. It
implements what Parity uses: Connect accounts and account links (with a hosted onboarding
page), Checkout Sessions (with a hosted checkout page), PaymentIntents, transfers and their
reversals, refunds; idempotency-key replay (same key and parameters → the same response,
other parameters → 400); injected failures; and signed webhook events.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SECRET_KEY = "sk_test_parity_fake"
WEBHOOK_SECRET = "whsec_parity_test_secret"


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header for ``payload`` (the scheme construct_event verifies)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def _nest(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (``a[b][0][c]=v``) back into nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            nxt_is_index = not last and parts[i + 1].isdigit()
            if isinstance(node, list):
                idx = int(part)
                while len(node) <= idx:
                    node.append(None)
                if last:
                    node[idx] = value
                else:
                    if node[idx] is None:
                        node[idx] = [] if nxt_is_index else {}
                    node = node[idx]
            else:
                if last:
                    node[part] = value
                else:
                    node = node.setdefault(part, [] if nxt_is_index else {})
    return root


def _error(status: int, message: str, type_: str = "invalid_request_error", code: str | None = None):
    body = {"error": {"type": type_, "message": message}}
    if code:
        body["error"]["code"] = code
    return status, body


@dataclass
class Fault:
    method: str
    prefix: str
    status: int
    times: int
    after: bool  # True: do the work (and keep it for replay), then answer with the error


@dataclass
class FakeStripe:
    base: str = ""
    webhook_url: str | None = None
    webhook_secret: str = WEBHOOK_SECRET
    objects: dict = field(default_factory=dict)
    events: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    idempotent: dict = field(default_factory=dict)
    faults: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)

    def __post_init__(self):
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._senders: list[threading.Thread] = []

    # -- test controls -------------------------------------------------------------------
    def fail(self, method: str, prefix: str, status: int = 500, times: int = 1, after: bool = False):
        self.faults.append(Fault(method.upper(), prefix, status, times, after))

    def of(self, kind: str) -> list[dict]:
        return [o for o in self.objects.values() if o["object"] == kind]

    def calls(self, method: str, prefix: str) -> list[dict]:
        return [r for r in self.requests if r["method"] == method and r["path"].startswith(prefix)]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):06d}fake"

    def event(self, type_: str, obj: dict) -> dict:
        evt = {"id": self.new_id("evt"), "object": "event", "type": type_, "api_version": "2025-01-01",
               "created": int(time.time()), "livemode": False, "data": {"object": json.loads(json.dumps(obj))}}
        self.events.append(evt)
        return evt

    def deliver(self, evt: dict, url: str | None = None) -> int:
        """POST a signed event to the webhook endpoint, as Stripe would."""
        payload = json.dumps(evt).encode()
        req = urllib.request.Request(url or self.webhook_url, data=payload, method="POST", headers={
            "Content-Type": "application/json", "Stripe-Signature": sign(payload, self.webhook_secret)})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                status = resp.status
        except urllib.error.HTTPError as e:
            status = e.code
        self.deliveries.append((evt["type"], status))
        return status

    def _emit(self, type_: str, obj: dict, sync: bool = False) -> dict:
        """Record an event and, with a webhook URL, send it: like Stripe, asynchronously (the
        caller may hold a database lock while it waits for our answer), unless ``sync``."""
        evt = self.event(type_, obj)
        if self.webhook_url:
            if sync:
                self.deliver(evt)
            else:
                th = threading.Thread(target=self.deliver, args=(evt,), daemon=True)
                self._senders.append(th)
                th.start()
        return evt

    def wait_deliveries(self, timeout: float = 10) -> None:
        for th in list(self._senders):
            th.join(timeout)

    def complete_checkout(self, session_id: str, *, succeed: bool = True) -> dict:
        """The customer pays (or is declined) on the hosted page; returns the event, which is
        delivered before this returns (outside the lock: the app may call us back)."""
        with self._lock:
            cs = self.objects[session_id]
            meta = (cs.get("payment_intent_data") or {}).get("metadata") or cs.get("metadata") or {}
            pi = self._store("pi", {"object": "payment_intent", "amount": cs["amount_total"],
                                    "amount_received": cs["amount_total"] if succeed else 0,
                                    "currency": cs["currency"], "metadata": meta,
                                    "status": "succeeded" if succeed else "requires_payment_method",
                                    "last_payment_error": None if succeed else {
                                        "code": "card_declined", "message": "Your card was declined."}})
            if succeed:
                cs.update(status="complete", payment_status="paid", payment_intent=pi["id"])
                evt = self.event("checkout.session.completed", cs)
            else:
                evt = self.event("payment_intent.payment_failed", pi)
        if self.webhook_url:
            self.deliver(evt)
        return evt

    def finish_onboarding(self, account_id: str) -> dict:
        with self._lock:
            acct = self.objects[account_id]
            acct.update(details_submitted=True, payouts_enabled=True, charges_enabled=True)
            evt = self.event("account.updated", acct)
        if self.webhook_url:
            self.deliver(evt)
        return evt

    def reverse_transfer(self, transfer_id: str, amount: int) -> dict:
        with self._lock:
            tr = self.objects[transfer_id]
            tr["amount_reversed"] += amount
            tr["reversed"] = tr["amount_reversed"] >= tr["amount"]
            return self._emit("transfer.reversed", tr)

    # -- HTTP ----------------------------------------------------------------------------
    def _store(self, prefix: str, obj: dict) -> dict:
        obj = {"id": self.new_id(prefix), "created": int(time.time()), "livemode": False, **obj}
        self.objects[obj["id"]] = obj
        return obj

    def __call__(self, environ, start_response):
        req = Request(environ)
        if req.path.startswith("/v1/"):
            resp = self._api(req)
        else:
            resp = self._pages(req)
        return resp(environ, start_response)

    def _api(self, req: Request) -> Response:
        if not req.headers.get("Authorization", "").startswith("Bearer sk_test_"):
            return self._json(*_error(401, "Invalid API Key provided.", "invalid_request_error"))
        params = _nest(parse_qsl(req.get_data(as_text=True), keep_blank_values=True)) if req.method == "POST" else \
            _nest(list(req.args.items(multi=True)))
        key = req.headers.get("Idempotency-Key") if req.method == "POST" else None
        record = {"method": req.method, "path": req.path, "key": key, "params": params}
        self.requests.append(record)
        with self._lock:
            fault = next((f for f in self.faults if f.times > 0 and f.method == req.method
                          and req.path.startswith(f.prefix)), None)
            if fault is not None:
                fault.times -= 1
            if fault is not None and not fault.after:
                record["status"] = fault.status
                return self._json(*_error(fault.status, "Injected failure.", "api_error"))
            digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
            if key and (req.path, key) in self.idempotent:
                was_digest, status, body = self.idempotent[(req.path, key)]
                if was_digest != digest:
                    status, body = _error(400, "Keys for idempotent requests can only be used with the "
                                               "same parameters they were first used with.", "idempotency_error")
                record["status"], record["replayed"] = status, True
                return self._json(status, body, replayed=True)
            status, body = self._route(req.method, req.path, params)
            if key:
                self.idempotent[(req.path, key)] = (digest, status, body)
            if fault is not None:
                record["status"] = fault.status
                return self._json(*_error(fault.status, "Injected failure after the work was done.", "api_error"))
            record["status"] = status
            return self._json(status, body)

    def _json(self, status: int, body: dict, replayed: bool = False) -> Response:
        resp = Response(json.dumps(body), status=status, mimetype="application/json")
        resp.headers["Request-Id"] = self.new_id("req")
        if replayed:
            resp.headers["Idempotent-Replayed"] = "true"
        return resp

    def _route(self, method: str, path: str, p: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")[1:]  # drop "v1"
        get = self.objects.get
        if method == "POST" and parts == ["accounts"]:
            return 200, self._store("acct", {"object": "account", "type": p.get("type", "express"),
                                             "email": p.get("email"), "country": p.get("country", "US"),
                                             "details_submitted": False, "payouts_enabled": False,
                                             "charges_enabled": False, "metadata": p.get("metadata", {})})
        if method == "GET" and len(parts) == 2 and parts[0] == "accounts":
            return (200, get(parts[1])) if get(parts[1]) else _error(404, f"No such account: '{parts[1]}'")
        if method == "POST" and parts == ["account_links"]:
            acct = get(p.get("account", ""))
            if not acct:
                return _error(400, "No such account.")
            q = urlencode({"return_url": p["return_url"], "refresh_url": p["refresh_url"]})
            return 200, {"object": "account_link", "created": int(time.time()), "expires_at": int(time.time()) + 300,
                         "url": f"{self.base}/connect/onboard/{acct['id']}?{q}"}
        if method == "POST" and parts == ["checkout", "sessions"]:
            items = p.get("line_items") or []
            if not items:
                return _error(400, "line_items is required.")
            total = sum(int(i["quantity"]) * int(i["price_data"]["unit_amount"]) for i in items)
            cs = self._store("cs", {"object": "checkout.session", "mode": p.get("mode"), "status": "open",
                                    "payment_status": "unpaid", "amount_total": total,
                                    "currency": items[0]["price_data"]["currency"],
                                    "metadata": p.get("metadata", {}), "payment_intent": None,
                                    "payment_intent_data": p.get("payment_intent_data", {}),
                                    "client_reference_id": p.get("client_reference_id"),
                                    "success_url": p.get("success_url"), "cancel_url": p.get("cancel_url"),
                                    "expires_at": int(p.get("expires_at") or time.time() + 86400),
                                    "line_items_summary": [i["price_data"]["product_data"]["name"] for i in items]})
            cs["url"] = f"{self.base}/checkout/{cs['id']}"
            return 200, cs
        if len(parts) >= 3 and parts[:2] == ["checkout", "sessions"]:
            cs = get(parts[2])
            if not cs:
                return _error(404, f"No such checkout.session: '{parts[2]}'")
            if method == "POST" and parts[3:] == ["expire"]:
                cs["status"] = "expired"
                self._emit("checkout.session.expired", cs)
            return 200, cs
        if method == "POST" and parts == ["payment_intents"]:
            return 200, self._store("pi", {"object": "payment_intent", "amount": int(p["amount"]),
                                           "currency": p["currency"], "metadata": p.get("metadata", {}),
                                           "status": "requires_payment_method", "amount_received": 0})
        if method == "GET" and len(parts) == 2 and parts[0] == "payment_intents":
            return (200, get(parts[1])) if get(parts[1]) else _error(404, "No such payment_intent")
        if method == "POST" and parts == ["transfers"]:
            acct = get(p.get("destination", ""))
            if not acct:
                return _error(400, f"No such destination: '{p.get('destination')}'", code="resource_missing")
            if not acct["payouts_enabled"]:
                return _error(400, "The destination account has not finished onboarding.",
                              code="account_invalid")
            amount = int(p.get("amount", 0))
            if amount <= 0:
                return _error(400, "Amount must be positive.", code="parameter_invalid_integer")
            tr = self._store("tr", {"object": "transfer", "amount": amount, "currency": p["currency"],
                                    "destination": acct["id"], "metadata": p.get("metadata", {}),
                                    "transfer_group": p.get("transfer_group"), "amount_reversed": 0,
                                    "reversed": False})
            self._emit("transfer.created", tr)
            return 200, tr
        if method == "GET" and parts == ["transfers"]:
            data = self.of("transfer")
            return 200, {"object": "list", "data": data, "has_more": False, "url": "/v1/transfers"}
        if method == "POST" and parts == ["refunds"]:
            pi = get(p.get("payment_intent", ""))
            if not pi or pi["status"] != "succeeded":
                return _error(400, "This PaymentIntent has no successful charge to refund.")
            amount = int(p.get("amount") or pi["amount_received"])
            done = sum(r["amount"] for r in self.of("refund") if r["payment_intent"] == pi["id"])
            if amount + done > pi["amount_received"]:
                return _error(400, "Refund amount is greater than the unrefunded amount.", code="amount_too_large")
            rf = self._store("re", {"object": "refund", "amount": amount, "currency": pi["currency"],
                                    "payment_intent": pi["id"], "status": "succeeded",
                                    "metadata": p.get("metadata", {})})
            self._emit("refund.created", rf)
            return 200, rf
        return _error(404, f"Unrecognized request URL ({method}: {path}).")

    def _pages(self, req: Request) -> Response:
        parts = req.path.strip("/").split("/")
        if parts[:1] == ["checkout"] and len(parts) >= 2 and parts[1] in self.objects:
            cs = self.objects[parts[1]]
            if req.method == "POST" and parts[2:] == ["pay"]:
                if cs["status"] == "open":
                    self.complete_checkout(cs["id"], succeed=req.form.get("outcome") != "decline")
                target = cs["success_url"] if cs["status"] == "complete" else cs["cancel_url"]
                return Response(status=303, headers={"Location": target.replace("{CHECKOUT_SESSION_ID}", cs["id"])})
            amount = f"{cs['amount_total'] / 100:.2f} {cs['currency'].upper()}"
            page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe Checkout</title></head>
<body><main><h1>Fake Stripe Checkout</h1><p>{html.escape(', '.join(cs['line_items_summary']))}</p>
<p>Total: <strong>{amount}</strong> ({cs['status']})</p>
<form method="post" action="/checkout/{cs['id']}/pay"><button type="submit" name="outcome" value="pay">Pay {amount}</button>
<button type="submit" name="outcome" value="decline">Decline card</button></form></main></body></html>"""
            return Response(page, mimetype="text/html")
        if parts[:2] == ["connect", "onboard"] and len(parts) == 3 and parts[2] in self.objects:
            if req.method == "POST":
                self.finish_onboarding(parts[2])
                return Response(status=303, headers={"Location": req.args["return_url"]})
            page = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fake Stripe onboarding</title></head>
<body><main><h1>Fake Stripe Connect onboarding</h1><form method="post">
<button type="submit">Finish onboarding</button></form></main></body></html>"""
            return Response(page, mimetype="text/html")
        return Response("not found", status=404)


class FakeStripeServer:
    """Start the fake on a free port in a daemon thread; ``stop()`` shuts it down."""

    def __init__(self):
        self.fake = FakeStripe()
        self._server = make_server("127.0.0.1", 0, self.fake, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.fake.base = self.url
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-stripe", daemon=True)
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
