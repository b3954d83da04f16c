"""Recording decisions, urgent action, what follows a decision, and minutes.

Every decision is validated by the governance engine when it is recorded, with its context
read from the database (`context`): an invalid one is refused with every reason and nothing is
written. At a meeting of decision makers (the Integrated Commissioning Executive) each
organisation's part is its own decision: a part that fails is refused with its reasons and the
others are recorded. Records never change: a correction or rescission is a new decision.

Permissions: a body's decisions are recorded by those who hold RECORD_DECISIONS for that body
in the organisation of every part (a clerk, for their own bodies); an officer's decision by
the officer or by someone holding RECORD_OFFICER_DECISIONS in the organisation.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone

from commonweal.core.actions import Actor, action
from commonweal.core.errors import Conflict, NotPermitted, Problem, Refused
from commonweal.core.formatting import long_date, pounds
from commonweal.core.models import COUNCIL_KINDS, Organisation, Person
from commonweal.core.permissions import Permission
from commonweal.governance import engine
from commonweal.governance.models import Body, Post
from commonweal.meetings import rules as meeting_rules
from commonweal.meetings.actions import local_day, route_for
from commonweal.meetings.models import AgendaItem, ForwardPlanItem, Meeting
from commonweal.registry.models import Area, System

from . import context, rules
from .models import (
    Basis,
    Change,
    Decision,
    DecisionEvent,
    DecisionPart,
    Minutes,
    Outcome,
    PartDecider,
    Revalidation,
)

OUTCOMES_NOT_DECISIONS = (Outcome.RECOMMENDATION, Outcome.SIGN_OFF, Outcome.CONSULTATION)


@dataclass
class PartIn:
    organisation: Organisation
    amount: int = 0
    deciders: list[tuple[Person, Post]] = field(default_factory=list)
    consent: bool = True
    votes: engine.Votes | None = None
    budget_line: str = ""  # the cost centre the money comes from


@dataclass
class DecisionIn:
    title: str
    resolution: str
    outcome: str = Outcome.DECISION
    decision_type: str = ""
    reasons: str = ""
    alternatives: str = ""
    risks: str = ""
    project: str = ""
    footprint: Area | None = None
    route_step: str = ""
    parts: list[PartIn] = field(default_factory=list)
    corrects: Decision | None = None
    change: str = ""


@dataclass
class Recorded:
    decision: Decision | None
    # Parts refused at a meeting of decision makers: (organisation, reasons).
    refused: list[tuple[Organisation, list[str]]] = field(default_factory=list)


def _problems(*pairs: tuple[str, str]) -> Refused:
    return Refused(
        "; ".join(f"{f}: {m}" if f else m for f, m in pairs), [Problem(f, m) for f, m in pairs]
    )


def _check_text(d: DecisionIn) -> list[tuple[str, str]]:
    problems = []
    if not d.title.strip():
        problems.append(("title", "Enter a title"))
    if not d.resolution.strip():
        problems.append(("resolution", "Enter what was decided"))
    if d.outcome == Outcome.DECISION and not d.decision_type:
        problems.append(("decision_type", "Choose the decision type"))
    if d.outcome not in Outcome.values:
        problems.append(("outcome", "Choose what the outcome is"))
    if d.corrects is not None:
        if d.change not in Change.values:
            problems.append(("change", "Say whether it corrects or rescinds the decision"))
        elif Decision.objects.filter(corrects=d.corrects).exists():
            problems.append(
                ("corrects", f"{d.corrects.reference} has already been corrected or rescinded")
            )
    seen: set[str] = set()
    for i, p in enumerate(d.parts):
        if p.organisation.code in seen:
            problems.append(
                (f"parts[{i}].organisation", f"{p.organisation.name} has a part already")
            )
        seen.add(p.organisation.code)
        if p.amount < 0:
            problems.append((f"parts[{i}].amount", "The amount cannot be negative"))
    if d.outcome == Outcome.DECISION and not d.parts:
        problems.append(("parts", "Give each organisation's part: who decided, and the amount"))
    return problems


def _route_step(
    d: DecisionIn, plan: ForwardPlanItem | None, body: Body | None
) -> list[tuple[str, str]]:
    if not d.route_step:
        return []
    if plan is None:
        return [("route_step", "A route step is answered only by business on the forward plan")]
    try:
        route, _ = route_for(plan)
    except Refused:
        return [("route_step", f"{plan.reference} has no route to answer")]
    steps = {s.id: s for s in route.steps}
    step = steps.get(d.route_step)
    if step is None:
        return [("route_step", f"'{d.route_step}' is not a step of {plan.reference}'s route")]
    wants = (
        {"consult"}
        if d.outcome == Outcome.CONSULTATION
        else {"recommend"}
        if d.outcome == Outcome.RECOMMENDATION
        else {"decide", "decide_jointly"}
        if d.outcome == Outcome.DECISION
        else {"consult", "recommend", "decide", "decide_jointly"}
    )
    if step.kind.value not in wants:
        return [
            (
                "route_step",
                f"A {Outcome(d.outcome).label.lower()} does not answer a {step.kind.value} step",
            )
        ]
    if body is not None and step.taker.body and step.taker.body != body.code:
        return [("route_step", f"That step is {step.taker.body}'s to take, not {body.name}'s")]
    return []


def _part_data(p: PartIn, body: Body | None, individual: bool) -> context.PartData:
    return context.PartData(
        organisation=p.organisation.code,
        amount=p.amount,
        deciders=tuple((person.key, post.ref) for person, post in p.deciders),
        body=None if individual or body is None else body.code,
        consent=p.consent,
        votes=p.votes,
        budget_line=p.budget_line.strip(),
    )


def _key_and_call_in(
    organisation: Organisation,
    plan: ForwardPlanItem | None,
    executive: bool,
    urgent: bool,
    on: date,
) -> tuple[bool | None, date | None]:
    council = organisation.kind in COUNCIL_KINDS
    key = plan.key_decision if plan is not None and council else None
    if not rules.subject_to_call_in(council, executive, key, urgent):
        return key, None
    closed = meeting_rules.bank_holidays({on.year, on.year + 1})
    return key, rules.call_in_until(on, closed)


def _write(
    actor: Actor,
    system: System,
    d: DecisionIn,
    data: context.DecisionData,
    judgement: context.Judgement,
    *,
    basis: str,
    on: date,
    meeting: Meeting | None = None,
    item: AgendaItem | None = None,
    body: Body | None = None,
    plan: ForwardPlanItem | None = None,
    parts: Sequence[PartIn] = (),
    presence: list[dict[str, str]] | None = None,
    urgency: str = "",
    consulted: list[dict[str, str]] | None = None,
) -> Decision:
    executive = body is not None and body.kind == "cabinet"
    first_org = parts[0].organisation if parts else None
    key, until = (
        _key_and_call_in(first_org, plan, executive, basis == Basis.URGENT, on)
        if first_org is not None and d.outcome == Outcome.DECISION
        else (None, None)
    )
    decision = Decision.objects.create(
        system=system,
        outcome=d.outcome,
        basis=basis,
        meeting=meeting,
        item=item,
        body=body,
        plan_item=plan,
        title=d.title.strip()[:200],
        decision_type=d.decision_type if d.outcome == Outcome.DECISION else "",
        on=on,
        resolution=d.resolution.strip(),
        reasons=d.reasons.strip(),
        alternatives=d.alternatives.strip(),
        risks=d.risks.strip(),
        route_step=d.route_step,
        project=d.project.strip(),
        footprint=d.footprint,
        key_decision=key,
        call_in_until=until,
        corrects=d.corrects,
        change=d.change if d.corrects is not None else "",
        urgency=urgency,
        consulted=consulted or [],
        valid=judgement.valid,
        binds=list(judgement.binds),
        checks=list(judgement.checks),
        presence=presence or [],
        recorded_by=actor.label[:150],
    )
    for p in parts:
        row = DecisionPart.objects.create(
            decision=decision,
            organisation=p.organisation,
            amount=p.amount,
            budget_line=p.budget_line.strip()[:40],
            body=next(
                (body for x in data.parts if x.organisation == p.organisation.code and x.body),
                None,
            ),
            consent=p.consent,
            votes_for=p.votes.in_favour if p.votes else None,
            votes_against=p.votes.against if p.votes else None,
            abstentions=p.votes.abstentions if p.votes else None,
            casting_vote=p.votes.casting_vote.value if p.votes and p.votes.casting_vote else "",
        )
        for person, post in p.deciders:
            PartDecider.objects.create(part=row, person=person, post=post)
    if plan is not None and d.outcome == Outcome.DECISION and plan.status != plan.Status.TAKEN:
        plan.status = ForwardPlanItem.Status.TAKEN
        plan.save(update_fields=["status"])
    money = ", ".join(f"{p.organisation.code} {pounds(p.amount)}" for p in parts)
    actor.record(
        "decision",
        str(decision.pk),
        f"{Outcome(d.outcome).label} {decision.reference} recorded: {decision.title}"
        + (f" ({money})" if money else ""),
        after={"binds": list(judgement.binds), "basis": basis},
    )
    return decision


# At a meeting -------------------------------------------------------------------------------


def _item_open_for_record(item: AgendaItem) -> list[tuple[str, str]]:
    meeting = item.meeting
    problems = []
    if meeting.status == Meeting.Status.CANCELLED:
        problems.append(("item", "The meeting was cancelled: nothing was decided at it"))
    elif timezone.now() < meeting.starts:
        problems.append(("item", "The meeting has not started: record what it decides once it has"))
    if item.withdrawn:
        problems.append(("item", f"Item {item.number} was withdrawn from the agenda"))
    return problems


@action("decisions.record_at_item", permission=Permission.RECORD_DECISIONS)
def record_at_item(actor: Actor, item: AgendaItem, d: DecisionIn) -> Recorded:
    """Record a decision (or a recommendation, sign-off or consultation response) taken at an
    item of a meeting, validated against the meeting's record."""
    meeting = item.meeting
    body = meeting.body
    owners = {o.code: o for o in body.owners.all()}
    if d.parts:
        for p in d.parts:
            actor.require(p.organisation, body, because=f"{p.organisation.name}'s part")
    else:
        actor.require_any(owners.values(), body, because=f"the decisions of {body.name}")
    problems = _item_open_for_record(item) + _check_text(d)
    for i, p in enumerate(d.parts):
        if p.organisation.code not in owners:
            problems.append(
                (
                    f"parts[{i}].organisation",
                    f"{p.organisation.name} is not one of {body.name}'s organisations",
                )
            )
    plan = item.plan_item
    problems += _route_step(d, plan, body)
    if d.outcome in OUTCOMES_NOT_DECISIONS and d.parts:
        problems.append(
            ("parts", "A recommendation, sign-off or consultation response commits no money")
        )
    if problems:
        raise _problems(*problems)
    history = context.History(body.system)
    state = context.item_states(history, [item.pk])[item.pk]
    on = local_day(meeting.starts)
    individual = body.voting == engine.Voting.INDIVIDUAL.value
    in_room = {x.person for x in state.presence.present}
    for i, p in enumerate(d.parts):
        for person, _post in p.deciders:
            if person.key not in in_room and person.key not in state.presence.withdrawn:
                problems.append(
                    (
                        f"parts[{i}].deciders",
                        f"{person.name} was not present for item {item.number}",
                    )
                )
        if individual and not p.deciders:
            problems.append(
                (f"parts[{i}].deciders", f"Choose who decided for {p.organisation.name}")
            )
    if problems:
        raise _problems(*problems)

    def data(parts: Sequence[PartIn]) -> context.DecisionData:
        return context.DecisionData(
            outcome=d.outcome,
            basis=Basis.MEETING,
            on=on,
            parts=tuple(_part_data(p, body, individual) for p in parts),
            decision_type=d.decision_type,
            body=body.code,
            item=item.pk,
            project=d.project.strip(),
            footprint=d.footprint.code if d.footprint else None,
        )

    prior = context.prior_spend(body.system, d.project.strip())
    judgement = context.judge(history, data(d.parts), state, prior, budget=True)
    kept, refused = list(d.parts), []
    if not judgement.valid and individual and d.outcome == Outcome.DECISION:
        # Each executive decides for their own organisation: the parts that hold stand.
        kept = [p for p in d.parts if judgement.part_valid(p.organisation.code)]
        refused = [
            (
                p.organisation,
                [
                    c["sentence"]
                    for c in judgement.reasons
                    if c["organisation"] == p.organisation.code
                ],
            )
            for p in d.parts
            if p not in kept
        ]
        if kept:
            judgement = context.judge(history, data(kept), state, prior, budget=True)
    if not judgement.valid:
        raise _refusal(judgement, body)
    decision = _write(
        actor,
        body.system,
        d,
        data(kept),
        judgement,
        basis=Basis.MEETING,
        on=on,
        meeting=meeting,
        item=item,
        body=body,
        plan=plan,
        parts=kept,
        presence=state.present_rows(),
    )
    return Recorded(decision, refused)


