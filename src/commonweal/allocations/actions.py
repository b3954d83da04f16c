"""Changes to allocations, each in one transaction with an audit event and a declared
permission.

- Drafting an allocation, setting its lines, submitting it, linking a decision taken at a
  meeting and recording that it was turned down need MANAGE_FINANCE in the organisation
  allocating (its finance lead). Submitting also puts it on the forward plan through
  `meetings.add_plan_item`, which checks PLAN_BUSINESS in the organisation as well.
- Recording an officer's decision on it (`decide_allocation`) needs RECORD_OFFICER_DECISIONS:
  the officer themselves, or someone recording officers' decisions for the organisation, as
  for any officer's decision (`decisions.record_officer_decision`, which it calls).

An allocation is a decision of type `allocation`. The scheme of delegation's limits apply to
its gross new money: growth and investment, with no disinvestment set against them (netting
would let a large new commitment pass under a limit by pairing it with cuts). A submitted
allocation never changes: its place budgets are worked out and stored when it is submitted.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise
from commonweal.core.errors import Conflict, Problem, Refused
from commonweal.core.formatting import long_date, pounds
from commonweal.core.models import Organisation, OrganisationKind, Person
from commonweal.core.permissions import Permission
from commonweal.decisions import actions as decisions
from commonweal.decisions import context
from commonweal.decisions.models import Decision
from commonweal.finance.models import FinancialYear
from commonweal.governance import engine
from commonweal.governance.documents import DecisionType
from commonweal.governance.models import Body, Post
from commonweal.governance.requests import ProposalIn, route_proposal
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import ForwardPlanItem, ItemKind, Meeting
from commonweal.registry.models import Area, AreaResponsibility

from . import populations, rules
from .models import Allocation, AllocationLine, Basis, PlaceBudget, Status

ALLOCATION = DecisionType.ALLOCATION.value
MAX_PENCE = rules.MAX_LINE_PENCE
WEIGHT_PLACES = 6  # a weight's decimal places, as stored


@dataclass(frozen=True)
class ReasonProblem(Problem):
    """A reason the governance engine gave, with its stable code and clause."""

    code: str = ""
    clause: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "code": self.code, "clause": self.clause}


@dataclass
class AllocationIn:
    name: str
    total: int  # pence: the recurrent allocation received
    population_on: date
    place_total: int = 0  # pence capitated to places
    basis: str = Basis.REGISTERED
    weighting: str = ""
    weights: Mapping[str, Decimal] = field(default_factory=dict)
    stated_populations: Mapping[str, int] = field(default_factory=dict)
    population_source: str = ""
    illustrative: bool = False
    note: str = ""
    corrects: Allocation | None = None


def _refuse(message: str, problems: Sequence[tuple[str, str]]) -> Refused:
    return Refused(
        message + ": " + "; ".join(f"{f}: {m}" if f else m for f, m in problems),
        [Problem(f, m) for f, m in problems],
    )


def commissioners(year: FinancialYear) -> list[Organisation]:
    """The NHS commissioners responsible for some area of the year's system: those who may
    allocate in it."""
    return list(
        Organisation.objects.filter(
            kind=OrganisationKind.NHS_COMMISSIONER,
            pk__in=AreaResponsibility.objects.filter(
                area__system=year.system, role="nhs_commissioner"
            ).values("organisation"),
        ).order_by("name")
    )


def _check(year: FinancialYear, organisation: Organisation, a: AllocationIn) -> None:
    problems: list[tuple[str, str]] = []
    if organisation not in commissioners(year):
        problems.append(
            (
                "organisation",
                f"{organisation.name} is not an NHS commissioner of {year.system.name}",
            )
        )
    if not a.name.strip():
        problems.append(("name", "Enter a name for the allocation"))
    if a.total <= 0:
        problems.append(("total", "must be more than £0"))
    elif a.total > MAX_PENCE:
        problems.append(("total", "is more than a trillion pounds: check the figure"))
    if a.place_total < 0:
        problems.append(("place_total", "must be £0 or more"))
    elif a.place_total > a.total > 0:
        problems.append(("place_total", "cannot be more than the allocation received (the total)"))
    if a.basis not in Basis.values:
        problems.append(("basis", "Choose the population the place budgets are shared by"))
    places = {p.code for p in populations.places_of(year.system, a.population_on)}
    if a.weighting.strip() and not a.weights:
        problems.append(("weights", "Give the weighting's factor for each place"))
    if a.weights and not a.weighting.strip():
        problems.append(("weighting", "Name the weighting the factors come from"))
    for code, factor in a.weights.items():
        if code not in places:
            problems.append(("weights", f"'{code}' is not a place of {year.system.name}"))
        elif not factor.is_finite() or factor < 0:
            problems.append(("weights", f"The factor for {code} must be zero or more"))
        elif factor.as_tuple().exponent < -WEIGHT_PLACES or factor >= 1_000_000:  # type: ignore[operator]
            problems.append(
                ("weights", f"The factor for {code} has more than six decimal places or is too big")
            )
    if a.basis == Basis.STATED:
        if not a.population_source.strip():
            problems.append(("population_source", "Say where the stated populations come from"))
        for code, people in a.stated_populations.items():
            if code not in places:
                problems.append(
                    ("stated_populations", f"'{code}' is not a place of {year.system.name}")
                )
            elif not 0 <= people <= 100_000_000:
                problems.append(
                    ("stated_populations", f"The population of {code} must be 0 to 100,000,000")
                )
    elif a.stated_populations:
        problems.append(
            ("stated_populations", "Populations are stated only when the basis is 'stated'")
        )
    if a.corrects is not None:
        old = a.corrects
        if old.organisation_id != organisation.pk or old.year_id != year.pk:
            problems.append(
                ("corrects", f"{old.reference} is not {organisation.name}'s for {year.label}")
            )
        elif old.status == Status.DRAFT:
            problems.append(("corrects", f"{old.reference} is a draft: change it instead"))
        elif Allocation.objects.filter(corrects=old).exists():
            problems.append(("corrects", f"{old.reference} has been corrected already"))
    if problems:
        raise _refuse("The allocation was not drafted", problems)


@action("allocations.draft_allocation", permission=Permission.MANAGE_FINANCE)
def draft_allocation(
    actor: Actor, year: FinancialYear, organisation: Organisation, a: AllocationIn
) -> Allocation:
    """Draft a year's allocation for an NHS commissioner of the system."""
    actor.require(organisation, because=f"{organisation.name}'s allocation")
    _check(year, organisation, a)
    serialise(f"allocations:{organisation.code}")
    count = Allocation.objects.filter(organisation=organisation).count()
    allocation = Allocation.objects.create(
        system=year.system,
        year=year,
        organisation=organisation,
        reference=f"{organisation.code}-AL{count + 1:04}",
        name=a.name.strip()[:200],
        total=a.total,
        place_total=a.place_total,
        basis=a.basis,
        weighting=a.weighting.strip()[:200],
        weights={code: str(f) for code, f in a.weights.items()},
        stated_populations=dict(a.stated_populations),
        population_source=a.population_source.strip()[:300],
        population_on=a.population_on,
        illustrative=a.illustrative,
        note=a.note.strip(),
        corrects=a.corrects,
        recorded_by=actor.label[:150],
    )
    actor.record(
        "allocation",
        str(allocation.pk),
        f"Allocation {allocation.reference} drafted for {year.label}: {allocation.name} "
        f"({pounds(a.total)})",
    )
    return allocation


