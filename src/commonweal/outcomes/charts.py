"""The outcomes charts: spine charts, funnel plots, SPC (XmR) charts, population pyramids, trends
and inequality by deprivation quintile, with the NHS "Making Data Count" icons.

Each chart is written once in Altair (Vega-Lite) and drawn to SVG on the server by vl-convert
(one call a chart, through `commonweal.core.charts`), so a page needs no script and a PDF embeds
the same drawing. Every drawing is self-contained (nothing fetched, no inline style), has an
accessible root (`role="img"` with a title and a description) and comes with a summary that
says in words what the picture shows; the page puts the figures in a table beside it. Colour is
never the only difference: shapes, dashes, positions and labels say the same.

Inputs are frozen dataclasses in tuples, so the same figures are drawn once per process. Plain
Python: no Django, and no other app is imported.
"""

import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import altair as alt
from markupsafe import escape

from commonweal.core import charts as drawing
from commonweal.core.charts import (
    AQUA_GREEN,
    BLUE,
    DARK_BLUE,
    DARK_GREY,
    GREEN,
    LIGHT_BLUE,
    MID_GREY,
    ORANGE,
    PALE_GREY,
    PURPLE,
    RED,
    TEXT,
    WARM_YELLOW,
    WHITE,
)


@dataclass(frozen=True)
class Chart:
    """A drawing (SVG, already accessible and checked) and what it shows, in words."""

    svg: str
    summary: str

    def __html__(self) -> str:  # a template may put the chart straight on the page
        return self.svg


# Numbers in words ----------------------------------------------------------------------------


def _num(value: float | None) -> str:
    """12,345; 12.3; 0.0234 (three significant figures under one); −4.5 with a true minus."""
    if value is None or math.isnan(value):
        return "no value"
    sign = "−" if value < 0 else ""
    v = abs(value)
    if v == int(v) and v < 1e15:
        return f"{sign}{int(v):,}"
    digits = 1 if v >= 1 else min(6, 2 - math.floor(math.log10(v)))
    return f"{sign}{v:,.{digits}f}"


def _names(names: Sequence[str], most: int = 8) -> str:
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} and {len(names) - most} more"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def period_label(period: str) -> str:
    """An ISO month as words ("2017-03" → "Mar 2017"); any other period as it is."""
    match = _MONTH.match(period)
    if match and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1).strftime("%b %Y")
    return period


def _long_period(period: str) -> str:
    match = _MONTH.match(period)
    if match and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1).strftime("%B %Y")
    return period


# Altair checks a specification against the Vega-Lite schema in about 0.3 seconds for a spine
# chart, longer than vl-convert takes to draw it: the tests check every chart's specification
# (they set this), pages do not.
VALIDATE = False


class _Datasets(dict[str, list[dict[str, Any]]]):
    """The chart's data by name, put at the top of the specification: Altair copies a chart's
    inline data each time a layer or a setting is added, which took longer than the drawing."""

    def __call__(self, name: str, values: Sequence[dict[str, Any]]) -> alt.Data:
        self[name] = list(values)
        return alt.Data(name=name)


# The house style. Altair copies the whole chart for each `configure_…`, so the configuration
# is made once and set on each specification.
CONFIG: dict[str, Any] = alt.Config(
    font=drawing.FONT,
    aria=False,
    background=WHITE,
    padding=8,
    axis=alt.AxisConfig(
        labelFontSize=13,
        titleFontSize=13,
        labelColor=TEXT,
        titleColor=TEXT,
        titleFontWeight="bold",
        domainColor=DARK_GREY,
        tickColor=DARK_GREY,
        gridColor=PALE_GREY,
    ),
    legend=alt.LegendConfig(
        labelFontSize=13,
        titleFontSize=13,
        labelColor=TEXT,
        titleColor=TEXT,
        orient="bottom",
        direction="horizontal",
        columns=3,
        labelLimit=260,
    ),
    text=alt.MarkConfig(font=drawing.FONT, color=TEXT),
    view=alt.ViewConfig(stroke=None),
).to_dict()


def _view(chart: alt.Chart) -> dict[str, Any]:
    """A single view written in Altair, as a specification to compose. (Altair copies every
    chart it composes, deeply, several times over: composing dictionaries instead saves more
    time than the drawing of a small chart takes.)"""
    spec = chart.to_dict(validate=VALIDATE)
    for key in ("$schema", "config", "datasets"):
        spec.pop(key, None)
    return spec


