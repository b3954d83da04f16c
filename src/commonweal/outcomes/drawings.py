"""The pages' charts, from the presenters' views: each page's figures put into the chart
module's plain rows (spine, funnel, SPC, pyramid, trend, quintiles)."""

import math
from dataclasses import dataclass
from typing import Any

from . import charts, presenters

SPINE_WORDS = {
    "Better": "better",
    "Worse": "worse",
    "Similar": "similar",
    "Higher": "higher",
    "Lower": "lower",
}


def arrow(trend: str) -> str:
    text = trend.lower()
    if text.startswith("increasing"):
        return "up"
    if text.startswith("decreasing"):
        return "down"
    if text.startswith("no significant"):
        return "none"
    return ""


@dataclass(frozen=True)
class ProfileCharts:
    spine: charts.Chart | None
    pyramid: charts.Chart | None


def profile_charts(view: presenters.ProfileView) -> ProfileCharts:
    rows = []
    for line in view.lines:
        f, s = line.figure, line.spread
        if f is None or s is None or line.benchmark is None:
            continue
        rows.append(
            charts.SpineRow(
                indicator=line.indicator.name,
                period=f.period,
                value=f.value,
                benchmark=line.benchmark,
                worst=s.worst,
                q25=s.q25,
                q75=s.q75,
                best=s.best,
                significance=SPINE_WORDS.get(f.comparison, "not compared"),
                trend=arrow(f.trend),
            )
        )
    spine = (
        charts.spine(rows, element_id="spine-chart", area=view.name, comparator="England")
        if rows
        else None
    )
    pyramid = None
    if view.pyramid:
        bands = [
            charts.PyramidBand(b.age, sex, pct)
            for b in view.pyramid
            for sex, pct in (("Male", b.male), ("Female", b.female))
        ]
        bench = [
            charts.PyramidBand(b.age, sex, pct)
            for b in view.pyramid_benchmark
            for sex, pct in (("Male", b.male), ("Female", b.female))
        ]
        pyramid = charts.pyramid(
            bands,
            benchmark=bench if view.code != presenters.ENGLAND else (),
            element_id="pyramid-chart",
            area=view.name,
        )
    return ProfileCharts(spine, pyramid)


@dataclass(frozen=True)
class IndicatorCharts:
    funnel: charts.Chart | None
    quintiles: charts.Chart | None
    trend: charts.Chart | None


def indicator_charts(view: presenters.IndicatorView) -> IndicatorCharts:
    i = view.indicator
    funnel = None
    if view.funnel is not None:
        fv = view.funnel
        points = [
            charts.FunnelPoint(str(name), float(x), float(y), str(significance))
            for name, x, y, significance in zip(
                fv.points["area_name"],
                fv.points["denominator"],
                fv.points["value"],
                fv.points["significance"],
                strict=True,
            )
        ]
        limits = [
            charts.FunnelLimit(float(r["Population"]), *(_f(r[c]) for c in LIMITS))
            for r in fv.limits.to_dict("records")
        ]
        funnel = charts.funnel(
            points,
            limits,
            benchmark=fv.benchmark,
            x_title="Registered patients (denominator)",
            y_title=f"{i.name} ({i.unit})",
            element_id="funnel-chart",
            comparator="England",
        )
    quintiles = None
    if view.inequality is not None:
        quintiles = charts.quintiles(
            [
                charts.QuintileBar(r.quintile, r.value, r.lower, r.upper)
                for r in view.inequality.rows
            ],
            sii=view.inequality.sii,
            y_title=i.unit,
            element_id="quintile-chart",
        )
    trend = None
    if len(view.history) > 1:
        trend = charts.trend(
            [
                charts.TrendPoint(f.period, f.value, f.lower95, f.upper95, None)
                for f in view.history
            ],
            y_title=i.unit,
            element_id="trend-chart",
            area=view.system.name,
        )
    return IndicatorCharts(funnel, quintiles, trend)


LIMITS = ("lower_2s_limit", "upper_2s_limit", "lower_3s_limit", "upper_3s_limit")


def _f(value: Any) -> float | None:
    return None if value is None or math.isnan(float(value)) else float(value)


@dataclass(frozen=True)
class SeriesCharts:
    spc: charts.Chart | None
    variation_icon: str
    assurance_icon: str


def series_charts(view: presenters.SeriesView) -> SeriesCharts:
    if not view.points:
        return SeriesCharts(None, "", "")
    s = view.series
    chart = charts.spc(
        [
            charts.SpcPoint(p.period.strftime("%Y-%m"), p.value, p.mean, p.lpl, p.upl, p.point_type)
            for p in view.points
        ],
        title_y=s.unit,
        target=s.target,
        rebases=[r.period.strftime("%Y-%m") for r in view.rebases],
        element_id="spc-chart",
    )
    return SeriesCharts(
        chart,
        charts.variation_icon(view.variation, view.variation_side, s.improvement),
        charts.assurance_icon(view.assurance) if view.assurance else "",
    )
