"""Each part of a decision names the budget line (cost centre) it commits, and the scheme's
"within budget" check asks the ledger what the line has left: valid decisions not yet raised
as orders count against it, and once orders are raised under a decision it is not counted
twice. A line the organisation does not have in the ledger is put right on the form."""

from datetime import date, timedelta

import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation, Person
from commonweal.decisions import context, forms
from commonweal.decisions.models import Decision, DecisionPart
from commonweal.finance import actions as finance
from commonweal.finance import ledger
from commonweal.finance.actions import EntryIn, LineIn
from commonweal.finance.ledger import budget_lines
from commonweal.finance.models import Kind
from commonweal.governance.models import Body, Post
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting

pytestmark = pytest.mark.django_db

CL = Actor.command_line
OFFICER = "/systems/devon-2019/officer-decisions/new/"
SAM = "sam-patel|15N/director-of-commissioning"
ON = "2020-06-01"  # in 2020/21


def org(code):
    return Organisation.objects.get(code=code)


def post(ref):
    o, _, code = ref.partition("/")
    return Post.objects.get(organisation__code=o, code=code)


def person(key):
    return Person.objects.get(key=key)


def test_finance_tells_the_forms_an_organisations_budget_lines():
    from commonweal.finance import ledger

    assert ledger.budget_lines in context.BUDGET_LINES


@pytest.fixture
def ledger_2020(devon):
    """2020/21: the CCG's community beds line with a budget of £100,000, and another line."""
    year = finance.open_year(CL(), devon, 2020)
    beds, _ = finance.add_lines(
        CL(),
        devon,
        [
            LineIn(org("15N"), "C100", "Community beds", programme="Community"),
            LineIn(org("15N"), "C200", "Discharge to assess", programme="Community"),
        ],
    )
    finance.post_entries(CL(), year, [EntryIn(beds, 1, Kind.BUDGET, 100_000_00)])
    return year, beds


def officer_decision(client, amount, budget_line="C100", title="Extra community beds"):
    return client.post(
        OFFICER,
        {
            "outcome": "decision",
            "title": title,
            "resolution": f"Commit £{amount} to community beds.",
            "decision_type": "revenue_commitment",
            "on": ON,
            "organisation": "15N",
            "amount": amount,
            "budget_line": budget_line,
            "decider": SAM,
        },
    )


def budget_check(decision):
    [check] = [c for c in decision.checks if c["code"] == "over-budget"]
    return check


def test_the_officer_form_asks_for_the_budget_line(universe, ledger_2020):
    client = Client()
    client.force_login(universe.accounts["commissioner-15n"])
    html = client.get(OFFICER).content.decode()
    assert "Budget line (cost centre)" in html and 'name="budget_line"' in html
    assert 'maxlength="40"' in html and "The cost centre the money comes from" in html


def test_decisions_not_yet_ordered_count_against_the_line_and_orders_do_not_twice(
    universe, ledger_2020
):
    year, beds = ledger_2020
    client = Client()
    client.force_login(universe.accounts["commissioner-15n"])
    response = officer_decision(client, "90000")
    assert response.status_code == 302, response.content.decode()[:3000]
    first = Decision.objects.get(title="Extra community beds")
    assert first.valid
    part = first.parts.get()
    assert part.budget_line == "C100"
    check = budget_check(first)
    assert check["status"] == "passed", check
    assert "£90,000 is within the £100,000 available" in check["sentence"]
    page = client.get(f"/decisions/{first.pk}/").content.decode()
    assert "Budget line" in page and "C100" in page
    assert "£90,000 is within the £100,000 available" in page
    # The first decision, valid and not yet raised as orders, holds £90,000 of the line.
    assert ledger.line_available(beds, year) == 10_000_00
    response = officer_decision(client, "90000", title="More community beds")
    assert response.status_code == 400
    assert "£90,000 is more than the £10,000 available in the budget" in response.content.decode()
    assert not Decision.objects.filter(title="More community beds").exists()
    # Orders raised under the first decision replace its undrawn commitment: not counted twice.
    finance.post_entries(
        CL(), year, [EntryIn(beds, 3, Kind.COMMITMENT, 60_000_00, decision_part=part)]
    )
    assert ledger.line_available(beds, year) == 10_000_00
    finance.post_entries(
        CL(), year, [EntryIn(beds, 4, Kind.COMMITMENT, 30_000_00, decision_part=part)]
    )
    assert ledger.line_available(beds, year) == 10_000_00
    # Paid: the order leaves the commitments and the payment is an actual.
    finance.post_entries(
        CL(),
        year,
        [
            EntryIn(beds, 5, Kind.COMMITMENT, -90_000_00, decision_part=part),
            EntryIn(beds, 5, Kind.ACTUAL, 90_000_00, decision_part=part),
        ],
    )
    assert ledger.line_available(beds, year) == 10_000_00
    # What is left may still be committed, and no more.
    assert officer_decision(client, "10000.01", title="A penny over").status_code == 400
    response = officer_decision(client, "10000", title="The last of it")
    assert response.status_code == 302, response.content.decode()[:3000]
    assert budget_check(Decision.objects.get(title="The last of it"))["status"] == "passed"
    assert ledger.line_available(beds, year) == 0


