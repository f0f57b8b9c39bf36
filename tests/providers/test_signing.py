"""The webhook format's pure parts: signatures, rotation, replay window, backoff, callbacks,
settings checks, and the per-vendor deadlines of the fan-out."""
from __future__ import annotations

import time

import pytest

from providers import registry, webhook
from providers.base import SettingsError
from providers.fanout import fan_out

pytestmark = pytest.mark.pure
BODY = b'{"id":"evt_1","type":"order.placed"}'


def test_signature_verifies_with_any_active_secret_and_nothing_else():
    header = webhook.sign(BODY, ["new", "old"], 1_800_000_000)
    assert webhook.verify(BODY, header, ["old"], now=1_800_000_010) == 1_800_000_000
    assert webhook.verify(BODY, header, ["new"], now=1_800_000_010) == 1_800_000_000
    for body, secrets, now, why in [(BODY, ["other"], 1_800_000_010, "does not match"),
                                     (BODY + b" ", ["new"], 1_800_000_010, "does not match"),
                                     (BODY, ["new"], 1_800_000_301, "replay window"),
                                     (BODY, ["new"], 1_799_999_699, "replay window")]:
        with pytest.raises(webhook.SignatureError, match=why):
            webhook.verify(body, header, secrets, now=now)
    with pytest.raises(webhook.SignatureError, match="malformed"):
        webhook.verify(BODY, "v1=abc", ["new"], now=1_800_000_000)


def test_the_documented_example_verifies_in_a_few_lines():
    import hashlib
    import hmac

    header = webhook.sign(BODY, ["whsec_example"], 1_800_000_000)
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(b"whsec_example", t.encode() + b"." + BODY, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(expected, v1)


def test_backoff_grows_exponentially_with_bounded_jitter():
    for attempt in range(1, 8):
        step = min(3600, 30 * 2 ** (attempt - 1))
        assert webhook.backoff(attempt, rand=lambda: 0.0) == step / 2
        assert webhook.backoff(attempt, rand=lambda: 1.0) == step
    assert webhook.backoff(30, rand=lambda: 1.0) == 3600


@pytest.mark.parametrize("body,field", [
    (b"[]", "body"), (b'{"id": "", "type": "order.progress", "data": {}}', "id"),
    (b'{"id": "a", "type": "order.placed", "data": {}}', "type"),
    (b'{"id": "a", "type": "order.progress", "data": {"order_id": "1", "units": 1}}', "data.order_id"),
    (b'{"id": "a", "type": "order.progress", "data": {"order_id": 1}}', "data.units"),
    (b'{"id": "a", "type": "order.progress", "data": {"order_id": 1, "units": -1}}', "data.units"),
    (b'{"id": "a", "type": "order.progress", "data": {"order_id": 1, "total": 2, "delivered_at": "2026-11-23T09:00"}}',
     "data.delivered_at"),
])
def test_callback_bodies_are_checked_field_by_field(body, field):
    with pytest.raises(webhook.CallbackError) as e:
        webhook.parse_callback(body)
    assert e.value.field == field


@pytest.mark.parametrize("adapter,settings,field", [
    ("manual", {"url": "https://x"}, "url"),
    ("webhook", {"url": "http://x.example", "secret_envs": ["PARITY_PROVIDER_A"]}, "url"),
    ("webhook", {"url": "https://u:p@x.example", "secret_envs": ["PARITY_PROVIDER_A"]}, "url"),
    ("webhook", {"url": "https://x.example", "secret_envs": ["HOME"]}, "secret_envs"),
    ("webhook", {"url": "https://x.example", "secret_envs": ["PARITY_PROVIDER_A"], "max_attempts": 0}, "max_attempts"),
    ("labelstudio", {"base_url": "https://ls.example", "token_env": ["PARITY_PROVIDER_A", "PARITY_PROVIDER_B"]},
     "token_env"),
    ("labelstudio", {"base_url": "https://ls.example", "token_env": "PARITY_PROVIDER_A", "project_id": True},
     "project_id"),
    ("ftp", {}, "adapter"),
])
def test_settings_are_refused_naming_the_field(adapter, settings, field):
    with pytest.raises(SettingsError) as e:
        registry.validate(adapter, settings)
    assert e.value.field == field


def test_fan_out_returns_fast_answers_before_a_slow_one_times_out():
    started = time.monotonic()
    seen = []
    for key, result in fan_out({"slow": (lambda: time.sleep(2) or "late", 0.2),
                                "fast": (lambda: "ok", 1.0),
                                "broken": (lambda: 1 / 0, 1.0)}):
        seen.append((key, result if isinstance(result, str) else type(result).__name__, time.monotonic() - started))
    assert time.monotonic() - started < 1.0
    assert {k: r for k, r, _ in seen} == {"fast": "ok", "broken": "ZeroDivisionError", "slow": "ProviderError"}
    assert seen[-1][0] == "slow"


@pytest.mark.parametrize("address", ["https://127.0.0.1/h", "https://10.0.0.8/h", "https://169.254.169.254/latest",
                                     "https://[::1]/h", "https://localhost/h", "https://db.internal/h"])
def test_vendor_addresses_on_private_networks_are_refused(address):
    from providers.settings import url

    with pytest.raises(SettingsError):
        url({"url": address}, "url", allow_http=False)
    assert url({"url": "https://vendor.example/h"}, "url", allow_http=False) == "https://vendor.example/h"