def _refusal(judgement: context.Judgement, body: Body | None) -> Refused:
    reasons = list(judgement.reasons)
    problems = [
        Problem(
            "",
            (f"{c['organisation']}: " if c["organisation"] else "")
            + c["sentence"]
            + (f" (clause {c['clause']})" if c["clause"] else ""),
        )
        for c in reasons
    ]
    inquorate = any(c["code"] == context.INQUORATE for c in reasons)
    if inquorate and body is not None:
        more = (
            "defer it, or take it by urgent action as the terms of reference provide"
            if body.urgent_action
            else "defer it to a meeting that is quorate"
        )
        problems.append(Problem("", f"The item cannot be decided while it is inquorate: {more}."))
    return Refused("Not recorded: " + "; ".join(p.message for p in problems), problems)


# Officer decisions ---------------------------------------------------------------------------


@action("decisions.record_officer_decision", permission=Permission.RECORD_OFFICER_DECISIONS)
def record_officer_decision(
    actor: Actor, system: System, d: DecisionIn, on: date, plan: ForwardPlanItem | None = None
) -> Decision:
    """An officer's decision under delegated authority: recorded by the officer, or by someone
    acting for their organisation, and validated against the scheme in force that day."""
    for p in d.parts:
        if actor.person is not None and any(person == actor.person for person, _ in p.deciders):
            actor.require_self(actor.person)
        else:
            actor.require(p.organisation, because=f"{p.organisation.name}'s decisions")
    if not d.parts:
        raise Refused.at("parts", "Give the organisation, the amount and who decided")
    problems = _check_text(d)
    if d.outcome != Outcome.DECISION:
        problems.append(
            ("outcome", "An officer records decisions; other outcomes come from meetings")
        )
    if on > date.today():
        problems.append(("on", "A decision is recorded once it has been taken, not before"))
    for i, p in enumerate(d.parts):
        if not p.deciders:
            problems.append((f"parts[{i}].deciders", "Choose the officer who decided"))
        for _person, post in p.deciders:
            if post.system_id != system.pk:
                problems.append((f"parts[{i}].deciders", f"{post} is not a post in {system.name}"))
    if plan is not None and plan.system_id != system.pk:
        problems.append(("plan_item", "That forward plan entry is for another system"))
    problems += _route_step(d, plan, None)
    if problems:
        raise _problems(*problems)
    history = context.History(system)
    data = context.DecisionData(
        outcome=Outcome.DECISION,
        basis=Basis.OFFICER,
        on=on,
        parts=tuple(_part_data(p, None, True) for p in d.parts),
        decision_type=d.decision_type,
        project=d.project.strip(),
        footprint=d.footprint.code if d.footprint else None,
    )
    judgement = context.judge(
        history, data, None, context.prior_spend(system, d.project.strip()), budget=True
    )
    if not judgement.valid:
        raise _refusal(judgement, None)
    return _write(
        actor, system, d, data, judgement, basis=Basis.OFFICER, on=on, plan=plan, parts=d.parts
    )


