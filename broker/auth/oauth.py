"""Parity's own OAuth 2.0 authorization server (authlib): client-credentials tokens with
scopes, revocation (RFC 7009), introspection (RFC 7662), and the resource protector that
guards every private API endpoint.
"""
from __future__ import annotations


from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.base import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidScopeError, MissingAuthorizationError
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from flask import Blueprint, Flask, current_app, g, request
from sqlmodel import select

from broker import db
from broker.access import tokens
from broker.access.principal import Principal
from broker.access.roles import ALL_SCOPES
from broker.clock import now
from broker.errors import ApiError
from broker.extensions import csrf, limiter
from broker.models import OAuthClient, OAuthToken
from broker.models.oauth import hash_secret


def _query_client(client_id: str) -> OAuthClient | None:
    client = db.session().exec(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()
    if client is None or client.revoked_at is not None:
        return None
    return client


def _save_token(token: dict, request) -> None:
    client: OAuthClient = request.client
    with db.transaction(db.session()) as s:
        s.add(OAuthToken(
            client_id=client.client_id, org_id=client.org_id,
            access_token_hash=hash_secret(token["access_token"]),
            scope=token.get("scope", ""), issued_at=now(), expires_in=token["expires_in"],
        ))


def _find_token(token_string: str) -> tokens.BearerToken | None:
    return tokens.find(db.session(), token_string)


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Refuses a scope the client was not given, instead of silently dropping it."""

    def validate_token_request(self):
        super().validate_token_request()
        asked = set((self.request.payload.scope or "").split())
        allowed = set(self.request.client.scope.split())
        if asked - allowed:
            raise InvalidScopeError(f"not granted to this client: {' '.join(sorted(asked - allowed))}")


class _TokenLookup:
    def query_token(self, token, token_type_hint):
        row = _find_token(token)
        return row if row is not None and not row.revoked else None


class Revocation(_TokenLookup, RevocationEndpoint):
    def revoke_token(self, token, request):
        with db.transaction(db.session()) as s:
            token = s.get(OAuthToken, token.id)
            token.revoked = True
            s.add(token)


class Introspection(_TokenLookup, IntrospectionEndpoint):
    def check_permission(self, token, client, request):
        # A client may introspect only tokens issued to itself.
        return token.client_id == client.client_id

    def introspect_token(self, token):
        return {
            "active": not token.is_expired() and not token.revoked,
            "client_id": token.client_id,
            "scope": token.scope,
            "token_type": "Bearer",
            "exp": int(token.issued_at.timestamp()) + token.expires_in,
            "iat": int(token.issued_at.timestamp()),
        }


class _Validator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        return _find_token(token_string)


class _Protector(ResourceProtector):
    def raise_error_response(self, error):
        status = error.status_code
        # Keep only the challenge: authlib's own Content-Type would mask problem+json.
        headers = {k: v for k, v in error.get_headers() if k.lower() == "www-authenticate"}
        detail = {
            "missing_authorization": "A bearer token is required (OAuth 2.0 client credentials at /oauth/token).",
            "invalid_token": "The access token is invalid, expired or revoked.",
            "insufficient_scope": "The access token lacks the scope this endpoint needs.",
        }.get(error.error, error.description or error.error)
        raise ApiError(detail, status=status, type_=error.error.replace("_", "-"), headers=headers)


authorization = AuthorizationServer()
require_oauth = _Protector()
require_oauth.register_token_validator(_Validator())

bp = Blueprint("oauth", __name__, url_prefix="/oauth")
csrf.exempt(bp)  # machine-to-machine endpoints authenticate the client, not a browser session


@bp.post("/token")
@limiter.limit("30/minute")
def issue_token():
    return authorization.create_token_response()


@bp.post("/revoke")
def revoke_token():
    return authorization.create_endpoint_response(Revocation.ENDPOINT_NAME)


@bp.post("/introspect")
def introspect_token():
    return authorization.create_endpoint_response(Introspection.ENDPOINT_NAME)


def token_principal(token: tokens.BearerToken) -> Principal:
    org = token.org
    return Principal(org_id=org.id, role=org.kind, scopes=frozenset(token.scope.split()),
                     client_id=token.client_id, name=org.name, org=org)


def bearer(scope: str | None = None, optional: bool = False):
    """Mark an API view as needing a bearer token (with ``scope``).

    The check itself runs in ``authenticate_api_request``, before the request body is
    validated, so an anonymous or under-scoped caller gets 401/403 whatever it sent. With
    ``optional`` an anonymous call goes through (public endpoints that show more to an
    authenticated caller); a present but bad token is still refused.
    """

    def decorator(f):
        f.__parity_auth__ = (scope, optional)
        return f

    return decorator


def authenticate_api_request() -> None:
    view = current_app.view_functions.get(request.endpoint or "")
    rule = getattr(view, "__parity_auth__", None)
    if rule is None:
        return
    scope, optional = rule
    try:
        # authlib's own check (header parsing, the validator, expiry, revocation, scope), given
        # Flask's request as it is: ``acquire_token`` would first wrap it in a JsonRequest
        # whose construction rebuilds the request's URL — a fifth of the check's time on every
        # API call — for a validator that reads only the Authorization header.
        token = require_oauth.validate_request([scope] if scope else None, request)
    except MissingAuthorizationError as err:
        if optional:
            return
        require_oauth.raise_error_response(err)
    except OAuth2Error as err:
        require_oauth.raise_error_response(err)
    g.principal = token_principal(token)


def init_app(app: Flask) -> None:
    app.config.setdefault("OAUTH2_TOKEN_EXPIRES_IN", {"client_credentials": app.config["TOKEN_EXPIRES_IN"]})
    app.config.setdefault("OAUTH2_SCOPES_SUPPORTED", sorted(ALL_SCOPES))
    authorization.init_app(app, query_client=_query_client, save_token=_save_token)
    authorization.register_grant(ClientCredentialsGrant)
    authorization.register_endpoint(Revocation)
    authorization.register_endpoint(Introspection)
    app.register_blueprint(bp)
    app.before_request(authenticate_api_request)
