"""Assurance in the API: a period's report for the system or a place (the page's exceptions
and figures), and recording a response to an exception."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from commonweal.core.actions import Actor
from commonweal.core.documents import Strict
from commonweal.core.errors import NotFound
from commonweal.registry.models import Area, System
from commonweal.registry.rules import Level

from . import actions, presenters, rules
from .models import AssuranceException

router = Router(tags=["assurance"])


class PeriodOut(Schema):
    slug: str
    label: str
    start: str
    end: str


class ScopeOut(Schema):
    code: str
    name: str
    level: str


class ActionOut(Schema):
    action: str
    owner: str
    due: str


class ResponseOut(Schema):
    owner: str
    response: str
    actions: list[ActionOut]
    period: str
    recorded: str


class ExceptionOut(Schema):
    id: int
    domain: str
    line: str
    line_name: str
    subject: str
    subject_label: str
    owner: str
    reasons: list[str]
    since: str
    new: bool
    response: ResponseOut | None
    action_plan: dict[str, str] | None


class RowOut(Schema):
    line: str
    subject: str
    subject_label: str
    data_period: str
    value: str
    detail: str
    reasons: list[str]


class AssuranceReport(Schema):
    system: str
    scope: ScopeOut
    period: PeriodOut
    assessed: str | None
    summary: str
    exceptions: list[ExceptionOut]
    domains: dict[str, list[RowOut]]
    notes: list[str]


class ActionIn(Strict):
    action: str = Field(min_length=1, max_length=2000)
    owner: str = Field(min_length=1, max_length=200)
    due: date


class ResponseIn(Strict):
    owner: str = Field(min_length=1, max_length=200)
    response: str = Field(min_length=1, max_length=10000)
    actions: list[ActionIn] = Field(default_factory=list, max_length=20)


def _report(slug: str, period: str, place: str | None) -> dict[str, Any]:
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise NotFound.at("slug", f"there is no system '{slug[:60]}'")
    framework = presenters.framework_of(system)
    if framework is None:
        raise NotFound.at("slug", f"{system.name} has no assurance framework")
    try:
        p = rules.parse(period)
    except rules.PeriodError as exc:
        raise NotFound.at("period", str(exc)) from None
    if place is None:
        found = actions.scopes(system)
        scope = found[0] if found and found[0].level == Level.SYSTEM.value else None
    else:
        scope = Area.objects.filter(system=system, code=place, level=Level.PLACE.value).first()
    if scope is None:
        raise NotFound.at("place", f"{system.name} has no place '{(place or '')[:60]}'")
    r = presenters.report(framework, scope, p)
    if r.assessment is None:
        raise NotFound.at("period", f"{p.label} has not been assessed for {scope.name}")
    return presenters.as_json(r)


@router.get(
    "/systems/{slug}/assurance/{period}",
    response=AssuranceReport,
    summary="The system's assurance report for a period: exceptions first, then each domain",
)
def system_report(request: HttpRequest, slug: str, period: str) -> dict[str, Any]:
    return _report(slug, period, None)


@router.get(
    "/systems/{slug}/assurance/{period}/places/{place}",
    response=AssuranceReport,
    summary="A place's assurance report for a period",
)
def place_report(request: HttpRequest, slug: str, period: str, place: str) -> dict[str, Any]:
    return _report(slug, period, place)


@router.post(
    "/systems/{slug}/assurance/exceptions/{exception_id}/responses",
    response={201: ResponseOut},
    summary="Record the owner's response to an exception, with its actions",
    description="Needs the manage_assurance permission in the framework's owner or an "
    "organisation that looks after the system (403 without). An exception that has left the "
    "report takes no response (400).",
)
def respond(request: HttpRequest, slug: str, exception_id: int, body: ResponseIn) -> Any:
    e = (
        None
        if not 0 < exception_id < 2**63
        else (
            AssuranceException.objects.select_related("framework__owner", "framework__system")
            .filter(pk=exception_id, framework__system__slug=slug)
            .first()
        )
    )
    if e is None:
        raise NotFound.at("exception_id", f"there is no exception {exception_id} in '{slug[:60]}'")
    done = actions.respond(
        Actor.from_user(request.user),
        e,
        owner=body.owner,
        response=body.response,
        actions=[a.model_dump() for a in body.actions],
    )
    return 201, {
        "owner": done.owner,
        "response": done.response,
        "actions": done.actions,
        "period": done.period,
        "recorded": done.recorded.isoformat(),
    }