# Urgent action -------------------------------------------------------------------------------


@action("decisions.take_urgent_action", permission=Permission.RECORD_DECISIONS)
def take_urgent_action(
    actor: Actor,
    item: AgendaItem,
    d: DecisionIn,
    *,
    on: date,
    takers: list[tuple[Person, Post]],
    consulted: list[tuple[Person, Post]],
    urgency: str,
) -> Decision:
    """An item the body could not decide, taken on its behalf between meetings by those its
    terms of reference name, after consulting whom they name; awaiting ratification until a
    later meeting of the body ratifies it."""
    meeting = item.meeting
    body = meeting.body
    mine = actor.person is not None and any(p == actor.person for p, _ in takers)
    if mine:
        actor.require_self(actor.person)  # type: ignore[arg-type]
    for p in d.parts:
        if not mine:
            actor.require(p.organisation, body, because=f"{p.organisation.name}'s part")
    if not d.parts:
        actor.require_any(body.owners.all(), body, because=f"the decisions of {body.name}")
    owners = {o.code for o in body.owners.all()}
    problems = _check_text(d)
    if d.outcome != Outcome.DECISION:
        problems.append(("outcome", "Urgent action takes decisions"))
    if not body.urgent_action:
        problems.append(
            ("item", f"{body.name}'s terms of reference make no provision for urgent action")
        )
    if not urgency.strip():
        problems.append(("urgency", "Say why it could not wait for the next meeting"))
    if not takers:
        problems.append(("takers", "Choose who took it"))
    if on < local_day(meeting.starts):
        problems.append(
            (
                "on",
                f"Urgent action on item {item.number} comes after the meeting that could not decide it",
            )
        )
    if on > date.today():
        problems.append(("on", "Record urgent action once it has been taken"))
    if item.withdrawn:
        problems.append(("item", f"Item {item.number} was withdrawn from the agenda"))
    for i, p in enumerate(d.parts):
        if p.organisation.code not in owners:
            problems.append(
                (
                    f"parts[{i}].organisation",
                    f"{p.organisation.name} is not one of {body.name}'s organisations",
                )
            )
    problems += _route_step(d, item.plan_item, body)
    if problems:
        raise _problems(*problems)
    history = context.History(body.system)
    data = context.DecisionData(
        outcome=Outcome.DECISION,
        basis=Basis.URGENT,
        on=on,
        parts=tuple(_part_data(p, body, False) for p in d.parts),
        decision_type=d.decision_type,
        body=body.code,
        item=item.pk,
        project=d.project.strip(),
        footprint=d.footprint.code if d.footprint else None,
        takers=tuple((p.key, post.ref) for p, post in takers),
        consulted=tuple((p.key, post.ref) for p, post in consulted),
    )
    judgement = context.judge(
        history, data, None, context.prior_spend(body.system, d.project.strip()), budget=True
    )
    if not judgement.valid:
        raise _refusal(judgement, None)
    decision = _write(
        actor,
        body.system,
        d,
        data,
        judgement,
        basis=Basis.URGENT,
        on=on,
        meeting=meeting,
        item=item,
        body=body,
        plan=item.plan_item,
        parts=d.parts,
        urgency=urgency.strip(),
        consulted=[
            {"person": p.key, "name": p.name, "post": post.ref, "role": "took"}
            for p, post in takers
        ]
        + [
            {"person": p.key, "name": p.name, "post": post.ref, "role": "consulted"}
            for p, post in consulted
        ],
    )
    return decision


