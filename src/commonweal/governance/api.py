from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from commonweal.core.errors import NotFound
from commonweal.governance import presenters
from commonweal.governance.models import Body, Scheme
from commonweal.governance.presenters import describe_route, describe_validation
from commonweal.governance.requests import (
    DecisionIn,
    ProposalIn,
    route_proposal,
    validate_decision,
)
from commonweal.registry.models import System

router = Router(tags=["governance"])


class PostOut(Schema):
    ref: str
    title: str
    organisation: str
    statutory_roles: list[str]
    holders: list[str]


class BodyOut(Schema):
    code: str
    name: str
    kind: str
    owners: list[str]
    parent: str | None
    voting: str


class BodyDetail(BodyOut):
    purpose: str
    delegates: str
    footprint: str | None
    chair: str | None
    deputy: str | None
    quorum: dict[str, Any]
    members: list[PostOut]
    attendees: list[PostOut]
    invited: list[PostOut]


class SchemeOut(Schema):
    organisation: str
    version: str
    title: str
    in_force_from: str
    in_force_to: str | None
    illustrative: bool


def _system(slug: str) -> System:
    found = System.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound.at("slug", f"no system '{slug}'")
    return found


@router.get("/systems/{slug}/bodies", response=list[BodyOut], summary="Bodies of a system")
def bodies(request: HttpRequest, slug: str, on: date | None = None) -> list[dict[str, Any]]:
    return [
        {
            "code": b.code,
            "name": b.name,
            "kind": b.kind,
            "owners": [o.code for o in b.owners],
            "parent": b.parent.code if b.parent else None,
            "voting": b.voting,
        }
        for b in presenters.bodies(_system(slug), on)
    ]


@router.get(
    "/systems/{slug}/bodies/{code}",
    response=BodyDetail,
    summary="A body and its terms of reference, with post holders on a date (today by default)",
)
def body(request: HttpRequest, slug: str, code: str, on: date | None = None) -> dict[str, Any]:
    b = (
        Body.objects.select_related(
            "parent", "footprint", "chair__organisation", "deputy__organisation"
        )
        .filter(system=_system(slug), code=code)
        .first()
    )
    if b is None:
        raise NotFound.at("code", f"no body '{code}' in {slug}")
    view = presenters.body_view(b, on or date.today())

    def posts(entries: tuple[presenters.PostEntry, ...]) -> list[dict[str, Any]]:
        return [
            {
                "ref": e.ref,
                "title": e.title,
                "organisation": e.organisation.code,
                "statutory_roles": list(e.statutory_roles),
                "holders": [h.name for h in e.holders],
            }
            for e in entries
        ]

    return {
        "code": b.code,
        "name": b.name,
        "kind": b.kind,
        "owners": [o.code for o in view.row.owners],
        "parent": b.parent.code if b.parent else None,
        "voting": b.voting,
        "purpose": b.purpose,
        "delegates": b.delegates,
        "footprint": b.footprint.code if b.footprint else None,
        "chair": b.chair.ref if b.chair else None,
        "deputy": b.deputy.ref if b.deputy else None,
        "quorum": {"number": b.quorum_number, "required": b.quorum_required},
        "members": posts(view.members),
        "attendees": posts(view.attendees),
        "invited": posts(view.invited),
    }


@router.get("/systems/{slug}/schemes", response=list[SchemeOut], summary="Schemes of delegation")
def schemes(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [
        _scheme(s)
        for s in Scheme.objects.filter(system=_system(slug))
        .select_related("organisation")
        .order_by("organisation__name", "-in_force_from")
    ]


def _scheme(s: Scheme) -> dict[str, Any]:
    return {
        "organisation": s.organisation.code,
        "version": s.version,
        "title": s.title,
        "in_force_from": s.in_force_from.isoformat(),
        "in_force_to": s.in_force_to.isoformat() if s.in_force_to else None,
        "illustrative": s.illustrative,
    }


@router.get(
    "/systems/{slug}/schemes/{organisation}/{version}",
    summary="A scheme, compiled (amounts in pence)",
)
def scheme(request: HttpRequest, slug: str, organisation: str, version: str) -> dict[str, Any]:
    s = (
        Scheme.objects.select_related("organisation")
        .filter(system=_system(slug), organisation__code=organisation, version=version)
        .first()
    )
    if s is None:
        raise NotFound.at("version", f"no scheme {organisation}/{version} in {slug}")
    return {**_scheme(s), "scheme": s.compiled}


class TakerOut(Schema):
    post: str | None
    body: str | None
    second: list[str]
    name: str


class StepOut(Schema):
    id: str
    organisation: str
    kind: Literal["consult", "recommend", "decide", "decide_jointly"]
    taker: TakerOut
    clause: str
    sentence: str
    blocks: list[str]


class OrganisationRouteOut(Schema):
    organisation: str
    name: str
    decidable: bool
    reason: str
    code: str | None = Field(description="why no one may decide, when no one may")
    measured: int = Field(description="the amount the band was chosen from, in pence")
    scheme: str
    illustrative: bool
    steps: list[StepOut]


class RouteOut(Schema):
    decidable: bool
    organisations: list[OrganisationRouteOut]
    joint: list[StepOut]
    steps: list[StepOut]


class CheckOut(Schema):
    organisation: str = Field(description="the part's organisation; empty for the whole decision")
    code: str
    status: Literal["passed", "failed", "not_checked", "not_applicable"]
    clause: str
    sentence: str


class PartOut(Schema):
    organisation: str
    name: str
    valid: bool
    checks: list[CheckOut]


class ValidationOut(Schema):
    valid: bool = Field(description="every part holds")
    binds: list[str] = Field(description="the organisations whose part is valid and consented")
    binds_names: list[str]
    reasons: list[CheckOut]
    checks: list[CheckOut]
    parts: list[PartOut]
    meeting: CheckOut | None = Field(
        description="a meeting of decision makers' quorum, reported, never failing a part"
    )


@router.post(
    "/route",
    response=RouteOut,
    summary="Who must decide this?",
    description="Amounts in pounds, VAT included.",
)
def route(request: HttpRequest, proposal: ProposalIn) -> dict[str, Any]:
    result, gov = route_proposal(proposal)
    return describe_route(result, gov)


@router.post(
    "/validate",
    response=ValidationOut,
    summary="Was this decision validly made, and whom does it bind?",
    description="A decision has a part per organisation (its amount, deciders, route step, "
    "consent and, where its body votes, the votes). Amounts in pounds, VAT included.",
)
def validate(request: HttpRequest, decision: DecisionIn) -> dict[str, Any]:
    result, gov = validate_decision(decision)
    return describe_validation(result, gov)
