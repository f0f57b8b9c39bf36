"""Helpers for tests: bearer headers, CSRF tokens, signing in, issuing tokens."""
from __future__ import annotations

import base64
import re
import threading


def issue_token(test_client, client_id, secret, scope=None) -> str:
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    r = test_client.post("/oauth/token", data=data, headers={"Authorization": f"Basic {basic}"})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.json["access_token"]


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def csrf_from(html: str) -> str:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert m, "page has no CSRF token"
    return m.group(1)


def login(test_client, email, password="correct horse battery"):
    page = test_client.get("/login")
    token = csrf_from(page.get_data(as_text=True))
    return test_client.post("/login", data={"email": email, "password": password, "csrf_token": token})


class Serving:
    """A test server on 127.0.0.1, served by a thread while a ``with`` block lasts.
    Subclasses set ``self.server`` (a socketserver) and call ``super().__init__()``."""

    server = None

    def __init__(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