def awaiting_ratification(decision: Decision) -> bool:
    return (
        decision.basis == Basis.URGENT
        and not decision.events.filter(kind=DecisionEvent.Kind.RATIFIED).exists()
    )


@action("decisions.ratify", permission=Permission.RECORD_DECISIONS)
def ratify(actor: Actor, decision: Decision, meeting: Meeting, note: str = "") -> DecisionEvent:
    """A meeting of the body ratifies an urgent action taken on its behalf."""
    body = decision.body
    if body is None or decision.basis != Basis.URGENT:
        raise Refused.at("decision", "Only urgent action is ratified")
    actor.require_any(body.owners.all(), body, because=f"the decisions of {body.name}")
    if meeting.body_id != body.pk:
        raise Refused.at("meeting", f"Urgent action is ratified by a meeting of {body.name}")
    if local_day(meeting.starts) < decision.on:
        raise Refused.at("meeting", "That meeting was before the urgent action was taken")
    if meeting.status == Meeting.Status.CANCELLED or timezone.now() < meeting.starts:
        raise Refused.at("meeting", "Ratification is recorded at a meeting that has taken place")
    if not awaiting_ratification(decision):
        raise Conflict.at("decision", f"{decision.reference} has been ratified already")
    event = DecisionEvent.objects.create(
        decision=decision,
        kind=DecisionEvent.Kind.RATIFIED,
        on=local_day(meeting.starts),
        meeting=meeting,
        note=note.strip(),
        recorded_by=actor.label[:150],
    )
    actor.record("decision", str(decision.pk), f"{decision.reference} ratified at {meeting}")
    return event


