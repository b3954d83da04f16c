"""The public register in Open Civic Data's terms: what the public API publishes, field by field.

Organisations and bodies are OCD organizations, posts are posts, post holdings and body seats are
memberships, meetings are events with their agendas, and published decisions are vote events.
Every response is built from these frozen dataclasses (they are also the API's schemas), never
from a model: a field not named here is never published. Decisions are read from the register
as published (`RegisterDecision.payload`), so the API says exactly what the register page says.

Ids: an organisation by its ODS or ONS code; a body "<system slug>/<body code>"; a post
"<organisation code>/<post code>"; an event by its meeting's id; a vote event by its decision's
reference ("D00012"). Amounts are in pence.
"""

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from commonweal.core.errors import BadRequest
from commonweal.core.models import Organisation, OrganisationKind, in_force
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding
from commonweal.meetings.models import AgendaItem, Meeting, Paper, PaperVersion
from commonweal.meetings.views import CONTENT_TYPES
from commonweal.public import meetings as public_meetings
from commonweal.public.decisions import Published
from commonweal.public.models import RegisterDecision
from commonweal.public.views_decisions import search
from commonweal.registry.models import AreaResponsibility, System

# Makes a site path absolute (the request's own scheme and host).
Absolute = Callable[[str], str]

COMMITTEE = "committee"
CLASSIFICATIONS = (*OrganisationKind.values, COMMITTEE)
# OCD's event statuses; a meeting that has been held has "passed".
EVENT_STATUS = {
    Meeting.Status.TENTATIVE: "tentative",
    Meeting.Status.CONFIRMED: "confirmed",
    Meeting.Status.CANCELLED: "cancelled",
    Meeting.Status.HELD: "passed",
}
EventStatus = Literal["tentative", "confirmed", "cancelled", "passed"]


@dataclass(frozen=True)
class OcdSource:
    url: str
    note: str = ""


@dataclass(frozen=True)
class OcdIdentifier:
    scheme: str  # ODS, ONS
    identifier: str


@dataclass(frozen=True)
class OcdOrganization:
    id: str
    name: str
    classification: str
    # A body's parent body, or its one owning organisation (a joint committee has none: see
    # owner_ids); an organisation's place in the NHS hierarchy (a CCG's STP, say).
    parent_id: str | None
    owner_ids: tuple[str, ...]
    founding_date: date | None
    dissolution_date: date | None
    identifiers: tuple[OcdIdentifier, ...]
    sources: tuple[OcdSource, ...]


@dataclass(frozen=True)
class OcdPost:
    id: str
    label: str
    role: str
    organization_id: str
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class OcdMembership:
    id: str
    # Who holds a post (post holders are office holders: their names are public); null for a
    # post's seat on a body, which is the post's whoever holds it.
    person_name: str | None
    organization_id: str
    post_id: str
    # The organisation a post sits on a body for.
    on_behalf_of: str | None
    label: str
    role: str  # holder, acting holder; member, attendee, invited
    start_date: date | None
    end_date: date | None


@dataclass(frozen=True)
class OcdLocation:
    name: str


@dataclass(frozen=True)
class OcdParticipant:
    entity_type: str
    entity_id: str
    entity_name: str
    note: str = ""


@dataclass(frozen=True)
class OcdMediaLink:
    media_type: str
    url: str


@dataclass(frozen=True)
class OcdMedia:
    note: str
    links: tuple[OcdMediaLink, ...]


@dataclass(frozen=True)
class OcdRelatedEntity:
    entity_type: str
    vote_event_id: str


@dataclass(frozen=True)
class OcdAgendaItem:
    order: str
    description: str
    classification: tuple[str, ...]
    # The item's summary; none for exempt or withdrawn business.
    notes: tuple[str, ...]
    withdrawn: bool
    exempt: bool
    # Why the item is taken in private: a council's paragraph of Schedule 12A to the Local
    # Government Act 1972, or an NHS body's reason; with the public interest test, if given.
    exemption: str
    public_interest: str
    media: tuple[OcdMedia, ...]
    related_entities: tuple[OcdRelatedEntity, ...]


