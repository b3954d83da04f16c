"""The pooled fund pages on the issue's scenario: each page renders for a signed-in reader with
the scenario's figures (the overspend met as underspend £100,000, risk reserve £300,000,
uncommitted £300,000, then the CCG £180,000 and the council £120,000); a recurrent line's
use of underspend is refused on the page with the reason; the return's checklist links to
each missing entry; the sign-off is refused while the return is incomplete; only the host's
finance team and the board's clerk are offered the forms, and anyone else who posts is
refused; bad input is a 4xx, never a 500."""

import re
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commonweal.decisions.models import Decision
from commonweal.finance import actions as finance
from commonweal.finance.models import Kind
from commonweal.pools import actions
from commonweal.pools.models import ActionPlan, QuarterlyReturn, SpendLine, UnderspendUse

from .conftest import CL, MONTH, M

pytestmark = pytest.mark.django_db

SLUG, REF, START = "devon-2019", "devon-bcf", 2020


def url(name: str, *more: Any) -> str:
    if name == "pools":
        return reverse(name, args=[SLUG])
    if name == "pool":
        return reverse(name, args=[SLUG, REF])
    return reverse(name, args=[SLUG, REF, START, *more])


def signed_in(client: Any, universe: Any, name: str) -> Any:
    client.force_login(universe.accounts[name])
    return client


