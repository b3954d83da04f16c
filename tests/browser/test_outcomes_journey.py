"""Outcomes in the browser, on the real data, with axe on every page: a member of the public
opens Devon's framework, a PCN's profile (its spine chart), hypertension across the GP
practices (the funnel plot), an A&E series (the SPC chart and its variation icon) and a place's
profile; each is free of accessibility violations and none scrolls sideways on a 375-pixel
phone. An analyst then meets the rebase form's error and the Fingertips import page."""

import time

import pytest

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.outcomes import actions, data, presenters
from commonweal.registry.actions import add_pcns, assign_networks
from commonweal.registry.importers import import_all
from commonweal.registry.models import System

from ..factories import EXAMPLES, data_dir, needs_data
from .helpers import axe_violations, needs_browser, sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    needs_browser,
    needs_data,
]

PUBLIC = "/public/systems/devon-2019/outcomes/"
BASE = "/systems/devon-2019/outcomes/"
PCN = "U50322"  # Barnstaple Alliance PCN
SERIES = "ae-rh8-four-hour"
PAGES = {
    "framework": PUBLIC,
    "pcn": f"{PUBLIC}profiles/{PCN}/",
    "funnel": f"{PUBLIC}indicators/qof-hyp-prevalence/?area_type=GP+practice",
    "series": f"{PUBLIC}series/{SERIES}/",
    "place": f"{PUBLIC}profiles/devon-2019.north/",
    "england": f"{PUBLIC}profiles/E92000001/",
    "indicator-places": f"{PUBLIC}indicators/qof-hyp-prevalence/",
    "series-list": f"{PUBLIC}series/",
}


@pytest.fixture
def outcomes(universe):
    """The registry (a transactional test before this one flushed it), Devon's PCNs and
    places, the catalogues, the framework and every outcomes file: as the command line loads
    them."""
    started = time.monotonic()
    cl = Actor.command_line()
    path = data_dir()
    if not Organisation.objects.filter(code="U41591").exists():
        import_all(cl, path)
    add_pcns(cl, System.objects.get(slug="devon-2019"), "15N", parent="wider-devon")
    assign_networks(cl, EXAMPLES / "devon-2019-pcn-places.yaml")
    data.load_shipped(cl)
    actions.load_framework(cl, *actions.read_document(EXAMPLES / "devon-2019-outcomes.yaml"))
    data.import_all(cl, path)
    presenters._spread.cache_clear()
    return time.monotonic() - started


def chart(page, element_id: str):
    """A chart drawn on the server: an SVG image titled by its <title>."""
    svg = page.locator(f'svg[aria-labelledby^="{element_id}-title"]')
    assert svg.count() == 1, element_id
    assert svg.get_attribute("role") == "img"
    title = svg.locator(f"title#{element_id}-title")
    assert title.count() == 1 and title.text_content().strip()
    return svg


def sideways(page) -> dict[str, int] | None:
    """How far the page scrolls sideways (None if it does not), and its widest element."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return null;
            let widest = null, right = 0;
            for (const el of document.body.querySelectorAll('*')) {
                const r = el.getBoundingClientRect().right;
                if (r > right) { right = r; widest = el.tagName + '.' + el.className; }
            }
            return {scroll: root.scrollWidth, client: root.clientWidth, widest: String(widest)};
        }"""
    )


def test_the_public_outcomes_pages_then_an_analysts_forms(page, browser, outcomes):
    # One test, so that the data (every outcomes file, QOF computed) is loaded once: a
    # transactional test's database is flushed after it.
    public_pages(page, browser)
    an_analyst_meets_the_forms(page)


