"""Changes to the registry. Views, commands and tests call these, never the ORM directly."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from commonweal.core.actions import Actor, action
from commonweal.core.documents import DocumentError, read_yaml, validate
from commonweal.registry import documents
from commonweal.registry.models import (
    Area,
    AreaPopulation,
    AreaPractice,
    AreaResponsibility,
    ListSize,
    NetworkMembership,
    Organisation,
    OrganisationKind,
    Responsibility,
    Succession,
    System,
    in_force,
)
from commonweal.registry.rules import Level

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def example_path(name: str) -> Path | None:
    path = EXAMPLES_DIR / f"{name}.yaml"
    return path if path.is_file() else None


def read_system_document(source: str | Path, text: str | None = None) -> documents.SystemDocument:
    """Parse and check a system document against the database; raise DocumentError if bad."""
    located = read_yaml(source, text)
    doc = validate(located, documents.SystemDocument)
    named = {o.code for o in doc.organisations} | _organisations(doc)
    known = dict(Organisation.objects.filter(code__in=named).values_list("code", "kind"))
    problems = documents.cross_check(located, doc, known)
    if problems:
        raise DocumentError(problems)
    return doc


def _snapshot(system: System | None) -> dict[str, Any] | None:
    """The document-described part of a system, for the audit trail's before and after."""
    if system is None:
        return None
    areas = {}
    for area in system.areas.filter(origin=Area.Origin.DOCUMENT).select_related("parent"):
        areas[area.code] = {
            "name": area.name,
            "level": area.level,
            "parent": area.parent.code if area.parent else None,
            "populations": sorted([str(p.on), p.population] for p in area.populations.all()),
            "responsible": sorted(
                [r.organisation.code, r.role]
                for r in area.responsibilities.select_related("organisation")
            ),
            "practices": sorted(
                m.practice.code for m in area.memberships.select_related("practice")
            ),
        }
    return {
        "name": system.name,
        "as_at": str(system.as_at) if system.as_at else None,
        "guidance": system.guidance,
        "areas": areas,
    }


@dataclass
class LoadResult:
    system: System
    organisations_created: int
    organisations_updated: int
    areas: int
    changed: bool


