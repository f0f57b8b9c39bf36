"""The adapters by name: validate a connection's settings and build its adapter."""
from __future__ import annotations

from typing import Callable, Mapping

from providers import labelstudio, manual, webhook
from providers.base import Adapter, SettingsError

_ADAPTERS: dict[str, tuple[type, Callable[..., dict], str]] = {
    "manual": (manual.ManualAdapter, manual.validate,
               "Work in Parity's dashboard and API: accept orders and record deliveries there."),
    "webhook": (webhook.WebhookAdapter, webhook.validate,
                "Parity posts signed order events to your HTTPS endpoint; you post signed progress back."),
    "labelstudio": (labelstudio.LabelStudioAdapter, labelstudio.validate,
                    "Each order becomes tasks in your Label Studio; completed tasks count as delivered."),
}

NAMES = tuple(_ADAPTERS)


def describe(name: str) -> str:
    return _ADAPTERS[name][2]


def validate(name: str, settings: dict, *, allow_http: bool = False) -> dict:
    """Normalised settings, or ``SettingsError`` naming the field at fault."""
    if name not in _ADAPTERS:
        raise SettingsError("adapter", f"must be one of {', '.join(NAMES)}")
    if not isinstance(settings, dict):
        raise SettingsError("settings", "must be an object")
    return _ADAPTERS[name][1](settings, allow_http=allow_http)


def build(name: str, settings: dict, *, env: Mapping[str, str] | None = None, **extra) -> Adapter:
    cls = _ADAPTERS[name][0]
    return cls(settings, env=env, **extra) if name == "webhook" else cls(settings, env=env)
