"""How the register shows a decision, a meeting's record and its minutes."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet

from commonweal.core.actions import Actor
from commonweal.core.errors import Refused
from commonweal.core.formatting import long_date, pounds
from commonweal.core.permissions import Permission
from commonweal.meetings import access
from commonweal.meetings.actions import actions_carried, local_day, route_for
from commonweal.meetings.models import Attendance, Meeting, MeetingAction

from . import rules
from .models import Basis, Decision, DecisionEvent, DecisionPart, Minutes, Outcome


@dataclass(frozen=True)
class PartRow:
    organisation: str
    code: str
    amount: str
    deciders: tuple[str, ...]
    body: str
    votes: str
    bound: bool


@dataclass(frozen=True)
class DecisionView:
    decision: Decision
    reference: str
    status: str  # what the register says of it now
    status_tag: str  # the NHS.UK tag's colour
    parts: tuple[PartRow, ...]
    checks: tuple[dict[str, str], ...]
    events: tuple[DecisionEvent, ...]
    changed_by: tuple[Decision, ...]
    awaiting_ratification: bool
    may_implement: rules.Said
    withheld: bool  # exempt business the viewer may not read
    route: tuple[dict[str, str], ...]  # the plan's route, each step with what answered it


def _status(
    d: Decision, events: dict[str, DecisionEvent], changed: list[Decision]
) -> tuple[str, str]:
    if any(c.change == "rescission" for c in changed):
        return "Rescinded", "red"
    if changed:
        return "Corrected", "orange"
    if d.outcome != Outcome.DECISION:
        return Outcome(d.outcome).label, "blue"
    if d.basis == Basis.URGENT and DecisionEvent.Kind.RATIFIED not in events:
        return "Awaiting ratification", "yellow"
    if DecisionEvent.Kind.IMPLEMENTED in events:
        return "Implemented", "green"
    outcome = events.get(DecisionEvent.Kind.CALL_IN_OUTCOME)
    if DecisionEvent.Kind.CALLED_IN in events and outcome is None:
        return "Called in", "orange"
    if outcome is not None and outcome.outcome != "no_action":
        return "Referred back after call-in", "orange"
    if d.call_in_until is not None and date.today() <= d.call_in_until:
        return f"May be called in until {long_date(d.call_in_until)}", "yellow"
    return "Decided", "green"


def withheld_from(actor: Actor, d: Decision) -> bool:
    """Exempt business: its decision's details are for those who may read the item's papers."""
    if d.item is None or not d.item.exempt or d.body is None:
        return False
    return not access.may_see_exempt(actor, d.body, d.on, d.meeting)


def decision_view(d: Decision, actor: Actor) -> DecisionView:
    parts = list(
        d.parts.select_related("organisation", "body").prefetch_related(
            "deciders__person", "deciders__post"
        )
    )
    events = list(d.events.select_related("meeting"))
    by_kind = {e.kind: e for e in events}
    changed = list(d.changed_by.all())
    status, tag = _status(d, by_kind, changed)
    outcome = by_kind.get(DecisionEvent.Kind.CALL_IN_OUTCOME)
    return DecisionView(
        decision=d,
        reference=d.reference,
        status=status,
        status_tag=tag,
        parts=tuple(_part_row(p, d) for p in parts),
        checks=tuple(d.checks),
        events=tuple(events),
        changed_by=tuple(changed),
        awaiting_ratification=d.basis == Basis.URGENT
        and DecisionEvent.Kind.RATIFIED not in by_kind,
        may_implement=rules.may_implement(
            date.today(),
            d.call_in_until,
            DecisionEvent.Kind.CALLED_IN in by_kind,
            outcome.outcome if outcome else None,
        ),
        withheld=withheld_from(actor, d),
        route=route_record(d),
    )


def _part_row(p: DecisionPart, d: Decision) -> PartRow:
    votes = ""
    if p.votes_for is not None:
        votes = (
            f"{p.votes_for} for, {p.votes_against or 0} against, {p.abstentions or 0} abstaining"
        )
        if p.casting_vote:
            votes += f"; the chair's casting vote {p.casting_vote}"
    return PartRow(
        organisation=p.organisation.name,
        code=p.organisation.code,
        amount=pounds(p.amount),
        deciders=tuple(f"{x.person.name}, {x.post.title}" for x in p.deciders.all()),
        body=p.body.name if p.body else "",
        votes=votes,
        bound=p.organisation.code in d.binds,
    )


def route_record(d: Decision) -> tuple[dict[str, str], ...]:
    """The forward plan entry's route, each step with the record that answered it."""
    plan = d.plan_item
    if plan is None or not plan.decision_type or not plan.commitments:
        return ()
    try:
        route, _ = route_for(plan)
    except Refused:  # a plan that names what the system lacks has no route to show
        return ()
    answered = {
        x.route_step: x
        for x in Decision.objects.filter(plan_item=plan).exclude(route_step="").order_by("on", "id")
    }
    out = []
    for step in route.steps:
        found = answered.get(step.id)
        out.append(
            {
                "id": step.id,
                "sentence": step.sentence,
                "clause": step.clause,
                "done": f"{Outcome(found.outcome).label} {found.reference}, {long_date(found.on)}"
                if found
                else "",
                "href": str(found.pk) if found else "",
            }
        )
    return tuple(out)


