"""Commissioning proposals in the browser, with axe on every page and every error: NHS Devon
CCG's commissioner creates a proposal (meeting the form's errors first) and takes it through
seed 003's four stages, each completed by what Devon's bodies record at their meetings (held
by the test's own set-up); at stage 4 asks the route to approval, sees it and its entries on
the deciding bodies' forward plans, and is refused approval while a step lacks a valid
decision; the ICE's and the Governing Body's clerks record the route's recommendation and
decision at their items, and the proposal is approved; the public register shows it with its
route but without its money or documents."""

import re

import pytest

from commonweal.core.actions import Actor
from commonweal.meetings.models import AgendaItem
from commonweal.proposals import actions
from commonweal.proposals.models import Item, Proposal
from commonweal.registry.actions import example_path

from ..meetings.papers import pdf
from ..proposals.helpers import arrange, hold, record
from .helpers import axe_violations, needs_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]

BOARD = "/systems/devon-2019/proposals/"
TITLE = "Specialist clinical services strategy"


@pytest.fixture
def arranged(universe):
    """Devon's proposals set-up, and a meeting ahead of each body the proposal goes to: the
    ICE twice (stage 3's sign-off, then stage 4's recommendation)."""
    setup = actions.read_setup(Actor.command_line(), example_path("devon-2019-proposals"))
    s = setup.system
    return {
        "cabinet": arrange(s, "clinical-cabinet", 14),
        "fwg": arrange(s, "fwg", 14),
        "pdeg": arrange(s, "pdeg", 14),
        "ice": arrange(s, "ice", 14),
        "ice2": arrange(s, "ice", 20),
        "gb": arrange(s, "governing-body", 30),
    }


def check(page, what):
    assert axe_violations(page) == [], what


def main_text(page):
    return page.locator("main").inner_text()


def press(page, name, status=302):
    """Press a button that posts, and check what the server answered (302: done, and back to
    the page; 400: refused, the page again with its error summary)."""
    with (
        page.expect_navigation(),
        page.expect_response(lambda r: r.request.method == "POST") as posted,
    ):
        page.get_by_role("button", name=name, exact=True).click()
    assert posted.value.status == status, posted.value.status
    return posted.value


def refused(page, name, *words):
    """Press a button and meet the error summary that names what is still missing."""
    press(page, name, 400)
    assert page.title().startswith("Error:")
    summary = page.locator(".nhsuk-error-summary").inner_text()
    for w in words:
        assert w in summary, summary
    check(page, f"'{name}' refused")
    return summary


def upload(page, tmp_path, kind, title, pages):
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(pdf(pages))
    page.get_by_label("Kind of document").select_option(label=kind)
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("File").set_input_files(path)
    press(page, "Add the document")
    assert f"Added '{title}'" in main_text(page)
    assert f"{kind}.pdf" in main_text(page)
    check(page, f"{kind} added")


def sign_out(page):
    page.goto(page.base + "/accounts/logout/")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")


def item_of(meeting) -> AgendaItem:
    (item,) = hold(meeting)
    return item