# Call-in and implementation -----------------------------------------------------------------


def _may_keep(actor: Actor, decision: Decision) -> None:
    """Who may record what follows a decision: those who record the body's decisions, or, for
    an officer's, the officer or someone acting for the organisation."""
    parts = list(decision.parts.select_related("organisation"))
    if decision.body is not None:
        actor.require_any(
            [p.organisation for p in parts] or list(decision.body.owners.all()),
            decision.body,
            because=f"the decisions of {decision.body.name}",
        )
        return
    deciders = (
        PartDecider.objects.filter(part__decision=decision, person=actor.person)
        if actor.person
        else None
    )
    if deciders is not None and deciders.exists():
        actor.require_self(actor.person)  # type: ignore[arg-type]
    else:
        actor.require_any([p.organisation for p in parts], because="its decisions")


def _event(actor: Actor, decision: Decision, kind: str, on: date, **fields: str) -> DecisionEvent:
    if on > date.today():
        raise Refused.at("on", "Record it once it has happened")
    if on < decision.on:
        raise Refused.at(
            "on", f"That is before the decision was taken, on {long_date(decision.on)}"
        )
    if decision.changed_by.filter(change=Change.RESCISSION).exists():
        raise Conflict.at("decision", f"{decision.reference} was rescinded")
    events = {e.kind: e for e in decision.events.all()}
    called_in = events.get(DecisionEvent.Kind.CALLED_IN)
    outcome = events.get(DecisionEvent.Kind.CALL_IN_OUTCOME)
    if kind == DecisionEvent.Kind.CALLED_IN:
        if decision.call_in_until is None:
            raise Refused.at("decision", f"{decision.reference} is not subject to call-in")
        if called_in is not None:
            raise Conflict.at("decision", f"{decision.reference} has been called in already")
        if on > decision.call_in_until:
            raise Refused.at(
                "on", f"The call-in period ended on {long_date(decision.call_in_until)}"
            )
        if not fields.get("by", "").strip():
            raise Refused.at("by", "Say who called it in")
    elif kind == DecisionEvent.Kind.CALL_IN_OUTCOME:
        if called_in is None:
            raise Refused.at("decision", f"{decision.reference} has not been called in")
        if outcome is not None:
            raise Conflict.at("decision", "The call-in has been decided already")
        if fields.get("outcome") not in DecisionEvent.CallInOutcome.values:
            raise Refused.at("outcome", "Choose the outcome of the call-in")
        if on < called_in.on:
            raise Refused.at("on", "The call-in was decided before it was made")
    elif kind == DecisionEvent.Kind.IMPLEMENTED:
        if DecisionEvent.Kind.IMPLEMENTED in events:
            raise Conflict.at("decision", f"{decision.reference} is recorded implemented already")
        said = rules.may_implement(
            on,
            decision.call_in_until,
            called_in is not None,
            outcome.outcome if outcome is not None else None,
        )
        if not said.ok:
            raise Refused.at("on", said.sentence)
    event = DecisionEvent.objects.create(
        decision=decision,
        kind=kind,
        on=on,
        by=fields.get("by", "").strip()[:300],
        outcome=fields.get("outcome", ""),
        note=fields.get("note", "").strip(),
        recorded_by=actor.label[:150],
    )
    actor.record(
        "decision",
        str(decision.pk),
        f"{decision.reference}: {DecisionEvent.Kind(kind).label.lower()} on {long_date(on)}",
    )
    return event


