"""Real pages in Debian's Chromium (Playwright), checked by axe-core for WCAG 2.2 AA."""

import shutil
from urllib.parse import urlparse

import pytest

from . import helpers
from .helpers import axe_violations, needs_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]


def sign_in(page):
    helpers.sign_in(page, "analyst-15n", "/systems/devon-2019/")


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
