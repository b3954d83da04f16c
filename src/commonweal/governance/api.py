from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from commonweal.governance import queries
from commonweal.governance.context import describe_route, describe_validation
from commonweal.governance.models import Body, Scheme
from commonweal.governance.requests import (
    DecisionIn,
    ProposalIn,
    RequestError,
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
    return get_object_or_404(System, slug=slug)


def _request_error(exc: RequestError) -> HttpError:
    return HttpError(422, "; ".join(f"{'.'.join(map(str, loc))}: {m}" for loc, m in exc.problems))


@router.get("/systems/{slug}/bodies", response=list[BodyOut], summary="Bodies of a system")
def bodies(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [
        {
            "code": b.code,
            "name": b.name,
            "kind": b.kind,
            "owners": [o.code for o in b.owners.all()],
            "parent": b.parent.code if b.parent else None,
            "voting": b.voting,
        }
        for b in queries.bodies(_system(slug))
    ]


@router.get(
    "/systems/{slug}/bodies/{code}",
    response=BodyDetail,
    summary="A body and its terms of reference",
)
def body(request: HttpRequest, slug: str, code: str) -> dict[str, Any]:
    from datetime import date

    system = _system(slug)
    b = get_object_or_404(
        Body.objects.select_related(
            "parent", "footprint", "chair__organisation", "deputy__organisation"
        ),
        system=system,
        code=code,
    )
    detail = queries.body_detail(b, date.today())

    def posts(group: str) -> list[dict[str, Any]]:
        return [
            {
                "ref": e["post"].ref,
                "title": e["post"].title,
                "organisation": e["post"].organisation.code,
                "statutory_roles": e["post"].statutory_roles,
                "holders": [h.person for h in e["holders"]],
            }
            for e in detail["groups"][group]
        ]

    return {
        "code": b.code,
        "name": b.name,
        "kind": b.kind,
        "owners": [o.code for o in detail["owners"]],
        "parent": b.parent.code if b.parent else None,
        "voting": b.voting,
        "purpose": b.purpose,
        "delegates": b.delegates,
        "footprint": b.footprint.code if b.footprint else None,
        "chair": b.chair.ref if b.chair else None,
        "deputy": b.deputy.ref if b.deputy else None,
        "quorum": {"number": b.quorum_number, "required": b.quorum_required},
        "members": posts("member"),
        "attendees": posts("attendee"),
        "invited": posts("invited"),
    }


@router.get("/systems/{slug}/schemes", response=list[SchemeOut], summary="Schemes of delegation")
def schemes(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [_scheme(s) for s in queries.schemes(_system(slug))]


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
    s = get_object_or_404(
        Scheme.objects.select_related("organisation"),
        system=_system(slug),
        organisation__code=organisation,
        version=version,
    )
    return {**_scheme(s), "scheme": s.compiled}


@router.post(
    "/route", summary="Who must decide this?", description="Amounts in pounds, VAT included."
)
def route(request: HttpRequest, proposal: ProposalIn) -> dict[str, Any]:
    try:
        result, gov = route_proposal(proposal)
    except RequestError as exc:
        raise _request_error(exc) from None
    return describe_route(result, gov)


@router.post(
    "/validate",
    summary="Was this decision validly made?",
    description="Amounts in pounds, VAT included.",
)
def validate(request: HttpRequest, decision: DecisionIn) -> dict[str, Any]:
    try:
        result, _ = validate_decision(decision)
    except RequestError as exc:
        raise _request_error(exc) from None
    return describe_validation(result)
