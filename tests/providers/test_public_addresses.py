"""Parity calls only public addresses, checked when the call is made: a vendor's public-looking
name that resolves to loopback, a private range or the metadata address is refused before any
byte is sent (production setting; the suite's other tests run with the development switch on)."""
import socket
from datetime import datetime, timezone

import pytest

from providers import http, webhook
from providers.base import Event, OrderInfo, ProviderError
from tests.providers.conftest import SECRET
from tests.providers.vendor_server import VendorSystem

ENV = {"PARITY_PROVIDER_ACME_SECRET": SECRET}       # the development switch is not set
EVENT = Event(event_id="evt-1", kind="order.placed", created_at=datetime(2026, 11, 26, tzinfo=timezone.utc),
              order=OrderInfo(order_id=7, offering_id=3, period="2026-W48", units=10, unit_price_minor=100,
                              currency="USD", developer_org_id=5))


@pytest.fixture
def vendor_name_resolves_to_loopback(monkeypatch):
    """vendor.example answers with 127.0.0.1, as a hostile or misconfigured DNS would."""
    real = socket.getaddrinfo

    def fake(host, *args, **kw):
        return real("127.0.0.1" if host == "vendor.example" else host, *args, **kw)

    monkeypatch.setattr(http.socket, "getaddrinfo", fake)


def _adapter(vendor: VendorSystem, env: dict) -> webhook.WebhookAdapter:
    port = vendor.server.server_address[1]
    return webhook.WebhookAdapter({"url": f"http://vendor.example:{port}/hook",
                                   "secret_envs": ["PARITY_PROVIDER_ACME_SECRET"]}, env=env)


def test_a_name_resolving_to_loopback_is_refused_before_sending(vendor_name_resolves_to_loopback):
    with VendorSystem([SECRET]) as vendor:
        with pytest.raises(ProviderError, match="not public"):
            _adapter(vendor, ENV).place_order(EVENT, timeout=2)
        assert vendor.received == []


def test_with_the_development_switch_the_same_call_goes_through(vendor_name_resolves_to_loopback):
    with VendorSystem([SECRET]) as vendor:
        placed = _adapter(vendor, {**ENV, http.ALLOW_ENV: "1"}).place_order(EVENT, timeout=2)
        assert placed.external_ref == "job-7"
        assert len(vendor.received) == 1


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254",
                                     "::1", "::ffff:127.0.0.1", "fd00::1", "100.64.0.1"])
def test_non_public_addresses_are_refused(address):
    with pytest.raises(http.RefusedAddress):
        http.public_addresses(address, 443)


def test_public_addresses_pass():
    assert http.public_addresses("93.184.216.34", 443)
    assert http.public_addresses("2606:2800:220:1:248:1893:25c8:1946", 443)
