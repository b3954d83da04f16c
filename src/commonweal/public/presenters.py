"""What the public may read, field by field: the allow-list.

Every public page and public response is built from these dataclasses and nothing else;
`PUBLISHED` names, for each model, the fields they are made from. A field that is not listed
here is never published: the public crawl test plants a marker in every unlisted text field
and fails if one appears on a public page. To publish something new, add it here, on purpose.
"""

from dataclasses import dataclass
from datetime import date

from commonweal.core.models import Organisation, in_force
from commonweal.registry import presenters as registry
from commonweal.registry.models import Area, AreaPopulation, AreaPractice, System
from commonweal.registry.structure import structure_on

# model label -> the fields of it that public pages show.
PUBLISHED: dict[str, tuple[str, ...]] = {
    # A practice's commissioner is ODS's public record, and shows a practice commissioned from
    # outside the area.
    "core.Organisation": ("code", "name", "kind", "commissioner", "part_of", "opened", "closed"),
    # The population guidance's sources are cited in the structure findings the public reads.
    "registry.System": ("slug", "name", "description", "sources", "as_at", "guidance"),
    "registry.Area": ("code", "name", "level", "ons_code", "description", "parent", "ends"),
    "registry.AreaPopulation": ("on", "population", "source"),
    "registry.AreaResponsibility": ("organisation", "role", "starts", "ends"),
    "registry.AreaPractice": ("practice", "starts", "ends"),
    "governance.Body": ("system", "code", "name", "kind", "purpose", "owners", "parent", "ends"),
    "meetings.Meeting": ("body", "starts", "venue", "status", "published"),
    # An exempt or withdrawn item publishes its title (and exemption) only: public/meetings.py.
    "meetings.AgendaItem": (
        "meeting",
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
    ),
    "meetings.Paper": ("item", "title"),
    "meetings.PaperVersion": ("paper", "number", "file", "filename", "kind", "size"),
    "decisions.Minutes": ("meeting", "text", "status", "approved_at", "approved_on", "corrects"),
    # The registers (public/registers.py): a withheld interest publishes only its person.
    "core.Person": ("name",),
    "governance.Post": ("organisation", "code", "title", "system_role", "ends"),
    "governance.PostHolding": ("post", "person", "starts", "ends", "acting"),
    "governance.BodyMembership": ("body", "post", "kind", "starts", "ends"),
    "interests.Interest": (
        "person",
        "organisation",
        "kind",
        "pecuniary",
        "description",
        "counterparty",
        "starts",
        "ends",
        "action",
        "withheld",
        "declared_on",
    ),
    "interests.Offer": (
        "person",
        "organisation",
        "kind",
        "description",
        "offered_by",
        "value",
        "on",
        "decision",
        "reason",
        "declared",
    ),
    "meetings.ForwardPlanItem": (
        "organisation",
        "reference",
        "title",
        "summary",
        "kind",
        "body",
        "decider",
        "due",
        "first_due",
        "decision_sought",
        "key_decision",
        "key_exception_kind",
        "key_exception",
        "scrutiny_chair",
        "scrutiny_chair_on",
        "private_paragraph",
        "private_reason",
        "status",
        "created",
    ),
    # A decision's public form (public/decisions.py): on exempt business, its title, deciders
    # and authority only. Its parts, deciders and events as the decision page shows them.
    # Proposals (issue 18) are published once they reach a state their workflow makes public:
    # what they are, where they stand and their route; not money, risks, documents or notes.
    "proposals.Proposal": (
        "system",
        "number",
        "title",
        "summary",
        "service",
        "care_group",
        "programme",
        "footprint",
        "population",
        "lead",
        "sponsors",
        "workflow",
        "state",
        "stage",
        "public",
        "decision_type",
    ),
    "proposals.Programme": ("system", "code", "name", "remit", "workflow", "position"),
    # Workflows are the platform's published documents.
    "proposals.Workflow": ("code", "version", "name", "source", "document", "compiled"),
    "proposals.Setup": ("system", "workflow"),
    "proposals.Passage": ("proposal", "transition", "name", "source", "target", "evidence", "at"),
    "proposals.Approval": ("proposal", "transition", "decision_type", "on", "route", "steps"),
    "decisions.Decision": (
        "system",
        "outcome",
        "basis",
        "meeting",
        "item",
        "body",
        "title",
        "decision_type",
        "on",
        "resolution",
        "reasons",
        "alternatives",
        "risks",
        "project",
        "footprint",
        "key_decision",
        "call_in_until",
        "corrects",
        "change",
        "urgency",
        "consulted",
        "valid",
        "binds",
        "checks",
        "recorded",
    ),
    "decisions.DecisionPart": (
        "decision",
        "organisation",
        "amount",
        "body",
        "consent",
        "votes_for",
        "votes_against",
        "abstentions",
        "casting_vote",
    ),
    "decisions.PartDecider": ("part", "person", "post"),
    "decisions.DecisionEvent": (
        "decision",
        "kind",
        "on",
        "meeting",
        "by",
        "outcome",
        "note",
        "recorded",
    ),
    "governance.Scheme": ("organisation", "version", "title", "in_force_from", "in_force_to"),
    # The register as published, the chain and its anchors: public by design.
    "public.Entry": ("seq", "kind", "key", "version", "payload", "prev", "hash", "published"),
    "public.Anchor": ("seq", "head", "at", "entries"),
    "public.RegisterDecision": (
        "reference",
        "title",
        "on",
        "basis",
        "outcome",
        "decision_type",
        "key_decision",
        "organisations",
        "places",
        "amount",
        "exempt",
        "text",
        "payload",
    ),
    # Finance (public/finance.py): the system position and sums by organisation only, never a
    # cost centre's name or a ledger entry's note.
    "finance.FinancialYear": ("system", "start", "closed_through"),
    "finance.Entry": ("line", "year", "month", "kind", "amount", "as_at"),
    "finance.BudgetLine": ("system", "organisation", "nature"),
    "finance.Plan": ("year", "organisation", "agreed_on", "position"),
}


