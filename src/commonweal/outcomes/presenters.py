"""Outcomes shaped once for pages, CSV and the API: a system's framework, an indicator across
areas (with its funnel plot and inequality by deprivation), an area's profile (spine chart,
deprivation, population pyramid) and an SPC series.

`public=True` gives what the public may see: a count below the small-number threshold is
withheld, with its value and intervals (from which it could be worked out), and so is a figure
that would let a withheld count be worked out from a total (suppression.py); a note says which.
Everything public is built here and nowhere else.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import F, Max, Prefetch, Q

from commonweal import stats
from commonweal.core.formatting import long_date
from commonweal.registry.models import AreaResponsibility, System
from commonweal.registry.rules import Level

from . import rules, suppression
from .models import (
    Deprivation,
    Framework,
    Indicator,
    OutcomeIndicator,
    PopulationEstimate,
    Rebase,
    Series,
    Value,
)

ENGLAND = "E92000001"
AREA_TYPES = ("System", "Place", "PCN", "GP practice")
TREND_ARROWS = {"increasing": "up", "decreasing": "down", "no significant change": "none"}


threshold = suppression.threshold


def withheld(v: Value, indicator: Indicator) -> str:
    """Why the public may not see this figure ("" if they may): the note to show instead. The
    public spine spread (`_spread`) applies the same test in SQL."""
    count = rules.effective_count(
        v.count, v.value, v.denominator, indicator.method, indicator.multiplier
    )
    if rules.suppressed(count, threshold()):
        return rules.suppression_note(threshold())
    return rules.COMPLEMENT_NOTE if v.withheld_as_complement else ""


# One figure -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """An indicator's value for an area and period, as shown."""

    area_code: str
    area_name: str
    area_type: str
    parent_code: str
    period: str
    value: float | None
    lower: float | None  # at the indicator's significance level
    upper: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    count: float | None
    denominator: float | None
    comparison: str  # Better/Worse/Similar/Higher/Lower/Not compared
    note: str
    trend: str
    suppressed: bool
    practices: tuple[str, ...] = ()


def figure(v: Value, indicator: Indicator, *, public: bool) -> Figure:
    reason = withheld(v, indicator) if public else ""
    small = bool(reason)
    level99 = indicator.significance == "99.8"
    compared = rules.comparison_at(indicator.significance, v.compared95, v.compared998)
    hide = small
    return Figure(
        area_code=v.area_code,
        area_name=v.area_name,
        area_type=v.area_type,
        parent_code=v.parent_code,
        period=v.period,
        value=None if hide else v.value,
        lower=None if hide else (v.lower998 if level99 else v.lower95),
        upper=None if hide else (v.upper998 if level99 else v.upper95),
        lower95=None if hide else v.lower95,
        upper95=None if hide else v.upper95,
        lower998=None if hide else v.lower998,
        upper998=None if hide else v.upper998,
        count=None if hide else v.count,
        denominator=v.denominator,
        comparison="Not compared" if hide else rules.reading(compared, indicator.polarity),
        note=reason or v.value_note,
        trend=v.recent_trend or v.computed_trend,
        suppressed=small,
        practices=tuple(v.practices or ()),
    )


def number(value: float | None, places: int = 1) -> str:
    if value is None:
        return "–"
    return f"{value:,.{places}f}"


