"""Changes to the meeting record. Views and commands call these, never the ORM directly.

Permissions: the forward plan is PLAN_BUSINESS in the organisation whose business it is (a
clerk's only for their own body's items); a body's meetings, agendas, papers, attendance and
declarations are MANAGE_MEETINGS in one of the body's owners, for that body (a clerk holds it
for their own bodies only).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Max, Q
from django.utils import timezone

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise
from commonweal.core.errors import Conflict, Problem, Refused
from commonweal.core.formatting import long_date, pounds
from commonweal.core.models import COUNCIL_KINDS, Organisation, Person, in_force
from commonweal.core.permissions import Permission
from commonweal.governance import engine
from commonweal.governance.documents import DecisionType
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding, Scheme
from commonweal.governance.requests import ProposalIn, route_proposal
from commonweal.interests.actions import acts_for
from commonweal.interests.models import Dispensation, Interest
from commonweal.meetings import rules
from commonweal.meetings.models import (
    AgendaItem,
    Attendance,
    Declaration,
    ForwardPlanItem,
    ItemKind,
    KeyException,
    Meeting,
    MeetingAction,
    Paper,
    PaperVersion,
    paper_path,
)
from commonweal.meetings.papers import Inspected, PaperRefused, inspect
from commonweal.registry.models import Area

# Schedule 12A to the Local Government Act 1972: the descriptions of exempt information.
SCHEDULE_12A = {
    1: "Information relating to any individual",
    2: "Information which is likely to reveal the identity of an individual",
    3: "Information relating to the financial or business affairs of any particular person "
    "(including the authority holding that information)",
    4: "Information relating to any consultations or negotiations, or contemplated "
    "consultations or negotiations, in connection with any labour relations matter",
    5: "Information in respect of which a claim to legal professional privilege could be "
    "maintained in legal proceedings",
    6: "Information which reveals that the authority proposes to give a notice or make an order "
    "or direction under any enactment",
    7: "Information relating to any action taken or to be taken in connection with the "
    "prevention, investigation or prosecution of crime",
}


def _refuse(*problems: tuple[str, str], message: str = "") -> Refused:
    listed = [Problem(f, m) for f, m in problems]
    return Refused(message or "; ".join(f"{f}: {m}" for f, m in problems), listed)


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


# The forward plan ---------------------------------------------------------------------------


@dataclass
class PlanIn:
    title: str
    author: str
    kind: str = ItemKind.DECISION
    summary: str = ""
    body: Body | None = None
    meeting: Meeting | None = None
    decider: Post | None = None
    due: date | None = None
    decision_sought: str = ""
    decision_type: str = ""
    # (organisation code, pence, prior pence or None)
    commitments: Sequence[tuple[str, int, int | None]] = field(default_factory=tuple)
    footprint: Area | None = None
    project: str = ""
    # None: let the council's threshold propose it.
    key_decision: bool | None = None
    # For a key decision with less than 28 clear days' notice: general exception or special
    # urgency, why, and the scrutiny chair told of it (or who agreed) on a day.
    key_exception_kind: str = ""
    key_exception: str = ""
    scrutiny_chair: str = ""
    scrutiny_chair_on: date | None = None
    # To be taken in private: why, and for a council the paragraph of Schedule 12A.
    private_paragraph: int | None = None
    private_reason: str = ""


def route_for(p: ForwardPlanItem) -> tuple[engine.Route, engine.Governance]:
    """The route the engine gives a planned decision, from its type, commitments and footprint
    on the day it is due (raises Refused where the plan names what the system lacks)."""
    return route_proposal(
        ProposalIn(
            system=p.system.slug,
            decision_type=p.decision_type,  # type: ignore[arg-type]
            on=p.due,
            footprint=p.footprint.code if p.footprint else None,
            project=p.project,
            title=p.title,
            commitments=[
                {  # type: ignore[list-item]
                    "organisation": c["organisation"],
                    "amount": Decimal(c["amount"]) / 100,
                    "prior": None if c.get("prior") is None else Decimal(c["prior"]) / 100,
                }
                for c in p.commitments
            ],
        )
    )


def key_decision_threshold(organisation: Organisation, on: date) -> int | None:
    """A council's key-decision threshold (pence) from the scheme in force on the date."""
    scheme = (
        Scheme.objects.filter(organisation=organisation, in_force_from__lte=on)
        .filter(in_force(on, "in_force_from", "in_force_to"))
        .order_by("-in_force_from")
        .first()
    )
    return scheme.key_decision_over if scheme else None


def proposed_key_decision(
    organisation: Organisation, commitments: Sequence[tuple[str, int, int | None]], on: date
) -> tuple[bool | None, str]:
    """Whether the council's threshold makes a decision a key decision, and why. None for an
    organisation that is not a council, or a council whose scheme gives no threshold."""
    if organisation.kind not in COUNCIL_KINDS:
        return None, ""
    threshold = key_decision_threshold(organisation, on)
    if threshold is None:
        return None, f"{organisation.name}'s scheme gives no key-decision threshold."
    own = sum(
        amount + (prior or 0) for code, amount, prior in commitments if code == organisation.code
    )
    if own > threshold:
        return True, (
            f"It commits {pounds(own)} of {organisation.name}'s money, over its key-decision "
            f"threshold of {pounds(threshold)}."
        )
    return False, (
        f"It commits {pounds(own)} of {organisation.name}'s money, within its key-decision "
        f"threshold of {pounds(threshold)}."
    )


