"""A decision's public form: what the register publishes of it, field by field.

The public form is computed once, when the decision is published, and stored (canonical JSON)
in the chain and the register; pages, downloads, feeds and the API read it from there. Exempt
business keeps its title and the exemption; its resolution, reasons, alternatives, risks and
money are withheld (they are in the exempt minutes, for the body's members).
"""

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet

from commonweal.decisions.models import (
    Basis,
    Change,
    Decision,
    DecisionEvent,
    DecisionPart,
    Outcome,
)
from commonweal.governance.models import Scheme
from commonweal.meetings.presenters import exemption_text
from commonweal.registry.models import Area


@dataclass(frozen=True)
class Authority:
    status: str
    clause: str
    sentence: str
    scheme: str
    scheme_version: str


@dataclass(frozen=True)
class Decider:
    name: str
    post: str


@dataclass(frozen=True)
class Part:
    organisation: str
    organisation_name: str
    amount: int | None
    body: str | None
    consent: bool
    bound: bool
    votes: dict[str, Any] | None
    deciders: tuple[Decider, ...]
    authority: tuple[Authority, ...]


@dataclass(frozen=True)
class PublicDecision:
    reference: str
    system: str
    system_name: str
    title: str
    outcome: str
    outcome_label: str
    basis: str
    basis_label: str
    on: str
    decision_type: str
    key_decision: bool | None
    body: dict[str, str] | None
    meeting: dict[str, Any] | None
    item: dict[str, Any] | None
    exempt: bool
    exemption: str
    resolution: str | None
    reasons: str | None
    alternatives: str | None
    risks: str | None
    urgency: str
    consulted: tuple[dict[str, str], ...]
    call_in_until: str | None
    corrects: dict[str, str] | None
    footprint: dict[str, str] | None
    project: str
    valid: bool
    amount: int | None
    parts: tuple[Part, ...]
    recorded: str

    def as_data(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PublicEvent:
    """Ratification, call-in and its outcome, implementation."""

    decision: str
    kind: str
    kind_label: str
    on: str
    meeting: dict[str, Any] | None
    by: str
    outcome: str
    outcome_label: str
    note: str
    recorded: str


def with_decisions(rows: Any) -> Any:
    """The queries a batch of decisions' public forms need, in a fixed number of queries."""
    return rows.select_related(
        "system", "body", "meeting", "item", "footprint", "corrects"
    ).prefetch_related(
        Prefetch(
            "parts",
            DecisionPart.objects.select_related("organisation", "body").prefetch_related(
                "deciders__person", "deciders__post"
            ),
        )
    )


class Schemes:
    """Scheme versions by organisation, read once, to name the version a clause is from."""

    def __init__(self, organisations: Iterable[int]) -> None:
        self.by_org: dict[int, list[Scheme]] = {}
        for s in Scheme.objects.filter(organisation__in=set(organisations)).only(
            "id", "organisation_id", "version", "title", "in_force_from", "in_force_to"
        ):
            self.by_org.setdefault(s.organisation_id, []).append(s)

    def on(self, organisation: int, day: date) -> Scheme | None:
        found = [
            s
            for s in self.by_org.get(organisation, [])
            if s.in_force_from <= day and (s.in_force_to is None or s.in_force_to >= day)
        ]
        return max(found, key=lambda s: (s.in_force_from, s.id), default=None)


class Places:
    """Each area's code with its ancestors' codes: a place filter finds decisions whose
    footprint is the place or lies within it."""

    def __init__(self, systems: Iterable[int]) -> None:
        rows = Area.objects.filter(system__in=set(systems)).values_list("id", "code", "parent_id")
        self.areas = {pk: (code, parent) for pk, code, parent in rows}

    def path(self, area: int | None) -> list[str]:
        out: list[str] = []
        while area is not None and area in self.areas and len(out) < 20:
            code, area = self.areas[area]
            out.append(code)
        return out


def _votes(p: DecisionPart) -> dict[str, Any] | None:
    if p.votes_for is None:
        return None
    return {
        "for": p.votes_for,
        "against": p.votes_against or 0,
        "abstain": p.abstentions or 0,
        "casting": p.casting_vote,
    }


def public_decision(d: Decision, schemes: Schemes) -> PublicDecision:
    exempt = bool(d.item is not None and d.item.exempt)
    parts = list(d.parts.all())
    day = d.on
    by_org: dict[str, list[dict[str, str]]] = {}
    for c in d.checks:
        by_org.setdefault(c.get("organisation", ""), []).append(c)

    def authority(p: DecisionPart) -> tuple[Authority, ...]:
        scheme = schemes.on(p.organisation_id, day)
        return tuple(
            Authority(
                status=c.get("status", ""),
                clause=c.get("clause", ""),
                sentence=c.get("sentence", ""),
                scheme=(scheme.title or "Scheme of delegation")
                if scheme and c.get("clause")
                else "",
                scheme_version=scheme.version if scheme and c.get("clause") else "",
            )
            for c in by_org.get(p.organisation.code, [])
        )

    return PublicDecision(
        reference=d.reference,
        system=d.system.slug,
        system_name=d.system.name,
        title=d.title,
        outcome=d.outcome,
        outcome_label=Outcome(d.outcome).label,
        basis=d.basis,
        basis_label=Basis(d.basis).label,
        on=d.on.isoformat(),
        decision_type=d.decision_type,
        key_decision=d.key_decision,
        body={"code": d.body.code, "name": d.body.name, "slug": d.system.slug} if d.body else None,
        meeting={"id": d.meeting.pk, "starts": d.meeting.starts.isoformat()} if d.meeting else None,
        item={"number": d.item.number, "title": d.item.title} if d.item else None,
        exempt=exempt,
        exemption=exemption_text(d.item) if exempt and d.item else "",
        resolution=None if exempt else d.resolution,
        reasons=None if exempt else d.reasons,
        alternatives=None if exempt else d.alternatives,
        risks=None if exempt else d.risks,
        urgency="" if exempt else d.urgency,
        consulted=tuple(
            {"name": c.get("name", ""), "post": c.get("post", ""), "role": c.get("role", "")}
            for c in d.consulted
        ),
        call_in_until=d.call_in_until.isoformat() if d.call_in_until else None,
        corrects={"reference": d.corrects.reference, "change": Change(d.change).label}
        if d.corrects
        else None,
        footprint={"code": d.footprint.code, "name": d.footprint.name} if d.footprint else None,
        project=d.project,
        valid=d.valid,
        amount=None if exempt else sum(p.amount for p in parts),
        parts=tuple(
            Part(
                organisation=p.organisation.code,
                organisation_name=p.organisation.name,
                amount=None if exempt else p.amount,
                body=p.body.name if p.body else None,
                consent=p.consent,
                bound=p.organisation.code in d.binds,
                votes=_votes(p),
                deciders=tuple(Decider(x.person.name, x.post.title) for x in p.deciders.all()),
                authority=authority(p),
            )
            for p in parts
        ),
        recorded=d.recorded.isoformat(),
    )


def public_decisions(rows: Sequence[Decision]) -> list[PublicDecision]:
    schemes = Schemes(p.organisation_id for d in rows for p in d.parts.all())
    return [public_decision(d, schemes) for d in rows]


def public_event(e: DecisionEvent) -> PublicEvent:
    return PublicEvent(
        decision=e.decision.reference,
        kind=e.kind,
        kind_label=DecisionEvent.Kind(e.kind).label,
        on=e.on.isoformat(),
        meeting={"id": e.meeting.pk, "name": str(e.meeting)} if e.meeting else None,
        by=e.by,
        outcome=e.outcome,
        outcome_label=DecisionEvent.CallInOutcome(e.outcome).label if e.outcome else "",
        note="" if e.decision.item is not None and e.decision.item.exempt else e.note,
        recorded=e.recorded.isoformat(),
    )


def search_text(p: PublicDecision) -> str:
    """The public words a search reads: never anything the public form withholds."""
    words = [p.reference, p.title, p.resolution or "", p.reasons or "", p.alternatives or ""]
    words += [p.decision_type.replace("_", " "), p.project]
    words += [x.organisation_name for x in p.parts]
    words += [p.body["name"] if p.body else "", p.footprint["name"] if p.footprint else ""]
    return "\n".join(w for w in words if w)


# The register's pages -------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicPaper:
    title: str
    version: int  # PaperVersion pk, for the download link
    kind: str
    size: int


@dataclass(frozen=True)
class DecisionPage:
    decision: dict[str, Any]  # the published form, as published
    events: tuple[PublicEvent, ...]
    papers: tuple[PublicPaper, ...]
    changed_by: tuple[tuple[str, str], ...]  # (reference, "Corrects" / "Rescinds")
    minutes: bool  # the meeting has approved minutes


def decision_page(published: dict[str, Any], decision_id: int) -> DecisionPage:
    from commonweal.meetings.models import PaperVersion

    d = Decision.objects.select_related("item", "meeting").get(pk=decision_id)
    papers: list[PublicPaper] = []
    if d.item is not None and not d.item.exempt:
        latest: dict[int, PaperVersion] = {}
        for v in PaperVersion.objects.filter(paper__item=d.item).select_related("paper"):
            if v.paper_id not in latest or latest[v.paper_id].number < v.number:
                latest[v.paper_id] = v
        papers = [PublicPaper(v.paper.title, v.pk, v.kind, v.size) for v in latest.values()]
    events = d.events.select_related("decision__item", "meeting__body")
    return DecisionPage(
        decision=published,
        events=tuple(public_event(e) for e in events),
        papers=tuple(papers),
        changed_by=tuple(
            (c.reference, Change(c.change).label if c.change else "Changes")
            for c in d.changed_by.order_by("id")
        ),
        minutes=d.meeting is not None and d.meeting.minutes.filter(status="approved").exists(),
    )


class Published:
    """A page of the decisions register, read in two steps: the page's ids (an index-only scan
    past the offset, however deep the page), then their published forms. The count is kept in
    the cache until the register next changes (the newest anchor), since counting a filtered
    register of 100,000 decisions on every page would cost more than the page."""

    def __init__(self, rows: QuerySet[Any], key: str) -> None:
        self.rows = rows
        self.key = key

    def count(self) -> int:
        from django.core.cache import cache

        from commonweal.public.models import Anchor

        head = Anchor.objects.order_by("-seq").values_list("head", flat=True).first()
        if head is None:
            return self.rows.count()
        key = "register-count:" + hashlib.sha256(f"{head}:{self.key}".encode()).hexdigest()
        found = cache.get(key)
        if found is None:
            found = self.rows.count()
            cache.set(key, found, 3600)
        return int(found)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[str]:
        from commonweal.public.models import RegisterDecision

        ids = list(self.rows.values_list("id", flat=True)[page])
        payloads = dict(RegisterDecision.objects.filter(id__in=ids).values_list("id", "payload"))
        return [payloads[i] for i in ids]
