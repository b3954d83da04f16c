"""The ledger through its actions: sums made by the database against an independent model,
closed months and corrections, a decision's "within budget" check counting decisions not yet
ordered, virements as decisions (refused over the officer's limit), and the system position
under each year's break-even rule."""

import threading
from datetime import date

import pytest
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.core.models import ImmutableRecord, Organisation, Person
from commonweal.decisions import actions as decisions
from commonweal.decisions.models import Decision
from commonweal.finance import actions, ledger, presenters, rules
from commonweal.finance.models import BudgetLine, Entry, FinancialYear, Kind, Virement
from commonweal.governance.models import Post

pytestmark = pytest.mark.django_db

CL = Actor.command_line


def org(code: str) -> Organisation:
    return Organisation.objects.get(code=code)


def post(ref: str) -> Post:
    o, _, code = ref.partition("/")
    return Post.objects.get(organisation__code=o, code=code)


def person(key: str) -> Person:
    return Person.objects.get(key=key)


def lines(system, *specs: tuple[str, str, str]) -> list[BudgetLine]:
    """(organisation, cost centre, nature) -> budget lines."""
    return actions.add_lines(
        CL(),
        system,
        [
            actions.LineIn(org(o), cc, f"Cost centre {cc}", programme=f"P{cc[-1]}", nature=n)
            for o, cc, n in specs
        ],
    )


def post_each(year, line, kind, amounts: dict[int, int], as_at=None, **more):
    actions.post_entries(
        CL(),
        year,
        [actions.EntryIn(line, m, kind, a, as_at=as_at, **more) for m, a in amounts.items()],
    )


# Sums made by the database, against a model in Python ----------------------------------------

ENTRY = st.tuples(
    st.integers(0, 3),  # line
    st.sampled_from(
        ["budget", "actual", "commitment", "forecast", "allocation", "allocation_forecast"]
    ),
    st.integers(1, 12),  # month
    st.integers(1, 11),  # as at (forecasts)
    st.integers(-(10**11), 10**11),  # pence
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(ENTRY, max_size=40), month=st.integers(1, 12))
def test_the_database_sums_as_the_rules_say(devon, entries, month):
    from django.db import transaction

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            year = actions.open_year(CL(), devon, 2031)
            made = lines(
                devon,
                ("15N", "A1", "expenditure"),
                ("15N", "A2", "income"),
                ("RH8", "B1", "expenditure"),
                ("RH8", "B2", "expenditure"),
            )
            forecasts = ("forecast", "allocation_forecast")
            posted = [
                actions.EntryIn(made[i], m, k, a, as_at=asat if k in forecasts else None)
                for i, k, m, asat, a in entries
                if k not in forecasts or m > asat
            ]
            if posted:
                actions.post_entries(CL(), year, posted)
            got = ledger.sums(year, month, "organisation")
            # The model: each line's figures by the rules, added up by organisation.
            want: dict[int, rules.Figures] = {}
            for line in made:
                mine = [e for e in posted if e.line.pk == line.pk]
                if not mine:
                    continue

                def total(kind, test, mine=mine):
                    return sum(e.amount for e in mine if e.kind == kind and test(e))

                budget = [total("budget", lambda e, m=m: e.month == m) for m in range(1, 13)]
                ahead = [
                    e for e in mine if e.kind == "forecast" and e.as_at == month and e.month > month
                ]
                figures = rules.line_figures(
                    sign=-1 if line.nature == "income" else 1,
                    budget_by_month=budget,
                    actual_to_date=total("actual", lambda e: e.month <= month),
                    commitments=total("commitment", lambda e: e.month <= month),
                    forecast_after=sum(e.amount for e in ahead) if ahead else None,
                    allocation_to_date=total("allocation", lambda e: e.month <= month),
                    allocation_forecast_after=total(
                        "allocation_forecast", lambda e: e.as_at == month and e.month > month
                    ),
                    month=month,
                )
                want[line.organisation_id] = (
                    want.get(line.organisation_id, rules.Figures()) + figures
                )
            assert got == want
            raise Rollback
    except Rollback:
        pass