def _check_plan(organisation: Organisation, item: PlanIn, today: date) -> None:
    problems: list[tuple[str, str]] = []
    if item.kind not in ItemKind.values:
        problems.append(("kind", "Choose what the item is for"))
    if (item.body is None) == (item.decider is None):
        problems.append(
            ("where", "Say whether a body takes it at a meeting or an officer decides it")
        )
    if item.body is not None and not item.body.owners.filter(pk=organisation.pk).exists():
        problems.append(("body", f"{item.body.name} is not one of {organisation.name}'s bodies"))
    if item.decider is not None and item.decider.organisation_id != organisation.pk:
        problems.append(("decider", f"{item.decider} is not a post of {organisation.name}"))
    if item.decider is not None and item.kind != ItemKind.DECISION:
        problems.append(("kind", "An officer's item is a decision"))
    if item.meeting is not None:
        if item.body is None or item.meeting.body_id != item.body.pk:
            problems.append(("meeting", "Choose a meeting of the body that takes the item"))
        elif item.meeting.status in (Meeting.Status.CANCELLED, Meeting.Status.HELD):
            problems.append(
                ("meeting", f"That meeting is {item.meeting.get_status_display().lower()}")
            )
    if item.meeting is None and item.due is None:
        problems.append(("due", "Enter the date it is due"))
    if item.decision_type and item.decision_type not in {t.value for t in DecisionType}:
        problems.append(("decision_type", "Choose a decision type"))
    if item.kind == ItemKind.DECISION and not item.decision_sought.strip():
        problems.append(("decision_sought", "Enter the decision sought"))
    codes = [c for c, _, _ in item.commitments]
    if len(set(codes)) != len(codes):
        problems.append(("commitments", "Give each organisation once, with the whole amount"))
    known = set(Organisation.objects.filter(code__in=codes).values_list("code", flat=True))
    for n, code in enumerate(codes):
        if code not in known:
            problems.append((f"organisation_{n}", f"No organisation '{code}'"))
    if item.commitments and not item.decision_type:
        problems.append(("decision_type", "Choose the decision type, so its route can be found"))
    if problems:
        raise _refuse(*problems, message="The forward plan item cannot be saved.")


@action("meetings.add_plan_item", permission=Permission.PLAN_BUSINESS)
def add_plan_item(
    actor: Actor, organisation: Organisation, system: Any, item: PlanIn
) -> ForwardPlanItem:
    """Add an item to an organisation's forward plan."""
    actor.require(organisation, item.body, because=f"{organisation.name}'s forward plan")
    today = date.today()
    _check_plan(organisation, item, today)
    serialise(f"forward-plan:{organisation.code}")
    due = local_day(item.meeting.starts) if item.meeting else item.due
    assert due is not None
    count = ForwardPlanItem.objects.filter(organisation=organisation).count()
    reference = f"{organisation.code}-FP{count + 1:04}"
    key, exception = _key_flag(organisation, item, due, today)
    if item.private_paragraph is not None and not 1 <= item.private_paragraph <= 7:
        raise Refused.at(
            "private_paragraph", "Schedule 12A has paragraphs 1 to 7: choose the one that applies"
        )
    if item.private_paragraph is not None and not item.private_reason.strip():
        raise Refused.at(
            "private_reason", "Say why it is to be taken in private: the notice gives the reason"
        )
    plan = ForwardPlanItem.objects.create(
        organisation=organisation,
        system=system,
        reference=reference,
        title=item.title,
        summary=item.summary,
        kind=item.kind,
        body=item.body,
        meeting=item.meeting,
        decider=item.decider,
        due=due,
        first_due=due,
        author=item.author,
        decision_sought=item.decision_sought,
        decision_type=item.decision_type,
        commitments=[
            {"organisation": c, "amount": amount, "prior": prior}
            for c, amount, prior in item.commitments
        ],
        footprint=item.footprint,
        project=item.project,
        key_decision=key,
        private_paragraph=item.private_paragraph,
        private_reason=item.private_reason.strip(),
        **exception,
    )
    actor.record(
        "forward_plan_item",
        reference,
        f"Added {reference} to {organisation.name}'s forward plan: {item.title}, due "
        f"{long_date(due)}",
    )
    return plan


# Notice of a key decision on the forward plan (the 2012 Regulations, regulation 9); under the
# general exception the decision waits 5 clear days after the scrutiny chair and the public
# are told (regulation 10).
KEY_DECISION_NOTICE_DAYS = 28
GENERAL_EXCEPTION_DAYS = 5


def clear_days(start: date, end: date) -> int:
    """Days between two dates, counting neither."""
    return max((end - start).days - 1, 0)


