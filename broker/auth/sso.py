"""OpenID Connect single sign-on (authlib's Flask client): state, nonce and PKCE.

Which provider: an org may bring its own (``Org.oidc_issuer``/``oidc_client_id``, secret from
the environment variable named in ``oidc_client_secret_env``); otherwise the global
``OIDC_ISSUER``/``OIDC_CLIENT_ID``/``OIDC_CLIENT_SECRET`` apply. Which org: the *verified*
email's domain must equal an approved org's ``sso_domain``. A first sign-in creates the
account (role = the org's kind); later ones match it by the provider's subject.
"""
from __future__ import annotations

import hashlib
import os

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, request, session, url_for
from sqlmodel import select

from broker import db
from broker.models import Org, OrgStatus, User
from broker import audit
from broker.services import accounts

bp = Blueprint("sso", __name__, url_prefix="/sso")
oauth = OAuth()


def _org_for_email(email: str) -> Org | None:
    domain = email.rsplit("@", 1)[-1].lower() if "@" in email else ""
    if not domain:
        return None
    return db.session().exec(select(Org).where(Org.sso_domain == domain,
                                               Org.status == OrgStatus.approved)).first()


def _client_for(org: Org):
    """The authlib client of the org's own provider, or of the global one."""
    if org.oidc_issuer and org.oidc_client_id:
        issuer, client_id = org.oidc_issuer, org.oidc_client_id
        secret = os.environ.get(org.oidc_client_secret_env or "", "")
    else:
        cfg = current_app.config
        if not (cfg.get("OIDC_ISSUER") and cfg.get("OIDC_CLIENT_ID")):
            return None
        issuer, client_id, secret = cfg["OIDC_ISSUER"], cfg["OIDC_CLIENT_ID"], cfg.get("OIDC_CLIENT_SECRET") or ""
    # Registered clients are cached by provider and client id (a changed setting gets a
    # fresh client, never a stale one).
    name = "oidc_" + hashlib.sha256(f"{issuer}|{client_id}|{secret}".encode()).hexdigest()[:16]
    client = oauth.create_client(name)
    if client is None:
        oauth.register(
            name, client_id=client_id, client_secret=secret,
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
        )
        client = oauth.create_client(name)
    return client


@bp.get("/login")
def start():
    """Start single sign-on for the org that owns the email's domain."""
    email = (request.args.get("email") or "").strip().lower()
    org = _org_for_email(email)
    client = _client_for(org) if org else None
    if client is None:
        flash("Single sign-on is not set up for that email domain; sign in with a password.", "error")
        return redirect(url_for("auth.login"))
    session["sso_org_id"] = org.id
    return client.authorize_redirect(url_for("sso.callback", _external=True))


@bp.get("/callback")
def callback():
    org_id = session.pop("sso_org_id", None)
    org = db.session().get(Org, org_id) if org_id else None
    client = _client_for(org) if org else None
    if client is None:
        abort(400, "No single sign-on is in progress.")
    try:
        # Checks state (CSRF), exchanges the code with the PKCE verifier, and validates
        # the id_token's signature, issuer, audience, expiry and nonce.
        token = client.authorize_access_token()
    except OAuthError as e:
        abort(400, f"Single sign-on failed: {e.error}.")
    claims = token.get("userinfo") or {}
    email = (claims.get("email") or "").lower()
    if not claims.get("email_verified"):
        abort(403, "The identity provider did not verify this email address.")
    if _org_for_email(email) is None or _org_for_email(email).id != org.id:
        abort(403, "This email's domain does not belong to the organisation.")
    user = _find_or_create(org, email, claims)
    if not user.is_active:
        abort(403, "This account is disabled.")
    session.clear()
    session["user_id"] = user.id
    session.permanent = True
    return redirect(url_for("web.dashboard"))


def _find_or_create(org: Org, email: str, claims: dict) -> User:
    s = db.session()
    subject = f"{claims.get('iss')}|{claims['sub']}"
    user = s.exec(select(User).where(User.oidc_subject == subject)).first()
    if user is not None:
        return user
    with db.transaction(s):
        user = s.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = accounts.create_user(s, None, org=org, email=email, password=None,
                                        name=claims.get("name", ""))
        elif user.org_id != org.id:
            abort(403, "This email belongs to an account of another organisation.")
        before = audit.snapshot(user)
        user.oidc_subject = subject
        s.add(user)
        audit.record(s, None, "user.link_sso", "user", user.id,
                     before={"oidc_subject": before["oidc_subject"]}, after={"oidc_subject": subject})
    return user


def init_app(app: Flask) -> None:
    oauth.init_app(app)
    app.register_blueprint(bp)