def test_income_above_plan_is_favourable_and_an_overspend_adverse(devon):
    year = actions.open_year(CL(), devon, 2020)
    spend, income = lines(devon, ("15N", "X1", "expenditure"), ("15N", "X2", "income"))
    post_each(year, spend, Kind.BUDGET, {1: 100_000_00})
    post_each(year, spend, Kind.ACTUAL, {1: 106_000_00})
    post_each(year, income, Kind.BUDGET, {1: 50_000_00})
    post_each(year, income, Kind.ACTUAL, {1: 60_000_00})
    m = presenters.monitoring(year, 1, "cost_centre", org("15N"))
    by = {r.label.split()[0]: r for r in m.rows}
    assert by["X1"].figures.variance_to_date == 6_000_00  # overspend: positive, adverse
    assert by["X1"].rag == "red"  # 6% against red from 5%
    assert by["X2"].figures.variance_to_date == -10_000_00  # income above plan: favourable
    assert by["X2"].rag == "green"
    assert m.total.figures.variance_to_date == -4_000_00


# Closed months and corrections ---------------------------------------------------------------


def test_a_closed_month_takes_nothing_and_a_correction_points_at_what_it_corrects(devon):
    year = actions.open_year(CL(), devon, 2020)
    (line,) = lines(devon, ("15N", "C1", "expenditure"))
    post_each(year, line, Kind.ACTUAL, {1: 500_00, 2: 700_00})
    actions.close_month(CL(), year, 1)
    with pytest.raises(Refused, match=r"Close M2 \(May 2020\) first"):
        actions.close_month(CL(), year, 3)
    actions.close_month(CL(), year, 2)
    with pytest.raises(Conflict):
        actions.close_month(CL(), year, 2)
    before = Entry.objects.count()
    with pytest.raises(Refused, match="closed"):
        post_each(year, line, Kind.ACTUAL, {2: 1_00})
    assert Entry.objects.count() == before
    original = Entry.objects.get(line=line, month=1)
    actions.post_entries(
        CL(), year, [actions.EntryIn(line, 3, Kind.ACTUAL, -100_00, corrects=original)]
    )
    fixed = Entry.objects.get(corrects=original)
    assert fixed.month == 3 and original.corrections.get() == fixed
    assert ledger.sums(year, 3, "organisation")[line.organisation_id].actual_to_date == 1_100_00
    # What happened stays as it happened.
    with pytest.raises(ImmutableRecord):
        original.amount = 1
        original.save()
    with pytest.raises(ImmutableRecord):
        Entry.objects.filter(pk=original.pk).delete()
    year.refresh_from_db()
    year.closed_through = 1
    with pytest.raises(ImmutableRecord):
        year.save()
    # A correction is of the same line and kind.
    with pytest.raises(Refused, match="same line"):
        actions.post_entries(
            CL(), year, [actions.EntryIn(line, 3, Kind.BUDGET, 1, corrects=original)]
        )


def test_the_ledger_is_kept_by_its_organisation_only(universe, devon):
    year = actions.open_year(CL(), devon, 2020)
    (line,) = lines(devon, ("15N", "P1", "expenditure"))
    torbay = Actor.from_user(universe.accounts["finance-torbay"])
    with pytest.raises(NotPermitted):
        actions.post_entries(torbay, year, [actions.EntryIn(line, 1, Kind.BUDGET, 1_00)])
    with pytest.raises(NotPermitted):
        actions.add_lines(torbay, devon, [actions.LineIn(org("15N"), "P2", "x")])
    analyst = Actor.from_user(universe.accounts["analyst-15n"])
    with pytest.raises(NotPermitted):
        actions.post_entries(analyst, year, [actions.EntryIn(line, 1, Kind.BUDGET, 1_00)])
    jo = Actor.from_user(universe.accounts["jo-evans"])
    assert actions.post_entries(jo, year, [actions.EntryIn(line, 1, Kind.BUDGET, 1_00)]) == 1


# Within budget: decisions not yet ordered count against the line ------------------------------


def commitment(amount: int, line: str = "RC1") -> decisions.DecisionIn:
    return decisions.DecisionIn(
        title="Extra community capacity",
        resolution=f"Commit £{amount / 100:,.0f}.",
        decision_type="revenue_commitment",
        parts=[
            decisions.PartIn(
                org("15N"),
                amount,
                [(person("sam-patel"), post("15N/director-of-commissioning"))],
                budget_line=line,
            )
        ],
    )