def _key_flag(
    organisation: Organisation, item: PlanIn, due: date, today: date
) -> tuple[bool | None, dict[str, Any]]:
    """A council executive decision's key-decision flag: as set, or as the threshold proposes;
    and, for a key decision with less than 28 clear days' notice, the general exception or
    special urgency it is taken under, which must be recorded (the fields to save)."""
    none: dict[str, Any] = {
        "key_exception_kind": "",
        "key_exception": "",
        "scrutiny_chair": "",
        "scrutiny_chair_on": None,
    }
    executive = item.decider is not None or (item.body is not None and item.body.kind == "cabinet")
    if organisation.kind not in COUNCIL_KINDS or not executive or item.kind != ItemKind.DECISION:
        if item.key_decision is not None:
            raise Refused.at(
                "key_decision",
                "Only a council's executive decision is a key decision: leave this as proposed",
            )
        return None, none
    key = item.key_decision
    if key is None:
        key = bool(proposed_key_decision(organisation, item.commitments, due)[0])
    clear = clear_days(today, due)
    if not key or clear >= KEY_DECISION_NOTICE_DAYS:
        return key, none
    problems: list[tuple[str, str]] = []
    kind = item.key_exception_kind
    if kind not in KeyException.values:
        problems.append(
            (
                "key_exception_kind",
                "Say whether it is taken under the general exception or special urgency",
            )
        )
    if not item.key_exception.strip():
        problems.append(
            (
                "key_exception",
                "Say why it could not be on the plan 28 clear days before"
                if kind != KeyException.SPECIAL_URGENCY
                else "Say why the decision is urgent and cannot reasonably be deferred",
            )
        )
    if not item.scrutiny_chair.strip():
        problems.append(
            ("scrutiny_chair", "Enter the name of the chair of the overview and scrutiny committee")
        )
    told = item.scrutiny_chair_on
    if told is None:
        problems.append(
            (
                "scrutiny_chair_on",
                "Enter the date the chair agreed it is urgent"
                if kind == KeyException.SPECIAL_URGENCY
                else "Enter the date the chair was told of it in writing",
            )
        )
    elif told > today:
        problems.append(("scrutiny_chair_on", "must be today or in the past"))
    elif (
        kind == KeyException.GENERAL_EXCEPTION
        and clear_days(max(told, today), due) < GENERAL_EXCEPTION_DAYS
    ):
        # The public notice is the plan itself, published today.
        problems.append(
            (
                "key_exception_kind",
                f"Under the general exception the decision waits {GENERAL_EXCEPTION_DAYS} clear "
                "days after the scrutiny chair and the public are told: take it under special "
                "urgency, or move it later",
            )
        )
    if problems:
        raise _refuse(
            *problems,
            message=f"A key decision is on the forward plan {KEY_DECISION_NOTICE_DAYS} clear days "
            f"before it is taken, and this one has {clear}: record the general exception or "
            "special urgency it is taken under, or move it later",
        )
    return key, {
        "key_exception_kind": kind,
        "key_exception": item.key_exception.strip(),
        "scrutiny_chair": item.scrutiny_chair.strip(),
        "scrutiny_chair_on": told,
    }


@action("meetings.reschedule_plan_item", permission=Permission.PLAN_BUSINESS)
def reschedule_plan_item(
    actor: Actor,
    plan: ForwardPlanItem,
    *,
    meeting: Meeting | None = None,
    due: date | None = None,
    withdraw: bool = False,
) -> ForwardPlanItem:
    """Move an item to another meeting or date (the plan then shows it has slipped), or
    withdraw it."""
    actor.require(plan.organisation, plan.body, because=f"{plan.reference}")
    if plan.status in (ForwardPlanItem.Status.TAKEN, ForwardPlanItem.Status.WITHDRAWN):
        raise Conflict.at("status", f"{plan.reference} is {plan.get_status_display().lower()}")
    before = {"due": plan.due.isoformat(), "status": plan.status}
    if withdraw:
        plan.status = ForwardPlanItem.Status.WITHDRAWN
    else:
        if meeting is not None:
            if plan.body_id != meeting.body_id:
                raise Refused.at("meeting", "Choose a meeting of the body that takes the item")
            plan.meeting, plan.due = meeting, local_day(meeting.starts)
        elif due is not None:
            plan.meeting, plan.due = None, due
        else:
            raise Refused.at("due", "Choose a meeting or enter a date")
        # A key decision brought forward must still have had its 28 clear days on the plan,
        # or be recorded as taken under the general exception or special urgency.
        clear = clear_days(local_day(plan.created), plan.due)
        if plan.key_decision and clear < KEY_DECISION_NOTICE_DAYS and not plan.key_exception_kind:
            raise Refused.at(
                "due",
                f"{plan.reference} is a key decision on the plan since "
                f"{long_date(local_day(plan.created))}: on {long_date(plan.due)} it would have "
                f"{max(clear, 0)} clear days' notice, not {KEY_DECISION_NOTICE_DAYS}. Record the "
                "general exception or special urgency it is taken under first",
            )
    plan.save(update_fields=["meeting", "due", "status"])
    actor.record(
        "forward_plan_item",
        plan.reference,
        f"{'Withdrew' if withdraw else 'Moved'} {plan.reference}"
        + ("" if withdraw else f" to {long_date(plan.due)}"),
        before=before,
        after={"due": plan.due.isoformat(), "status": plan.status},
    )
    return plan


# Meetings -----------------------------------------------------------------------------------


def _manage(actor: Actor, body: Body, what: str) -> None:
    actor.require_any(body.owners.all(), body, because=what)


@action("meetings.schedule_meeting", permission=Permission.MANAGE_MEETINGS)
def schedule_meeting(
    actor: Actor,
    body: Body,
    starts: datetime,
    *,
    venue: str = "",
    status: str = Meeting.Status.TENTATIVE,
) -> Meeting:
    _manage(actor, body, f"meetings of {body.name}")
    _plausible(starts)
    if body.ends is not None and local_day(starts) > body.ends:
        raise Refused.at("starts", f"{body.name} ended on {long_date(body.ends)}")
    if status not in (Meeting.Status.TENTATIVE, Meeting.Status.CONFIRMED):
        raise Refused.at("status", "A new meeting is tentative or confirmed")
    meeting = Meeting.objects.create(
        body=body, starts=starts, venue=venue, status=status, notice_days=body.notice_days
    )
    actor.record(
        "meeting",
        str(meeting.pk),
        f"Scheduled {body.name} on {long_date(local_day(starts))} ({meeting.get_status_display().lower()})",
    )
    return meeting


def _plausible(starts: datetime) -> None:
    """A meeting more than a year ago or five years ahead is a mistyped year, not a meeting."""
    day, today = local_day(starts), date.today()
    if day < today.replace(year=today.year - 1) or day.year > today.year + 5:
        raise Refused.at(
            "starts",
            f"{long_date(day)} is more than a year ago or five years ahead: check the year",
        )


