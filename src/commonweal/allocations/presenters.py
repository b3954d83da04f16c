"""What the allocation pages and the API show, shaped once: an allocation's lines and summary by
programme, its place budgets (stored once submitted; worked out afresh while it is a draft),
its route through the scheme of delegation with each step's clause, its status and decision."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from commonweal.core.errors import Refused
from commonweal.governance.presenters import describe_route
from commonweal.governance.requests import route_proposal
from commonweal.meetings.actions import route_for

from . import actions, rules
from .models import Allocation, Basis, Status


@dataclass(frozen=True)
class LineRow:
    position: int
    programme: str
    priority: str
    kind: str
    kind_label: str
    amount: int  # signed: a disinvestment is negative
    place: str


@dataclass(frozen=True)
class PlaceRow:
    code: str
    name: str
    population: int
    weight: Decimal
    share: Decimal  # percentage, two places
    amount: int
    counted: str


@dataclass(frozen=True)
class AllocationView:
    allocation: Allocation
    lines: tuple[LineRow, ...]
    summary: rules.Summary
    places: tuple[PlaceRow, ...]
    places_stored: bool  # True once submitted: the stored budgets; else worked out now
    place_sum: int
    population: int
    explanation: str
    problems: tuple[tuple[str, str], ...]
    route: dict[str, Any] | None
    route_problem: str
    basis_label: str
    corrected_by: tuple[Allocation, ...]


def _places(a: Allocation) -> tuple[tuple[PlaceRow, ...], str, tuple[tuple[str, str], ...]]:
    if a.status != Status.DRAFT:
        rows = tuple(
            PlaceRow(
                code=b.place.code,
                name=b.place.name,
                population=b.population,
                weight=b.weight.normalize(),
                share=Decimal(0),
                amount=b.amount,
                counted=b.counted,
            )
            for b in a.place_budgets.select_related("place").order_by("place__name")
        )
        weighted = [r.population * r.weight for r in rows]
        whole = sum(weighted, Decimal(0))
        rows = tuple(
            PlaceRow(
                **{
                    **r.__dict__,
                    "share": (w * 100 / whole).quantize(Decimal("0.01")) if whole else Decimal(0),
                }
            )
            for r, w in zip(rows, weighted, strict=True)
        )
        return rows, a.explanation, ()
    worked = actions.work_out(a)
    if worked.capitation is None:
        return (), "", worked.problems
    return (
        tuple(
            PlaceRow(
                code=s.code,
                name=s.name,
                population=s.population,
                weight=s.weight,
                share=s.share_percent,
                amount=s.amount,
                counted=worked.counted.get(s.code, ""),
            )
            for s in worked.capitation.places
        ),
        worked.capitation.explanation,
        (),
    )


def _route(a: Allocation) -> tuple[dict[str, Any] | None, str]:
    try:
        if a.plan_item is not None:
            found, gov = route_for(a.plan_item)
        else:
            found, gov = route_proposal(actions.proposal(a, date.today()))
    except Refused as refused:
        return None, refused.message
    return describe_route(found, gov), ""


def allocation_view(a: Allocation) -> AllocationView:
    lines = list(a.lines.select_related("place"))
    inputs = actions.line_inputs(a)
    places, explanation, problems = _places(a)
    route, route_problem = _route(a)
    return AllocationView(
        allocation=a,
        lines=tuple(
            LineRow(
                position=line.position,
                programme=line.programme,
                priority=line.priority,
                kind=line.kind,
                kind_label=line.get_kind_display(),
                amount=line.signed,
                place=line.place.name if line.place else "",
            )
            for line in lines
        ),
        summary=rules.summarise(inputs),
        places=places,
        places_stored=a.status != Status.DRAFT,
        place_sum=sum(p.amount for p in places),
        population=sum(p.population for p in places),
        explanation=explanation,
        problems=problems,
        route=route,
        route_problem=route_problem,
        basis_label=Basis(a.basis).label,
        corrected_by=tuple(a.corrected_by.all()),
    )


def money(pence: int) -> dict[str, Any]:
    sign = "-" if pence < 0 else ""
    return {"pence": pence, "pounds": f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"}


def as_json(view: AllocationView) -> dict[str, Any]:
    """One allocation for the API."""
    a = view.allocation
    s = view.summary
    return {
        "id": a.pk,
        "reference": a.reference,
        "name": a.name,
        "system": a.system.slug,
        "year": {"start": a.year.start, "label": a.year.label},
        "organisation": {"code": a.organisation.code, "name": a.organisation.name},
        "status": a.status,
        "status_label": a.get_status_display(),
        "illustrative": a.illustrative,
        "total": money(a.total),
        "place_total": money(a.place_total),
        "basis": a.basis,
        "weighting": a.weighting,
        "weights": dict(a.weights),
        "population_on": a.population_on,
        "population_source": a.population_source,
        "lines": [
            {
                "programme": r.programme,
                "priority": r.priority,
                "kind": r.kind,
                "amount": money(r.amount),
                "place": r.place,
            }
            for r in view.lines
        ],
        "programmes": [
            {
                "programme": r.programme,
                "growth": money(r.growth),
                "investment": money(r.investment),
                "disinvestment": money(r.disinvestment),
                "net": money(r.net),
            }
            for r in s.programmes
        ],
        "growth": money(s.growth),
        "investment": money(s.investment),
        "disinvestment": money(s.disinvestment),
        "gross_new": money(s.gross_new),
        "net_change": money(s.net_change),
        "places": [
            {
                "code": p.code,
                "name": p.name,
                "population": p.population,
                "weight": str(p.weight),
                "share_percent": str(p.share),
                "amount": money(p.amount),
                "counted": p.counted,
            }
            for p in view.places
        ],
        "places_stored": view.places_stored,
        "explanation": view.explanation,
        "problems": [{"field": f, "message": m} for f, m in view.problems],
        "plan_item": a.plan_item.reference if a.plan_item else None,
        "decision": a.decision.reference if a.decision else None,
        "decision_id": a.decision_id,
        "refused_reason": a.refused_reason,
        "corrects": a.corrects.reference if a.corrects else None,
        "route": view.route,
    }
