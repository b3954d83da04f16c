"""Issue 10's journey, in the browser, with axe on every page: the clerk of the Integrated
Commissioning Executive builds an agenda from the forward plan, uploads papers (bad ones are
refused and nothing is written), takes an item into private, records attendance with apologies
and a member leaving early, and a declaration that withdraws a member from an item, which
makes that item inquorate on the meeting page. Someone outside the body sees the exempt item's
title and reason but not its papers; the page of declarations due lists the person whose
yearly declaration is late."""

from datetime import date, timedelta

import pytest

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation, Person
from commonweal.governance.models import Body
from commonweal.interests.models import Return
from commonweal.meetings import actions
from commonweal.meetings.models import Meeting, PaperVersion

from ..meetings import papers
from .helpers import axe_violations, needs_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]


@pytest.fixture
def business(universe):
    """A meeting of the ICE in a month, two items on the CCG's forward plan for it, and
    everyone's returns of interests up to date except Jo Evans's."""
    cl = Actor.command_line()
    ice = Body.objects.get(system__slug="devon-2019", code="ice")
    ccg = Organisation.objects.get(code="15N")
    meeting = actions.schedule_meeting(
        cl,
        ice,
        actions.at(date.today() + timedelta(days=30), 14, 0),
        venue="Pomona House",
        status=Meeting.Status.CONFIRMED,
    )
    for title, kind in (
        ("Integrated community equipment service", "decision"),
        ("Home care market position", "discussion"),
    ):
        actions.add_plan_item(
            cl,
            ccg,
            ice.system,
            actions.PlanIn(
                title=title,
                author="Head of Joint Commissioning",
                kind=kind,
                body=ice,
                due=date.today() + timedelta(days=25),
                decision_sought="Agree it.",
            ),
        )
    for p in Person.objects.filter(holdings__post__organisation=ccg).distinct():
        late = p.key == "jo-evans"
        Return.objects.create(
            person=p, organisation=ccg, on=date.today() - timedelta(days=500 if late else 30)
        )
    return meeting


def check(page, what):
    assert axe_violations(page) == [], what


