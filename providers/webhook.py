"""The webhook adapter: signed JSON to the vendor's HTTPS endpoint, signed callbacks back.

Signature (both directions): ``Parity-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…]``
where each ``v1`` is HMAC-SHA256, keyed by one active secret, over ``<t>.<raw body>``. Every
active secret signs, so a receiver that knows any one of them verifies (key rotation: add the
new secret, let both sign, then drop the old one). A receiver rejects a timestamp more than
the tolerance (default 300 s) away from its clock: a captured message cannot be replayed
later, and within the window the event id de-duplicates it.

Outbound events carry a stable ``id`` (also in ``Parity-Event-Id``): retries resend the same
id, so the vendor processes each event once. Retrying, backoff and the dead-letter list are
Parity's (``broker.services.vendor_systems``); this module makes one attempt per call.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import time
from datetime import datetime, timezone
from typing import Callable, Mapping, Sequence

import requests

from broker import canonical
from providers import http
from providers import settings as cfg
from providers.base import (Catalog, CapacityInfo, Event, OrderInfo, Placement, Progress,
                            ProviderError, SettingsError)

SIGNATURE_HEADER = "Parity-Signature"
EVENT_HEADER = "Parity-Event-Id"
ATTEMPT_HEADER = "Parity-Delivery-Attempt"
DEFAULT_TOLERANCE = 300
KEYS = {"url", "catalog_url", "secret_envs", "tolerance_seconds", "timeout_seconds", "max_attempts"}


class SignatureError(Exception):
    """A message whose signature is missing, forged, or outside the replay window."""


# ---- signing (pure) -------------------------------------------------------------------------

def _mac(secret: str, t: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(t).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(body: bytes, secrets: Sequence[str], t: int) -> str:
    """The header value signing ``body`` at unix time ``t`` with every active secret."""
    if not secrets:
        raise ProviderError("no signing secret is set in the environment")
    return ",".join([f"t={t}"] + [f"v1={_mac(s, t, body)}" for s in secrets])


def verify(body: bytes, header: str | None, secrets: Sequence[str], *, now: float,
           tolerance: float = DEFAULT_TOLERANCE) -> int:
    """Check a signature header; return its timestamp or raise ``SignatureError``."""
    if not secrets:
        raise SignatureError("no secret is configured for this connection")
    t, sigs = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            t = int(value)
        elif key == "v1" and value:
            sigs.append(value)
    if t is None or not sigs:
        raise SignatureError(f"missing or malformed {SIGNATURE_HEADER} header")
    if abs(now - t) > tolerance:
        raise SignatureError("timestamp outside the replay window")
    expected = [_mac(s, t, body) for s in secrets]
    # compare_digest on every pair: no early exit that would time-leak which one matched.
    if not any(hmac.compare_digest(e, s) for e in expected for s in sigs):
        raise SignatureError("signature does not match")
    return t


def backoff(attempt: int, *, base: float = 30.0, cap: float = 3600.0,
            rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1, 2, …): exponential, capped, with
    'equal jitter' (half fixed, half random) so retries of many events spread out yet the
    delay still grows with every failure."""
    step = min(cap, base * 2 ** max(0, attempt - 1))
    return step / 2 + rand() * step / 2


def body_of(event: Event, callback_url: str = "") -> bytes:
    o = event.order
    doc = {
        "id": event.event_id,
        "type": event.kind,
        "created": event.created_at.astimezone(timezone.utc).isoformat(),
        "data": {"order": {"id": o.order_id, "offering_id": o.offering_id, "period": o.period,
                           "units": o.units, "unit_price_minor": o.unit_price_minor,
                           "currency": o.currency, "developer_org_id": o.developer_org_id,
                           "instructions_ref": o.instructions_ref}, **event.data},
    }
    if callback_url:
        doc["callback_url"] = callback_url
    return canonical.jcs(doc)


# ---- inbound progress callbacks (pure) --------------------------------------------------------

class CallbackError(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field, self.message = field_name, message


def parse_callback(body: bytes) -> Progress:
    """A verified callback body ``{"id", "type": "order.progress", "data": {order_id, units |
    total, delivered_at?}}`` as a ``Progress``; ``CallbackError`` names the bad field."""
    try:
        doc = json.loads(body)
    except ValueError:
        raise CallbackError("body", "is not JSON") from None
    if not isinstance(doc, dict):
        raise CallbackError("body", "must be a JSON object")
    event_id = doc.get("id")
    if not isinstance(event_id, str) or not 1 <= len(event_id) <= 100:
        raise CallbackError("id", "must be a string of 1 to 100 characters")
    if doc.get("type") != "order.progress":
        raise CallbackError("type", "must be order.progress")
    data = doc.get("data")
    if not isinstance(data, dict):
        raise CallbackError("data", "must be an object")
    order_id = data.get("order_id")
    if isinstance(order_id, bool) or not isinstance(order_id, int) or not 1 <= order_id < 2**31:
        raise CallbackError("data.order_id", "must be a positive integer")
    units, total = data.get("units"), data.get("total")
    if (units is None) == (total is None):
        raise CallbackError("data.units", "give exactly one of units (since last report) or total")
    for name, v in (("units", units), ("total", total)):
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < 2**31):
            raise CallbackError(f"data.{name}", "must be a whole number of units")
    delivered_at = None
    if data.get("delivered_at") is not None:
        try:
            delivered_at = datetime.fromisoformat(str(data["delivered_at"]).replace("Z", "+00:00"))
        except ValueError:
            raise CallbackError("data.delivered_at", "must be an ISO 8601 instant") from None
        if delivered_at.tzinfo is None:
            raise CallbackError("data.delivered_at", "must carry a UTC offset")
    return Progress(order_id=order_id, event_id=event_id, units=units, total=total,
                    delivered_at=delivered_at)


