"""The registry's API operations: systems, areas, findings and organisations."""

from datetime import date
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from commonweal.core.actions import Actor
from commonweal.core.errors import NotFound, Refused
from commonweal.core.models import Organisation, OrganisationKind
from commonweal.core.pagination import Paged
from commonweal.registry import presenters
from commonweal.registry.actions import load_system
from commonweal.registry.models import Area, System
from commonweal.registry.rules import Level
from commonweal.registry.structure import structure_on

router = Router(tags=["registry"])


class OrganisationRef(Schema):
    code: str
    name: str
    kind: str


class OrganisationOut(OrganisationRef):
    kind_label: str
    opened: date | None
    closed: date | None
    postcode: str
    commissioner: OrganisationRef | None
    part_of: OrganisationRef | None


class SuccessionOut(Schema):
    organisation: OrganisationRef
    on: date
    kind: str


class OrganisationDetail(OrganisationOut):
    predecessors: list[SuccessionOut]
    successors: list[SuccessionOut]
    networks: list[OrganisationRef]
    members: list[OrganisationRef]


def _organisation(org: Organisation) -> dict[str, Any]:
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "kind_label": org.get_kind_display(),
        "opened": org.opened,
        "closed": org.closed,
        "postcode": org.postcode,
        "commissioner": org.commissioner,
        "part_of": org.part_of,
    }


class SystemOut(Schema):
    slug: str
    name: str
    description: str
    as_at: date | None
    sources: list[str]


class LevelCount(Schema):
    level: str
    areas: int


class SystemDetail(SystemOut):
    levels: list[LevelCount]
    findings: dict[str, int]


class AreaOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    ons_code: str
    population: int | None
    population_on: date | None
    practices: int


class PopulationOut(Schema):
    on: date
    population: int
    source: str


class ResponsibilityOut(Schema):
    organisation: OrganisationRef
    role: str
    starts: date | None
    ends: date | None


class AreaDetail(AreaOut):
    description: str
    origin: str
    ends: date | None
    children: list[str]
    populations: list[PopulationOut]
    responsible: list[ResponsibilityOut]
    member_practices: list[OrganisationRef]


class FindingOut(Schema):
    rule: str
    severity: Literal["error", "warning", "information"]
    subject: str
    explanation: str
    related: list[str]


class FindingsOut(Schema):
    system: str
    on: date
    counts: dict[str, int]
    findings: list[FindingOut]


class LoadOut(Schema):
    system: SystemOut
    areas: int
    organisations_created: int
    organisations_updated: int
    changed: bool


def _system(slug: str) -> System:
    found = System.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound.at("slug", f"no system '{slug}'")
    return found


def _row(r: presenters.AreaRow) -> dict[str, Any]:
    return {
        "code": r.code,
        "name": r.name,
        "level": r.level,
        "parent": r.parent,
        "ons_code": r.ons_code,
        "population": r.population,
        "population_on": r.population_on,
        "practices": r.practices,
    }


@router.get("/systems", response=list[SystemOut], summary="Systems")
@paginate(Paged)
def systems(request: HttpRequest) -> QuerySet[System]:
    return System.objects.order_by("name", "slug")


@router.post(
    "/systems",
    response={200: LoadOut},
    summary="Load a system document",
    description="The body is a system document in YAML (Content-Type: application/yaml), at "
    "most 5 MB. Refused documents get 422 with every problem's line and field; nothing is "
    "written. Loading needs the load_system permission in an organisation that looks after the "
    "system (for an existing system, the organisations the database holds responsible for it, "
    "today or most recently; for a new one, those the document names); each change needs it in "
    "the organisations it is about (an organisation's record, one it points at, an area's "
    "responsible organisations, the area a new or moved area is placed under; ending or "
    "re-levelling a shared area needs every one). A document loaded through the API describes "
    "only organisations Commonweal already holds: organisations come from the national data "
    "(commonweal import-ods) or are added by the operator from the command line. At most 5,000 "
    "organisations and 5,000 areas a document, 20,000 organisation codes named in all.",
    openapi_extra={
        "requestBody": {
            "content": {"application/yaml": {"schema": {"type": "string"}}},
            "required": True,
        }
    },
)
def load(request: HttpRequest) -> dict[str, Any]:
    if not request.body:
        raise Refused.at("body", "send a system document in YAML as the request body")
    result = load_system(Actor.from_user(request.user), "request body", request.body)
    return {
        "system": result.system,
        "areas": result.areas,
        "organisations_created": result.organisations_created,
        "organisations_updated": result.organisations_updated,
        "changed": result.changed,
    }