@action("meetings.change_meeting", permission=Permission.MANAGE_MEETINGS)
def change_meeting(
    actor: Actor,
    meeting: Meeting,
    *,
    starts: datetime | None = None,
    venue: str | None = None,
    status: str | None = None,
) -> Meeting:
    _manage(actor, meeting.body, f"meetings of {meeting.body.name}")
    if meeting.status in (Meeting.Status.HELD, Meeting.Status.CANCELLED):
        raise Conflict.at(
            "status", f"The meeting is {meeting.get_status_display().lower()}: it does not change"
        )
    before = {
        "starts": meeting.starts.isoformat(),
        "venue": meeting.venue,
        "status": meeting.status,
    }
    if status is not None:
        if status not in Meeting.Status.values:
            raise Refused.at("status", "Choose a status")
        if status == Meeting.Status.HELD and timezone.now() < meeting.starts:
            raise Refused.at("status", "A meeting is held once it has started")
        meeting.status = status
    if starts is not None:
        _plausible(starts)
        meeting.starts = starts
    if venue is not None:
        meeting.venue = venue
    meeting.save()
    if starts is not None:
        # Items planned for this meeting move with it.
        meeting.planned.update(due=local_day(starts))
    if meeting.status == Meeting.Status.CANCELLED:
        # Its business goes back to the forward plan, to be taken at another meeting.
        meeting.planned.filter(
            status__in=(ForwardPlanItem.Status.PLANNED, ForwardPlanItem.Status.ON_AGENDA)
        ).update(status=ForwardPlanItem.Status.PLANNED, meeting=None)
    actor.record(
        "meeting",
        str(meeting.pk),
        f"Changed the meeting of {meeting.body.name} on {long_date(local_day(meeting.starts))}",
        before=before,
        after={
            "starts": meeting.starts.isoformat(),
            "venue": meeting.venue,
            "status": meeting.status,
        },
    )
    return meeting


def notice_for(meeting: Meeting, today: date | None = None) -> rules.Notice:
    day = local_day(meeting.starts)
    closed = rules.bank_holidays({day.year - 1, day.year})
    published = local_day(meeting.published) if meeting.published else None
    return rules.notice(day, meeting.notice_days, published, today or date.today(), closed)


@dataclass
class ItemIn:
    title: str = ""
    kind: str = ItemKind.DISCUSSION
    summary: str = ""
    presenter: str = ""
    plan_item: ForwardPlanItem | None = None
    exempt: bool = False
    exemption_paragraph: int | None = None
    exemption_reason: str = ""
    public_interest: str = ""
    urgency_reason: str = ""
    chair_agreed: bool = False


def council_owned(body: Body) -> bool:
    return body.owners.filter(kind__in=COUNCIL_KINDS).exists()


def _check_exemption(body: Body, item: ItemIn) -> list[tuple[str, str]]:
    if not item.exempt:
        return []
    problems = []
    if council_owned(body):
        if item.exemption_paragraph not in SCHEDULE_12A:
            problems.append(
                (
                    "exemption_paragraph",
                    "Choose the paragraph of Schedule 12A that makes the item exempt (a "
                    "council's business is exempt only under one)",
                )
            )
        if not item.public_interest.strip():
            problems.append(
                (
                    "public_interest",
                    "Say why the public interest in keeping it private outweighs the public "
                    "interest in disclosing it (Schedule 12A, paragraph 10)",
                )
            )
    elif not item.exemption_reason.strip():
        problems.append(("exemption_reason", "Give the reason the item is taken in private"))
    return problems


@action("meetings.add_agenda_item", permission=Permission.MANAGE_MEETINGS)
def add_agenda_item(actor: Actor, meeting: Meeting, item: ItemIn) -> AgendaItem:
    """Add an item to the agenda, by hand or from the forward plan. After the agenda's
    deadline an item is late, and needs the reason it is urgent."""
    _manage(actor, meeting.body, f"the agenda of {meeting}")
    if meeting.status in (Meeting.Status.HELD, Meeting.Status.CANCELLED):
        raise Conflict.at("meeting", f"The meeting is {meeting.get_status_display().lower()}")
    plan = item.plan_item
    problems = _check_exemption(meeting.body, item)
    if plan is not None:
        if plan.body_id != meeting.body_id:
            problems.append(("plan_item", f"{plan.reference} is not for {meeting.body.name}"))
        elif plan.status not in (ForwardPlanItem.Status.PLANNED,):
            problems.append(
                ("plan_item", f"{plan.reference} is {plan.get_status_display().lower()}")
            )
        item.title = item.title or plan.title
        item.kind = plan.kind
        item.summary = item.summary or plan.summary
        item.presenter = item.presenter or plan.author
    if not item.title.strip():
        problems.append(("title", "Enter the item's title"))
    late = meeting.published is not None or notice_for(meeting).late
    if late and not item.urgency_reason.strip():
        problems.append(
            (
                "urgency_reason",
                "The agenda's deadline has passed: give the reason the item is urgent, or take "
                "it at a later meeting",
            )
        )
    if late and not item.chair_agreed:
        problems.append(
            (
                "chair_agreed",
                "A late item is taken only if the chair agrees it is urgent: confirm the chair "
                "agreed",
            )
        )
    if problems:
        raise _refuse(*problems, message="The item cannot be added.")
    serialise(f"agenda:{meeting.pk}")
    number = (meeting.items.aggregate(n=Max("number"))["n"] or 0) + 1
    agenda_item = AgendaItem.objects.create(
        meeting=meeting,
        number=number,
        title=item.title,
        kind=item.kind,
        plan_item=plan,
        summary=item.summary,
        presenter=item.presenter,
        exempt=item.exempt,
        exemption_paragraph=item.exemption_paragraph if item.exempt else None,
        exemption_reason=item.exemption_reason if item.exempt else "",
        public_interest=item.public_interest if item.exempt else "",
        late=late,
        urgency_reason=item.urgency_reason if late else "",
        chair_agreed=late and item.chair_agreed,
    )
    if plan is not None:
        plan.status, plan.meeting, plan.due = (
            ForwardPlanItem.Status.ON_AGENDA,
            meeting,
            local_day(meeting.starts),
        )
        plan.save(update_fields=["status", "meeting", "due"])
    actor.record(
        "agenda_item",
        str(agenda_item.pk),
        f"Added item {number}, {item.title}, to {meeting}"
        + (f" from {plan.reference}" if plan else "")
        + (" (late)" if late else ""),
    )
    return agenda_item