def _editable(allocation: Allocation) -> None:
    if allocation.status != Status.DRAFT:
        raise Conflict.at(
            "allocation",
            f"{allocation.reference} has been submitted and never changes: draft a correcting "
            "allocation instead",
        )


@action("allocations.set_lines", permission=Permission.MANAGE_FINANCE)
def set_lines(
    actor: Actor, allocation: Allocation, lines: Sequence[rules.LineIn]
) -> list[AllocationLine]:
    """Replace a draft allocation's lines of growth, investment and disinvestment."""
    actor.require(allocation.organisation, because=f"{allocation.organisation.name}'s allocation")
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _editable(allocation)
    problems = rules.check_lines(lines)
    places = {p.code: p for p in populations.places_of(allocation.system, allocation.population_on)}
    for i, line in enumerate(lines):
        if line.place and line.place not in places:
            problems.append(
                (f"lines[{i}].place", f"'{line.place}' is not a place of {allocation.system.name}")
            )
    if len(lines) > 1000:
        problems.append(("lines", "An allocation has at most 1,000 lines"))
    if problems:
        raise _refuse("The lines were not saved", problems)
    AllocationLine.objects.filter(allocation=allocation).delete()
    rows = AllocationLine.objects.bulk_create(
        AllocationLine(
            allocation=allocation,
            position=i,
            programme=line.programme.strip()[:200],
            priority=line.priority.strip()[:300],
            kind=line.kind,
            amount=line.amount,
            place=places.get(line.place) if line.place else None,
        )
        for i, line in enumerate(lines)
    )
    summary = rules.summarise(lines)
    actor.record(
        "allocation",
        str(allocation.pk),
        f"Allocation {allocation.reference}'s lines set: {len(lines)} line(s), growth "
        f"{rules.money_text(summary.growth)}, investment {rules.money_text(summary.investment)}, "
        f"disinvestment {rules.money_text(summary.disinvestment)}",
    )
    return rows


