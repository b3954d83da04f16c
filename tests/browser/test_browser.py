"""Real pages in Debian's Chromium (Playwright), checked by axe-core for WCAG 2.2 AA."""

import os
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ..factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Playwright's sync API keeps an event loop on the test thread; the fixtures' database calls
# there are still synchronous, so Django's async guard is told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

if not Path(CHROMIUM).exists():
    pytest.skip(
        "Debian's chromium is not installed (make test installs it)", allow_module_level=True
    )
if not AXE.exists():
    pytest.skip("axe-core is not installed (make test runs npm ci)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server, universe):
    context = browser.new_context()
    page = context.new_page()
    page.requested_hosts = set()
    page.csp_violations = []
    page.on("request", lambda r: page.requested_hosts.add(urlparse(r.url).netloc))
    # The content security policy is enforced: anything it blocks is a fault of the page.
    page.on(
        "console",
        lambda m: (
            page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    page.base = live_server.url
    yield page
    assert page.csp_violations == [], "the pages broke their own content security policy"
    context.close()


def axe_violations(page):
    # axe is served by the app itself, so the page's content security policy allows it.
    if page.url.startswith("http"):
        page.add_script_tag(url=page.base + "/static/axe.min.js")
    else:
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG
    )
    return [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]


def sign_in(page):
    page.goto(page.base + "/systems/devon-2019/")
    assert "/accounts/login/" in page.url
    assert axe_violations(page) == []
    page.fill("#id_username", "analyst-15n")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/systems/devon-2019/")


def test_sign_in_open_the_system_and_an_area_with_no_accessibility_violations(page):
    sign_in(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Wider Devon (2019)"
    assert "Analyst 15N" in page.locator("header").inner_text()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Torbay", exact=True).first.click()
    page.wait_for_url("**/areas/torbay/")
    assert page.get_by_role("heading", level=1).inner_text() == "Torbay"
    assert axe_violations(page) == []

    for path in (
        "/systems/devon-2019/tree/",
        "/organisations/",
        "/organisations/15N/",
        "/systems/south-east-london-2020/",
        "/public/systems/devon-2019/",
        "/no/such/page/",
    ):
        page.goto(page.base + path)
        assert axe_violations(page) == [], path
    assert page.requested_hosts == {urlparse(page.base).netloc}, (
        "no page may ask another host for anything"
    )


def test_keyboard_reaches_the_skip_link_and_the_main_content(page):
    sign_in(page)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#maincontent"


def test_readable_on_a_phone(page):
    page.set_viewport_size({"width": 375, "height": 800})
    sign_in(page)
    for path in (
        "/systems/devon-2019/",
        "/systems/devon-2019/areas/wider-devon/",
        "/organisations/",
    ):
        page.goto(page.base + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        assert axe_violations(page) == [], path


def test_design_system_assets_are_served_by_the_app(page):
    css = page.request.get(page.base + "/static/commonweal/commonweal.css")
    assert css.ok and "nhsuk-header" in css.text() and "@font-face" not in css.text()
    assert page.request.get(page.base + "/assets/images/nhsuk-icon-arrow-down.svg").ok
    assert shutil.which("chromium")


def test_the_accessibility_check_can_fail(page):
    # Proves axe is really running: a page with known faults must be reported.
    page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    found = {rule for rule, _, _ in axe_violations(page)}
    assert {"image-alt", "html-has-lang"} <= found


def test_governance_pages_and_the_who_decides_form(page):
    sign_in(page)
    for path in (
        "/systems/devon-2019/bodies/",
        "/systems/devon-2019/bodies/ice/",
        "/systems/devon-2019/schemes/",
        "/systems/devon-2019/schemes/15N/2019-04/",
    ):
        page.goto(page.base + path)
        assert axe_violations(page) == [], path
    page.goto(page.base + "/systems/devon-2019/who-decides/")
    page.select_option("#id_decision_type", "revenue_commitment")
    page.fill("#id_on-day", "10")
    page.fill("#id_on-month", "9")
    page.fill("#id_on-year", "2019")
    page.select_option("#id_footprint", "west")
    page.select_option("#id_organisation_0", "15N")
    page.fill("#id_amount_0", "40,000")
    page.get_by_role("button", name="Find who decides").click()
    page.wait_for_selector("#route")
    route = page.locator(".cw-route").first.inner_text()
    assert "Deputy Director of Integrated Commissioning, West" in route and "O4" in route
    assert axe_violations(page) == []
    # A mistake is reported at the top and beside the field, and focus goes to the summary.
    page.fill("#id_amount_0", "lots")
    page.get_by_role("button", name="Find who decides").click()
    page.wait_for_selector(".nhsuk-error-summary")
    assert (
        "Amount 1 must be an amount of money in pounds"
        in page.locator(".nhsuk-error-summary").inner_text()
    )
    assert (
        page.locator("#id_amount_0--error-message").is_visible()
        or page.locator(".nhsuk-error-message").first.is_visible()
    )
    assert axe_violations(page) == []
    # The error summary's link moves focus to the field.
    page.locator(".nhsuk-error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "id_amount_0"