def _meeting_open(item: AgendaItem) -> None:
    if item.meeting.status in (Meeting.Status.HELD, Meeting.Status.CANCELLED):
        raise Conflict.at("meeting", f"The meeting is {item.meeting.get_status_display().lower()}")


@action("meetings.mark_exempt", permission=Permission.MANAGE_MEETINGS)
def mark_exempt(
    actor: Actor,
    item: AgendaItem,
    *,
    exempt: bool,
    paragraph: int | None = None,
    reason: str = "",
    public_interest: str = "",
) -> AgendaItem:
    """Take an item in private (listed with its title and reason; papers withheld) or not."""
    _manage(actor, item.meeting.body, f"the agenda of {item.meeting}")
    _meeting_open(item)
    problems = _check_exemption(
        item.meeting.body,
        ItemIn(
            exempt=exempt,
            exemption_paragraph=paragraph,
            exemption_reason=reason,
            public_interest=public_interest,
        ),
    )
    if problems:
        raise _refuse(*problems, message="The item cannot be marked exempt.")
    item.exempt = exempt
    item.exemption_paragraph = paragraph if exempt else None
    item.exemption_reason = reason if exempt else ""
    item.public_interest = public_interest if exempt else ""
    item.save(
        update_fields=["exempt", "exemption_paragraph", "exemption_reason", "public_interest"]
    )
    actor.record(
        "agenda_item",
        str(item.pk),
        f"Item {item.number} of {item.meeting} is {'exempt' if exempt else 'in public'}",
        after={"exempt": exempt, "paragraph": paragraph, "reason": reason},
    )
    return item


@action("meetings.move_agenda_item", permission=Permission.MANAGE_MEETINGS)
def move_agenda_item(actor: Actor, item: AgendaItem, *, up: bool) -> AgendaItem:
    """Move an item one place up or down the agenda (it swaps with its neighbour)."""
    _manage(actor, item.meeting.body, f"the agenda of {item.meeting}")
    _meeting_open(item)
    serialise(f"agenda:{item.meeting_id}")
    items = list(item.meeting.items.order_by("number"))
    at = next(i for i, x in enumerate(items) if x.pk == item.pk)
    other = at - 1 if up else at + 1
    if not 0 <= other < len(items):
        raise Refused.at("move", f"Item {item.number} is already {'first' if up else 'last'}")
    neighbour = items[other]
    item.number, neighbour.number = neighbour.number, item.number
    item.save(update_fields=["number"])
    neighbour.save(update_fields=["number"])
    actor.record("agenda_item", str(item.pk), f"Moved {item.title} to item {item.number}")
    return item


@action("meetings.withdraw_agenda_item", permission=Permission.MANAGE_MEETINGS)
def withdraw_agenda_item(actor: Actor, item: AgendaItem) -> AgendaItem:
    """Withdraw an item: it stays on the record, marked withdrawn; its plan item is planned
    again, to be taken at another meeting."""
    _manage(actor, item.meeting.body, f"the agenda of {item.meeting}")
    _meeting_open(item)
    item.withdrawn = True
    item.save(update_fields=["withdrawn"])
    if item.plan_item is not None and item.plan_item.status == ForwardPlanItem.Status.ON_AGENDA:
        item.plan_item.status = ForwardPlanItem.Status.PLANNED
        item.plan_item.save(update_fields=["status"])
    actor.record("agenda_item", str(item.pk), f"Withdrew item {item.number}, {item.title}")
    return item


@action("meetings.publish_agenda", permission=Permission.MANAGE_MEETINGS)
def publish_agenda(actor: Actor, meeting: Meeting, *, late_reason: str = "") -> Meeting:
    """Publish the agenda and papers. After the deadline, the reason it is late is needed."""
    _manage(actor, meeting.body, f"the agenda of {meeting}")
    if meeting.published is not None:
        raise Conflict.at(
            "published", f"The agenda was published on {long_date(local_day(meeting.published))}"
        )
    if meeting.status != Meeting.Status.CONFIRMED:
        raise Conflict.at(
            "status",
            f"The meeting is {meeting.get_status_display().lower()}: confirm it before its "
            "agenda is published",
        )
    if not meeting.items.filter(withdrawn=False).exists():
        raise Refused.at("items", "The agenda has no items")
    notice = notice_for(meeting)
    if notice.late and not late_reason.strip():
        raise Refused.at(
            "late_reason",
            f"The deadline was {long_date(notice.deadline)}: give the reason the agenda is late",
        )
    meeting.published = timezone.now()
    meeting.late_reason = late_reason if notice.late else ""
    meeting.save(update_fields=["published", "late_reason"])
    actor.record(
        "meeting",
        str(meeting.pk),
        f"Published the agenda of {meeting}" + (" (late)" if notice.late else ""),
    )
    return meeting


# Papers -------------------------------------------------------------------------------------


def upload_paper(
    actor: Actor,
    item: AgendaItem,
    filename: str,
    data: bytes,
    *,
    title: str = "",
    paper: Paper | None = None,
) -> PaperVersion:
    """Read an upload (outside any transaction: reading can take seconds), then keep it."""
    name = _clean_name(filename)
    try:
        inspected = inspect(data, name)
    except PaperRefused as refused:
        message = refused.message
        raise Refused.at(
            "file", message if message.startswith("'") else f"'{name}' {message}"
        ) from None
    return keep_paper(actor, item, inspected, data, name, title=title, paper=paper)