@action("registry.load_system")
def load_system(actor: Actor, source: str | Path, text: str | None = None) -> LoadResult:
    """Load a system document. Loading the same document twice changes nothing.

    Areas the document describes are replaced by what it says; areas added from ODS data
    (`add_pcns`) are left alone. Organisations are upserted by code and never deleted here.
    """
    doc = read_system_document(source, text)
    existing = System.objects.filter(slug=doc.system.slug).first()
    before = _snapshot(existing)
    org_before = {
        o.code: _org_state(o)
        for o in Organisation.objects.filter(code__in=[d.code for d in doc.organisations])
    }

    created = updated = 0
    orgs: dict[str, Organisation] = {}
    for d in doc.organisations:
        org, was_created = Organisation.objects.update_or_create(
            code=d.code,
            defaults={
                "name": d.name,
                "kind": d.type.value,
                "opened": d.opened,
                "closed": d.closed,
                "postcode": d.postcode,
                "source": Path(str(source)).name,
            },
        )
        orgs[d.code] = org
        created += was_created
    referenced = _organisations(doc)
    orgs.update(Organisation.objects.in_bulk(referenced - set(orgs), field_name="code"))
    for d in doc.organisations:
        org = orgs[d.code]
        org.part_of = orgs[d.part_of] if d.part_of else None
        org.commissioner = orgs[d.commissioner] if d.commissioner else None
        org.save(update_fields=["part_of", "commissioner"])
        for code in d.predecessors:
            assert d.opened is not None  # the document's validation requires it
            Succession.objects.update_or_create(
                predecessor=orgs[code], successor=org, defaults={"on": d.opened}
            )
        updated += (not created) and org_before.get(d.code) != _org_state(org)

    system, _ = System.objects.update_or_create(
        slug=doc.system.slug,
        defaults={
            "name": doc.system.name,
            "description": doc.system.description,
            "as_at": doc.system.as_at,
            "sources": doc.system.sources,
            "guidance": {level.value: r.model_dump() for level, r in doc.system.guidance.items()},
            "document": Path(str(source)).name,
        },
    )
    described = {a.code for a in doc.areas}
    system.areas.filter(origin=Area.Origin.DOCUMENT).exclude(code__in=described).delete()
    areas: dict[str, Area] = {}
    for ad in doc.areas:
        area, _ = Area.objects.update_or_create(
            system=system,
            code=ad.code,
            defaults={
                "name": ad.name,
                "level": ad.level.value,
                "ons_code": ad.ons_code,
                "description": ad.description,
                "origin": Area.Origin.DOCUMENT,
            },
        )
        areas[ad.code] = area
    for ad in doc.areas:
        area = areas[ad.code]
        area.parent = areas[ad.parent] if ad.parent else None
        area.save(update_fields=["parent"])
        area.populations.all().delete()
        AreaPopulation.objects.bulk_create(
            AreaPopulation(area=area, on=p.on, population=p.population, source=p.source)
            for p in ad.populations
        )
        area.responsibilities.all().delete()
        AreaResponsibility.objects.bulk_create(
            AreaResponsibility(
                area=area,
                organisation=orgs[r.organisation],
                role=r.role.value,
                starts=r.starts,
                ends=r.ends,
            )
            for r in ad.responsible
        )
        area.memberships.all().delete()
        AreaPractice.objects.bulk_create(
            AreaPractice(area=area, practice=orgs[m.practice], starts=m.starts, ends=m.ends)
            for m in ad.practices
        )

    after = _snapshot(system)
    changed = before != after or created > 0 or updated > 0
    actor.record(
        "system",
        system.slug,
        (
            f"Loaded {system.name} from {Path(str(source)).name}: {len(doc.organisations)} "
            f"organisations ({created} new, {updated} changed), {len(doc.areas)} areas"
            if changed
            else f"Loaded {system.name} from {Path(str(source)).name}: nothing changed"
        ),
        before=before,
        after=after,
    )
    return LoadResult(system, created, updated, len(doc.areas), changed)


def _org_state(org: Organisation) -> tuple[Any, ...]:
    return (
        org.name,
        org.kind,
        org.opened,
        org.closed,
        org.postcode,
        org.part_of_id,
        org.commissioner_id,
    )


def _organisations(doc: documents.SystemDocument) -> set[str]:
    """Every organisation code the document refers to (not those it describes)."""
    codes: set[str] = set()
    for org in doc.organisations:
        codes.update(c for c in (org.part_of, org.commissioner, *org.predecessors) if c)
    for area in doc.areas:
        codes.update(r.organisation for r in area.responsible)
        codes.update(p.practice for p in area.practices)
    return codes


@dataclass
class PcnResult:
    networks: int
    practices: int
    populations: int


class RegistryError(Exception):
    """A request the registry cannot carry out, with a sentence saying why."""


