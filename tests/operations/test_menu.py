"""The main menu per role: only that role's pages, grouped, each page once."""
from __future__ import annotations

import re

import pytest

from broker.web.menu import MENUS, menu_for
from tests.helpers import login


def _menu(html: str) -> list[str]:
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]+)"', nav)


@pytest.mark.parametrize("role", ["developer", "vendor", "auditor", "operator"])
def test_each_role_sees_only_its_pages_once(client, make, role):
    org = make.org(role)
    user = make.user(org)
    assert login(client, user.email).status_code == 302
    links = _menu(client.get("/dashboard").get_data(as_text=True))
    assert len(links) == len(set(links)), f"a page is named twice in the {role} menu: {links}"
    if role != "vendor":
        assert "/vendor" not in links and "/vendor/connection" not in links
    if role != "operator":
        assert not any(x.startswith("/admin") for x in links)
    if role == "developer":
        assert "/orders" in links and "/requests" in links and "/payments" in links
    if role == "operator":
        assert "/admin" in links and "/admin/providers" in links
        assert "/requests" not in links  # the operator's lists live under /admin
    assert "/login" not in links


def test_signed_out_menu_offers_the_catalog_and_applying(client):
    html = client.get("/").get_data(as_text=True)
    links = _menu(html)
    assert "/catalog" in links and "/dashboard" not in links
    assert 'href="/login"' in html


def test_menu_skips_unregistered_pages_and_names_each_page_once():
    groups = menu_for("operator", {"admin.index", "catalog.index", "payments.index"},
                      [("payments.index", "Payouts", None), ("extra.page", "Extra", "operator")])
    flat = [e for _, links in groups for e, _ in links]
    assert flat == ["admin.index", "payments.index", "catalog.index"]
    for role, groups in MENUS.items():
        endpoints = [e for _, links in groups for e, _ in links]
        assert len(endpoints) == len(set(endpoints)), role
