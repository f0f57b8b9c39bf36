"""The main menu, one per role: only that role's pages, in named groups, one name per page.

``MENUS[role]`` lists ``(group, [(endpoint, label), ...])``; ``None`` is a signed-out visitor.
An endpoint that is not registered (a part of the app not installed) is left out. Pages that
add themselves with the older ``broker.web.NAV.append((endpoint, label, role))`` still appear:
in that role's last group when the role's menu does not name them already.
"""
from __future__ import annotations

Group = tuple[str, list[tuple[str, str]]]

PUBLIC: Group = ("Market", [("catalog.index", "Catalog"), ("catalog.vendor_directory", "Vendors"),
                            ("policy.index", "Policy"), ("reports.index", "Reports"), ("audit.landing", "Audit")])

MENUS: dict[str | None, list[Group]] = {
    None: [PUBLIC, ("Join", [("onboarding.apply", "Apply"), ("api_docs.docs", "API")])],
    "developer": [("Your work", [("web.dashboard", "Dashboard"), ("requests.index", "Requests"),
                                 ("orders.index", "Orders"), ("payments.index", "Payments"),
                                 ("labor.index", "Labor disclosure"), ("mail.email_choices", "Email")]),
                  ("Market", [("catalog.index", "Catalog"), ("policy.index", "Policy"),
                              ("reports.index", "Reports")])],
    "vendor": [("Your work", [("web.dashboard", "Dashboard"), ("vendor.home", "Listings"),
                              ("orders.index", "Orders"), ("payments.index", "Payouts"),
                              ("providers.vendor", "Connection"), ("mail.email_choices", "Email")]),
               ("Market", [("catalog.index", "Catalog"), ("policy.index", "Policy"),
                           ("reports.index", "Reports")])],
    "auditor": [("Audit", [("audit.landing", "Start here"), ("web.dashboard", "Dashboard"),
                           ("reports.index", "Reports"), ("audit.developers", "Developer records"),
                           ("tlog.index", "Transparency log"), ("mail.email_choices", "Email alerts")]),
                ("Market", [("catalog.index", "Catalog"), ("catalog.vendor_directory", "Vendors"),
                            ("policy.index", "Policy")])],
    "operator": [("Operate", [("admin.index", "Overview"), ("admin.rounds", "Rounds"),
                              ("admin.applications", "Applications"), ("admin.requests", "Requests"),
                              ("admin.orders", "Orders"), ("admin.orgs", "Orgs"),
                              ("payments.index", "Payments"), ("providers.operator", "Vendor systems"),
                              ("mail.outbox_index", "Outbox")]),
                 ("Public", [("catalog.index", "Catalog"), ("policy.index", "Policy"),
                             ("reports.index", "Reports")])],
}


def menu_for(role: str | None, registered, extra: list[tuple[str, str, str | None]] = ()) -> list[Group]:
    """The groups ``role`` sees: registered endpoints only, each page once."""
    seen: set[str] = set()
    groups: list[Group] = []
    for name, links in MENUS.get(role, MENUS[None]):
        kept = []
        for endpoint, label in links:
            if endpoint in registered and endpoint not in seen:
                seen.add(endpoint)
                kept.append((endpoint, label))
        if kept:
            groups.append((name, kept))
    added = []
    for e, label, r in extra:
        if (r is None or r == role) and e in registered and e not in seen:
            seen.add(e)
            added.append((e, label))
    if added and groups:
        groups[-1] = (groups[-1][0], groups[-1][1] + added)
    return groups