@action("registry.add_pcns")
def add_pcns(
    actor: Actor,
    system: System,
    commissioner: str,
    parent: str | None = None,
    on: date | None = None,
) -> PcnResult:
    """Add the commissioner's primary care networks, from imported ODS data, as neighbourhoods.

    Each network becomes a neighbourhood area with its member practices (memberships in force
    on `on`, default today) and a population: its practices' latest registered list sizes. The
    networks' places are left for people to set: nothing in the data says which place a PCN
    serves. Running it again refreshes the same areas.
    """
    on = on or date.today()
    try:
        commissioner_org = Organisation.objects.get(code=commissioner)
    except Organisation.DoesNotExist:
        raise RegistryError(
            f"No organisation has the code {commissioner}: import the ODS data first."
        ) from None
    parent_area = None
    if parent is not None:
        parent_area = system.areas.filter(code=parent).first()
        if parent_area is None:
            raise RegistryError(f"{system.name} has no area with the code {parent}.")
        if Level(parent_area.level).rank >= Level.NEIGHBOURHOOD.rank:
            raise RegistryError(f"{parent_area.name} is not at a level wider than a PCN.")
    networks = list(
        Organisation.objects.filter(
            kind=OrganisationKind.PRIMARY_CARE_NETWORK, commissioner=commissioner_org
        ).filter(in_force(on, "opened", "closed"))
    )
    if not networks:
        raise RegistryError(
            f"No primary care network open on {on} has {commissioner_org} as its commissioner."
        )
    before = sorted(system.areas.filter(origin=Area.Origin.ODS).values_list("code", flat=True))
    areas: dict[int, Area] = {}
    for network in networks:
        area, created = Area.objects.get_or_create(
            system=system,
            code=network.code,
            defaults={
                "name": network.name,
                "level": Level.NEIGHBOURHOOD.value,
                "origin": Area.Origin.ODS,
                "parent": parent_area,
            },
        )
        if not created and parent_area is not None:
            area.parent = parent_area
            area.save(update_fields=["parent"])
        areas[network.pk] = area
    # Memberships and list sizes for every network at once, not one network at a time.
    members: dict[int, list[NetworkMembership]] = {pk: [] for pk in areas}
    for m in NetworkMembership.objects.filter(network_id__in=areas).filter(in_force(on)):
        members[m.network_id].append(m)
    AreaResponsibility.objects.filter(area__in=areas.values()).delete()
    AreaPractice.objects.filter(area__in=areas.values()).delete()
    AreaResponsibility.objects.bulk_create(
        responsibility
        for pk, area in areas.items()
        for responsibility in (
            AreaResponsibility(area=area, organisation_id=pk, role=Responsibility.NETWORK),
            AreaResponsibility(
                area=area, organisation=commissioner_org, role=Responsibility.NHS_COMMISSIONER
            ),
        )
    )
    AreaPractice.objects.bulk_create(
        AreaPractice(area=areas[pk], practice_id=m.practice_id, starts=m.starts, ends=m.ends)
        for pk, ms in members.items()
        for m in ms
    )
    sizes = _list_sizes({m.practice_id for ms in members.values() for m in ms})
    populations = 0
    for pk, area in areas.items():
        latest = _latest_population([m.practice_id for m in members[pk]], sizes)
        if latest:
            when, total, source = latest
            AreaPopulation.objects.update_or_create(
                area=area, on=when, defaults={"population": total, "source": source}
            )
            populations += 1
    practices = sum(len(ms) for ms in members.values())
    actor.record(
        "system",
        system.slug,
        f"Added {len(networks)} primary care networks of {commissioner_org} to {system.name} "
        f"as neighbourhoods, with {practices} practice memberships",
        before={"ods_areas": before},
        after={"ods_areas": sorted(n.code for n in networks)},
    )
    return PcnResult(len(networks), practices, populations)


def _list_sizes(practice_ids: Iterable[int]) -> dict[int, dict[date, tuple[int, str]]]:
    """Every recorded list size of these practices: practice -> date -> (patients, source)."""
    out: dict[int, dict[date, tuple[int, str]]] = {}
    for row in ListSize.objects.filter(practice_id__in=list(practice_ids)):
        out.setdefault(row.practice_id, {})[row.on] = (row.patients, row.source)
    return out


def _latest_population(
    practice_ids: list[int], sizes: dict[int, dict[date, tuple[int, str]]]
) -> tuple[date, int, str] | None:
    """Registered patients of these practices on the latest date any of them has a size."""
    dates = [d for p in practice_ids for d in sizes.get(p, {})]
    if not dates:
        return None
    latest = max(dates)
    found = [sizes[p][latest] for p in practice_ids if latest in sizes.get(p, {})]
    return latest, sum(n for n, _ in found), f"registered patients, {found[0][1]}"
