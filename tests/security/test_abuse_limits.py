"""Abuse limits: rate limits on sign-in, tokens and estimates; the body-size limit; security
headers on every response (pages, API, errors); session cookie flags; account lockout."""
from __future__ import annotations

import pytest

from tests.helpers import auth, csrf_from, login


@pytest.fixture
def limited(app):
    """The same database as ``app``, in an app with rate limiting on (the suite's default
    app turns it off so tests can hammer endpoints)."""
    from broker.app import create_app

    overrides = {k: app.config[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY")}
    limited_app = create_app({**overrides, "TESTING": True, "RATELIMIT_ENABLED": True})
    yield limited_app
    limited_app.extensions["db_engine"].dispose()


def _assert_problem_429(r):
    assert r.status_code == 429
    assert r.mimetype == "application/problem+json" and r.json["status"] == 429
    assert int(r.headers["Retry-After"]) > 0


def test_login_is_rate_limited_per_address(limited, make):
    make.user(make.org(), email="rl@security.example")
    c = limited.test_client()
    codes = [login(c, "rl@security.example", password="wrong password").status_code for _ in range(11)]
    assert codes[:10] == [401] * 10 and codes[10] == 429
    limited_page = login(c, "rl@security.example")
    assert limited_page.status_code == 429 and int(limited_page.headers["Retry-After"]) > 0
    # Reading the form is not limited: people can still see the page and its message.
    assert c.get("/login").status_code == 200


def test_token_endpoint_is_rate_limited_with_a_problem_document(limited, make):
    cid, _ = make.client_credentials(make.org())
    c = limited.test_client()
    codes = [c.post("/oauth/token", data={"grant_type": "client_credentials"},
                    auth=(cid, "not the secret")).status_code for _ in range(31)]
    assert set(codes[:30]) == {401} and codes[30] == 429
    _assert_problem_429(c.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(cid, "x")))


def test_estimates_are_rate_limited_on_the_api_and_the_pages(limited, make, app):
    dev = make.org()
    make.user(dev, email="est@security.example")
    vendor = make.org("vendor")
    from tests.security.world import _offering
    from broker.periods import next_period, period_of
    from broker.clock import now

    with app.app_context():
        _offering(app, vendor, next_period(period_of(now())), now)
    token = make.token(dev)
    c = limited.test_client()
    body = {"task_type": "annotation", "units": 5, "max_unit_price_minor": 2000, "currency": "USD"}
    rid = c.post("/api/v1/requests", json=body, headers=auth(token)).json["id"]
    codes = [c.get(f"/api/v1/requests/{rid}/estimate", headers=auth(token)).status_code for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429
    _assert_problem_429(c.get(f"/api/v1/requests/{rid}/estimate", headers=auth(token)))
    # Other reads of the same caller are not limited by it.
    assert c.get(f"/api/v1/requests/{rid}", headers=auth(token)).status_code == 200

    browser = limited.test_client()
    login(browser, "est@security.example")
    pages = [browser.get(f"/requests/{rid}?estimate=1").status_code for _ in range(21)]
    assert pages[:20] == [200] * 20 and pages[20] == 429
    assert browser.get(f"/requests/{rid}").status_code == 200  # the page without an estimate


def test_a_body_over_the_limit_is_refused_with_413(app, make):
    app.config["MAX_CONTENT_LENGTH"] = 4096
    token = make.token(make.org())
    c = app.test_client()
    big = {"task_type": "annotation", "units": 1, "max_unit_price_minor": 1, "currency": "USD",
           "instructions_ref": "x" * 10_000}
    r = c.post("/api/v1/requests", json=big, headers=auth(token))
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    page = c.post("/login", data={"email": "a@b.example", "password": "y" * 10_000})
    assert page.status_code == 413 and page.mimetype == "text/html"




@pytest.mark.parametrize("method,path,status", [
    ("GET", "/", 200), ("GET", "/catalog", 200), ("GET", "/api/v1/offerings", 200),
    ("GET", "/api/v1/openapi.json", 200), ("GET", "/api/v1/requests", 401), ("GET", "/no-such-page", 404),
    ("GET", "/api/v1/no-such-thing", 404), ("DELETE", "/api/v1/offerings", 405),
    ("POST", "/api/v1/requests", 401), ("GET", "/static/parity.css", 200), ("GET", "/dashboard", 302),
    ("POST", "/oauth/token", 400),
])
def test_security_headers_on_every_kind_of_response(client, method, path, status):
    r = client.open(path, method=method)
    assert r.status_code == status
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in r.headers  # plain HTTP: HSTS would be ignored


def test_security_headers_on_a_server_error(app):
    @app.get("/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    r = app.test_client().get("/boom-for-test")
    assert r.status_code == 500
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_behind_tls_hsts_and_a_secure_session_cookie(app, make):
    make.user(make.org(), email="tls@security.example")
    app.config["SESSION_COOKIE_SECURE"] = True
    c = app.test_client()
    page = c.get("/login", base_url="https://parity.example")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    token = csrf_from(page.get_data(as_text=True))
    # Over HTTPS Flask-WTF also checks the Referer is this site (no cross-site form posts).
    r = c.post("/login", base_url="https://parity.example", headers={"Referer": "https://parity.example/login"},
               data={"email": "tls@security.example", "password": "correct horse battery", "csrf_token": token})
    assert r.status_code == 302
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"secure", "httponly", "samesite=lax"} <= flags


def test_session_cookie_is_httponly_and_samesite_without_tls(client, make):
    make.user(make.org(), email="plain@security.example")
    r = login(client, "plain@security.example")
    cookie = next(v for v in r.headers.getlist("Set-Cookie") if v.startswith("session="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax"} <= flags and "secure" not in flags


def test_lockout_messages_are_clear_and_do_not_reveal_accounts(client, make, clock):
    make.user(make.org(), email="lock@security.example")
    wrong = [login(client, "lock@security.example", password="wrong password").get_data(as_text=True)
             for _ in range(5)]
    assert all("Email or password is wrong." in page for page in wrong)
    unknown = login(client, "nobody@security.example", password="wrong password").get_data(as_text=True)
    assert "Email or password is wrong." in unknown  # same words for an unknown address
    locked = login(client, "lock@security.example")  # the right password, during the lockout
    text = locked.get_data(as_text=True)
    until = (clock() + __import__("datetime").timedelta(minutes=15)).strftime("%H:%M")
    assert locked.status_code == 401 and "locked after 5 failed sign-ins" in text and until in text
    clock.advance(minutes=15, seconds=1)
    assert login(client, "lock@security.example").status_code == 302


def test_a_database_outage_is_a_clean_503_with_retry_after(tmp_path):
    # A real driver against a port where nothing listens: what a restarting PostgreSQL looks
    # like to the app. API and pages both say 503 and when to retry; nothing leaks.
    from broker.app import create_app

    down = create_app({"TESTING": True, "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:9/parity",
                       "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x", "RATELIMIT_ENABLED": False})
    c = down.test_client()
    api = c.get("/api/v1/offerings", headers=auth("some-token"))
    assert api.status_code == 503 and api.mimetype == "application/problem+json"
    assert api.headers["Retry-After"] == "5" and "psycopg" not in api.get_data(as_text=True)
    page = c.get("/catalog")
    assert page.status_code == 503 and page.headers["Retry-After"] == "5" and page.mimetype == "text/html"
    assert c.get("/readyz").status_code == 503


def _limited_behind(app, hops: int):
    from broker.app import create_app

    overrides = {k: app.config[k] for k in ("DATABASE_URL", "INSTANCE_PATH", "SECRET_KEY")}
    return create_app({**overrides, "TESTING": True, "RATELIMIT_ENABLED": True, "PROXY_HOPS": hops})


def _token_attempts(c, cid, forwarded_for: str, n: int) -> list[int]:
    return [c.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=(cid, "not the secret"),
                   headers={"X-Forwarded-For": forwarded_for}).status_code for _ in range(n)]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(app, make):
    """PARITY_PROXY_HOPS=1: the address the proxy reports is the one limited, so one
    abusive client does not lock out everyone else behind the same proxy."""
    cid, _ = make.client_credentials(make.org())
    proxied = _limited_behind(app, 1)
    try:
        c = proxied.test_client()
        assert _token_attempts(c, cid, "203.0.113.7", 31)[-1] == 429
        assert _token_attempts(c, cid, "198.51.100.9", 1) == [401]      # another client: not limited
    finally:
        proxied.extensions["db_engine"].dispose()


def test_without_trusted_proxies_forwarded_headers_are_ignored(limited, make):
    """The default (0 hops): a client cannot dodge its limit by inventing X-Forwarded-For."""
    cid, _ = make.client_credentials(make.org())
    c = limited.test_client()
    codes = [_token_attempts(c, cid, f"192.0.2.{i}", 1)[0] for i in range(31)]
    assert codes[-1] == 429


def test_proxy_hops_must_be_a_small_whole_number(monkeypatch):
    from broker import config

    monkeypatch.setenv("PARITY_PROXY_HOPS", "many")
    with pytest.raises(ValueError, match="PARITY_PROXY_HOPS"):
        config.load({"INSTANCE_PATH": "/tmp/parity-proxy-hops-test"})
