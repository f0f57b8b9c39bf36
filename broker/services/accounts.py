"""Organisations, people and API clients: creating them is an operator's act."""
from __future__ import annotations

import re
import secrets

from sqlmodel import Session, select

from broker.access.passwords import MIN_LENGTH, hash_password
from broker.access.principal import Principal
from broker.access.roles import ROLE_SCOPES
from broker.errors import ApiError
from broker.models import OAuthClient, Org, OrgKind, OrgStatus, User
from broker.models.oauth import hash_secret
from broker import audit

_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-")[:80] or "org"


def create_org(s: Session, actor: Principal | None, *, name: str, kind: OrgKind,
               headcount: int | None = None, status: OrgStatus = OrgStatus.approved,
               slug: str | None = None) -> Org:
    slug = slug or slugify(name)
    if s.exec(select(Org).where(Org.slug == slug)).first():
        raise ApiError(f"An organisation with slug '{slug}' exists already.", status=409,
                       type_="conflict")
    org = Org(name=name, slug=slug, kind=kind, headcount=headcount, status=status)
    s.add(org)
    s.flush()
    audit.record(s, actor, "org.create", "org", org.id, after=audit.snapshot(org))
    return org


def create_user(s: Session, actor: Principal | None, *, org: Org, email: str, password: str | None,
                name: str = "") -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise ApiError("email: not an email address.", status=422, type_="validation")
    if password is not None and len(password) < MIN_LENGTH:
        raise ApiError(f"password: must be at least {MIN_LENGTH} characters.", status=422,
                       type_="validation")
    if s.exec(select(User).where(User.email == email)).first():
        raise ApiError(f"A user with email {email} exists already.", status=409, type_="conflict")
    user = User(email=email, name=name, org_id=org.id, role=org.kind,
                password_hash=hash_password(password) if password else None)
    s.add(user)
    s.flush()
    after = audit.snapshot(user)
    after.pop("password_hash", None)
    audit.record(s, actor, "user.create", "user", user.id, after=after)
    return user


def create_client(s: Session, actor: Principal | None, *, org: Org, name: str,
                  scopes: list[str] | None = None) -> tuple[OAuthClient, str]:
    """Returns the client and its secret; the secret is shown once and stored only hashed."""
    allowed = ROLE_SCOPES[org.kind]
    scopes = sorted(set(scopes)) if scopes else sorted(allowed)
    refused = [x for x in scopes if x not in allowed]
    if refused:
        raise ApiError(f"scope: {', '.join(refused)} not available to a {org.kind.value} org.",
                       status=422, type_="validation")
    secret = secrets.token_urlsafe(32)
    client = OAuthClient(client_id="pc_" + secrets.token_hex(12), client_secret_hash=hash_secret(secret),
                         name=name, org_id=org.id, scope=" ".join(scopes))
    s.add(client)
    s.flush()
    after = audit.snapshot(client)
    after.pop("client_secret_hash", None)
    audit.record(s, actor, "client.create", "oauth_client", client.client_id, after=after)
    return client, secret


def approved_orgs(s: Session, *, kind: OrgKind | None = None, after_id: int | None = None,
                  limit: int = 50) -> list[Org]:
    """The public directory: approved orgs in id order, after ``after_id``."""
    stmt = select(Org).where(Org.status == OrgStatus.approved).order_by(Org.id)
    if kind:
        stmt = stmt.where(Org.kind == kind)
    if after_id:
        stmt = stmt.where(Org.id > after_id)
    return list(s.exec(stmt.limit(limit)))