@action("decisions.record_event", permission=Permission.RECORD_DECISIONS)
def record_event(
    actor: Actor, decision: Decision, kind: str, on: date, **fields: str
) -> DecisionEvent:
    """Call-in, its outcome, or implementation, of a body's decision."""
    if decision.body is None:
        raise NotPermitted("An officer's decision is followed up as an officer's decision.")
    _may_keep(actor, decision)
    return _event(actor, decision, kind, on, **fields)


@action("decisions.record_officer_event", permission=Permission.RECORD_OFFICER_DECISIONS)
def record_officer_event(
    actor: Actor, decision: Decision, kind: str, on: date, **fields: str
) -> DecisionEvent:
    """Call-in, its outcome, or implementation, of an officer's decision."""
    if decision.body is not None:
        raise NotPermitted(f"{decision.reference} is {decision.body.name}'s decision.")
    _may_keep(actor, decision)
    return _event(actor, decision, kind, on, **fields)


def add_event(
    actor: Actor, decision: Decision, kind: str, on: date, **fields: str
) -> DecisionEvent:
    follow = record_event if decision.body is not None else record_officer_event
    return follow(actor, decision, kind, on, **fields)


# Minutes ---------------------------------------------------------------------------------------


def _clerk(actor: Actor, body: Body) -> None:
    actor.require_any(body.owners.all(), body, because=f"the minutes of {body.name}")


