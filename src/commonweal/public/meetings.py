"""What the public may read of meetings: bodies, calendars, agendas, papers and approved
minutes, as frozen dataclasses built from the allow-list (`presenters.PUBLISHED`).

An agenda is public once it is published or the meeting has taken place. Exempt business shows
its title and the exemption, never its report, papers or decisions; a withdrawn item shows its
title. Minutes are public only once approved. Every rule about what is public lives here, so
the pages, the downloads and the feeds cannot disagree.
"""

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from commonweal.core.models import in_force
from commonweal.core.pages import TABLE_ROWS, Shown
from commonweal.decisions.models import Decision, Minutes
from commonweal.governance.models import Body
from commonweal.meetings.access import agenda_public, agenda_public_q
from commonweal.meetings.actions import SCHEDULE_12A, local_day
from commonweal.meetings.models import AgendaItem, Attendance, Meeting, Paper, PaperVersion
from commonweal.meetings.presenters import DeclarationRow, declaration_row
from commonweal.public.models import RegisterDecision
from commonweal.public.presenters import PublicOrganisation
from commonweal.registry.models import System

# How long a meeting is shown to last in a calendar: the record keeps no end time.
MEETING_LENGTH = timedelta(hours=2)
# The iCalendar feeds start this far back, so a subscriber still sees recent meetings.
FEED_FROM = timedelta(days=365)


class BadParameter(Exception):
    """A query parameter that cannot be read: the page answers `status`, naming it."""

    def __init__(self, name: str, message: str, status: int = 400):
        self.name, self.message, self.status = name, message, status
        super().__init__(f"{name}: {message}")


# What is public ------------------------------------------------------------------------------


def exemption(item: AgendaItem) -> str:
    """Why an item is taken in private, as the public agenda says it."""
    if item.exemption_paragraph:
        what = SCHEDULE_12A.get(item.exemption_paragraph, "")
        return (
            f"Paragraph {item.exemption_paragraph} of Schedule 12A to the Local Government Act "
            f"1972" + (f": {what}" if what else "")
        )
    return item.exemption_reason


def public_papers_q(now: datetime) -> Q:
    """Paper versions the public may download."""
    return Q(paper__item__exempt=False, paper__item__withdrawn=False) & agenda_public_q(
        now, "paper__item__meeting__"
    )


def day_start(on: date) -> datetime:
    return timezone.make_aware(datetime.combine(on, time.min))


# Pages of long lists -------------------------------------------------------------------------

PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,8}")


def strict_page[T](
    request: HttpRequest,
    rows: QuerySet[Any] | list[Any],
    shape: Callable[[Any], T],
    param: str = "page",
    size: int = TABLE_ROWS,
) -> Shown[T]:
    """One page of a list, each row shaped for the public by `shape`, as `core.pages.page_of`
    pages, except that a page that is not a whole number is refused (400) and one past the end
    is not found (404), each naming the parameter."""
    raw = request.GET.get(param)
    number = 1
    if raw is not None:
        if not PAGE_NUMBER.fullmatch(raw):
            raise BadParameter(param, f"'{raw[:20]}' is not a page number (1, 2, 3 ...)")
        number = int(raw)
    paginator = Paginator(rows, size)
    if number > paginator.num_pages:
        raise BadParameter(
            param, f"there is no page {number}: there are {paginator.num_pages}", status=404
        )
    page = paginator.page(number)

    def url(n: int) -> str:
        query = request.GET.copy()
        query[param] = str(n)
        return "?" + query.urlencode()

    return Shown(
        rows=[shape(r) for r in page.object_list],
        total=paginator.count,
        number=number,
        pages=paginator.num_pages,
        previous_url=url(number - 1) if page.has_previous() else None,
        next_url=url(number + 1) if page.has_next() else None,
    )


# Bodies -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicBodyRef:
    system_slug: str
    system_name: str
    code: str
    name: str

    @classmethod
    def of(cls, b: Body) -> "PublicBodyRef":
        return cls(b.system.slug, b.system.name, b.code, b.name)


@dataclass(frozen=True)
class PublicBodyRow:
    ref: PublicBodyRef
    kind_label: str
    coming: int
    ends: date | None


@dataclass(frozen=True)
class PublicSystemBodies:
    slug: str
    name: str
    bodies: tuple[PublicBodyRow, ...]


