"""Proposals in the API: a system's pipeline (filtered as the board is), a proposal with its
stages, what its next steps need, its route and recorded outcomes; creating one, and moving it
on (onto the forward plans, asking the route to approval, taking a transition)."""

from datetime import date
from typing import Annotated, Any

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from pydantic import StrictBool, StrictInt

from commonweal.core.actions import Actor
from commonweal.core.documents import Strict
from commonweal.core.errors import NotFound, NotPermitted
from commonweal.core.money import Pounds
from commonweal.registry.models import System

from . import actions, assessing, presenters
from .models import Assessment, Proposal

router = Router(tags=["proposals"])
MAX_NUMBER = 2**31 - 1


class CardOut(Schema):
    reference: str
    number: int
    title: str
    state: str
    stage: int | None
    programme: str | None
    footprint: str
    lead: str


class PipelineOut(Schema):
    total: int
    by_state: dict[str, int]
    proposals: list[CardOut]


class NextOut(Schema):
    transition: str
    name: str
    made_by: str
    ready: bool
    found: list[str]
    missing: list[str]


class ProposalOut(Schema):
    reference: str
    number: int
    title: str
    summary: str
    service: str
    care_group: str
    programme: str | None
    footprint: str
    population: str
    lead: str
    sponsors: list[str]
    workflow: dict[str, Any]
    state: str
    state_name: str
    stage: int | None
    decision_type: str | None
    next: list[NextOut]
    passages: list[dict[str, Any]]
    documents: list[dict[str, Any]]
    route: dict[str, Any] | None
    decisions: list[dict[str, Any]]
    money: list[dict[str, Any]]
    indicators: list[str]


class Filters(Schema):
    programme: str = Field("", max_length=60)
    place: str = Field("", max_length=40)
    organisation: str = Field("", max_length=20)
    state: str = Field("", max_length=60)
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


class MoneyIn(Strict):
    organisation: str = Field(min_length=1, max_length=20)
    year: int = Field(ge=2000, le=2100, description="the financial year's first calendar year")
    cost: Pounds = Field(default=0)
    saving: Pounds = Field(default=0)


class ProposalIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    service: str = Field(min_length=1, max_length=200)
    footprint: str = Field(min_length=1, max_length=40, description="an area code of the system")
    lead: str = Field(min_length=1, max_length=20, description="the lead organisation's code")
    care_group: str = Field("", max_length=200)
    programme: str = Field("", max_length=60)
    summary: str = Field("", max_length=20_000)
    population: str = Field("", max_length=500)
    risks: str = Field("", max_length=20_000)
    sponsors: list[str] = Field(default_factory=list, max_length=30)
    indicators: list[str] = Field(default_factory=list, max_length=100)
    money: list[MoneyIn] = Field(default_factory=list, max_length=100)


class StepIn(Strict):
    transition: str = Field(min_length=1, max_length=60)
    note: str = Field("", max_length=2000)


class ForwardIn(Strict):
    transition: str = Field(min_length=1, max_length=60)
    due: date | None = None


class ApprovalIn(Strict):
    transition: str = Field(min_length=1, max_length=60)
    decision_type: str = Field(min_length=1, max_length=40)
    due: date | None = None


def _system(slug: str) -> System:
    found = System.objects.filter(slug=slug[:60]).first()
    if found is None:
        raise NotFound.at("slug", f"there is no system '{slug[:60]}'")
    return found


def _proposal(slug: str, number: int) -> Proposal:
    system = _system(slug)
    found = (
        Proposal.objects.filter(system=system, number=number).first()
        if 0 < number <= MAX_NUMBER
        else None
    )
    if found is None:
        raise NotFound.at("number", f"{system.name} has no proposal {number}")
    return found


def _out(p: Proposal) -> dict[str, Any]:
    return presenters.as_json(presenters.view(p))