@dataclass(frozen=True)
class PublicOrganisation:
    code: str
    name: str
    kind_label: str

    @classmethod
    def of(cls, org: Organisation) -> "PublicOrganisation":
        return cls(org.code, org.name, org.get_kind_display())


@dataclass(frozen=True)
class PublicFinding:
    rule: str
    severity: str
    subject: str
    explanation: str


@dataclass(frozen=True)
class PublicAreaRow:
    code: str
    name: str
    level: str
    parent: str | None
    parent_name: str | None
    ons_code: str
    population: int | None
    population_on: date | None
    practices: int
    children: tuple["PublicAreaRow", ...] = ()

    @classmethod
    def of(cls, row: registry.AreaRow) -> "PublicAreaRow":
        return cls(
            row.code,
            row.name,
            row.level,
            row.parent,
            row.parent_name,
            row.ons_code,
            row.population,
            row.population_on,
            row.practices,
            tuple(cls.of(c) for c in row.children),
        )


@dataclass(frozen=True)
class PublicSystemRef:
    slug: str
    name: str

    @classmethod
    def of(cls, s: System) -> "PublicSystemRef":
        return cls(s.slug, s.name)


@dataclass(frozen=True)
class PublicSystem:
    slug: str
    name: str
    description: str
    sources: tuple[str, ...]
    on: date
    levels: tuple[tuple[str, int], ...]
    practices: int
    counts: dict[str, int]
    findings: tuple[PublicFinding, ...]


@dataclass(frozen=True)
class PublicPopulation:
    on: date
    population: int
    source: str


@dataclass(frozen=True)
class PublicResponsibility:
    organisation: PublicOrganisation
    role_label: str
    starts: date | None
    ends: date | None


@dataclass(frozen=True)
class PublicPractice:
    organisation: PublicOrganisation
    commissioner: str | None


@dataclass(frozen=True)
class PublicArea:
    row: PublicAreaRow
    description: str
    ends: date | None
    children: tuple[PublicAreaRow, ...]
    populations: tuple[PublicPopulation, ...]
    responsible: tuple[PublicResponsibility, ...]
    member_practices: tuple[PublicPractice, ...]
    findings: tuple[PublicFinding, ...]


def _findings(report_findings: list) -> tuple[PublicFinding, ...]:  # type: ignore[type-arg]
    return tuple(
        PublicFinding(f.rule, f.severity.value, f.subject, f.explanation) for f in report_findings
    )


def systems() -> list[tuple[str, str]]:
    return list(System.objects.order_by("name").values_list("slug", "name"))


def system(s: System, on: date | None = None) -> PublicSystem:
    report = structure_on(s, on)
    return PublicSystem(
        slug=s.slug,
        name=s.name,
        description=s.description,
        sources=tuple(s.sources),
        on=report.on,
        levels=registry.level_counts(s, report.on),
        practices=len(report.practices),
        counts=report.counts(),
        findings=_findings(report.findings),
    )


def area_rows(s: System, on: date) -> list[PublicAreaRow]:
    return [PublicAreaRow.of(r) for r in registry.area_rows(s, on)]


def area_tree(s: System, on: date) -> list[PublicAreaRow]:
    return [PublicAreaRow.of(r) for r in registry.area_tree(s, on)]


def area(a: Area, on: date | None = None) -> PublicArea:
    report = structure_on(a.system, on)
    on = report.on
    rows = {r.code: r for r in registry.area_rows(a.system, on)}
    row = rows.get(a.code) or registry.area_view(a, on).row
    practices = [
        m.practice
        for m in AreaPractice.objects.filter(area=a)
        .filter(in_force(on))
        .select_related("practice__commissioner")
        .order_by("practice__name")
    ]
    codes = {p.code for p in practices}
    return PublicArea(
        row=PublicAreaRow.of(row),
        description=a.description,
        ends=a.ends,
        children=tuple(PublicAreaRow.of(r) for r in rows.values() if r.parent == a.code),
        populations=tuple(
            PublicPopulation(p.on, p.population, p.source)
            for p in AreaPopulation.objects.filter(area=a).order_by("-on")
        ),
        responsible=tuple(
            PublicResponsibility(
                PublicOrganisation.of(r.organisation), r.get_role_display(), r.starts, r.ends
            )
            for r in a.responsibilities.select_related("organisation").order_by(
                "role", "organisation__name"
            )
        ),
        member_practices=tuple(
            PublicPractice(
                PublicOrganisation.of(p), p.commissioner.name if p.commissioner else None
            )
            for p in practices
        ),
        findings=_findings(
            [
                f
                for f in report.findings
                if f.subject == a.code or a.code in f.related or f.subject in codes
            ]
        ),
    )


def find_area(s: System, code: str) -> Area | None:
    """An area of the system by code (one that has ended is shown as ended)."""
    return Area.objects.filter(system=s, code=code).select_related("parent", "system").first()
