"""Roles and the API scopes each role's clients may hold."""
from __future__ import annotations

from broker.models.base import OrgKind

ALL_SCOPES = {
    "requests:read": "read your org's capacity requests, allocations and quota",
    "requests:write": "create, edit and cancel your org's capacity requests",
    "orders:read": "read your org's orders and deliveries",
    "orders:write": "accept orders and record deliveries (vendors)",
    "catalog:write": "manage your vendor profile, offerings, prices, capacity and disclosures",
    "ledger:read": "read your org's ledger, invoices and payouts",
    "reports:read": "read reports and audit material",
    "admin": "operator actions: policy, orgs, groups, stakes, reservations, rounds, clients",
}

ROLE_SCOPES: dict[OrgKind, frozenset[str]] = {
    OrgKind.developer: frozenset({"requests:read", "requests:write", "orders:read", "ledger:read",
                                  "reports:read"}),
    OrgKind.vendor: frozenset({"catalog:write", "orders:read", "orders:write", "ledger:read",
                               "reports:read"}),
    OrgKind.auditor: frozenset({"reports:read"}),
    OrgKind.operator: frozenset(ALL_SCOPES),
}