def register(rows: QuerySet[Decision]) -> QuerySet[Decision]:
    return rows.select_related("body", "meeting", "item", "system").prefetch_related(
        Prefetch("parts", DecisionPart.objects.select_related("organisation")),
        "events",
        "changed_by",
    )


@dataclass(frozen=True)
class RegisterRow:
    decision: Decision
    status: str
    status_tag: str
    organisations: str
    amount: str
    withheld: bool


def register_rows(rows: list[Decision], actor: Actor) -> list[RegisterRow]:
    out = []
    for d in rows:
        events = {e.kind: e for e in d.events.all()}
        status, tag = _status(d, events, list(d.changed_by.all()))
        parts = list(d.parts.all())
        out.append(
            RegisterRow(
                decision=d,
                status=status,
                status_tag=tag,
                organisations=", ".join(p.organisation.name for p in parts),
                amount=pounds(sum(p.amount for p in parts)) if parts else "",
                withheld=withheld_from(actor, d),
            )
        )
    return out


# A meeting's record and its minutes -----------------------------------------------------------


def _attendee(a: Attendance) -> str:
    post = f", {a.post.title}" if a.post else ""
    what = " (substitute)" if a.capacity == "substitute" else ""
    return f"{a.person.name}{post}{what}"


def minutes_record(meeting: Meeting) -> rules.MeetingRecord:
    """What the minutes are drafted from: attendance, declarations and rulings, decisions with
    reasons, urgent actions since the last meeting, and actions."""
    attendance = list(meeting.attendance.select_related("person", "post"))
    present = [a for a in attendance if a.status == Attendance.Status.PRESENT]
    decisions = list(
        meeting.decisions.exclude(basis=Basis.URGENT)
        .select_related("item")
        .prefetch_related(Prefetch("parts", DecisionPart.objects.select_related("organisation")))
    )
    previous = (
        Meeting.objects.filter(body=meeting.body, starts__lt=meeting.starts)
        .exclude(status=Meeting.Status.CANCELLED)
        .first()
    )
    urgent = list(
        Decision.objects.filter(
            body=meeting.body, basis=Basis.URGENT, on__lte=local_day(meeting.starts)
        )
        .filter(on__gte=local_day(previous.starts) if previous else date.min)
        .select_related("item")
        .prefetch_related(Prefetch("parts", DecisionPart.objects.select_related("organisation")))
    )
    declarations = list(meeting.declarations.select_related("person").prefetch_related("items"))
    raised = list(meeting.actions.select_related("owner", "item"))
    items = []
    for item in meeting.items.filter(withdrawn=False):
        said = tuple(
            f"{d.person.name} declared {d.get_kind_display().lower()} interest: {d.description}. "
            f"{d.get_ruling_display()}."
            for d in declarations
            if any(i.pk == item.pk for i in d.items.all())
        )
        items.append(
            rules.MinutedItem(
                number=item.number,
                title=item.title,
                exempt=item.exempt,
                declarations=said,
                decisions=tuple(_minuted(d) for d in decisions if d.item_id == item.pk),
                actions=tuple(
                    f"{a.owner.name} to {a.description} by {long_date(a.due)}"
                    for a in raised
                    if a.item_id == item.pk
                ),
            )
        )
    minutes_due = (
        previous.minutes.filter(corrects__isnull=True).first() if previous is not None else None
    )
    return rules.MeetingRecord(
        body=meeting.body.name,
        day=local_day(meeting.starts),
        venue=meeting.venue,
        present=tuple(_attendee(a) for a in present if a.capacity in ("member", "substitute")),
        in_attendance=tuple(
            _attendee(a) for a in present if a.capacity not in ("member", "substitute")
        ),
        apologies=tuple(
            _attendee(a) for a in attendance if a.status == Attendance.Status.APOLOGIES
        ),
        items=tuple(items),
        carried=tuple(
            f"{a.owner.name}: {a.description} (due {long_date(a.due)})"
            for a in actions_carried(meeting)
        ),
        urgent=tuple(_minuted(d) for d in urgent),
        previous=(
            f"the minutes of {previous} were presented for approval."
            if minutes_due is not None
            else ""
        ),
    )


