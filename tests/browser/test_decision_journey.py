"""Issue 11's journey, in the browser, with axe on every page: the ICE's clerk records a joint
decision binding all four organisations, then one where Torbay's member withdrew (Torbay's part
is refused on the page, the others stand); the Governing Body's clerk is refused an inquorate
decision, takes it by urgent action instead, and records its ratification at the next meeting;
an officer's decision over their limit is refused with the clause; an action agreed at the ICE
is carried to its next meeting, and the minutes are drafted, approved there, and locked."""

from datetime import date, timedelta

import pytest

from commonweal.core.actions import Actor
from commonweal.core.models import Person
from commonweal.decisions.models import Decision, Minutes
from commonweal.governance.models import Body, Post
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting

from .helpers import axe_violations, needs_browser, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), needs_browser]

CL = Actor.command_line

ICE_PRESENT = (
    ("alex-morgan", "15N/accountable-officer"),
    ("sam-patel", "15N/director-of-commissioning"),
    ("lou-barnes", "E10000008/dass"),
    ("rae-young", "E06000026/dass"),
    ("val-owen", "E06000027/dass"),
)
DECIDERS = {
    "15N": "alex-morgan|15N/accountable-officer",
    "E10000008": "lou-barnes|E10000008/dass",
    "E06000026": "rae-young|E06000026/dass",
    "E06000027": "val-owen|E06000027/dass",
}
GB_PRESENT = (
    ("dr-lee-harper", "15N/clinical-chair"),
    ("dr-ann-cole", "15N/clinical-lead-north"),
    ("dr-ben-ford", "15N/clinical-lead-east"),
    ("alex-morgan", "15N/accountable-officer"),
    ("jo-evans", "15N/director-of-financial-planning"),
    ("eve-grant", "15N/lay-member-governance"),
)


# The meetings, set up as tests/decisions/test_decisions.py does --------------------------------


def body(code):
    return Body.objects.get(system__slug="devon-2019", code=code)


def post(ref):
    o, _, code = ref.partition("/")
    return Post.objects.get(organisation__code=o, code=code)


def person(key):
    return Person.objects.get(key=key)


def held_meeting(b, days_ago, items):
    m = meetings.schedule_meeting(
        CL(),
        b,
        meetings.at(date.today() - timedelta(days=days_ago), 10, 0),
        status=Meeting.Status.CONFIRMED,
    )
    for title in items:
        # Added to a meeting now past, for the test: so late, with the chair's agreement.
        meetings.add_agenda_item(
            CL(),
            m,
            meetings.ItemIn(
                title=title, kind="decision", urgency_reason="Test.", chair_agreed=True
            ),
        )
    return m


def attend(m, rows):
    for key, ref in rows:
        meetings.record_attendance(
            CL(), m, meetings.AttendanceIn(person=person(key), capacity="member", post=post(ref))
        )


def withdraw(m, key, number):
    meetings.record_declaration(
        CL(),
        m,
        meetings.DeclarationIn(
            person=person(key),
            items=[m.items.get(number=number)],
            ruling="withdraw",
            description="A relative works for a bidder",
            kind="non_financial_personal",
        ),
    )


@pytest.fixture
def ice_meeting(universe):
    """The ICE held a week ago, everyone present; Val Owen withdrew from item 2."""
    m = held_meeting(body("ice"), 7, ("Joint strategy for home care", "Community equipment"))
    attend(m, ICE_PRESENT)
    withdraw(m, "val-owen", 2)
    return m


@pytest.fixture
def gb_meetings(universe):
    """The Governing Body a fortnight ago (Dr Ann Cole withdrew from its one item, leaving it
    inquorate) and yesterday, the next meeting, which ratifies what was taken urgently."""
    m = held_meeting(body("governing-body"), 14, ("Commissioning policy",))
    attend(m, GB_PRESENT)
    withdraw(m, "dr-ann-cole", 1)
    following = held_meeting(body("governing-body"), 1, ("Urgent action taken",))
    return m, following


def check(page, what):
    assert axe_violations(page) == [], what


def main_text(page):
    return page.locator("main").inner_text()


def fill_date(page, name, on):
    page.fill(f"input[name={name}-day]", str(on.day))
    page.fill(f"input[name={name}-month]", str(on.month))
    page.fill(f"input[name={name}-year]", str(on.year))


