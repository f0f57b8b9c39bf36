"""`make screenshots`: each role's main pages at 390 and 1280 px, saved under screenshots/.

Builds a fresh SQLite database with the demo market in a temporary folder, serves it on a free
127.0.0.1 port, signs in as each demo account in Debian's Chromium and saves full-page PNGs:
``screenshots/<role>/<page>-<width>.png``. Prints one line per page. Options:
``--out DIR`` (default screenshots), ``--roles developer,vendor`` (default all),
``--pages /catalog,/admin`` (only these paths), ``--widths 390,1280``.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import walk  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

# Each role's main pages (paths; "{name}" is filled from walk.demo_ids for that role).
MAIN_PAGES: dict[str | None, list[str]] = {
    None: ["/", "/apply", "/catalog", "/catalog/offerings/{offering_id}", "/vendors", "/vendors/{vendor_id}",
           "/policy", "/reports", "/login"],
    "developer": ["/dashboard", "/requests", "/requests/new", "/requests/{request_id}", "/requests/quota",
                  "/orders", "/orders/{order_id}", "/payments", "/payments/invoices", "/payments/ledger", "/catalog"],
    "vendor": ["/dashboard", "/vendor", "/vendor/profile", "/vendor/disclosure", "/orders", "/orders/{order_id}",
               "/payments", "/payments/ledger", "/vendor/connection"],
    "auditor": ["/dashboard", "/reports", "/reports/{report_id}", "/audit/vendors/{vendor_id}", "/log/"],
    "operator": ["/admin", "/admin/rounds", "/admin/applications", "/admin/requests", "/admin/orders", "/orders",
                 "/admin/orgs", "/payments", "/payments/ledger", "/admin/providers"],
}


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "screenshots"))
    ap.add_argument("--roles", default="signed-out,developer,vendor,auditor,operator")
    ap.add_argument("--pages", default="")
    ap.add_argument("--widths", default="390,1280")
    args = ap.parse_args(argv)
    roles = [None if r == "signed-out" else r for r in args.roles.split(",") if r]
    only = {p for p in args.pages.split(",") if p}
    widths = [int(w) for w in args.widths.split(",")]
    out = Path(args.out)
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="parity-shots-") as tmp:
        tmp = Path(tmp)
        print("building the demo market in a temporary database …", flush=True)
        walk.build_demo_database(tmp / "parity.sqlite3", tmp / "instance")
        with walk.serve(tmp / "parity.sqlite3", tmp / "instance") as (base, app), sync_playwright() as pw:
            ids = walk.demo_ids(app)
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            saved = 0
            for role in roles:
                folder = out / (role or "signed-out")
                folder.mkdir(parents=True, exist_ok=True)
                context = browser.new_context(base_url=base, viewport={"width": widths[0], "height": 900})
                page = context.new_page()
                if role:
                    walk.login(page, role)
                for template in MAIN_PAGES[role]:
                    try:
                        path = template.format(**ids.get(role, {}))
                    except KeyError as e:
                        print(f"{role or 'signed out'} {template}: skipped (no demo id for {e})", flush=True)
                        continue
                    if only and path not in only and template not in only:
                        continue
                    for width in widths:
                        page.set_viewport_size({"width": width, "height": 900})
                        resp = page.goto(path)
                        target = folder / f"{_name(template)}-{width}.png"
                        page.screenshot(path=str(target), full_page=True)
                        saved += 1
                        status = resp.status if resp else "?"
                        print(f"{role or 'signed out':>10} {width:>4}px {path} → {target.relative_to(out.parent) if out.is_absolute() else target} "
                              f"(HTTP {status})", flush=True)
                context.close()
            browser.close()
    print(f"{saved} screenshots in {out} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
