"""Charts drawn on the server: Altair (Vega-Lite) rendered to SVG by vl-convert, so a page needs
no JavaScript and a PDF can take the same drawing.

The cumulative chart shows the plan (the budget), the actual to date and the forecast for the
months after it, month by month, in £'000. Its SVG is self-contained (no fonts, images or
links fetched from anywhere, no inline styles for the content security policy to refuse) and
accessible: `role="img"` with a title and a description that say what it shows; the page puts
the same figures in a table beside it.

A render takes about 0.1 seconds once vl-convert's engine has started (the first, in a fresh
process, about 0.6 seconds), so drawings are kept by their figures: the same figures are drawn
once per process.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import altair as alt

from commonweal.core import charts as drawing

from . import presenters, rules

PLAN, ACTUAL, FORECAST = "Plan (budget)", "Actual", "Forecast"
SERIES = (PLAN, ACTUAL, FORECAST)
# NHS identity colours (dark grey, blue, orange) and a dash each, so colour is not the only
# difference between the lines.
COLOURS = ("#425563", "#005eb8", "#ed8b00")
DASHES = ([8, 4], [1, 0], [2, 3])
FONT = "Arial, sans-serif"


@dataclass(frozen=True)
class Point:
    """A month of the chart: cumulative figures in £'000 (None where the line does not go)."""

    month: int
    label: str  # "M1 Apr"
    plan: int
    actual: int | None
    forecast: int | None


def points(months: Sequence[presenters.MonthPoint]) -> tuple[Point, ...]:
    """The months' cumulative pence as £'000, each rounded from its own sum."""
    return tuple(
        Point(
            m.month,
            m.label,
            rules.thousands(m.budget),
            None if m.actual is None else rules.thousands(m.actual),
            None if m.forecast is None else rules.thousands(m.forecast),
        )
        for m in months
    )


def _k(value: int) -> str:
    return f"−{abs(value):,}" if value < 0 else f"{value:,}"


def summary(shown: Sequence[Point]) -> str:
    """A sentence that says what the chart shows, for those who cannot see it."""
    if not shown:
        return "No figures to chart."
    last_actual = [p for p in shown if p.actual is not None]
    said = [f"Cumulative £'000 by month: the plan for the year is {_k(shown[-1].plan)}"]
    if last_actual:
        p = last_actual[-1]
        said.append(
            f"the actual to {p.label} is {_k(p.actual or 0)} against a plan to date of {_k(p.plan)}"
        )
    if shown[-1].forecast is not None:
        said.append(f"the forecast outturn is {_k(shown[-1].forecast)}")
    return "; ".join(said) + "."


def spec(shown: Sequence[Point]) -> dict[str, Any]:
    """The Vega-Lite specification of the cumulative chart."""
    rows: list[dict[str, Any]] = []
    for p in shown:
        for series, value in zip(SERIES, (p.plan, p.actual, p.forecast), strict=True):
            if value is not None:
                rows.append({"month": p.label, "series": series, "value": value})
    order = [p.label for p in shown]
    legend = alt.Legend(orient="bottom", title=None, symbolType="stroke", symbolStrokeWidth=3)
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(strokeWidth=2.5, point=alt.OverlayMarkDef(filled=True, size=36))
        .encode(
            x=alt.X(
                "month:O",
                sort=order,
                title=None,
                # "M10 Jan" on two lines: the month number over its name.
                axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')"),
            ),
            y=alt.Y("value:Q", title="£'000, cumulative", axis=alt.Axis(format=",d")),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=list(SERIES), range=list(COLOURS)),
                sort=list(SERIES),
                legend=legend,
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                scale=alt.Scale(domain=list(SERIES), range=[list(d) for d in DASHES]),
                sort=list(SERIES),
                legend=legend,
            ),
        )
        .properties(width=460, height=240)
        .configure(font=FONT, aria=False)
        .configure_axis(labelFontSize=14, titleFontSize=14, labelColor="#212b32")
        .configure_legend(labelFontSize=14, labelColor="#212b32")
        .configure_view(stroke="#d8dde0")
    )
    return chart.to_dict()


@lru_cache(maxsize=512)
def _render(shown: tuple[Point, ...]) -> str:
    return drawing.render(spec(shown))


def cumulative_svg(
    months: Sequence[presenters.MonthPoint], title: str, *, element_id: str = "finance-chart"
) -> str:
    """The cumulative chart of plan, actual and forecast as an SVG string, for a page (inline)
    or a PDF. `title` names what it is of ("NHS Devon CCG, 2020/21 as at M10")."""
    shown = points(months)
    label = f"Chart: cumulative plan, actual and forecast, {title}"
    return drawing.accessible_svg(_render(shown), label, summary(shown), element_id)


def cache_clear() -> None:
    _render.cache_clear()
    drawing.cache_clear()
