"""Level triage and scoring in the browser, with axe on every page and error: NHS Devon CCG's
commissioner triages a proposal (refused first for a missing answer) to system level; the
commissioner declares an interest and is refused a score; Alex Morgan saves an incomplete
assessment, sees none of Jo Evans's submitted scores, is refused submitting it incomplete, then
submits and sees the spread; a moderated score is refused without a rationale, then agreed; the
total is derived and decides eligibility."""

import pytest

from commonweal.core.actions import Actor
from commonweal.proposals import actions
from commonweal.registry.actions import example_path

from ..proposals.test_levels import SHEETS
from .helpers import axe_violations, needs_browser, sign_in
from .test_proposals_journey import check, main_text, press, refused, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]


@pytest.fixture
def proposal(universe):
    setup = actions.read_setup(Actor.command_line(), example_path("devon-2019-proposals"))
    commissioner = Actor.from_user(universe.accounts["commissioner-15n"])
    p = actions.create(
        commissioner,
        setup.system,
        actions.ProposalIn(
            title="Specialist clinical services strategy",
            service="Specialist clinical services",
            footprint="wider-devon",
            lead="15N",
        ),
    )
    # Jo Evans and Torbay's finance lead have assessed it already (blind to each other).
    for who in ("jo-evans", "finance-torbay"):
        a = Actor.from_user(universe.accounts[who])
        actions.declare_interest(a, p, interest="none")
        actions.score(a, p, SHEETS[who], submit=True)
    return p


def test_triage_and_scoring_in_the_browser(page, proposal):
    url = f"/systems/devon-2019/proposals/{proposal.number}/"
    sign_in(page, "commissioner-15n", url)
    page.get_by_role("link", name="Level triage and scoring").click()
    page.wait_for_url(f"**{url}level-and-scoring/")
    assert page.locator("h1").inner_text() == "Level and scoring"
    assert "Not yet triaged." in main_text(page)
    assert "Specialised acute services" in main_text(page)  # the catalogue's suggestion
    check(page, "level and scoring page")

    # The flowchart: "No" to the first question needs an answer to the second.
    page.get_by_role("group", name="Are (i) standards").get_by_label("No").check()
    refused(page, "Record the triage", "more than one ICP")
    page.get_by_role("group", name="Is this an area of service vulnerability").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Following an assessment exercise").get_by_label("Yes").check()
    press(page, "Record the triage")
    text = main_text(page)
    assert "System level." in text and "Develop a business case" in text
    check(page, "triaged to system level")

    # The commissioner declares a financial interest: no scoring form.
    refused(page, "Declare interests", "Choose your interests in this proposal")
    page.get_by_label("Financial interest").check()
    refused(page, "Declare interests", "Say what the interest is")
    page.get_by_label("What is the interest?").fill("Shares in a bidding provider")
    press(page, "Declare interests")
    assert "you cannot score" in main_text(page)
    assert page.get_by_role("button", name="Save scores").count() == 0
    check(page, "conflicted")
    sign_out(page)

    # Alex scores blind.
    sign_in(page, "alex-morgan", url + "level-and-scoring/")
    page.get_by_label("I have no interest in this proposal").check()
    press(page, "Declare interests")
    text = main_text(page)
    assert "Scores are blind" in text and "withheld" in text
    assert "Jo Evans" in text and "Download the scores" not in text
    group = page.get_by_role("group", name="Contributes to the achievement of ICS aspirations")
    group.get_by_label("4 (High)", exact=False).check()
    press(page, "Save scores")
    assert "1 criteria scored" in main_text(page)
    check(page, "an incomplete assessment saved")
    refused(page, "Submit the assessment", "no score for")
    for name, score in (
        ("Working at ICS-scale would improve Quality & Safety", 4),
        ("Working at ICS scale would deliver significant finance & efficiency gains", 3),
        ("The risks of working at scale have been considered", 3),
        ("Delivery and timeline", 3),
        ("Contracting & Procurement", 1),
    ):
        page.get_by_role("group", name=name).locator(f"input[value='{score}']").check()
    press(page, "Submit the assessment")
    text = main_text(page)
    assert "you can now see the other assessors' scores" in text
    assert "(2 or more apart)" in text  # finance: 1, 3, 4
    assert "Download the scores" in text
    check(page, "submitted: the spread")

    # Moderation needs a rationale; the total is derived.
    page.get_by_label("Criterion").select_option(label="Contracting & Procurement")
    page.get_by_role("group", name="Moderated score").get_by_label("1").check()
    refused(page, "Record the moderated score", "Enter rationale")
    page.get_by_label("Criterion").select_option(label="Contracting & Procurement")
    page.get_by_role("group", name="Moderated score").get_by_label("1").check()
    page.get_by_label("Rationale").fill("Implications for contractors not identified")
    press(page, "Record the moderated score")
    text = main_text(page)
    assert "Not yet decided: 5 of 6 criteria have no score" in text
    check(page, "moderated")
    assert axe_violations(page) == []