def _minuted(d: Decision) -> rules.MinutedDecision:
    basis = ""
    if d.basis == Basis.URGENT:
        took = [c["name"] for c in d.consulted if c.get("role") == "took"]
        asked = [c["name"] for c in d.consulted if c.get("role") == "consulted"]
        basis = (
            f"Urgent action taken on {long_date(d.on)} by {' and '.join(took)}"
            + (f", after consulting {', '.join(asked)}" if asked else "")
            + f". {d.urgency}"
        )
    return rules.MinutedDecision(
        reference=d.reference,
        outcome=Outcome(d.outcome).label,
        resolution=d.resolution,
        reasons=d.reasons,
        alternatives=d.alternatives,
        parts=tuple((p.organisation.name, p.amount) for p in d.parts.all()),
        basis=basis,
        exempt=d.item is not None and d.item.exempt,
    )


@dataclass(frozen=True)
class MeetingRecordView:
    meeting: Meeting
    items: tuple[tuple[object, tuple[Decision, ...]], ...]
    urgent: tuple[Decision, ...]  # urgent actions on its items
    awaiting: tuple[Decision, ...]  # the body's urgent actions awaiting ratification
    carried: tuple[MeetingAction, ...]
    raised: tuple[MeetingAction, ...]
    minutes: tuple[Minutes, ...]
    may_manage: bool
    may_record: bool


def meeting_record(meeting: Meeting, actor: Actor) -> MeetingRecordView:
    decisions = list(meeting.decisions.select_related("item"))
    items = tuple(
        (item, tuple(d for d in decisions if d.item_id == item.pk and d.basis != Basis.URGENT))
        for item in meeting.items.filter(withdrawn=False)
    )
    awaiting = tuple(
        d
        for d in Decision.objects.filter(body=meeting.body, basis=Basis.URGENT).prefetch_related(
            "events"
        )
        if not any(e.kind == DecisionEvent.Kind.RATIFIED for e in d.events.all())
    )
    body = meeting.body
    return MeetingRecordView(
        meeting=meeting,
        items=items,
        urgent=tuple(d for d in decisions if d.basis == Basis.URGENT),
        awaiting=awaiting,
        carried=tuple(actions_carried(meeting)),
        raised=tuple(meeting.actions.select_related("owner", "item")),
        minutes=tuple(meeting.minutes.select_related("approved_at", "corrects")),
        may_manage=access.may_manage(actor, body),
        may_record=any(
            actor.holds(Permission.RECORD_DECISIONS, o, body) for o in body.owners.all()
        ),
    )