# ---- the adapter ---------------------------------------------------------------------------

def validate(settings: dict, *, allow_http: bool = False) -> dict:
    cfg.only(settings, KEYS)
    out = {"url": cfg.url(settings, "url", allow_http=allow_http),
           "secret_envs": cfg.env_names(settings, "secret_envs"),
           "tolerance_seconds": cfg.number(settings, "tolerance_seconds", lo=30, hi=3600,
                                           default=DEFAULT_TOLERANCE, integer=True),
           "timeout_seconds": cfg.number(settings, "timeout_seconds", lo=0.1, hi=60, default=10),
           "max_attempts": cfg.number(settings, "max_attempts", lo=1, hi=20, default=8, integer=True)}
    catalog = cfg.url(settings, "catalog_url", allow_http=allow_http, required=False)
    if catalog:
        out["catalog_url"] = catalog
    return out


class WebhookAdapter:
    name = "webhook"
    pushes_orders = True

    def __init__(self, settings: dict, env: Mapping[str, str] | None = None,
                 callback_url: str = "", clock: Callable[[], float] = time.time):
        self.settings = settings
        self.env = os.environ if env is None else env
        self.callback_url = callback_url
        self.clock = clock

    def secrets(self) -> list[str]:
        return cfg.secrets_from(self.env, self.settings.get("secret_envs", []))

    def _send(self, method: str, url: str, body: bytes, timeout: float, headers: dict) -> requests.Response:
        t = int(self.clock())
        headers = {"Content-Type": "application/json", "User-Agent": "Parity-Webhooks/1",
                   SIGNATURE_HEADER: sign(body, self.secrets(), t), **headers}
        try:
            with http.session(self.env) as s:
                r = s.request(method, url, data=body, headers=headers, timeout=timeout, allow_redirects=False)
        except requests.Timeout:
            raise ProviderError(f"no answer from {url} within {timeout:g} s") from None
        except requests.RequestException as e:
            if http.refused(e):
                raise ProviderError(f"refused to call {url}: it resolves to an address that is not public") from None
            raise ProviderError(f"cannot reach {url}: {e.__class__.__name__}") from None
        if not 200 <= r.status_code < 300:
            raise ProviderError(f"{url} answered HTTP {r.status_code}")
        return r

    def _post(self, event: Event, timeout: float) -> requests.Response:
        return self._send("POST", self.settings["url"], body_of(event, self.callback_url), timeout,
                          {EVENT_HEADER: event.event_id, ATTEMPT_HEADER: str(event.attempt)})

    def describe(self, timeout: float) -> Catalog:
        url = self.settings.get("catalog_url")
        if not url:
            return Catalog()
        r = self._send("GET", url, b"", timeout, {})
        try:
            doc = r.json()
            offerings = tuple(int(x) for x in doc.get("offerings", []))
            capacity = tuple(CapacityInfo(offering_id=int(c["offering_id"]), period=str(c["period"]),
                                          units=int(c["units"])) for c in doc.get("capacity", []))
        except (ValueError, TypeError, KeyError, AttributeError):
            raise ProviderError(f"{url} answered a catalog that is not {{offerings, capacity}}") from None
        return Catalog(offering_ids=offerings, capacity=capacity)

    def place_order(self, event: Event, timeout: float) -> Placement:
        r = self._post(event, timeout)
        try:
            ref = (r.json() or {}).get("external_ref", "") if r.content else ""
        except ValueError:
            ref = ""
        return Placement(external_ref=str(ref or "")[:120])

    def report_progress(self, orders: Sequence[OrderInfo], timeout: float) -> list[Progress]:
        return []  # webhook vendors report progress by signed callbacks (parse_callback)

    def cancel(self, event: Event, timeout: float) -> None:
        self._post(event, timeout)


__all__ = ["WebhookAdapter", "SignatureError", "CallbackError", "SettingsError", "sign", "verify",
           "backoff", "parse_callback", "validate", "SIGNATURE_HEADER", "EVENT_HEADER"]