@router.get("/systems/{slug}", response=SystemDetail, summary="A system, with its levels")
def system(request: HttpRequest, slug: str, on: date | None = None) -> dict[str, Any]:
    view = presenters.system_view(_system(slug), on)
    return {
        "slug": view.slug,
        "name": view.name,
        "description": view.description,
        "as_at": view.as_at,
        "sources": list(view.sources),
        "levels": [{"level": lv, "areas": n} for lv, n in view.levels],
        "findings": view.counts,
    }


@router.get("/systems/{slug}/areas", response=list[AreaOut], summary="Areas of a system")
@paginate(Paged)
def areas(
    request: HttpRequest, slug: str, level: Level | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    rows = presenters.area_rows(_system(slug), on or date.today())
    return [_row(r) for r in rows if level is None or r.level == level.value]


@router.get("/systems/{slug}/areas/{code}", response=AreaDetail, summary="An area")
def area(request: HttpRequest, slug: str, code: str, on: date | None = None) -> dict[str, Any]:
    found = Area.objects.filter(system=_system(slug), code=code).select_related("parent", "system")
    a = found.first()
    if a is None:
        raise NotFound.at("code", f"no area '{code}' in {slug}")
    view = presenters.area_view(a, on or date.today())
    return {
        **_row(view.row),
        "description": view.description,
        "origin": view.origin,
        "ends": view.ends,
        "children": [c.code for c in view.children],
        "populations": [p.__dict__ for p in view.populations],
        "responsible": [
            {
                "organisation": r.organisation.__dict__,
                "role": r.role,
                "starts": r.starts,
                "ends": r.ends,
            }
            for r in view.responsible
        ],
        "member_practices": [p.organisation.__dict__ for p in view.member_practices],
    }


@router.get("/systems/{slug}/findings", response=FindingsOut, summary="Structure findings")
def findings(
    request: HttpRequest,
    slug: str,
    on: date | None = None,
    severity: Literal["error", "warning", "information"] | None = None,
) -> dict[str, Any]:
    report = structure_on(_system(slug), on)
    return {
        "system": slug,
        "on": report.on,
        "counts": report.counts(),
        "findings": [f.as_dict() for f in report.findings if severity in (None, f.severity.value)],
    }


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations")
@paginate(Paged)
def organisations(
    request: HttpRequest,
    kind: OrganisationKind | None = None,
    q: str | None = Query(None, max_length=100, description="part of a name or code"),
    commissioner: str | None = Query(None, max_length=20),
) -> list[dict[str, Any]]:
    rows = Organisation.objects.select_related("commissioner", "part_of").order_by("name", "code")
    if kind:
        rows = rows.filter(kind=kind)
    if q:
        rows = rows.filter(Q(name__icontains=q) | Q(code__iexact=q))
    if commissioner:
        rows = rows.filter(commissioner__code=commissioner)
    return _LazyOrganisations(rows)  # type: ignore[return-value]


class _LazyOrganisations:
    """Lets the paginator count and slice in the database, then shapes only the page."""

    def __init__(self, rows: QuerySet[Organisation]):
        self.rows = rows

    def count(self) -> int:
        return self.rows.count()

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        return [_organisation(o) for o in self.rows[page]]


@router.get("/organisations/{code}", response=OrganisationDetail, summary="An organisation")
def organisation(request: HttpRequest, code: str) -> dict[str, Any]:
    org = Organisation.objects.select_related("commissioner", "part_of").filter(code=code).first()
    if org is None:
        raise NotFound.at("code", f"no organisation has the code {code}")
    view = presenters.organisation_view(org)
    return {
        **_organisation(org),
        "predecessors": [
            {"organisation": s.organisation.__dict__, "on": s.on, "kind": s.kind}
            for s in view.predecessors
        ],
        "successors": [
            {"organisation": s.organisation.__dict__, "on": s.on, "kind": s.kind}
            for s in view.successors
        ],
        "networks": [m.organisation.__dict__ for m in view.networks],
        "members": [m.organisation.__dict__ for m in view.members],
    }
