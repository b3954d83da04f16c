"""Assemble a system's structure on a date from the database, and check it."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from commonweal.core.models import Organisation, OrganisationKind, in_force
from commonweal.registry.models import (
    AreaPopulation,
    AreaPractice,
    AreaResponsibility,
    Responsibility,
    System,
)
from commonweal.registry.rules import (
    DEFAULT_GUIDANCE,
    AreaFact,
    Finding,
    Level,
    PopulationRange,
    PracticeFact,
    check_structure,
)


def check_date(system: System, on: date | None = None) -> date:
    return on or system.as_at or date.today()


def guidance_for(system: System) -> dict[Level, PopulationRange]:
    guidance = dict(DEFAULT_GUIDANCE)
    for level, band in system.guidance.items():
        guidance[Level(level)] = PopulationRange(band["minimum"], band["maximum"], band["source"])
    return guidance


@dataclass
class StructureReport:
    system: System
    on: date
    areas: list[AreaFact]
    practices: list[PracticeFact]
    findings: list[Finding]

    def counts(self) -> dict[str, int]:
        out = {"error": 0, "warning": 0, "information": 0}
        for f in self.findings:
            out[f.severity.value] += 1
        return out


def populations_on(area_ids: list[int], on: date) -> dict[int, AreaPopulation]:
    """Each area's latest population on or before the date."""
    latest: dict[int, AreaPopulation] = {}
    for p in AreaPopulation.objects.filter(area_id__in=area_ids, on__lte=on).order_by("on"):
        latest[p.area_id] = p
    return latest


def structure_on(system: System, on: date | None = None) -> StructureReport:
    on = check_date(system, on)
    # Areas that had ended by the date are no longer part of the structure.
    areas = list(system.areas.filter(in_force(on, starts=None)))
    ids = [a.id for a in areas]
    code_of = {a.id: a.code for a in areas}
    population = populations_on(ids, on)

    members: dict[int, set[int]] = defaultdict(set)
    for area_id, practice_id in (
        AreaPractice.objects.filter(area_id__in=ids)
        .filter(in_force(on))
        .values_list("area_id", "practice_id")
    ):
        members[area_id].add(practice_id)

    commissioner_of: dict[int, int] = {}
    for area_id, org_id in (
        AreaResponsibility.objects.filter(area_id__in=ids, role=Responsibility.NHS_COMMISSIONER)
        .filter(in_force(on))
        .values_list("area_id", "organisation_id")
    ):
        commissioner_of.setdefault(area_id, org_id)

    # The system's practices: those its NHS commissioners commission, open on the date, and
    # any practice an area names.
    commissioners = set(commissioner_of.values())
    practice_ids = set().union(*members.values()) if members else set()
    practices = Organisation.objects.filter(kind=OrganisationKind.GP_PRACTICE).filter(
        in_force(on, "opened", "closed")
    )
    practice_rows = list(
        practices.filter(commissioner_id__in=commissioners).values(
            "id", "code", "name", "commissioner__code"
        )
    ) + list(
        Organisation.objects.filter(id__in=practice_ids).values(
            "id", "code", "name", "commissioner__code"
        )
    )
    practice_code = {row["id"]: row["code"] for row in practice_rows}
    org_code = dict(Organisation.objects.filter(id__in=commissioners).values_list("id", "code"))
    named = {row["commissioner__code"] for row in practice_rows} | set(org_code.values())
    names = dict(Organisation.objects.filter(code__in=named).values_list("code", "name"))

    area_facts = [
        AreaFact(
            code=a.code,
            name=a.name,
            level=Level(a.level),
            parent=code_of.get(a.parent_id) if a.parent_id else None,
            population=population[a.id].population if a.id in population else None,
            practices=frozenset(practice_code[p] for p in members.get(a.id, ())),
            commissioner=org_code.get(commissioner_of[a.id]) if a.id in commissioner_of else None,
        )
        for a in areas
    ]
    practice_facts = list(
        {
            row["code"]: PracticeFact(row["code"], row["name"], row["commissioner__code"])
            for row in practice_rows
        }.values()
    )
    return StructureReport(
        system,
        on,
        area_facts,
        practice_facts,
        check_structure(area_facts, practice_facts, guidance_for(system), names),
    )
