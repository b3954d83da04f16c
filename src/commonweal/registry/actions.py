"""Changes to the registry. Views, commands and tests call these, never the ORM directly."""

from collections.abc import Iterable, Mapping
from copy import copy
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from django.db.models import Max, Q
from django.db.models.functions import Upper

from commonweal.core.actions import Actor, action
from commonweal.core.dates import in_force as in_force_on
from commonweal.core.db import by_field, in_chunks, serialise
from commonweal.core.documents import (
    MAX_ORGANISATIONS_NAMED,
    DocumentError,
    Strict,
    read_yaml,
    validate,
)
from commonweal.core.errors import NotFound, NotPermitted, Problem, Refused
from commonweal.core.formatting import long_date
from commonweal.core.models import Organisation, OrganisationKind, in_force
from commonweal.core.permissions import Permission
from commonweal.core.sync import Diff, sync
from commonweal.registry import documents
from commonweal.registry.models import (
    Area,
    AreaPopulation,
    AreaPractice,
    AreaResponsibility,
    ListSize,
    NetworkMembership,
    Responsibility,
    Succession,
    System,
)
from commonweal.registry.rules import Level

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


def example_path(name: str) -> Path | None:
    path = EXAMPLES_DIR / f"{name}.yaml"
    return path if path.is_file() else None


def read_system_document(
    source: str | Path, text: str | bytes | None = None
) -> documents.SystemDocument:
    """Parse and check a system document against the database; raise DocumentError if bad."""
    located = read_yaml(source, text)
    doc = validate(located, documents.SystemDocument)
    named = {o.code for o in doc.organisations} | _organisations(doc)
    if len(named) > MAX_ORGANISATIONS_NAMED:
        raise DocumentError(
            [
                located.problem(
                    (),
                    f"names {len(named):,} organisations; at most "
                    f"{MAX_ORGANISATIONS_NAMED:,} are allowed in one document",
                )
            ]
        )
    # Codes are upper-case now; one stored before that differs from a new one only in case
    # would pass for it. One query answers both, so an organisation another load makes
    # meanwhile is either known or unseen, never "alike" to itself.
    stored = in_chunks(
        Organisation.objects.annotate(upper=Upper("code")).values_list("upper", "code", "kind"),
        "upper",
        {code.upper() for code in named},
    )
    known = {code: kind for _, code, kind in stored if code in named}
    alike = {upper: code for upper, code, _ in stored if upper != code and upper not in known}
    problems = documents.cross_check(located, doc, known, alike)
    if problems:
        raise DocumentError(problems)
    return doc


STATUTORY = (Responsibility.NHS_COMMISSIONER, Responsibility.LOCAL_AUTHORITY)


def stewards(system: System | None) -> list[Organisation]:
    """The organisations that look after a system's description: the NHS commissioners and
    councils responsible for its system-level areas (or, failing those, for any of its areas)."""
    if system is None:
        return []
    rows = AreaResponsibility.objects.filter(area__system=system, role__in=STATUTORY).filter(
        in_force(date.today())
    )
    top = rows.filter(area__level=Level.SYSTEM.value)
    ids = set((top if top.exists() else rows).values_list("organisation_id", flat=True))
    return list(Organisation.objects.filter(id__in=ids))


def system_keepers(system: System) -> list[Organisation]:
    """Who may load an existing system's document: its stewards today or, when it has none
    today (every statutory responsibility has ended, or has yet to begin), its most recent
    ones: those whose responsibility for its system-level areas (or, failing those, any of
    its areas) ends last, or not at all. A system that has never had a steward has no keepers,
    so only the command line may load it. Never the document's own stewards: a document that
    named its loader would otherwise take over any system nobody looks after today.
    """
    found = stewards(system)
    if found:
        return found
    rows = AreaResponsibility.objects.filter(area__system=system, role__in=STATUTORY)
    top = rows.filter(area__level=Level.SYSTEM.value)
    rows = top if top.exists() else rows
    if rows.filter(ends__isnull=True).exists():
        latest = rows.filter(ends__isnull=True)  # not begun yet: the system's next stewards
    else:
        last = rows.aggregate(last=Max("ends"))["last"]
        latest = rows.filter(ends=last)
    return list(Organisation.objects.filter(id__in=latest.values("organisation_id")))