@action("decisions.draft_minutes", permission=Permission.MANAGE_MEETINGS)
def draft_minutes(actor: Actor, meeting: Meeting) -> Minutes:
    """Draft a meeting's minutes from its record, for the clerk to edit."""
    from .presenters import minutes_record  # the record, as the register shows it

    _clerk(actor, meeting.body)
    if meeting.status == Meeting.Status.CANCELLED or timezone.now() < meeting.starts:
        raise Refused.at("meeting", "Minutes are drafted once the meeting has taken place")
    if meeting.minutes.filter(corrects__isnull=True).exists():
        raise Conflict.at("meeting", "This meeting's minutes are drafted already: edit them")
    minutes = Minutes.objects.create(
        meeting=meeting, text=rules.draft_minutes(minutes_record(meeting))
    )
    actor.record("minutes", str(minutes.pk), f"Minutes of {meeting} drafted")
    return minutes


@action("decisions.edit_minutes", permission=Permission.MANAGE_MEETINGS)
def edit_minutes(actor: Actor, minutes: Minutes, text: str) -> Minutes:
    _clerk(actor, minutes.meeting.body)
    if minutes.status == Minutes.Status.APPROVED:
        raise Conflict.at(
            "text", "These minutes were approved and are locked: record a correction instead"
        )
    if not text.strip():
        raise Refused.at("text", "Enter the minutes")
    before = minutes.text
    minutes.text = text.strip() + "\n"
    minutes.save(update_fields=["text", "edited"])
    actor.record(
        "minutes", str(minutes.pk), f"Minutes of {minutes.meeting} edited", before=before[:2000]
    )
    return minutes


@action("decisions.approve_minutes", permission=Permission.MANAGE_MEETINGS)
def approve_minutes(actor: Actor, minutes: Minutes, at: Meeting) -> Minutes:
    """Minutes are approved at a later meeting of the same body, then locked."""
    of = minutes.meeting
    _clerk(actor, of.body)
    if minutes.status == Minutes.Status.APPROVED:
        raise Conflict.at("minutes", "These minutes are approved already")
    if at.body_id != of.body_id:
        raise Refused.at("meeting", f"Minutes are approved at a meeting of {of.body.name}")
    if at.starts <= of.starts:
        raise Refused.at("meeting", "Minutes are approved at a later meeting")
    if at.status == Meeting.Status.CANCELLED or timezone.now() < at.starts:
        raise Refused.at("meeting", "Approval is recorded at a meeting that has taken place")
    Minutes.objects.filter(pk=minutes.pk).update(
        status=Minutes.Status.APPROVED, approved_at=at, approved_on=local_day(at.starts)
    )
    minutes.refresh_from_db()
    actor.record("minutes", str(minutes.pk), f"Minutes of {of} approved at {at}")
    return minutes


@action("decisions.correct_minutes", permission=Permission.MANAGE_MEETINGS)
def correct_minutes(actor: Actor, approved: Minutes, text: str) -> Minutes:
    """A correction of approved minutes: a new draft pointing at them, approved in its turn."""
    _clerk(actor, approved.meeting.body)
    if approved.status != Minutes.Status.APPROVED:
        raise Refused.at("minutes", "Draft minutes are edited, not corrected")
    if approved.corrections.filter(status=Minutes.Status.DRAFT).exists():
        raise Conflict.at("minutes", "A correction of these minutes is in draft already")
    if not text.strip():
        raise Refused.at("text", "Enter the corrected minutes")
    found = Minutes.objects.create(
        meeting=approved.meeting, text=text.strip() + "\n", corrects=approved
    )
    actor.record(
        "minutes", str(found.pk), f"Correction of the minutes of {approved.meeting} drafted"
    )
    return found


# Re-validation ---------------------------------------------------------------------------------


def system_keepers(system: System) -> list[Organisation]:
    """The organisations with a part in a system's decisions: owners of its bodies, and those
    with schemes in it."""
    return list(
        Organisation.objects.filter(Q(bodies__system=system) | Q(schemes__system=system)).distinct()
    )


@action("decisions.request_revalidation", permission=Permission.REVALIDATE)
def request_revalidation(actor: Actor, system: System) -> Revalidation:
    actor.require_any(system_keepers(system), because=f"the decisions of {system.name}")
    if Revalidation.objects.filter(
        system=system, status__in=(Revalidation.Status.WAITING, Revalidation.Status.RUNNING)
    ).exists():
        raise Conflict.at("system", f"{system.name}'s decisions are being validated already")
    run = Revalidation.objects.create(system=system, requested_by=actor.label[:150])
    actor.record(
        "revalidation", str(run.pk), f"Re-validation of {system.name}'s decisions asked for"
    )
    return run
