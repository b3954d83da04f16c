"""Issue 12's journey, in the browser, with axe on every page: a member of the public, not
signed in, finds the Devon demo's decisions in the register by searching, reads who decided for
which organisation under which authority, goes to the meeting and its public papers and approved
minutes, the calendar and the body's page, then the registers of interests and of gifts and
hospitality, Devon County Council's notice of key decisions, and the register's anchors."""

import pytest

from commonweal.core.actions import Actor
from commonweal.demo.business import add_business

from .helpers import axe_violations, needs_browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]


def checked(page, heading: str | None = None) -> None:
    assert axe_violations(page) == [], page.url
    if heading is not None:
        assert heading in page.locator("h1").inner_text(), (page.url, heading)


def test_a_member_of_the_public_follows_a_decision_to_its_meeting_and_registers(page, universe):
    add_business(Actor.command_line())
    page.goto(page.base + "/public/")
    checked(page, "Public register")

    page.get_by_role("link", name="Decisions register").first.click()
    checked(page, "Decisions register")
    page.fill("#id_q", "commissioning frameworks")
    page.get_by_role("button", name="Search").click()
    checked(page)
    assert "1 decision found" in page.locator("h2").first.inner_text()
    page.locator("table a").first.click()
    checked(page, "Joint home care strategy")
    text = page.locator("main").inner_text()
    for expected in ("Devon County Council", "Torbay", "Adopted the joint home care strategy"):
        assert expected in text, expected

    # A bad filter is put right on the page, not a server error.
    page.goto(page.base + "/public/decisions/?amount_min=lots")
    checked(page)
    assert "There is a problem" in page.locator(".nhsuk-error-summary").inner_text()

    page.goto(page.base + "/public/decisions/?q=contingency")
    page.locator("table a").first.click()
    checked(page, "Home care provider contingency")
    assert "exempt" in page.locator("main").inner_text().lower()
    assert "named provider" not in page.content()

    page.get_by_role("link", name="The meeting of").click()
    checked(page)
    assert "Joint home care strategy" in page.content()
    page.get_by_role("link", name="approved minutes", exact=False).first.click()
    checked(page)

    for path, heading in (
        ("/public/meetings/", None),
        ("/public/meetings/calendar/", None),
        ("/public/systems/devon-2019/bodies/ice/", "Integrated Commissioning Executive"),
        ("/public/systems/devon-2019/registers/", None),
        ("/public/organisations/15N/interests/", None),
        ("/public/organisations/15N/gifts/", None),
        ("/public/organisations/E10000008/key-decisions/", None),
        ("/public/organisations/15N/forward-plan/", None),
        ("/public/register/", "not been altered"),
    ):
        page.goto(page.base + path)
        checked(page, heading)