def _layer(*views: alt.Chart | dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {
        "layer": [v if isinstance(v, dict) else _view(v) for v in views],
        **properties,
    }


def _independent(*channels: str) -> dict[str, Any]:
    """Separate scales and legends for these channels (lines and points, say)."""
    return {
        "scale": dict.fromkeys(channels, "independent"),
        "legend": dict.fromkeys(channels, "independent"),
    }


def _finish(spec: dict[str, Any], datasets: _Datasets) -> dict[str, Any]:
    """The whole specification, in the house style, with its data."""
    spec = {"$schema": alt.SCHEMA_URL, **spec, "config": CONFIG, "datasets": dict(datasets)}
    if VALIDATE:
        alt.TopLevelSpec.validate(spec)
    return spec


def _draw(spec: dict[str, Any], label: str, summary: str, element_id: str) -> Chart:
    return Chart(drawing.accessible_svg(drawing.render(spec), label, summary, element_id), summary)


def _unique(labels: Sequence[str], extra: Sequence[str]) -> list[str]:
    """Row labels made unique (a second "X" becomes "X (2021/22)", then "X (2)")."""
    seen: set[str] = set()
    out = []
    for i, (label, more) in enumerate(zip(labels, extra, strict=True)):
        name = label
        if name in seen:
            name = f"{label} ({more})" if more else label
        if name in seen:
            name = f"{label} ({i + 1})"
        seen.add(name)
        out.append(name)
    return out


# 1. Spine chart ------------------------------------------------------------------------------

SIGNIFICANCE = ("better", "similar", "worse", "higher", "lower", "not compared")
SPINE_FILL = {
    "better": GREEN,
    "similar": WARM_YELLOW,
    "worse": RED,
    "higher": DARK_BLUE,
    "lower": LIGHT_BLUE,
    "not compared": WHITE,
}
SPINE_WORDS = {
    "better": "Better",
    "similar": "Similar",
    "worse": "Worse",
    "higher": "Higher",
    "lower": "Lower",
    "not compared": "Not compared",
}
TREND_ARROWS = {"up": "↑", "down": "↓", "none": "→", "": ""}


@dataclass(frozen=True)
class SpineRow:
    """An indicator's row: the area's value and the spread of all areas, oriented by polarity
    (`worst` is the highest value where low is good)."""

    indicator: str
    period: str
    value: float | None
    benchmark: float
    worst: float
    q25: float
    q75: float
    best: float
    significance: str  # better, worse, similar, higher, lower, not compared
    trend: str = ""  # up, down, none, "" (not known)


def spine_positions(row: SpineRow) -> dict[str, float | None]:
    """Where each figure sits on the spine, from −1 (left) to +1 (right), as Fingertips draws
    it: the benchmark at 0, worst to the left and best to the right, scaled by the larger of
    benchmark − worst and best − benchmark so that one end of the bar reaches ±1. A value beyond
    the worst or best of the comparators is held at the end of the bar."""
    direction = 1.0 if row.best >= row.worst else -1.0
    half = max(abs(row.benchmark - row.worst), abs(row.best - row.benchmark))

    def at(value: float | None) -> float | None:
        if value is None or math.isnan(value):
            return None
        if half == 0:
            return 0.0
        return max(-1.0, min(1.0, direction * (value - row.benchmark) / half))

    return {
        "worst": at(row.worst),
        "q25": at(row.q25),
        "q75": at(row.q75),
        "best": at(row.best),
        "benchmark": 0.0,
        "value": at(row.value),
    }


def spine_summary(rows: Sequence[SpineRow], area: str = "", comparator: str = "England") -> str:
    """What the spine chart shows, in words: how many indicators are better, worse and so on."""
    if not rows:
        return "No indicators to chart."
    of = f" for {area}" if area else ""
    valued = [r for r in rows if r.value is not None]
    counts = {s: [r.indicator for r in valued if r.significance == s] for s in SIGNIFICANCE}
    said = [
        f"{len(counts['worse'])} significantly worse than {comparator}",
        f"{len(counts['better'])} better",
        f"{len(counts['similar'])} similar",
    ]
    if counts["higher"] or counts["lower"]:
        said.append(
            f"{len(counts['higher'])} higher and {len(counts['lower'])} lower "
            f"(where neither is better)"
        )
    if counts["not compared"]:
        said.append(f"{len(counts['not compared'])} not compared")
    missing = len(rows) - len(valued)
    if missing:
        said.append(f"{missing} with no value")
    text = f"Spine chart of {_plural(len(rows), 'indicator')}{of}: {', '.join(said)}."
    if counts["worse"]:
        text += f" Worse: {_names(counts['worse'])}."
    if counts["better"]:
        text += f" Better: {_names(counts['better'])}."
    return text


SPINE_ROW_HEIGHT = 24
SPINE_WIDTH = 360
LABEL_WIDTH = 300
LABEL_CHARACTERS = 44  # about 300 pixels of 13-pixel Arial
LINE_HEIGHT = 15


def _wrap(text: str, width: int = LABEL_CHARACTERS, lines: int = 2) -> str:
    """A row label on at most two lines (vl-convert takes a long time to cut a label to fit,
    so it is cut here, by an estimate of its width; the table gives the whole name)."""
    wrapped = textwrap.wrap(text, width, break_long_words=True) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped)


def _spine_spec(rows: tuple[SpineRow, ...], comparator: str) -> dict[str, Any]:
    named = _Datasets()
    names = _unique([_wrap(r.indicator) for r in rows], [r.period for r in rows])
    row_height = SPINE_ROW_HEIGHT + (12 if any("\n" in n for n in names) else 0)
    data = []
    for name, row in zip(names, rows, strict=True):
        p = spine_positions(row)
        valued = row.value is not None
        data.append(
            {
                "row": name,
                "worst": p["worst"],
                "best": p["best"],
                "q25": p["q25"],
                "q75": p["q75"],
                "benchmark": 0.0,
                "value": p["value"],
                "significance": row.significance if valued else None,
                "words": (
                    f"{SPINE_WORDS[row.significance]} {TREND_ARROWS[row.trend]}".rstrip()
                    if valued
                    else "No value"
                ),
            }
        )
    source = named("rows", data)
    present = [s for s in SIGNIFICANCE if any(d["significance"] == s for d in data)]
    height = row_height * len(rows)
    y = alt.Y(
        "row:N",
        sort=names,
        title=None,
        axis=alt.Axis(
            labelExpr="split(datum.label, '\\n')",
            labelLimit=0,
            labelLineHeight=LINE_HEIGHT,
            # A label on two lines is raised by half a line, to sit level with its bar.
            labelOffset={
                "condition": {
                    "test": "indexof(datum.label, '\\n') >= 0",
                    "value": -LINE_HEIGHT / 2,
                },
                "value": 0,
            },
            minExtent=LABEL_WIDTH,
            maxExtent=LABEL_WIDTH,
            ticks=False,
            domain=False,
            labelPadding=8,
        ),
    )
    value = (
        alt.Chart(source)
        .mark_circle(size=120, opacity=1, stroke=DARK_GREY, strokeWidth=1)
        .encode(
            x=alt.X("value:Q"),
            y=y,
            fill=alt.Fill(
                "significance:N",
                scale=alt.Scale(domain=present, range=[SPINE_FILL[s] for s in present]),
                sort=present,
                legend=alt.Legend(
                    title=f"Compared with {comparator}",
                    labelExpr=_label_map({s: SPINE_WORDS[s] for s in present}),
                    symbolStrokeColor=DARK_GREY,
                    symbolStrokeWidth=1,
                    symbolType="circle",
                    columns=6,
                ),
            ),
        )
    )
    bars = _layer(*_spine_bar(source, y), value, width=SPINE_WIDTH, height=height, name="spine")
    # The comparison (and the trend) in words beside each bar, so colour is not alone.
    words = _view(
        alt.Chart(source)
        .mark_text(align="left", fontSize=13)
        .encode(
            x=alt.X(
                "column:N",
                title=None,
                axis=alt.Axis(
                    orient="top",
                    labelAngle=0,
                    labelAlign="left",
                    labelExpr="split(datum.label, '\\n')",
                    labelPadding=6,
                    ticks=False,
                    domain=False,
                    labelFontWeight="bold",
                ),
                scale=alt.Scale(type="point", padding=0),
            ),
            y=alt.Y("row:N", sort=names, axis=None),
            text="words:N",
        )
        .transform_calculate(column=_js(f"Compared with {comparator}\n(recent trend)"))
        .properties(width=150, height=height)
    )
    return _finish(
        {
            "vconcat": [
                {"hconcat": [bars, words], "spacing": 16},
                _spine_key(comparator),
            ],
            "spacing": 16,
        },
        named,
    )


