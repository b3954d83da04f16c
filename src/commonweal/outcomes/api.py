"""Outcomes' API operations, read from the same presenters as the pages: a system's framework,
an indicator's values across the system's areas, an area's profile, an SPC series; and one
change, recording a rebase point on a series.

The public register's operations (under /api/public/) give the same shapes with counts below
the small-number threshold withheld (count, value and intervals null, and a note saying so).
"""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status

from commonweal.core.actions import Actor
from commonweal.core.documents import Strict
from commonweal.core.errors import NotFound
from commonweal.registry.models import System

from . import actions, presenters
from .models import Indicator, Series

router = Router(tags=["outcomes"])
public_router = Router(tags=["public register: outcomes"], auth=None)

AREA_TYPE = Query(
    "Place",
    description="which of the system's areas: System, Place, PCN or GP practice",
    pattern="^(System|Place|PCN|GP practice)$",
)


class OutcomeFigure(Schema):
    area_code: str
    area_name: str
    area_type: str
    period: str
    value: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    count: float | None
    denominator: float | None
    compared_to_england: str = Field(description="at the indicator's significance level")
    note: str
    recent_trend: str
    suppressed: bool = Field(description="withheld: the count is below the threshold")
    practices: list[str] = Field(description="for a system's area: the practices summed")


class OutcomeIndicator(Schema):
    code: str
    name: str
    definition: str
    polarity: str
    unit: str
    method: str
    significance: str
    source: str
    target: float | None


class OutcomeIndicatorValues(Schema):
    indicator: OutcomeIndicator
    area_type: str
    england: OutcomeFigure | None
    values: list[OutcomeFigure]


class OutcomeFrameworkIndicator(OutcomeIndicator):
    system_value: OutcomeFigure | None
    england: OutcomeFigure | None


class OutcomeOutcome(Schema):
    code: str
    name: str
    description: str
    indicators: list[OutcomeFrameworkIndicator]


class OutcomeFramework(Schema):
    name: str
    version: int
    written_by: str
    checked_by: str
    review_date: date
    illustrative: bool
    outcomes: list[OutcomeOutcome]


class OutcomeSpineLine(Schema):
    outcome: str
    indicator: OutcomeIndicator
    value: OutcomeFigure | None
    england: float | None
    worst: float | None
    q25: float | None
    q75: float | None
    best: float | None
    areas_compared: int | None


class OutcomeProfile(Schema):
    code: str
    name: str
    area_type: str
    imd_score: float | None
    lines: list[OutcomeSpineLine]


class OutcomeSpcPoint(Schema):
    period: date
    value: float | None
    mean: float | None
    lower_process_limit: float | None
    upper_process_limit: float | None
    point_type: str
    rule: str


class OutcomeRebase(Schema):
    period: date
    reason: str
    recorded_at: Any


class OutcomeSeries(Schema):
    code: str
    name: str
    unit: str
    improvement: str
    target: float | None
    variation: str
    assurance: str | None
    points: list[OutcomeSpcPoint]
    rebases: list[OutcomeRebase]


class RebaseIn(Strict):
    period: date = Field(description="the first day of the month the process changed")
    reason: str = Field(min_length=1, max_length=2000)


def _system(slug: str) -> System:
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise NotFound.at("slug", f"there is no system '{slug[:60]}'")
    return system


def _indicator(i: Indicator, target: float | None = None) -> dict[str, Any]:
    return {
        "code": i.code,
        "name": i.name,
        "definition": i.definition,
        "polarity": i.polarity,
        "unit": i.unit,
        "method": i.method,
        "significance": i.significance,
        "source": i.source,
        "target": target if target is not None else i.target,
    }


def _figure(f: presenters.Figure | None) -> dict[str, Any] | None:
    if f is None:
        return None
    return {
        "area_code": f.area_code,
        "area_name": f.area_name,
        "area_type": f.area_type,
        "period": f.period,
        "value": f.value,
        "lower95": f.lower95,
        "upper95": f.upper95,
        "lower998": f.lower998,
        "upper998": f.upper998,
        "count": f.count,
        "denominator": f.denominator,
        "compared_to_england": f.comparison,
        "note": f.note,
        "recent_trend": f.trend,
        "suppressed": f.suppressed,
        "practices": list(f.practices),
    }


def framework_data(slug: str, public: bool) -> dict[str, Any]:
    view = presenters.framework(_system(slug), public=public)
    if view is None:
        raise NotFound.at("slug", "no outcomes framework is loaded for this system")
    return {
        "name": view.name,
        "version": view.version,
        "written_by": view.written_by,
        "checked_by": view.checked_by,
        "review_date": view.review_date,
        "illustrative": view.illustrative,
        "outcomes": [
            {
                "code": o.code,
                "name": o.name,
                "description": o.description,
                "indicators": [
                    {
                        **_indicator(Indicator.objects.get(code=i.code), i.target),
                        "system_value": _figure(i.latest),
                        "england": _figure(i.england),
                    }
                    for i in o.indicators
                ],
            }
            for o in view.outcomes
        ],
    }


