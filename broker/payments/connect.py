"""Vendors onboard as Stripe Connect accounts (account + account link flow).

The account is created once per vendor org (idempotency key from the org id); the account
link sends the vendor to Stripe's hosted onboarding, which returns to our return page (or
our refresh page, when the link expired). Whether payouts may go out is what Stripe says in
``payouts_enabled``, refreshed on the return page and by ``account.updated`` webhooks.
"""
from __future__ import annotations

from sqlmodel import Session, select

from broker.access.principal import Principal
from broker.clock import now
from broker.errors import ApiError
from broker.models import LedgerEntry, Order, Org, OrgKind, VendorProfile
from broker.models.ledger import ConnectAccount
from broker.payments import payouts
from broker.payments.stripe_gateway import GatewayError, gateway
from broker import audit


def account_of(s: Session, org_id: int) -> ConnectAccount | None:
    return s.get(ConnectAccount, org_id)


def onboarding_link(s: Session, org: Org, principal: Principal, *, email: str | None,
                    return_url: str, refresh_url: str) -> str:
    """The URL of Stripe's hosted onboarding for ``org`` (creating its account the first time)."""
    if org.kind != OrgKind.vendor:
        raise ApiError("Only vendor organisations are paid out.", status=403, type_="forbidden")
    gw = gateway(s)
    if gw is None:
        raise ApiError("Stripe is not configured here: payouts are recorded in Parity's ledger and "
                       "settled by hand.", status=409, type_="stripe-not-configured")
    acct = account_of(s, org.id)
    try:
        if acct is None:
            profile = s.get(VendorProfile, org.id)
            made = gw.create_account(email=email, country=profile.hq_country if profile else None, org_id=org.id)
            acct = ConnectAccount(org_id=org.id, account_id=made.id,
                                  details_submitted=bool(getattr(made, "details_submitted", False)),
                                  payouts_enabled=bool(getattr(made, "payouts_enabled", False)))
            s.add(acct)
            if profile is not None:
                profile.stripe_account_id = made.id
                s.add(profile)
            s.flush()
            audit.record(s, principal, "connect.account_create", "connect_account", org.id,
                         None, audit.snapshot(acct))
        link = gw.account_link(acct.account_id, return_url=return_url, refresh_url=refresh_url)
    except GatewayError as e:
        raise ApiError(f"Stripe onboarding could not start: {e}", status=502, type_="payment-provider") from None
    return link.url


def refresh(s: Session, org_id: int) -> ConnectAccount | None:
    """Ask Stripe how far onboarding went (the return page calls this)."""
    acct = account_of(s, org_id)
    gw = gateway(s)
    if acct is None or gw is None:
        return acct
    try:
        remote = gw.retrieve_account(acct.account_id)
    except GatewayError:
        return acct
    apply_update(s, remote)
    return acct


def apply_update(s: Session, remote) -> ConnectAccount | None:
    """Record an account's onboarding state (from Stripe); payouts waiting for it go out."""
    if hasattr(remote, "to_dict"):
        remote = remote.to_dict(recursive=True)
    acct = s.exec(select(ConnectAccount).where(ConnectAccount.account_id == remote["id"])).first()
    if acct is None:
        return None
    before = audit.snapshot(acct)
    acct.details_submitted = bool(remote.get("details_submitted"))
    acct.payouts_enabled = bool(remote.get("payouts_enabled"))
    acct.updated_at = now()
    s.add(acct)
    if before["payouts_enabled"] != acct.payouts_enabled:
        audit.record(s, None, "connect.account_update", "connect_account", acct.org_id, before, audit.snapshot(acct))
    if acct.payouts_enabled:
        waiting = s.exec(select(LedgerEntry.order_id).join(Order, Order.id == LedgerEntry.order_id)
                         .where(Order.vendor_org_id == acct.org_id, LedgerEntry.kind == "earn").distinct()).all()
        for order_id in waiting:
            payouts.schedule_release(s, order_id)
    return acct