def bodies_by_system(today: date) -> list[PublicSystemBodies]:
    """Each system's bodies that meet: those in force today, and those that ended having met."""
    rows = (
        Body.objects.select_related("system")
        .annotate(
            met=Count("meetings"),
            coming=Count(
                "meetings",
                filter=Q(meetings__starts__gte=timezone.now())
                & ~Q(meetings__status=Meeting.Status.CANCELLED),
            ),
        )
        .filter(Q(in_force(today, starts=None)) | Q(met__gt=0))
        .order_by("system__name", "name")
    )
    names: dict[str, str] = {}
    bodies: dict[str, list[PublicBodyRow]] = {}
    for b in rows:
        names[b.system.slug] = b.system.name
        bodies.setdefault(b.system.slug, []).append(
            PublicBodyRow(PublicBodyRef.of(b), b.get_kind_display(), b.coming, b.ends)
        )
    return [PublicSystemBodies(slug, names[slug], tuple(listed)) for slug, listed in bodies.items()]


@dataclass(frozen=True)
class PublicBody:
    ref: PublicBodyRef
    kind_label: str
    purpose: str
    owners: tuple[PublicOrganisation, ...]
    ends: date | None


def find_body(slug: str, code: str) -> Body | None:
    return (
        Body.objects.filter(system__slug=slug, code=code)
        .select_related("system")
        .prefetch_related("owners")
        .first()
    )


def body(b: Body) -> PublicBody:
    return PublicBody(
        ref=PublicBodyRef.of(b),
        kind_label=b.get_kind_display(),
        purpose=b.purpose,
        owners=tuple(
            PublicOrganisation.of(o) for o in sorted(b.owners.all(), key=lambda o: o.name)
        ),
        ends=b.ends,
    )


# Meetings -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMeetingRow:
    id: int
    body: PublicBodyRef
    starts: datetime
    venue: str
    status: str
    status_label: str

    @classmethod
    def of(cls, m: Meeting) -> "PublicMeetingRow":
        return cls(
            m.pk, PublicBodyRef.of(m.body), m.starts, m.venue, m.status, m.get_status_display()
        )

    @property
    def cancelled(self) -> bool:
        return self.status == Meeting.Status.CANCELLED

    @property
    def day(self) -> date:
        return local_day(self.starts)


def coming_and_past(b: Body, now: datetime) -> tuple[QuerySet[Meeting], QuerySet[Meeting]]:
    """A body's meetings from today (soonest first) and before today (latest first)."""
    start = day_start(local_day(now))
    every = Meeting.objects.filter(body=b).select_related("body__system")
    return (
        every.filter(starts__gte=start).order_by("starts", "id"),
        every.filter(starts__lt=start).order_by("-starts", "-id"),
    )


def calendar_meetings(now: datetime, system: System | None = None) -> QuerySet[Meeting]:
    """Every body's meetings from the start of today, soonest first."""
    found = Meeting.objects.filter(starts__gte=day_start(local_day(now)))
    if system is not None:
        found = found.filter(body__system=system)
    return found.select_related("body__system").order_by("starts", "id")


@dataclass(frozen=True)
class PublicMonth:
    label: str  # "July 2026"
    meetings: tuple[PublicMeetingRow, ...]


def by_month(rows: Iterable[PublicMeetingRow]) -> list[PublicMonth]:
    months: list[PublicMonth] = []
    for row in rows:
        label = f"{row.day:%B %Y}"
        if months and months[-1].label == label:
            months[-1] = PublicMonth(label, (*months[-1].meetings, row))
        else:
            months.append(PublicMonth(label, (row,)))
    return months


@dataclass(frozen=True)
class PublicPaper:
    version_id: int
    title: str
    kind: str
    size: int
    number: int

    @property
    def size_label(self) -> str:
        if self.size >= 1_000_000:
            return f"{self.size / 1_000_000:.1f} MB"
        return f"{max(1, round(self.size / 1000))} KB"


@dataclass(frozen=True)
class PublicDecisionLink:
    reference: str
    title: str
    outcome_label: str
    href: str


@dataclass(frozen=True)
class PublicItem:
    number: int
    title: str
    kind_label: str
    presenter: str
    summary: str
    exempt: bool
    exemption: str
    public_interest: str
    withdrawn: bool
    papers: tuple[PublicPaper, ...]
    decisions: tuple[PublicDecisionLink, ...]


@dataclass(frozen=True)
class PublicMeeting:
    row: PublicMeetingRow
    published: datetime | None
    agenda_public: bool
    items: tuple[PublicItem, ...]
    minutes: bool  # approved minutes to link to

    @property
    def public_items(self) -> tuple[PublicItem, ...]:
        return tuple(i for i in self.items if not i.exempt)

    @property
    def private_items(self) -> tuple[PublicItem, ...]:
        return tuple(i for i in self.items if i.exempt)


def find_meeting(pk: int) -> Meeting | None:
    return Meeting.objects.filter(pk=pk).select_related("body__system").first()


def _paper(p: Paper) -> PublicPaper | None:
    # Versions come newest first (PaperVersion's ordering): the public sees the latest.
    latest = next(iter(p.versions.all()), None)
    if latest is None:
        return None
    return PublicPaper(latest.pk, p.title, latest.kind, latest.size, latest.number)


