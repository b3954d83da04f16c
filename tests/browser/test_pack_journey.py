"""Board packs in the browser, with axe on every page: a member of the public opens a published
meeting's public pack while it is still waiting to be built and sees its progress; the worker
builds it and the page, polling, reloads itself to offer the download, which is a PDF. The
clerk of the Integrated Commissioning Executive opens the members' pack, which lists the
agenda with the page each item and paper starts on in the pack, on a desk and on a phone."""

import re
from datetime import date, timedelta

import pytest

from commonweal.core.actions import Actor
from commonweal.demo.papers import sample_pdf
from commonweal.governance.models import Body
from commonweal.meetings import actions
from commonweal.meetings.models import Meeting
from commonweal.packs import build
from commonweal.packs.models import Pack

from .helpers import axe_violations, needs_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]

# The page asks how the build is going every two seconds: a few turns are plenty.
RELOADED_WITHIN_MS = 10_000


@pytest.fixture
def meeting(universe):
    """An ICE meeting in three weeks, its agenda published: a decision, an item for
    information and an exempt item, each with a PDF paper."""
    cl = Actor.command_line()
    ice = Body.objects.get(system__slug="devon-2019", code="ice")
    m = actions.schedule_meeting(
        cl,
        ice,
        actions.at(date.today() + timedelta(days=21), 14, 0),
        status=Meeting.Status.CONFIRMED,
        venue="County Hall, Exeter",
    )
    items = (
        actions.ItemIn(title="Community equipment contract", kind="decision"),
        actions.ItemIn(title="Performance report", kind="information"),
        actions.ItemIn(
            title="Home care provider contingency",
            kind="decision",
            exempt=True,
            exemption_paragraph=3,
            public_interest="Disclosure would harm the council's negotiating position.",
        ),
    )
    papers = (
        ("Contract award report", 3),
        ("Performance dashboard", 2),
        ("Provider contingency", 2),
    )
    for it, (paper, pages) in zip(items, papers, strict=True):
        item = actions.add_agenda_item(cl, m, it)
        actions.upload_paper(cl, item, f"{paper}.pdf", sample_pdf(paper, pages), title=paper)
    actions.publish_agenda(cl, m)
    return m


def check(page, what):
    assert axe_violations(page) == [], what


def build_waiting() -> int:
    """What `commonweal worker` does: build every pack that is waiting."""
    waiting = list(Pack.objects.filter(status=Pack.Status.WAITING).values_list("pk", flat=True))
    for pk in waiting:
        assert build.build(pk).status == Pack.Status.DONE, pk
    return len(waiting)


def being_built(page, what):
    """The page says the pack is being built, with a labelled progress bar, and passes axe."""
    assert "The pack is being built" in page.locator("main").inner_text(), what
    assert page.get_by_label("Progress").evaluate("e => e.tagName") == "PROGRESS", what
    assert page.get_by_role("link", name="Download the pack").count() == 0, what
    check(page, what)
    # A mark on this page's window: gone once the page has reloaded itself.
    page.evaluate("window.cwNotReloaded = true")


def reloads_when_built(page, what):
    """The worker builds the pack; the page notices by itself and offers the download."""
    assert build_waiting() == 1, what
    link = page.get_by_role("link", name="Download the pack")
    link.wait_for(timeout=RELOADED_WITHIN_MS)
    assert page.evaluate("window.cwNotReloaded === undefined"), f"{what}: not a fresh page"
    assert "The pack is being built" not in page.locator("main").inner_text(), what
    check(page, f"{what}, built")
    return link


def is_a_pdf(page, link, what):
    response = page.request.get(page.base + link.get_attribute("href"))
    assert response.status == 200, what
    assert response.headers["content-type"] == "application/pdf", what
    assert response.body().startswith(b"%PDF"), what


def test_a_pack_is_built_while_the_page_waits_then_read_by_the_public_and_the_clerk(page, meeting):
    m = meeting

    # The public, not signed in: the public pack is asked for and waits for the worker.
    page.goto(page.base + f"/public/meetings/{m.pk}/")
    check(page, "public meeting page")
    page.get_by_role("link", name="The agenda pack").click()
    page.wait_for_url(f"**/public/meetings/{m.pk}/pack/")
    assert "Public pack" in page.locator("h1").inner_text()
    being_built(page, "public pack, waiting")
    link = reloads_when_built(page, "public pack")
    assert "/public/packs/" in link.get_attribute("href")
    is_a_pdf(page, link, "public pack")
    text = page.locator("main").inner_text()
    assert "Home care provider contingency" in text and "exempt" in text
    assert "Provider contingency" not in text  # the exempt item's paper is not listed
    # Back by the breadcrumb: the meeting page now gives each item's page in the pack (the
    # exempt item has its cover sheet with the reason).
    page.locator(".nhsuk-breadcrumb__link", has_text="Integrated Commissioning Executive").click()
    page.wait_for_url(f"**/public/meetings/{m.pk}/")
    check(page, "public meeting page, pack built")
    assert len(re.findall(r"Page \d+ of the pack", page.locator("main").inner_text())) == 3

    # The clerk: the members' pack, exempt papers included, is a different pack to build.
    sign_in(page, "clerk-ice", f"/meetings/{m.pk}/pack/")
    assert "Members' pack" in page.locator("h1").inner_text()
    being_built(page, "members' pack, waiting")
    link = reloads_when_built(page, "members' pack")
    assert re.fullmatch(r"/packs/\d+/", link.get_attribute("href"))
    is_a_pdf(page, link, "members' pack")

    # The agenda, with the page of the pack each item starts on, in order, after the cover
    # and the agenda; each inline paper with its page too.
    rows = page.locator("main table tbody tr")
    assert rows.count() == 3
    starts = []
    for n in range(3):
        cells = rows.nth(n).locator("td")
        assert cells.nth(0).inner_text().strip() == str(n + 1)
        starts.append(int(cells.nth(2).inner_text().strip()))
    assert 2 < starts[0] < starts[1] < starts[2], starts
    papers = page.locator("main table .cw-papers li").all_inner_texts()
    assert [re.sub(r", page \d+$", "", p) for p in papers] == [
        "Contract award report",
        "Performance dashboard",
        "Provider contingency",
    ]
    assert all(re.search(r", page \d+$", p) for p in papers), papers

    # On a phone.
    page.set_viewport_size({"width": 375, "height": 800})
    # The header folds its navigation into "More" once its script has seen the new width (later
    # on a loaded machine): ask again a few times before deciding.
    measure = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    overflow = page.evaluate(measure)
    for _ in range(50):
        if overflow <= 0:
            break
        page.wait_for_timeout(100)
        overflow = page.evaluate(measure)
    assert overflow <= 0, f"the members' pack scrolls sideways by {overflow}px on a phone"
    check(page, "members' pack at 375px")
