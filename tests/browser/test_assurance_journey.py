"""Assurance in the browser, with axe on every page: an analyst of NHS Devon CCG opens the
framework, assesses a period through the form (meeting its error first), reads the system
report (exceptions from the A&E series, the finance example and its pools, a quality concern)
and a place's, records a response to an exception and sees it carried on the report, downloads
the PDF, and records a quality concern; nothing scrolls sideways on a 375-pixel phone."""

from datetime import date

import pytest

from commonweal.assurance import actions
from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.demo.finance import add_finance
from commonweal.outcomes import actions as outcomes
from commonweal.outcomes import importers
from commonweal.registry.importers import import_all
from commonweal.registry.models import Area

from ..factories import EXAMPLES, data_dir, needs_data
from .helpers import axe_violations, needs_browser, sign_in
from .test_outcomes_journey import sideways

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_browser,
    needs_data,
]

BASE = "/systems/devon-2019/assurance/"


@pytest.fixture
def assured(universe):
    """The A&E series, the finance example with its pools, the assurance framework and a
    quality concern: what the reports of 2017/18 Q3 and 2020/21 Q4 need (QOF is left out:
    the real-data scenario test covers it)."""
    cl = Actor.command_line()
    path = data_dir()
    if not Organisation.objects.filter(code="U41591").exists():
        import_all(cl, path)
    importers.import_ae(cl, path / importers.AE)
    add_finance(cl)
    actions.load_framework(cl, *outcomes.read_document(EXAMPLES / "devon-2019-assurance.yaml"))
    actions.record_concern(
        cl,
        Area.objects.get(system__slug="devon-2019", code="north"),
        actions.ConcernIn(
            "RBZ", "Ambulance handover delays", "QSG", "high", "Corridor waits", date(2021, 1, 12)
        ),
    )


def test_an_analyst_assesses_reads_and_responds(page, browser, assured):
    main = page.locator("main")
    sign_in(page, "analyst-15n", BASE)
    assert page.locator("h1").inner_text() == "Monitoring and assurance"
    assert axe_violations(page) == [], "framework"

    # A period that cannot be read is refused on the form.
    page.get_by_role("textbox", name="Period").fill("2017 Q3")
    page.get_by_role("button", name="Assess the period").click()
    assert "is not a period" in page.locator(".nhsuk-error-summary").inner_text()
    assert page.title().startswith("Error:")
    assert axe_violations(page) == [], "the assess form's error"
    for period in ("2017-18-q3", "2020-21-q4"):
        page.get_by_role("textbox", name="Period").fill(period)
        page.get_by_role("button", name="Assess the period").click()
        page.wait_for_url(f"**{BASE}{period}/")
        page.goto(page.base + BASE)

    # The system report for 2020/21 Q4: the summary first, then each domain.
    page.goto(page.base + f"{BASE}2020-21-q4/")
    assert "Wider Devon" in page.locator("h1").inner_text()
    summary = main.locator("#summary + p").inner_text()
    assert "in standards" in summary and "in finance" in summary and "in pools" in summary
    assert main.get_by_text("Special cause concern on the SPC chart").count() >= 1
    assert main.get_by_text("Response (the pool's action plan)").count() >= 1
    assert main.locator("svg[role=img]").count() >= 1  # the SPC charts
    assert axe_violations(page) == [], "system report"

    # Respond to Northern Devon's exception; the report shows it.
    section = main.locator("section.cw-exception", has_text="Northern Devon Healthcare")
    section.get_by_role("link", name="Record a response").click()
    assert axe_violations(page) == [], "response form"
    page.get_by_role("button", name="Record the response").click()
    assert "Enter who owns the response" in page.locator(".nhsuk-error-summary").inner_text()
    assert axe_violations(page) == [], "response form's errors"
    page.get_by_label("Owner", exact=True).fill("Director of Commissioning")
    page.get_by_label("Response", exact=True).fill("The A&E delivery board meets weekly.")
    page.get_by_label("Action 1", exact=True).fill("Open the assessment unit")
    page.get_by_label("Action 1: who").fill("The trust")
    page.locator("#id_action_1_due-day").fill("30")
    page.locator("#id_action_1_due-month").fill("4")
    page.locator("#id_action_1_due-year").fill("2021")
    page.get_by_role("button", name="Record the response").click()
    page.wait_for_url("**/2020-21-q4/**")
    assert main.get_by_text("The A&E delivery board meets weekly.").count() >= 1
    assert main.get_by_text("Open the assessment unit").count() >= 1

    # North Devon's report, and its PDF.
    main.get_by_role("link", name="North Devon").first.click()
    page.wait_for_url(f"**{BASE}2020-21-q4/places/north/")
    assert main.get_by_text("Ambulance handover delays", exact=False).count() >= 1
    assert axe_violations(page) == [], "place report"
    pdf = page.request.get(page.base + f"{BASE}2020-21-q4/places/north/report.pdf")
    assert pdf.status == 200 and pdf.body()[:5] == b"%PDF-"

    # Quality surveillance: the concern, and the form to record another.
    page.goto(page.base + f"{BASE}concerns/")
    assert main.get_by_text("QC-0001: Ambulance handover delays").count() == 1
    assert axe_violations(page) == [], "concerns"

    # Signed in on the phone too (the session's cookie).
    phone = browser.new_context(
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        storage_state=page.context.storage_state(),
    )
    small = phone.new_page()
    try:
        for path in (BASE, f"{BASE}2020-21-q4/", f"{BASE}2020-21-q4/places/north/"):
            small.goto(page.base + path)
            assert small.url.endswith(path), small.url
            assert sideways(small) is None, (path, sideways(small))
    finally:
        phone.close()