def line_inputs(allocation: Allocation) -> list[rules.LineIn]:
    return [
        rules.LineIn(
            programme=line.programme,
            kind=line.kind,
            amount=line.amount,
            priority=line.priority,
            place=line.place.code if line.place else "",
        )
        for line in allocation.lines.select_related("place")
    ]


@dataclass(frozen=True)
class Worked:
    """An allocation's place budgets as they would be (or were) worked out."""

    capitation: rules.Capitation | None
    places: dict[str, Area]
    counted: dict[str, str]  # place code -> how its population was counted
    problems: tuple[tuple[str, str], ...]


def work_out(allocation: Allocation) -> Worked:
    """Capitate the allocation's place total from its basis on its population date; any place
    with no population on that basis is a problem, named."""
    places = populations.places_of(allocation.system, allocation.population_on)
    by_code = {p.code: p for p in places}
    if allocation.place_total == 0:
        return Worked(None, by_code, {}, ())
    if not places:
        return Worked(None, by_code, {}, (("places", f"{allocation.system.name} has no places"),))
    if allocation.basis == Basis.RESIDENT:
        found = populations.resident(places, allocation.population_on)
        basis = "resident population"
    elif allocation.basis == Basis.STATED:
        found = populations.stated(
            places, allocation.stated_populations, allocation.population_source
        )
        basis = "stated population"
    else:
        found = populations.registered(allocation.system, places, allocation.population_on)
        basis = "registered population"
    counted = {p.code: found[p.pk].counted for p in places}
    problems = tuple(
        (
            f"population.{p.code}",
            f"{p.name} has no {basis} on {long_date(allocation.population_on)} "
            f"({found[p.pk].counted})",
        )
        for p in places
        if found[p.pk].population is None
    )
    if problems:
        return Worked(None, by_code, counted, problems)
    try:
        capitation = rules.capitate(
            allocation.place_total,
            [rules.PlaceIn(p.code, p.name, found[p.pk].population or 0) for p in places],
            allocation.weighting,
            {code: Decimal(f) for code, f in allocation.weights.items()},
            basis=basis,
        )
    except rules.CapitationError as exc:
        return Worked(None, by_code, counted, tuple(exc.problems))
    return Worked(capitation, by_code, counted, ())