@dataclass(frozen=True)
class OcdEvent:
    id: int
    name: str
    classification: str
    start_date: str  # ISO 8601 date and time, with its offset from UTC
    timezone: str
    status: EventStatus
    location: OcdLocation | None
    participants: tuple[OcdParticipant, ...]
    sources: tuple[OcdSource, ...]


@dataclass(frozen=True)
class OcdEventDetail(OcdEvent):
    # Empty until the agenda is published (or the meeting has been held).
    agenda_published: bool
    agenda: tuple[OcdAgendaItem, ...]


@dataclass(frozen=True)
class OcdVoteCount:
    option: str  # yes, no, abstain
    value: int


@dataclass(frozen=True)
class OcdVote:
    option: str
    voter_name: str
    on_behalf_of: str
    note: str  # the post they decided in


@dataclass(frozen=True)
class OcdAuthority:
    status: str
    clause: str
    sentence: str
    scheme: str
    scheme_version: str


@dataclass(frozen=True)
class OcdVotePart:
    """Each organisation's part of a decision (at a joint committee each stands alone)."""

    on_behalf_of: str
    organization: str
    amount: int | None  # pence; null when withheld
    consent: bool
    bound: bool
    authority: tuple[OcdAuthority, ...]


@dataclass(frozen=True)
class OcdAgendaRef:
    event_id: int | None
    order: str | None
    description: str | None


@dataclass(frozen=True)
class OcdConsulted:
    name: str
    post: str
    role: str


@dataclass(frozen=True)
class OcdCorrection:
    vote_event_id: str
    change: str


@dataclass(frozen=True)
class OcdArea:
    code: str
    name: str


@dataclass(frozen=True)
class OcdVoteEventExtras:
    """What the register says of a decision that Open Civic Data has no term for."""

    system: str
    basis: str
    basis_label: str
    outcome_label: str
    decision_type: str
    key_decision: bool | None
    exempt: bool
    exemption: str
    reasons: str | None  # null when withheld
    alternatives: str | None
    risks: str | None
    urgency: str
    consulted: tuple[OcdConsulted, ...]
    call_in_until: str | None
    corrects: OcdCorrection | None
    footprint: OcdArea | None
    project: str
    amount: int | None  # pence, every part's total; null when withheld
    recorded: str
    valid: bool  # within its deciders' authority when it was recorded


@dataclass(frozen=True)
class OcdVoteEvent:
    id: str
    identifier: str
    # The resolution; the title when the resolution is withheld (exempt business).
    motion_text: str
    motion_classification: tuple[str, ...]
    start_date: str
    result: Literal["pass", "fail"]
    organization_id: str
    organization: str
    agenda_item: OcdAgendaRef | None
    counts: tuple[OcdVoteCount, ...]
    votes: tuple[OcdVote, ...]
    parts: tuple[OcdVotePart, ...]
    sources: tuple[OcdSource, ...]
    extras: OcdVoteEventExtras


class Rows[T]:
    """A list the paginator counts and slices in the database, shaping only the page it asks
    for, in a fixed number of queries."""

    def __init__(self, rows: QuerySet[Any], shape: Callable[[list[Any]], list[T]]):
        self.rows, self.shape = rows, shape

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, page: slice) -> list[T]:
        return self.shape(list(self.rows[page]))


class Chain[T]:
    """Two lists paginated as one: the first's rows, then the second's."""

    def __init__(self, first: Rows[T], second: Rows[T]):
        self.first, self.second = first, second

    def count(self) -> int:
        self._first = self.first.count()
        return self._first + self.second.count()

    def __getitem__(self, page: slice) -> list[T]:
        split = self._first if hasattr(self, "_first") else self.first.count()
        start, stop = page.start or 0, page.stop
        out = self.first[start : min(stop, split)] if start < split else []
        if stop > split:
            out += self.second[max(start - split, 0) : stop - split]
        return out


