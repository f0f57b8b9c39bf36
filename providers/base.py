"""The one interface through which Parity reaches a vendor's own system, and the plain data
it speaks.

Parity's core calls only ``Adapter``; an adapter knows one vendor system and nothing of
Parity's tables, sessions or rules. Everything crossing the boundary is a frozen dataclass of
plain values (ids, integers, UTC datetimes), so adapters are easy to test on their own and
their calls can run in worker threads with no database handle.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, Sequence, runtime_checkable


class ProviderError(Exception):
    """The vendor system refused or could not be reached; the message is safe to show."""


class SettingsError(ValueError):
    """A connection's settings are unusable: ``field`` names the setting at fault."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class CapacityInfo:
    """Whole units the vendor can take for one Parity offering in one ISO-week period."""

    offering_id: int
    period: str
    units: int


@dataclass(frozen=True)
class Catalog:
    """What the vendor's system says it offers. Offerings are Parity offering ids the vendor
    maps its own services to; capacity is per offering and period."""

    offering_ids: tuple[int, ...] = ()
    capacity: tuple[CapacityInfo, ...] = ()


@dataclass(frozen=True)
class OrderInfo:
    """An order as a vendor system sees it (no developer identity beyond its org id)."""

    order_id: int
    offering_id: int
    period: str
    units: int
    unit_price_minor: int
    currency: str
    developer_org_id: int
    instructions_ref: str = ""
    # What a previous placement returned (e.g. a Label Studio project id), for polling.
    external_ref: str = ""
    units_delivered: int = 0


@dataclass(frozen=True)
class Placement:
    """A vendor system took an order; ``external_ref`` is its own handle for it."""

    external_ref: str = ""


@dataclass(frozen=True)
class Progress:
    """Work done on an order. ``event_id`` makes a report idempotent: the same id twice is
    recorded once. Either ``units`` (done since the last report) or ``total`` (done so far,
    cumulative) is given."""

    order_id: int
    event_id: str
    units: int | None = None
    total: int | None = None
    delivered_at: datetime | None = None


@dataclass(frozen=True)
class Event:
    """An outbound message to a vendor (``order.placed``, ``order.cancelled``); its id stays
    the same across retries so the vendor can de-duplicate."""

    event_id: str
    kind: str
    created_at: datetime
    order: OrderInfo
    attempt: int = 1
    data: dict = field(default_factory=dict)


@runtime_checkable
class Adapter(Protocol):
    """What every way of reaching a vendor provides. Calls may block on the network; each
    must honour ``timeout`` seconds and raise ``ProviderError`` on failure."""

    name: str
    # True when orders must be pushed to the vendor's system (manual vendors read Parity).
    pushes_orders: bool

    def describe(self, timeout: float) -> Catalog:
        """The vendor's catalog and capacity, as its system reports them now."""

    def place_order(self, event: Event, timeout: float) -> Placement:
        """Hand an order to the vendor's system. Must be safe to repeat with the same event."""

    def report_progress(self, orders: Sequence[OrderInfo], timeout: float) -> list[Progress]:
        """Progress on the given open orders since they were placed."""

    def cancel(self, event: Event, timeout: float) -> None:
        """Tell the vendor's system an order is withdrawn. Safe to repeat."""
