"""The manual adapter: the vendor works in Parity's own dashboard and API.

Nothing is pushed or pulled: the vendor reads its orders in Parity, accepts them and records
deliveries itself, and keeps its offerings and capacity there. Expressed as an adapter so the
scheduler treats every vendor alike.
"""
from __future__ import annotations

from typing import Mapping, Sequence

from providers.base import Catalog, Event, OrderInfo, Placement, Progress, SettingsError


def validate(settings: dict, *, allow_http: bool = False) -> dict:
    if settings:
        raise SettingsError(sorted(settings)[0], "the manual adapter takes no settings")
    return {}


class ManualAdapter:
    name = "manual"
    pushes_orders = False

    def __init__(self, settings: dict, env: Mapping[str, str] | None = None):
        self.settings = settings

    def describe(self, timeout: float) -> Catalog:
        return Catalog()

    def place_order(self, event: Event, timeout: float) -> Placement:
        return Placement()

    def report_progress(self, orders: Sequence[OrderInfo], timeout: float) -> list[Progress]:
        return []

    def cancel(self, event: Event, timeout: float) -> None:
        return None
