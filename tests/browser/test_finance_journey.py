"""Budget monitoring in the browser, with axe on every page: the CCG's finance lead signs in,
opens 2020/21's monitoring table, groups it by programme in pounds, drills into the CCG's cost
centres, reads the chart and the table of its figures, closes M1, opens the system position,
and then the public page of the position, which shows the closed month; each page on a phone
too, without the page scrolling sideways (wide tables scroll inside their own container)."""

import re
from datetime import date

import pytest

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.finance import actions
from commonweal.finance.actions import EntryIn, LineIn
from commonweal.registry.models import Area, System

from .helpers import axe_violations, needs_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]

YEAR = "/systems/devon-2019/finance/2020/"


@pytest.fixture
def ledger(universe):
    """Devon's 2020/21 ledger to M3 (the CCG's lines and Torbay Council's), built through the
    actions as the command line would."""
    cl = Actor.command_line()
    system = System.objects.get(slug="devon-2019")
    ccg = Organisation.objects.get(code="15N")
    torbay = Organisation.objects.get(code="E06000027")
    year = actions.open_year(cl, system, 2020)
    north = Area.objects.filter(system=system, code="north").first()
    lines = actions.add_lines(
        cl,
        system,
        [
            LineIn(ccg, "A100", "Acute contracts", "Acute", north),
            LineIn(ccg, "C200", "Community services", "Community"),
            LineIn(ccg, "P300", "Primary care prescribing", "Primary care"),
            LineIn(ccg, "I900", "Other income", "Corporate", nature="income"),
            LineIn(torbay, "T300", "Adult social care", "Adult social care"),
        ],
    )
    monthly = [152_978_000_00, 25_112_345_67, 14_250_000_00, 1_234_567_89, 9_876_543_21]
    spent = [154_100_000_00, 24_900_000_00, 14_500_000_00, 1_300_000_00, 10_200_000_00]
    entries = []
    for line, budget, actual in zip(lines, monthly, spent, strict=True):
        entries += [EntryIn(line, m, "budget", budget) for m in range(1, 13)]
        entries += [EntryIn(line, m, "actual", actual) for m in range(1, 4)]
        entries += [EntryIn(line, m, "forecast", actual, as_at=3) for m in range(4, 13)]
    entries += [
        EntryIn(lines[0], 3, "allocation", 3_000_000_00, label="HDP"),
        EntryIn(lines[0], 8, "allocation_forecast", 9_000_000_00, as_at=3, label="HDP"),
    ]
    actions.post_entries(cl, year, entries)
    actions.record_plan(
        cl,
        year,
        ccg,
        name="Revised financial framework",
        agreed_on=date(2020, 10, 1),
        position=0,
        savings_requirement=None,
    )
    return year


def check(page, what):
    assert axe_violations(page) == [], what


OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def no_sideways_scroll(page, what):
    # The header folds its navigation into "More" once it has seen the new width: ask again a
    # few times before deciding.
    overflow = page.evaluate(OVERFLOW)
    for _ in range(50):
        if overflow <= 0:
            break
        page.wait_for_timeout(100)
        overflow = page.evaluate(OVERFLOW)
    assert overflow <= 0, f"{what} scrolls sideways by {overflow}px"


def on_a_phone(page, what):
    """At 375 px wide the page body does not scroll sideways; axe is still content."""
    no_sideways_scroll(page, what)
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    no_sideways_scroll(page, f"{what} on a phone")
    check(page, f"{what} at 375px")
    page.set_viewport_size(size)


