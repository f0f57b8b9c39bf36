"""A small OpenID provider for tests: discovery, JWKS, authorize (auto-consent), token.

Signs RS256 id_tokens with a key made per run; enforces PKCE S256 and echoes the nonce.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.helpers import Serving


class OIDCProvider(Serving):
    def __init__(self, email: str, email_verified: bool = True, client_id: str = "parity-test",
                 client_secret: str = "provider-secret"):
        self.email, self.email_verified = email, email_verified
        self.client_id, self.client_secret = client_id, client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key"})
        self.codes: dict[str, dict] = {}
        self.server = make_server("127.0.0.1", 0, self.wsgi)
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        super().__init__()

    def wsgi(self, environ, start_response):
        req = Request(environ)
        handler = {
            "/.well-known/openid-configuration": self.discovery,
            "/jwks": self.jwks,
            "/authorize": self.authorize,
            "/token": self.token,
        }.get(req.path)
        resp = handler(req) if handler else Response("not found", 404)
        return resp(environ, start_response)

    def discovery(self, req):
        return _json({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    def jwks(self, req):
        return _json({"keys": [self.key.as_dict(private=False)]})

    def authorize(self, req):
        a = req.args
        assert a["client_id"] == self.client_id and a["code_challenge_method"] == "S256"
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": a.get("nonce"), "challenge": a["code_challenge"],
                            "redirect_uri": a["redirect_uri"]}
        return Response(status=302, headers={
            "Location": a["redirect_uri"] + "?" + urlencode({"code": code, "state": a["state"]})})

    def token(self, req):
        f = req.form
        grant = self.codes.pop(f.get("code", ""), None)
        if grant is None:
            return _json({"error": "invalid_grant"}, 400)
        verifier = f.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if digest != grant["challenge"]:
            return _json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims = {"iss": self.issuer, "sub": "user-123", "aud": self.client_id, "iat": now,
                  "exp": now + 300, "nonce": grant["nonce"], "email": self.email,
                  "email_verified": self.email_verified, "name": "Sso Person"}
        id_token = jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, self.key)
        return _json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                      "expires_in": 300, "id_token": id_token})


def _json(data, status=200):
    import json

    return Response(json.dumps(data), status=status, mimetype="application/json")
