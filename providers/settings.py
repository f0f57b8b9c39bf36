"""Checks shared by the adapters' settings: addresses, secret names, bounded numbers.

Settings are stored in the database and edited by vendors, so they never hold a secret: they
name environment variables that do. Those names must start with ``PARITY_PROVIDER_`` so that a
vendor can never point an adapter at another of the process's secrets (``SECRET_KEY``,
``STRIPE_API_KEY``…) and have it sent to, or used to sign for, an address of its choosing.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Mapping
from urllib.parse import urlsplit

from providers.base import SettingsError

SECRET_PREFIX = "PARITY_PROVIDER_"
_ENV_NAME = re.compile(r"^PARITY_PROVIDER_[A-Z0-9_]{1,64}$")


def url(settings: dict, name: str, *, allow_http: bool, required: bool = True) -> str | None:
    value = settings.get(name)
    if value in (None, ""):
        if required:
            raise SettingsError(name, "is required")
        return None
    if not isinstance(value, str) or len(value) > 500:
        raise SettingsError(name, "must be an address of at most 500 characters")
    parts = urlsplit(value)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise SettingsError(name, "must be an https:// address" + (" (or http://)" if allow_http else ""))
    if parts.username or parts.password:
        raise SettingsError(name, "must not carry credentials; name an environment variable instead")
    if not allow_http and not _may_be_public(parts.hostname):
        # A vendor must not point Parity at its own network (metadata services, admin ports).
        raise SettingsError(name, "must be a public address, not a loopback, private or link-local one")
    return value.rstrip("/") if name.endswith("base_url") else value


def _may_be_public(host: str) -> bool:
    """False for literal non-global IP addresses and local names. Names are resolved only
    when a call is made, so a name that later resolves to a private address is not caught
    here (see docs/providers.md)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return True


def env_names(settings: dict, name: str, *, required: bool = True, many: bool = True) -> list[str]:
    value = settings.get(name)
    if value in (None, "", []):
        if required:
            raise SettingsError(name, "is required")
        return []
    names = value if isinstance(value, list) else [value]
    if not many and len(names) != 1:
        raise SettingsError(name, "names exactly one environment variable")
    if not 1 <= len(names) <= 5 or not all(isinstance(n, str) and _ENV_NAME.match(n) for n in names):
        raise SettingsError(name, f"names 1 to 5 environment variables, each {SECRET_PREFIX}…"
                            " in capitals, digits and underscores")
    return list(dict.fromkeys(names))


def number(settings: dict, name: str, *, lo: float, hi: float, default: float, integer: bool = False):
    value = settings.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not lo <= value <= hi:
        raise SettingsError(name, f"must be a number from {lo:g} to {hi:g}")
    if integer and int(value) != value:
        raise SettingsError(name, "must be a whole number")
    return int(value) if integer else float(value)


def only(settings: dict, allowed: set[str]) -> None:
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise SettingsError(unknown[0], f"is not a setting of this adapter (allowed: {', '.join(sorted(allowed))})")


def secrets_from(env: Mapping[str, str], names: list[str]) -> list[str]:
    """The secrets currently set, in the order named (the first is used to sign)."""
    return [env[n] for n in names if env.get(n)]
