"""What the meeting pages show, as plain data: the forward plan, a meeting as it runs (each
item with its papers, who chairs it and whether the body is quorate for it), and attendance.

Exempt papers are left out here, for anyone who may not see them, so no template can show them.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from commonweal.core.actions import Actor
from commonweal.core.errors import Refused
from commonweal.core.formatting import long_date, pounds
from commonweal.core.models import Organisation
from commonweal.governance import engine
from commonweal.governance.context import governance_for
from commonweal.governance.models import Body
from commonweal.governance.presenters import describe_route
from commonweal.meetings import access, rules
from commonweal.meetings.actions import (
    SCHEDULE_12A,
    local_day,
    notice_for,
    proposed_key_decision,
    route_for,
)
from commonweal.meetings.models import (
    AgendaItem,
    Attendance,
    Declaration,
    ForwardPlanItem,
    Meeting,
    Paper,
    PaperVersion,
)

# Links from forward plan entries to what a higher capability keeps about them (an
# allocation's page, say): each source maps entries to (href, text). Registered in an app's
# `ready()`, so meetings never imports the capabilities above it.
PlanLinks = Callable[[Sequence[ForwardPlanItem]], dict[int, tuple[str, str]]]
PLAN_ITEM_LINKS: list[PlanLinks] = []


def plan_links(items: Sequence[ForwardPlanItem]) -> dict[int, list[tuple[str, str]]]:
    out: dict[int, list[tuple[str, str]]] = {}
    if not items:
        return out
    for source in PLAN_ITEM_LINKS:
        for pk, link in source(items).items():
            out.setdefault(pk, []).append(link)
    return out


# The forward plan ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanRow:
    reference: str
    organisation: str
    title: str
    kind_label: str
    where: str
    meeting_id: int | None
    due: date
    first_due: date
    slipped: bool
    overdue: bool
    status: str
    status_label: str
    key_decision: bool | None
    author: str

    @classmethod
    def of(cls, p: ForwardPlanItem, today: date) -> "PlanRow":
        where = p.body.name if p.body is not None else p.decider.title if p.decider else "–"
        return cls(
            reference=p.reference,
            organisation=p.organisation.code,
            title=p.title,
            kind_label=p.get_kind_display(),
            where=where,
            meeting_id=p.meeting_id,
            due=p.due,
            first_due=p.first_due,
            slipped=p.due > p.first_due,
            overdue=p.status == ForwardPlanItem.Status.PLANNED and p.due < today,
            status=p.status,
            status_label=p.get_status_display(),
            key_decision=p.key_decision,
            author=p.author,
        )


def forward_plan(rows: Sequence[ForwardPlanItem], today: date) -> list[PlanRow]:
    return [PlanRow.of(p, today) for p in rows]


@dataclass(frozen=True)
class PlanView:
    row: PlanRow
    item: ForwardPlanItem
    summary: str
    decision_sought: str
    decision_type: str
    commitments: tuple[str, ...]
    footprint: str
    project: str
    route: dict[str, Any] | None
    route_problem: str
    key_reason: str
    key_exception: str
    agenda: tuple[tuple[int, int, str], ...]  # meeting id, item number, meeting name
    # Where the route and the plan disagree about who takes the decision, in words.
    mismatch: str
    # Taken in private: the details are withheld from this viewer.
    private: bool
    # What higher capabilities keep about it (an allocation's page): (href, text).
    links: tuple[tuple[str, str], ...] = ()


def plan_view(p: ForwardPlanItem, today: date, actor: Actor) -> PlanView:
    on_agenda = list(p.agenda.select_related("meeting__body"))
    private = any(
        a.exempt
        and not access.may_see_exempt(actor, a.meeting.body, local_day(a.meeting.starts), a.meeting)
        for a in on_agenda
    )
    route, problem = None, ""
    if p.kind == "decision" and p.decision_type and p.commitments and not private:
        try:
            found, gov = route_for(p)
            route = describe_route(found, gov)
        except Refused as refused:
            problem = str(refused)
    mismatch = _mismatch(p, route)
    key_reason = ""
    if p.key_decision is not None:
        _, key_reason = proposed_key_decision(
            p.organisation,
            [(c["organisation"], c["amount"], c.get("prior")) for c in p.commitments],
            p.due,
        )
    names = dict(
        Organisation.objects.filter(
            code__in=[c["organisation"] for c in p.commitments]
        ).values_list("code", "name")
    )
    withheld = "Withheld: the item is taken in private"
    return PlanView(
        row=PlanRow.of(p, today),
        item=p,
        summary=withheld if private else p.summary,
        decision_sought=withheld if private else p.decision_sought,
        decision_type=p.decision_type.replace("_", " "),
        commitments=()
        if private
        else tuple(
            f"{names.get(c['organisation'], c['organisation'])}: {pounds(c['amount'])}"
            + (
                f" ({pounds(c['prior'])} already committed on the project)"
                if c.get("prior")
                else ""
            )
            for c in p.commitments
        ),
        footprint=p.footprint.name if p.footprint else "",
        project=p.project,
        route=route,
        route_problem=problem,
        key_reason=key_reason,
        key_exception=p.key_exception,
        agenda=tuple((a.meeting_id, a.number, str(a.meeting)) for a in on_agenda),
        mismatch="" if private else mismatch,
        private=private,
        links=() if private else tuple(plan_links([p]).get(p.pk, [])),
    )


def _mismatch(p: ForwardPlanItem, route: dict[str, Any] | None) -> str:
    """Whether the plan says someone takes the decision whom its route does not name."""
    if route is None:
        return ""
    takers = {
        s["taker"]["post"] or s["taker"]["body"]
        for o in route["organisations"]
        if o["organisation"] == p.organisation.code
        for s in o["steps"]
        if s["kind"] == "decide"
    }
    planned = p.decider.ref if p.decider else p.body.code if p.body else None
    if not takers or planned in takers:
        return ""
    return (
        f"The plan says {p.decider.title if p.decider else p.body.name if p.body else 'no one'} "
        f"takes it, but the route says {p.organisation.name}'s decision is for "
        + " or ".join(
            s["taker"]["name"]
            for o in route["organisations"]
            if o["organisation"] == p.organisation.code
            for s in o["steps"]
            if s["kind"] == "decide"
        )
        + ": move it to them, or check the decision's type and amount."
    )


# A meeting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    id: int
    number: int
    filename: str
    kind: str
    extent: int
    size: int
    uploaded: datetime
    uploaded_by: str
    late: bool

    @property
    def extent_label(self) -> str:
        unit = {"pdf": "page", "docx": "paragraph", "xlsx": "sheet"}.get(self.kind, "part")
        return f"{self.extent:,} {unit}{'s' if self.extent != 1 else ''}"

    @property
    def size_label(self) -> str:
        if self.size >= 1_000_000:
            return f"{self.size / 1_000_000:.1f} MB"
        return f"{max(1, round(self.size / 1000))} KB"


@dataclass(frozen=True)
class PaperRow:
    id: int
    title: str
    current: VersionRow
    earlier: tuple[VersionRow, ...]


def paper_row(paper: Paper) -> PaperRow | None:
    versions = [
        VersionRow(
            v.pk,
            v.number,
            v.filename,
            v.kind,
            v.extent,
            v.size,
            v.uploaded,
            v.uploaded_by,
            v.late,
        )
        for v in paper.versions.all()
    ]
    if not versions:
        return None
    return PaperRow(paper.pk, paper.title, versions[0], tuple(versions[1:]))


@dataclass(frozen=True)
class DeclarationRow:
    id: int
    person: str
    kind_label: str
    description: str
    pecuniary: bool
    dispensation: str
    ruling: str
    ruling_label: str
    ruled_by: str
    items: tuple[int, ...]


@dataclass(frozen=True)
class QuorumView:
    known: bool
    quorate: bool
    sentences: tuple[str, ...]


@dataclass(frozen=True)
class ItemView:
    id: int
    number: int
    title: str
    kind: str
    kind_label: str
    summary: str
    presenter: str
    plan_reference: str
    exempt: bool
    exemption: str
    public_interest: str
    late: bool
    urgency_reason: str
    chair_agreed: bool
    withdrawn: bool
    papers: tuple[PaperRow, ...]
    withheld: int  # papers not shown to this viewer
    quorum: QuorumView
    chair: str
    chaired_by_deputy: bool
    declarations: tuple[DeclarationRow, ...]
    counted: tuple[str, ...]  # members counted towards the quorum for the item
    present: tuple[str, ...]  # everyone in the room for it
    conflicted_viewer: bool = False  # the viewer declared a conflict on this exempt item

    @property
    def others_present(self) -> tuple[str, ...]:
        return tuple(p for p in self.present if p not in self.counted)


@dataclass(frozen=True)
class AttendanceRow:
    id: int
    person_key: str
    person: str
    capacity: str
    capacity_label: str
    post: str
    status: str
    status_label: str
    arrived: int | None
    left: int | None
    note: str


@dataclass(frozen=True)
class MeetingView:
    id: int
    body: Body
    system_slug: str
    name: str
    starts: datetime
    day: date
    venue: str
    status: str
    status_label: str
    notice: rules.Notice
    published: datetime | None
    late_reason: str
    items: tuple[ItemView, ...]
    attendance: tuple[AttendanceRow, ...]
    declarations: tuple[DeclarationRow, ...]
    may_manage: bool
    may_see_exempt: bool
    started: bool
    # The agenda pack is theirs to read: the body's, or anyone's once the agenda is public.
    may_read_pack: bool = False
    # Business on the forward plan for this meeting, not yet on its agenda.
    planned: tuple["PlannedRow", ...] = ()

    @property
    def open(self) -> bool:
        """Still to be held: its agenda and attendance may change."""
        return self.status in ("tentative", "confirmed")

    @property
    def public_items(self) -> tuple[ItemView, ...]:
        return tuple(i for i in self.items if not i.exempt)

    @property
    def private_items(self) -> tuple[ItemView, ...]:
        return tuple(i for i in self.items if i.exempt)

    def attending(self, status: str) -> tuple[AttendanceRow, ...]:
        return tuple(a for a in self.attendance if a.status == status)


@dataclass(frozen=True)
class PlannedRow:
    reference: str
    organisation: str
    title: str
    kind_label: str
    links: tuple[tuple[str, str], ...]


def planned_for(meeting: Meeting) -> tuple[PlannedRow, ...]:
    """The forward plan's business for a meeting that is not on its agenda yet (an allocation
    awaiting decision, say), with links to what higher capabilities keep about each."""
    rows = list(
        ForwardPlanItem.objects.filter(
            meeting=meeting, status=ForwardPlanItem.Status.PLANNED
        ).select_related("organisation")
    )
    links = plan_links(rows)
    return tuple(
        PlannedRow(
            reference=p.reference,
            organisation=p.organisation.code,
            title=p.title,
            kind_label=p.get_kind_display(),
            links=tuple(links.get(p.pk, [])),
        )
        for p in rows
    )


def exemption_text(item: AgendaItem) -> str:
    if item.exemption_paragraph:
        return (
            f"Schedule 12A, paragraph {item.exemption_paragraph}: "
            f"{SCHEDULE_12A.get(item.exemption_paragraph, '')}"
        )
    return item.exemption_reason


def meeting_view(meeting: Meeting, actor: Actor, today: date | None = None) -> MeetingView:
    """A meeting as its page shows it to this person, with each item's quorum from the
    attendance and declarations recorded so far."""
    body = meeting.body
    day = local_day(meeting.starts)
    see_exempt = access.may_see_exempt(actor, body, day, meeting)
    manage = access.may_manage(actor, body)
    me = actor.person.key if actor.person else None
    items = list(
        meeting.items.select_related("plan_item").prefetch_related(
            Prefetch("papers", Paper.objects.prefetch_related("versions"))
        )
    )
    attendance = list(
        meeting.attendance.select_related("person", "post__organisation", "arrived", "left")
    )
    declarations = list(
        meeting.declarations.select_related("person", "ruled_by", "dispensation").prefetch_related(
            "items"
        )
    )
    exempt_numbers = {i.number for i in items if i.exempt}
    declared_rows = tuple(
        declaration_row(d, hide=not see_exempt and _only_on(d, exempt_numbers))
        for d in declarations
    )
    conflicted_items = {
        i.number
        for d in declarations
        if d.person.key == me and d.ruling != "take_part"
        for i in d.items.all()
    }
    gov = governance_for(body.system, day)
    fact = gov.bodies.get(body.code)
    attending = [
        rules.Attending(
            person=a.person.key,
            post=a.post.ref if a.post else "",
            capacity=a.capacity,
            present=a.status == Attendance.Status.PRESENT,
            arrived=a.arrived.number if a.arrived else None,
            left=a.left.number if a.left else None,
        )
        for a in attendance
    ]
    declared = [
        rules.Declared(
            person=d.person.key,
            items=frozenset(i.number for i in d.items.all()),
            ruling=rules.Ruling(d.ruling),
            pecuniary=d.pecuniary,
            dispensed=d.dispensation_id is not None,
        )
        for d in declarations
    ]
    names = {a.person.key: a.person.name for a in attendance}
    chair_post = body.chair.ref if body.chair_id and body.chair else None
    deputy_post = body.deputy.ref if body.deputy_id and body.deputy else None
    views = []
    for item in items:
        presence = rules.item_presence(
            item.number,
            attending,
            declared,
            fact.members if fact else frozenset(),
            list(body.substitutes),
            chair_post,
            deputy_post,
        )
        if fact is None or not attending:
            quorum = QuorumView(False, False, ("Attendance is not recorded yet.",))
        else:
            quorate, said = engine.item_quorum(
                fact, engine.Meeting(present=presence.present), presence.conflicted, gov
            )
            quorum = QuorumView(True, quorate, tuple(str(s) for s in said))
        papers = tuple(p for p in (paper_row(x) for x in item.papers.all()) if p is not None)
        # A member conflicted on an exempt item does not receive its papers.
        conflicted_here = item.number in conflicted_items and not manage
        sees = not item.exempt or (see_exempt and not conflicted_here)
        shown = papers if sees else ()
        views.append(
            ItemView(
                id=item.pk,
                number=item.number,
                title=item.title,
                kind=item.kind,
                kind_label=item.get_kind_display(),
                summary=item.summary if sees else "",
                presenter=item.presenter,
                plan_reference=item.plan_item.reference if item.plan_item else "",
                exempt=item.exempt,
                exemption=exemption_text(item) if item.exempt else "",
                public_interest=item.public_interest,
                late=item.late,
                urgency_reason=item.urgency_reason,
                chair_agreed=item.chair_agreed,
                withdrawn=item.withdrawn,
                papers=shown,
                withheld=len(papers) - len(shown),
                quorum=quorum,
                chair=names.get(presence.chair or "", ""),
                chaired_by_deputy=presence.chaired_by_deputy,
                declarations=tuple(r for r in declared_rows if item.number in r.items),
                counted=tuple(
                    sorted(
                        names.get(x.person, x.person)
                        for x in presence.present
                        if fact is not None
                        and x.post in fact.members
                        and x.person not in presence.conflicted
                    )
                ),
                present=tuple(sorted(names.get(x.person, x.person) for x in presence.present)),
                conflicted_viewer=conflicted_here and item.exempt,
            )
        )
    return MeetingView(
        id=meeting.pk,
        body=body,
        system_slug=body.system.slug,
        name=str(meeting),
        starts=meeting.starts,
        day=day,
        venue=meeting.venue,
        status=meeting.status,
        status_label=meeting.get_status_display(),
        notice=notice_for(meeting, today),
        published=meeting.published,
        late_reason=meeting.late_reason,
        items=tuple(views),
        attendance=tuple(_attendance_row(a) for a in attendance),
        declarations=declared_rows,
        may_manage=manage,
        started=timezone.now() >= meeting.starts,
        may_see_exempt=see_exempt,
        may_read_pack=see_exempt or access.agenda_public(meeting, timezone.now()),
        planned=planned_for(meeting),
    )


def _attendance_row(a: Attendance) -> AttendanceRow:
    return AttendanceRow(
        id=a.pk,
        person_key=a.person.key,
        person=a.person.name,
        capacity=a.capacity,
        capacity_label=a.get_capacity_display(),
        post=(
            f"for {a.post.title}, {a.post.organisation.name}"
            if a.capacity == Attendance.Capacity.SUBSTITUTE and a.post
            else (f"{a.post.title}, {a.post.organisation.name}" if a.post else "")
        ),
        status=a.status,
        status_label=a.get_status_display(),
        arrived=a.arrived.number if a.arrived else None,
        left=a.left.number if a.left else None,
        note=a.note,
    )


def _only_on(d: Declaration, exempt: set[int]) -> bool:
    return all(i.number in exempt for i in d.items.all())


def declaration_row(d: Declaration, hide: bool = False) -> DeclarationRow:
    """A declaration as the meeting's record shows it; on exempt business only, someone
    outside the body sees its kind and the ruling, not what the interest is."""
    return DeclarationRow(
        id=d.pk,
        person=d.person.name,
        kind_label=d.get_kind_display(),
        description="Details withheld: the item is exempt" if hide else d.description,
        pecuniary=d.pecuniary,
        dispensation=(
            f"dispensation {long_date(d.dispensation.starts)} to {long_date(d.dispensation.ends)}"
            if d.dispensation
            else ""
        ),
        ruling=d.ruling,
        ruling_label=d.get_ruling_display(),
        ruled_by=d.ruled_by.name if d.ruled_by else "",
        items=tuple(sorted(i.number for i in d.items.all())),
    )


def version_for(version: PaperVersion, actor: Actor) -> bool:
    """Whether this person may download this version of a paper."""
    item = version.paper.item
    if not item.exempt:
        return True
    body, meeting = item.meeting.body, item.meeting
    if access.may_manage(actor, body):
        return True
    return access.may_see_exempt(
        actor, body, local_day(meeting.starts), meeting
    ) and not access.conflicted_on(actor, item)
