"""OAuth 2.0 client credentials: scopes, expiry, revocation, introspection."""
import base64

from tests.helpers import auth, issue_token


def basic(cid, secret):
    return {"Authorization": "Basic " + base64.b64encode(f"{cid}:{secret}".encode()).decode()}


def test_token_without_the_right_scope_gets_403(make, client):
    operator = make.org(kind="operator")
    token = make.token(operator, scopes=["reports:read"])
    r = client.post("/api/v1/orgs", json={"name": "New Dev", "kind": "developer"}, headers=auth(token))
    assert r.status_code == 403
    assert r.mimetype == "application/problem+json"
    assert "scope" in r.json["detail"]


def test_scope_is_down_scoped_on_request_and_refused_beyond_the_client(make, client):
    operator = make.org(kind="operator")
    cid, secret = make.client_credentials(operator, scopes=["admin", "reports:read"])
    narrow = issue_token(client, cid, secret, scope="reports:read")
    assert client.get("/api/v1/me", headers=auth(narrow)).json["scopes"] == ["reports:read"]
    assert client.post("/api/v1/orgs", json={"name": "X Y", "kind": "developer"},
                       headers=auth(narrow)).status_code == 403
    r = client.post("/oauth/token", data={"grant_type": "client_credentials", "scope": "requests:write"},
                    headers=basic(cid, secret))
    assert r.status_code == 400 and r.json["error"] == "invalid_scope"


def test_client_of_a_role_cannot_be_given_another_roles_scope(make, app):
    from broker import db
    from broker.errors import ApiError
    from broker.services import accounts
    import pytest

    dev = make.org(kind="developer")
    with app.app_context(), pytest.raises(ApiError) as e:
        with db.transaction(db.session()) as s:
            accounts.create_client(s, None, org=dev, name="x", scopes=["admin"])
    assert "admin" in e.value.detail


def test_expired_token_gets_401(make, client, clock):
    dev = make.org()
    token = make.token(dev)
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    clock.advance(seconds=3601)
    r = client.get("/api/v1/me", headers=auth(token))
    assert r.status_code == 401
    assert "expired" in r.json["detail"]
    assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_gets_401_and_introspection_says_inactive(make, client):
    dev = make.org()
    cid, secret = make.client_credentials(dev)
    token = issue_token(client, cid, secret)
    intro = client.post("/oauth/introspect", data={"token": token}, headers=basic(cid, secret))
    assert intro.json["active"] is True
    r = client.post("/oauth/revoke", data={"token": token}, headers=basic(cid, secret))
    assert r.status_code == 200
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    intro = client.post("/oauth/introspect", data={"token": token}, headers=basic(cid, secret))
    assert intro.json["active"] is False


def test_revoked_client_cannot_get_tokens_and_its_tokens_stop_working(make, client, runner):
    dev = make.org()
    cid, secret = make.client_credentials(dev)
    token = issue_token(client, cid, secret)
    result = runner.invoke(args=["clients", "revoke", cid])
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(cid, secret))
    assert r.status_code == 401


def test_wrong_secret_and_forbidden_grants(make, client):
    dev = make.org()
    cid, _ = make.client_credentials(dev)
    r = client.post("/oauth/token", data={"grant_type": "client_credentials"}, headers=basic(cid, "nope"))
    assert r.status_code == 401
    r = client.post("/oauth/token", data={"grant_type": "password", "username": "a", "password": "b"},
                    headers=basic(cid, "nope"))
    assert r.status_code in (400, 401)


def test_secrets_and_tokens_are_stored_hashed(make, client, app):
    from sqlmodel import select

    from broker import db
    from broker.models import OAuthClient, OAuthToken

    dev = make.org()
    cid, secret = make.client_credentials(dev)
    token = issue_token(client, cid, secret)
    with app.app_context():
        s = db.session()
        stored_client = s.exec(select(OAuthClient).where(OAuthClient.client_id == cid)).one()
        stored_tokens = s.exec(select(OAuthToken)).all()
    assert secret not in stored_client.client_secret_hash
    assert all(token != t.access_token_hash for t in stored_tokens)
