"""Every page route × every role that may see it × 390 and 1280 px, in one browser.

For each page (``walk.page_rules``: every GET route of ``app.url_map`` that renders HTML, its
path parameters filled with real ids of the demo market) and each role (signed out, developer,
vendor, auditor, operator) that gets it as a 200 HTML page, at 390 and at 1280 px:

- the document is no wider than the window (``scrollWidth <= clientWidth``), at 768 px too;
- no unformatted minor-unit price appears (``walk.MINOR_UNITS_JS`` says precisely what counts);
- axe-core (npm, ``scripts/ensure-axe``; evaluated in the page by Playwright) reports no
  serious or critical violation (the rules that can report nothing worse than moderate are not
  run: ``walk.AXE_RUN_JS``; ``test_axe_without_its_mild_rules_reports_the_same`` checks it).

And at 1280 px no table of the catalog or the operator's pages scrolls inside its box (the
catalog table shows its last column). One test per role, so that the roles can run in
different processes (``scripts/test`` spreads the browser tests over two); each collects its
failures and reports them together. A role has one context and one page, reused for every
route and every width. A last test, without a browser, checks that every page route is opened
as a 200 HTML page by at least one role and has demo ids to open it with.
"""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser import walk
from tests.browser.conftest import CHROMIUM
from tests.helpers import login

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
    """One server over a copy of the demo market, and the ids each role opens pages with (made
    once: ``walk.demo_ids`` writes an invoice and an email)."""
    folder = tmp_path_factory.mktemp("layout")
    db_path = walk.copy_database(_browser_templates(True), folder / "parity.sqlite3")
    with walk.serve(db_path, folder / "instance") as (url, app):
        yield url, app, walk.demo_ids(app), walk.page_rules(app)


def _urls(rules, ids: dict[str, int]) -> list[tuple[object, str]]:
    return [(rule, url) for rule in rules if (url := walk.url_of(rule, ids)) is not None]


def _is_page(resp, final_path: str, url: str) -> bool:
    """A 200 HTML page at the address asked for (not a login redirect, a 403 or a 404)."""
    ctype = resp.headers.get("content-type", "") if resp else ""
    return resp is not None and resp.status == 200 and final_path.split("?")[0] == url and "text/html" in ctype


@pytest.mark.parametrize("role", walk.ROLES, ids=lambda r: r or "signed-out")
def test_every_page_fits_formats_money_and_passes_axe(site, browser, role):
    if not os.path.exists(CHROMIUM):
        pytest.skip("no chromium")
    started = time.monotonic()
    base, app, ids, rules = site
    who = role or "signed out"
    failures: list[str] = []
    checked = seen = 0
    spent = {"load": 0.0, "checks": 0.0, "axe": 0.0}
    context = browser.new_context(base_url=base, viewport={"width": WIDTHS[0], "height": 900})
    context.set_default_timeout(15_000)
    axe_source = _axe_source()
    page = context.new_page()
    if role:
        walk.login(page, role)
    urls = _urls(rules, ids.get(role, {}))
    for rule, url in urls:
        # One load per page: checked at 390 px, then resized to 768 and 1280 px (the pages are
        # server-rendered; nothing depends on the width but CSS and parity.js, re-run here).
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        t0 = time.monotonic()
        resp = page.goto(url, wait_until="domcontentloaded")
        spent["load"] += time.monotonic() - t0
        if not _is_page(resp, page.url.removeprefix(base), url):
            continue  # not this role's page (login redirect, 403, 404)
        seen += 1
        # axe-core into this page only (an init script ran it in every document, redirects and
        # login pages too); evaluated by Playwright, past the page's Content-Security-Policy.
        t0 = time.monotonic()
        page.evaluate(axe_source)
        spent["axe"] += time.monotonic() - t0
        t0 = time.monotonic()
        minor = page.evaluate(walk.MINOR_UNITS_JS)
        if minor:
            failures.append(f"{url} as {who}: unformatted minor-unit price: {minor}")
        spent["checks"] += time.monotonic() - t0
        for width in (WIDTHS[0], OVERFLOW_ONLY, WIDTHS[1]):
            where = f"{url} as {who} at {width}px"
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
            violations = page.evaluate(walk.AXE_RUN_JS, False)
            spent["axe"] += time.monotonic() - t1
            failures.extend(f"{where}: axe {v}" for v in violations)
    context.close()
    print(f"\nlayout as {who}: {seen} of {len(urls)} routes are its pages; {checked} page views "
          f"({len(WIDTHS)} widths) in {time.monotonic() - started:.1f} s; loading pages {spent['load']:.1f} s, "
          f"overflow and money checks {spent['checks']:.1f} s, axe {spent['axe']:.1f} s")
    assert seen, f"no page route opened as a 200 HTML page for {who}"
    assert not failures, f"{len(failures)} layout failures:\n" + "\n".join(failures)