def proposal(allocation: Allocation, on: date) -> ProposalIn:
    gross = rules.summarise(line_inputs(allocation)).gross_new
    return ProposalIn(
        system=allocation.system.slug,
        decision_type=DecisionType.ALLOCATION,
        on=on,
        project=allocation.reference,
        title=allocation.name,
        commitments=[
            {  # type: ignore[list-item]
                "organisation": allocation.organisation.code,
                "amount": Decimal(gross) / 100,
            }
        ],
    )


def _next_meeting(body: Body) -> Meeting | None:
    return (
        Meeting.objects.filter(
            body=body,
            status__in=(Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED),
            starts__gte=timezone.now(),
        )
        .order_by("starts")
        .first()
    )


@dataclass(frozen=True)
class Where:
    """Where the allocation is taken: the Integrated Commissioning Executive that the route
    consults (or at which it recommends), if any, with the kind of its step; and the body that
    decides, or the officer who does."""

    consulted: Body | None
    consulted_kind: str  # ItemKind.CONSULTATION or RECOMMENDATION ("" with no ICE step)
    body: Body | None
    post: Post | None


def _where(route: engine.Route, allocation: Allocation) -> Where:
    org = allocation.organisation.code
    steps = [s for s in route.steps if s.organisation == org]
    bodies = {
        b.code: b
        for b in Body.objects.filter(
            system=allocation.system,
            code__in=[s.taker.body for s in steps if s.taker.body],
            ends__isnull=True,
        )
    }
    consulted, kind = None, ""
    for s in steps:
        body = bodies.get(s.taker.body or "")
        if (
            s.kind in (engine.StepKind.CONSULT, engine.StepKind.RECOMMEND)
            and body is not None
            and body.kind == "integrated_commissioning_executive"
        ):
            consulted = body
            kind = (
                ItemKind.CONSULTATION
                if s.kind == engine.StepKind.CONSULT
                else ItemKind.RECOMMENDATION
            )
            break
    decide = steps[-1]
    if decide.taker.body:
        return Where(consulted, kind, bodies.get(decide.taker.body), None)
    post_org, _, code = (decide.taker.post or "").partition("/")
    post = Post.objects.filter(system=allocation.system, organisation__code=post_org, code=code)
    return Where(consulted, kind, None, post.first())


def _next_meeting_from(body: Body, after: date | None) -> Meeting | None:
    """The body's next arranged meeting, on or after a day (the day the ICE is consulted, for
    the decision that follows)."""
    if after is None:
        return _next_meeting(body)
    later = Meeting.objects.filter(
        body=body,
        status__in=(Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED),
        starts__gte=timezone.now(),
    ).order_by("starts")
    return next((m for m in later if meetings.local_day(m.starts) >= after), None)


