"""What a pack shows, as plain data built from the meeting presenters: the meeting, and for each
item its cover sheet (title, purpose, decision sought, author, route, declarations) and papers.

The content is per edition, never per reader: the public pack as the public sees the meeting,
the members' pack as its body does, less the items it withholds. Its digest is the pack's
fingerprint, so a pack is built again exactly when something it shows has changed.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone

from commonweal.core.actions import Actor
from commonweal.core.formatting import long_date
from commonweal.meetings.actions import local_day
from commonweal.meetings.models import AgendaItem, Meeting, Paper
from commonweal.meetings.presenters import (
    DeclarationRow,
    declaration_row,
    exemption_text,
    paper_row,
    plan_view,
)

from .models import Edition

# Changed whenever the pack's templates or assembly change what a pack looks like, so packs
# built before are built again.
LAYOUT = "2"


@dataclass(frozen=True)
class PackPaper:
    version: int
    title: str
    kind: str  # pdf (inline), docx or xlsx (listed with a link)
    filename: str
    pages: int
    size_label: str
    sha256: str
    link: str

    @property
    def inline(self) -> bool:
        return self.kind == "pdf"


@dataclass(frozen=True)
class PackItem:
    id: int
    number: int
    title: str
    purpose: str
    summary: str
    decision_sought: str
    author: str
    presenter: str
    plan_reference: str
    route: dict[str, Any] | None
    route_problem: str
    declarations: tuple[DeclarationRow, ...]
    exempt: bool
    exemption: str
    public_interest: str
    withheld: bool  # its report and papers are not in this pack
    late: bool
    urgency_reason: str
    withdrawn: bool
    papers: tuple[PackPaper, ...]

    @property
    def inline(self) -> tuple[PackPaper, ...]:
        return tuple(p for p in self.papers if p.inline)

    @property
    def listed(self) -> tuple[PackPaper, ...]:
        return tuple(p for p in self.papers if not p.inline)

    @property
    def has_sheet(self) -> bool:
        return not self.withdrawn


@dataclass(frozen=True)
class PackContent:
    meeting: int
    edition: str
    edition_label: str
    body: str
    system: str
    name: str
    day: date
    starts: str  # "10:00"
    venue: str
    status_label: str
    published: date | None
    withheld: tuple[int, ...]
    items: tuple[PackItem, ...]

    @property
    def fingerprint(self) -> str:
        raw = json.dumps([LAYOUT, asdict(self)], sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def withheld_key(self) -> str:
        return ",".join(str(i) for i in self.withheld)

    @property
    def title(self) -> str:
        return f"{self.edition_label}: {self.body}, {long_date(self.day)}"

    @property
    def sheets(self) -> tuple[PackItem, ...]:
        return tuple(i for i in self.items if i.has_sheet)


def edition_reader(edition: str) -> Actor:
    """Whom the content is shaped for: the public sees what an anonymous visitor sees; the
    members' pack what the body sees (items it withholds are then left out by id)."""
    if edition == Edition.PUBLIC:
        return Actor(label="the public")
    return Actor(label="the body's members", internal=True)


def withheld_for(meeting: Meeting, edition: str, conflicts: Iterable[int] = ()) -> tuple[int, ...]:
    """The items a pack leaves out: every exempt item from the public; from a member, the
    exempt items they declared a conflict on (NHS England's guidance on conflicts)."""
    exempt = set(meeting.items.filter(exempt=True).values_list("pk", flat=True))
    if edition == Edition.PUBLIC:
        return tuple(sorted(exempt))
    return tuple(sorted(exempt & set(conflicts)))


def content(
    meeting: Meeting, edition: str, withheld: tuple[int, ...], site: str, today: date
) -> PackContent:
    """The pack's content for an edition. `site` makes links to papers full addresses."""
    reader = edition_reader(edition)
    public = edition == Edition.PUBLIC
    items = list(
        meeting.items.select_related(
            "plan_item__organisation", "plan_item__system", "plan_item__footprint"
        )
        .prefetch_related(
            Prefetch("papers", Paper.objects.prefetch_related("versions")),
            "declarations__person",
            "declarations__ruled_by",
            "declarations__dispensation",
            "declarations__items",
        )
        .order_by("number")
    )
    exempt_ids = {i.pk for i in items if i.exempt}
    rows = []
    for item in items:
        hidden = item.pk in withheld
        rows.append(_item(item, hidden, public, exempt_ids, reader, site, today))
    return PackContent(
        meeting=meeting.pk,
        edition=edition,
        edition_label=Edition(edition).label,
        body=meeting.body.name,
        system=meeting.body.system.name,
        name=str(meeting),
        day=local_day(meeting.starts),
        starts=f"{timezone.localtime(meeting.starts):%H:%M}",
        venue=meeting.venue,
        status_label=meeting.get_status_display(),
        published=local_day(meeting.published) if meeting.published else None,
        withheld=withheld,
        items=tuple(rows),
    )


def _item(
    item: AgendaItem,
    hidden: bool,
    public: bool,
    exempt_ids: set[int],
    reader: Actor,
    site: str,
    today: date,
) -> PackItem:
    plan = item.plan_item
    view = plan_view(plan, today, reader) if plan is not None and not hidden else None
    papers: list[PackPaper] = []
    if not hidden and not item.withdrawn:
        for paper in item.papers.all():
            row = paper_row(paper)
            if row is None:
                continue
            v = row.current
            version = next(x for x in paper.versions.all() if x.pk == v.id)
            link = reverse("public-paper" if public else "paper", args=[v.id])
            papers.append(
                PackPaper(
                    version=v.id,
                    title=row.title,
                    kind=v.kind,
                    filename=v.filename,
                    pages=v.extent if v.kind == "pdf" else 0,
                    size_label=v.size_label,
                    sha256=version.sha256,
                    link=site.rstrip("/") + link,
                )
            )
    # On withheld business a declaration shows its kind and the ruling, not the interest.
    declarations = tuple(
        declaration_row(d, hide=all(i.pk in exempt_ids for i in d.items.all()) and public)
        for d in item.declarations.all()
    )
    return PackItem(
        id=item.pk,
        number=item.number,
        title=item.title,
        purpose=item.get_kind_display(),
        summary="" if hidden else (view.summary if view and not item.summary else item.summary),
        decision_sought="" if hidden or view is None else view.decision_sought,
        author=plan.author if plan is not None else item.presenter,
        presenter=item.presenter,
        plan_reference=plan.reference if plan is not None else "",
        route=view.route if view is not None else None,
        route_problem=view.route_problem if view is not None else "",
        declarations=declarations,
        exempt=item.exempt,
        exemption=exemption_text(item) if item.exempt else "",
        public_interest=item.public_interest if item.exempt else "",
        withheld=hidden,
        late=item.late,
        urgency_reason=item.urgency_reason,
        withdrawn=item.withdrawn,
        papers=tuple(papers),
    )