def _spine_bar(source: alt.Data, y: alt.Y) -> list[alt.Chart]:
    """The bar of a spine: all areas (pale grey), the middle half (darker) and the benchmark."""
    x = alt.X("worst:Q", scale=alt.Scale(domain=[-1.05, 1.05], nice=False), axis=None)
    return [
        alt.Chart(source).mark_bar(size=16, color=PALE_GREY).encode(x=x, x2="best:Q", y=y),
        alt.Chart(source).mark_bar(size=16, color=MID_GREY).encode(x="q25:Q", x2="q75:Q", y=y),
        alt.Chart(source).mark_tick(color=RED, thickness=2, size=22).encode(x="benchmark:Q", y=y),
    ]


@lru_cache(maxsize=16)
def _spine_key(comparator: str) -> dict[str, Any]:
    """The key under the spine chart: what each part of a bar means, in words. (Its data is
    in the specification, not among the datasets: it is the same for every chart.)"""
    key = alt.Data(
        values=[
            {"row": "Key", "worst": -1.0, "best": 1.0, "q25": -0.4, "q75": 0.4, "benchmark": 0.0}
        ]
    )
    y = alt.Y(
        "row:N",
        title=None,
        axis=alt.Axis(
            minExtent=LABEL_WIDTH,
            maxExtent=LABEL_WIDTH,
            ticks=False,
            domain=False,
            labelPadding=8,
            labelFontWeight="bold",
        ),
    )
    labels = []
    for align, marks in (
        ("left", [(-1.0, "Worst")]),
        ("center", [(-0.4, "25th percentile"), (0.0, comparator), (0.4, "75th percentile")]),
        ("right", [(1.0, "Best")]),
    ):
        labels.append(
            alt.Chart(alt.Data(values=[{"x": x, "text": t} for x, t in marks]))
            .mark_text(align=align, baseline="top", dy=16, fontSize=12)  # type: ignore[arg-type]
            .encode(x="x:Q", text="text:N")
        )
    return _layer(*_spine_bar(key, y), *labels, width=SPINE_WIDTH, height=SPINE_ROW_HEIGHT + 22)


def _label_map(words: dict[str, str]) -> str:
    """A Vega expression that shows each legend value as its word."""
    pairs = ", ".join(f"{_js(k)}: {_js(v)}" for k, v in words.items())
    return f"({{{pairs}}})[datum.label] || datum.label"


def _js(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n")
    return f"'{escaped}'"


@lru_cache(maxsize=256)
def _spine(rows: tuple[SpineRow, ...], element_id: str, area: str, comparator: str) -> Chart:
    summary = spine_summary(rows, area, comparator)
    label = f"Spine chart{f' for {area}' if area else ''}, compared with {comparator}"
    if not rows:
        return Chart(_empty_svg(label, summary, element_id), summary)
    return _draw(_spine_spec(rows, comparator), label, summary, element_id)


def spine(
    rows: Sequence[SpineRow], *, element_id: str, area: str = "", comparator: str = "England"
) -> Chart:
    """The Fingertips spine chart: a row an indicator, the benchmark at the centre, the worst
    area at the left and the best at the right, the middle half of areas in darker grey and the
    area's value as a circle coloured (and named, beside the bar) by its comparison."""
    for row in rows:
        if row.significance not in SPINE_FILL:
            raise ValueError(f"{row.significance!r} is not a comparison the spine chart knows")
        if row.trend not in TREND_ARROWS:
            raise ValueError(f"{row.trend!r} is not a trend the spine chart knows")
    return _spine(tuple(rows), element_id, area, comparator)


def _empty_svg(label: str, summary: str, element_id: str) -> str:
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="40" viewBox="0 0 320 40">'
        f'<text x="8" y="24" font-family="{drawing.FONT}" font-size="14" fill="{TEXT}">'
        "No figures to chart.</text></svg>"
    )
    return drawing.accessible_svg(svg, label, summary, element_id)


# 2. Funnel plot ------------------------------------------------------------------------------

FUNNEL_SIGNIFICANCE = (
    "High (0.001)",
    "High (0.025)",
    "Not significant",
    "Low (0.025)",
    "Low (0.001)",
)
FUNNEL_COLOURS = (DARK_BLUE, LIGHT_BLUE, MID_GREY, AQUA_GREEN, PURPLE)
FUNNEL_SHAPES = ("triangle-up", "triangle-up", "circle", "triangle-down", "triangle-down")
FUNNEL_WORDS = {
    "High (0.001)": "Above the 99.8% limit",
    "High (0.025)": "Above the 95% limit",
    "Not significant": "Within the 95% limits",
    "Low (0.025)": "Below the 95% limit",
    "Low (0.001)": "Below the 99.8% limit",
}
LIMIT_2S, LIMIT_3S = "95% limits (2 s.d.)", "99.8% limits (3 s.d.)"


@dataclass(frozen=True)
class FunnelPoint:
    label: str  # the area
    x: float  # its denominator (population, events)
    y: float  # its value
    significance: str  # High (0.001), High (0.025), Not significant, Low (0.025), Low (0.001)


@dataclass(frozen=True)
class FunnelLimit:
    """The control limits at a denominator (None where a limit is not drawn)."""

    x: float
    lower_2s: float | None
    upper_2s: float | None
    lower_3s: float | None
    upper_3s: float | None


def funnel_summary(
    points: Sequence[FunnelPoint],
    benchmark: float,
    highlight: Sequence[str] = (),
    comparator: str = "benchmark",
) -> str:
    if not points:
        return "No areas to chart."
    by = {s: [p.label for p in points if p.significance == s] for s in FUNNEL_SIGNIFICANCE}
    said = []
    for significance, words in (
        ("High (0.001)", "above the 99.8% limit"),
        ("High (0.025)", "between the upper 95% and 99.8% limits"),
        ("Not significant", "within the 95% limits"),
        ("Low (0.025)", "between the lower 95% and 99.8% limits"),
        ("Low (0.001)", "below the 99.8% limit"),
    ):
        names = by[significance]
        if significance.endswith("(0.001)") and names:
            said.append(f"{len(names)} {words} ({_names(names)})")
        else:
            said.append(f"{len(names)} {words}")
    text = (
        f"Funnel plot of {_plural(len(points), 'area')} against "
        f"{'the benchmark' if comparator == 'benchmark' else comparator} ({_num(benchmark)}): "
        f"{', '.join(said)}."
    )
    for name in highlight:
        for p in points:
            if p.label == name:
                text += f" {p.label} (highlighted): {_num(p.y)}, {FUNNEL_WORDS[p.significance].lower()}."
    return text


