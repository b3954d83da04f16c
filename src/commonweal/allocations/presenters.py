"""What the allocation pages and the API show, shaped once: an allocation's lines and summary by
programme, its place budgets (stored once submitted; worked out afresh while it is a draft),
its route through the scheme of delegation with each step's clause, its status and decision."""

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
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
    weighted: Decimal  # population × weight, exactly
    share_fraction: Decimal  # weighted ÷ all places' weighted population, 0 to 1 (12 places)
    amount: int  # the capitated budget, pence
    counted: str
    lines: int = 0  # the net of the lines at this place (growth, investment, disinvestment)

    @property
    def share(self) -> Decimal:
        """The share as a percentage to two decimal places (for display)."""
        return (self.share_fraction * 100).quantize(Decimal("0.01"))

    @property
    def total(self) -> int:
        """Capitated budget + place-specific lines = the place's total."""
        return self.amount + self.lines


@dataclass(frozen=True)
class Use:
    label: str
    amount: int  # pence, signed


@dataclass(frozen=True)
class Reconciliation:
    """Sources and uses: the allocation received, and what it is used for, adding up."""

    total: int
    capitated: int
    growth: int
    investment: int
    disinvestment: int  # negative (or zero)
    place_lines: int  # the net of the lines at a place (within growth, investment, disinvestment)
    held: int  # held at system level, not capitated: the remainder

    @property
    def uses(self) -> tuple[Use, ...]:
        return (
            Use("Capitated to places by population", self.capitated),
            Use("Growth", self.growth),
            Use("Investment", self.investment),
            Use("Disinvestment", self.disinvestment),
            Use(HELD, self.held),
        )

    @property
    def uses_total(self) -> int:
        return sum(u.amount for u in self.uses)

    @property
    def places_total(self) -> int:
        """The places' totals: capitated budgets plus the lines at a place."""
        return self.capitated + self.place_lines

    @property
    def system_lines(self) -> int:
        """The net of the lines for the whole system (not at a place)."""
        return self.growth + self.investment + self.disinvestment - self.place_lines


HELD = "Held at system level (not capitated)"


@dataclass(frozen=True)
class AllocationView:
    allocation: Allocation
    lines: tuple[LineRow, ...]
    summary: rules.Summary
    places: tuple[PlaceRow, ...]
    places_stored: bool  # True once submitted: the stored budgets; else worked out now
    place_sum: int
    population: int
    weighted: Decimal  # all places' weighted population
    explanation: str
    problems: tuple[tuple[str, str], ...]
    route: dict[str, Any] | None
    route_problem: str
    basis_label: str
    corrected_by: tuple[Allocation, ...]
    reconciliation: Reconciliation
    # Lines at a place with no capitated budget (nothing capitated, say): (place, net pence).
    other_place_lines: tuple[tuple[str, int], ...] = ()

    @property
    def place_lines(self) -> int:
        return sum(p.lines for p in self.places)

    @property
    def places_total(self) -> int:
        return sum(p.total for p in self.places)


SHARE_PLACES = Decimal("0.000000000001")


def _plain(d: Decimal) -> Decimal:
    """Without trailing zeros and never in exponent form (150000, not 1.5E+5)."""
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def _fraction(part: Decimal | Fraction, whole: Decimal | Fraction) -> Decimal:
    if not whole:
        return Decimal(0)
    q = Fraction(part) / Fraction(whole)
    return (Decimal(q.numerator) / Decimal(q.denominator)).quantize(SHARE_PLACES)


def _places(a: Allocation) -> tuple[tuple[PlaceRow, ...], str, tuple[tuple[str, str], ...]]:
    if a.status != Status.DRAFT:
        budgets = list(a.place_budgets.select_related("place").order_by("place__name"))
        whole = sum((b.population * b.weight for b in budgets), Decimal(0))
        rows = tuple(
            PlaceRow(
                code=b.place.code,
                name=b.place.name,
                population=b.population,
                weight=_plain(b.weight),
                weighted=_plain(b.population * b.weight),
                share_fraction=_fraction(b.population * b.weight, whole),
                amount=b.amount,
                counted=b.counted,
            )
            for b in budgets
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
                weight=_plain(s.weight),
                weighted=_plain(s.population * s.weight),
                share_fraction=_fraction(s.share, Fraction(1)),
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
    at_place: dict[str, int] = {}
    names: dict[str, str] = {}
    for line in lines:
        if line.place is not None:
            at_place[line.place.code] = at_place.get(line.place.code, 0) + line.signed
            names[line.place.code] = line.place.name
    places = tuple(replace(p, lines=at_place.get(p.code, 0)) for p in places)
    placed = {p.code for p in places}
    summary = rules.summarise(inputs)
    capitated = sum(p.amount for p in places) if places else a.place_total
    place_lines = sum(at_place.values())
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
        summary=summary,
        places=places,
        places_stored=a.status != Status.DRAFT,
        place_sum=sum(p.amount for p in places),
        population=sum(p.population for p in places),
        weighted=_plain(sum((p.weighted for p in places), Decimal(0))),
        explanation=explanation,
        problems=problems,
        route=route,
        route_problem=route_problem,
        basis_label=Basis(a.basis).label,
        corrected_by=tuple(a.corrected_by.all()),
        reconciliation=Reconciliation(
            total=a.total,
            capitated=capitated,
            growth=summary.growth,
            investment=summary.investment,
            disinvestment=summary.disinvestment,
            place_lines=place_lines,
            held=a.total - capitated - summary.net_change,
        ),
        other_place_lines=tuple(
            (names[code], amount) for code, amount in at_place.items() if code not in placed
        ),
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
                "weighted_population": str(p.weighted),
                "share": str(p.share_fraction),
                "share_percent": str(p.share),
                "amount": money(p.amount),
                "place_lines": money(p.lines),
                "place_total": money(p.total),
                "counted": p.counted,
            }
            for p in view.places
        ],
        "places_stored": view.places_stored,
        "sources_and_uses": {
            "total": money(view.reconciliation.total),
            "uses": [{"use": u.label, "amount": money(u.amount)} for u in view.reconciliation.uses],
            "uses_total": money(view.reconciliation.uses_total),
            "held_at_system_level": money(view.reconciliation.held),
            "places_total": money(view.reconciliation.places_total),
        },
        "explanation": view.explanation,
        "problems": [{"field": f, "message": m} for f, m in view.problems],
        "plan_item": a.plan_item.reference if a.plan_item else None,
        "consultation_item": a.consultation_item.reference if a.consultation_item else None,
        "decision": a.decision.reference if a.decision else None,
        "decision_id": a.decision_id,
        "refused_reason": a.refused_reason,
        "corrects": a.corrects.reference if a.corrects else None,
        "route": view.route,
    }