def _clean_name(filename: str) -> str:
    """An uploaded file's name as we show it: its last part, printable, at most 200 characters."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip() or "paper"
    if len(cleaned) > 200:
        stem, dot, suffix = cleaned.rpartition(".")
        cleaned = stem[:190] + dot + suffix[:9] if dot else cleaned[:200]
    return cleaned


@action("meetings.keep_paper", permission=Permission.MANAGE_MEETINGS)
def keep_paper(
    actor: Actor,
    item: AgendaItem,
    inspected: Inspected,
    data: bytes,
    filename: str,
    *,
    title: str = "",
    paper: Paper | None = None,
) -> PaperVersion:
    """Keep a checked paper: a new paper on the item, or a new version of one of its papers."""
    _manage(actor, item.meeting.body, f"the papers of {item.meeting}")
    if item.meeting.status == Meeting.Status.CANCELLED:
        raise Conflict.at("meeting", "The meeting is cancelled")
    if paper is not None and paper.item_id != item.pk:
        raise Refused.at("paper", "That paper belongs to another item")
    if paper is None:
        title = title.strip() or filename.rsplit(".", 1)[0]
        paper = Paper.objects.create(item=item, title=title[:200])
    serialise(f"paper:{paper.pk}")
    current = paper.versions.order_by("-number").first()
    if current is not None and current.sha256 == inspected.sha256:
        raise Refused.at(
            "file",
            f"'{filename}' is the same file as version {current.number} of '{paper.title}': "
            "nothing to replace",
        )
    number = (current.number if current else 0) + 1
    version = PaperVersion(
        paper=paper,
        number=number,
        filename=filename,
        kind=inspected.kind,
        size=inspected.size,
        sha256=inspected.sha256,
        extent=inspected.extent,
        uploaded_by=actor.person.name if actor.person else actor.label,
        late=notice_for(item.meeting).late,
    )
    # Kept under its checksum: a file written by a transaction that then rolls back is never
    # referred to, and one uploaded again is the same file, not a copy.
    name = paper_path(version, filename)
    if not default_storage.exists(name):
        default_storage.save(name, ContentFile(data))
    version.file.name = name
    version.save()
    actor.record(
        "paper",
        str(paper.pk),
        f"Uploaded {filename} as version {number} of '{paper.title}' for item {item.number} of "
        f"{item.meeting} ({inspected.extent_label})",
        after={"sha256": inspected.sha256, "size": inspected.size},
    )
    return version


# Attendance ---------------------------------------------------------------------------------


def _members_on(body: Body, on: date) -> dict[str, str]:
    """The body's posts on a date, by reference, with their kind (member, attendee, invited)."""
    return {
        m.post.ref: m.kind
        for m in BodyMembership.objects.filter(body=body)
        .filter(in_force(on))
        .select_related("post__organisation")
    }


# Capacities that sit in a member's seat: the member, or their substitute.
SEATED = ("member", "substitute")


def _span(arrived: AgendaItem | None, left: AgendaItem | None) -> tuple[int, int]:
    return (arrived.number if arrived else 0, left.number if left else 10**6)


def _in_the_seat(meeting: Meeting, row: "AttendanceIn") -> Attendance | None:
    """Someone else recorded present in the same member post for any of the same items."""
    start, end = _span(row.arrived, row.left)
    for other in (
        meeting.attendance.filter(
            post=row.post, status=Attendance.Status.PRESENT, capacity__in=SEATED
        )
        .exclude(person=row.person)
        .select_related("person", "arrived", "left")
    ):
        other_start, other_end = _span(other.arrived, other.left)
        if start <= other_end and other_start <= end:
            return other
    return None


@dataclass
class AttendanceIn:
    person: Person
    capacity: str
    status: str = Attendance.Status.PRESENT
    post: Post | None = None
    arrived: AgendaItem | None = None
    left: AgendaItem | None = None
    note: str = ""


@action("meetings.record_attendance", permission=Permission.MANAGE_MEETINGS)
def record_attendance(actor: Actor, meeting: Meeting, row: AttendanceIn) -> Attendance:
    """Record one person's attendance (present, apologies or absent), in which capacity, and,
    for someone there for part of the meeting, the items they arrived at and left after."""
    _manage(actor, meeting.body, f"the attendance of {meeting}")
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict.at("meeting", "The meeting is cancelled")
    on = local_day(meeting.starts)
    posts = _members_on(meeting.body, on)
    problems: list[tuple[str, str]] = []
    if row.capacity not in Attendance.Capacity.values:
        problems.append(("capacity", "Choose the capacity they attend in"))
    if row.status not in Attendance.Status.values:
        problems.append(("status", "Choose present, apologies or absent"))
    ref = row.post.ref if row.post else None
    if row.capacity in ("member", "attendee", "invited"):
        if ref is None or posts.get(ref) != row.capacity:
            problems.append(
                ("post", f"Choose the {row.capacity} post of {meeting.body.name} they hold")
            )
        elif (
            not PostHolding.objects.filter(post=row.post, person=row.person)
            .filter(in_force(on))
            .exists()
        ):
            problems.append(("post", f"{row.person} does not hold {row.post} on {long_date(on)}"))
    if row.capacity == "substitute":
        if ref is None or posts.get(ref) != "member":
            problems.append(("post", "Choose the member post they stand in for"))
        elif row.post is not None and not acts_for(row.person, row.post.organisation, on):
            problems.append(
                (
                    "post",
                    f"A substitute stands in for their own organisation: {row.person} holds no "
                    f"post or role in {row.post.organisation.name}",
                )
            )
    for name, item in (("arrived", row.arrived), ("left", row.left)):
        if item is not None and item.meeting_id != meeting.pk:
            problems.append((name, "Choose an item of this meeting"))
    if row.arrived and row.left and row.left.number < row.arrived.number:
        problems.append(("left", "They cannot leave before the item they arrived at"))
    if row.status != Attendance.Status.PRESENT and (row.arrived or row.left):
        problems.append(("status", "Only someone present arrives or leaves"))
    if not problems and row.status == Attendance.Status.PRESENT and row.capacity in SEATED:
        other = _in_the_seat(meeting, row)
        if other is not None:
            problems.append(
                (
                    "post",
                    f"{other.person} is already recorded in {row.post} for those items: a "
                    "member's seat holds one person at a time",
                )
            )
    if problems:
        raise _refuse(*problems, message="The attendance cannot be recorded.")
    attendance, _created = Attendance.objects.update_or_create(
        meeting=meeting,
        person=row.person,
        defaults={
            "capacity": row.capacity,
            "post": row.post,
            "status": row.status,
            "arrived": row.arrived,
            "left": row.left,
            "note": row.note,
        },
    )
    when = ""
    if row.arrived:
        when += f", from item {row.arrived.number}"
    if row.left:
        when += f", leaving after item {row.left.number}"
    actor.record(
        "attendance",
        str(attendance.pk),
        f"{row.person}: {attendance.get_status_display().lower()} at {meeting}"
        f" ({attendance.get_capacity_display().lower()}{when})",
    )
    return attendance


