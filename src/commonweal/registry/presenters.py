"""The registry as people read it: shaped once, for the pages and the API alike.

Each function takes models (and a date) and returns plain frozen dataclasses; templates and the
API's schemas read only these. Areas that had ended by the date are left out.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count

from commonweal.core.models import Organisation, in_force
from commonweal.registry.models import (
    Area,
    AreaPopulation,
    AreaPractice,
    NetworkMembership,
    System,
)
from commonweal.registry.rules import Level
from commonweal.registry.structure import StructureReport, populations_on, structure_on


@dataclass(frozen=True)
class OrganisationRef:
    code: str
    name: str
    kind: str
    kind_label: str

    @classmethod
    def of(cls, org: Organisation) -> "OrganisationRef":
        return cls(org.code, org.name, org.kind, org.get_kind_display())


@dataclass(frozen=True)
class AreaRow:
    """An area in a list or tree: its latest population and practices (own and within)."""

    code: str
    name: str
    level: str
    parent: str | None
    parent_name: str | None
    ons_code: str
    population: int | None
    population_on: date | None
    practices: int
    children: tuple["AreaRow", ...] = ()


@dataclass(frozen=True)
class PopulationRow:
    on: date
    population: int
    source: str


@dataclass(frozen=True)
class ResponsibilityRow:
    organisation: OrganisationRef
    role: str
    role_label: str
    starts: date | None
    ends: date | None


@dataclass(frozen=True)
class PracticeRow:
    organisation: OrganisationRef
    commissioner: str | None


@dataclass(frozen=True)
class AreaView:
    row: AreaRow
    description: str
    origin: str
    origin_label: str
    ends: date | None
    children: tuple[AreaRow, ...]
    populations: tuple[PopulationRow, ...]
    responsible: tuple[ResponsibilityRow, ...]
    member_practices: tuple[PracticeRow, ...]


@dataclass(frozen=True)
class SystemView:
    slug: str
    name: str
    description: str
    as_at: date | None
    sources: tuple[str, ...]
    document: str
    on: date
    levels: tuple[tuple[str, int], ...]
    report: StructureReport
    counts: dict[str, int] = field(default_factory=dict)


def areas_on(system: System, on: date) -> "list[Area]":
    """The system's areas on a date: those that had not ended by then."""
    return list(system.areas.filter(in_force(on, starts=None)).select_related("parent"))


def level_counts(system: System, on: date) -> tuple[tuple[str, int], ...]:
    counts = Counter(a.level for a in areas_on(system, on))
    return tuple((lv.value, counts[lv.value]) for lv in Level if counts[lv.value])


def area_rows(system: System, on: date) -> list[AreaRow]:
    """Every area with its latest population and its practice count (own and descendants'),
    widest level first."""
    areas = areas_on(system, on)
    population = populations_on([a.id for a in areas], on)
    own: dict[int, set[int]] = {}
    for area_id, practice_id in (
        AreaPractice.objects.filter(area__system=system)
        .filter(in_force(on))
        .values_list("area_id", "practice_id")
    ):
        own.setdefault(area_id, set()).add(practice_id)
    children: dict[int, list[int]] = {}
    for a in areas:
        if a.parent_id:
            children.setdefault(a.parent_id, []).append(a.id)

    def practices(area_id: int, seen: frozenset[int] = frozenset()) -> set[int]:
        out = set(own.get(area_id, ()))
        for child in children.get(area_id, ()):
            if child not in seen:
                out |= practices(child, seen | {area_id})
        return out

    order = {lv.value: lv.rank for lv in Level}
    areas.sort(key=lambda a: (order[a.level], a.name))
    return [
        AreaRow(
            code=a.code,
            name=a.name,
            level=a.level,
            parent=a.parent.code if a.parent else None,
            parent_name=a.parent.name if a.parent else None,
            ons_code=a.ons_code,
            population=population[a.id].population if a.id in population else None,
            population_on=population[a.id].on if a.id in population else None,
            practices=len(practices(a.id)),
        )
        for a in areas
    ]


def area_tree(system: System, on: date) -> list[AreaRow]:
    """Areas nested under their parents, widest level first; each row has its `children`."""
    rows = area_rows(system, on)
    kids: dict[str | None, list[AreaRow]] = {}
    codes = {r.code for r in rows}
    for r in rows:
        kids.setdefault(r.parent if r.parent in codes else None, []).append(r)

    def build(row: AreaRow, seen: frozenset[str]) -> AreaRow:
        nested = tuple(
            build(c, seen | {row.code}) for c in kids.get(row.code, []) if c.code not in seen
        )
        return AreaRow(**{**row.__dict__, "children": nested})

    return [build(r, frozenset()) for r in kids.get(None, [])]


