"""Allocations on the Devon universe: place budgets capitated from registered populations (raw
and weighted), refused for a place with no population; submitted, an allocation is routed by
the CCG's scheme (clause D8), goes on the Integrated Commissioning Executive's next meeting and
shows there; an allocation over the officer's limit is refused (over-limit) with nothing
written; within it, it is decided and never changes again."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from commonweal.allocations import actions
from commonweal.allocations.actions import AllocationIn
from commonweal.allocations.models import Allocation, AllocationLine, PlaceBudget, Status
from commonweal.allocations.rules import LineIn
from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.core.models import AuditEvent, ImmutableRecord, Person
from commonweal.decisions.models import Decision
from commonweal.governance.models import Post
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import ForwardPlanItem, ItemKind

from .conftest import POPULATION_ON, SIZES

pytestmark = pytest.mark.django_db
MILLION = 100_000_000  # pence


def _draft(d, *, place_total=10 * MILLION, **more):
    return actions.draft_allocation(
        Actor.command_line(),
        d.year,
        d.ccg,
        AllocationIn(
            name="Recurrent allocation 2020/21",
            total=1_000 * MILLION,
            place_total=place_total,
            population_on=POPULATION_ON,
            **more,
        ),
    )


def _lines(gross_millions: int) -> list[LineIn]:
    return [
        LineIn("Mental health", "growth", gross_millions * MILLION // 2, "Long Term Plan"),
        LineIn("Primary care", "investment", gross_millions * MILLION // 2, place="north"),
        LineIn("Acute", "disinvestment", 1 * MILLION, "Procedures of limited value"),
    ]


def _officer(key: str, post: str):
    return Person.objects.get(key=key), Post.objects.get(organisation__code="15N", code=post)


AO = ("alex-morgan", "accountable-officer")


def test_place_budgets_are_capitated_from_the_registered_population(d):
    a = _draft(d)
    worked = actions.work_out(a)
    assert worked.problems == ()
    shares = {p.code: p for p in worked.capitation.places}
    whole = sum(sum(s) for s in SIZES.values())
    assert sum(p.amount for p in shares.values()) == 10 * MILLION
    for code, sizes in SIZES.items():
        # The list sizes on or before the date, the latest of each practice: not 2019's or 2021's.
        assert shares[code].population == sum(sizes)
        assert abs(shares[code].amount - 10 * MILLION * sum(sizes) / whole) < 1
    assert "raw registered population" in worked.capitation.explanation
    assert "2 practice list size(s) (1 January 2020)" in worked.counted["north"]


def test_a_named_weighting_multiplies_each_place_population(d):
    weights = {"north": Decimal("1.5"), "east": Decimal(1), "south": Decimal(1), "west": Decimal(1)}
    a = _draft(d, weighting="Illustrative rurality index", weights=weights)
    shares = {p.code: p for p in actions.work_out(a).capitation.places}
    weighted = 100_000 * Decimal("1.5") + 200_000 + 150_000 + 250_000
    assert shares["north"].amount == pytest.approx(float(10 * MILLION * 150_000 / weighted), abs=1)
    assert sum(p.amount for p in shares.values()) == 10 * MILLION


def test_a_place_without_registered_population_is_named_and_submission_refused(devon, d):
    from commonweal.registry.models import AreaPractice

    AreaPractice.objects.filter(area__code="pcn-east").update(ends=date(2019, 1, 1))
    a = _draft(d)
    with pytest.raises(Refused) as refused:
        actions.submit_allocation(Actor.command_line(), a)
    assert "East Devon has no registered population" in str(refused.value)
    assert Allocation.objects.get(pk=a.pk).status == Status.DRAFT
    assert not PlaceBudget.objects.filter(allocation=a).exists()


def test_the_resident_basis_needs_estimates_and_the_stated_basis_its_figures(d):
    # The Devon example gives its four local areas no population estimate.
    a = _draft(d, basis="resident")
    problems = actions.work_out(a).problems
    assert [f for f, _ in problems] == [
        "population.east",
        "population.north",
        "population.south",
        "population.west",
    ]
    stated = _draft(
        d,
        basis="stated",
        stated_populations={"north": 1, "east": 1, "south": 1, "west": 1},
        population_source="Test figures",
    )
    assert [p.amount for p in actions.work_out(stated).capitation.places] == [10 * MILLION // 4] * 4
    with pytest.raises(Refused, match="Say where the stated populations come from"):
        _draft(d, basis="stated", stated_populations={"north": 1})


def test_drafting_refuses_what_is_wrong_with_every_problem(d):
    with pytest.raises(Refused) as refused:
        _draft(d, place_total=2_000 * MILLION, weights={"nowhere": Decimal("-1")})
    fields = {p.field for p in refused.value.problems}
    assert {"place_total", "weights", "weighting"} <= fields
    sel_ccg = d.ccg.__class__.objects.get(code="72Q")
    with pytest.raises(Refused, match="not an NHS commissioner of Wider Devon"):
        actions.draft_allocation(
            Actor.command_line(),
            d.year,
            sel_ccg,
            AllocationIn(name="X", total=1, population_on=POPULATION_ON),
        )


def test_submitting_puts_it_on_the_ice_next_meeting_and_the_meeting_page_shows_it(
    d, client, universe
):
    a = _draft(d)
    actions.set_lines(Actor.command_line(), a, _lines(2))
    a = actions.submit_allocation(Actor.command_line(), a)
    assert a.status == Status.AWAITING
    # D8 consults the ICE: its entry is for consultation at its next meeting, not for decision.
    consulted = a.consultation_item
    assert consulted.body == d.ice and consulted.meeting == d.meeting
    assert consulted.kind == ItemKind.CONSULTATION
    # The decision is the Accountable Officer's (£2m is within their limit), after the ICE.
    plan = a.plan_item
    assert plan.kind == ItemKind.DECISION and plan.body is None
    assert plan.decider.ref == "15N/accountable-officer"
    assert plan.due == meetings.local_day(d.meeting.starts)
    for entry in (plan, consulted):
        assert entry.decision_type == "allocation"
        # The limits apply to growth and investment (£2m), no disinvestment set against them.
        assert entry.commitments == [{"organisation": "15N", "amount": 2 * MILLION, "prior": None}]
        # No raw address in the text, and a real minus sign.
        assert "/systems/" not in entry.summary and "-£" not in entry.summary
        assert "disinvestment \u2212£1,000,000" in entry.summary
    budgets = list(PlaceBudget.objects.filter(allocation=a))
    assert len(budgets) == 4 and sum(b.amount for b in budgets) == 10 * MILLION
    # The ICE's meeting page lists it, for consultation, with a link to the allocation.
    client.force_login(universe.accounts["analyst-15n"])
    page = client.get(reverse("meeting", args=[d.meeting.pk])).content.decode()
    assert consulted.reference in page and "(for consultation)" in page
    assert "(for decision)" not in page
    assert reverse("allocation", args=[d.system.slug, a.pk]) in page
    assert f"Allocation {a.reference} (awaiting decision)" in page
    # So do the forward plan entries' pages, with a link and not the raw address; neither
    # says that the route has someone else deciding.
    for entry in (consulted, plan):
        page = client.get(reverse("plan-item", args=["15N", entry.reference])).content.decode()
        assert f'href="{reverse("allocation", args=[d.system.slug, a.pk])}"' in page
        assert "The route says someone else decides" not in page
        assert "-£" not in page
    assert (
        "For consultation"
        in client.get(reverse("plan-item", args=["15N", consulted.reference])).content.decode()
    )
    page = client.get(reverse("allocation", args=[d.system.slug, a.pk])).content.decode()
    assert "D8" in page and "Integrated Commissioning Executive" in page


def test_with_no_ice_meeting_arranged_it_needs_a_due_date(d):

    meetings.change_meeting(Actor.command_line(), d.meeting, status="cancelled")
    a = _draft(d)
    with pytest.raises(Refused, match="enter the date the decision is due"):
        actions.submit_allocation(Actor.command_line(), a)
    a = actions.submit_allocation(Actor.command_line(), a, due=date(2020, 3, 20))
    assert a.plan_item.meeting is None and a.plan_item.due == date(2020, 3, 20)
    assert a.consultation_item.meeting is None and a.consultation_item.due == date(2020, 3, 20)


def test_an_allocation_over_the_officer_limit_is_refused_and_nothing_is_written(d):
    a = _draft(d)
    actions.set_lines(Actor.command_line(), a, _lines(6))  # £6m of new money: over £5m
    a = actions.submit_allocation(Actor.command_line(), a)
    decisions, events = Decision.objects.count(), AuditEvent.objects.count()
    with pytest.raises(Refused) as refused:
        actions.decide_allocation(
            Actor.command_line(), a, decider=_officer(*AO), on=date(2020, 3, 20)
        )
    codes = {getattr(p, "code", "") for p in refused.value.problems}
    assert "over-limit" in codes
    assert "D8" in str(refused.value)
    assert Decision.objects.count() == decisions
    assert AuditEvent.objects.count() == events
    assert Allocation.objects.get(pk=a.pk).status == Status.AWAITING


def test_within_the_limit_it_is_decided_and_then_never_changes(d):
    a = _draft(d)
    actions.set_lines(Actor.command_line(), a, _lines(2))
    a = actions.submit_allocation(Actor.command_line(), a)
    with pytest.raises(Conflict):
        actions.set_lines(Actor.command_line(), a, [])
    a = actions.decide_allocation(
        Actor.command_line(), a, decider=_officer(*AO), on=date(2020, 3, 20), reasons="Agreed"
    )
    assert a.status == Status.DECIDED
    decision = a.decision
    assert decision.valid and decision.decision_type == "allocation"
    assert decision.binds == ["15N"] and decision.parts.get().amount == 2 * MILLION
    assert ForwardPlanItem.objects.get(pk=a.plan_item_id).status == "taken"
    # Decided: the allocation, its lines and its place budgets never change.
    a.name = "Changed"
    with pytest.raises(ImmutableRecord):
        a.save()
    with pytest.raises(ImmutableRecord):
        AllocationLine.objects.filter(allocation=a).delete()
    with pytest.raises(ImmutableRecord):
        PlaceBudget.objects.filter(allocation=a).update(amount=0)
    with pytest.raises(Conflict):
        actions.decide_allocation(
            Actor.command_line(), a, decider=_officer(*AO), on=date(2020, 3, 20)
        )
    # A correction is a new allocation pointing at it.
    fix = _draft(d, corrects=a)
    assert fix.corrects == a
    with pytest.raises(Refused, match="corrected already"):
        _draft(d, corrects=a)


def test_the_director_of_financial_planning_may_not_decide_it(d):
    a = _draft(d)
    actions.set_lines(Actor.command_line(), a, _lines(1))
    a = actions.submit_allocation(Actor.command_line(), a)
    with pytest.raises(Refused) as refused:
        actions.decide_allocation(
            Actor.command_line(),
            a,
            decider=_officer("jo-evans", "director-of-financial-planning"),
            on=date(2020, 3, 20),
        )
    assert "not-authorised" in {getattr(p, "code", "") for p in refused.value.problems}


def test_a_decision_is_linked_only_if_it_is_this_allocations(d):
    a = _draft(d)
    actions.set_lines(Actor.command_line(), a, _lines(2))
    a = actions.submit_allocation(Actor.command_line(), a)
    other = Decision.objects.create(
        system=d.system, basis="officer", title="Other", on=date(2020, 3, 1),
        resolution="Agreed", decision_type="virement", valid=True, recorded_by="test",
    )  # fmt: skip
    with pytest.raises(Refused) as refused:
        actions.link_decision(Actor.command_line(), a, other)
    text = str(refused.value)
    assert "is not an allocation decision" in text
    assert "was not taken on this allocation's forward plan entry" in text


def test_refused_and_permissions(d, universe):
    a = _draft(d)
    jo = Actor.from_user(universe.accounts["jo-evans"])
    actions.set_lines(jo, a, _lines(1))  # the finance role keeps the allocation
    with pytest.raises(NotPermitted):
        # Putting it on the forward plan needs the permission to plan the CCG's business too.
        actions.submit_allocation(jo, a)
    admin = Actor.from_user(universe.accounts["admin-15n"])
    a = actions.submit_allocation(admin, a)
    with pytest.raises(NotPermitted):
        actions.set_lines(Actor.from_user(universe.accounts["finance-torbay"]), a, [])
    # The Accountable Officer records their own decision.
    alex = Actor.from_user(universe.accounts["alex-morgan"])
    done = actions.decide_allocation(alex, a, decider=_officer(*AO), on=date(2020, 3, 20))
    assert done.status == Status.DECIDED
    b = actions.submit_allocation(admin, _draft(d))
    with pytest.raises(Refused, match="Say why"):
        actions.refuse_allocation(jo, b, reason=" ")
    b = actions.refuse_allocation(jo, b, reason="Deferred to the Governing Body")
    assert b.status == Status.REFUSED
    b.note = "x"
    with pytest.raises(ImmutableRecord):
        b.save()