def public_pages(page, browser) -> None:
    main = page.locator("main")
    page.goto(page.base + PAGES["framework"])
    assert page.locator("h1").inner_text() == "Outcomes"
    assert main.get_by_text("Illustrative framework").count() >= 1
    assert axe_violations(page) == [], "framework"

    # From the framework to Barnstaple's profile: its spine chart.
    main.get_by_role("link", name="Barnstaple Alliance PCN").click()
    page.wait_for_url("**" + PAGES["pcn"])
    spine = chart(page, "spine-chart")
    assert "Barnstaple Alliance PCN" in spine.locator("title").first.text_content()
    assert main.get_by_text("No population breakdown by age and sex is loaded").count() == 1
    assert axe_violations(page) == [], "PCN profile"

    # Hypertension across the practices: the funnel, with its outliers named.
    page.goto(page.base + PAGES["funnel"])
    chart(page, "funnel-chart")
    assert main.get_by_text("Beyond the 99.8% limits:").count() == 1
    assert page.locator("#area_type").input_value() == "GP practice"
    assert axe_violations(page) == [], "funnel"
    # Its figures, behind the details, open and are still accessible.
    page.get_by_text("The funnel plot's figures", exact=True).first.click()
    assert page.locator("#funnel-caption").is_visible()
    assert axe_violations(page) == [], "funnel figures"

    # Choosing places on the same page.
    page.locator("#area_type").select_option("Place")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**area_type=Place")
    assert page.locator("#values-caption").inner_text().startswith("Places of")

    # An A&E series: the SPC chart and the variation icon.
    page.goto(page.base + PAGES["series"])
    chart(page, "spc-chart")
    icon = page.locator(".cw-icons svg").first
    assert icon.get_attribute("role") == "img"
    assert icon.locator("title").text_content().startswith(("Common cause", "Special cause"))
    assert page.locator("textarea").count() == 0, "no form on the public page"
    assert axe_violations(page) == [], "series"

    # North Devon's profile.
    page.goto(page.base + PAGES["place"])
    chart(page, "spine-chart")
    assert page.locator("h1").inner_text() == "North Devon"
    assert axe_violations(page) == [], "place profile"

    # England's, with its population pyramid.
    page.goto(page.base + PAGES["england"])
    chart(page, "pyramid-chart")
    assert axe_violations(page) == [], "England"

    # On a phone, nothing scrolls sideways: wide tables scroll in their own box.
    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    small = phone.new_page()
    try:
        for name, path in PAGES.items():
            small.goto(page.base + path)
            assert small.evaluate("document.documentElement.clientWidth") == 375, name
            assert sideways(small) is None, (name, sideways(small))
        # The check sees a page that does scroll sideways.
        small.evaluate(
            "() => { const d = document.createElement('div'); d.style.width = '600px';"
            " d.style.height = '1px'; document.querySelector('main').append(d); }"
        )
        assert sideways(small)["scroll"] > 375
    finally:
        phone.close()


def an_analyst_meets_the_forms(page) -> None:
    sign_in(page, "analyst-15n", f"{BASE}series/{SERIES}/")
    chart(page, "spc-chart")
    assert axe_violations(page) == [], "series with the rebase form"
    page.get_by_label("The month the process changed").select_option(label="Dec 2017")
    page.get_by_role("button", name="Record the rebase point").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Enter why the process changed" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert axe_violations(page) == [], "the rebase form's error"
    # Put right, the rebase is recorded and drawn.
    page.get_by_label("Why the process changed").fill("Streaming at the front door began")
    page.get_by_role("button", name="Record the rebase point").click()
    page.wait_for_url("**" + f"{BASE}series/{SERIES}/")
    assert "A rebase is recorded at December 2017" in page.locator("body").inner_text()
    assert page.locator("main").get_by_text("Streaming at the front door began").count() == 1
    assert axe_violations(page) == [], "series with a rebase"

    page.goto(page.base + f"{BASE}import/")
    assert axe_violations(page) == [], "import"
    page.get_by_role("button", name="Import the file").click()
    assert (
        "Select the Fingertips file to upload" in page.locator(".nhsuk-error-summary").inner_text()
    )
    assert axe_violations(page) == [], "import with its error"
