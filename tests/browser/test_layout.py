"""Every page route × every role that may see it × 390 and 1280 px, in one browser.

For each page (``walk.page_rules``: every GET route of ``app.url_map`` that renders HTML, its
path parameters filled with real ids of the demo market) and each role (signed out, developer,
vendor, auditor, operator) that gets it as a 200 HTML page, at 390 and at 1280 px:

- the document is no wider than the window (``scrollWidth <= clientWidth``), at 768 px too;
- no unformatted minor-unit price appears (``walk.MINOR_UNITS_JS`` says precisely what counts);
- axe-core (npm, ``scripts/ensure-axe``; injected into the page by Playwright) reports no
  serious or critical violation.

And at 1280 px no table of the catalog or the operator's pages scrolls inside its box (the
catalog table shows its last column). All failures are collected and reported together. One browser and one server;
each role has one context and one page, reused for every route and both widths.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser import walk
from tests.browser.conftest import CHROMIUM

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
WIDTHS = (390, 1280)
OVERFLOW_ONLY = 768  # checked for overflow only (the third width)
# Pages whose tables must show every column at 1280 px without scrolling (elsewhere, a wide
# data table, such as a report's, may scroll inside its own box).
FIT_AT_1280 = ("/catalog", "/admin")
TABLES_FIT_JS = """() => [...document.querySelectorAll('main table')].filter(t => {
  const box = t.parentElement; return box.scrollWidth > box.clientWidth + 1; }).map(t =>
  (t.closest('[aria-label]') || t).getAttribute('aria-label') || (t.querySelector('th') || t).innerText.slice(0, 40))"""


def _axe_source() -> str:
    path = ROOT / "tools/axe/node_modules/axe-core/axe.min.js"
    if not path.exists():
        subprocess.run([str(ROOT / "scripts/ensure-axe")], check=False, capture_output=True, timeout=300)
    if not path.exists():
        pytest.fail("axe-core is not installed and scripts/ensure-axe could not install it (npm)")
    return path.read_text()


@pytest.fixture(scope="module")
def site(_browser_templates, tmp_path_factory):
    folder = tmp_path_factory.mktemp("layout")
    db_path = walk.copy_database(_browser_templates(True), folder / "parity.sqlite3")
    with walk.serve(db_path, folder / "instance") as (url, app):
        yield url, app


def test_every_page_fits_formats_money_and_passes_axe(site, browser):
    if not os.path.exists(CHROMIUM):
        pytest.skip("no chromium")
    started = time.monotonic()
    base, app = site
    axe = _axe_source()
    ids = walk.demo_ids(app)
    rules = walk.page_rules(app)
    failures: list[str] = []
    seen_by: dict[str, list[str]] = {r.rule: [] for r in rules}
    checked = 0
    spent = {"load": 0.0, "checks": 0.0, "axe": 0.0}
    for role in walk.ROLES:
        context = browser.new_context(base_url=base, viewport={"width": WIDTHS[0], "height": 900})
        context.set_default_timeout(15_000)
        context.add_init_script(axe)  # in every page, past its Content-Security-Policy
        page = context.new_page()
        if role:
            walk.login(page, role)
        urls = []
        for rule in rules:
            url = walk.url_of(rule, ids.get(role, {}))
            if url is not None:
                urls.append((rule, url))
        for rule, url in urls:
            # One load per page: checked at 390 px, then resized to 768 and 1280 px (the pages are
            # server-rendered; nothing depends on the width but CSS and parity.js, re-run here).
            page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            t0 = time.monotonic()
            resp = page.goto(url, wait_until="domcontentloaded")
            spent["load"] += time.monotonic() - t0
            final = page.url.removeprefix(base)
            ctype = resp.headers.get("content-type", "") if resp else ""
            if resp is None or resp.status != 200 or final.split("?")[0] != url or "text/html" not in ctype:
                continue  # not this role's page (login redirect, 403, 404)
            seen_by[rule.rule].append(role or "signed out")
            t0 = time.monotonic()
            minor = page.evaluate(walk.MINOR_UNITS_JS)
            if minor:
                failures.append(f"{url} as {role or 'signed out'}: unformatted minor-unit price: {minor}")
            spent["checks"] += time.monotonic() - t0
            for width in (WIDTHS[0], OVERFLOW_ONLY, WIDTHS[1]):
                where = f"{url} as {role or 'signed out'} at {width}px"
                t0 = time.monotonic()
                if width != WIDTHS[0]:
                    page.set_viewport_size({"width": width, "height": 900})
                    page.evaluate("() => window.parityMarkScroll && window.parityMarkScroll()")
                size = page.evaluate(walk.OVERFLOW_JS)
                if size["width"] > size["window"]:
                    failures.append(f"{where}: document {size['width']}px wide in a {size['window']}px window "
                                    f"({', '.join(size['culprits'])})")
                if width == 1280 and url.startswith(FIT_AT_1280):
                    scrolled = page.evaluate(TABLES_FIT_JS)
                    if scrolled:
                        failures.append(f"{where}: table scrolls sideways at 1280px: {scrolled}")
                spent["checks"] += time.monotonic() - t0
                if width == OVERFLOW_ONLY:
                    continue
                checked += 1
                t1 = time.monotonic()
                violations = page.evaluate(walk.AXE_RUN_JS)
                spent["axe"] += time.monotonic() - t1
                failures.extend(f"{where}: axe {v}" for v in violations)
        context.close()
    unseen = [r for r, roles in seen_by.items() if not roles]
    missing = [r.rule for r in rules if not any(walk.url_of(r, ids.get(role, {})) for role in walk.ROLES)]
    elapsed = time.monotonic() - started
    print(f"\nlayout: {checked} page views ({len(rules)} routes × roles × {len(WIDTHS)} widths) in {elapsed:.1f} s")
    if missing:
        failures.append(f"page routes with no demo id to open them (add to walk.demo_ids): {missing}")
    if unseen:
        failures.append(f"page routes no role could open as a 200 HTML page: {unseen}")
    print(f"time: loading pages {spent['load']:.1f} s, overflow and money checks {spent['checks']:.1f} s, "
          f"axe {spent['axe']:.1f} s")
    assert not failures, f"{len(failures)} layout failures:\n" + "\n".join(failures)


def test_the_price_detector_flags_minor_units_and_passes_formatted_money(browser):
    """The detector used above, on pages made to show the issue's defects and their fixes."""
    page = browser.new_page()
    try:
        page.set_content("""<main><table><thead><tr><th>Offering</th><th>Unit price</th><th>Units</th></tr></thead>
            <tbody><tr><td>Ranking</td><td>240</td><td>900</td></tr></tbody></table>
            <dl><dt>Amount due</dt><dd>1200</dd></dl><p>Unit price 240</p></main>""")
        found = page.evaluate(walk.MINOR_UNITS_JS)
        assert found == ["Unit price: 240", "Amount due: 1200", "price 240"], found
        page.set_content("""<main><table><thead><tr><th>Offering</th><th>Unit price</th><th>Units</th></tr></thead>
            <tbody><tr><td>Ranking</td><td>USD 2.40</td><td>900</td></tr><tr><td>Tokyo</td><td>240 JPY</td><td>3</td></tr>
            </tbody></table><dl><dt>Amount due</dt><dd>12.00 USD</dd></dl>
            <p>Unit price 2.40 USD. A price 5 % above the floor; total 3,000 units.</p></main>""")
        assert page.evaluate(walk.MINOR_UNITS_JS) == []
    finally:
        page.close()