def _funnel_domain(
    points: tuple[FunnelPoint, ...], limits: tuple[FunnelLimit, ...], benchmark: float
) -> list[float]:
    """The y axis: the points, the benchmark and the limits from the smallest area on (limits
    for smaller denominators than any area's widen without end and would flatten the plot)."""
    values = [p.y for p in points] + [benchmark]
    smallest = min(p.x for p in points)
    shown = [lim for lim in limits if lim.x >= smallest]
    before = [lim for lim in limits if lim.x < smallest]
    if before:
        shown.append(max(before, key=lambda lim: lim.x))
    for lim in shown:
        values += [
            v for v in (lim.lower_2s, lim.upper_2s, lim.lower_3s, lim.upper_3s) if v is not None
        ]
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 1.0
    return [low - pad, high + pad]


def _funnel_spec(
    points: tuple[FunnelPoint, ...],
    limits: tuple[FunnelLimit, ...],
    benchmark: float,
    x_title: str,
    y_title: str,
    highlight: tuple[str, ...],
    comparator: str,
) -> dict[str, Any]:
    named = _Datasets()
    rows = [
        {
            "label": p.label,
            "x": p.x,
            "y": p.y,
            "significance": p.significance,
            "named": p.significance.endswith("(0.001)") or p.label in highlight,
            "highlight": p.label in highlight,
        }
        for p in points
    ]
    lines: list[dict[str, Any]] = []
    for lim in limits:
        for which, part, limit in (
            (LIMIT_2S, "lower", lim.lower_2s),
            (LIMIT_2S, "upper", lim.upper_2s),
            (LIMIT_3S, "lower", lim.lower_3s),
            (LIMIT_3S, "upper", lim.upper_3s),
        ):
            if limit is not None:
                lines.append({"x": lim.x, "y": limit, "series": which, "part": part})
    xs = [p.x for p in points] + [lim.x for lim in limits]
    bench = comparator.capitalize() if comparator == "benchmark" else comparator
    for end in (min(xs), max(xs)):
        lines.append({"x": end, "y": benchmark, "series": bench, "part": "line"})
    series = [bench, LIMIT_2S, LIMIT_3S]
    y_scale = alt.Scale(domain=_funnel_domain(points, limits, benchmark), nice=False, zero=False)
    x = alt.X("x:Q", title=x_title, axis=alt.Axis(format=",", grid=False))
    y = alt.Y("y:Q", title=y_title, scale=y_scale, axis=alt.Axis(grid=True))
    line_legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=2, orient="bottom")
    drawn = (
        alt.Chart(named("lines", lines))
        .mark_line(strokeWidth=1.5, clip=True)
        .encode(
            x=x,
            y=y,
            detail="part:N",
            order="x:Q",
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=series, range=[TEXT, MID_GREY, DARK_GREY]),
                sort=series,
                legend=line_legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=series, range=[[1, 0], [6, 4], [2, 2]]),
                sort=series,
                legend=line_legend,
            ),
        )
    )
    present = [s for s in FUNNEL_SIGNIFICANCE if any(p.significance == s for p in points)]
    colours = dict(zip(FUNNEL_SIGNIFICANCE, FUNNEL_COLOURS, strict=True))
    shapes = dict(zip(FUNNEL_SIGNIFICANCE, FUNNEL_SHAPES, strict=True))
    point_legend = alt.Legend(title=None, labelExpr=_label_map(FUNNEL_WORDS), orient="bottom")
    source = named("rows", rows)
    dots = (
        alt.Chart(source)
        .mark_point(filled=True, size=70, opacity=0.9, stroke=WHITE, strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "significance:N",
                scale=alt.Scale(domain=present, range=[colours[s] for s in present]),
                sort=present,
                legend=point_legend,
            ),
            shape=alt.Shape(
                "significance:N",
                scale=alt.Scale(domain=present, range=[shapes[s] for s in present]),
                sort=present,
                legend=point_legend,
            ),
        )
    )
    ring = (
        alt.Chart(source)
        .mark_point(size=260, strokeWidth=2, color=TEXT, filled=False)
        .encode(x=x, y=y)
        .transform_filter("datum.highlight")
    )
    names = (
        alt.Chart(source)
        .mark_text(align="left", dx=9, dy=-7, fontSize=12)
        .encode(x=x, y=y, text="label:N")
        .transform_filter("datum.named")
    )
    chart = _layer(
        drawn,
        dots,
        ring,
        names,
        resolve=_independent("color", "shape", "strokeDash"),
        width=520,
        height=320,
    )
    return _finish(chart, named)


@lru_cache(maxsize=256)
def _funnel(
    points: tuple[FunnelPoint, ...],
    limits: tuple[FunnelLimit, ...],
    benchmark: float,
    x_title: str,
    y_title: str,
    element_id: str,
    highlight: tuple[str, ...],
    comparator: str,
) -> Chart:
    summary = funnel_summary(points, benchmark, highlight, comparator)
    label = f"Funnel plot: {y_title} by {x_title}"
    if not points:
        return Chart(_empty_svg(label, summary, element_id), summary)
    spec = _funnel_spec(points, limits, benchmark, x_title, y_title, highlight, comparator)
    return _draw(spec, label, summary, element_id)


def funnel(
    points: Sequence[FunnelPoint],
    limits: Sequence[FunnelLimit],
    *,
    benchmark: float,
    x_title: str,
    y_title: str,
    element_id: str,
    highlight: Sequence[str] = (),
    comparator: str = "benchmark",
) -> Chart:
    """A funnel plot: each area's value against its denominator, with the benchmark and the
    95% and 99.8% control limits; areas beyond the 99.8% limits (and `highlight`ed ones) are
    named on the plot. Significance is shown by colour and by shape (up for high, down for
    low)."""
    for p in points:
        if p.significance not in FUNNEL_SIGNIFICANCE:
            raise ValueError(f"{p.significance!r} is not a funnel plot significance")
    return _funnel(
        tuple(points),
        tuple(limits),
        benchmark,
        x_title,
        y_title,
        element_id,
        tuple(highlight),
        comparator,
    )


# 3. SPC (XmR) chart --------------------------------------------------------------------------

POINT_TYPES = (
    "common cause",
    "special cause improvement",
    "special cause concern",
    "special cause neutral",
)
SPC_COLOURS = (MID_GREY, LIGHT_BLUE, ORANGE, PURPLE)
SPC_SHAPES = ("circle", "square", "diamond", "cross")
SPC_WORDS = {
    "common cause": "Common cause",
    "special cause improvement": "Special cause: improvement",
    "special cause concern": "Special cause: concern",
    "special cause neutral": "Special cause: neither improvement nor concern",
}
MEAN, LIMITS, TARGET = "Mean", "Process limits", "Target"