def _document_stewards(doc: documents.SystemDocument) -> set[str]:
    areas = [a for a in doc.areas if a.level is Level.SYSTEM] or doc.areas
    return {r.organisation for a in areas for r in a.responsible if r.role in STATUTORY}


@dataclass
class LoadResult:
    system: System
    organisations_created: int
    organisations_updated: int
    areas: int
    changed: bool


ORGANISATION_FIELDS = ("name", "kind", "opened", "closed", "postcode")


def load_system(actor: Actor, source: str | Path, text: str | bytes | None = None) -> LoadResult:
    """Read and check a system document, then load it (see `load_system_document`).

    The document is read before the write transaction begins, so a large or malformed one
    never holds the database while it is parsed.
    """
    return load_system_document(actor, read_system_document(source, text), Path(str(source)).name)


@action("registry.load_system", permission=Permission.LOAD_SYSTEM)
def load_system_document(
    actor: Actor, doc: documents.SystemDocument, name: str = "document"
) -> LoadResult:
    """Load a checked system document. Loading the same document twice changes nothing.

    The document describes the system's areas: new ones are created, changed ones updated,
    and ones it no longer describes are ended (never deleted: bodies, roles and decisions may
    point at them). Areas added from ODS data (`add_pcns`) are left alone. Organisations are
    upserted by code and never deleted or ended here.

    Permission: to load a system's document at all, the actor needs the permission in one of
    the organisations that look after it (its stewards); to change an organisation's record,
    in that organisation; to change an area, in one of the organisations responsible for it.
    """
    # One load at a time, whatever the system: loads of different systems may create the same
    # organisation, and loads are rare enough that queueing them costs nothing.
    serialise("registry:load_system")
    today = date.today()
    diff = Diff()
    existing = System.objects.filter(slug=doc.system.slug).first()
    org_codes = {d.code for d in doc.organisations} | _organisations(doc)
    orgs = by_field(Organisation.objects.all(), "code", org_codes)

    # Who may allow what, as things stand before the load. A document names the stewards of
    # a new system only: an existing one is looked after by those the database says.
    if existing is not None:
        keepers = system_keepers(existing)
        nobody = f"no organisation has been responsible for {existing.slug}"
    else:
        keepers = [orgs[c] for c in _document_stewards(doc) if c in orgs]
        nobody = "the document names no NHS commissioner or council Commonweal holds as "
        nobody += "responsible for the system"
    only_operator = f"{nobody}: only the operator, from the command line, may load it"
    actor.require_any(keepers, because="" if keepers else only_operator)
    _refuse_new_organisations(actor, doc, orgs)
    before = _AreasBefore.of(existing, today)
    described = {d.code: d for d in doc.organisations}
    before_orgs = set(orgs)
    # The records as they stand, to name an organisation in a refusal by the name it has now.
    as_they_were = {code: copy(org) for code, org in orgs.items()}

    def make_org(code: str, fields: Mapping[str, Any]) -> Organisation:
        return Organisation.objects.create(code=code, source=name[:100], **fields)

    orgs.update(
        sync(
            [o for o in orgs.values() if o.code in described],
            lambda o: o.code,
            {
                d.code: {
                    "name": d.name,
                    "kind": d.type.value,
                    "opened": d.opened,
                    "closed": d.closed,
                    "postcode": d.postcode,
                }
                for d in doc.organisations
            },
            make_org,
            on=today,
            diff=diff,
            path="organisations",
            end=False,
        )
    )
    links = {
        d.code: {
            "part_of": orgs[d.part_of] if d.part_of else None,
            "commissioner": orgs[d.commissioner] if d.commissioner else None,
        }
        for d in doc.organisations
    }
    sync(
        [orgs[c] for c in described],
        lambda o: o.code,
        links,
        lambda code, fields: orgs[code],
        on=today,
        diff=diff,
        path="organisations",
        end=False,
    )
    # Pointing at another organisation (as its part, its practice, its successor) puts this
    # record on that organisation's pages: the organisation pointed at must allow it.
    link_needs: list[tuple[Organisation, str]] = []
    for d in doc.organisations:
        was = as_they_were.get(d.code)
        for field in ("part_of", "commissioner"):
            target = getattr(d, field)
            if target and (was is None or getattr(was, f"{field}_id") != orgs[target].pk):
                link_needs.append((orgs[target], f"{d.code}'s {field.replace('_', ' ')}"))
    for d in doc.organisations:
        for code in d.predecessors:
            assert d.opened is not None  # the document's validation requires it
            succession, new = Succession.objects.get_or_create(
                predecessor=orgs[code], successor=orgs[d.code], defaults={"on": d.opened}
            )
            if new or succession.on != d.opened:
                # Naming a successor is a statement about the predecessor: theirs to make.
                link_needs.append((orgs[code], f"{d.code} succeeding {code}"))
                diff.note(
                    f"organisations.{d.code}.predecessors.{code}",
                    None if new else succession.on,
                    d.opened,
                )
                succession.on = d.opened
                succession.save(update_fields=["on"])

    system, system_created = System.objects.get_or_create(
        slug=doc.system.slug,
        defaults={"name": doc.system.name, "document": name},
    )
    system_fields = {
        "name": doc.system.name,
        "description": doc.system.description,
        "as_at": doc.system.as_at,
        "sources": doc.system.sources,
        "guidance": {level.value: r.model_dump() for level, r in doc.system.guidance.items()},
    }
    sync(
        [system],
        lambda s: s.slug,
        {system.slug: system_fields},
        lambda slug, fields: system,
        on=today,
        diff=diff,
        path=lambda slug: "system",
        end=False,
    )
    if system_created:
        diff.note("system", None, {"slug": system.slug, **system_fields})

    areas = _sync_areas(system, doc, orgs, today, diff)

    # Now that the changes are known, check each is the actor's to make.
    changed_orgs = {p.split(".")[1] for p in diff.changes if p.startswith("organisations.")}
    for code in sorted(changed_orgs & before_orgs):
        actor.require(as_they_were[code], because=f"a change to {code}'s record")
    for org, what in link_needs:
        actor.require(org, because=what)
    before.check(actor, system, diff, keepers, today)

    created = sum(1 for c in described if c not in before_orgs)
    updated = len(changed_orgs) - created
    if diff:
        system.document = name[:300]
        system.save(update_fields=["document", "loaded"])
    actor.record(
        "system",
        system.slug,
        (
            f"Loaded {system.name} from {name}: {len(diff)} changes "
            f"({created} organisations new, {updated} changed; {len(areas)} areas described)"
            if diff
            else f"Loaded {system.name} from {name}: nothing changed"
        ),
        before=diff.before(),
        after=diff.after(),
    )
    return LoadResult(system, created, updated, len(doc.areas), bool(diff))