def test_two_decisions_cannot_each_pass_and_together_overspend(universe, devon):
    year = actions.open_year(CL(), devon, 2020)
    (line,) = lines(devon, ("15N", "RC1", "expenditure"))
    post_each(year, line, Kind.BUDGET, {1: 60_000_00, 2: 60_000_00})
    post_each(year, line, Kind.ACTUAL, {1: 20_000_00})  # 100,000 left
    sam = Actor.from_user(universe.accounts["commissioner-15n"])
    on = date(2020, 6, 1)
    first = decisions.record_officer_decision(sam, devon, commitment(90_000_00), on)
    budget_check = next(c for c in first.checks if c["code"] == "over-budget")
    assert first.valid and budget_check["status"] == "passed", first.checks
    assert ledger.line_available(line, year) == 10_000_00
    with pytest.raises(Refused, match=r"available in the budget"):
        decisions.record_officer_decision(sam, devon, commitment(90_000_00), on)
    # Orders raised under the first decision are not counted twice.
    part = first.parts.get()
    post_each(year, line, Kind.COMMITMENT, {3: 50_000_00}, decision_part=part)
    assert ledger.line_available(line, year) == 10_000_00
    post_each(year, line, Kind.COMMITMENT, {4: -50_000_00}, decision_part=part)
    post_each(year, line, Kind.ACTUAL, {4: 50_000_00}, decision_part=part)  # paid
    assert ledger.line_available(line, year) == 10_000_00
    assert decisions.record_officer_decision(sam, devon, commitment(10_000_00), on).valid
    # A line the ledger does not know leaves the check not made, never passed.
    unknown = decisions.record_officer_decision(sam, devon, commitment(1_000_00, "NOPE"), on)
    assert next(c for c in unknown.checks if c["code"] == "over-budget")["status"] == "not_checked"


@pytest.mark.django_db(transaction=True)
def test_concurrent_decisions_on_one_line_do_not_overspend(universe, devon):
    year = actions.open_year(CL(), devon, 2020)
    (line,) = lines(devon, ("15N", "RC2", "expenditure"))
    post_each(year, line, Kind.BUDGET, {1: 100_000_00})
    results: list[str] = []
    start = threading.Barrier(6)

    def decide() -> None:
        try:
            start.wait()
            sam = Actor.from_user(universe.accounts["commissioner-15n"])
            decisions.record_officer_decision(
                sam, devon, commitment(30_000_00, "RC2"), date(2020, 6, 1)
            )
            results.append("valid")
        except Refused:
            results.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["refused"] * 3 + ["valid"] * 3
    assert Decision.objects.filter(parts__budget_line="RC2", valid=True).count() == 3
    assert ledger.line_available(line, year) == 10_000_00


# Virements are decisions ---------------------------------------------------------------------


def test_a_virement_over_the_officers_limit_is_refused_and_moves_nothing(universe, devon):
    year = actions.open_year(CL(), devon, 2020)
    source, target = lines(devon, ("15N", "V1", "expenditure"), ("15N", "V2", "expenditure"))
    post_each(year, source, Kind.BUDGET, {1: 2_000_000_00})
    jo = Actor.from_user(universe.accounts["jo-evans"])
    dofp = (person("jo-evans"), post("15N/director-of-financial-planning"))
    before = (Entry.objects.count(), Decision.objects.count())
    with pytest.raises(Refused) as refused:
        actions.vire(
            jo,
            year,
            source=source,
            target=target,
            amount=300_000_00,
            decider=dofp,
            on=date(2020, 5, 1),
            reason="Winter pressures",
        )
    assert "D5" in str(refused.value) and "£250,000" in str(refused.value)
    assert (Entry.objects.count(), Decision.objects.count()) == before
    made = actions.vire(
        jo,
        year,
        source=source,
        target=target,
        amount=200_000_00,
        decider=dofp,
        on=date(2020, 5, 1),
        reason="Winter pressures",
    )
    assert made.decision.valid and made.decision.decision_type == "virement"
    assert ledger.line_available(source, year) == 1_800_000_00
    assert ledger.line_available(target, year) == 200_000_00
    assert sorted(made.entries.values_list("amount", flat=True)) == [-200_000_00, 200_000_00]
    # Not more than the line has left; not between organisations; not for another's budget.
    with pytest.raises(Refused, match="left on"):
        actions.vire(
            jo,
            year,
            source=source,
            target=target,
            amount=1_900_000_00,
            decider=dofp,
            on=date(2020, 5, 1),
            reason="x",
        )
    (theirs,) = lines(devon, ("E06000027", "T1", "expenditure"))
    with pytest.raises(Refused, match="one organisation"):
        actions.vire(
            jo,
            year,
            source=source,
            target=theirs,
            amount=1_00,
            decider=dofp,
            on=date(2020, 5, 1),
            reason="x",
        )
    torbay = Actor.from_user(universe.accounts["finance-torbay"])
    with pytest.raises(NotPermitted):
        actions.vire(
            torbay,
            year,
            source=source,
            target=target,
            amount=1_00,
            decider=dofp,
            on=date(2020, 5, 1),
            reason="x",
        )
    assert Virement.objects.count() == 1


# The system position -------------------------------------------------------------------------