@dataclass(frozen=True)
class SpcPoint:
    """A point of an XmR chart (`commonweal.stats.spc` gives the figures)."""

    x: str  # the period ("2017-03")
    y: float | None  # None: no value (the line is broken)
    mean: float | None
    lpl: float | None
    upl: float | None
    point_type: str  # common cause, special cause improvement/concern/neutral, "" for a gap


def spc_summary(
    points: Sequence[SpcPoint],
    title_y: str = "",
    target: float | None = None,
    rebases: Sequence[str] = (),
) -> str:
    if not points:
        return "No points to chart."
    valued = [p for p in points if p.y is not None]
    of = f" of {title_y}" if title_y else ""
    text = (
        f"SPC chart{of}: {_plural(len(valued), 'point')} from {_long_period(points[0].x)} to "
        f"{_long_period(points[-1].x)}"
    )
    gaps = len(points) - len(valued)
    if gaps:
        text += f" ({gaps} missing)"
    if valued:
        last = valued[-1]
        kind = last.point_type or "common cause"
        text += f"; the latest point, {_long_period(last.x)}, is {_num(last.y)}, {kind}"
        if last.mean is not None:
            text += f", against a mean of {_num(last.mean)}"
            if last.lpl is not None and last.upl is not None:
                text += f" and process limits of {_num(last.lpl)} to {_num(last.upl)}"
    special = [p for p in valued if p.point_type.startswith("special cause")]
    if special:
        groups = []
        for kind, word in (
            ("special cause improvement", "improvement"),
            ("special cause concern", "concern"),
            ("special cause neutral", "neutral"),
        ):
            at = [period_label(p.x) for p in special if p.point_type == kind]
            if at:
                groups.append(f"{len(at)} {word} ({_names(at, 6)})")
        text += f"; {_plural(len(special), 'special-cause point')}: {'; '.join(groups)}"
    else:
        text += "; no special-cause points"
    if target is not None:
        text += f"; the target is {_num(target)}"
    shown = [r for r in rebases if any(p.x == r for p in points[1:])]
    if shown:
        text += f"; the limits were recalculated from {_names([_long_period(r) for r in shown])}"
    return text + "."


def _segments(values: Sequence[float | None], starts: set[int]) -> list[int]:
    """A group number for each value: a new group after each gap and at each start."""
    groups, group, broken = [], 0, False
    for i, value in enumerate(values):
        if value is None:
            broken = True
        elif broken or (i in starts and i > 0):
            group += 1
            broken = False
        groups.append(group)
    return groups


def _ticks(labels: Sequence[str], most: int = 12) -> list[str]:
    step = max(1, math.ceil(len(labels) / most))
    return list(labels[::step])


def _spc_spec(
    points: tuple[SpcPoint, ...],
    title_y: str,
    target: float | None,
    rebases: tuple[str, ...],
) -> dict[str, Any]:
    named = _Datasets()
    labels = _unique([period_label(p.x) for p in points], [p.x for p in points])
    starts = {i for i, p in enumerate(points) if p.x in rebases}
    runs = _segments([p.y for p in points], set())
    rows = [
        {
            "i": i,
            "x": label,
            "y": p.y,
            "run": runs[i],
            "type": p.point_type if p.y is not None else None,
        }
        for i, (label, p) in enumerate(zip(labels, points, strict=True))
    ]
    lines: list[dict[str, Any]] = []
    for which, part, values in (
        (MEAN, "mean", [p.mean for p in points]),
        (LIMITS, "lower", [p.lpl for p in points]),
        (LIMITS, "upper", [p.upl for p in points]),
        (TARGET, "target", [target for _ in points]),
    ):
        # The mean and limits step at a rebase; the target runs on.
        groups = _segments(values, starts if which != TARGET else set())
        for i, (group, value) in enumerate(zip(groups, values, strict=True)):
            if value is not None:
                lines.append(
                    {
                        "i": i,
                        "x": labels[i],
                        "y": value,
                        "series": which,
                        "group": f"{part}{group}",
                    }
                )
    series = [MEAN, LIMITS] + ([TARGET] if target is not None else [])
    x = alt.X(
        "x:O",
        scale=alt.Scale(domain=labels),
        title=None,
        axis=alt.Axis(values=_ticks(labels), labelAngle=-45, labelAlign="right", grid=False),
    )
    y = alt.Y("y:Q", title=title_y, scale=alt.Scale(zero=False))
    line_legend = alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=2, orient="bottom")
    limits = (
        alt.Chart(named("lines", lines), name="limits")
        .mark_line(strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            detail="group:N",
            order="i:Q",
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=series, range=[DARK_GREY, MID_GREY, RED][: len(series)]),
                sort=series,
                legend=line_legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=series, range=[[1, 0], [6, 4], [2, 3]][: len(series)]),
                sort=series,
                legend=line_legend,
            ),
        )
    )
    source = named("rows", rows)
    data_line = (
        alt.Chart(source, name="data")
        .mark_line(color=MID_GREY, strokeWidth=2)
        .encode(x=x, y=y, detail="run:N", order="i:Q")
    )
    present = [t for t in POINT_TYPES if any(r["type"] == t for r in rows)]
    colours = dict(zip(POINT_TYPES, SPC_COLOURS, strict=True))
    shapes = dict(zip(POINT_TYPES, SPC_SHAPES, strict=True))
    point_legend = alt.Legend(title=None, labelExpr=_label_map(SPC_WORDS), orient="bottom")
    dots = (
        alt.Chart(source)
        .mark_point(filled=True, size=55, opacity=1)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "type:N",
                scale=alt.Scale(domain=present, range=[colours[t] for t in present]),
                sort=present,
                legend=point_legend,
            ),
            shape=alt.Shape(
                "type:N",
                scale=alt.Scale(domain=present, range=[shapes[t] for t in present]),
                sort=present,
                legend=point_legend,
            ),
        )
        .transform_filter("datum.y != null")
    )
    layers: list[Any] = [limits, data_line, dots]
    marked = [labels[i] for i in sorted(starts) if i > 0]
    if marked:
        rebase_rows = [{"x": label, "text": "Limits recalculated"} for label in marked]
        layers.append(
            alt.Chart(named("rebases", rebase_rows))
            .mark_rule(color=TEXT, strokeWidth=1, strokeDash=[1, 2])
            .encode(x=x)
        )
        layers.append(
            alt.Chart(alt.Data(name="rebases"))
            .mark_text(align="left", baseline="top", dx=4, fontSize=11, y=2)
            .encode(x=x, text="text:N")
        )
    chart = _layer(
        *layers, resolve=_independent("color", "shape", "strokeDash"), width=560, height=280
    )
    return _finish(chart, named)


