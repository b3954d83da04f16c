"""Pooled funds in the browser, with axe on every page: Devon County Council's finance lead (the
host of the Devon pool) opens the system's pooled funds, the Devon agreement (illustrative, as
it says), the 2020/21 position with how the overspend is met, proposes a use of underspend on a
recurrent line (refused with the reason) and records the action plan; opens the Q2 return,
whose checklist links to each missing entry, and completes it; downloads the plan and the
return as .xlsx and uploads the return's workbook as the plan's next version. The clerk of the
Health and Wellbeing Board is refused the sign-off while the return is incomplete."""

import re
from decimal import Decimal

import pytest

from commonweal.core.actions import Actor
from commonweal.core.documents import read_yaml
from commonweal.core.models import Organisation
from commonweal.finance import actions as finance
from commonweal.finance.models import Kind
from commonweal.pools import actions
from commonweal.registry.models import System

from ..factories import EXAMPLES
from .helpers import axe_violations, needs_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]

M = 100_000_000  # £1m in pence
POOL = "/systems/devon-2019/pools/devon-bcf/"
YEAR = POOL + "2020/"
# The lines: reference, scheme, organisation, cost centre, budget, recurrent, variance.
LINES = [
    ("A", "S1", "15N", "BCF-A", 2 * M, True, -M // 10),
    ("B", "S1", "15N", "BCF-B", 4 * M, True, 8 * M // 10),
    ("C", "S2", "E10000008", "BCF-C", 1 * M, False, 0),
    ("D", "S2", "E10000008", "BCF-D", 24 * M // 10, True, 2 * M // 10),
]


@pytest.fixture
def pools(universe):
    """The three Devon pools loaded from their documents; the Devon pool with the issue's plan
    for 2020/21 and the ledger forecasting its lines as at M6."""
    cl = Actor.command_line()
    system = System.objects.get(slug="devon-2019")
    year = finance.open_year(cl, system, 2020)
    loaded = {
        name: actions.load_agreement(cl, read_yaml(EXAMPLES / f"devon-2019-pool-{name}.yaml"))
        for name in ("devon", "plymouth", "torbay")
    }
    made = finance.add_lines(
        cl,
        system,
        [
            finance.LineIn(Organisation.objects.get(code=o), cc, f"BCF line {ref}", programme="BCF")
            for ref, _s, o, cc, _b, _r, _v in LINES
        ],
    )
    entries = []
    for (_ref, _s, _o, _cc, budget, _r, variance), line in zip(LINES, made, strict=True):
        monthly = budget // 12
        entries += [finance.EntryIn(line, m, Kind.BUDGET, monthly) for m in range(1, 13)]
        entries += [finance.EntryIn(line, m, Kind.ACTUAL, monthly) for m in range(1, 7)]
        # The variance spread over the six months to come, the odd pence in the first.
        entries += [
            finance.EntryIn(
                line,
                m,
                Kind.FORECAST,
                monthly + variance // 6 + (variance % 6 if m == 7 else 0),
                as_at=6,
            )
            for m in range(7, 13)
        ]
    finance.post_entries(cl, year, entries)
    plan = actions.PlanIn(
        contributions=[
            actions.ContributionIn("15N", 6 * M),
            actions.ContributionIn("E10000008", 4 * M),
        ],
        schemes=[
            actions.SchemeIn("S1", "Community services", "Community based schemes"),
            actions.SchemeIn("S2", "Care at home", "Home care or domiciliary care"),
        ],
        lines=[
            actions.LineIn(s, ref, f"Line {ref}", budget, recurrent, cost_centre=cc)
            for ref, s, _o, cc, budget, recurrent, _v in LINES
        ],
        risk_reserve=3 * M // 10,
        uncommitted=3 * M // 10,
        metrics=[
            actions.MetricIn(code, q, Decimal(value))
            for code, value in (
                ("avoidable_admissions", "180.5"),
                ("discharge_usual_residence", "92.1"),
                ("falls_admissions_65", "520"),
                ("residential_admissions_65", "140"),
            )
            for q in (1, 2, 3, 4)
        ],
    )
    actions.load_plan(cl, loaded["devon"], year, plan)
    return loaded


def check(page, what):
    assert axe_violations(page) == [], what


def test_the_host_keeps_the_devon_pool_through_its_pages(page, pools, tmp_path):
    sign_in(page, "finance-devon", "/systems/devon-2019/")
    main = page.locator("main")
    page.get_by_role("link", name="Pooled funds").click()
    page.wait_for_url("**/systems/devon-2019/pools/")
    text = main.inner_text()
    assert "Devon Better Care Fund pooled fund" in text
    assert text.count("Illustrative") >= 3  # each of the three Devon pools says so
    check(page, "the system's pooled funds")

    # The agreement: illustrative, prominently; its partners, host, manager and term.
    page.get_by_role("link", name="Devon Better Care Fund pooled fund").click()
    page.wait_for_url("**" + POOL)
    text = main.inner_text()
    assert "Illustrative figures" in text and "Do not rely on them" in text
    assert "Devon County Council (E10000008), the host partner" in text
    assert "1 April 2020 to 31 March 2023" in text
    check(page, "the agreement")

    # The year: as at M6, the overspend met in order, who bears what.
    page.get_by_role("link", name="2020/21 position of Devon Better Care Fund pooled fund").click()
    page.wait_for_url("**" + YEAR)
    text = main.inner_text()
    assert "As at M6 (Sep 2020)" in text
    totals = {
        source: page.locator(f'[data-step-total="{source}"]').inner_text()
        for source in ("underspends", "risk_reserve", "uncommitted")
    }
    assert totals == {
        "underspends": "£100,000",
        "risk_reserve": "£300,000",
        "uncommitted": "£300,000",
    }
    partners = page.locator('table[data-step="partners"]')
    assert partners.locator('[data-bearer="15N"]').inner_text() == "£180,000"
    assert partners.locator('[data-bearer="E10000008"]').inner_text() == "£120,000"
    assert "NHS Devon CCG" in partners.inner_text()
    check(page, "the year's position")

    # An overspend leaves no underspend: proposing one for a recurrent line is refused at the
    # line, with the reason.
    page.get_by_label("Spend line", exact=True).select_option(label="B: Line B (recurrent)")
    page.get_by_label("Amount", exact=True).fill("50,000")
    page.get_by_label("What it will buy").fill("More home care hours")
    page.get_by_role("button", name="Use the underspend").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "is recurrent" in summary.inner_text() and "non-recurrent" in summary.inner_text()
    check(page, "an underspend use refused")

    # The variance is beyond 1% of the pool: the action plan is recorded.
    panel = page.locator("#action-plan")
    assert "needs an action plan" in panel.inner_text()
    panel.get_by_label("Owner").fill("Morgan Reed, Pooled Fund Manager")
    page.fill("#id_due-day", "30")
    page.fill("#id_due-month", "11")
    page.fill("#id_due-year", "2020")
    panel.get_by_label("Actions").fill("Review home care packages; hold vacancies.")
    panel.get_by_role("button", name="Record the action plan").click()
    page.wait_for_url("**#action-plan")
    assert "owned by Morgan Reed, Pooled Fund Manager, due 30 November 2020" in main.inner_text()
    check(page, "the action plan recorded")

    # The Q2 return: the checklist at the top links to each missing entry.
    page.get_by_role("link", name="Q2 return").first.click()
    page.wait_for_url("**/q2/")
    checklist = page.locator("#checklist")
    assert "This return is not complete" in checklist.inner_text()
    check(page, "the return with its checklist")
    checklist.get_by_role("link", name=re.compile("Falls admissions, 65 and over")).click()
    page.wait_for_url("**#actual-falls_admissions_65")
    assert page.evaluate("location.hash") == "#actual-falls_admissions_65"
    page.fill("#actual-avoidable_admissions", "181.2")
    page.fill("#actual-discharge_usual_residence", "91.4")
    page.fill("#actual-falls_admissions_65", "515")
    page.fill("#actual-residential_admissions_65", "150")
    for code in (
        "jointly_agreed",
        "nhs_contribution_to_social_care",
        "out_of_hospital_investment",
        "discharge_policy",
    ):
        page.check(f"#condition-{code}")  # the first radio: yes
    page.get_by_role("button", name="Save the return").click()
    page.wait_for_url("**/q2/")
    assert "Nothing is missing" in main.inner_text()
    check(page, "a complete return")

    # The return as .xlsx; uploaded as the plan, it is the plan's next version.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the return as Excel (.xlsx)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "devon-2019-devon-bcf-2020-q2-return.xlsx"
    assert saved.read_bytes()[:2] == b"PK"
    page.get_by_role("link", name="Plan", exact=True).click()
    page.wait_for_url("**/plan/")
    assert "Version 1" in main.inner_text()
    check(page, "the plan")
    page.get_by_label("Plan workbook").set_input_files(str(saved))
    page.get_by_role("button", name="Upload the plan").click()
    page.wait_for_url("**/plan/")
    text = main.inner_text()
    assert "loaded as version 2" in text and "Version 2" in text
    check(page, "the plan's next version")

    # The plan downloads too, and a workbook that is not one is refused, nothing written.
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this plan as Excel (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    page.get_by_label("Plan workbook").set_input_files(str(junk))
    page.get_by_role("button", name="Upload the plan").click()
    page.locator(".nhsuk-error-summary").wait_for()
    assert "Version 2" in main.inner_text()
    check(page, "a workbook refused")


def test_the_clerk_cannot_sign_off_an_incomplete_return(page, pools):
    sign_in(page, "clerk-hwb-devon", YEAR + "q2/")
    main = page.locator("main")
    text = main.inner_text()
    assert "This return is not complete" in text
    assert "cannot be signed off until it is complete" in text
    assert page.get_by_role("button", name="Record the sign-off").count() == 0
    assert page.get_by_role("button", name="Save the return").count() == 0
    check(page, "the return, to the board's clerk")