def test_a_line_the_organisation_does_not_have_is_put_right_on_the_form(universe, ledger_2020):
    client = Client()
    client.force_login(universe.accounts["commissioner-15n"])
    response = officer_decision(client, "1000", budget_line="C999")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a cost centre NHS Devon CCG has in the ledger, such as C100 or C200" in html
    assert 'href="#id_budget_line"' in html  # the error summary links to the field
    assert not Decision.objects.exists()
    too_long = officer_decision(client, "1000", budget_line="C" * 41)
    assert too_long.status_code == 400 and not Decision.objects.exists()
    # No line named: the budget is not checked, and the decision stands on its other checks.
    response = officer_decision(client, "1000", budget_line="")
    assert response.status_code == 302, response.content.decode()[:3000]
    d = Decision.objects.get()
    assert d.valid and d.parts.get().budget_line == ""
    assert budget_check(d)["status"] == "not_checked"


def test_an_organisation_without_lines_in_the_ledger_is_not_checked_on_the_form(
    universe, ledger_2020
):
    def form(code, line):
        f = forms.OfficerForm(
            {
                "outcome": "decision",
                "title": "x",
                "resolution": "y",
                "decision_type": "revenue_commitment",
                "on": ON,
                "organisation": code,
                "amount": "1",
                "budget_line": line,
                "decider": SAM,
            },
            organisations=[],
            deciders={},
            areas=[],
            steps=[],
            votes=False,
            consent=False,
            orgs=[("15N", "NHS Devon CCG"), ("E06000027", "Torbay Council")],
            officers=[(SAM, "Sam Patel")],
            known_lines=lambda code: budget_lines(ledger_2020[1].system, code),
        )
        return f.is_valid(), f.errors

    assert form("E06000027", "T-ANYTHING") == (True, {})  # the ledger holds none of Torbay's
    assert form("15N", "C200") == (True, {})
    valid, errors = form("15N", "c100")
    assert not valid and list(errors) == ["budget_line"]


# At a meeting -----------------------------------------------------------------------------------

DASS = {
    "15N": ("alex-morgan", "15N/accountable-officer"),
    "E10000008": ("lou-barnes", "E10000008/dass"),
    "E06000026": ("rae-young", "E06000026/dass"),
    "E06000027": ("val-owen", "E06000027/dass"),
}


@pytest.fixture
def ice_meeting(universe):
    ice = Body.objects.get(system__slug="devon-2019", code="ice")
    m = meetings.schedule_meeting(
        CL(),
        ice,
        meetings.at(date.today() - timedelta(days=7), 10, 0),
        status=Meeting.Status.CONFIRMED,
    )
    meetings.add_agenda_item(
        CL(),
        m,
        meetings.ItemIn(
            title="Joint strategy for home care",
            kind="decision",
            urgency_reason="Test.",
            chair_agreed=True,
        ),
    )
    for key, ref in [*DASS.values(), ("sam-patel", "15N/director-of-commissioning")]:
        meetings.record_attendance(
            CL(), m, meetings.AttendanceIn(person=person(key), capacity="member", post=post(ref))
        )
    return m


def test_each_part_at_a_meeting_names_its_budget_line(universe, ledger_2020, ice_meeting):
    client = Client()
    client.force_login(universe.accounts["clerk-ice"])
    url = f"/meetings/{ice_meeting.pk}/items/1/decide/"
    html = client.get(url).content.decode()
    for code in DASS:
        assert f'name="budget_line_{code}"' in html
    assert "NHS Devon CCG: budget line (cost centre)" in html
    data = {
        "outcome": "decision",
        "title": "Joint strategy",
        "resolution": "Agreed.",
        "decision_type": "joint_strategy",
    }
    for code, (k, r) in DASS.items():
        data |= {
            f"include_{code}": "on",
            f"amount_{code}": "0",
            f"decider_{code}": f"{k}|{r}",
            f"consent_{code}": "on",
        }
    refused = client.post(url, data | {"budget_line_15N": "C999"})
    assert refused.status_code == 400
    assert "Enter a cost centre NHS Devon CCG has in the ledger" in refused.content.decode()
    # A council with no lines in the ledger may name its own: it is kept, and not checked.
    response = client.post(url, data | {"budget_line_15N": "C200", "budget_line_E06000027": "AC1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    d = Decision.objects.get(item__meeting=ice_meeting)
    lines = dict(
        DecisionPart.objects.filter(decision=d).values_list("organisation__code", "budget_line")
    )
    assert lines == {"15N": "C200", "E10000008": "", "E06000026": "", "E06000027": "AC1"}
    page = client.get(f"/decisions/{d.pk}/").content.decode()
    assert '<th scope="col" class="nhsuk-table__header">Budget line</th>' in page
    assert ">C200<" in page and ">AC1<" in page