@lru_cache(maxsize=256)
def _spc(
    points: tuple[SpcPoint, ...],
    title_y: str,
    target: float | None,
    rebases: tuple[str, ...],
    element_id: str,
) -> Chart:
    summary = spc_summary(points, title_y, target, rebases)
    label = f"SPC chart: {title_y}" if title_y else "SPC chart"
    if not any(p.y is not None for p in points):
        return Chart(_empty_svg(label, summary, element_id), summary)
    return _draw(_spc_spec(points, title_y, target, rebases), label, summary, element_id)


def spc(
    points: Sequence[SpcPoint],
    *,
    title_y: str,
    target: float | None,
    rebases: Sequence[str],
    element_id: str,
) -> Chart:
    """An XmR chart in the "Making Data Count" style: the data in grey (broken at a gap), the
    mean (solid) and process limits (dashed) stepping at each rebase (marked by a vertical
    rule), the target (red, dotted) and each point coloured and shaped by its variation."""
    for p in points:
        if p.y is not None and p.point_type not in POINT_TYPES:
            raise ValueError(f"{p.point_type!r} is not an SPC point type")
    return _spc(tuple(points), title_y, target, tuple(rebases), element_id)


# 4. The Making Data Count icons --------------------------------------------------------------

_ICON_COLOURS = {
    "common cause": MID_GREY,
    "special cause improvement": LIGHT_BLUE,
    "special cause concern": ORANGE,
    "special cause neutral": PURPLE,
}
_KIND = re.compile(r"^(special cause (?:improvement|concern|neutral)) \((high|low)\)$")


def _icon(title: str, body: str) -> str:
    t = escape(title)
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" width="48" height="48" viewBox="0 0 48 48" '
        f'role="img" focusable="false" aria-label="{t}"><title>{t}</title>{body}</svg>'
    )


def variation_icon(kind: str, side: str | None, improvement: str) -> str:
    """The variation icon for the latest point: `kind` is the point type (or the SPC result's
    "special cause concern (high)"), `side` high or low, `improvement` increase, decrease or
    neutral (which direction is better; it gives the side when none is given)."""
    match = _KIND.match(kind)
    if match:
        kind, side = match.group(1), match.group(2)
    if kind not in _ICON_COLOURS:
        raise ValueError(f"{kind!r} is not a kind of variation")
    directed = kind in ("special cause improvement", "special cause concern")
    if side is None and directed and improvement in ("increase", "decrease"):
        good, bad = ("high", "low") if improvement == "increase" else ("low", "high")
        side = good if kind == "special cause improvement" else bad
    if side not in (None, "high", "low"):
        raise ValueError(f"{side!r} is not high or low")
    colour = _ICON_COLOURS[kind]
    if kind == "common cause":
        title = "Common cause variation: no significant change"
        heights = [30] * 7
        special = 0
    else:
        what = {
            "special cause improvement": "improvement",
            "special cause concern": "concern",
            "special cause neutral": "neither improvement nor concern",
        }[kind]
        title = f"Special cause variation: {what}" + (f", {side} values" if side else "")
        shift = {"high": -6, "low": 6, None: 0}[side]
        heights = [30] * 4 + [30 + shift] * 3
        special = 3
    xs = [9 + 5 * i for i in range(7)]
    body = [f'<circle cx="24" cy="24" r="21.5" fill="{WHITE}" stroke="{colour}" stroke-width="3"/>']
    body.append(
        f'<polyline points="{" ".join(f"{x},{y}" for x, y in zip(xs, heights, strict=True))}" '
        f'fill="none" stroke="{MID_GREY}" stroke-width="1"/>'
    )
    for i, (x, y) in enumerate(zip(xs, heights, strict=True)):
        fill = colour if i >= 7 - special else MID_GREY
        body.append(f'<circle cx="{x}" cy="{y}" r="2.5" fill="{fill}"/>')
    if side:
        body.append(_letter("H" if side == "high" else "L", 17, 13))
    return _icon(title, "".join(body))


def _letter(letter: str, y: int, size: int) -> str:
    return (
        f'<text x="24" y="{y}" text-anchor="middle" font-family="{drawing.FONT}" '
        f'font-size="{size}" font-weight="bold" fill="{TEXT}">{escape(letter)}</text>'
    )


_ASSURANCE = {
    "consistently passing": (BLUE, "P", "Assurance: the process will consistently pass the target"),
    "consistently failing": (
        ORANGE,
        "F",
        "Assurance: the process will consistently fail the target",
    ),
    "hit and miss": (
        MID_GREY,
        "?",
        "Assurance: the process will hit and miss the target (it lies within the process limits)",
    ),
    "target outside the process limits": (
        MID_GREY,
        "!",
        "Assurance: the target lies outside the process limits",
    ),
}


def assurance_icon(kind: str | None) -> str:
    """The assurance icon: P (consistently passing), F (consistently failing) or ? (hit and
    miss); nothing where there is no target."""
    if kind is None or kind == "":
        return ""
    if kind not in _ASSURANCE:
        raise ValueError(f"{kind!r} is not a kind of assurance")
    colour, letter, title = _ASSURANCE[kind]
    body = (
        f'<circle cx="24" cy="24" r="21.5" fill="{WHITE}" stroke="{colour}" stroke-width="3"/>'
        + _letter(letter, 30, 20)
        + f'<line x1="12" y1="36" x2="36" y2="36" stroke="{colour}" stroke-width="2" '
        'stroke-dasharray="3 2"/>'
    )
    return _icon(title, body)


# 5. Population pyramid -----------------------------------------------------------------------

MALE, FEMALE = "Male", "Female"


@dataclass(frozen=True)
class PyramidBand:
    age: str  # "0-4", "90+"
    sex: str  # Male, Female
    percent: float  # share of the whole population


def _age_key(age: str) -> tuple[int, str]:
    match = re.search(r"\d+", age)
    return (int(match.group()) if match else 10**6, age)


def pyramid_summary(
    bands: Sequence[PyramidBand],
    benchmark: Sequence[PyramidBand] = (),
    area: str = "",
    comparator: str = "England",
) -> str:
    if not bands:
        return "No population to chart."
    of = f" of {area}" if area else ""
    ages = sorted({b.age for b in bands}, key=_age_key)
    male = sum(b.percent for b in bands if b.sex == MALE)
    female = sum(b.percent for b in bands if b.sex == FEMALE)
    top = max(bands, key=lambda b: b.percent)
    text = (
        f"Population pyramid{of} in {_plural(len(ages), 'age band')} from {ages[0]} to "
        f"{ages[-1]}: males {_num(round(male, 1))}% and females {_num(round(female, 1))}% of the "
        f"population; the largest band is {top.sex.lower()}s aged {top.age} "
        f"({_num(round(top.percent, 1))}%)."
    )

    def share(of: Sequence[PyramidBand], low: int, high: int | None = None) -> float:
        return sum(
            b.percent
            for b in of
            if low <= _age_key(b.age)[0] < (high if high is not None else 10**5)
        )

    for low, high, words in ((0, 15, "aged under 15"), (65, None, "aged 65 and over")):
        starts = {_age_key(a)[0] for a in ages}
        if low in starts and (high is None or high in starts):
            said = f" People {words}: {_num(round(share(bands, low, high), 1))}%"
            if benchmark:
                said += f" ({comparator} {_num(round(share(benchmark, low, high), 1))}%)"
            text += said + "."
    if benchmark:
        text += f" The outline shows {comparator}."
    return text