def test_a_clerk_runs_the_meeting_record(page, business, tmp_path, browser):
    m = business
    sign_in(page, "clerk-ice", f"/meetings/{m.pk}/")
    check(page, "meeting page")

    # The agenda, from the forward plan.
    page.get_by_role("link", name="Build the agenda").click()
    page.wait_for_url(f"**/meetings/{m.pk}/agenda/")
    check(page, "agenda")
    for title in ("Integrated community equipment service", "Home care market position"):
        page.select_option(
            "#id_plan-plan_item",
            label=page.locator("#id_plan-plan_item option", has_text=title).inner_text(),
        )
        page.get_by_role("button", name="Add it to the agenda").click()
        page.wait_for_url(f"**/meetings/{m.pk}/agenda/")
    assert [i.title for i in m.items.order_by("number")] == [
        "Integrated community equipment service",
        "Home care market position",
    ]
    check(page, "agenda with items")

    # Papers: a good one is kept; a malformed PDF and a macro-enabled workbook are refused.
    good, bad, macros = tmp_path / "report.pdf", tmp_path / "broken.pdf", tmp_path / "budget.xlsm"
    good.write_bytes(papers.pdf(3))
    bad.write_bytes(papers.malformed_pdf())
    macros.write_bytes(papers.with_macros(papers.workbook()))
    page.goto(page.base + f"/meetings/{m.pk}/items/1/")
    check(page, "item page")
    for path, says in ((bad, "could not be read as a PDF"), (macros, "macro-enabled")):
        page.set_input_files("#id_upload-file", str(path))
        page.get_by_role("button", name="Upload the paper").click()
        page.wait_for_selector(".nhsuk-error-summary")
        assert says in page.locator(".nhsuk-error-summary").inner_text()
        check(page, f"refused {path.name}")
    assert not PaperVersion.objects.filter(paper__item__meeting=m).exists(), "nothing written"
    page.set_input_files("#id_upload-file", str(good))
    page.fill("#id_upload-title", "Equipment service report")
    page.get_by_role("button", name="Upload the paper").click()
    page.wait_for_selector("text=Download report.pdf")
    check(page, "item with a paper")

    # Item 2 into private, with its paper.
    page.goto(page.base + f"/meetings/{m.pk}/items/2/")
    page.set_input_files("#id_upload-file", str(good))
    page.fill("#id_upload-title", "Market analysis")
    page.get_by_role("button", name="Upload the paper").click()
    page.wait_for_selector("text=Download report.pdf")
    page.check("#id_exempt-exempt")
    page.select_option("#id_exempt-exemption_paragraph", "3")
    page.fill("#id_exempt-public_interest", "Disclosure would prejudice the providers' bids")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Schedule 12A, paragraph 3")
    check(page, "exempt item")

    # Attendance: apologies from Plymouth; Torbay's member leaves after item 1; saved at once.
    page.goto(page.base + f"/meetings/{m.pk}/attendance/")
    check(page, "attendance form")
    rows = [
        ("Alex Morgan", "Present", None),
        ("Lou Barnes", "Present", None),
        ("Rae Young", "Apologies", None),
        ("Val Owen", "Present", "1."),
        ("Sam Patel", "Present", None),
    ]
    for name, status, left in rows:
        row = page.locator("fieldset.cw-attendance-row", has_text=name)
        row.get_by_label(status, exact=True).check()
        if left:
            select = row.get_by_label("Left after")
            select.select_option(label=select.locator("option", has_text=left).inner_text())
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_selector("text=Attendance is recorded for 5 people")
    check(page, "attendance recorded")

    # Before any declaration, item 2 is quorate: three members remain after Val leaves.
    page.goto(page.base + f"/meetings/{m.pk}/")
    second = page.locator(".cw-agenda-item").nth(1)
    assert "Not quorate" not in second.inner_text()

    # Sam declares an interest in item 2 and withdraws: it is now inquorate, on the page.
    page.goto(page.base + f"/meetings/{m.pk}/declarations/")
    check(page, "declarations form")
    page.select_option("#id_person", "sam-patel")
    page.check("input[name=items] >> nth=1")
    page.select_option("#id_kind", "financial")
    page.fill("#id_description", "Shares in a home care provider")
    page.check("input[name=ruling][value=withdraw]")
    page.get_by_role("button", name="Record the declaration").click()
    page.wait_for_selector("text=Sam Patel's declaration is recorded")
    page.goto(page.base + f"/meetings/{m.pk}/")
    first, second = page.locator(".cw-agenda-item").nth(0), page.locator(".cw-agenda-item").nth(1)
    assert "Quorate" in first.inner_text() and "Not quorate" not in first.inner_text()
    assert "Not quorate" in second.inner_text()
    assert "Withdraws from the item" in second.inner_text()
    check(page, "meeting page with quorum")

    # Someone outside the body: the exempt item's title and reason, never its papers.
    outsider = browser.new_context().new_page()
    outsider.base = page.base
    sign_in(outsider, "analyst-15n", f"/meetings/{m.pk}/")
    text = outsider.locator("main").inner_text()
    assert "Home care market position" in text and "Schedule 12A, paragraph 3" in text
    assert "Market analysis" not in text and "1 paper withheld" in text
    exempt = PaperVersion.objects.get(paper__title="Market analysis")
    assert outsider.request.get(page.base + f"/papers/{exempt.pk}/").status == 404
    assert axe_violations(outsider) == []

    # The page of declarations due lists Jo Evans, a year and more since her last return.
    outsider.goto(page.base + "/organisations/15N/interests/due/")
    overdue = outsider.locator("main").inner_text().split("Up to date")[0]
    assert "Jo Evans" in overdue and "Yearly" in overdue
    assert axe_violations(outsider) == []
    outsider.context.close()