# Declarations -------------------------------------------------------------------------------


@dataclass
class DeclarationIn:
    person: Person
    items: Sequence[AgendaItem]
    ruling: str
    description: str = ""
    kind: str = ""
    interest: Interest | None = None
    pecuniary: bool = False


def dispensation_for(
    person: Person, meeting: Meeting, interest: Interest | None
) -> Dispensation | None:
    on = local_day(meeting.starts)
    found = Dispensation.objects.filter(
        person=person,
        organisation__in=meeting.body.owners.all(),
        starts__lte=on,
        ends__gte=on,
    )
    if interest is not None:
        # A dispensation for this interest, or one for all of the person's interests.
        found = found.filter(Q(interest=interest) | Q(interest__isnull=True))
    return found.first()


@action("meetings.record_declaration", permission=Permission.MANAGE_MEETINGS)
def record_declaration(actor: Actor, meeting: Meeting, d: DeclarationIn) -> Declaration:
    """Record an interest declared at the meeting on some items, and the chair's ruling.

    A council member's disclosable pecuniary interest bars them from taking part by law
    (Localism Act 2011, s31) unless a dispensation covers the meeting, whatever the ruling.
    The ruling is the chair's, or the deputy's where the chair is the one declaring.
    """
    _manage(actor, meeting.body, f"the declarations at {meeting}")
    if meeting.status == Meeting.Status.CANCELLED:
        raise Conflict.at("meeting", "The meeting is cancelled")
    problems: list[tuple[str, str]] = []
    if not d.items:
        problems.append(("items", "Choose the items the interest touches"))
    if any(i.meeting_id != meeting.pk for i in d.items):
        problems.append(("items", "Choose items of this meeting"))
    if d.ruling not in Declaration.Ruling.values:
        problems.append(("ruling", "Choose the chair's ruling"))
    attending = meeting.attendance.filter(person=d.person, status=Attendance.Status.PRESENT)
    if not attending.exists():
        problems.append(
            ("person", f"{d.person} is not recorded present: record their attendance first")
        )
    interest = d.interest
    if interest is not None and interest.person_id != d.person.pk:
        problems.append(("interest", f"That interest is not on {d.person}'s register"))
    kind = interest.kind if interest else d.kind
    # A withheld entry's details stay on the register: the meeting's record says only that an
    # interest withheld from publication was declared, unless the declaration says more.
    from_register = ""
    if interest is not None:
        from_register = (
            f"{interest.get_kind_display()} interest, withheld from publication"
            if interest.withheld
            else interest.description
        )
    description = d.description.strip() or from_register
    if not kind:
        problems.append(("kind", "Choose the kind of interest"))
    if not description:
        problems.append(("description", "Describe the interest"))
    pecuniary = bool(interest.pecuniary) if interest else d.pecuniary
    if pecuniary and not council_owned(meeting.body):
        problems.append(
            ("pecuniary", "Disclosable pecuniary interests are declared at a council's meetings")
        )
    elif pecuniary and not _council_member(d.person, meeting):
        problems.append(
            (
                "pecuniary",
                f"Disclosable pecuniary interests are a council member's (Localism Act 2011); "
                f"{d.person} holds no elected or co-opted post in an owner of "
                f"{meeting.body.name}",
            )
        )
    dispensation = dispensation_for(d.person, meeting, interest) if pecuniary else None
    if pecuniary and dispensation is None and d.ruling == Declaration.Ruling.TAKE_PART:
        problems.append(
            (
                "ruling",
                f"{d.person} has a disclosable pecuniary interest and no dispensation covering "
                f"this meeting: by law (Localism Act 2011, s31) they may not take part, "
                "whatever the chair rules",
            )
        )
    if problems:
        raise _refuse(*problems, message="The declaration cannot be recorded.")
    declaration = Declaration.objects.create(
        meeting=meeting,
        person=d.person,
        interest=interest,
        kind=kind,
        description=description,
        pecuniary=pecuniary,
        dispensation=dispensation,
        ruling=d.ruling,
        ruled_by=_ruler(meeting, d.person, min(d.items, key=lambda i: i.number)),
    )
    declaration.items.set(d.items)
    numbers = ", ".join(str(i.number) for i in sorted(d.items, key=lambda i: i.number))
    actor.record(
        "declaration",
        str(declaration.pk),
        f"{d.person} declared an interest at {meeting} on item{'s' if len(d.items) > 1 else ''} "
        f"{numbers}: {declaration.get_ruling_display().lower()}",
    )
    return declaration


