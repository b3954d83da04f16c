"""Pooled funds through their actions, on the Devon example: an agreement without a host or
a manager refused; a plan checked whole; the issue's overspend met in order from the ledger's
forecasts; an underspend offered only to non-recurrent items; an action plan asked for and
recorded; a quarterly return's checklist and the Health and Wellbeing Board's sign-off."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from commonweal.core.actions import Actor
from commonweal.core.documents import DocumentError, read_yaml
from commonweal.core.errors import NotPermitted, Refused
from commonweal.core.models import ImmutableRecord, Person
from commonweal.decisions.models import Decision
from commonweal.finance import actions as finance
from commonweal.finance.models import Kind
from commonweal.governance.models import Body, Post
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting
from commonweal.pools import actions, position, quarterly
from commonweal.pools.models import Agreement, PoolPlan, QuarterlyReturn, SpendLine
from commonweal.pools.rules import Source

from ..factories import EXAMPLES
from .conftest import CL, MONTH, M, plan_in

pytestmark = pytest.mark.django_db

EXAMPLE = (EXAMPLES / "devon-2019-pool-devon.yaml").read_text()


def load(text: str):
    return actions.load_agreement(CL(), read_yaml("pool.yaml", text))


def test_an_agreement_without_a_host_is_refused(devon):
    with pytest.raises(DocumentError) as exc:
        load(EXAMPLE.replace("  host: E10000008\n", ""))
    (problem,) = exc.value.problems
    assert problem.field == "agreement.host" and "host partner" in problem.message
    assert problem.file == "pool.yaml" and problem.line is not None
    assert not Agreement.objects.exists()


def test_an_agreement_without_a_manager_or_with_a_stranger_as_host_is_refused(devon):
    text = EXAMPLE.replace("  host: E10000008\n", "  host: RH8\n")
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith("  manager:"))
    with pytest.raises(DocumentError) as exc:
        load(text)
    fields = {p.field: p.message for p in exc.value.problems}
    assert "not one of the partners" in fields["agreement.host"]
    assert "pooled fund manager" in fields["agreement.manager"]
    assert not Agreement.objects.exists()


def test_an_agreement_names_the_manager_and_is_loaded_again_in_place(devon):
    a = load(EXAMPLE)
    assert a.host.code == "E10000008" and a.manager.name == "Morgan Reed"
    assert {p.organisation.code for p in a.partners.all()} == {"15N", "E10000008"}
    assert a.board == Body.objects.get(system=devon, code="hwb-devon")
    again = load(EXAMPLE.replace("name: Devon Better Care Fund pooled fund", "name: Devon BCF"))
    assert again.pk == a.pk and again.name == "Devon BCF"
    assert Person.objects.filter(key="morgan-reed").count() == 1


def test_only_the_host_keeps_the_pool(devon, universe):
    torbay = Actor.from_user(universe.accounts["finance-torbay"])
    with pytest.raises(NotPermitted):
        actions.load_agreement(torbay, read_yaml("pool.yaml", EXAMPLE))
    devon_finance = Actor.from_user(universe.accounts["finance-devon"])
    assert actions.load_agreement(devon_finance, read_yaml("pool.yaml", EXAMPLE)).pk


def test_a_plan_is_refused_whole_with_every_problem(agreement, year, ledger_lines):
    bad = plan_in()
    bad.lines[0].cost_centre = "NOPE"
    bad.lines[1].risk_share = "fixed"
    bad.lines[1].shares = {"15N": Decimal(70)}
    bad.schemes[0].scheme_type = "Magic"
    bad.contributions[0].amount += 1
    with pytest.raises(Refused) as exc:
        actions.load_plan(CL(), agreement, year, bad)
    text = " | ".join(p.message for p in exc.value.problems)
    assert "NOPE" in text and "add up to 70%" in text and "'Magic' is not a scheme type" in text
    assert not PoolPlan.objects.exists()
    # Balanced but for a penny: refused as a pool that does not spend what it holds.
    unbalanced = plan_in()
    unbalanced.contributions[0].amount += 1
    with pytest.raises(Refused, match="a pool spends what it holds"):
        actions.load_plan(CL(), agreement, year, unbalanced)
    assert not PoolPlan.objects.exists()


def test_a_new_plan_is_a_new_version_and_the_old_one_never_changes(pool, year):
    first = PoolPlan.objects.get(agreement=pool)
    second = actions.load_plan(
        CL(), pool, year, plan_in(risk_reserve=2 * M // 10, uncommitted=4 * M // 10)
    )
    assert second.version == 2 and position.plan_in_force(pool, year) == second
    with pytest.raises(ImmutableRecord):
        first.risk_reserve = 0
        first.save()
    with pytest.raises(ImmutableRecord):
        SpendLine.objects.filter(scheme__plan=first).delete()


def test_the_issue_overspend_is_met_in_order_from_the_ledger(pool, year):
    found = position.figures(pool, year, MONTH)
    r = found.resolution
    assert r.gross_overspend == M
    assert [(s.source, s.used) for s in r.steps] == [
        (Source.UNDERSPENDS, M // 10),
        (Source.RISK_RESERVE, 3 * M // 10),
        (Source.UNCOMMITTED, 3 * M // 10),
        (Source.PARTNERS, 3 * M // 10),
    ]
    assert r.borne_by == {"15N": 18_000_000, "E10000008": 12_000_000}


def test_a_fixed_share_line_is_borne_by_the_partner_it_names(agreement, year, ledger_lines):
    plan = plan_in()
    d = plan.lines[3]
    d.risk_share, d.shares = "fixed", {"E10000008": Decimal(100)}
    actions.load_plan(CL(), agreement, year, plan)
    partners = position.figures(agreement, year, MONTH).resolution.steps[-1]
    # £0.3m left over B (£0.8m) and D (£0.2m) pro rata: B £0.24m at 60/40, D £0.06m the council's.
    assert partners.by_partner == {"15N": 14_400_000, "E10000008": 9_600_000 + 6_000_000}


def forecast_underspend(year, ledger_lines, month=7):
    """Actuals for M7 at budget, and a forecast as at M7 only for line A, £0.1m under."""
    entries = []
    for cc, line in ledger_lines.items():
        budget = {"BCF-A": 2 * M, "BCF-B": 4 * M, "BCF-C": M, "BCF-D": 24 * M // 10}[cc]
        entries.append(finance.EntryIn(line, month, Kind.ACTUAL, budget // 12))
        if cc == "BCF-A":
            for m in range(month + 1, 13):
                less = M // 10 // (12 - month) + (M // 10 % (12 - month) if m == month + 1 else 0)
                entries.append(
                    finance.EntryIn(line, m, Kind.FORECAST, budget // 12 - less, as_at=month)
                )
    finance.post_entries(CL(), year, entries)


def test_an_underspend_may_fund_only_a_non_recurrent_item(pool, year, ledger_lines):
    forecast_underspend(year, ledger_lines)
    found = position.figures(pool, year, 7)
    assert found.resolution.gross_overspend == 0 and found.underspend_available == M // 10
    lines = {s.reference: s for s in SpendLine.objects.filter(scheme__plan=found.plan)}
    with pytest.raises(Refused) as exc:
        actions.use_underspend(
            CL(), pool, year, month=7, line=lines["B"], amount=5_000_000, reason="More home care"
        )
    assert exc.value.problems[0].field == "line"
    assert (
        "recurrent" in exc.value.problems[0].message
        and "non-recurrent" in exc.value.problems[0].message
    )
    used = actions.use_underspend(
        CL(), pool, year, month=7, line=lines["C"], amount=6_000_000, reason="Winter equipment"
    )
    assert used.amount == 6_000_000
    assert position.figures(pool, year, 7).underspend_available == 4_000_000
    with pytest.raises(Refused, match="Only £40,000"):
        actions.use_underspend(
            CL(), pool, year, month=7, line=lines["C"], amount=5_000_000, reason="More"
        )


def test_an_overspend_leaves_no_underspend_to_use(pool, year):
    found = position.figures(pool, year, MONTH)
    c = next(f.line for f in found.lines if f.line.reference == "C")
    with pytest.raises(Refused, match="Only £0 of"):
        actions.use_underspend(CL(), pool, year, month=MONTH, line=c, amount=100, reason="x")


def complete_return(pool, year, quarter=2, **actual_changes):
    actuals = {
        "avoidable_admissions": Decimal("181.2"),
        "discharge_usual_residence": Decimal("91.4"),
        "falls_admissions_65": Decimal("515"),
        "residential_admissions_65": Decimal("150"),
    }
    actuals.update(actual_changes)
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


def hwb_item(days_ago=3):
    board = Body.objects.get(system__slug="devon-2019", code="hwb-devon")
    m = meetings.schedule_meeting(
        CL(),
        board,
        meetings.at(date.today() - timedelta(days=days_ago), 14, 0),
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


def test_a_return_with_a_missing_metric_shows_it_and_cannot_be_signed_off(pool, year, universe):
    ret = complete_return(pool, year, falls_admissions_65=None)
    missing = quarterly.checklist(ret)
    anchors = [m.anchor for m in missing]
    assert "actual-falls_admissions_65" in anchors
    link = next(m.url for m in missing if m.anchor == "actual-falls_admissions_65")
    assert link.endswith("/pools/devon-bcf/2020/q2/#actual-falls_admissions_65")
    # The variance (9% of the pool) asks for an action plan, which the checklist lists too.
    assert "action-plan" in anchors
    clerk = Actor.from_user(universe.accounts["clerk-hwb-devon"])
    item = hwb_item()
    with pytest.raises(Refused) as exc:
        actions.sign_off_return(clerk, ret, item, resolution="To sign off the Q2 return.")
    assert "falls" in str(exc.value).lower()
    assert not Decision.objects.filter(item=item).exists()
    assert QuarterlyReturn.objects.get(pk=ret.pk).sign_off is None


def test_a_complete_return_is_signed_off_by_the_board_and_then_frozen(pool, year, universe):
    ret = complete_return(pool, year)
    actions.record_action_plan(
        CL(),
        pool,
        year,
        month=MONTH,
        owner="Morgan Reed, Pooled Fund Manager",
        due=date(2020, 11, 30),
        actions="Review home care packages; hold vacancies.",
    )
    assert quarterly.checklist(ret) == []
    item = hwb_item()
    jo = Actor.from_user(universe.accounts["jo-evans"])  # CCG finance: not the board's clerk
    with pytest.raises(NotPermitted):
        actions.sign_off_return(jo, ret, item, resolution="To sign off.")
    clerk = Actor.from_user(universe.accounts["clerk-hwb-devon"])
    decision = actions.sign_off_return(clerk, ret, item, resolution="To sign off the Q2 return.")
    assert decision.valid and decision.outcome == "sign_off" and decision.body.code == "hwb-devon"
    ret.refresh_from_db()
    assert ret.sign_off == decision
    assert ret.figures["resolution"]["borne_by"] == {"15N": 18_000_000, "E10000008": 12_000_000}
    with pytest.raises(Refused, match="signed off"):
        complete_return(pool, year)
    with pytest.raises(ImmutableRecord):
        ret.narrative = "changed"
        ret.save()


def test_an_action_plan_needs_an_owner_and_actions(pool, year):
    with pytest.raises(Refused) as exc:
        actions.record_action_plan(
            CL(), pool, year, month=MONTH, owner=" ", due=date(2020, 11, 30), actions=""
        )
    assert {p.field for p in exc.value.problems} == {"owner", "actions"}
    assert position.figures(pool, year, MONTH).needs_action_plan


def test_every_partner_contributes_and_a_share_names_a_contributor(agreement, year, ledger_lines):
    plan = plan_in()
    plan.contributions = plan.contributions[:1]  # the council contributes nothing
    plan.contributions[0].amount = 10 * M
    plan.lines[3].risk_share, plan.lines[3].shares = "fixed", {"E10000008": Decimal(100)}
    with pytest.raises(Refused) as exc:
        actions.load_plan(CL(), agreement, year, plan)
    text = " | ".join(p.message for p in exc.value.problems)
    assert "every partner contributes" in text and "E10000008" in text
    assert "E10000008 does not contribute" in text  # its fixed share names it
    assert not PoolPlan.objects.exists()


@pytest.mark.parametrize("value", ["1E-99999999999999999", "181.234", "1E+13"])
def test_a_metric_actual_is_a_plain_number_to_two_places(pool, year, value):
    with pytest.raises(Refused) as exc:
        complete_return(pool, year, avoidable_admissions=Decimal(value))
    assert exc.value.problems[0].field == "actual-avoidable_admissions"
    assert not QuarterlyReturn.objects.exists()
    # Trailing zeros are not extra places.
    assert complete_return(pool, year, avoidable_admissions=Decimal("181.200")).pk


def test_a_contribution_comes_from_a_funding_stream_the_partner_may_give(
    agreement, year, ledger_lines
):
    plan = plan_in()
    plan.contributions = [
        actions.ContributionIn("15N", 5 * M, stream="nhs_minimum"),
        actions.ContributionIn("15N", 1 * M, stream="nhs_additional"),
        actions.ContributionIn("E10000008", 1 * M, stream="dfg"),
        actions.ContributionIn("E10000008", 3 * M, stream="Improved Better Care Fund grant"),
    ]
    stored = actions.load_plan(CL(), agreement, year, plan)
    assert sorted(stored.contributions.values_list("stream", flat=True)) == [
        "dfg",
        "ibcf",
        "nhs_additional",
        "nhs_minimum",
    ]
    # Shares are by partner, all streams together: still 60% / 40%.
    assert position.figures(agreement, year, MONTH).resolution.borne_by == {
        "15N": 18_000_000,
        "E10000008": 12_000_000,
    }
    wrong = plan_in()
    wrong.contributions = [
        actions.ContributionIn("15N", 6 * M, stream="dfg"),
        actions.ContributionIn("E10000008", 2 * M, stream="lottery"),
        actions.ContributionIn("E10000008", 2 * M),
    ]
    with pytest.raises(Refused) as exc:
        actions.load_plan(CL(), agreement, year, wrong)
    text = " | ".join(p.message for p in exc.value.problems)
    assert "Disabled Facilities Grant comes from a council, not 15N" in text
    assert "'lottery' is not a funding stream" in text
    assert PoolPlan.objects.count() == 1
