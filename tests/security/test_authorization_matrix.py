"""The authorization matrix: every route of the app, for every role, reading and writing.

The routes come from ``app.url_map``, so a new route cannot escape: one missing from
``EXPECTED`` fails the test by name. Each row gives the outcome for the roles in
``world.ROLES`` order — anonymous, developer of org A (the owner of every private row used),
developer of org B, vendor V (A's vendor), vendor W (another vendor), auditor, operator:

  ok     authorized: 2xx/3xx (but not a redirect to the login page)
  login  a page sent the visitor to the login page
  401    API: no or unfit token (or client credentials)
  403    the role may not do this
  404    the row exists but is not the caller's (a page that flashes the refusal and
         redirects counts as 404 when the flash is the scoping helper's "not visible")
  4xx    any other status: a rule's refusal after authorization (400, 409, 422, …)

API routes (``/api/``, ``/oauth/``, the Stripe webhook) are called with each role's bearer
token and no cookie; pages with each role's signed-in session and a valid CSRF token.
Writes send a valid body, so an ownership check cannot hide behind a validation error.
``MATRIX_DUMP=1 pytest -s`` prints the observed rows (to review, never to paste blindly).
"""
from __future__ import annotations

import os
import re

import pytest

from tests.security.world import ROLES, build

# rule, method: outcome per role (anonymous dev_a dev_b vendor vendor_w auditor operator)
EXPECTED: dict[tuple[str, str], str] = {
    ("/", "GET"): "ok ok ok ok ok ok ok",
    ("/.well-known/jwks.json", "GET"): "ok ok ok ok ok ok ok",
    ("/admin", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/applications", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/applications/<int:org_id>/decide", "POST"): "login 403 403 403 403 403 ok",
    ("/admin/confirm/<action>/<int:target_id>", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/groups", "POST"): "login 403 403 403 403 403 422",
    ("/admin/invoices", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/orders", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/orgs", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/orgs/<int:org_id>/reinstate", "POST"): "login 403 403 403 403 403 ok",
    ("/admin/orgs/<int:org_id>/suspend", "POST"): "login 403 403 403 403 403 ok",
    ("/admin/requests", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/orgs/<int:org_id>/leave-group", "POST"): "login 403 403 403 403 403 ok",
    ("/admin/policy", "POST"): "login 403 403 403 403 403 422",
    ("/admin/providers", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/providers/dead-letters/<event_id>/replay", "POST"): "login 403 403 403 403 403 ok",
    ("/admin/reservations", "POST"): "login 403 403 403 403 403 422",
    ("/admin/reservations/<int:reservation_id>/withdraw", "POST"): "login 403 403 403 403 403 422",
    ("/admin/rounds", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/rounds", "POST"): "login 403 403 403 403 403 ok",
    ("/admin/stakes", "POST"): "login 403 403 403 403 403 422",
    ("/admin/stakes/<int:stake_id>/end", "POST"): "login 403 403 403 403 403 ok",
    ("/admin/weights", "POST"): "login 403 403 403 403 403 422",
    ("/apply", "GET"): "ok ok ok ok ok ok ok",
    ("/apply", "POST"): "422 422 422 422 422 422 422",
    ("/api/v1/admin/groups", "POST"): "401 403 403 403 403 403 ok",
    ("/api/v1/admin/orgs/<int:org_id>/group", "PUT"): "401 403 403 403 403 403 ok",
    ("/api/v1/admin/orgs/<int:org_id>/weight", "PUT"): "401 403 403 403 403 403 ok",
    ("/api/v1/admin/reservations", "POST"): "401 403 403 403 403 403 422",
    ("/api/v1/admin/reservations/<int:reservation_id>", "DELETE"): "401 403 403 403 403 403 409",
    ("/api/v1/admin/stakes", "POST"): "401 403 403 403 403 403 ok",
    ("/api/v1/admin/stakes/<int:stake_id>/end", "POST"): "401 403 403 403 403 403 ok",
    ("/api/v1/clients", "GET"): "401 ok ok ok ok ok ok",
    ("/api/v1/docs", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/groups", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/me", "GET"): "401 ok ok ok ok ok ok",
    ("/api/v1/notifications", "GET"): "401 ok ok ok ok ok ok",
    ("/api/v1/offerings", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/offerings", "POST"): "401 403 403 ok ok 403 403",
    ("/api/v1/offerings/<int:offering_id>", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/offerings/<int:offering_id>", "PATCH"): "401 403 403 ok 404 403 ok",
    ("/api/v1/offerings/<int:offering_id>/capacity", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/offerings/<int:offering_id>/capacity/<period>", "PUT"): "401 403 403 ok 404 403 ok",
    ("/api/v1/offerings/<int:offering_id>/prices", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/offerings/<int:offering_id>/prices", "POST"): "401 403 403 ok 404 403 409",
    ("/api/v1/offerings/compare", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/openapi.json", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/orders", "GET"): "401 ok ok ok ok 403 ok",
    ("/api/v1/orders/<int:order_id>", "GET"): "401 ok 404 ok 404 403 ok",
    ("/api/v1/orders/<int:order_id>/accept", "POST"): "401 403 403 ok 404 403 409",
    # order_ids[0] is partly delivered: its vendor (and an operator) may decide, but not decline it
    ("/api/v1/orders/<int:order_id>/decline", "POST"): "401 403 403 409 404 403 409",
    ("/api/v1/orders/<int:order_id>/deliveries", "POST"): "401 403 403 ok 404 403 ok",
    ("/api/v1/orgs", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/orgs", "POST"): "401 403 403 403 403 403 ok",
    ("/api/v1/orgs/<int:org_id>", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/payments/allocations/<int:allocation_id>/confirm", "POST"): "401 ok 404 403 403 403 ok",
    ("/api/v1/payments/invoices", "GET"): "401 ok ok ok ok 403 ok",
    ("/api/v1/payments/invoices/<int:payment_id>/paid", "POST"): "401 403 403 403 403 403 ok",
    ("/api/v1/payments/ledger", "GET"): "401 ok ok ok ok 403 ok",
    ("/api/v1/payments/orders/<int:order_id>", "GET"): "401 ok 404 ok 404 403 ok",
    ("/api/v1/payments/payouts", "GET"): "401 ok ok ok ok 403 ok",
    ("/api/v1/policy", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/policy", "POST"): "401 403 403 403 403 403 422",
    ("/api/v1/policy/versions", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/providers/<int:connection_id>/callbacks", "POST"): "404 404 404 404 404 404 404",
    ("/api/v1/providers/connection", "GET"): "401 403 403 ok 404 403 404",
    ("/api/v1/providers/connection", "PUT"): "401 403 403 ok ok 403 404",
    ("/api/v1/providers/dead-letters", "GET"): "401 403 403 403 403 403 ok",
    ("/api/v1/providers/dead-letters/<event_id>/replay", "POST"): "401 403 403 403 403 403 409",
    ("/api/v1/providers/health", "GET"): "401 403 403 403 403 403 ok",
    ("/api/v1/quota", "GET"): "401 ok ok 403 403 403 ok",
    ("/api/v1/reports", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/reports/<int:report_id>", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/reports/<int:report_id>.csv", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/reports/<int:report_id>.json", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/reports/<int:report_id>.jws", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/requests", "GET"): "401 ok ok 403 403 403 ok",
    ("/api/v1/requests", "POST"): "401 ok ok 403 403 403 403",
    ("/api/v1/requests/<int:request_id>", "GET"): "401 ok 404 403 403 403 ok",
    ("/api/v1/requests/<int:request_id>", "PATCH"): "401 ok 404 403 403 403 ok",
    ("/api/v1/requests/<int:request_id>/cancel", "POST"): "401 ok 404 403 403 403 409",
    ("/api/v1/requests/<int:request_id>/estimate", "GET"): "401 ok 404 403 403 403 ok",
    ("/api/v1/requests/preview", "POST"): "401 ok ok 403 403 403 ok",
    ("/api/v1/requests/<int:request_id>/receipts", "GET"): "401 ok 404 403 403 403 ok",
    ("/api/v1/requests/<int:request_id>/receipts/<int:seq>.jws", "GET"): "401 ok 404 403 403 403 ok",
    ("/api/v1/requests/<int:request_id>/receipts/<int:seq>.tlog-proof", "GET"): "401 ok 404 403 403 403 ok",
    ("/api/v1/receipts", "GET"): "401 ok ok 403 403 403 ok",
    ("/api/v1/receipts/pseudonyms", "GET"): "401 ok ok 403 403 403 ok",
    ("/api/v1/reservations", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/rounds", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/rounds/<int:round_id>", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/rounds/<int:round_id>/input", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/rounds/<int:round_id>/output", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/rounds/run", "POST"): "401 403 403 403 403 403 ok",
    ("/api/v1/stakes", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/vendors", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/vendors/<int:vendor_id>", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/vendors/<int:vendor_id>/disclosures", "GET"): "ok ok ok ok ok ok ok",
    ("/api/v1/vendors/<int:vendor_id>/disclosures/<quarter>", "PUT"): "401 403 403 ok 403 403 ok",
    ("/api/v1/vendors/<int:vendor_id>/profile", "PUT"): "401 403 403 ok 403 403 ok",
    ("/audit/vendors/<int:vendor_id>", "GET"): "ok ok ok ok ok ok ok",  # public: from published reports
    ("/audit", "GET"): "ok ok ok ok ok ok ok",
    ("/audit/developers", "GET"): "ok ok ok ok ok ok ok",  # pseudonymous, as published
    ("/audit/developers/<pseudonym>", "GET"): "ok ok ok ok ok ok ok",
    ("/audit/developers/mine", "GET"): "login ok ok 403 403 403 ok",  # links pseudonyms: the developer's own
    ("/account/email", "GET"): "login ok ok ok ok ok ok",
    ("/account/email", "POST"): "login ok ok ok ok ok ok",
    ("/admin/outbox", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/outbox/<int:mail_id>", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/outbox/<int:mail_id>/body.html", "GET"): "login 403 403 403 403 403 ok",
    ("/admin/outbox/<int:mail_id>/retry", "POST"): "login 403 403 403 403 403 ok",
    ("/payments/invoices/<int:payment_id>", "GET"): "login ok 404 403 403 403 ok",
    ("/payments/invoices/<int:payment_id>.html", "GET"): "login ok 404 403 403 403 ok",
    ("/payments/invoices/<int:payment_id>.pdf", "GET"): "login ok 404 403 403 403 ok",
    ("/catalog", "GET"): "ok ok ok ok ok ok ok",
    ("/catalog.csv", "GET"): "ok ok ok ok ok ok ok",
    ("/catalog/compare", "GET"): "ok ok ok ok ok ok ok",
    ("/catalog/offerings/<int:offering_id>", "GET"): "ok ok ok ok ok ok ok",
    ("/dashboard", "GET"): "login ok ok ok ok ok ok",
    ("/healthz", "GET"): "ok ok ok ok ok ok ok",
    ("/login", "GET"): "ok ok ok ok ok ok ok",
    ("/login", "POST"): "401 401 401 401 401 401 401",
    ("/logout", "POST"): "ok ok ok ok ok ok ok",
    ("/oauth/introspect", "POST"): "401 401 401 401 401 401 401",
    ("/oauth/revoke", "POST"): "401 401 401 401 401 401 401",
    ("/oauth/token", "POST"): "400 400 400 400 400 400 400",
    ("/orders", "GET"): "login ok ok ok ok ok ok",
    ("/orders/<int:order_id>", "GET"): "login ok 404 ok 404 404 ok",
    # order_ids[1] was accepted through the API just before: a second decision is refused
    ("/orders/<int:order_id>/accept", "POST"): "login 403 403 409 404 403 409",
    ("/orders/<int:order_id>/decline", "POST"): "login 403 403 409 404 403 409",
    ("/orders/<int:order_id>/deliveries", "POST"): "login 403 403 ok 404 403 ok",
    ("/payments", "GET"): "login ok ok ok ok 403 ok",
    ("/payments/invoices", "GET"): "login ok ok 403 403 403 ok",
    ("/payments/ledger", "GET"): "login ok ok ok ok 403 ok",
    ("/payments/connect", "POST"): "login 403 403 409 409 403 403",
    ("/payments/connect/refresh", "GET"): "login 403 403 409 409 403 403",
    ("/payments/connect/return", "GET"): "login 403 403 ok ok 403 ok",
    ("/payments/invoices/<int:payment_id>/paid", "POST"): "login 403 403 403 403 403 ok",
    ("/payments/orders/<int:order_id>/pay", "POST"): "login ok 404 403 403 403 ok",
    ("/payments/orders/<int:order_id>/return", "GET"): "login ok 404 403 403 403 ok",
    ("/policy", "GET"): "ok ok ok ok ok ok ok",
    ("/policy/quotas", "GET"): "ok ok ok ok ok ok ok",
    ("/log/", "GET"): "ok ok ok ok ok ok ok",
    ("/log/checkpoint", "GET"): "ok ok ok ok ok ok ok",
    ("/log/proof/<kind>/<ref>.tlog-proof", "GET"): "ok ok ok ok ok ok ok",
    ("/log/tile/<path:rest>", "GET"): "ok ok ok ok ok ok ok",
    ("/prices/<day>.json", "GET"): "ok ok ok ok ok ok ok",
    ("/prices/index.json", "GET"): "ok ok ok ok ok ok ok",
    ("/readyz", "GET"): "ok ok ok ok ok ok ok",
    ("/reports", "GET"): "ok ok ok ok ok ok ok",
    ("/reports/<int:report_id>", "GET"): "ok ok ok ok ok ok ok",
    ("/reports/schema/<any(access, pricing, workforce):series>.schema.json", "GET"): "ok ok ok ok ok ok ok",
    ("/requests", "GET"): "login ok ok 403 403 403 ok",
    ("/requests/<int:request_id>", "GET"): "login ok 404 403 403 403 ok",
    ("/requests/<int:request_id>/cancel", "POST"): "login ok 404 403 403 403 ok",
    ("/requests/<int:request_id>/edit", "GET"): "login ok 404 403 403 403 ok",
    ("/requests/<int:request_id>/receipts/<int:seq>.<any(jws, json):kind>", "GET"): "login ok 404 403 403 403 ok",
    ("/requests/<int:request_id>/edit", "POST"): "login ok 404 403 403 403 ok",
    ("/requests/new", "GET"): "login ok ok 403 403 403 ok",
    ("/requests/new", "POST"): "login ok ok 403 403 403 ok",
    ("/requests/quota", "GET"): "login ok ok 403 403 403 ok",
    ("/sso/callback", "GET"): "400 400 400 400 400 400 400",
    ("/sso/login", "GET"): "login login login login login login login",
    ("/static/<path:filename>", "GET"): "ok ok ok ok ok ok ok",
    ("/stripe/webhook", "POST"): "400 400 400 400 400 400 400",
    ("/vendor", "GET"): "login 403 403 ok ok 403 ok",
    ("/vendor/connection", "GET"): "login 403 403 ok ok 403 ok",
    ("/vendor/connection", "POST"): "login 403 403 400 400 403 400",
    ("/vendor/disclosure", "GET"): "login 403 403 ok ok 403 ok",
    ("/vendor/disclosure", "POST"): "login 403 403 400 400 403 400",
    ("/vendor/offerings/<int:offering_id>", "GET"): "login 403 403 ok 404 403 ok",
    ("/vendor/offerings/<int:offering_id>", "POST"): "login 403 403 422 404 403 422",  # the service refuses the empty form (as the API would)
    ("/vendor/offerings/<int:offering_id>/capacity", "POST"): "login 403 403 ok 404 403 ok",
    ("/vendor/offerings/<int:offering_id>/price", "POST"): "login 403 403 409 404 403 409",
    ("/vendor/offerings/new", "GET"): "login 403 403 ok ok 403 ok",
    ("/vendor/offerings/new", "POST"): "login 403 403 400 400 403 400",
    ("/vendor/profile", "GET"): "login 403 403 ok ok 403 ok",
    ("/vendor/profile", "POST"): "login 403 403 400 400 403 400",
    ("/vendors", "GET"): "ok ok ok ok ok ok ok",
    ("/vendors/<int:vendor_id>", "GET"): "ok ok ok ok ok ok ok",
    # people: a developer's labor disclosure (only its developer and operators read it)
    ("/labor", "GET"): "login ok ok 403 403 403 ok",
    ("/api/v1/labor-disclosures", "GET"): "401 ok ok ok ok 403 ok",
    ("/api/v1/labor-disclosures", "POST"): "401 ok ok 403 403 403 403",
    ("/api/v1/labor-disclosures/<int:disclosure_id>", "GET"): "401 ok 404 404 404 403 ok",
    ("/labor", "POST"): "login ok ok 403 403 403 403",
    ("/labor/<int:disclosure_id>.json", "GET"): "login ok 404 404 404 404 ok",
    ("/labor/<int:disclosure_id>.jws", "GET"): "login ok 404 404 404 404 ok",
    ("/labor/<int:disclosure_id>.txt", "GET"): "login ok 404 404 404 404 ok",
    ("/labor/<int:disclosure_id>.croissant.json", "GET"): "login ok 404 404 404 404 ok",
}

# Path parameters: which of the world's rows a rule addresses (default: the names below).
PARAM_OVERRIDES = {
    ("/api/v1/requests/<int:request_id>", "PATCH"): {"request_id": ("pending_ids", 0)},
    ("/api/v1/requests/<int:request_id>/cancel", "POST"): {"request_id": ("pending_ids", 1)},
    ("/requests/<int:request_id>/edit", "POST"): {"request_id": ("pending_ids", 2)},
    ("/requests/<int:request_id>/cancel", "POST"): {"request_id": ("pending_ids", 3)},
    ("/requests/<int:request_id>/receipts/<int:seq>.<any(jws, json):kind>", "GET"): {"kind": ("receipt_files", 0)},
    ("/api/v1/admin/reservations/<int:reservation_id>", "DELETE"): {"reservation_id": ("reservation_ids", 0)},
    ("/admin/reservations/<int:reservation_id>/withdraw", "POST"): {"reservation_id": ("reservation_ids", 1)},
    ("/api/v1/admin/stakes/<int:stake_id>/end", "POST"): {"stake_id": ("stake_ids", 0)},
    ("/admin/stakes/<int:stake_id>/end", "POST"): {"stake_id": ("stake_ids", 1)},
    # suspending and reinstating act on an org no other call uses
    ("/admin/orgs/<int:org_id>/suspend", "POST"): {"org_id": ("spare_org_ids", 0)},
    ("/admin/orgs/<int:org_id>/reinstate", "POST"): {"org_id": ("spare_org_ids", 0)},
    ("/api/v1/orders/<int:order_id>/accept", "POST"): {"order_id": ("order_ids", 1)},
    ("/orders/<int:order_id>/accept", "POST"): {"order_id": ("order_ids", 1)},
    ("/api/v1/payments/allocations/<int:allocation_id>/confirm", "POST"): {"allocation_id": ("allocation_ids", 1)},
}

DISCLOSURE = {"headcount": 420, "employment_mix": {"employee": 30, "contractor": 70},
              "countries": {"KE": 55.5, "PH": 44.5}, "median_hourly_pay_minor": 950, "pay_currency": "USD",
              "share_below_minimum_wage": 0, "share_below_living_wage": 12.5, "time_estimate_shown": True,
              "share_domain_experts": 8, "attestation": "self"}

API_BODIES = {
    ("/api/v1/admin/groups", "POST"): lambda ids: {"name": "Matrix group", "reason": "security test", "member_ids": []},
    ("/api/v1/admin/orgs/<int:org_id>/group", "PUT"): lambda ids: {"group_id": ids["group_id"]},
    ("/api/v1/admin/orgs/<int:org_id>/weight", "PUT"): lambda ids: {"weight": 1, "reason": "security test"},
    ("/api/v1/admin/reservations", "POST"): lambda ids: {"org_id": ids["org_id"], "offering_id": ids["offering_id"],
                                                          "period": ids["period"], "units": 1},
    ("/api/v1/admin/stakes", "POST"): lambda ids: {"holder_org_id": ids["org_id"], "vendor_org_id": ids["vendor_id"],
                                                    "percent": 1.0, "kind": "equity"},
    ("/api/v1/offerings", "POST"): lambda ids: {"title": "Matrix offering", "task_type": "annotation",
                                                 "modality": "text", "unit": "item", "languages": ["en"],
                                                 "turnaround_days": 3},
    ("/api/v1/offerings/<int:offering_id>", "PATCH"): lambda ids: {"description": "changed by the matrix"},
    ("/api/v1/offerings/<int:offering_id>/capacity/<period>", "PUT"): lambda ids: {"units": 100},
    ("/api/v1/offerings/<int:offering_id>/prices", "POST"): lambda ids: {"amount_minor": 500, "currency": "USD"},
    ("/api/v1/orders/<int:order_id>/deliveries", "POST"): lambda ids: {"units": 1},
    ("/api/v1/orders/<int:order_id>/decline", "POST"): lambda ids: {"reason": "matrix: no reviewers free"},
    ("/api/v1/orgs", "POST"): lambda ids: {"name": "Matrix Org", "kind": "developer"},
    ("/api/v1/policy", "POST"): lambda ids: {"changes": {"min_k": 5}, "reason": "security test"},
    ("/api/v1/providers/<int:connection_id>/callbacks", "POST"): lambda ids: {"event": "progress"},
    ("/api/v1/providers/connection", "PUT"): lambda ids: {"adapter": "manual", "settings": {}},
    ("/api/v1/requests", "POST"): lambda ids: {"task_type": "annotation", "units": 1, "max_unit_price_minor": 2000,
                                                "currency": "USD"},
    ("/api/v1/requests/<int:request_id>", "PATCH"): lambda ids: {"units": 9},
    ("/api/v1/requests/preview", "POST"): lambda ids: {"task_type": "annotation", "max_unit_price_minor": 2000,
                                                        "currency": "USD"},
    ("/api/v1/rounds/run", "POST"): lambda ids: {"dry_run": True},
    ("/api/v1/vendors/<int:vendor_id>/disclosures/<quarter>", "PUT"): lambda ids: DISCLOSURE,
    ("/api/v1/labor-disclosures", "POST"): lambda ids: {"quarter": ids["labor_quarter"]},
    ("/api/v1/vendors/<int:vendor_id>/profile", "PUT"): lambda ids: {"legal_name": "Vee Labels Ltd",
                                                                      "vendor_kind": "managed_workforce",
                                                                      "hq_country": "KE"},
}

CONFIRMED = {"confirmed": "yes"}  # destructive acts: the confirmation page's POST
WEB_FORMS = {
    ("/admin/orgs/<int:org_id>/leave-group", "POST"): CONFIRMED,
    ("/admin/orgs/<int:org_id>/reinstate", "POST"): CONFIRMED,
    ("/admin/orgs/<int:org_id>/suspend", "POST"): CONFIRMED,
    ("/admin/reservations/<int:reservation_id>/withdraw", "POST"): CONFIRMED,
    ("/admin/stakes/<int:stake_id>/end", "POST"): CONFIRMED,
    ("/orders/<int:order_id>/deliveries", "POST"): {"units": "1"},
    ("/orders/<int:order_id>/decline", "POST"): {"reason": "matrix: no reviewers free"},
    ("/requests/<int:request_id>/edit", "POST"): {"task_type": "annotation", "units": "8", "max_unit_price": "20.00",
                                                  "currency": "USD"},
    ("/requests/new", "POST"): {"task_type": "annotation", "units": "1", "max_unit_price": "20.00", "currency": "USD"},
    ("/vendor/offerings/<int:offering_id>/capacity", "POST"): {"period": "{period}", "units": "100"},
    ("/vendor/offerings/<int:offering_id>/price", "POST"): {"amount": "5.00", "currency": "USD"},
    ("/login", "POST"): {"email": "nobody@security.example", "password": "wrong password"},
    ("/labor", "POST"): {"quarter": "{labor_quarter}"},
}

QUERIES = {
    "/api/v1/offerings/compare": "?ids={offering_id},{other_offering_id}",
    "/catalog/compare": "?ids={offering_id},{other_offering_id}",
    "/sso/login": "?email=someone@security.example",
}

API_PREFIXES = ("/api/", "/oauth/", "/stripe/")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def routes(app) -> list[tuple[str, str]]:
    out = set()
    for rule in app.url_map.iter_rules():
        for m in rule.methods & set(METHODS):
            out.add((rule.rule, m))
    # Reads first, writes after, rounds (which allocate the pending requests the edit routes
    # use) and signing out last: a write may change what a later call sees.
    return sorted(out, key=lambda rm: (rm[1] != "GET", LAST.index(rm[0]) if rm[0] in LAST else -1, rm))


LAST = ("/api/v1/rounds/run", "/admin/rounds", "/logout")


def fill(rule: str, method: str, ids: dict) -> str:
    over = PARAM_OVERRIDES.get((rule, method), {})

    def value(m):
        name = m.group(1)
        if name in over:
            key, i = over[name]
            return str(ids[key][i])
        return str(ids[name])

    return re.sub(r"<(?:[^:>]+:)?([a-z_]+)>", value, rule)


def classify(r, flashes=()) -> str:
    if r.status_code in (301, 302, 303, 307, 308):
        if "/login" in r.headers.get("Location", ""):
            return "login"
        # A page that catches the service's refusal flashes it and redirects: the one
        # scoping helper's message means the row was hidden (the API answers 404 there).
        if any("is visible to you" in message for category, message in flashes if category == "error"):
            return "404"
    return "ok" if r.status_code < 400 else str(r.status_code)


def call(app, w, role: str, rule: str, method: str) -> str:
    path = fill(rule, method, w.ids) + QUERIES.get(rule, "").format(**w.ids)
    if rule.startswith(API_PREFIXES):
        body = API_BODIES.get((rule, method))
        kw = {"headers": w.headers(role)}
        if method != "GET":
            kw["json"] = body(w.ids) if body else {}
        return classify(app.test_client().open(path, method=method, **kw))
    browser = w.browsers[role]
    if method == "GET":
        return classify(browser.get(path))
    form = {k: v.format(**w.ids) for k, v in WEB_FORMS.get((rule, method), {}).items()}
    r = browser.open(path, method=method, data={**form, "csrf_token": w.csrf[role]})
    assert b"CSRF" not in r.data, f"{method} {rule} as {role}: the CSRF token was refused"
    with browser.session_transaction() as sess:
        flashes = sess.pop("_flashes", [])
    return classify(r, flashes)


@pytest.fixture
def world(app, make, clock):
    return build(app, make, clock)


def test_every_route_has_an_expectation(app):
    missing = [f"{m} {r}" for r, m in routes(app) if (r, m) not in EXPECTED]
    stale = [f"{m} {r}" for r, m in EXPECTED if (r, m) not in set(routes(app))]
    assert not missing, "routes without an authorization expectation in EXPECTED: " + "; ".join(missing)
    assert not stale, "expectations for routes that no longer exist: " + "; ".join(stale)


def test_authorization_matrix(app, world):
    observed, wrong = {}, []
    for rule, method in routes(app):
        expected = EXPECTED.get((rule, method), "").split()
        got = []
        for i, role in enumerate(ROLES):
            outcome = call(app, world, role, rule, method)
            got.append(outcome)
            if expected and outcome != expected[i]:
                wrong.append(f"{method} {rule} as {role}: expected {expected[i]}, got {outcome}")
        observed[(rule, method)] = " ".join(got)
    if os.environ.get("MATRIX_DUMP"):
        for (rule, method), row in observed.items():
            print(f'    ("{rule}", "{method}"): "{row}",')
    assert not wrong, "\n".join(wrong)


# Private lists: (owner, stranger) pairs; a stranger's list never holds an owner's row.
PRIVATE_LISTS = ("/api/v1/requests", "/api/v1/orders", "/api/v1/notifications", "/api/v1/payments/invoices",
                 "/api/v1/payments/ledger", "/api/v1/payments/payouts", "/api/v1/clients")
PAGES = ("/dashboard", "/requests", "/orders", "/payments", "/requests/quota")


def _keys(body) -> set:
    items = body["items"] if isinstance(body, dict) else body
    return {str(i.get("id", i.get("txn_id", i.get("client_id")))) for i in items}


def test_private_lists_and_pages_hold_no_rows_of_another_org(app, world):
    c = app.test_client()
    seen_any = set()
    for owner, stranger in (("dev_a", "dev_b"), ("vendor", "vendor_w")):
        for url in PRIVATE_LISTS:
            mine = c.get(url, headers=world.headers(owner))
            if mine.status_code == 403:  # a list the role has no scope for
                continue
            assert mine.status_code == 200, (url, owner, mine.json)
            theirs = c.get(url, headers=world.headers(stranger))
            assert theirs.status_code == 200, (url, stranger, theirs.json)
            own_keys = _keys(mine.json)
            seen_any |= {url} if own_keys else set()
            assert not own_keys & _keys(theirs.json), f"{stranger} sees rows of {owner} at {url}"
    # Every private list had rows of its owner, so the disjointness above meant something.
    assert seen_any == set(PRIVATE_LISTS), set(PRIVATE_LISTS) - seen_any
    ids = world.ids
    a_links = [f"/requests/{i}" for i in ids["request_ids"] + ids["pending_ids"]]
    a_links += [f"/orders/{i}" for i in ids["order_ids"]]
    for page in PAGES:
        for stranger in ("dev_b", "vendor_w"):
            html = world.browsers[stranger].get(page).get_data(as_text=True)
            leaked = [link for link in a_links if f'{link}"' in html or f"{link}/" in html]
            assert not leaked, f"{page} shows {stranger} another org's rows: {leaked}"


def test_a_session_does_not_authenticate_the_api_nor_a_token_a_page(app, make):
    # The API never reads the session cookie, so a page's visitor cannot be made to call it
    # (no CSRF through the API); pages never read bearer tokens.
    from tests.helpers import login

    ops = make.org("operator")
    make.user(ops, email="ops@security.example")
    browser = app.test_client()
    assert login(browser, "ops@security.example").status_code == 302
    assert browser.get("/admin").status_code == 200
    r = browser.post("/api/v1/orgs", json={"name": "Via Cookie", "kind": "developer"})
    assert r.status_code == 401 and r.mimetype == "application/problem+json"
    page = app.test_client().get("/admin", headers={"Authorization": f"Bearer {make.token(ops)}"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]
