"""The one place Parity talks to Stripe, through the official SDK's ``StripeClient``.

``gateway()`` is None without ``STRIPE_API_KEY`` (the embedded mode). Every call that moves
money takes an idempotency key derived from our ledger (the SDK's own random key only covers
its own retries), and the client retries network errors and 5xx answers a few times itself
(``max_network_retries``; stripe 16.x makes none unless asked).
"""
from __future__ import annotations

from dataclasses import dataclass

import stripe
from sqlmodel import Session

from broker.config import settings_of

NETWORK_RETRIES = 2
TIMEOUT_SECONDS = 20


class GatewayError(Exception):
    """Stripe refused or could not be reached; the detail is safe to show to the caller."""


@dataclass
class StripeGateway:
    client: stripe.StripeClient

    @classmethod
    def from_config(cls, api_key: str, api_base: str | None = None,
                    retries: int = NETWORK_RETRIES) -> "StripeGateway":
        kw = {}
        if api_base:
            base = api_base.rstrip("/")
            kw["base_addresses"] = {"api": base, "connect": base, "files": base}
        http = stripe.new_default_http_client(timeout=TIMEOUT_SECONDS)
        return cls(stripe.StripeClient(api_key, max_network_retries=retries, http_client=http, **kw))

    def _call(self, fn, params: dict, key: str | None = None):
        try:
            return fn(params, {"idempotency_key": key} if key else None)
        except stripe.StripeError as e:
            raise GatewayError(f"Stripe: {e.user_message or e.__class__.__name__}") from e

    # Connect
    def create_account(self, *, email: str | None, country: str | None, org_id: int):
        params = {"type": "express", "metadata": {"parity_org_id": str(org_id)},
                  "capabilities": {"transfers": {"requested": True}}}
        if email:
            params["email"] = email
        if country:
            params["country"] = country
        return self._call(self.client.v1.accounts.create, params, f"parity-account-org{org_id}")

    def retrieve_account(self, account_id: str):
        try:
            return self.client.v1.accounts.retrieve(account_id)
        except stripe.StripeError as e:
            raise GatewayError(f"Stripe: {e.user_message or e.__class__.__name__}") from e

    def account_link(self, account_id: str, *, return_url: str, refresh_url: str):
        return self._call(self.client.v1.account_links.create,
                          {"account": account_id, "type": "account_onboarding",
                           "return_url": return_url, "refresh_url": refresh_url})

    # Developers pay
    def checkout_session(self, *, order_id: int, name: str, units: int, unit_amount: int,
                         currency: str, success_url: str, cancel_url: str, key: str, expires_at: int | None):
        meta = {"parity_order_id": str(order_id)}
        params = {
            "mode": "payment",
            "line_items": [{"quantity": units, "price_data": {
                "currency": currency.lower(), "unit_amount": unit_amount,
                "product_data": {"name": name}}}],
            "success_url": success_url, "cancel_url": cancel_url,
            "client_reference_id": f"order-{order_id}",
            "metadata": meta,
            "payment_intent_data": {"metadata": meta, "transfer_group": f"order-{order_id}"},
        }
        if expires_at:
            params["expires_at"] = expires_at
        return self._call(self.client.v1.checkout.sessions.create, params, key)

    def retrieve_checkout_session(self, session_id: str):
        try:
            return self.client.v1.checkout.sessions.retrieve(session_id)
        except stripe.StripeError as e:
            raise GatewayError(f"Stripe: {e.user_message or e.__class__.__name__}") from e

    # Vendors are paid, developers refunded
    def transfer(self, *, amount: int, currency: str, destination: str, order_id: int,
                 ledger_txn: str, key: str):
        return self._call(self.client.v1.transfers.create, {
            "amount": amount, "currency": currency.lower(), "destination": destination,
            "transfer_group": f"order-{order_id}",
            "metadata": {"parity_order_id": str(order_id), "parity_ledger_txn": ledger_txn}}, key)

    def refund(self, *, payment_intent: str, amount: int, order_id: int, ledger_txn: str, key: str):
        return self._call(self.client.v1.refunds.create, {
            "payment_intent": payment_intent, "amount": amount,
            "metadata": {"parity_order_id": str(order_id), "parity_ledger_txn": ledger_txn}}, key)


def gateway(s: Session) -> StripeGateway | None:
    """The gateway configured in the settings ``s`` carries, or None in the embedded mode
    (no STRIPE_API_KEY)."""
    cfg = settings_of(s)
    if not cfg.get("STRIPE_API_KEY"):
        return None
    return StripeGateway.from_config(cfg["STRIPE_API_KEY"], cfg.get("STRIPE_API_BASE"),
                                     int(cfg.get("STRIPE_NETWORK_RETRIES", NETWORK_RETRIES)))


def mode(s: Session) -> str:
    return "stripe" if gateway(s) is not None else "embedded"