def _refuse_new_organisations(
    actor: Actor, doc: documents.SystemDocument, known: Mapping[str, Organisation]
) -> None:
    """Organisations come from the national data (import-ods) or from the operator: a person's
    document describes only organisations Commonweal already holds. A person could otherwise
    take a code before the national data brings the organisation it belongs to."""
    if actor.internal:
        return
    new = [(i, d.code) for i, d in enumerate(doc.organisations) if d.code not in known]
    if not new:
        return
    where = "come from the national data (commonweal import-ods) or are added by the operator "
    where += "from the command line"
    problems = [
        Problem(
            f"organisations[{i}].code",
            f"'{code}' is not an organisation Commonweal knows: organisations {where}",
        )
        for i, code in new
    ]
    if len(new) == 1:
        raise NotPermitted(problems[0].message, problems)
    codes = ", ".join(f"'{code}'" for _, code in new[:10])
    more = f" and {len(new) - 10:,} more" if len(new) > 10 else ""
    raise NotPermitted(
        f"{codes}{more} are not organisations Commonweal knows: organisations {where}", problems
    )


@dataclass
class _AreasBefore:
    """A system's areas as they stood before a load, to tell whose consent each change needs.

    Changing an area needs any one of the statutory organisations responsible for it; ending
    it or changing its level (which changes who looks after the system) needs every one of
    them; adding, changing or ending an organisation's responsibility needs that organisation
    too, since it is a statement about them. Placing an area under a parent (a new area, or a
    new parent) needs one of the parent's keepers as well: an area within another's appears on
    its pages and in its structure. An area nobody is responsible for falls to the system's
    stewards.
    """

    keepers: dict[str, set[int]]
    levels: dict[str, tuple[str, date | None]]
    lines: dict[tuple[str, str, str, date | None], date | None]
    parents: Mapping[str, str | None]

    @classmethod
    def of(cls, system: System | None, on: date) -> "_AreasBefore":
        if system is None:
            return cls({}, {}, {}, {})
        keepers: dict[str, set[int]] = {}
        for code, org_id in (
            AreaResponsibility.objects.filter(area__system=system, role__in=STATUTORY)
            .filter(in_force(on))
            .values_list("area__code", "organisation_id")
        ):
            keepers.setdefault(code, set()).add(org_id)
        levels = {
            code: (level, ends)
            for code, level, ends in system.areas.values_list("code", "level", "ends")
        }
        parents = dict(system.areas.values_list("code", "parent__code"))
        return cls(keepers, levels, _lines(system), parents)

    def check(
        self, actor: Actor, system: System, diff: Diff, stewards: list[Organisation], on: date
    ) -> None:
        after_levels = dict(system.areas.values_list("code", "level"))
        after_ends = dict(system.areas.values_list("code", "ends"))
        changed = _areas_changed(diff, set(after_levels))
        ids = {i for keeper_ids in self.keepers.values() for i in keeper_ids}
        by_id = by_field(Organisation.objects.all(), "id", ids)

        def keepers_of(code: str) -> list[Organisation]:
            return [by_id[i] for i in sorted(self.keepers.get(code, ()))] or stewards

        for code, parent in sorted(system.areas.values_list("code", "parent__code")):
            if parent is not None and parent != self.parents.get(code):
                actor.require_any(keepers_of(parent), because=f"placing area {code} under {parent}")
        for code in sorted(changed):
            keepers = keepers_of(code)
            was = self.levels.get(code)
            if was is None:
                actor.require_any(stewards, because=f"a new area, {code}")
                continue
            ended = was[1] is None and after_ends.get(code) is not None
            if ended or was[0] != after_levels.get(code):
                what = "ending" if ended else "changing the level of"
                actor.require_all(keepers, because=f"{what} area {code}, which they share")
            else:
                actor.require_any(keepers, because=f"a change to area {code}")
        after = _lines(system)
        touched: dict[str, set[str]] = {}
        for key in self.lines.keys() | after.keys():
            if self.lines.get(key, _MISSING) != after.get(key, _MISSING):
                touched.setdefault(key[1], set()).add(key[0])
        for org in sorted(in_chunks(Organisation.objects.all(), "code", touched), key=_code):
            areas = ", ".join(sorted(touched[org.code]))
            actor.require(org, because=f"{org.code}'s responsibility for {areas}")