@router.get(
    "/systems/{slug}/proposals",
    response=PipelineOut,
    summary="A system's proposals, newest first, filtered as the pipeline board is",
)
def pipeline(request: HttpRequest, slug: str, q: Query[Filters]) -> dict[str, Any]:
    system = _system(slug)
    f = presenters.Filters(q.programme, q.place, q.organisation)
    rows = presenters.filtered(system, f)
    by_state = {
        r["state"]: r["n"]
        for r in rows.order_by().values("state").annotate(n=Count("id", distinct=True))
    }
    if q.state:
        rows = rows.filter(state=q.state)
    page = rows.select_related("programme", "footprint", "lead").order_by("-number")[
        q.offset : q.offset + q.limit
    ]
    return {
        "total": sum(by_state.values()),
        "by_state": by_state,
        "proposals": [
            {
                "reference": p.reference,
                "number": p.number,
                "title": p.title,
                "state": p.state,
                "stage": p.stage,
                "programme": p.programme.code if p.programme else None,
                "footprint": p.footprint.code,
                "lead": p.lead.code,
            }
            for p in page
        ],
    }


@router.get(
    "/systems/{slug}/proposals/{number}",
    response=ProposalOut,
    summary="A proposal: its stages, what its next steps need, its route and outcomes",
)
def proposal(request: HttpRequest, slug: str, number: int) -> dict[str, Any]:
    return _out(_proposal(slug, number))


@router.post(
    "/systems/{slug}/proposals",
    response={201: ProposalOut},
    summary="Create a proposal, in its workflow's first state",
    description="Needs the manage_proposals permission in the lead organisation (403 without).",
)
def create(request: HttpRequest, slug: str, body: ProposalIn) -> Any:
    system = _system(slug)
    # Attributes, not model_dump(): amounts are pence here, and dump back to pounds.
    fields = {k: getattr(body, k) for k in ProposalIn.model_fields if k != "money"}
    money = [actions.MoneyIn(m.organisation, m.year, m.cost, m.saving) for m in body.money]
    done = actions.create(
        Actor.from_user(request.user), system, actions.ProposalIn(**fields, money=money)
    )
    return 201, _out(done)


@router.post(
    "/systems/{slug}/proposals/{number}/advance",
    response={201: ProposalOut},
    summary="Take one of the workflow's transitions",
    description="Refused (422) with everything still missing: documents, bodies' recorded "
    "outcomes, route steps without a valid decision.",
)
def advance(request: HttpRequest, slug: str, number: int, body: StepIn) -> Any:
    p = _proposal(slug, number)
    actions.advance(Actor.from_user(request.user), p, body.transition, note=body.note)
    p.refresh_from_db()
    return 201, _out(p)


@router.post(
    "/systems/{slug}/proposals/{number}/forward",
    response={201: ProposalOut},
    summary="Put the proposal on the forward plans of the bodies a transition names",
)
def forward(request: HttpRequest, slug: str, number: int, body: ForwardIn) -> Any:
    p = _proposal(slug, number)
    actions.put_forward(Actor.from_user(request.user), p, body.transition, due=body.due)
    return 201, _out(p)


@router.post(
    "/systems/{slug}/proposals/{number}/approval",
    response={201: ProposalOut},
    summary="Ask the governance engine for the route to approval and plan every step",
)
def approval(request: HttpRequest, slug: str, number: int, body: ApprovalIn) -> Any:
    p = _proposal(slug, number)
    actions.seek_approval(
        Actor.from_user(request.user),
        p,
        body.transition,
        decision_type=body.decision_type,
        due=body.due,
    )
    p.refresh_from_db()
    return 201, _out(p)


# The right level, and scoring ------------------------------------------------------------------


class TriageIn(Strict):
    answers: dict[str, str] = Field(max_length=50)
    note: str = Field(default="", max_length=2000)


class InterestIn(Strict):
    interest: str = Field(
        max_length=40,
        description="none, financial, non_financial_professional, non_financial_personal or indirect",
    )
    detail: str = Field(default="", max_length=2000)


class ScoresIn(Strict):
    scores: dict[str, StrictInt | None] = Field(default_factory=dict, max_length=50)
    comments: dict[str, Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, max_length=50
    )
    submit: StrictBool = False


