"""OAuth 2.0 clients and the tokens Parity issues to them (client-credentials grant).

Secrets and tokens are stored as SHA-256 hashes: a leaked database yields no credential.
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlmodel import Field, SQLModel

from broker.clock import now
from broker.models.types import UTCDateTime
from broker.models.base import created_at_field, utc_field


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class OAuthClient(SQLModel, table=True):
    __tablename__ = "oauth_client"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(max_length=64, unique=True)
    client_secret_hash: str = Field(max_length=64)
    name: str = Field(max_length=200)
    org_id: int = Field(foreign_key="org.id", index=True)
    scope: str = Field(max_length=500)  # space-separated scopes it may ask for
    created_at: datetime = created_at_field()
    revoked_at: datetime | None = utc_field()

    # --- authlib ClientMixin interface -------------------------------------------------
    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self):
        return None

    def get_allowed_scope(self, scope: str) -> str:
        if not scope:
            return self.scope
        allowed = set(self.scope.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.revoked_at is None and hmac.compare_digest(
            self.client_secret_hash, hash_secret(client_secret)
        )

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"


class TokenRules:
    """authlib's TokenMixin over the fields client_id, scope, issued_at, expires_in and
    revoked: the one place that says when a token is expired or revoked. Shared by the
    stored row and the plain value the request path reads (``broker.access.tokens``)."""

    def get_client_id(self) -> str:
        return self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return now() >= self.issued_at + timedelta(seconds=self.expires_in)

    def is_revoked(self) -> bool:
        return self.revoked

    def check_client(self, client) -> bool:
        return client.client_id == self.client_id


class OAuthToken(TokenRules, SQLModel, table=True):
    __tablename__ = "oauth_token"
    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(foreign_key="oauth_client.client_id", index=True)
    org_id: int = Field(foreign_key="org.id")
    access_token_hash: str = Field(max_length=64, unique=True)
    scope: str = Field(max_length=500)
    issued_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    expires_in: int
    revoked: bool = False
