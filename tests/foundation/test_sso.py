"""OpenID Connect single sign-on against a local provider started by the test."""
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from broker import db
from broker.models import Org
from tests.foundation.oidc_provider import OIDCProvider


def configure(app, provider):
    app.config.update(OIDC_ISSUER=provider.issuer, OIDC_CLIENT_ID=provider.client_id,
                      OIDC_CLIENT_SECRET=provider.client_secret)


def set_domain(app, org, domain):
    with app.app_context():
        s = db.session()
        with db.transaction(s):
            row = s.get(Org, org.id)
            row.sso_domain = domain
            s.add(row)


def start(client, email):
    r = client.get("/sso/login", query_string={"email": email})
    assert r.status_code == 302, r.get_data(as_text=True)
    params = parse_qs(urlparse(r.headers["Location"]).query)
    assert {"state", "nonce", "code_challenge"} <= params.keys()
    assert params["code_challenge_method"] == ["S256"]
    # The browser follows the redirect to the provider, which redirects back with a code.
    back = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)
    return urlparse(back.headers["Location"])


@pytest.fixture
def acme(make, app):
    org = make.org(name="Acme AI")
    set_domain(app, org, "acme.test")
    return org


def test_sso_signs_in_and_maps_the_domain_to_the_org(app, client, acme):
    with OIDCProvider(email="lee@acme.test") as provider:
        configure(app, provider)
        cb = start(client, "lee@acme.test")
        r = client.get(cb.path + "?" + cb.query)
        assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
        page = client.get("/dashboard").get_data(as_text=True)
    assert "Acme AI" in page and "lee@acme.test" in page


def test_forged_state_is_rejected(app, client, acme):
    with OIDCProvider(email="lee@acme.test") as provider:
        configure(app, provider)
        cb = start(client, "lee@acme.test")
        q = parse_qs(cb.query)
        r = client.get(cb.path, query_string={"code": q["code"][0], "state": "forged-state"})
    assert r.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_unverified_email_is_refused(app, client, acme):
    with OIDCProvider(email="lee@acme.test", email_verified=False) as provider:
        configure(app, provider)
        cb = start(client, "lee@acme.test")
        assert client.get(cb.path + "?" + cb.query).status_code == 403


def test_email_of_another_domain_is_refused(app, client, acme):
    # The provider vouches for an address outside the org's domain.
    with OIDCProvider(email="mallory@evil.test") as provider:
        configure(app, provider)
        cb = start(client, "lee@acme.test")
        assert client.get(cb.path + "?" + cb.query).status_code == 403


def test_unknown_domain_falls_back_to_password_login(app, client, acme):
    r = client.get("/sso/login", query_string={"email": "x@unknown.test"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/login")