def test_a_devon_proposal_goes_from_draft_to_approved_in_the_browser(page, arranged, tmp_path):
    m = arranged
    sign_in(page, "commissioner-15n", BOARD)
    assert page.locator("h1").inner_text() == "Commissioning proposals"
    check(page, "board")

    # A new proposal: the empty form first, then filled in.
    page.get_by_role("link", name="New proposal").click()
    page.wait_for_url(f"**{BOARD}new/")
    check(page, "new proposal form")
    press(page, "Create the proposal", 400)
    assert page.title().startswith("Error:")
    summary = page.locator(".nhsuk-error-summary").inner_text()
    for problem in ("Enter title", "Enter service", "Choose footprint", "Choose lead organisation"):
        assert problem in summary, summary
    assert Proposal.objects.count() == 0
    check(page, "new proposal refused")

    footprint = page.get_by_label("Footprint")
    wider = footprint.locator("option", has_text="Wider Devon").inner_text().strip()
    assert re.fullmatch(r"Wider Devon \(.+\)", wider), wider
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Service", exact=True).fill("Specialist clinical services")
    page.get_by_label("Care group").fill("Adults")
    page.get_by_label("Clinical programme").select_option(label="Specialist clinical services")
    footprint.select_option(label=wider)
    page.get_by_label("Lead organisation").select_option(label="NHS Devon CCG")
    page.get_by_label("Summary").fill("A strategy for specialist services across Wider Devon.")
    page.get_by_label("Money line 1: organisation").select_option(label="NHS Devon CCG")
    page.get_by_label("Money line 1: financial year starting").fill("2020")
    page.get_by_label("Money line 1: cost (£)").fill("1200000")
    page.get_by_label("Money line 1: saving (£)").fill("300000")
    press(page, "Create the proposal")
    p = Proposal.objects.get()
    url = f"{BOARD}{p.number}/"
    page.wait_for_url(f"**{url}")
    assert f"Created {p.reference}" in main_text(page)
    assert page.locator("h1").inner_text() == TITLE
    assert "Draft" in page.locator(".nhsuk-caption-l").inner_text()
    assert "£1,200,000" in main_text(page)
    check(page, "new proposal")

    # Stage 1: development, by the clinical and financial leadership groups.
    press(page, "Start developing the proposal")
    assert "Stage 1" in page.locator(".nhsuk-caption-l").inner_text()
    check(page, "stage 1")
    press(page, "Put it on the forward plans for this step")
    text = main_text(page)
    assert "on the forward plan of" in text
    assert "Clinical / Professional Cabinet" in text and "Finance Working Group" in text
    check(page, "stage 1 on the forward plans")
    refused(
        page,
        "Recommended by the clinical and financial leadership groups",
        "Business case: not yet added",
        "no recommendation or sign-off recorded yet",
    )
    upload(page, tmp_path, "Business case", "Business case for specialist services", 2)
    record(item_of(m["cabinet"]), "recommendation")
    record(item_of(m["fwg"]), "sign_off")
    page.goto(page.base + url)
    press(page, "Recommended by the clinical and financial leadership groups")
    assert "Stage 2" in page.locator(".nhsuk-caption-l").inner_text()
    check(page, "stage 2")

    # Stage 2: quality assurance needs both impact assessments.
    press(page, "Put it on the forward plans for this step")
    record(item_of(m["pdeg"]), "sign_off")
    page.goto(page.base + url)
    refused(
        page,
        "Quality assured by the ICS management group",
        "Quality impact assessment: not yet added",
        "Equality impact assessment: not yet added",
    )
    upload(page, tmp_path, "Quality impact assessment", "Quality impact assessment", 1)
    upload(page, tmp_path, "Equality impact assessment", "Equality impact assessment", 3)
    press(page, "Quality assured by the ICS management group")
    assert "Stage 3" in page.locator(".nhsuk-caption-l").inner_text()
    check(page, "stage 3")

    # Stage 3: the ICE's sign-off.
    press(page, "Put it on the forward plans for this step")
    (stage3,) = Item.objects.filter(proposal=p, transition="signed-off")
    assert stage3.plan_item.meeting == m["ice"]
    record(item_of(m["ice"]), "sign_off")
    page.goto(page.base + url)
    press(page, "Signed off by the health strategy group")
    assert "Stage 4" in page.locator(".nhsuk-caption-l").inner_text()
    check(page, "stage 4")

    # Stage 4: the route to approval of a policy, on the deciding bodies' forward plans.
    approve = "Approved by every statutory body the route names"
    press(page, "Ask the route to approval", 400)
    assert "Choose kind of decision" in page.locator(".nhsuk-error-summary").inner_text()
    check(page, "route asked without a kind of decision")
    page.get_by_label("Kind of decision").select_option(label="Policy")
    press(page, "Ask the route to approval")
    text = main_text(page)
    assert "has 2 steps, each on its forward plan" in text
    route = text.split("Route to approval")[1].split("On the forward plans")[0]
    assert "as policy" in route
    assert route.index("15N.R1.recommend") < route.index("15N.R1.decide")
    assert "Integrated Commissioning Executive" in route and "Governing Body" in route
    plan = page.locator("table", has=page.locator("caption", has_text="Forward plan entries"))
    rows = {
        r.locator("td").nth(2).inner_text(): r.inner_text() for r in plan.locator("tbody tr").all()
    }
    (recommend,) = [v for k, v in rows.items() if "15N.R1.recommend" in k]
    (decide,) = [v for k, v in rows.items() if "15N.R1.decide" in k]
    assert "Integrated Commissioning Executive" in recommend
    assert "Governing Body" in decide and "For decision" in decide
    assert str(m["ice2"]) in recommend and str(m["gb"]) in decide
    check(page, "route to approval")
    summary = refused(page, approve, "15N.R1.recommend", "15N.R1.decide")
    assert "nothing is recorded for it yet" in summary

    # The ICE's clerk records its recommendation, for the route's first step.
    ice2, gb = item_of(m["ice2"]), item_of(m["gb"])
    sign_out(page)
    decide_url = f"/meetings/{ice2.meeting.pk}/items/{ice2.number}/decide/"
    sign_in(page, "clerk-ice", decide_url)
    check(page, "ICE item")
    page.check("input[name=outcome][value=recommendation]")
    page.fill("textarea[name=resolution]", "Recommended the strategy to the Governing Body.")
    page.select_option("select[name=route_step]", "15N.R1.recommend")
    page.get_by_role("button", name="Record it").click()
    page.wait_for_url("**/decisions/*/")
    assert "is recorded" in main_text(page)
    check(page, "ICE recommendation")
    sign_out(page)

    sign_in(page, "commissioner-15n", url)
    summary = refused(page, approve, "15N.R1.decide")
    assert "15N.R1.recommend (recommend)" not in summary
    assert Proposal.objects.get().state == "stage-4"
    sign_out(page)

    # The Governing Body's clerk records its decision, the route's last step.
    decide_url = f"/meetings/{gb.meeting.pk}/items/{gb.number}/decide/"
    sign_in(page, "clerk-gb", decide_url)
    check(page, "Governing Body item")
    page.check("input[name=outcome][value=decision]")
    page.fill("textarea[name=resolution]", "Adopted the specialist clinical services strategy.")
    page.select_option("select[name=decision_type]", "policy")
    page.select_option("select[name=route_step]", "15N.R1.decide")
    page.check("input[name=include_15N]")
    page.fill("input[name=amount_15N]", "0")
    page.get_by_role("button", name="Record it").click()
    page.wait_for_url("**/decisions/*/")
    assert "is recorded" in main_text(page)
    check(page, "Governing Body decision")
    sign_out(page)

    # Approved.
    sign_in(page, "commissioner-15n", url)
    press(page, approve)
    assert "Approved" in page.locator(".nhsuk-caption-l").inner_text()
    text = main_text(page)
    outcomes = text.split("Recorded outcomes")[1].split("History of its stages")[0]
    assert "15N.R1.recommend" in outcomes and "15N.R1.decide" in outcomes
    history = text.split("History of its stages")[1].split("Outcomes it should move")[0]
    history = history.split("Money")[0]
    for stage in (
        "Start developing the proposal",
        "Recommended by the clinical and financial leadership groups",
        "Quality assured by the ICS management group",
        "Signed off by the health strategy group",
        approve,
    ):
        assert stage in history, history
    assert "15N.R1.decide" in history
    assert page.get_by_role("button", name="Add the document").count() == 0
    assert Proposal.objects.get().state == "approved"
    check(page, "approved")
    sign_out(page)

    # The public register: listed, with its route, without its money or documents.
    public = "/public" + BOARD
    page.goto(page.base + public)
    assert page.get_by_role("link", name=f"{p.reference}: {TITLE}").count() == 1
    check(page, "public board")
    page.get_by_role("link", name=f"{p.reference}: {TITLE}").click()
    page.wait_for_url(f"**{public}{p.number}/")
    assert page.locator("h1").inner_text() == TITLE
    headings = page.locator("main h2").all_inner_texts()
    assert "Route to approval" in headings
    assert "Money" not in headings and "Documents" not in headings, headings
    text = main_text(page)
    assert "15N.R1.recommend" in text and "15N.R1.decide" in text
    # Its history says a business case was held, but neither the papers nor the money show.
    assert "£1,200,000" not in text and "Business case.pdf" not in text
    assert page.locator("main a[href*='/documents/']").count() == 0
    assert page.locator("form[method=post]").count() == 0
    check(page, "public proposal")