_MISSING = object()


def _code(org: Organisation) -> str:
    return org.code


def _lines(system: System) -> dict[tuple[str, str, str, date | None], date | None]:
    """Every responsibility line of a system's areas: (area, organisation, role, starts) -> ends."""
    return {
        (area, org, role, starts): ends
        for area, org, role, starts, ends in AreaResponsibility.objects.filter(
            area__system=system
        ).values_list("area__code", "organisation__code", "role", "starts", "ends")
    }


def _areas_changed(diff: Diff, codes: set[str]) -> set[str]:
    """The areas a load's diff touches. Codes written before they were refused dots may hold
    them, so a path is matched against the codes themselves rather than split blindly."""
    out = set()
    for path in diff.changes:
        if not path.startswith("areas."):
            continue
        parts = path.split(".")[1:]
        for n in range(len(parts), 0, -1):
            candidate = ".".join(parts[:n])
            if candidate in codes:
                out.add(candidate)
                break
    return out


def _sync_areas(
    system: System,
    doc: documents.SystemDocument,
    orgs: dict[str, Organisation],
    today: date,
    diff: Diff,
) -> dict[str, Area]:
    """The document's areas, with their parents, populations, responsibilities and practices."""
    codes = {a.code for a in doc.areas}
    stored = list(system.areas.filter(Q(origin=Area.Origin.DOCUMENT) | Q(code__in=codes)))
    areas = sync(
        stored,
        lambda a: a.code,
        {
            a.code: {
                "name": a.name,
                "level": a.level.value,
                "ons_code": a.ons_code,
                "description": a.description,
                "origin": Area.Origin.DOCUMENT,
                "ends": None,
            }
            for a in doc.areas
        },
        lambda code, fields: Area.objects.create(system=system, code=code, **fields),
        on=today,
        diff=diff,
        path="areas",
    )
    sync(
        list(areas.values()),
        lambda a: a.code,
        {a.code: {"parent": areas[a.parent] if a.parent else None} for a in doc.areas},
        lambda code, fields: areas[code],
        on=today,
        diff=diff,
        path="areas",
        end=False,
    )
    ids = [a.pk for a in areas.values()]
    populations: dict[int, list[AreaPopulation]] = {}
    for p in AreaPopulation.objects.filter(area_id__in=ids):
        populations.setdefault(p.area_id, []).append(p)
    responsible: dict[int, list[AreaResponsibility]] = {}
    for r in AreaResponsibility.objects.filter(area_id__in=ids).select_related("organisation"):
        responsible.setdefault(r.area_id, []).append(r)
    practices: dict[int, list[AreaPractice]] = {}
    for m in AreaPractice.objects.filter(area_id__in=ids).select_related("practice"):
        practices.setdefault(m.area_id, []).append(m)

    for d in doc.areas:
        area = areas[d.code]
        # Populations are figures by date, not records anything points at: a document that
        # drops one corrects it, so it goes.
        wanted = {p.on: (p.population, p.source) for p in d.populations}
        for p in populations.get(area.pk, []):
            if p.on not in wanted:
                diff.note(f"areas.{d.code}.populations.{p.on}", p.population, None)
                p.delete()
            elif (p.population, p.source) != wanted[p.on]:
                diff.note(f"areas.{d.code}.populations.{p.on}", p.population, wanted[p.on][0])
                p.population, p.source = wanted.pop(p.on)
                p.save(update_fields=["population", "source"])
            else:
                wanted.pop(p.on)
        for on, (population, source_text) in wanted.items():
            AreaPopulation.objects.create(
                area=area, on=on, population=population, source=source_text
            )
            diff.note(f"areas.{d.code}.populations.{on}", None, population)

        sync(
            responsible.get(area.pk, []),
            lambda r: (r.organisation.code, r.role, r.starts),
            {(r.organisation, r.role.value, r.starts): {"ends": r.ends} for r in d.responsible},
            partial(_new_responsibility, area, orgs),
            on=today,
            diff=diff,
            path=f"areas.{d.code}.responsible",
        )
        sync(
            practices.get(area.pk, []),
            lambda m: (m.practice.code, m.starts),
            {(m.practice, m.starts): {"ends": m.ends} for m in d.practices},
            partial(_new_practice, area, {c: o.pk for c, o in orgs.items()}),
            on=today,
            diff=diff,
            path=f"areas.{d.code}.practices",
        )
    return areas


