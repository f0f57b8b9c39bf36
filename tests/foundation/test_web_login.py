"""Signing in and out of the web pages: CSRF, wrong passwords, lockout, redirects."""
from tests.helpers import csrf_from, login


def test_login_then_dashboard_then_logout(make, client):
    org = make.org(name="Acme Research")
    user = make.user(org, email="ana@acme.test")
    r = login(client, "ana@acme.test")
    assert r.status_code == 302 and r.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard")
    assert page.status_code == 200 and "Acme Research" in page.get_data(as_text=True)
    token = csrf_from(page.get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/dashboard").status_code == 302
    assert user.password_hash.startswith("scrypt:")


def test_csrf_token_is_enforced_on_forms(make, client):
    org = make.org()
    make.user(org, email="bo@x.test")
    r = client.post("/login", data={"email": "bo@x.test", "password": "correct horse battery"})
    assert r.status_code == 400
    assert client.get("/dashboard").status_code == 302  # not signed in
    login(client, "bo@x.test")
    assert client.post("/logout").status_code == 400  # logout without the token is refused
    assert client.get("/dashboard").status_code == 200


def test_wrong_password_and_lockout_after_five_failures(make, client, clock):
    org = make.org()
    make.user(org, email="cy@x.test")
    for _ in range(5):
        r = login(client, "cy@x.test", password="wrong password!!")
        assert r.status_code == 401
    r = login(client, "cy@x.test")  # the right password, but locked
    assert r.status_code == 401 and "locked" in r.get_data(as_text=True)
    clock.advance(minutes=16)
    assert login(client, "cy@x.test").status_code == 302


def test_unknown_email_gives_the_same_message(client):
    r = login(client, "nobody@x.test")
    assert r.status_code == 401 and "Email or password is wrong" in r.get_data(as_text=True)


def test_next_parameter_is_never_an_open_redirect(make, client):
    org = make.org()
    make.user(org, email="di@x.test")
    page = client.get("/login?next=//evil.example/x")
    token = csrf_from(page.get_data(as_text=True))
    r = client.post("/login?next=//evil.example/x",
                    data={"email": "di@x.test", "password": "correct horse battery", "csrf_token": token})
    assert r.headers["Location"].endswith("/dashboard")


def test_security_headers_and_cookie_flags(make, client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src" not in csp.replace("default-src 'self'", "")
    org = make.org()
    make.user(org, email="ed@x.test")
    r = login(client, "ed@x.test")
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