# 1. Decisions at the ICE -------------------------------------------------------------------


def record_joint(page, m, number):
    page.goto(page.base + f"/meetings/{m.pk}/record/")
    check(page, "meeting record")
    page.get_by_role("link", name=f"Record the outcome of item {number}").click()
    page.wait_for_url(f"**/meetings/{m.pk}/items/{number}/decide/")
    check(page, f"record item {number}")
    page.check("input[name=outcome][value=decision]")
    page.fill("input[name=title]", "Joint strategy")
    page.fill("textarea[name=resolution]", "Agreed the joint strategy.")
    page.select_option("select[name=decision_type]", "joint_strategy")
    for code, decider in DECIDERS.items():
        page.check(f"input[name=include_{code}]")
        page.fill(f"input[name=amount_{code}]", "0")
        page.select_option(f"select[name=decider_{code}]", decider)
        page.check(f"input[name=consent_{code}]")
    page.get_by_role("button", name="Record it").click()
    page.wait_for_url("**/decisions/*/")
    check(page, f"decision at item {number}")
    return Decision.objects.get(item__meeting=m, item__number=number)


def binds(page):
    rows = page.locator("table.nhsuk-table tbody tr")
    out = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        out[cells.nth(0).inner_text().strip()] = cells.nth(3).inner_text().strip()
    return out


def test_the_ice_records_a_joint_decision_and_a_conflicted_part_is_refused(page, ice_meeting):
    m = ice_meeting
    sign_in(page, "clerk-ice", f"/meetings/{m.pk}/record/")
    check(page, "meeting record on sign-in")

    d = record_joint(page, m, 1)
    assert f"{d.reference} is recorded" in main_text(page)
    assert "Joint strategy" in page.locator("h1").inner_text()
    assert "part was not recorded" not in main_text(page)
    bound = binds(page)
    assert len(bound) == 4 and set(bound.values()) == {"Yes"}, bound
    assert sorted(d.binds) == ["15N", "E06000026", "E06000027", "E10000008"]

    # Item 2: Val Owen withdrew, so Torbay's part is refused while the others stand.
    d2 = record_joint(page, m, 2)
    text = main_text(page)
    warning = next(line for line in text.splitlines() if "part was not recorded" in line)
    assert "Torbay" in warning and "Val Owen" in warning and "conflict" in warning.lower()
    assert f"{d2.reference} is recorded" in text
    bound = binds(page)
    assert len(bound) == 3 and set(bound.values()) == {"Yes"}, bound
    assert not any("Torbay" in name for name in bound)
    assert sorted(d2.binds) == ["15N", "E06000026", "E10000008"]

    # Both are on the meeting's record.
    page.goto(page.base + f"/meetings/{m.pk}/record/")
    text = main_text(page)
    assert d.reference in text and d2.reference in text
    check(page, "meeting record with decisions")


# 2. The Governing Body: inquorate, urgent action, ratification ------------------------------


def test_an_inquorate_item_is_taken_by_urgent_action_then_ratified(page, gb_meetings):
    m, following = gb_meetings
    url = f"/meetings/{m.pk}/items/1/decide/"
    sign_in(page, "clerk-gb", url)
    check(page, "record the item")

    page.check("input[name=outcome][value=decision]")
    page.fill("textarea[name=resolution]", "Adopted the policy.")
    page.select_option("select[name=decision_type]", "policy")
    page.check("input[name=include_15N]")
    page.fill("input[name=amount_15N]", "0")
    page.fill("input[name=for_15N]", "5")
    page.fill("input[name=against_15N]", "0")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Record it").click()
    assert posted.value.status == 400
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "not quorate" in summary and "urgent action" in summary
    assert page.title().startswith("Error:")
    assert Decision.objects.count() == 0
    check(page, "inquorate decision refused")

    # The urgent action, from the link on the page.
    page.get_by_role("link", name="take it by urgent action", exact=True).click()
    page.wait_for_url(f"**/meetings/{m.pk}/items/1/urgent/")
    check(page, "urgent action form")
    fill_date(page, "on", date.today() - timedelta(days=4))
    page.fill("textarea[name=urgency]", "The policy must be in place before the contract starts.")
    page.fill("textarea[name=resolution]", "Adopted the policy.")
    page.select_option("select[name=decision_type]", "policy")
    for taker in ("dr-lee-harper|15N/clinical-chair", "alex-morgan|15N/accountable-officer"):
        page.check(f"input[name=takers][value='{taker}']")
    page.check("input[name=consulted][value='finn-oakes|15N/lay-member-ppi']")
    page.check("input[name=include_15N]")
    page.fill("input[name=amount_15N]", "0")
    page.get_by_role("button", name="Record the urgent action").click()
    page.wait_for_url("**/decisions/*/")
    d = Decision.objects.get()
    assert d.basis == "urgent"
    assert "Awaiting ratification" in page.locator("main p .nhsuk-tag").first.inner_text()
    assert "awaiting ratification" in main_text(page)
    check(page, "urgent action awaiting ratification")

    # The next meeting ratifies it.
    page.select_option("select[name=meeting]", str(following.pk))
    page.get_by_role("button", name="Record the ratification").click()
    page.wait_for_selector(f"text={d.reference} is ratified")
    assert "Awaiting ratification" not in main_text(page)
    assert "Ratify this urgent action" not in main_text(page)
    check(page, "ratified")