def test_every_page_route_is_some_roles_page(site):
    """What the per-role walks cannot see alone: every page route has demo ids to open it with,
    and at least one role gets it as a 200 HTML page (asked through the app's test client, as
    the walks ask through the browser: no redirect followed)."""
    _, app, ids, rules = site
    seen_by: dict[str, list[str]] = {r.rule: [] for r in rules}
    for role in walk.ROLES:
        client = app.test_client()
        if role:
            who = walk.DEMO_LOGINS[role]
            r = login(client, who.email, who.password)
            assert r.status_code == 302 and "/login" not in r.headers["Location"], f"sign-in as the demo {role}"
        for rule, url in _urls(rules, ids.get(role, {})):
            resp = client.get(url)
            if resp.status_code == 200 and "text/html" in resp.headers.get("content-type", ""):
                seen_by[rule.rule].append(role or "signed out")
    missing = [r.rule for r in rules if not any(walk.url_of(r, ids.get(role, {})) for role in walk.ROLES)]
    unseen = [r for r, roles in seen_by.items() if not roles]
    assert not missing, f"page routes with no demo id to open them (add to walk.demo_ids): {missing}"
    assert not unseen, f"page routes no role could open as a 200 HTML page: {unseen}"


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


# A page with faults of every impact: mild ones (content outside a landmark, a skipped heading
# level, no h1, an empty table header, a second main landmark) and serious or critical ones.
FAULTY_PAGE = """<html lang="en"><head><title>Faults</title></head><body>
<p>Text outside any landmark.</p>
<main><h2>A second-level heading</h2><h4>then a fourth-level one</h4>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#c8c8c8;background:#fff">Pale text on white</p>
<button></button><input type="text"><a href="/somewhere"></a>
<table><tr><th></th><td>1</td></tr></table>
<ul><div>not a list item</div></ul>
<div aria-hidden="true"><a href="/hidden">focusable but hidden</a></div>
<span role="bogus">an unknown role</span></main>
<main>a second main</main></body></html>"""


def test_axe_without_its_mild_rules_reports_the_same(browser):
    """The layout walk leaves out the axe rules that can report nothing serious or critical;
    on a page with faults of every impact, it reports exactly what the full run reports."""
    page = browser.new_page()
    try:
        page.set_content(FAULTY_PAGE)
        page.add_script_tag(content=_axe_source())
        mild = page.evaluate(walk.AXE_MILD_RULES_JS)
        every = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                              ".map(v => v.id + ' ' + v.impact)")
        assert {"region moderate", "heading-order moderate", "page-has-heading-one moderate",
                "landmark-no-duplicate-main moderate"} <= set(every), every
        assert {"region", "heading-order", "page-has-heading-one", "landmark-no-duplicate-main"} <= set(mild)
        severe = page.evaluate(walk.AXE_RUN_JS, True)
        assert {v.split(" ", 1)[0] for v in severe} >= {"image-alt", "color-contrast", "button-name", "label",
                                                        "link-name", "list", "aria-hidden-focus", "aria-roles"}
        assert page.evaluate(walk.AXE_RUN_JS, False) == severe
    finally:
        page.close()
