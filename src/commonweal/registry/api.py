from datetime import date
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from commonweal.core.actions import Actor
from commonweal.core.models import Role
from commonweal.core.pagination import Paged
from commonweal.core.people import may_act
from commonweal.registry import queries
from commonweal.registry.actions import load_system
from commonweal.registry.models import Area, Organisation, OrganisationKind, System
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
    return get_object_or_404(System, slug=slug)


@router.get("/systems", response=list[SystemOut], summary="Systems")
def systems(request: HttpRequest) -> QuerySet[System]:
    return System.objects.all()


@router.post(
    "/systems",
    response={200: LoadOut},
    summary="Load a system document",
    description="The body is a system document in YAML (Content-Type: application/yaml). "
    "Refused documents get 422 with every problem's line and field; nothing is written.",
    openapi_extra={
        "requestBody": {
            "content": {"application/yaml": {"schema": {"type": "string"}}},
            "required": True,
        }
    },
)
def load(request: HttpRequest) -> dict[str, Any]:
    if not may_act(request.user, Role.ADMINISTRATOR):  # type: ignore[arg-type]
        raise HttpError(403, "Only an administrator may load a system document.")
    if len(request.body) > 5_000_000:
        raise HttpError(413, "A system document may be at most 5 MB.")
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(400, "The body is not UTF-8 text.") from None
    result = load_system(Actor.from_user(request.user), "request body", text)
    return {
        "system": result.system,
        "areas": result.areas,
        "organisations_created": result.organisations_created,
        "organisations_updated": result.organisations_updated,
        "changed": result.changed,
    }


@router.get("/systems/{slug}", response=SystemDetail, summary="A system, with its levels")
def system(request: HttpRequest, slug: str) -> dict[str, Any]:
    s = _system(slug)
    report = structure_on(s)
    return {
        **SystemOut.from_orm(s).dict(),
        "levels": [{"level": lv, "areas": n} for lv, n in queries.level_counts(s)],
        "findings": report.counts(),
    }


@router.get("/systems/{slug}/areas", response=list[AreaOut], summary="Areas of a system")
@paginate(Paged)
def areas(
    request: HttpRequest, slug: str, level: Level | None = None, on: date | None = None
) -> list[dict[str, Any]]:
    s = _system(slug)
    rows = queries.area_summaries(s, on or date.today())
    return [r for r in rows if level is None or r["level"] == level.value]


@router.get("/systems/{slug}/areas/{code}", response=AreaDetail, summary="An area")
def area(request: HttpRequest, slug: str, code: str, on: date | None = None) -> dict[str, Any]:
    s = _system(slug)
    a = get_object_or_404(Area.objects.select_related("parent"), system=s, code=code)
    return queries.area_detail(a, on or date.today())


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
    commissioner: str | None = None,
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
    org = get_object_or_404(
        Organisation.objects.select_related("commissioner", "part_of"), code=code
    )
    detail = queries.organisation_detail(org)
    return {
        **_organisation(org),
        "predecessors": [
            {"organisation": s.predecessor, "on": s.on, "kind": s.kind}
            for s in detail["predecessors"]
        ],
        "successors": [
            {"organisation": s.successor, "on": s.on, "kind": s.kind} for s in detail["successors"]
        ],
        "networks": [m.network for m in detail["networks"]],
        "members": [m.practice for m in detail["members"]],
    }