def _ruler(meeting: Meeting, declaring: Person, item: AgendaItem) -> Person | None:
    """Who rules on a declaration: whoever chairs the (first) item it touches with the
    declaring person treated as conflicted, so a chair who declares hands it to the deputy;
    someone who has left before the item does not rule on it."""
    body = meeting.body
    rows = list(
        meeting.attendance.select_related("person", "post__organisation", "arrived", "left")
    )
    people = {a.person.key: a.person for a in rows}
    presence = rules.item_presence(
        item.number,
        [
            rules.Attending(
                person=a.person.key,
                post=a.post.ref if a.post else "",
                capacity=a.capacity,
                present=a.status == Attendance.Status.PRESENT,
                arrived=a.arrived.number if a.arrived else None,
                left=a.left.number if a.left else None,
            )
            for a in rows
        ],
        [rules.Declared(declaring.key, frozenset({item.number}), rules.Ruling.NO_PART)],
        frozenset(),
        [],
        body.chair.ref if body.chair else None,
        body.deputy.ref if body.deputy else None,
    )
    return people.get(presence.chair) if presence.chair else None


def _council_member(person: Person, meeting: Meeting) -> bool:
    """Whether the person holds an elected or co-opted post in a council that owns the body."""
    day = local_day(meeting.starts)
    return any(
        {"elected", "co-opted"} & set(h.post.categories)
        for h in PostHolding.objects.filter(
            person=person,
            post__organisation__in=meeting.body.owners.filter(kind__in=COUNCIL_KINDS),
        )
        .filter(in_force(day))
        .select_related("post")
    )


@action("meetings.remove_attendance", permission=Permission.MANAGE_MEETINGS)
def remove_attendance(actor: Actor, attendance: Attendance) -> None:
    """Take out an attendance recorded by mistake (the audit trail keeps what it said)."""
    meeting = attendance.meeting
    _manage(actor, meeting.body, f"the attendance of {meeting}")
    if meeting.declarations.filter(person=attendance.person).exists():
        raise Conflict.at(
            "attendance",
            f"{attendance.person} declared an interest at this meeting: withdraw the "
            "declaration first",
        )
    actor.record(
        "attendance",
        str(attendance.pk),
        f"Removed {attendance.person}'s attendance at {meeting}",
        before={"status": attendance.status, "capacity": attendance.capacity},
    )
    attendance.delete()


@action("meetings.withdraw_declaration", permission=Permission.MANAGE_MEETINGS)
def withdraw_declaration(actor: Actor, declaration: Declaration) -> None:
    """Take out a declaration recorded by mistake (the audit trail keeps what it said)."""
    meeting = declaration.meeting
    _manage(actor, meeting.body, f"the declarations at {meeting}")
    actor.record(
        "declaration",
        str(declaration.pk),
        f"Removed {declaration.person}'s declaration at {meeting}",
        before={
            "items": [i.number for i in declaration.items.all()],
            "ruling": declaration.ruling,
        },
    )
    declaration.items.clear()
    declaration.delete()


def at(day: date, hour: int, minute: int) -> datetime:
    """A local time on a day (meetings are arranged in England's time)."""
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


# Actions agreed at meetings -------------------------------------------------------------------


@action("meetings.add_action", permission=Permission.MANAGE_MEETINGS)
def add_action(
    actor: Actor,
    meeting: Meeting,
    *,
    description: str,
    owner: Person,
    due: date,
    item: AgendaItem | None = None,
) -> MeetingAction:
    """An action agreed at a meeting, with its owner and the day it is due."""
    _manage(actor, meeting.body, f"the actions of {meeting.body.name}")
    problems: list[tuple[str, str]] = []
    if not description.strip():
        problems.append(("description", "Enter what is to be done"))
    if meeting.status == Meeting.Status.CANCELLED:
        problems.append(("meeting", "The meeting was cancelled: it agreed no actions"))
    if item is not None and item.meeting_id != meeting.pk:
        problems.append(("item", "That item is on another meeting's agenda"))
    if due < local_day(meeting.starts):
        problems.append(("due", "The action cannot be due before the meeting that agreed it"))
    if problems:
        raise _refuse(*problems)
    found = MeetingAction.objects.create(
        body=meeting.body,
        raised_at=meeting,
        item=item,
        description=description.strip(),
        owner=owner,
        due=due,
    )
    actor.record(
        "meeting_action",
        str(found.pk),
        f"Action for {owner} by {long_date(due)}: {found.description[:100]}",
    )
    return found


@action("meetings.complete_action", permission=Permission.MANAGE_MEETINGS)
def complete_action(
    actor: Actor, found: MeetingAction, *, on: date, at: Meeting | None = None, note: str = ""
) -> MeetingAction:
    """Record that an action is done (at a meeting that heard so, or between meetings)."""
    _manage(actor, found.body, f"the actions of {found.body.name}")
    if found.done is not None:
        raise Conflict.at("action", f"This action was recorded done on {long_date(found.done)}")
    if on < local_day(found.raised_at.starts):
        raise Refused.at("on", "An action cannot be done before the meeting that agreed it")
    if on > date.today():
        raise Refused.at("on", "An action cannot be recorded done on a day still to come")
    if at is not None and at.body_id != found.body_id:
        raise Refused.at("meeting", f"That meeting is not one of {found.body.name}'s")
    found.done, found.done_at, found.note = on, at, note.strip()
    found.save(update_fields=["done", "done_at", "note"])
    actor.record(
        "meeting_action",
        str(found.pk),
        f"Action done on {long_date(on)}: {found.description[:100]}",
    )
    return found


def actions_carried(meeting: Meeting) -> list[MeetingAction]:
    """The actions this meeting's agenda carries: agreed at the body's earlier meetings and
    not done before this one began."""
    return list(
        MeetingAction.objects.filter(body=meeting.body, raised_at__starts__lt=meeting.starts)
        .filter(Q(done__isnull=True) | Q(done__gte=local_day(meeting.starts)) | Q(done_at=meeting))
        .select_related("owner", "raised_at")
    )