def values_data(slug: str, code: str, area_type: str, public: bool) -> dict[str, Any]:
    system = _system(slug)
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        raise NotFound.at("code", f"there is no indicator '{code[:80]}'")
    figures = presenters.indicator_figures(system, indicator, area_type, public=public)
    view_england = presenters.latest_values([indicator.pk], [presenters.ENGLAND]).get(
        (indicator.pk, presenters.ENGLAND)
    )
    return {
        "indicator": _indicator(indicator),
        "area_type": area_type,
        "england": _figure(presenters.figure(view_england, indicator, public=public))
        if view_england
        else None,
        "values": [_figure(f) for f in figures],
    }


def profile_data(slug: str, code: str, public: bool) -> dict[str, Any]:
    view = presenters.profile(_system(slug), code[:80], public=public)
    if view is None:
        raise NotFound.at("code", f"no area '{code[:80]}' has indicator values")
    return {
        "code": view.code,
        "name": view.name,
        "area_type": view.area_type,
        "imd_score": view.deprivation.score if view.deprivation else None,
        "lines": [
            {
                "outcome": line.outcome,
                "indicator": _indicator(line.indicator),
                "value": _figure(line.figure),
                "england": line.benchmark,
                "worst": line.spread.worst if line.spread else None,
                "q25": line.spread.q25 if line.spread else None,
                "q75": line.spread.q75 if line.spread else None,
                "best": line.spread.best if line.spread else None,
                "areas_compared": line.spread.areas if line.spread else None,
            }
            for line in view.lines
        ],
    }


def series_data(slug: str, code: str) -> dict[str, Any]:
    system = _system(slug)
    series = Series.objects.filter(code=code).first()
    if series is None:
        raise NotFound.at("code", f"there is no series '{code[:80]}'")
    view = presenters.series_view(series, system)
    return {
        "code": series.code,
        "name": series.name,
        "unit": series.unit,
        "improvement": series.improvement,
        "target": series.target,
        "variation": view.variation + (f" ({view.variation_side})" if view.variation_side else ""),
        "assurance": view.assurance,
        "points": [
            {
                "period": p.period,
                "value": p.value,
                "mean": p.mean,
                "lower_process_limit": p.lpl,
                "upper_process_limit": p.upl,
                "point_type": p.point_type,
                "rule": p.rule,
            }
            for p in view.points
        ],
        "rebases": [
            {"period": r.period, "reason": r.reason, "recorded_at": r.recorded_at}
            for r in view.rebases
        ],
    }


@router.get(
    "/systems/{slug}/outcomes",
    response=OutcomeFramework,
    summary="A system's outcomes framework: outcomes, indicators, the system's and England's values",
)
def framework(request: HttpRequest, slug: str) -> dict[str, Any]:
    return framework_data(slug, public=False)


@router.get(
    "/systems/{slug}/outcomes/indicators/{code}",
    response=OutcomeIndicatorValues,
    summary="An indicator's latest values for the system's areas of a type, with statistics",
)
def indicator_values(
    request: HttpRequest, slug: str, code: str, area_type: str = AREA_TYPE
) -> dict[str, Any]:
    return values_data(slug, code, area_type, public=False)


@router.get(
    "/systems/{slug}/outcomes/profiles/{code}",
    response=OutcomeProfile,
    summary="An area's profile: every indicator's latest value, England and the spread of areas",
)
def profile(request: HttpRequest, slug: str, code: str) -> dict[str, Any]:
    return profile_data(slug, code, public=False)


@router.get(
    "/systems/{slug}/outcomes/series/{code}",
    response=OutcomeSeries,
    summary="An SPC series by the Making Data Count rules, with its rebase points",
)
def series(request: HttpRequest, slug: str, code: str) -> dict[str, Any]:
    return series_data(slug, code)


@router.post(
    "/systems/{slug}/outcomes/series/{code}/rebases",
    response={201: OutcomeRebase},
    summary="Record a rebase point: the chart's limits start again from this month",
    description="Needs the manage_outcomes permission in an organisation that looks after the "
    "system (403 without). The month must have a value and cannot be the series' first.",
)
def record_rebase(request: HttpRequest, slug: str, code: str, body: RebaseIn) -> Any:
    system = _system(slug)
    series_ = get_object_or_404(Series, code=code)
    rebase = actions.record_rebase(
        Actor.from_user(request.user), system, series_, body.period, body.reason
    )
    return Status(
        201, {"period": rebase.period, "reason": rebase.reason, "recorded_at": rebase.recorded_at}
    )


@public_router.get(
    "/systems/{slug}/outcomes",
    response=OutcomeFramework,
    summary="A system's outcomes framework (small counts withheld)",
)
def public_framework(request: HttpRequest, slug: str) -> dict[str, Any]:
    return framework_data(slug, public=True)


@public_router.get(
    "/systems/{slug}/outcomes/indicators/{code}",
    response=OutcomeIndicatorValues,
    summary="An indicator's values for the system's areas (small counts withheld)",
)
def public_indicator_values(
    request: HttpRequest, slug: str, code: str, area_type: str = AREA_TYPE
) -> dict[str, Any]:
    return values_data(slug, code, area_type, public=True)


@public_router.get(
    "/systems/{slug}/outcomes/profiles/{code}",
    response=OutcomeProfile,
    summary="An area's profile (small counts withheld)",
)
def public_profile(request: HttpRequest, slug: str, code: str) -> dict[str, Any]:
    return profile_data(slug, code, public=True)
