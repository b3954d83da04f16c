"""The allocations' API: a system's allocations, one allocation (its lines, summary by
programme, place budgets and route), and drafting one. Read from the same presenters as the
pages. Money is `{"pence": 123456, "pounds": "1234.56"}`: integer pence and pounds as a decimal
string, never a float."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from commonweal.core.actions import Actor
from commonweal.core.dates import Day
from commonweal.core.documents import Strict
from commonweal.core.errors import NotFound, Refused
from commonweal.core.money import Pounds
from commonweal.finance.models import FinancialYear
from commonweal.registry.models import System

from . import actions, presenters, rules
from .models import Allocation, Basis

router = Router(tags=["allocations"])


class AllocationMoney(Schema):
    pence: int = Field(description="the amount in pence, as an integer")
    pounds: str = Field(description='the amount in pounds as a decimal string, such as "1234.56"')


class AllocationYear(Schema):
    start: int
    label: str


class AllocationOrganisation(Schema):
    code: str
    name: str


class AllocationLineOut(Schema):
    programme: str
    priority: str
    kind: str = Field(description="growth, investment or disinvestment")
    amount: AllocationMoney = Field(description="signed: a disinvestment is negative")
    place: str


class AllocationProgramme(Schema):
    programme: str
    growth: AllocationMoney
    investment: AllocationMoney
    disinvestment: AllocationMoney = Field(description="negative (or zero)")
    net: AllocationMoney


class AllocationPlace(Schema):
    code: str
    name: str
    population: int
    weight: str = Field(description="the weighting's factor, as a decimal string (1 when raw)")
    weighted_population: str = Field(description="population × weight, exactly")
    share: str = Field(description="weighted population ÷ all places', a fraction 0 to 1")
    share_percent: str
    amount: AllocationMoney = Field(description="the capitated budget")
    place_lines: AllocationMoney = Field(
        description="the net of the growth, investment and disinvestment at this place"
    )
    place_total: AllocationMoney = Field(description="capitated budget + place_lines")
    counted: str = Field(description="how the population was counted")


class AllocationUse(Schema):
    use: str
    amount: AllocationMoney


class AllocationSourcesAndUses(Schema):
    total: AllocationMoney = Field(description="the recurrent allocation received")
    uses: list[AllocationUse] = Field(
        description="capitated to places, growth, investment, disinvestment and what is held at "
        "system level (not capitated): they add up to the total"
    )
    uses_total: AllocationMoney
    held_at_system_level: AllocationMoney
    places_total: AllocationMoney = Field(
        description="the places' totals: capitated budgets plus the lines at a place"
    )


class AllocationProblem(Schema):
    field: str
    message: str


class AllocationSummaryOut(Schema):
    id: int
    reference: str
    name: str
    year: AllocationYear
    organisation: AllocationOrganisation
    status: str = Field(description="draft, awaiting, decided or refused")
    illustrative: bool
    total: AllocationMoney
    place_total: AllocationMoney
    gross_new: AllocationMoney = Field(
        description="growth and investment: what the scheme of delegation's limits apply to"
    )
    net_change: AllocationMoney
    decision: str | None


class AllocationOut(AllocationSummaryOut):
    system: str
    status_label: str
    basis: str
    weighting: str
    weights: dict[str, str]
    population_on: date
    population_source: str
    lines: list[AllocationLineOut]
    programmes: list[AllocationProgramme]
    growth: AllocationMoney
    investment: AllocationMoney
    disinvestment: AllocationMoney
    places: list[AllocationPlace]
    places_stored: bool = Field(
        description="true once submitted (the stored budgets); a draft's are worked out afresh"
    )
    sources_and_uses: AllocationSourcesAndUses
    explanation: str
    problems: list[AllocationProblem] = Field(
        description="why a draft's place budgets cannot be worked out (a place with no population)"
    )
    plan_item: str | None = Field(description="the forward plan entry for its decision")
    consultation_item: str | None = Field(
        description="the forward plan entry for the ICE's consultation (or recommendation)"
    )
    decision_id: int | None
    refused_reason: str
    corrects: str | None
    route: dict[str, Any] | None = Field(
        description="the route the scheme of delegation gives the allocation, step by step"
    )


class AllocationDraftIn(Strict):
    year: int = Field(ge=2000, le=2100, description="the financial year's start: 2020 for 2020/21")
    organisation: str = Field(min_length=1, max_length=20, description="the NHS commissioner")
    name: str = Field(min_length=1, max_length=200)
    total: Pounds
    place_total: Pounds = Field(0)
    population_on: Day
    basis: Basis = Basis.REGISTERED
    weighting: str = Field("", max_length=200)
    weights: dict[str, Decimal] = Field(default_factory=dict, max_length=200)
    stated_populations: dict[str, int] = Field(default_factory=dict, max_length=200)
    population_source: str = Field("", max_length=300)
    illustrative: bool = False
    note: str = Field("", max_length=5_000)


def _system(slug: str) -> System:
    found = System.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound.at("slug", f"no system '{slug}'")
    return found


@router.get(
    "/systems/{slug}/allocations",
    response=list[AllocationSummaryOut],
    summary="A system's allocations",
)
def allocations(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    system = _system(slug)
    out = []
    for a in Allocation.objects.filter(system=system).select_related(
        "year", "organisation", "decision", "system"
    ):
        s = rules.summarise(actions.line_inputs(a))
        out.append(
            {
                "id": a.pk,
                "reference": a.reference,
                "name": a.name,
                "year": {"start": a.year.start, "label": a.year.label},
                "organisation": {"code": a.organisation.code, "name": a.organisation.name},
                "status": a.status,
                "illustrative": a.illustrative,
                "total": presenters.money(a.total),
                "place_total": presenters.money(a.place_total),
                "gross_new": presenters.money(s.gross_new),
                "net_change": presenters.money(s.net_change),
                "decision": a.decision.reference if a.decision else None,
            }
        )
    return out


@router.get(
    "/systems/{slug}/allocations/{code}",
    response=AllocationOut,
    summary="One allocation, by its reference: lines, summary by programme, place budgets, route",
)
def allocation(request: HttpRequest, slug: str, code: str) -> dict[str, Any]:
    system = _system(slug)
    a = (
        Allocation.objects.select_related(
            "system", "year", "organisation", "plan_item", "decision", "corrects"
        )
        .filter(system=system, reference=code)
        .first()
    )
    if a is None:
        raise NotFound.at("code", f"{system.name} has no allocation '{code[:40]}'")
    return presenters.as_json(presenters.allocation_view(a))


@router.post(
    "/systems/{slug}/allocations",
    response={201: AllocationOut},
    summary="Draft a year's allocation",
    description="Drafts an allocation for an NHS commissioner of the system: needs the "
    "manage_finance permission in it (403 without). Amounts are pounds. Its lines are added on "
    "its page; submitting it routes it through the scheme of delegation.",
)
def draft(request: HttpRequest, slug: str, body: AllocationDraftIn) -> Status:
    system = _system(slug)
    year = FinancialYear.objects.filter(system=system, start=body.year).first()
    if year is None:
        raise Refused.at("year", f"{system.name} has no financial year starting in {body.year}")
    org = next((o for o in actions.commissioners(year) if o.code == body.organisation), None)
    if org is None:
        raise Refused.at(
            "organisation", f"'{body.organisation}' is not an NHS commissioner of {system.name}"
        )
    done = actions.draft_allocation(
        Actor.from_user(request.user),
        year,
        org,
        actions.AllocationIn(
            name=body.name,
            total=body.total,
            place_total=body.place_total,
            population_on=body.population_on,
            basis=body.basis.value,
            weighting=body.weighting,
            weights=body.weights,
            stated_populations=body.stated_populations,
            population_source=body.population_source,
            illustrative=body.illustrative,
            note=body.note,
        ),
    )
    return Status(201, presenters.as_json(presenters.allocation_view(done)))