@action("allocations.submit_allocation", permission=Permission.MANAGE_FINANCE)
def submit_allocation(
    actor: Actor, allocation: Allocation, *, due: date | None = None, author: str = ""
) -> Allocation:
    """Work out and store the place budgets, ask the governance engine for the allocation's
    route, and put it on the forward plan: for consultation (or recommendation, as the route
    has it) at the next meeting of the Integrated Commissioning Executive where the route
    consults it (or it recommends), and for decision at the next meeting of the body that
    decides after that, or for the officer who decides. From then on it never changes."""
    org = allocation.organisation
    actor.require(org, because=f"{org.name}'s allocation")
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _editable(allocation)
    worked = work_out(allocation)
    if worked.problems:
        raise _refuse("The allocation was not submitted", worked.problems)
    summary = rules.summarise(line_inputs(allocation))
    held = allocation.total - allocation.place_total - summary.net_change
    if held < 0:
        raise Refused.at(
            "allocation",
            f"The place budgets ({rules.money_text(allocation.place_total)}) and the net growth, "
            f"investment and disinvestment ({rules.money_text(summary.net_change)}) come to "
            f"more than the allocation received ({rules.money_text(allocation.total)})",
        )
    on = due or date.today()
    route, _gov = route_proposal(proposal(allocation, on))
    mine = next(o for o in route.organisations if o.organisation == org.code)
    if not mine.decidable:
        raise Refused.at("allocation", f"No one may decide this allocation: {mine.reason}")
    where = _where(route, allocation)
    if where.body is None and where.post is None:
        raise Refused.at("allocation", "The route names no body or post that takes it")
    consult_meeting = _next_meeting(where.consulted) if where.consulted is not None else None
    if where.consulted is not None and consult_meeting is None and due is None:
        raise Refused.at(
            "due",
            f"No meeting of {where.consulted.name} is arranged: enter the date the decision is due",
        )
    consulted_on = meetings.local_day(consult_meeting.starts) if consult_meeting else None
    meeting = _next_meeting_from(where.body, consulted_on) if where.body is not None else None
    # With no meeting of the deciding body arranged, its entry is due on the date given, or
    # else on the day the ICE is consulted (its meeting is chosen once one is arranged).
    if where.body is not None and meeting is None and due is None and consulted_on is None:
        raise Refused.at(
            "due",
            f"No meeting of {where.body.name} is arranged: enter the date the decision is due",
        )
    year = allocation.year
    # The decision follows the consultation: never due before the ICE's meeting.
    decision_due = max(on, consulted_on) if consulted_on is not None else on
    text = (
        f"Allocation {allocation.reference}: {rules.money_text(allocation.total)} received; "
        f"growth {rules.money_text(summary.growth)}, investment "
        f"{rules.money_text(summary.investment)}, disinvestment "
        f"{rules.money_text(summary.disinvestment)}; {rules.money_text(allocation.place_total)} "
        "capitated to places."
    )
    common: dict[str, Any] = {
        "title": f"Allocation {year.label}: {allocation.name}"[:200],
        "author": (author or actor.label)[:200],
        "decision_type": ALLOCATION,
        "commitments": [(org.code, summary.gross_new, None)],
        "project": allocation.reference,
    }
    taker = where.body.name if where.body is not None else str(where.post)
    consultation = None
    if where.consulted is not None:
        consultation = meetings.add_plan_item(
            actor,
            org,
            allocation.system,
            meetings.PlanIn(
                kind=where.consulted_kind,
                summary=f"{text} {where.consulted.name} is "
                + ("consulted" if where.consulted_kind == ItemKind.CONSULTATION else "to recommend")
                + f" before {taker} decides.",
                body=where.consulted,
                meeting=consult_meeting,
                due=None if consult_meeting is not None else on,
                **common,
            ),
        )
    plan = meetings.add_plan_item(
        actor,
        org,
        allocation.system,
        meetings.PlanIn(
            kind=ItemKind.DECISION,
            summary=text
            + (
                f" {where.consulted.name} is "
                + ("consulted" if where.consulted_kind == ItemKind.CONSULTATION else "recommends")
                + f" first ({consultation.reference})."
                if where.consulted is not None and consultation is not None
                else ""
            ),
            body=where.body,
            meeting=meeting,
            decider=where.post if where.body is None else None,
            due=None if meeting is not None else decision_due,
            decision_sought=(
                f"To agree {org.name}'s allocation for {year.label}, committing "
                f"{rules.money_text(summary.gross_new)} of new money (growth and investment)."
            ),
            **common,
        ),
    )
    if worked.capitation is not None:
        PlaceBudget.objects.bulk_create(
            PlaceBudget(
                allocation=allocation,
                place=worked.places[s.code],
                population=s.population,
                weight=s.weight,
                amount=s.amount,
                counted=worked.counted.get(s.code, "")[:300],
            )
            for s in worked.capitation.places
        )
    allocation.status = Status.AWAITING
    allocation.plan_item = plan
    allocation.consultation_item = consultation
    allocation.explanation = worked.capitation.explanation if worked.capitation else ""
    allocation.save(update_fields=["status", "plan_item", "consultation_item", "explanation"])
    said = (
        f"{meeting.body.name} on {long_date(meetings.local_day(meeting.starts))}"
        if meeting is not None
        else taker
    )
    if consultation is not None:
        said += f"; {consultation.reference} at {where.consulted.name} first"  # type: ignore[union-attr]
    actor.record(
        "allocation",
        str(allocation.pk),
        f"Allocation {allocation.reference} submitted for decision ({plan.reference}, {said})",
        after={
            "plan_item": plan.reference,
            "consultation_item": consultation.reference if consultation else None,
            "gross_new": summary.gross_new,
        },
    )
    return allocation