def area_view(area: Area, on: date) -> AreaView:
    rows = area_rows(area.system, on)
    row = next((r for r in rows if r.code == area.code), None)
    if row is None:  # an area that had ended by the date: described as it was
        population = populations_on([area.id], on).get(area.id)
        row = AreaRow(
            area.code,
            area.name,
            area.level,
            area.parent.code if area.parent else None,
            area.parent.name if area.parent else None,
            area.ons_code,
            population.population if population else None,
            population.on if population else None,
            0,
        )
    members = (
        AreaPractice.objects.filter(area=area)
        .filter(in_force(on))
        .select_related("practice__commissioner")
        .order_by("practice__name")
    )
    return AreaView(
        row=row,
        description=area.description,
        origin=area.origin,
        origin_label=area.get_origin_display(),
        ends=area.ends,
        children=tuple(r for r in rows if r.parent == area.code),
        populations=tuple(
            PopulationRow(p.on, p.population, p.source)
            for p in AreaPopulation.objects.filter(area=area).order_by("-on")
        ),
        responsible=tuple(
            ResponsibilityRow(
                OrganisationRef.of(r.organisation), r.role, r.get_role_display(), r.starts, r.ends
            )
            for r in area.responsibilities.select_related("organisation").order_by(
                "role", "organisation__name"
            )
        ),
        member_practices=tuple(
            PracticeRow(
                OrganisationRef.of(m.practice),
                m.practice.commissioner.name if m.practice.commissioner else None,
            )
            for m in members
        ),
    )


def system_view(system: System, on: date | None = None) -> SystemView:
    report = structure_on(system, on)
    return SystemView(
        slug=system.slug,
        name=system.name,
        description=system.description,
        as_at=system.as_at,
        sources=tuple(system.sources),
        document=system.document,
        on=report.on,
        levels=level_counts(system, report.on),
        report=report,
        counts=report.counts(),
    )


@dataclass(frozen=True)
class SuccessionRow:
    organisation: OrganisationRef
    on: date
    kind: str


@dataclass(frozen=True)
class AreaLink:
    system: str
    system_name: str
    code: str
    name: str
    role_label: str = ""


@dataclass(frozen=True)
class MembershipRow:
    organisation: OrganisationRef
    starts: date | None
    ends: date | None


@dataclass(frozen=True)
class OrganisationView:
    ref: OrganisationRef
    opened: date | None
    closed: date | None
    postcode: str
    source: str
    code_system: str
    commissioner: OrganisationRef | None
    part_of: OrganisationRef | None
    predecessors: tuple[SuccessionRow, ...]
    successors: tuple[SuccessionRow, ...]
    networks: tuple[MembershipRow, ...]
    members: tuple[MembershipRow, ...]
    responsibilities: tuple[AreaLink, ...]
    areas: tuple[AreaLink, ...]
    commissioned: int


def organisation_view(org: Organisation) -> OrganisationView:
    def ref(o: Organisation | None) -> OrganisationRef | None:
        return OrganisationRef.of(o) if o is not None else None

    return OrganisationView(
        ref=OrganisationRef.of(org),
        opened=org.opened,
        closed=org.closed,
        postcode=org.postcode,
        source=org.source,
        code_system=org.code_system,
        commissioner=ref(org.commissioner),
        part_of=ref(org.part_of),
        predecessors=tuple(
            SuccessionRow(OrganisationRef.of(s.predecessor), s.on, s.kind)
            for s in org.successions_in.select_related("predecessor").order_by("on")
        ),
        successors=tuple(
            SuccessionRow(OrganisationRef.of(s.successor), s.on, s.kind)
            for s in org.successions_out.select_related("successor").order_by("on")
        ),
        networks=tuple(
            MembershipRow(OrganisationRef.of(m.network), m.starts, m.ends)
            for m in NetworkMembership.objects.filter(practice=org)
            .select_related("network")
            .order_by("-starts")
        ),
        members=tuple(
            MembershipRow(OrganisationRef.of(m.practice), m.starts, m.ends)
            for m in NetworkMembership.objects.filter(network=org)
            .select_related("practice")
            .order_by("practice__name")
        ),
        responsibilities=tuple(
            AreaLink(
                r.area.system.slug,
                r.area.system.name,
                r.area.code,
                r.area.name,
                r.get_role_display(),
            )
            for r in org.responsibilities.select_related("area__system").order_by(
                "area__system__name", "area__name"
            )
        ),
        areas=tuple(
            AreaLink(m.area.system.slug, m.area.system.name, m.area.code, m.area.name)
            for m in org.area_memberships.select_related("area__system").order_by(
                "area__system__name"
            )
        ),
        commissioned=org.commissioned.aggregate(n=Count("id"))["n"],
    )


# What capabilities above the registry say about an area on its page (a place's commissioning
# option, say): each source gives (template, context) or None. Registered in an app's `ready()`,
# so the registry never imports the capabilities above it.
AreaSection = Callable[[Area, date], tuple[str, dict[str, object]] | None]
AREA_SECTIONS: list[AreaSection] = []


def area_sections(area: Area, on: date) -> list[tuple[str, dict[str, object]]]:
    return [found for source in AREA_SECTIONS if (found := source(area, on)) is not None]