def _item(item: AgendaItem) -> PublicItem:
    if item.exempt or item.withdrawn:
        # Title (and for exempt business, the exemption) only: never the report, papers or
        # decisions' content.
        return PublicItem(
            number=item.number,
            title=item.title,
            kind_label="",
            presenter="",
            summary="",
            exempt=item.exempt,
            exemption=exemption(item) if item.exempt else "",
            public_interest=item.public_interest if item.exempt else "",
            withdrawn=item.withdrawn,
            papers=(),
            decisions=(),
        )
    return PublicItem(
        number=item.number,
        title=item.title,
        kind_label=item.get_kind_display(),
        presenter=item.presenter,
        summary=item.summary,
        exempt=False,
        exemption="",
        public_interest="",
        withdrawn=False,
        papers=tuple(p for p in (_paper(x) for x in item.papers.all()) if p is not None),
        decisions=tuple(
            PublicDecisionLink(
                reference=d.reference,
                title=d.title,
                outcome_label=d.get_outcome_display(),
                href=reverse("public-decision", args=[d.reference]),
            )
            for d in item.decisions.all()
        ),
    )


def meeting(m: Meeting, now: datetime) -> PublicMeeting:
    public = agenda_public(m, now)
    items: list[AgendaItem] = []
    if public:
        items = list(
            m.items.order_by("number").prefetch_related(
                Prefetch(
                    "papers",
                    Paper.objects.filter(item__exempt=False).prefetch_related("versions"),
                ),
                Prefetch("decisions", Decision.objects.filter(item__exempt=False).order_by("id")),
            )
        )
    return PublicMeeting(
        row=PublicMeetingRow.of(m),
        published=m.published,
        agenda_public=public,
        items=tuple(_item(i) for i in items),
        minutes=m.minutes.filter(status=Minutes.Status.APPROVED).exists(),
    )


def public_version(pk: int, now: datetime) -> PaperVersion | None:
    """A version of a paper, if the public may download it: its item is in public, not
    withdrawn, and its meeting's agenda is public."""
    found = PaperVersion.objects.filter(public_papers_q(now), pk=pk).first()
    # Only a paper's latest version: one replaced (it had an error, or personal data in it)
    # is no longer published.
    if found is not None and found.paper.versions.filter(number__gt=found.number).exists():
        return None
    return found


SAFE_NAME = re.compile(r"[^A-Za-z0-9._ ()-]+")


def download_name(v: PaperVersion) -> str:
    """The name a download is saved as: the uploaded name in plain characters, with the
    extension its checked kind has (never the one it was uploaded with)."""
    stem = v.filename.rsplit(".", 1)[0] if "." in v.filename else v.filename
    stem = SAFE_NAME.sub("-", stem).strip(" .-")[:100] or "paper"
    return f"{stem}.{v.kind}"


# Minutes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicMinutes:
    id: int
    paragraphs: tuple[tuple[str, ...], ...]  # blocks of lines, as the clerk wrote them
    approved_on: date | None
    approved_at: PublicMeetingRow | None
    corrects: int | None


def _paragraphs(text: str) -> tuple[tuple[str, ...], ...]:
    blocks = re.split(r"\n\s*\n", text.strip())
    return tuple(tuple(line for line in b.splitlines()) for b in blocks if b.strip())


def approved_minutes(m: Meeting) -> list[PublicMinutes]:
    """A meeting's approved minutes and approved corrections of them, in order. Drafts are
    never public."""
    return [
        PublicMinutes(
            id=x.pk,
            paragraphs=_paragraphs(x.text),
            approved_on=x.approved_on,
            approved_at=PublicMeetingRow.of(x.approved_at) if x.approved_at else None,
            corrects=x.corrects_id,
        )
        for x in m.minutes.filter(status=Minutes.Status.APPROVED)
        .select_related("approved_at__body__system")
        .order_by("approved_on", "id")
    ]


@dataclass(frozen=True)
class PublicMinutesDecision:
    reference: str
    title: str
    item: int | None
    outcome_label: str
    resolution: str
    reasons: str
    alternatives: str
    exempt: bool


@dataclass(frozen=True)
class PublicMinutesAction:
    item: int | None
    description: str
    owner: str
    due: date
    done: date | None


@dataclass(frozen=True)
class PublicMinutesRecord:
    """Approved minutes as their PDF prints them: the clerk's text, and from the record the
    attendance, declarations, decisions (as the register published them) and actions."""

    meeting: PublicMeetingRow
    minutes: PublicMinutes
    present: tuple[str, ...]
    apologies: tuple[str, ...]
    declarations: tuple[DeclarationRow, ...]
    decisions: tuple[PublicMinutesDecision, ...]
    actions: tuple[PublicMinutesAction, ...]