def _awaiting(allocation: Allocation) -> None:
    if allocation.status != Status.AWAITING:
        raise Conflict.at(
            "allocation",
            f"{allocation.reference} is {allocation.get_status_display().lower()}, not awaiting "
            "a decision",
        )


@action("allocations.decide_allocation", permission=Permission.RECORD_OFFICER_DECISIONS)
def decide_allocation(
    actor: Actor,
    allocation: Allocation,
    *,
    decider: tuple[Person, Post],
    on: date,
    reasons: str = "",
) -> Allocation:
    """Record an officer's decision to agree the allocation, validated by the scheme in force
    that day: one the officer may not take (over their limit, say) is refused with the
    engine's reasons and codes, and nothing is written."""
    org = allocation.organisation
    person, post = decider
    if actor.person is not None and actor.person == person:
        actor.require_self(person)
    else:
        actor.require(org, because=f"{org.name}'s decisions")
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _awaiting(allocation)
    summary = rules.summarise(line_inputs(allocation))
    data = context.DecisionData(
        outcome="decision",
        basis="officer",
        on=on,
        parts=(
            context.PartData(
                organisation=org.code, amount=summary.gross_new, deciders=((person.key, post.ref),)
            ),
        ),
        decision_type=ALLOCATION,
        project=allocation.reference,
    )
    history = context.History(allocation.system)
    judgement = context.judge(
        history, data, None, context.prior_spend(allocation.system, allocation.reference)
    )
    if not judgement.valid:
        problems = [
            ReasonProblem(
                "decider",
                (f"{c['organisation']}: " if c["organisation"] else "")
                + c["sentence"]
                + (f" (clause {c['clause']})" if c["clause"] else ""),
                code=c["code"],
                clause=c["clause"],
            )
            for c in judgement.reasons
        ]
        raise Refused(
            "Not recorded: " + "; ".join(f"{p.code}: {p.message}" for p in problems), problems
        )
    year = allocation.year
    decision = decisions.record_officer_decision(
        actor,
        allocation.system,
        decisions.DecisionIn(
            title=f"Allocation {year.label}: {allocation.name}"[:200],
            resolution=(
                f"To agree {org.name}'s allocation {allocation.reference} for {year.label}: "
                f"{rules.money_text(allocation.total)} received, growth "
                f"{rules.money_text(summary.growth)}, investment "
                f"{rules.money_text(summary.investment)}, disinvestment "
                f"{rules.money_text(summary.disinvestment)}, and "
                f"{rules.money_text(allocation.place_total)} capitated to places as set out."
            ),
            decision_type=ALLOCATION,
            reasons=reasons,
            project=allocation.reference,
            parts=[decisions.PartIn(org, summary.gross_new, [decider])],
        ),
        on,
        plan=allocation.plan_item,
    )
    return _decided(actor, allocation, decision)