def _pyramid_spec(
    bands: tuple[PyramidBand, ...], benchmark: tuple[PyramidBand, ...], comparator: str
) -> dict[str, Any]:
    named = _Datasets()
    ages = sorted({b.age for b in (*bands, *benchmark)}, key=_age_key, reverse=True)
    signed = [
        {"age": b.age, "sex": b.sex, "x": -b.percent if b.sex == MALE else b.percent, "x0": 0}
        for b in bands
    ]
    outline = [
        {
            "age": b.age,
            "sex": b.sex,
            "x": -b.percent if b.sex == MALE else b.percent,
            "x0": 0,
            "series": comparator,
        }
        for b in benchmark
    ]
    most = max(b.percent for b in (*bands, *benchmark))
    edge = math.ceil(most * 1.05 * 2) / 2
    x = alt.X(
        "x:Q",
        title="Percentage of the population (males left, females right)",
        scale=alt.Scale(domain=[-edge, edge], nice=False),
        axis=alt.Axis(labelExpr="format(abs(datum.value), '~g') + '%'", tickCount=8),
    )
    y = alt.Y(
        "age:O",
        sort=ages,
        title="Age",
        axis=alt.Axis(ticks=False, domain=False, labelOverlap=False),
    )
    bars = (
        alt.Chart(named("signed", signed))
        .mark_bar(opacity=1)
        .encode(
            x=x,
            x2="x0:Q",
            y=y,
            color=alt.Color(
                "sex:N",
                scale=alt.Scale(domain=[MALE, FEMALE], range=[BLUE, LIGHT_BLUE]),
                sort=[MALE, FEMALE],
                legend=alt.Legend(title=None, labelExpr="datum.label + 's'", orient="bottom"),
            ),
        )
    )
    layers: list[Any] = [bars]
    if benchmark:
        layers.append(
            alt.Chart(named("outline", outline))
            .mark_bar(filled=False, strokeWidth=1.5, fillOpacity=0)
            .encode(
                x=x,
                x2="x0:Q",
                y=y,
                detail="sex:N",
                stroke=alt.Stroke(
                    "series:N",
                    scale=alt.Scale(domain=[comparator], range=[TEXT]),
                    legend=alt.Legend(title=None, symbolType="square", orient="bottom"),
                ),
            )
        )
    layers.append(
        alt.Chart(named("zero", [{"x": 0}]))
        .mark_rule(color=TEXT, strokeWidth=1)
        .encode(x=alt.X("x:Q", scale=alt.Scale(domain=[-edge, edge], nice=False)))
    )
    chart = _layer(
        *layers,
        resolve={"legend": {"color": "independent", "stroke": "independent"}},
        width=460,
        height=max(200, 18 * len(ages)),
    )
    return _finish(chart, named)


@lru_cache(maxsize=256)
def _pyramid(
    bands: tuple[PyramidBand, ...],
    benchmark: tuple[PyramidBand, ...],
    element_id: str,
    area: str,
    comparator: str,
) -> Chart:
    summary = pyramid_summary(bands, benchmark, area, comparator)
    label = f"Population pyramid{f' of {area}' if area else ''}"
    if benchmark:
        label += f", with {comparator} for comparison"
    if not bands:
        return Chart(_empty_svg(label, summary, element_id), summary)
    return _draw(_pyramid_spec(bands, benchmark, comparator), label, summary, element_id)


def pyramid(
    bands: Sequence[PyramidBand],
    *,
    benchmark: Sequence[PyramidBand] = (),
    element_id: str,
    area: str = "",
    comparator: str = "England",
) -> Chart:
    """A population pyramid: males to the left, females to the right, the youngest at the
    bottom; the benchmark's shape as an outline over the area's bars."""
    for b in (*bands, *benchmark):
        if b.sex not in (MALE, FEMALE):
            raise ValueError(f"{b.sex!r} is not Male or Female")
    return _pyramid(tuple(bands), tuple(benchmark), element_id, area, comparator)


# 6. Trend ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    period: str
    value: float | None
    lower: float | None  # the 95% confidence interval
    upper: float | None
    benchmark: float | None


def _ci(lower: float | None, upper: float | None) -> str:
    if lower is None or upper is None:
        return ""
    return f" (95% CI {_num(lower)} to {_num(upper)})"


def trend_summary(
    points: Sequence[TrendPoint], y_title: str = "", area: str = "", comparator: str = "England"
) -> str:
    valued = [p for p in points if p.value is not None]
    if not valued:
        return "No values to chart."
    of = f" for {area}" if area else ""
    what = f" in {y_title}" if y_title else ""
    last = valued[-1]
    text = (
        f"Trend{what}{of}: {_plural(len(valued), 'value')} from {_long_period(valued[0].period)} "
        f"to {_long_period(last.period)}; the latest, {_long_period(last.period)}, is "
        f"{_num(last.value)}{_ci(last.lower, last.upper)}"
    )
    if last.benchmark is not None:
        text += f" against {comparator} {_num(last.benchmark)}"
    if len(valued) > 1:
        low = min(valued, key=lambda p: p.value or 0.0)
        high = max(valued, key=lambda p: p.value or 0.0)
        text += (
            f"; the lowest was {_num(low.value)} in {_long_period(low.period)} and the highest "
            f"{_num(high.value)} in {_long_period(high.period)}"
        )
    return text + "."