class ModerationIn(Strict):
    criterion: str = Field(min_length=1, max_length=60)
    score: StrictInt
    rationale: str = Field(min_length=1, max_length=4000)


def _levels(request: HttpRequest, p: Proposal) -> dict[str, Any]:
    return assessing.as_json(assessing.levels_view(p, Actor.from_user(request.user)))


@router.get(
    "/systems/{slug}/proposals/{number}/levels",
    response=dict[str, Any],
    summary="A proposal's level triage, its place's option and its scoring (blind)",
    description="Other assessors' scores, the spread and the moderated scores are withheld "
    "(null) until you have submitted your own assessment, or every criterion is moderated.",
)
def levels_of(request: HttpRequest, slug: str, number: int) -> dict[str, Any]:
    return _levels(request, _proposal(slug, number))


@router.post(
    "/systems/{slug}/proposals/{number}/triage",
    response={201: dict[str, Any]},
    summary="Take the proposal through its system's level-triage tree",
    description="Answers by question code; 422 names the first question on the path without a "
    "valid answer. Needs manage_proposals in the lead organisation.",
)
def triage(request: HttpRequest, slug: str, number: int, body: TriageIn) -> Any:
    p = _proposal(slug, number)
    actions.triage(Actor.from_user(request.user), p, body.answers, note=body.note)
    return 201, _levels(request, p)


@router.post(
    "/systems/{slug}/proposals/{number}/interest",
    response={201: dict[str, Any]},
    summary="Declare your interests in the proposal before scoring it",
    description="Any interest means you cannot score it. Needs assess_proposals in one of the "
    "system's organisations.",
)
def interest(request: HttpRequest, slug: str, number: int, body: InterestIn) -> Any:
    p = _proposal(slug, number)
    actions.declare_interest(
        Actor.from_user(request.user), p, interest=body.interest, detail=body.detail
    )
    return 201, _levels(request, p)


@router.post(
    "/systems/{slug}/proposals/{number}/scores",
    response={201: dict[str, Any]},
    summary="Save your scores (incomplete if you like); submit when every criterion is scored",
)
def scores(request: HttpRequest, slug: str, number: int, body: ScoresIn) -> Any:
    p = _proposal(slug, number)
    actions.score(
        Actor.from_user(request.user),
        p,
        body.scores,
        comments=body.comments,
        submit=body.submit,
    )
    return 201, _levels(request, p)


@router.post(
    "/systems/{slug}/proposals/{number}/moderation",
    response={201: dict[str, Any]},
    summary="Agree the moderated score for a criterion, with the rationale",
    description="Only assessors who have submitted and declared no interest moderate.",
)
def moderation(request: HttpRequest, slug: str, number: int, body: ModerationIn) -> Any:
    p = _proposal(slug, number)
    actions.moderate(
        Actor.from_user(request.user),
        p,
        criterion=body.criterion,
        score=body.score,
        rationale=body.rationale,
    )
    return 201, _levels(request, p)


@router.get(
    "/systems/{slug}/proposals/{number}/assessments/{pk}",
    response=dict[str, Any],
    summary="One assessment: yours, or another's once yours is submitted",
    description="403 for another assessor's scores until you have submitted your own.",
)
def assessment(request: HttpRequest, slug: str, number: int, pk: int) -> dict[str, Any]:
    p = _proposal(slug, number)
    a = Assessment.objects.filter(proposal=p, pk=pk).first() if 0 < pk <= MAX_NUMBER else None
    if a is None:
        raise NotFound.at("pk", f"{p.reference} has no assessment {pk}")
    if not assessing.may_see_assessment(Actor.from_user(request.user), a):
        raise NotPermitted(
            "Another assessor's scores are shown only to assessors who have submitted their own"
        )
    return {
        "id": a.pk,
        "assessor": a.name,
        "interest": a.interest,
        "scores": a.scores,
        "comments": a.comments,
        "submitted": a.submitted.isoformat() if a.submitted else None,
    }