def _decided(actor: Actor, allocation: Allocation, decision: Decision) -> Allocation:
    allocation.status = Status.DECIDED
    allocation.decision = decision
    allocation.save(update_fields=["status", "decision"])
    actor.record(
        "allocation",
        str(allocation.pk),
        f"Allocation {allocation.reference} decided ({decision.reference})",
        after={"decision": decision.reference},
    )
    return allocation


@action("allocations.link_decision", permission=Permission.MANAGE_FINANCE)
def link_decision(actor: Actor, allocation: Allocation, decision: Decision) -> Allocation:
    """Mark the allocation decided by a decision recorded elsewhere: at a meeting (the
    Governing Body, say, at an agenda item for the allocation's forward plan entry) or by
    urgent action. It must be a valid allocation decision binding the organisation, for this
    allocation's plan entry, for its gross new money, neither corrected nor rescinded."""
    org = allocation.organisation
    actor.require(org, because=f"{org.name}'s allocation")
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _awaiting(allocation)
    gross = rules.summarise(line_inputs(allocation)).gross_new
    plan_of = decision.plan_item_id or (decision.item.plan_item_id if decision.item else None)
    part = decision.parts.filter(organisation=org).first()
    problems = []
    if decision.system_id != allocation.system_id:
        problems.append(("decision", f"{decision.reference} is another system's"))
    if decision.decision_type != ALLOCATION:
        problems.append(("decision", f"{decision.reference} is not an allocation decision"))
    if allocation.plan_item_id is None or plan_of != allocation.plan_item_id:
        problems.append(
            (
                "decision",
                f"{decision.reference} was not taken on this allocation's forward plan entry",
            )
        )
    if not decision.valid or org.code not in (decision.binds or []) or part is None:
        problems.append(("decision", f"{decision.reference} is not a valid decision for {org}"))
    elif part.amount != gross:
        problems.append(
            (
                "decision",
                f"{decision.reference} commits {pounds(part.amount)}, not the allocation's "
                f"{pounds(gross)} of growth and investment",
            )
        )
    if decision.changed_by.exists():
        problems.append(("decision", f"{decision.reference} has been corrected or rescinded"))
    if Allocation.objects.filter(decision=decision).exists():
        problems.append(("decision", f"{decision.reference} decided another allocation already"))
    if problems:
        raise _refuse("The decision was not linked", problems)
    return _decided(actor, allocation, decision)


@action("allocations.refuse_allocation", permission=Permission.MANAGE_FINANCE)
def refuse_allocation(actor: Actor, allocation: Allocation, *, reason: str) -> Allocation:
    """Record that the decision maker did not agree the allocation (a new one is drafted to
    correct it). It never changes afterwards."""
    org = allocation.organisation
    actor.require(org, because=f"{org.name}'s allocation")
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    _awaiting(allocation)
    if not reason.strip():
        raise Refused.at("reason", "Say why the allocation was not agreed")
    allocation.status = Status.REFUSED
    allocation.refused_reason = reason.strip()[:5000]
    allocation.save(update_fields=["status", "refused_reason"])
    actor.record(
        "allocation", str(allocation.pk), f"Allocation {allocation.reference} was not agreed"
    )
    return allocation


def plan_item_links(items: Sequence[ForwardPlanItem]) -> dict[int, tuple[str, str]]:
    """For the meeting pages: each forward plan entry that takes an allocation (its decision,
    or the ICE's consultation on it), with a link to the allocation's page (registered in
    `meetings.presenters.PLAN_ITEM_LINKS`)."""
    pks = [i.pk for i in items]
    found = Allocation.objects.filter(
        Q(plan_item__in=pks) | Q(consultation_item__in=pks)
    ).select_related("system")
    out: dict[int, tuple[str, str]] = {}
    for a in found:
        link = (
            reverse("allocation", args=[a.system.slug, a.pk]),
            f"Allocation {a.reference} ({a.get_status_display().lower()})",
        )
        for pk in (a.plan_item_id, a.consultation_item_id):
            if pk is not None and pk in pks:
                out[pk] = link
    return out