def _trend_spec(
    points: tuple[TrendPoint, ...], y_title: str, area: str, comparator: str
) -> dict[str, Any]:
    named = _Datasets()
    labels = _unique([period_label(p.period) for p in points], [p.period for p in points])
    own = area or "Value"
    series = [own] + ([comparator] if any(p.benchmark is not None for p in points) else [])
    runs = _segments([p.value for p in points], set())
    bench_runs = _segments([p.benchmark for p in points], set())
    lines: list[dict[str, Any]] = []
    for i, (label, p) in enumerate(zip(labels, points, strict=True)):
        if p.value is not None:
            lines.append({"i": i, "x": label, "y": p.value, "series": own, "group": f"v{runs[i]}"})
        if p.benchmark is not None:
            lines.append(
                {
                    "i": i,
                    "x": label,
                    "y": p.benchmark,
                    "series": comparator,
                    "group": f"b{bench_runs[i]}",
                }
            )
    bars = [
        {"x": label, "lower": p.lower, "upper": p.upper}
        for label, p in zip(labels, points, strict=True)
        if p.lower is not None and p.upper is not None
    ]
    x = alt.X(
        "x:O",
        scale=alt.Scale(domain=labels),
        title=None,
        axis=alt.Axis(values=_ticks(labels), labelAngle=-45, labelAlign="right", grid=False),
    )
    scale = alt.Scale(zero=False)
    legend = alt.Legend(title=None, orient="bottom")
    colour = alt.Color(
        "series:N",
        scale=alt.Scale(domain=series, range=[BLUE, TEXT][: len(series)]),
        sort=series,
        legend=legend,
    )
    dash = alt.StrokeDash(
        "series:N",
        scale=alt.Scale(domain=series, range=[[1, 0], [6, 3]][: len(series)]),
        sort=series,
        legend=legend,
    )
    shape = alt.Shape(
        "series:N",
        scale=alt.Scale(domain=series, range=["circle", "stroke"][: len(series)]),
        sort=series,
        legend=legend,
    )
    source = named("lines", lines)
    line = (
        alt.Chart(source, name="lines")
        .mark_line(strokeWidth=2)
        .encode(
            x=x,
            y=alt.Y("y:Q", title=y_title, scale=scale),
            detail="group:N",
            order="i:Q",
            color=colour,
            strokeDash=dash,
        )
    )
    dots = (
        alt.Chart(source)
        .mark_point(filled=True, size=60, opacity=1)
        .encode(x=x, y="y:Q", color=colour, shape=shape)
        .transform_filter(alt.FieldEqualPredicate(field="series", equal=own))
    )
    layers: list[Any] = [line, dots]
    if bars:
        layers.insert(
            0,
            alt.Chart(named("bars", bars))
            .mark_errorbar(ticks=alt.MarkConfig(size=12), color=DARK_GREY, thickness=1.5)
            .encode(x=x, y=alt.Y("lower:Q", title=y_title, scale=scale), y2="upper:Q"),
        )
    return _finish(_layer(*layers, width=520, height=260), named)


@lru_cache(maxsize=256)
def _trend(
    points: tuple[TrendPoint, ...], y_title: str, element_id: str, area: str, comparator: str
) -> Chart:
    summary = trend_summary(points, y_title, area, comparator)
    label = f"Trend: {y_title}{f' for {area}' if area else ''}"
    if not any(p.value is not None or p.benchmark is not None for p in points):
        return Chart(_empty_svg(label, summary, element_id), summary)
    return _draw(_trend_spec(points, y_title, area, comparator), label, summary, element_id)


def trend(
    points: Sequence[TrendPoint],
    *,
    y_title: str,
    element_id: str,
    area: str = "",
    comparator: str = "England",
) -> Chart:
    """A value over periods (blue line with circles) with its 95% confidence interval as error
    bars, and the benchmark as a dashed line."""
    return _trend(tuple(points), y_title, element_id, area, comparator)


# 7. Inequality by deprivation quintile ------------------------------------------------------


@dataclass(frozen=True)
class QuintileBar:
    quintile: int  # 1 = most deprived
    value: float | None
    lower: float | None = None  # the 95% confidence interval
    upper: float | None = None


def _quintile_label(q: int, most: int) -> str:
    if q == 1:
        return "1 (most deprived)"
    if q == most:
        return f"{q} (least deprived)"
    return str(q)


def quintile_summary(bars: Sequence[QuintileBar], sii: float | None, y_title: str = "") -> str:
    if not bars:
        return "No values to chart."
    most = max(b.quintile for b in bars)
    parts = [
        f"{_quintile_label(b.quintile, most)}: {_num(b.value)}{_ci(b.lower, b.upper)}"
        for b in sorted(bars, key=lambda b: b.quintile)
    ]
    what = f"{y_title} by" if y_title else "Values by"
    text = f"{what} deprivation quintile: {'; '.join(parts)}."
    if sii is not None:
        text += (
            f" The slope index of inequality is {_num(sii)} (the modelled gap across the whole "
            f"range of deprivation, from the most to the least deprived)."
        )
    else:
        text += " No slope index of inequality was calculated."
    return text


def _quintile_spec(bars: tuple[QuintileBar, ...], y_title: str) -> dict[str, Any]:
    named = _Datasets()
    most = max(b.quintile for b in bars)
    ordered = sorted(bars, key=lambda b: b.quintile)
    labels = [_quintile_label(b.quintile, most) for b in ordered]
    rows = [
        {"x": label, "y": b.value, "lower": b.lower, "upper": b.upper}
        for label, b in zip(labels, ordered, strict=True)
    ]
    x = alt.X(
        "x:N",
        sort=labels,
        title="Deprivation quintile (1 = most deprived)",
        axis=alt.Axis(labelAngle=0, labelExpr="split(replace(datum.label, ')', ''), ' (')"),
    )
    source = named("rows", rows)
    bar = alt.Chart(source).mark_bar(color=BLUE, size=48).encode(x=x, y=alt.Y("y:Q", title=y_title))
    cis = (
        alt.Chart(source)
        .mark_errorbar(ticks=alt.MarkConfig(size=16), color=TEXT, thickness=1.5)
        .encode(x=x, y=alt.Y("lower:Q", title=y_title), y2="upper:Q")
        .transform_filter("datum.lower != null && datum.upper != null")
    )
    chart = _layer(bar, cis, width=420, height=260)
    return _finish(chart, named)


@lru_cache(maxsize=256)
def _quintiles(
    bars: tuple[QuintileBar, ...], sii: float | None, y_title: str, element_id: str
) -> Chart:
    summary = quintile_summary(bars, sii, y_title)
    label = f"{y_title or 'Values'} by deprivation quintile"
    if not any(b.value is not None for b in bars):
        return Chart(_empty_svg(label, summary, element_id), summary)
    return _draw(_quintile_spec(bars, y_title), label, summary, element_id)


def quintiles(
    bars: Sequence[QuintileBar], *, sii: float | None, y_title: str, element_id: str
) -> Chart:
    """Values by deprivation quintile (1 = most deprived) as bars with 95% confidence
    intervals; the slope index of inequality is stated in the summary."""
    return _quintiles(tuple(bars), sii, y_title, element_id)


def cache_clear() -> None:
    for cached in (_spine, _funnel, _spc, _pyramid, _trend, _quintiles):
        cached.cache_clear()
    drawing.cache_clear()