def count_text(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


# The framework ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRef:
    code: str
    name: str
    unit: str
    polarity: str
    method: str
    target: float | None
    latest: Figure | None
    england: Figure | None


@dataclass(frozen=True)
class OutcomeView:
    code: str
    name: str
    description: str
    indicators: tuple[IndicatorRef, ...]


@dataclass(frozen=True)
class AreaLink:
    code: str
    name: str
    area_type: str


@dataclass(frozen=True)
class FrameworkView:
    system: System
    name: str
    description: str
    version: int
    written_by: str
    checked_by: str
    review_date: date
    source: str
    illustrative: bool
    outcomes: tuple[OutcomeView, ...]
    areas: tuple[AreaLink, ...]


def framework_of(system: System) -> Framework | None:
    return (
        Framework.objects.filter(system=system, version__isnull=False)
        .select_related("version__document")
        .order_by("code")
        .first()
    )


def framework_indicators(framework: Framework | None) -> list[tuple[str, Indicator, float | None]]:
    """(outcome name, indicator, local target) in the framework's order; every indicator with
    values when the system has no framework."""
    if framework is None or framework.version is None:
        return [("", i, i.target) for i in Indicator.objects.order_by("name")]
    rows = []
    measures = Prefetch("measures", queryset=OutcomeIndicator.objects.select_related("indicator"))
    for outcome in framework.version.outcomes.prefetch_related(measures):
        for m in outcome.measures.all():
            target = m.target if m.target is not None else m.indicator.target
            rows.append((outcome.name, m.indicator, target))
    return rows


def system_area_code(system: System) -> str | None:
    top = system.areas.filter(level=Level.SYSTEM.value, ends__isnull=True).first()
    return f"{system.slug}.{top.code}" if top else None


def system_areas(system: System) -> list[AreaLink]:
    """The system's areas that have profiles: the system, its places and its PCNs."""
    links: list[AreaLink] = []
    for a in system.areas.filter(ends__isnull=True).order_by("name"):
        if a.level == Level.SYSTEM.value:
            links.insert(0, AreaLink(f"{system.slug}.{a.code}", a.name, "System"))
        elif a.level == Level.PLACE.value:
            links.append(AreaLink(f"{system.slug}.{a.code}", a.name, "Place"))
    pcns = [
        AreaLink(a.code, a.name, "PCN")
        for a in system.areas.filter(level=Level.NEIGHBOURHOOD.value, ends__isnull=True).order_by(
            "name"
        )
    ]
    have = set(
        Value.objects.filter(area_code__in=[p.code for p in pcns]).values_list(
            "area_code", flat=True
        )
    )
    return links + [p for p in pcns if p.code in have]


def latest_values(
    indicator_ids: Sequence[int], area_codes: Sequence[str]
) -> dict[tuple[int, str], Value]:
    """The latest value (by period) of each indicator for each area: persons, all ages (or the
    indicator's one age band), no category."""
    found: dict[tuple[int, str], Value] = {}
    for v in Value.objects.filter(
        indicator_id__in=list(indicator_ids),
        area_code__in=list(area_codes),
        category_type="",
        sex="Persons",
    ).order_by("period_sortable", "period"):
        found[(v.indicator_id, v.area_code)] = v
    return found


def framework(system: System, *, public: bool) -> FrameworkView | None:
    fw = framework_of(system)
    if fw is None or fw.version is None:
        return None
    listed = framework_indicators(fw)
    top = system_area_code(system)
    codes = [c for c in (top, ENGLAND) if c]
    latest = latest_values([i.pk for _, i, _ in listed], codes)
    outcomes = []
    for outcome in fw.version.outcomes.all():
        refs = []
        for m in outcome.measures.select_related("indicator").all():
            i = m.indicator
            mine = latest.get((i.pk, top)) if top else None
            eng = latest.get((i.pk, ENGLAND))
            refs.append(
                IndicatorRef(
                    i.code,
                    i.name,
                    i.unit,
                    i.polarity,
                    i.method,
                    m.target if m.target is not None else i.target,
                    figure(mine, i, public=public) if mine else None,
                    figure(eng, i, public=public) if eng else None,
                )
            )
        outcomes.append(OutcomeView(outcome.code, outcome.name, outcome.description, tuple(refs)))
    doc = fw.version.document
    return FrameworkView(
        system,
        fw.name,
        fw.version.description,
        fw.version.number,
        doc.written_by,
        doc.checked_by,
        doc.review_date,
        doc.source,
        doc.illustrative,
        tuple(outcomes),
        tuple(system_areas(system)),
    )


# Profiles ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpineLine:
    outcome: str
    indicator: Indicator
    figure: Figure | None
    benchmark: float | None
    spread: rules.Spread | None
    areas_compared: str  # "1,252 PCNs"


@dataclass(frozen=True)
class PyramidBand:
    age: str
    age_from: int
    male: float
    female: float
    male_count: int
    female_count: int


@dataclass(frozen=True)
class ProfileView:
    system: System
    code: str
    name: str
    area_type: str
    parent_code: str
    deprivation: Deprivation | None
    deprivation_basis: str
    lines: tuple[SpineLine, ...]
    pyramid: tuple[PyramidBand, ...]
    pyramid_benchmark: tuple[PyramidBand, ...]
    pyramid_year: int | None
    practices: tuple[AreaLink, ...]
    members_of: tuple[AreaLink, ...] = field(default=())


def _stamp() -> str:
    """Which data the cached spreads were worked out from: every write of values inserts new
    rows, so the highest row id changes with any release (and is read from the index)."""
    return str(Value.objects.aggregate(m=Max("id"))["m"])


def profile_stamp(system: System) -> str:
    """Which values and which framework version a system's profiles were drawn from."""
    version = Framework.objects.filter(system=system).aggregate(m=Max("version_id"))["m"]
    return f"{_stamp()}-{version}-{threshold()}"


@lru_cache(maxsize=4096)
def _spread(
    indicator_id: int,
    area_type: str,
    period: str,
    polarity: str,
    stamp: str,
    public: bool = False,
) -> rules.Spread | None:
    """The spread of the areas' values; for the public, leaving out the values withheld, which
    the worst or best would otherwise show."""
    indicator = Indicator.objects.get(pk=indicator_id)
    rows = Value.objects.filter(
        indicator_id=indicator_id,
        area_type=area_type,
        period=period,
        category_type="",
        sex="Persons",
        value__isnull=False,
    )
    if public:
        # As `withheld`, in SQL: a spread is taken over every practice in England.
        limit = threshold()
        rows = rows.exclude(withheld_as_complement=True).exclude(count__lt=limit)
        if rules.summable(indicator.method) and indicator.multiplier:
            rows = rows.annotate(
                implied=F("value") * F("denominator") / indicator.multiplier
            ).exclude(count__isnull=True, implied__lt=limit - 1e-6)
    values = list(rows.values_list("value", flat=True))
    if not values:
        return None
    return rules.spread(values, polarity)


def area_of(system: System, code: str) -> tuple[str, str, str, str] | None:
    """(code, name, type, parent) of an area with values, or None."""
    v = (
        Value.objects.filter(area_code=code)
        .values_list("area_code", "area_name", "area_type", "parent_code")
        .first()
    )
    if v is not None:
        return v
    if code.startswith(f"{system.slug}."):
        a = system.areas.filter(code=code.removeprefix(f"{system.slug}.")).first()
        if a is not None and a.level in (Level.SYSTEM.value, Level.PLACE.value):
            return (code, a.name, "System" if a.level == Level.SYSTEM.value else "Place", "")
    return None


def _pyramid(code: str) -> tuple[tuple[PyramidBand, ...], int | None]:
    year = (
        PopulationEstimate.objects.filter(area_code=code, projected=False)
        .aggregate(y=Max("year"))
        .get("y")
    )
    if year is None:
        return (), None
    rows = list(
        PopulationEstimate.objects.filter(area_code=code, year=year).values_list(
            "age_band", "age_from", "sex", "population"
        )
    )
    total = sum(r[3] for r in rows) or 1
    bands: dict[tuple[str, int], dict[str, int]] = {}
    for band, start, sex, people in rows:
        bands.setdefault((band, start), {})[sex] = people
    return (
        tuple(
            PyramidBand(
                band,
                start,
                100 * by_sex.get("Male", 0) / total,
                100 * by_sex.get("Female", 0) / total,
                by_sex.get("Male", 0),
                by_sex.get("Female", 0),
            )
            for (band, start), by_sex in sorted(bands.items(), key=lambda kv: kv[0][1])
        ),
        year,
    )


def _deprivation(
    code: str, area_type: str, practices: Sequence[str]
) -> tuple[Deprivation | None, str]:
    d = Deprivation.objects.filter(area_code=code).first()
    if d is not None:
        basis = (
            "the practice's registered patients"
            if area_type == "GP practice"
            else ("the network's registered patients")
        )
        return d, f"IMD 2019 score weighted by {basis}"
    if practices:
        rows = list(Deprivation.objects.filter(area_code__in=list(practices)))
        if rows:
            score = float(np.mean([r.score for r in rows]))
            return (
                Deprivation(area_code=code, score=score, decile=0, source=rows[0].source),
                f"the average IMD 2019 score of its {len(rows)} practices (unweighted)",
            )
    return None, ""


def profile(system: System, code: str, *, public: bool) -> ProfileView | None:
    found = area_of(system, code)
    if found is None:
        return None
    code, name, area_type, parent = found
    fw = framework_of(system)
    listed = framework_indicators(fw)
    ids = [i.pk for _, i, _ in listed]
    latest = latest_values(ids, [code, ENGLAND])
    stamp = _stamp()
    lines = []
    counts: dict[tuple[int, str], int] = {}
    for outcome, indicator, _target in listed:
        v = latest.get((indicator.pk, code))
        eng = latest.get((indicator.pk, ENGLAND))
        spread = (
            _spread(
                indicator.pk,
                area_type,
                v.period,
                indicator.polarity,
                f"{stamp} {threshold()}",
                public,
            )
            if v
            else None
        )
        if spread:
            counts[(indicator.pk, area_type)] = spread.areas
        lines.append(
            SpineLine(
                outcome,
                indicator,
                figure(v, indicator, public=public) if v else None,
                eng.value if eng else None,
                spread,
                f"{spread.areas:,} areas of type {area_type}" if spread else "",
            )
        )
    practices_used: tuple[str, ...] = ()
    mine = next((ln.figure for ln in lines if ln.figure and ln.figure.practices), None)
    if mine:
        practices_used = mine.practices
    if area_type == "PCN":
        practice_links = tuple(
            AreaLink(c, n, "GP practice")
            for c, n in Value.objects.filter(parent_code=code, area_type="GP practice")
            .values_list("area_code", "area_name")
            .distinct()
            .order_by("area_name")
        )
    else:
        practice_links = tuple(
            AreaLink(c, n, "GP practice")
            for c, n in Value.objects.filter(
                area_code__in=list(practices_used), area_type="GP practice"
            )
            .values_list("area_code", "area_name")
            .distinct()
            .order_by("area_name")
        )
    deprivation, basis = _deprivation(code, area_type, [p.code for p in practice_links])
    pyramid, year = _pyramid(code)
    benchmark, _ = _pyramid(ENGLAND) if pyramid else ((), None)
    return ProfileView(
        system,
        code,
        name,
        area_type,
        parent,
        deprivation,
        basis,
        tuple(lines),
        pyramid,
        benchmark,
        year,
        practice_links,
    )


# An indicator ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelView:
    points: pd.DataFrame  # area_code, area_name, denominator, value, significance
    limits: pd.DataFrame
    benchmark: float
    outliers: tuple[str, ...]


@dataclass(frozen=True)
class QuintileRow:
    quintile: int
    practices: int
    count: float
    denominator: float
    value: float
    lower: float
    upper: float


@dataclass(frozen=True)
class InequalityView:
    rows: tuple[QuintileRow, ...]
    sii: float
    rii: float
    basis: str


@dataclass(frozen=True)
class IndicatorView:
    system: System
    indicator: Indicator
    area_type: str
    figures: tuple[Figure, ...]
    england: Figure | None
    funnel: FunnelView | None
    inequality: InequalityView | None
    history: tuple[Figure, ...]  # the system's value over time
    written_by: str
    checked_by: str
    review_date: date | None


def system_practices(system: System) -> list[str]:
    """The practices of the system's PCNs, or of its NHS commissioners."""
    from commonweal.registry.models import AreaPractice

    codes = set(
        AreaPractice.objects.filter(area__system=system, area__level=Level.NEIGHBOURHOOD.value)
        .filter(Q(ends__isnull=True) | Q(ends__gte=date.today()))
        .values_list("practice__code", flat=True)
    )
    if not codes:
        commissioners = AreaResponsibility.objects.filter(
            area__system=system, role="nhs_commissioner"
        ).values("organisation_id")
        from commonweal.core.models import Organisation

        codes = set(
            Organisation.objects.filter(
                kind="gp_practice", commissioner_id__in=commissioners, closed__isnull=True
            ).values_list("code", flat=True)
        )
    return sorted(codes)


def _area_codes(system: System, area_type: str) -> list[str] | None:
    if area_type in ("System", "Place"):
        return None  # filtered by prefix
    if area_type == "PCN":
        return [a.code for a in system_areas(system) if a.area_type == "PCN"]
    return system_practices(system)


def indicator_figures(
    system: System, indicator: Indicator, area_type: str, *, public: bool
) -> list[Figure]:
    rows = Value.objects.filter(indicator=indicator, category_type="", sex="Persons")
    if area_type in ("System", "Place"):
        rows = rows.filter(area_type=area_type, area_code__startswith=f"{system.slug}.")
    else:
        codes = _area_codes(system, area_type) or []
        rows = rows.filter(area_type=area_type, area_code__in=codes)
    latest: dict[str, Value] = {}
    for v in rows.order_by("period_sortable", "period"):
        latest[v.area_code] = v
    return sorted(
        (figure(v, indicator, public=public) for v in latest.values()), key=lambda f: f.area_name
    )


def funnel(
    indicator: Indicator, figures: Sequence[Figure], england: Figure | None
) -> FunnelView | None:
    """The areas against England's funnel limits (proportions only: Wilson-based limits need a
    denominator; a DSR's funnel needs its own method)."""
    usable = [
        f
        for f in figures
        if f.count is not None
        and f.denominator is not None
        and f.value is not None
        and 0 <= f.count <= f.denominator
        and f.denominator > 0
    ]
    if indicator.method != "proportion" or england is None or england.value is None or not usable:
        return None
    scale = indicator.multiplier
    baseline = england.value / scale
    frame = pd.DataFrame(
        {
            "area_code": [f.area_code for f in usable],
            "area_name": [f.area_name for f in usable],
            "count": [f.count for f in usable],
            "denominator": [f.denominator for f in usable],
            "value": [f.value for f in usable],
        }
    )
    if not 0 < baseline < 1:
        return None  # no funnel around a proportion of none or all
    top = float(frame["denominator"].max())
    xs = np.unique(np.concatenate([np.geomspace(max(10.0, top / 200), top * 1.05, 60)]))
    try:
        frame = stats.funnel_significance(
            frame, "count", "denominator", "proportion", baseline=baseline
        )
        limits = stats.funnel_limits("proportion", xs.tolist(), baseline=baseline, multiplier=scale)
    except stats.StatsInputError:
        return None
    outliers = tuple(frame.loc[frame["significance"].str.endswith("(0.001)"), "area_name"].tolist())
    return FunnelView(frame, limits, england.value, outliers)


def inequality(indicator: Indicator, period: str, *, public: bool) -> InequalityView | None:
    """England's practices in fifths by their IMD 2019 score (1 = most deprived): each fifth's
    value from summed counts, and the slope index of inequality across them.

    Each fifth sums hundreds of practices, so its count is never one practice's; a fifth's
    count below the threshold is still withheld from the public. Practices whose count and
    denominator cannot be a proportion (more counted than in the denominator) are left out."""
    if not rules.summable(indicator.method):
        return None
    rows = list(
        Value.objects.filter(
            indicator=indicator,
            area_type="GP practice",
            period=period,
            sex="Persons",
            category_type="",
            value__isnull=False,
            count__gte=0,
            denominator__gt=0,
        ).values_list("area_code", "count", "denominator")
    )
    if indicator.method == "proportion":
        rows = [r for r in rows if r[1] is not None and r[2] is not None and r[1] <= r[2]]
    if not rows:
        return None
    scores = dict(
        Deprivation.objects.filter(area_code__in=[r[0] for r in rows]).values_list(
            "area_code", "score"
        )
    )
    frame = pd.DataFrame(
        [(c, x, n, scores[c]) for c, x, n in rows if c in scores and x is not None and n],
        columns=["practice", "count", "denominator", "score"],
    )
    if len(frame) < 10:
        return None
    try:
        frame = stats.quantiles(frame, "score", nquantiles=5)
        method = stats.proportion if indicator.method == "proportion" else stats.rate
        by = method(
            frame,
            "count",
            "denominator",
            group_by="quantile",
            multiplier=indicator.multiplier,
            confidence=0.95,
            type="standard",
        )
        index = stats.sii(by, "quantile", "value", "denominator")
    except stats.StatsInputError:
        return None  # e.g. fewer fifths than the index needs: no table rather than a wrong one
    sizes = frame.groupby("quantile").size()
    hidden = public and any(rules.suppressed(float(c), threshold()) for c in by["count"])
    if hidden:
        return None
    return InequalityView(
        tuple(
            QuintileRow(
                int(r["quantile"]),
                int(sizes[r["quantile"]]),
                float(r["count"]),
                float(r["denominator"]),
                float(r["value"]),
                float(r["lowercl"]),
                float(r["uppercl"]),
            )
            for _, r in by.iterrows()
        ),
        float(index["sii"].iloc[0]),
        float(index["rii"].iloc[0]),
        f"{len(frame):,} practices in England with an IMD 2019 score, in fifths by score",
    )


def indicator_view(
    system: System, indicator: Indicator, area_type: str, *, public: bool
) -> IndicatorView:
    figures = indicator_figures(system, indicator, area_type, public=public)
    eng_v = (
        Value.objects.filter(
            indicator=indicator, area_code=ENGLAND, category_type="", sex="Persons"
        )
        .order_by("-period_sortable", "-period")
        .first()
    )
    england = figure(eng_v, indicator, public=public) if eng_v else None
    top = system_area_code(system)
    history = tuple(
        figure(v, indicator, public=public)
        for v in Value.objects.filter(
            indicator=indicator, area_code=top or "", category_type=""
        ).order_by("period_sortable", "period")
    )
    version = indicator.version
    doc = version.document if version else None
    # The funnel: the system's places on the places' view, its practices otherwise.
    practices = (
        figures
        if area_type in ("Place", "GP practice")
        else indicator_figures(system, indicator, "GP practice", public=public)
    )
    return IndicatorView(
        system,
        indicator,
        area_type,
        tuple(figures),
        england,
        funnel(indicator, practices, england),
        inequality(indicator, eng_v.period, public=public) if eng_v else None,
        history,
        doc.written_by if doc else "",
        doc.checked_by if doc else "",
        doc.review_date if doc else None,
    )


# SPC ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpcPointView:
    period: date
    label: str
    value: float | None
    mean: float | None
    lpl: float | None
    upl: float | None
    point_type: str
    rule: str


@dataclass(frozen=True)
class SeriesView:
    series: Series
    points: tuple[SpcPointView, ...]
    variation: str
    variation_side: str | None
    assurance: str | None
    rebases: tuple[Rebase, ...]
    gaps: int
    warnings: tuple[str, ...]


def series_view(series: Series, system: System, until: date | None = None) -> SeriesView:
    """The series' XmR chart by the Making Data Count rules. Gaps are left out of the
    calculation (a missing month never signals) and stay gaps on the chart; limits start again
    at each recorded rebase. `until`: only the points up to that day (as a period's report saw
    them)."""
    points = list(
        series.points.filter(period__lte=until) if until else series.points.order_by("period")
    )
    rebases = tuple(Rebase.objects.filter(series=series, system=system).order_by("period"))
    present = [p for p in points if p.value is not None]
    if len(present) < 2:
        return SeriesView(
            series,
            (),
            "",
            None,
            None,
            rebases,
            len(points) - len(present),
            ("fewer than 2 values",),
        )
    positions = {p.period: i for i, p in enumerate(present)}
    cuts = sorted(
        {positions[r.period] for r in rebases if r.period in positions and positions[r.period] > 0}
    )
    result = stats.spc(
        [float(p.value) for p in present if p.value is not None],
        improvement=series.improvement,  # type: ignore[arg-type]
        target=series.target,
        rebase=cuts,
    )
    frame = result.points
    by_period: dict[date, dict[Any, Any]] = {
        p.period: frame.iloc[i].to_dict() for i, p in enumerate(present)
    }
    shown = []
    for p in points:
        r = by_period.get(p.period)
        shown.append(
            SpcPointView(
                p.period,
                p.period.strftime("%b %Y"),
                p.value,
                None if r is None else float(r["mean"]),
                None if r is None else float(r["lpl"]),
                None if r is None else float(r["upl"]),
                "" if r is None else str(r["point_type"]),
                _text(r["special_cause_rule"]) if r is not None else "",
            )
        )
    last = frame.iloc[-1]
    return SeriesView(
        series,
        tuple(shown),
        str(last["point_type"]),
        _text(last["side"]) or None,
        result.assurance,
        rebases,
        len(points) - len(present),
        tuple(result.warnings),
    )


def _text(value: Any) -> str:
    """A frame's text cell: pandas holds a missing one as None or NaN."""
    return value if isinstance(value, str) else ""


def system_series(system: System) -> list[Series]:
    """The series of the system's providers (the trusts its system area names)."""
    codes = AreaResponsibility.objects.filter(area__system=system, role="provider").values_list(
        "organisation__code", flat=True
    )
    return list(Series.objects.filter(organisation_code__in=list(codes)).order_by("name"))


def when(d: date) -> str:
    return long_date(d)