# 3. An officer's decision over the limit ----------------------------------------------------


def test_an_officer_decision_over_the_limit_is_refused_with_the_clause(page, universe):
    url = "/systems/devon-2019/officer-decisions/new/"
    sign_in(page, "commissioner-15n", url)
    check(page, "officer decision form")
    page.check("input[name=outcome][value=decision]")
    page.fill("input[name=title]", "Extra community beds")
    page.fill("textarea[name=resolution]", "Commit £150,000.")
    page.select_option("select[name=decision_type]", "revenue_commitment")
    fill_date(page, "on", date.today() - timedelta(days=1))
    page.select_option("select[name=organisation]", "15N")
    page.fill("input[name=amount]", "150000")
    page.select_option("select[name=decider]", "sam-patel|15N/director-of-commissioning")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Record the decision").click()
    assert posted.value.status == 400
    summary = page.locator(".nhsuk-error-summary").inner_text()
    assert "£100,000" in summary and "D1.1" in summary
    assert Decision.objects.count() == 0
    check(page, "officer decision refused")


# 4. Actions carried forward, minutes approved and locked ------------------------------------


def test_an_action_is_carried_forward_and_the_minutes_are_approved_and_locked(page, ice_meeting):
    m = ice_meeting
    later = held_meeting(body("ice"), 1, ("Minutes of the last meeting",))
    sign_in(page, "clerk-ice", f"/meetings/{m.pk}/record/")
    check(page, "meeting record")

    page.fill("textarea[name=description]", "Report on home care waiting lists")
    page.select_option("select[name=owner]", "sam-patel")
    fill_date(page, "due", date.today() + timedelta(days=14))
    page.get_by_role("button", name="Add the action").click()
    page.wait_for_selector("text=The action is recorded")
    agreed = main_text(page).split("Actions agreed at this meeting")[1]
    assert "Sam Patel: Report on home care waiting lists" in agreed
    check(page, "action recorded")

    page.goto(page.base + f"/meetings/{later.pk}/record/")
    carried = main_text(page).split("Actions carried forward")[1].split("Actions agreed")[0]
    assert "Sam Patel: Report on home care waiting lists" in carried
    check(page, "later meeting's record")

    # The minutes, drafted from the record, approved at the later meeting, then locked.
    page.goto(page.base + f"/meetings/{m.pk}/record/")
    page.get_by_role("button", name="Draft the minutes from the record").click()
    page.wait_for_url("**/minutes/*/")
    minutes = Minutes.objects.get(meeting=m)
    assert "The minutes are drafted" in main_text(page)
    check(page, "draft minutes")
    page.select_option("select[name=meeting]", str(later.pk))
    page.get_by_role("button", name="Record the approval").click()
    page.wait_for_selector("text=The minutes are approved and locked")
    assert "Approved and locked" in main_text(page)
    assert page.locator("form input[name=form][value=edit]").count() == 0
    assert page.get_by_role("button", name="Save the minutes").count() == 0
    check(page, "approved minutes")
    minutes.refresh_from_db()
    assert minutes.status == "approved"

    # An edit posted anyway is refused, and the text stands.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    refused = page.request.post(
        page.url,
        form={"form": "edit", "text": "Rewritten", "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
    )
    assert refused.status in (400, 409), refused.status
    assert Minutes.objects.get(pk=minutes.pk).text == minutes.text
