"""The demo market's sign-ins, one per role.

Demo-only: these accounts and passwords exist in the demo data alone (``flask demo load``),
never in a production configuration; ``make run`` prints them so a newcomer can try every
side of the product.
"""
from __future__ import annotations

from typing import NamedTuple


class DemoLogin(NamedTuple):
    role: str
    email: str
    password: str
    org_slug: str


DEMO_LOGINS: dict[str, DemoLogin] = {
    "developer": DemoLogin("developer", "developer@demo.parity.example", "demo-developer-2026", "tessellate-ai"),
    "vendor": DemoLogin("vendor", "vendor@demo.parity.example", "demo-vendor-2026", "lumen-label-works"),
    "auditor": DemoLogin("auditor", "auditor@demo.parity.example", "demo-auditor-2026", "civic-ledger-audit"),
    "operator": DemoLogin("operator", "operator@demo.parity.example", "demo-operator-2026", "parity-demo-operator"),
}