def _new_responsibility(
    area: Area,
    orgs: Mapping[str, Organisation],
    key: tuple[str, str, date | None],
    fields: Mapping[str, Any],
) -> AreaResponsibility:
    code, role, starts = key
    return AreaResponsibility.objects.create(
        area=area, organisation=orgs[code], role=role, starts=starts, **fields
    )


def _new_practice(
    area: Area, ids: Mapping[str, int], key: tuple[str, date | None], fields: Mapping[str, Any]
) -> AreaPractice:
    code, starts = key
    return AreaPractice.objects.create(area=area, practice_id=ids[code], starts=starts, **fields)


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
    changed: bool = True


@action("registry.add_pcns", permission=Permission.ADD_NETWORKS)
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
    serves. Running it again brings the same areas up to date; a network that has closed, or a
    practice that has left, is ended, not deleted.

    Permission: in the commissioner whose networks they are, which must look after the system.
    """
    on = on or date.today()
    commissioner_org = Organisation.objects.filter(code=commissioner).first()
    if commissioner_org is None:
        raise NotFound.at(
            "commissioner",
            f"no organisation has the code {commissioner}: import the ODS data first",
        )
    actor.require(commissioner_org)
    if commissioner_org not in stewards(system):
        raise Refused.at(
            "commissioner",
            f"{commissioner_org} is not responsible for {system.name} as its NHS commissioner",
        )
    serialise(f"system:{system.slug}")
    parent_area = None
    if parent is not None:
        parent_area = system.areas.filter(code=parent).first()
        if parent_area is None:
            raise NotFound.at("parent", f"{system.name} has no area with the code {parent}")
        if Level(parent_area.level).rank >= Level.NEIGHBOURHOOD.rank:
            raise Refused.at("parent", f"{parent_area.name} is not at a level wider than a PCN")
        # As for a document's areas: placing areas under another needs one of its keepers.
        parent_keepers = AreaResponsibility.objects.filter(
            area=parent_area, role__in=STATUTORY
        ).filter(in_force(date.today()))
        actor.require_any(
            list(Organisation.objects.filter(id__in=parent_keepers.values("organisation_id")))
            or stewards(system),
            because=f"placing networks under {parent}",
        )
    networks = {
        n.code: n
        for n in Organisation.objects.filter(
            kind=OrganisationKind.PRIMARY_CARE_NETWORK, commissioner=commissioner_org
        ).filter(in_force(on, "opened", "closed"))
    }
    if not networks:
        raise Refused.at(
            "commissioner",
            f"no primary care network open on {long_date(on)} has {commissioner_org} as its "
            "commissioner",
        )
    diff = Diff()
    stored = (
        system.areas.filter(origin=Area.Origin.ODS)
        .filter(Q(responsibilities__organisation=commissioner_org) | Q(code__in=networks))
        .distinct()
    )
    areas = sync(
        stored,
        lambda a: a.code,
        {
            code: {
                "name": n.name,
                "level": Level.NEIGHBOURHOOD.value,
                "ends": None,
                **({"parent": parent_area} if parent_area is not None else {}),
            }
            for code, n in networks.items()
        },
        lambda code, fields: Area.objects.create(
            system=system, code=code, origin=Area.Origin.ODS, **{"parent": parent_area, **fields}
        ),
        on=on,
        diff=diff,
        path="areas",
    )
    by_network = {networks[code].pk: area for code, area in areas.items()}
    members: dict[int, list[NetworkMembership]] = {pk: [] for pk in by_network}
    # Every membership, with the dates ODS gives it: a practice that left keeps its history.
    for m in NetworkMembership.objects.filter(network_id__in=by_network):
        members[m.network_id].append(m)
    responsible: dict[int, list[AreaResponsibility]] = {}
    for r in AreaResponsibility.objects.filter(area__in=areas.values()).select_related(
        "organisation"
    ):
        responsible.setdefault(r.area_id, []).append(r)
    held: dict[int, list[AreaPractice]] = {}
    for ap in AreaPractice.objects.filter(area__in=areas.values()).select_related("practice"):
        held.setdefault(ap.area_id, []).append(ap)
    codes = dict(
        Organisation.objects.filter(
            pk__in={m.practice_id for ms in members.values() for m in ms}
        ).values_list("pk", "code")
    )
    practice_ids = {code: pk for pk, code in codes.items()}
    for pk, area in by_network.items():
        network = next(n for n in networks.values() if n.pk == pk)
        sync(
            responsible.get(area.pk, []),
            lambda r: (r.organisation.code, r.role),
            {
                (network.code, Responsibility.NETWORK.value): {"ends": None},
                (commissioner_org.code, Responsibility.NHS_COMMISSIONER.value): {"ends": None},
            },
            partial(
                _new_responsibility_of,
                area,
                {network.code: network, commissioner_org.code: commissioner_org},
            ),
            on=on,
            diff=diff,
            path=f"areas.{area.code}.responsible",
        )
        sync(
            held.get(area.pk, []),
            lambda ap: (ap.practice.code, ap.starts),
            {(codes[m.practice_id], m.starts): {"ends": m.ends} for m in members[pk]},
            partial(_new_practice, area, practice_ids),
            on=on,
            diff=diff,
            path=f"areas.{area.code}.practices",
        )
    sizes = _list_sizes({m.practice_id for ms in members.values() for m in ms})
    populations = 0
    for pk, area in by_network.items():
        current = [m.practice_id for m in members[pk] if in_force_on(on, m.starts, m.ends)]
        latest = _latest_population(current, sizes)
        if latest:
            when, total, source = latest
            row, created = AreaPopulation.objects.get_or_create(
                area=area, on=when, defaults={"population": total, "source": source}
            )
            if not created and row.population != total:
                diff.note(f"areas.{area.code}.populations.{when}", row.population, total)
                row.population, row.source = total, source
                row.save(update_fields=["population", "source"])
            elif created:
                diff.note(f"areas.{area.code}.populations.{when}", None, total)
            populations += 1
    practices = sum(1 for ms in members.values() for m in ms if in_force_on(on, m.starts, m.ends))
    actor.record(
        "system",
        system.slug,
        f"Added {len(networks)} primary care networks of {commissioner_org} to {system.name} "
        f"as neighbourhoods, with {practices} practice memberships"
        + ("" if diff else "; nothing changed"),
        before=diff.before(),
        after=diff.after(),
    )
    return PcnResult(len(networks), practices, populations, bool(diff))


def _new_responsibility_of(
    area: Area, orgs: Mapping[str, Organisation], key: tuple[str, str], fields: Mapping[str, Any]
) -> AreaResponsibility:
    return AreaResponsibility.objects.create(area=area, organisation=orgs[key[0]], role=key[1])


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


class _NetworkPlaces(Strict):
    system: str
    illustrative: bool = False
    note: str = ""
    places: dict[str, list[str]]


class _NetworkPlacesDocument(Strict):
    networks: _NetworkPlaces


@dataclass
class Assigned:
    system: System
    assigned: int
    unchanged: int
    illustrative: bool


@action("registry.assign_networks", permission=Permission.ADD_NETWORKS)
def assign_networks(actor: Actor, source: str | Path, text: str | bytes | None = None) -> Assigned:
    """Place each named primary care network (a neighbourhood area) under the place it serves.

    The document lists, for each place, the codes of its networks. Networks it does not name
    keep their parent, and the structure check goes on listing those without a place. Every
    code is checked before anything changes.

    Permission: in one of the organisations that look after the system.
    """
    located = read_yaml(source, text)
    doc = validate(located, _NetworkPlacesDocument).networks
    system = System.objects.filter(slug=doc.system).first()
    if system is None:
        raise DocumentError([located.problem(("networks", "system"), f"no system '{doc.system}'")])
    actor.require_any(stewards(system), because=f"the places of {system.name}")
    areas = {a.code: a for a in system.areas.filter(ends__isnull=True)}
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for place, codes in doc.places.items():
        where = ("networks", "places", place)
        area = areas.get(place)
        if area is None or area.level != Level.PLACE.value:
            problems.append(located.problem(where, f"'{place}' is not a place of {system.name}"))
        for i, code in enumerate(codes):
            network = areas.get(code)
            if network is None or network.level != Level.NEIGHBOURHOOD.value:
                problems.append(
                    located.problem(
                        (*where, i),
                        f"'{code}' is not a primary care network of {system.name} (add them "
                        "first with add-pcns)",
                    )
                )
            elif code in seen:
                problems.append(
                    located.problem((*where, i), f"'{code}' is already placed in {seen[code]}")
                )
            else:
                seen[code] = place
    if problems:
        raise DocumentError(problems)
    serialise(f"system:{system.slug}")
    assigned = unchanged = 0
    for code, place in seen.items():
        network, parent = areas[code], areas[place]
        if network.parent_id == parent.pk:
            unchanged += 1
            continue
        network.parent = parent
        network.save(update_fields=["parent"])
        assigned += 1
    actor.record(
        "system",
        system.slug,
        f"Assigned {assigned} primary care networks to places"
        + (" (an illustrative assignment)" if doc.illustrative else "")
        + (f": {doc.note}" if doc.note else ""),
    )
    return Assigned(system, assigned, unchanged, doc.illustrative)