def test_a_finance_lead_reads_the_monitoring_and_the_position_then_the_public_page(page, ledger):
    sign_in(page, "jo-evans", YEAR)
    assert "Budget monitoring 2020/21" in page.locator("h1").inner_text()
    main = page.locator("main")
    assert "as at M3 (Jun 2020), in £'000" in main.inner_text()
    check(page, "monitoring page")
    on_a_phone(page, "monitoring page")

    # Grouped by programme, in pounds and pence.
    page.get_by_label("Group by").select_option("programme")
    page.get_by_label("Figures in").select_option("pounds")
    page.get_by_role("button", name="Show the table").click()
    page.wait_for_url("**by=programme**")
    assert "units=pounds" in page.url
    table = page.locator("table", has=page.locator("#monitoring-caption"))
    rows = table.locator("tbody tr th[scope=row]").all_inner_texts()
    assert rows == [
        "Acute",
        "Adult social care",
        "Community",
        "Corporate",
        "Primary care",
        "Total",
    ]
    budget = table.locator('td[data-key="Acute"][data-column="budget"]').inner_text()
    assert budget == f"{12 * 152_978_000:,}.00"
    check(page, "monitoring by programme in pounds")

    # Back to organisations, then into the CCG's cost centres.
    page.get_by_label("Group by").select_option("organisation")
    page.get_by_role("button", name="Show the table").click()
    page.wait_for_url("**by=organisation**")
    page.get_by_role("link", name=re.compile(r"^NHS Devon CCG\s*: its cost centres$")).click()
    page.wait_for_url("**org=15N**")
    assert "NHS Devon CCG (15N) by cost centre" in main.inner_text()
    labels = page.locator("#monitoring-caption").locator("xpath=..").locator("tbody th[scope=row]")
    assert labels.all_inner_texts()[:2] == ["A100 Acute contracts", "C200 Community services"]
    assert "T300" not in main.inner_text()

    # The chart: an image with a name and a description, and a table of its figures.
    chart = page.get_by_role("img", name="Chart: cumulative plan, actual and forecast")
    assert chart.count() == 1 and chart.is_visible()
    assert "the plan for the year is" in chart.evaluate("e => e.querySelector('desc').textContent")
    figures = page.locator("table", has=page.locator("#chart-table-caption"))
    assert figures.locator("tbody tr").count() == 12
    assert figures.locator('td[data-chart="3"][data-series="actual"]').inner_text().strip()
    check(page, "the CCG's cost centres, with the chart")
    on_a_phone(page, "the CCG's cost centres")

    # Close M1: the books of April are final.
    page.get_by_text("Close M1 (Apr 2020)").click()  # the disclosure: closing is final
    page.get_by_role("button", name="Close M1").click()
    page.wait_for_load_state()
    assert "Confirm that the month is to be closed for good" in main.inner_text()
    page.get_by_label("I understand that a closed month never reopens").check()
    page.get_by_role("button", name="Close M1").click()
    page.wait_for_load_state()
    assert "M1 (Apr 2020) is closed" in main.inner_text()
    page.get_by_text("Close M2 (May 2020)").click()
    assert page.get_by_role("button", name="Close M2").count() == 1
    check(page, "after closing M1")

    # The system position, by the year's rule.
    page.get_by_role("link", name="System position").click()
    page.wait_for_url("**/position/**")
    text = main.inner_text()
    assert "Providers and CCGs must achieve financial balance" in text
    assert "balanced budget" in text and "Torbay Council" in text
    check(page, "system position")
    on_a_phone(page, "system position")

    # The public page: the position as at the closed month, no cost centre.
    page.get_by_role("link", name="The public page of the system position").click()
    page.wait_for_url("**/public/systems/devon-2019/finance/2020/")
    text = main.inner_text()
    assert "As at M1 (Apr 2020)" in text
    assert "NHS Devon CCG" in text and "A100" not in text and "Acute contracts" not in text
    check(page, "public finance page")
    on_a_phone(page, "public finance page")
    assert page.requested_hosts == {page.base.split("//", 1)[1]}


def test_the_finance_lead_imports_a_return_and_makes_a_virement(page, universe, tmp_path):
    from commonweal.finance import example, returns
    from commonweal.finance.models import BudgetLine, Return

    cl = Actor.command_line()
    system = System.objects.get(slug=example.SYSTEM)
    actions.open_year(cl, system, example.YEAR)
    workbook = example.write_example(tmp_path / "devon-m10.xlsx")

    sign_in(page, "jo-evans", "/systems/devon-2019/finance/")
    main = page.locator("main")
    check(page, "the financial years")
    page.get_by_role("link", name="2020/21").click()
    page.wait_for_url("**" + YEAR)
    assert "The ledger has no entries" in main.inner_text()
    check(page, "an empty year")

    # A monthly return: uploaded, read by the worker while the page waits, then shown.
    page.get_by_role("link", name="Monthly returns").click()
    page.wait_for_url("**/returns/")
    check(page, "monthly returns")
    page.get_by_label("Monthly return").set_input_files(str(workbook))
    page.get_by_label("Month it reports").select_option("10")
    page.get_by_role("button", name="Import the return").click()
    page.wait_for_url(re.compile(r".*/returns/\d+/$"))
    assert "The return is being read" in main.inner_text()
    assert page.get_by_label("Progress").evaluate("e => e.tagName") == "PROGRESS"
    check(page, "a return being read")
    on_a_phone(page, "a return being read")
    returns.run_import(Return.objects.get().pk)
    # The page asks how it is going every two seconds, and reloads itself when it is done.
    page.locator("[data-cw-poll]").wait_for(state="detached", timeout=10_000)
    assert re.search(r"Imported [\d,]+ entries", main.inner_text())
    check(page, "a return imported")

    # Plans and savings.
    page.get_by_role("link", name="Budget monitoring as at M10 (Jan 2021)").click()
    page.wait_for_url("**month=10")
    page.get_by_role("link", name="Plans and savings").click()
    page.wait_for_url("**/savings/**")
    check(page, "plans and savings")
    on_a_phone(page, "plans and savings")

    # A virement over the Director of Financial Planning's limit is refused, with the clause;
    # one within it is recorded as a decision and moves the budget.
    page.get_by_role("link", name="Virement").click()
    page.wait_for_url("**/virements/new/")
    check(page, "the virement form")
    lines = BudgetLine.objects.filter(system=system, organisation__code="15N", nature="expenditure")
    source, target = lines.order_by("cost_centre")[:2]
    page.get_by_label("Move budget from").select_option(str(source.pk))
    page.get_by_label("Move budget to").select_option(str(target.pk))
    page.get_by_label("Amount").fill("300,000")
    page.fill("#id_on-day", "14")
    page.fill("#id_on-month", "1")
    page.fill("#id_on-year", "2021")
    page.get_by_label("Reason").fill("Community services take on the discharge pathway.")
    page.get_by_role("button", name="Record the virement").click()
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    assert "D5" in summary.inner_text()
    check(page, "a virement refused")
    on_a_phone(page, "a virement refused")
    page.get_by_label("Amount").fill("25,000")
    page.get_by_role("button", name="Record the virement").click()
    page.wait_for_url(re.compile(r".*/decisions/\d+/$"))
    assert "the budget moved" in main.inner_text()
    check(page, "the virement's decision")