def minutes_record(m: Meeting, minutes_id: int, now: datetime) -> PublicMinutesRecord | None:
    """One approved set of a meeting's minutes (or an approved correction) with its record;
    None for drafts and for minutes of another meeting."""
    found = next((x for x in approved_minutes(m) if x.id == minutes_id), None)
    if found is None:
        return None
    exempt = set(m.items.filter(exempt=True).values_list("number", flat=True))
    attendance = list(m.attendance.select_related("person", "post__organisation"))

    def who(a: Attendance) -> str:
        post = f", {a.post.title}, {a.post.organisation.name}" if a.post else ""
        return f"{a.person.name} ({a.get_capacity_display().lower()}{post})"

    declarations = m.declarations.select_related(
        "person", "ruled_by", "dispensation"
    ).prefetch_related("items")
    published = [
        json.loads(r.payload)
        for r in RegisterDecision.objects.filter(decision__meeting=m).order_by("on", "id")
    ]
    return PublicMinutesRecord(
        meeting=PublicMeetingRow.of(m),
        minutes=found,
        present=tuple(who(a) for a in attendance if a.status == Attendance.Status.PRESENT),
        apologies=tuple(who(a) for a in attendance if a.status == Attendance.Status.APOLOGIES),
        declarations=tuple(
            declaration_row(d, hide=all(i.number in exempt for i in d.items.all()))
            for d in declarations
        ),
        decisions=tuple(
            PublicMinutesDecision(
                reference=d["reference"],
                title=d["title"],
                item=(d.get("item") or {}).get("number"),
                outcome_label=d["outcome_label"],
                resolution=d.get("resolution") or "",
                reasons=d.get("reasons") or "",
                alternatives=d.get("alternatives") or "",
                exempt=bool(d.get("exempt")),
            )
            for d in published
        ),
        actions=tuple(
            PublicMinutesAction(
                item=a.item.number if a.item else None,
                description=(
                    "An action on exempt business"
                    if a.item is not None and a.item.exempt
                    else a.description
                ),
                owner=a.owner.name,
                due=a.due,
                done=a.done,
            )
            for a in m.actions.select_related("item", "owner").order_by("due", "id")
        ),
    )


# Feeds and downloads --------------------------------------------------------------------------


def feed_meetings(now: datetime, b: Body | None = None) -> QuerySet[Meeting]:
    """Meetings for an iCalendar feed: from a year ago onwards."""
    found = Meeting.objects.filter(starts__gte=now - FEED_FROM)
    if b is not None:
        found = found.filter(body=b)
    return found.select_related("body__system").order_by("starts", "id")


MEETING_FIELDS = ("id", "system", "body_code", "body_name", "starts", "venue", "status", "url")


def meeting_records(absolute: Any) -> Iterator[dict[str, Any]]:
    """Every meeting as a download's row, read a chunk at a time. `absolute` makes a path a
    full address."""
    rows = Meeting.objects.select_related("body__system").order_by("starts", "id")
    for m in rows.iterator(chunk_size=2000):
        yield {
            "id": m.pk,
            "system": m.body.system.slug,
            "body_code": m.body.code,
            "body_name": m.body.name,
            "starts": timezone.localtime(m.starts).isoformat(),
            "venue": m.venue,
            "status": m.status,
            "url": absolute(reverse("public-meeting", args=[m.pk])),
        }


AGENDA_FIELDS = (
    "meeting_id",
    "number",
    "title",
    "kind",
    "presenter",
    "exempt",
    "exemption",
    "public_interest",
    "summary",
    "withdrawn",
)


def agenda_records(now: datetime) -> Iterator[dict[str, Any]]:
    """Every item of every public agenda; exempt and withdrawn items by their title only."""
    items = (
        AgendaItem.objects.filter(agenda_public_q(now, "meeting__"))
        .only(
            "meeting_id",
            "number",
            "title",
            "kind",
            "presenter",
            "summary",
            "exempt",
            "exemption_paragraph",
            "exemption_reason",
            "public_interest",
            "withdrawn",
        )
        .order_by("meeting_id", "number")
    )
    for i in items.iterator(chunk_size=2000):
        shown = not (i.exempt or i.withdrawn)
        yield {
            "meeting_id": i.meeting_id,
            "number": i.number,
            "title": i.title,
            "kind": i.kind if shown else "",
            "presenter": i.presenter if shown else "",
            "exempt": i.exempt,
            "exemption": exemption(i) if i.exempt else "",
            "public_interest": i.public_interest if i.exempt else "",
            "summary": i.summary if shown else "",
            "withdrawn": i.withdrawn,
        }