POSITIONS = {
    "15N": 2_000_000_00,
    "RH8": -1_500_000_00,
    "RK9": -500_000_00,
    "E10000008": -800_000_00,
}


@pytest.mark.parametrize(
    ("start", "met", "flagged"),
    [(2020, True, set()), (2026, False, {"RH8", "RK9"})],
)
def test_the_system_position_under_each_years_rule(devon, start, met, flagged):
    year = actions.open_year(CL(), devon, start)
    for code, position in POSITIONS.items():
        actions.report_position(CL(), year, org(code), month=10, position=position)
    p = ledger.system_position(year, 10)
    assert p is not None and p.met is met
    assert {j.org.code for j in p.organisations if j.flagged} == flagged
    assert p.total == 0  # the NHS organisations together; the council is outside the envelope
    council = next(j for j in p.organisations if j.org.code == "E10000008")
    assert not council.org.nhs and not council.flagged


def test_a_forecast_variance_moves_an_organisations_position(devon):
    """A ledger the system holds: the agreed plan less the forecast variance."""
    year = actions.open_year(CL(), devon, 2026)
    actions.record_plan(
        CL(),
        year,
        org("RH8"),
        name="Plan",
        agreed_on=date(2026, 4, 30),
        position=0,
        savings_requirement=None,
    )
    (line,) = lines(devon, ("RH8", "W1", "expenditure"))
    post_each(year, line, Kind.BUDGET, {m: 1_000_000_00 for m in range(1, 13)})
    post_each(year, line, Kind.ACTUAL, {1: 1_100_000_00})  # 100,000 over; the rest at budget
    p = ledger.system_position(year, 1)
    assert p is not None
    (rh8,) = [j for j in p.organisations if j.org.code == "RH8"]
    assert rh8.org.position == -100_000_00 and rh8.flagged and p.met is False
    # An additional allocation that covers it brings it back to break even.
    post_each(year, line, Kind.ALLOCATION, {1: 100_000_00}, label="HDP")
    p = ledger.system_position(year, 1)
    assert p is not None and p.met is True


def test_a_plan_is_not_a_forecast_and_the_latest_report_counts(devon):
    year = actions.open_year(CL(), devon, 2020)
    actions.record_plan(
        CL(), year, org("RH8"), name="Plan", agreed_on=date(2020, 4, 30), position=-1_000_000_00,
        savings_requirement=None,
    )  # fmt: skip
    p = ledger.system_position(year, 6)
    assert p is not None and p.met is None  # a trust with a plan but no forecast: not known
    (rh8,) = p.organisations
    assert rh8.org.position is None and rh8.org.planned == -1_000_000_00
    actions.report_position(CL(), year, org("RH8"), month=3, position=-500_000_00)
    actions.report_position(CL(), year, org("RH8"), month=7, position=200_000_00)
    assert ledger.system_position(year, 6).organisations[0].org.position == -500_000_00
    p = ledger.system_position(year, 7)
    assert p.organisations[0].org.position == 200_000_00 and p.met is True
    actions.close_month(CL(), year, 1)
    with pytest.raises(Refused, match="closed"):
        actions.report_position(CL(), year, org("RH8"), month=1, position=0)
    torbay = Actor.from_user(universe_account("finance-torbay"))
    with pytest.raises(NotPermitted):
        actions.report_position(torbay, year, org("RH8"), month=8, position=0)


def universe_account(name: str):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=name)


def test_a_year_with_no_rule_has_no_position(devon):
    year = FinancialYear.objects.create(system=devon, start=2019)
    assert ledger.system_position(year, 1) is None


def test_the_charts_forecast_ends_at_the_tables_outturn_when_some_lines_have_none(devon):
    year = actions.open_year(CL(), devon, 2020)
    a, b, c = lines(
        devon,
        ("15N", "F1", "expenditure"),
        ("15N", "F2", "expenditure"),
        ("15N", "F3", "income"),
    )
    for line in (a, b, c):
        post_each(year, line, Kind.BUDGET, {m: 1_000_00 * (m + 1) for m in range(1, 13)})
        post_each(year, line, Kind.ACTUAL, {m: 1_100_00 * m for m in range(1, 11)})
    post_each(year, a, Kind.FORECAST, {11: 5_000_00, 12: 7_000_00}, as_at=10)  # only F1
    table = presenters.monitoring(year, 10, "organisation").total.figures
    chart = presenters.months(year, 10)
    assert chart[-1].forecast == table.forecast_outturn
    assert chart[-1].budget == table.budget
    assert chart[9].actual == table.actual_to_date