def _url(absolute: Absolute, name: str, *args: Any) -> str:
    return absolute(reverse(name, args=args))


# Reading the parameters ---------------------------------------------------------------------


def parse_date(field: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest.at(
            field, "must be a real date written as YYYY-MM-DD, for example 2019-04-01"
        ) from None


def parse_bool(field: str, value: str | None) -> bool | None:
    if not value:
        return None
    said = value.strip().lower()
    if said in ("true", "yes", "1"):
        return True
    if said in ("false", "no", "0"):
        return False
    raise BadRequest.at(field, "must be true or false")


def parse_choice(field: str, value: str | None, choices: Sequence[str]) -> str | None:
    if not value:
        return None
    if value not in choices:
        raise BadRequest.at(field, f"must be one of {', '.join(choices)}")
    return value


def find_system(field: str, slug: str | None) -> System | None:
    if not slug:
        return None
    found = System.objects.filter(slug=slug[:100]).first()
    if found is None:
        raise BadRequest.at(field, f"there is no system '{slug[:100]}'")
    return found


def _body(ref: str) -> Body | None:
    slug, _, code = ref.partition("/")
    return Body.objects.select_related("system").filter(system__slug=slug, code=code).first()


def find_organisation(field: str, ref: str | None) -> Organisation | Body | None:
    """An organization_id: a body ("<system>/<code>") or an organisation (its code)."""
    if not ref:
        return None
    ref = ref[:200]
    found: Organisation | Body | None = (
        _body(ref) if "/" in ref else Organisation.objects.filter(code=ref).first()
    )
    if found is None:
        raise BadRequest.at(field, f"there is no organization or body '{ref}'")
    return found


def find_post(field: str, ref: str | None) -> Post | None:
    if not ref:
        return None
    org, _, code = ref[:200].partition("/")
    found = Post.objects.filter(organisation__code=org, code=code).first()
    if found is None:
        raise BadRequest.at(field, f"there is no post '{ref[:200]}'")
    return found


# Organizations --------------------------------------------------------------------------------


def body_id(b: Body) -> str:
    return f"{b.system.slug}/{b.code}"


def _organisation(o: Organisation) -> OcdOrganization:
    return OcdOrganization(
        id=o.code,
        name=o.name,
        classification=o.kind,
        parent_id=o.part_of.code if o.part_of else None,
        owner_ids=(),
        founding_date=o.opened,
        dissolution_date=o.closed,
        identifiers=(OcdIdentifier(o.code_system, o.code),),
        sources=(),
    )


def _bodies(absolute: Absolute) -> Callable[[list[Body]], list[OcdOrganization]]:
    def shape(rows: list[Body]) -> list[OcdOrganization]:
        out = []
        for b in rows:
            owners = tuple(sorted(o.code for o in b.owners.all()))
            parent = body_id(b.parent) if b.parent else (owners[0] if len(owners) == 1 else None)
            out.append(
                OcdOrganization(
                    id=body_id(b),
                    name=b.name,
                    classification=COMMITTEE,
                    parent_id=parent,
                    owner_ids=owners,
                    founding_date=None,
                    dissolution_date=b.ends,
                    identifiers=(),
                    sources=(OcdSource(_url(absolute, "public-body", b.system.slug, b.code)),),
                )
            )
        return out

    return shape


def _body_rows() -> QuerySet[Body]:
    return Body.objects.select_related("system", "parent__system").prefetch_related("owners")


def organizations(
    absolute: Absolute, system: System | None, classification: str | None
) -> Chain[OcdOrganization]:
    orgs = Organisation.objects.select_related("part_of").order_by("name", "code")
    bodies = _body_rows().order_by("system__slug", "name", "code")
    if system is not None:
        orgs = orgs.filter(
            Q(pk__in=system.bodies.values("owners"))
            | Q(pk__in=Post.objects.filter(system=system).values("organisation"))
            | Q(
                pk__in=AreaResponsibility.objects.filter(area__system=system).values("organisation")
            )
        )
        bodies = bodies.filter(system=system)
    if classification == COMMITTEE:
        orgs = orgs.none()
    elif classification:
        orgs, bodies = orgs.filter(kind=classification), bodies.none()
    return Chain(
        Rows(orgs, lambda rows: [_organisation(o) for o in rows]), Rows(bodies, _bodies(absolute))
    )


def organization(absolute: Absolute, ref: str) -> OcdOrganization | None:
    if "/" in ref:
        slug, _, code = ref.partition("/")
        found = _body_rows().filter(system__slug=slug, code=code).first()
        return _bodies(absolute)([found])[0] if found else None
    org = Organisation.objects.select_related("part_of").filter(code=ref).first()
    return _organisation(org) if org else None


# Posts and memberships ------------------------------------------------------------------------


def _post(p: Post) -> OcdPost:
    return OcdPost(
        id=p.ref,
        label=p.title,
        role=p.system_role,
        organization_id=p.organisation.code,
        start_date=None,
        end_date=p.ends,
    )


def posts(organisation: Organisation | Body | None) -> Rows[OcdPost]:
    rows = Post.objects.select_related("organisation").order_by("organisation__code", "code")
    if isinstance(organisation, Body):
        rows = rows.filter(pk__in=organisation.memberships.values("post"))
    elif organisation is not None:
        rows = rows.filter(organisation=organisation)
    return Rows(rows, lambda found: [_post(p) for p in found])


def _holding(h: PostHolding) -> OcdMembership:
    return OcdMembership(
        id=f"holding/{h.pk}",
        person_name=h.person.name,
        organization_id=h.post.organisation.code,
        post_id=h.post.ref,
        on_behalf_of=None,
        label=h.post.title,
        role="acting holder" if h.acting else "holder",
        start_date=h.starts,
        end_date=h.ends,
    )


def _seat(m: BodyMembership) -> OcdMembership:
    return OcdMembership(
        id=f"seat/{m.pk}",
        person_name=None,
        organization_id=body_id(m.body),
        post_id=m.post.ref,
        on_behalf_of=m.post.organisation.code,
        label=m.post.title,
        role=m.kind,
        start_date=m.starts,
        end_date=m.ends,
    )


def memberships(
    organisation: Organisation | Body | None, post: Post | None, on: date | None
) -> Chain[OcdMembership]:
    holdings = PostHolding.objects.select_related("person", "post__organisation").order_by(
        "post__organisation__code", "post__code", "-starts", "id"
    )
    seats = BodyMembership.objects.select_related("body__system", "post__organisation").order_by(
        "body__system__slug", "body__code", "kind", "post__organisation__code", "post__code", "id"
    )
    if isinstance(organisation, Body):
        holdings, seats = holdings.none(), seats.filter(body=organisation)
    elif organisation is not None:
        holdings, seats = holdings.filter(post__organisation=organisation), seats.none()
    if post is not None:
        holdings, seats = holdings.filter(post=post), seats.filter(post=post)
    if on is not None:
        holdings, seats = holdings.filter(in_force(on)), seats.filter(in_force(on))
    return Chain(
        Rows(holdings, lambda rows: [_holding(h) for h in rows]),
        Rows(seats, lambda rows: [_seat(m) for m in rows]),
    )


# Events ---------------------------------------------------------------------------------------


def _event_fields(absolute: Absolute, m: Meeting) -> dict[str, Any]:
    body = m.body
    return {
        "id": m.pk,
        "name": body.name,
        "classification": "committee-meeting",
        "start_date": timezone.localtime(m.starts).isoformat(),
        "timezone": str(timezone.get_current_timezone()),
        "status": EVENT_STATUS[Meeting.Status(m.status)],
        "location": OcdLocation(m.venue) if m.venue else None,
        "participants": (OcdParticipant("organization", body_id(body), body.name, "host"),),
        "sources": (OcdSource(_url(absolute, "public-meeting", m.pk)),),
    }


def events(
    absolute: Absolute,
    organisation: Organisation | Body | None,
    after: date | None,
    before: date | None,
    status: str | None,
) -> Rows[OcdEvent]:
    rows = Meeting.objects.select_related("body__system").order_by("-starts", "-id")
    if isinstance(organisation, Body):
        rows = rows.filter(body=organisation)
    elif organisation is not None:
        rows = rows.filter(body__owners=organisation)
    if after is not None:
        rows = rows.filter(starts__date__gte=after)
    if before is not None:
        rows = rows.filter(starts__date__lte=before)
    if status is not None:
        ours = {v: k for k, v in EVENT_STATUS.items()}
        rows = rows.filter(status=ours[status])
    return Rows(rows, lambda found: [OcdEvent(**_event_fields(absolute, m)) for m in found])


def _agenda_item(
    absolute: Absolute, item: AgendaItem, decisions: dict[int, list[str]]
) -> OcdAgendaItem:
    shown = not (item.exempt or item.withdrawn)
    media = []
    if shown:
        for paper in item.papers.all():
            latest = max(paper.versions.all(), key=lambda v: v.number, default=None)
            if latest is None:
                continue
            url = _url(absolute, "public-paper", latest.pk)
            media.append(
                OcdMedia(
                    paper.title,
                    (
                        OcdMediaLink(
                            CONTENT_TYPES.get(latest.kind, "application/octet-stream"), url
                        ),
                    ),
                )
            )
    return OcdAgendaItem(
        order=str(item.number),
        description=item.title,
        classification=(item.kind,),
        notes=(item.summary,) if shown and item.summary else (),
        withdrawn=item.withdrawn,
        exempt=item.exempt,
        exemption=public_meetings.exemption(item) if item.exempt else "",
        public_interest=item.public_interest if item.exempt else "",
        media=tuple(media),
        related_entities=tuple(
            OcdRelatedEntity("vote_event", ref) for ref in decisions.get(item.pk, [])
        ),
    )


def event(absolute: Absolute, ref: str) -> OcdEventDetail | None:
    if not ref.isascii() or not ref.isdigit() or len(ref) > 18:
        return None
    m = Meeting.objects.select_related("body__system").filter(pk=int(ref)).first()
    if m is None:
        return None
    agenda: tuple[OcdAgendaItem, ...] = ()
    public = public_meetings.agenda_public(m, timezone.now())
    if public:
        items = m.items.order_by("number").prefetch_related(
            Prefetch(
                "papers",
                Paper.objects.order_by("created", "id").prefetch_related(
                    Prefetch(
                        "versions", PaperVersion.objects.only("id", "paper_id", "number", "kind")
                    )
                ),
            )
        )
        decisions: dict[int, list[str]] = {}
        for item_id, reference in (
            RegisterDecision.objects.filter(decision__item__meeting=m)
            .order_by("on", "id")
            .values_list("decision__item_id", "reference")
        ):
            decisions.setdefault(item_id, []).append(reference)
        agenda = tuple(_agenda_item(absolute, i, decisions) for i in items)
    return OcdEventDetail(**_event_fields(absolute, m), agenda_published=public, agenda=agenda)


# Vote events -----------------------------------------------------------------------------------


def vote_event(absolute: Absolute, payload: dict[str, Any]) -> OcdVoteEvent:
    """A published decision (its register payload) as an OCD vote event."""
    parts = payload["parts"]
    body = payload.get("body")
    if body:
        organisation_id, organisation_name = f"{body['slug']}/{body['code']}", body["name"]
    elif parts:
        organisation_id, organisation_name = parts[0]["organisation"], parts[0]["organisation_name"]
    else:
        organisation_id, organisation_name = "", ""
    tally = {"yes": 0, "no": 0, "abstain": 0}
    voted = False
    for p in parts:
        if p.get("votes"):
            voted = True
            tally["yes"] += p["votes"]["for"]
            tally["no"] += p["votes"]["against"]
            tally["abstain"] += p["votes"]["abstain"]
    meeting, item = payload.get("meeting"), payload.get("item")
    reference = payload["reference"]
    corrects = payload.get("corrects")
    footprint = payload.get("footprint")
    return OcdVoteEvent(
        id=reference,
        identifier=reference,
        motion_text=payload["resolution"]
        if payload.get("resolution") is not None
        else payload["title"],
        motion_classification=(payload["outcome"],),
        start_date=payload["on"],
        # A recorded decision was taken; whether it was within authority is `extras.valid`.
        result="pass",
        organization_id=organisation_id,
        organization=organisation_name,
        agenda_item=OcdAgendaRef(
            meeting["id"] if meeting else None,
            str(item["number"]) if item else None,
            item["title"] if item else None,
        )
        if meeting or item
        else None,
        counts=tuple(OcdVoteCount(k, v) for k, v in tally.items()) if voted else (),
        # Who decided a part in their own right; a part the body voted on records only its
        # counts, not how each member voted.
        votes=tuple(
            OcdVote("yes", d["name"], p["organisation"], d["post"])
            for p in parts
            if not p.get("votes")
            for d in p["deciders"]
        ),
        parts=tuple(
            OcdVotePart(
                on_behalf_of=p["organisation"],
                organization=p["organisation_name"],
                amount=p["amount"],
                consent=p["consent"],
                bound=p["bound"],
                authority=tuple(OcdAuthority(**a) for a in p["authority"]),
            )
            for p in parts
        ),
        sources=(OcdSource(_url(absolute, "public-decision", reference)),),
        extras=OcdVoteEventExtras(
            system=payload["system"],
            basis=payload["basis"],
            basis_label=payload["basis_label"],
            outcome_label=payload["outcome_label"],
            decision_type=payload["decision_type"],
            key_decision=payload["key_decision"],
            exempt=payload["exempt"],
            exemption=payload["exemption"],
            reasons=payload["reasons"],
            alternatives=payload["alternatives"],
            risks=payload["risks"],
            urgency=payload["urgency"],
            consulted=tuple(OcdConsulted(**c) for c in payload["consulted"]),
            call_in_until=payload["call_in_until"],
            corrects=OcdCorrection(corrects["reference"], corrects["change"]) if corrects else None,
            footprint=OcdArea(footprint["code"], footprint["name"]) if footprint else None,
            project=payload["project"],
            amount=payload["amount"],
            recorded=payload["recorded"],
            valid=payload["valid"],
        ),
    )


def vote_events(
    absolute: Absolute,
    organisation: Organisation | Body | None,
    after: date | None,
    before: date | None,
    q: str | None,
    key_decision: bool | None,
) -> Rows[OcdVoteEvent]:
    rows = RegisterDecision.objects.order_by("-on", "-id")
    if isinstance(organisation, Body):
        rows = rows.filter(body=organisation)
    elif organisation is not None:
        rows = rows.filter(organisations__contains=f" {organisation.code} ")
    if after is not None:
        rows = rows.filter(on__gte=after)
    if before is not None:
        rows = rows.filter(on__lte=before)
    if key_decision is True:
        rows = rows.filter(key_decision=True)
    elif key_decision is False:
        rows = rows.exclude(key_decision=True)
    if q:
        rows = search(rows, q)
    key = f"api:{organisation and organisation.pk}:{type(organisation).__name__}:{after}:{before}:{q}:{key_decision}"
    return Rows(
        cast(Any, Published(rows, key)),
        lambda found: [vote_event(absolute, json.loads(payload)) for payload in found],
    )


def find_vote_event(absolute: Absolute, reference: str) -> OcdVoteEvent | None:
    found = RegisterDecision.objects.filter(reference=reference[:20]).only("payload").first()
    return vote_event(absolute, json.loads(found.payload)) if found else None