def text(response: Any) -> str:
    """The page's text, tags taken out and spaces squeezed, for reading sentences."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def cell(html: str, attribute: str, key: str) -> str:
    found = re.search(rf'{attribute}="{re.escape(key)}"[^>]*>([^<]*)<', html)
    assert found, (attribute, key)
    return found.group(1).strip()


def complete_return(pool: Any, year: Any, quarter: int = 2, **changes: Any) -> QuarterlyReturn:
    actuals: dict[str, Decimal | None] = {
        "avoidable_admissions": Decimal("181.2"),
        "discharge_usual_residence": Decimal("91.4"),
        "falls_admissions_65": Decimal("515"),
        "residential_admissions_65": Decimal("150"),
    }
    actuals.update(changes)
    return actions.save_return(
        CL(),
        pool,
        year,
        quarter,
        actions.ReturnIn(
            actuals=actuals,
            confirmations={
                "jointly_agreed": (True, ""),
                "nhs_contribution_to_social_care": (True, ""),
                "out_of_hospital_investment": (True, ""),
                "discharge_policy": (False, "Agreed in Q3 with the acute trusts"),
            },
        ),
    )


def hwb_item() -> Any:
    """An agenda item of a meeting of Devon's Health and Wellbeing Board, held three days ago
    with its members present."""
    from datetime import timedelta

    from commonweal.core.models import Person
    from commonweal.governance.models import Body, Post
    from commonweal.meetings import actions as meetings
    from commonweal.meetings.models import Meeting

    board = Body.objects.get(system__slug=SLUG, code="hwb-devon")
    m = meetings.schedule_meeting(
        CL(),
        board,
        meetings.at(date.today() - timedelta(days=3), 14, 0),
        status=Meeting.Status.CONFIRMED,
    )
    item = meetings.add_agenda_item(
        CL(),
        m,
        meetings.ItemIn(
            title="Better Care Fund: Q2 return",
            kind="decision",
            urgency_reason="Test.",
            chair_agreed=True,
        ),
    )
    for key, ref in (
        ("cllr-peg-lowe", "E10000008/cabinet-member-adult-care"),
        ("lou-barnes", "E10000008/dass"),
        ("max-reid", "E10000008/dcs"),
    ):
        o, _, code = ref.partition("/")
        meetings.record_attendance(
            CL(),
            m,
            meetings.AttendanceIn(
                person=Person.objects.get(key=key),
                capacity="member",
                post=Post.objects.get(organisation__code=o, code=code),
            ),
        )
    return item


# Every page renders ---------------------------------------------------------------------------


def test_every_pool_page_renders_for_a_signed_in_reader(client, universe, pool, year):
    c = signed_in(client, universe, "analyst-15n")
    for address in (
        url("pools"),
        url("pool"),
        url("pool-year"),
        url("pool-year") + "?month=3&units=thousands",
        url("pool-plan"),
        *(url("pool-return", q) for q in (1, 2, 3, 4)),
    ):
        response = c.get(address)
        assert response.status_code == 200, (address, response.status_code)
        assert "Devon Better Care Fund pooled fund" in response.content.decode(), address
    # The system page links to the pools, next to finance.
    system = c.get(reverse("system", args=[SLUG])).content.decode()
    assert url("pools") in system and reverse("finance", args=[SLUG]) in system
    # The list and the agreement: illustrative, said prominently.
    listing = text(c.get(url("pools")))
    assert "Illustrative" in listing and "Devon County Council" in listing
    page = text(c.get(url("pool")))
    assert "Illustrative figures" in page and "Do not rely on them" in page
    assert "Morgan Reed, Finance lead / Pooled Fund Manager (Devon)" in page
    assert "1 April 2020 to 31 March 2023" in page
    assert "30 September 2020" in page  # a review date
    assert "Devon County Council (E10000008), the host partner" in page
    assert "Adult social care under the Care Act 2014" in page
    assert "Underspends elsewhere in the pool" in page and "Health and Wellbeing Board" in page
    assert url("pool-year") in c.get(url("pool")).content.decode()


def test_the_year_page_shows_how_the_issues_overspend_is_met(client, universe, pool, year):
    c = signed_in(client, universe, "analyst-15n")
    response = c.get(url("pool-year"))
    html = response.content.decode()
    page = text(response)
    # As at the last month with a forecast (M6), in pounds.
    assert "As at M6 (Sep 2020)" in page and "a pool of £10,000,000" in page
    assert cell(html, "data-contribution", "15N") == "£6,000,000"
    assert re.search(r'data-contribution="15N">£6,000,000</td>\s*<td[^>]*>60%<', html)
    assert re.search(r'data-line="B" data-column="variance">£800,000<', html)
    assert re.search(r'data-line="A" data-column="variance">−£100,000<', html)
    assert "Non-recurrent" in page
    # Each step in order, with who bears what, in £ and £'000.
    steps = re.findall(r'<li id="step-(\w+)">', html)
    assert steps == ["underspends", "risk_reserve", "uncommitted", "partners"]
    totals = dict(re.findall(r'data-step-total="(\w+)">([^<]+)<', html))
    assert totals == {
        "underspends": "£100,000",
        "risk_reserve": "£300,000",
        "uncommitted": "£300,000",
    }
    partners = html[html.index('data-step="partners"') :]
    assert cell(partners, "data-bearer", "15N") == "£180,000"
    assert cell(partners, "data-bearer", "E10000008") == "£120,000"
    assert "NHS Devon CCG" in partners and "Devon County Council" in partners
    assert "A gross overspend of £1,000,000" in page
    assert (
        "by each line's risk share: NHS Devon CCG £180,000; Devon County Council £120,000" in page
    )
    # B (£0.8m of the £1m) and D (£0.2m) share each pool step pro rata.
    risk = html[html.index('data-step="risk_reserve"') :]
    assert (
        cell(risk, "data-bearer", "B") == "£240,000" and cell(risk, "data-bearer", "D") == "£60,000"
    )
    # In £'000 too.
    assert ">180<" in partners and ">120<" in partners
    # The action plan is asked for (9% of the pool is beyond 1%); the reader gets no forms.
    assert 'id="action-plan"' in html and "needs an action plan" in page
    assert "Record the action plan" not in page and "Use the underspend" not in page
    # The quarterly returns with their checklist status.
    assert "Q2 2020/21, to M6 (Sep 2020)" in page and "Not started" in page


def test_the_figures_in_thousands_and_another_month(client, universe, pool, year):
    c = signed_in(client, universe, "analyst-15n")
    html = c.get(url("pool-year") + "?units=thousands").content.decode()
    assert re.search(r'data-line="B" data-column="variance">800<', html)
    # M3 has no forecast made: every line is taken at budget, and nothing is overspent.
    page = text(c.get(url("pool-year") + "?month=3"))
    assert "As at M3 (Jun 2020)" in page and "have no forecast made in M3" in page
    assert "No line is forecast to overspend as at M3 (Jun 2020)" in page


@pytest.mark.parametrize(
    "query", ["month=13", "month=0", "month=abc", "month=%EF%BC%91", "units=euros"]
)
def test_a_bad_parameter_is_a_400_naming_it(client, universe, pool, year, query):
    c = signed_in(client, universe, "analyst-15n")
    response = c.get(f"{url('pool-year')}?{query}")
    assert response.status_code == 400, query
    name = query.partition("=")[0]
    assert f"{name}: must be" in response.content.decode()


def test_unknown_pools_years_and_quarters_are_not_found(client, universe, pool, year):
    c = signed_in(client, universe, "analyst-15n")
    for address in (
        reverse("pools", args=["nowhere"]),
        reverse("pool", args=[SLUG, "no-such-pool"]),
        reverse("pool", args=["south-east-london-2020", REF]),
        reverse("pool-year", args=[SLUG, REF, 2031]),
        reverse("pool-plan", args=[SLUG, REF, 1999]),
        url("pool-return", 5),
        url("pool-return", 0),
        url("pool-return-xlsx", 9),
        url("pool-plan") + "?format=pdf",
    ):
        assert c.get(address).status_code == 404, address
    # A year open in the ledger with no plan says so.
    finance.open_year(CL(), year.system, 2021)
    page = text(c.get(reverse("pool-year", args=[SLUG, REF, 2021])))
    assert "No plan is loaded for 2021/22 yet" in page


# The underspend and the action plan -------------------------------------------------------------


def _underspend(year: Any, ledger_lines: dict[str, Any]) -> None:
    """M7's actuals at budget and a forecast as at M7 for line A only, £100,000 under."""
    entries = []
    budgets = {"BCF-A": 2 * M, "BCF-B": 4 * M, "BCF-C": M, "BCF-D": 24 * M // 10}
    for cc, line in ledger_lines.items():
        entries.append(finance.EntryIn(line, 7, Kind.ACTUAL, budgets[cc] // 12))
    a = ledger_lines["BCF-A"]
    less = M // 10
    for m in range(8, 13):
        part = less // 5
        entries.append(finance.EntryIn(a, m, Kind.FORECAST, budgets["BCF-A"] // 12 - part, as_at=7))
    finance.post_entries(CL(), year, entries)


def test_a_recurrent_use_of_underspend_is_refused_with_the_reason(
    client, universe, pool, year, ledger_lines
):
    _underspend(year, ledger_lines)
    c = signed_in(client, universe, "finance-devon")
    page = c.get(url("pool-year") + "?month=7")
    assert "Use the underspend" in text(page)
    assert "available now, after the uses below: £100,000" in text(page)
    lines = {s.reference: s for s in SpendLine.objects.filter(scheme__plan__agreement=pool)}
    address = url("pool-underspend") + "?month=7"
    refused = c.post(
        address, {"line": str(lines["B"].pk), "amount": "50,000", "reason": "More home care"}
    )
    assert refused.status_code == 400
    said = text(refused)
    assert "There is a problem" in said
    assert "Line B (Line B) is recurrent" in said and "non-recurrent items" in said
    assert 'href="#id_line"' in refused.content.decode()
    assert not UnderspendUse.objects.exists()
    # A blank form names each field; an amount that is not money names the field.
    blank = text(c.post(address, {}))
    assert "Choose the spend line to fund" in blank and "Enter the amount of underspend" in blank
    bad = c.post(address, {"line": str(lines["C"].pk), "amount": "lots", "reason": "x"})
    assert bad.status_code == 400 and "Amount must be an amount of money" in text(bad)
    # Too much is refused at the amount; a non-recurrent line within it is recorded.
    more = c.post(address, {"line": str(lines["C"].pk), "amount": "150,000", "reason": "x"})
    assert more.status_code == 400 and "Only £100,000 of projected underspend" in text(more)
    done = c.post(
        address, {"line": str(lines["C"].pk), "amount": "60,000", "reason": "Winter equipment"}
    )
    assert done.status_code == 302 and done["Location"].endswith("?month=7#underspend")
    after = text(c.get(done["Location"]))
    assert "available now, after the uses below: £40,000" in after and "Winter equipment" in after
    # Getting the form's address goes back to the page.
    assert c.get(address).status_code == 302


def test_the_action_plan_is_recorded_with_owner_and_date(client, universe, pool, year):
    c = signed_in(client, universe, "finance-devon")
    address = url("pool-action-plan") + f"?month={MONTH}"
    blank = c.post(address, {})
    assert blank.status_code == 400
    said = text(blank)
    assert "Enter who owns the action plan" in said and "Enter the date the actions are due" in (
        said
    )
    bad_date = c.post(
        address,
        {"owner": "Morgan Reed", "due-day": "31", "due-month": "2", "due-year": "2021",
         "actions": "Review packages"},
    )  # fmt: skip
    assert (
        bad_date.status_code == 400
        and "The date the actions are due must be a real date" in text(bad_date)
    )
    done = c.post(
        address,
        {"owner": "Morgan Reed", "due-day": "30", "due-month": "11", "due-year": "2020",
         "actions": "Review home care packages; hold vacancies."},
    )  # fmt: skip
    assert done.status_code == 302 and done["Location"].endswith("#action-plan")
    plan = ActionPlan.objects.get()
    assert plan.month == MONTH and plan.due == date(2020, 11, 30) and plan.variance == 90 * M // 100
    page = text(c.get(done["Location"]))
    assert "owned by Morgan Reed, due 30 November 2020" in page


def test_others_are_offered_no_forms_and_refused_if_they_post(client, universe, pool, year):
    lines = {s.reference: s for s in SpendLine.objects.filter(scheme__plan__agreement=pool)}
    for name in ("jo-evans", "finance-torbay", "analyst-15n", "nobody"):
        c = signed_in(client, universe, name)
        page = text(c.get(url("pool-year")))
        assert "Record the action plan" not in page and "Use the underspend" not in page
        assert "Save the return" not in text(c.get(url("pool-return", 2)))
        assert "Upload the plan" not in text(c.get(url("pool-plan")))
        action = {"owner": "X", "due": "2020-11-30", "actions": "Y"}
        assert c.post(url("pool-action-plan") + "?month=6", action).status_code == 403
        assert c.post(url("pool-action-plan") + "?month=6", {}).status_code == 403
        use = {"line": str(lines["C"].pk), "amount": "1", "reason": "x"}
        assert c.post(url("pool-underspend") + "?month=6", use).status_code == 403
        assert (
            c.post(url("pool-return", 2), {"actual-avoidable_admissions": "1"}).status_code == 403
        )
        assert c.post(url("pool-sign-off", 2), {}).status_code == 403
        upload = SimpleUploadedFile("plan.xlsx", b"PK\x03\x04")
        assert c.post(url("pool-plan"), {"file": upload}).status_code == 403
    assert not ActionPlan.objects.exists() and not QuarterlyReturn.objects.exists()
    # Signed out: sent to sign in.
    client.logout()
    response = client.get(url("pool-year"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# The quarterly return ---------------------------------------------------------------------------


def test_the_return_page_shows_the_checklist_linking_each_missing_entry(
    client, universe, pool, year
):
    c = signed_in(client, universe, "finance-devon")
    html = c.get(url("pool-return", 2)).content.decode()
    assert "This return is not complete" in html
    links = dict(
        (anchor, href)
        for href, anchor in re.findall(r'<a href="([^"]+)" data-anchor="([^"]+)"', html)
    )
    here = url("pool-return", 2)
    for code in ("avoidable_admissions", "falls_admissions_65"):
        assert links[f"actual-{code}"] == f"{here}#actual-{code}"
        # The link's target is on the page: the input of that metric's actual.
        assert f'id="actual-{code}"' in html
    assert links["condition-jointly_agreed"] == f"{here}#condition-jointly_agreed"
    assert 'id="condition-jointly_agreed"' in html
    assert links["action-plan"] == url("pool-year") + "?month=6#action-plan"
    # The checklist sits at the top, before the form.
    assert html.index("This return is not complete") < html.index("Save the return")
    # Saved with one metric missing and a condition not met without a comment: the comment is
    # asked for at its field, naming it.
    form = {
        "actual-avoidable_admissions": "181.2",
        "actual-discharge_usual_residence": "91.4",
        "actual-residential_admissions_65": "150",
        "condition-jointly_agreed": "yes",
        "condition-nhs_contribution_to_social_care": "yes",
        "condition-out_of_hospital_investment": "yes",
        "condition-discharge_policy": "no",
        "narrative": "On track.",
    }
    refused = c.post(here, form)
    assert refused.status_code == 400
    assert "Say why the condition is not met" in text(refused)
    assert 'href="#comment-discharge_policy"' in refused.content.decode()
    bad = c.post(here, {**form, "actual-falls_admissions_65": "many"})
    assert bad.status_code == 400 and "Falls admissions, 65 and over: the actual must be" in text(
        bad
    )
    saved = c.post(here, {**form, "comment-discharge_policy": "Agreed in Q3"})
    assert saved.status_code == 302
    ret = QuarterlyReturn.objects.get()
    assert ret.actuals["avoidable_admissions"] == "181.2" and ret.narrative == "On track."
    html = c.get(here).content.decode()
    assert 'data-anchor="actual-falls_admissions_65"' in html
    assert 'data-anchor="actual-avoidable_admissions"' not in html
    assert 'value="181.2"' in html


def test_the_sign_off_is_refused_while_the_return_is_incomplete(client, universe, pool, year):
    complete_return(pool, year, falls_admissions_65=None)
    item = hwb_item()
    c = signed_in(client, universe, "clerk-hwb-devon")
    page = c.get(url("pool-return", 2))
    said = text(page)
    assert "Sign-off by Devon Health and Wellbeing Board" in said
    assert "cannot be signed off until it is complete" in said
    assert "Record the sign-off" not in said
    refused = c.post(
        url("pool-sign-off", 2),
        {"sign-off-item": str(item.pk), "sign-off-resolution": "To sign off the Q2 return."},
    )
    assert refused.status_code == 400
    said = text(refused)
    assert "There is a problem" in said and "the checklist at the top lists what is missing" in said
    assert "Falls admissions, 65 and over: the actual for Q2 is missing" in said
    assert not Decision.objects.filter(item=item).exists()
    # A blank sign-off names its fields.
    blank = text(c.post(url("pool-sign-off", 2), {}))
    assert "Choose the agenda item at which the board signed off" in blank
    assert "Enter the board's resolution" in blank


def test_a_complete_return_is_signed_off_by_the_clerk_and_downloads(client, universe, pool, year):
    complete_return(pool, year)
    actions.record_action_plan(
        CL(), pool, year, month=MONTH, owner="Morgan Reed", due=date(2020, 11, 30), actions="Act"
    )
    item = hwb_item()
    # The host's finance lead keeps the return but does not sign it off.
    c = signed_in(client, universe, "finance-devon")
    assert "Record the sign-off" not in text(c.get(url("pool-return", 2)))
    c = signed_in(client, universe, "clerk-hwb-devon")
    page = c.get(url("pool-return", 2))
    said = text(page)
    assert "Nothing is missing" in said and "Record the sign-off" in said
    assert "Better Care Fund: Q2 return" in said  # the item, offered
    done = c.post(
        url("pool-sign-off", 2),
        {"sign-off-item": str(item.pk), "sign-off-resolution": "To sign off the Q2 return."},
    )
    assert done.status_code == 302, text(done)[:2000]
    ret = QuarterlyReturn.objects.get()
    assert ret.sign_off is not None and ret.sign_off.item == item
    said = text(c.get(url("pool-return", 2)))
    assert f"decision {ret.sign_off.reference}" in said and "never changes" in said
    assert "Save the return" not in said and "Record the sign-off" not in said


def test_the_return_xlsx_downloads(client, universe, pool, year):
    c = signed_in(client, universe, "analyst-15n")
    html = c.get(url("pool-return", 2)).content.decode()
    assert url("pool-return-xlsx", 2) in html
    response = c.get(url("pool-return-xlsx", 2))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "devon-2019-devon-bcf-2020-q2-return.xlsx" in response["Content-Disposition"]
    assert response.content[:2] == b"PK"
    # The return carries the plan it reported against: uploaded, it is the plan's next version.
    c = signed_in(client, universe, "finance-devon")
    upload = SimpleUploadedFile("return.xlsx", response.content)
    loaded = c.post(url("pool-plan"), {"file": upload})
    assert loaded.status_code == 302, text(loaded)[:3000]
    assert "Version 2" in text(c.get(url("pool-plan")))


def test_without_a_plan_the_template_downloads(client, universe, agreement, year):
    c = signed_in(client, universe, "finance-devon")
    page = text(c.get(url("pool-plan")))
    assert "No plan is loaded for 2020/21 yet" in page and "Download the plan template" in page
    response = c.get(url("pool-plan") + "?format=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert "plan-template.xlsx" in response["Content-Disposition"]
    # The return of a year without a plan: its checklist says so, and it still downloads.
    html = c.get(url("pool-return", 1)).content.decode()
    assert "No plan is loaded for 2020/21" in html
    assert c.get(url("pool-return-xlsx", 1)).status_code == 200


# The plan ---------------------------------------------------------------------------------------


def test_the_plan_page_has_the_anchors_the_checklist_links_to(client, universe, pool, year):
    c = signed_in(client, universe, "finance-devon")
    html = c.get(url("pool-plan")).content.decode()
    for ref in "ABCD":
        assert f'id="line-{ref}"' in html
    for code in ("avoidable_admissions", "residential_admissions_65"):
        assert f'id="plan-{code}"' in html
    assert "Upload the plan" in html and "Version 1" in html
    response = c.get(url("pool-plan") + "?format=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"


def test_a_bad_upload_is_refused_naming_the_file_field(client, universe, pool, year):
    c = signed_in(client, universe, "finance-devon")
    blank = c.post(url("pool-plan"), {})
    assert blank.status_code == 400 and "Select the plan workbook to upload" in text(blank)
    text_file = SimpleUploadedFile("plan.csv", b"a,b\n")
    wrong = c.post(url("pool-plan"), {"file": text_file})
    assert wrong.status_code == 400 and "must be an Excel workbook" in text(wrong)
    junk = SimpleUploadedFile("plan.xlsx", b"not a workbook at all")
    refused = c.post(url("pool-plan"), {"file": junk})
    assert refused.status_code == 400
    assert "There is a problem" in text(refused)
    assert 'href="#id_file"' in refused.content.decode()


def test_a_plan_downloaded_uploads_again_as_the_next_version(client, universe, pool, year):
    c = signed_in(client, universe, "finance-devon")
    content = c.get(url("pool-plan") + "?format=xlsx").content
    upload = SimpleUploadedFile("plan.xlsx", content)
    response = c.post(url("pool-plan"), {"file": upload})
    assert response.status_code == 302, text(response)[:3000]
    assert "version 2" in text(c.get(url("pool-plan")))
