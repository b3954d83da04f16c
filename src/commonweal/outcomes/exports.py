"""Outcomes out as files: an indicator's values in the Fingertips layout, and every page's table
as CSV. Public downloads go through the same presenters, so small counts are withheld there.
Text cells that a spreadsheet would run as formulas are written with a leading apostrophe
(`core.formatting.spreadsheet_safe`); numbers are written as numbers."""

import csv
import io
from collections import Counter
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from commonweal.core.formatting import spreadsheet_safe

from . import fingertips, presenters, rules
from .models import Indicator, Value


def fingertips_csv(
    indicator: Indicator,
    *,
    area_type: str | None = None,
    area_codes: Sequence[str] | None = None,
    public: bool = False,
) -> bytes:
    """The indicator's values as a Fingertips file: what was imported comes out as it came in."""
    rows = Value.objects.filter(indicator=indicator)
    if area_type:
        rows = rows.filter(area_type=area_type)
    if area_codes is not None:
        rows = rows.filter(area_code__in=[*list(area_codes), presenters.ENGLAND])
    values = list(rows.order_by("id"))
    labels = Counter(v.parent_label for v in values if v.parent_label)
    table = fingertips.Table(
        rows=tuple(_row(indicator, v, public) for v in values),
        parent_label=labels.most_common(1)[0][0] if labels else "parent",
        has_range=any(v.period_range for v in values),
    )
    return fingertips.write(table)


def _row(indicator: Indicator, v: Value, public: bool) -> fingertips.Row:
    reason = presenters.withheld(v, indicator) if public else ""
    hide = bool(reason)
    england = v.compared_england or rules.reading(
        rules.comparison_at(indicator.significance, v.compared95, v.compared998),
        indicator.polarity,
    )
    return fingertips.Row(
        indicator_id=indicator.fingertips_id or indicator.code,
        indicator_name=v.indicator_name or indicator.name,
        parent_code=v.parent_code,
        parent_name=v.parent_name,
        area_code=v.area_code,
        area_name=v.area_name,
        area_type=v.area_type_label or v.area_type,
        sex=v.sex,
        age=v.age,
        category_type=v.category_type,
        category=v.category,
        time_period=v.period,
        value=None if hide else v.value,
        lower95=None if hide else v.lower95,
        upper95=None if hide else v.upper95,
        lower998=None if hide else v.lower998,
        upper998=None if hide else v.upper998,
        count=None if hide else v.count,
        denominator=v.denominator,
        value_note=reason or v.value_note,
        recent_trend=v.recent_trend,
        compared_to_england="Not compared" if hide else england,
        compared_to_parent="" if hide else v.compared_parent,
        time_period_sortable=v.period_sortable,
        new_data=v.new_data,
        compared_to_goal=v.compared_to_goal,
        time_period_range=v.period_range,
    )


def _csv(name: str, header: list[str], rows: list[list[object]]) -> HttpResponse:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([_cell(c) for c in row] for row in rows)
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def _cell(value: object) -> object:
    """Text a spreadsheet will not run as a formula (an imported area name "=HYPERLINK(...)"
    gets a leading apostrophe); numbers as they are, so -1.5 stays -1.5."""
    return spreadsheet_safe(value) if isinstance(value, str) else value


def _n(value: float | None) -> object:
    return "" if value is None else value


FIGURE_HEADER = [
    "Area code",
    "Area name",
    "Area type",
    "Period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Compared to England",
    "Value note",
]


def _figure_row(f: presenters.Figure) -> list[object]:
    return [
        f.area_code,
        f.area_name,
        f.area_type,
        f.period,
        _n(f.value),
        _n(f.lower95),
        _n(f.upper95),
        _n(f.lower998),
        _n(f.upper998),
        _n(f.count),
        _n(f.denominator),
        f.comparison,
        f.note,
    ]


def figures_csv(view: presenters.IndicatorView, name: str) -> HttpResponse:
    rows = [_figure_row(f) for f in view.figures]
    if view.england:
        rows.append(_figure_row(view.england))
    return _csv(name, FIGURE_HEADER, rows)


def profile_csv(view: presenters.ProfileView, name: str) -> HttpResponse:
    header = [
        "Outcome",
        "Indicator",
        *FIGURE_HEADER,
        "England value",
        "Worst",
        "25th",
        "75th",
        "Best",
    ]
    rows = []
    for line in view.lines:
        f = line.figure
        s = line.spread
        rows.append(
            [
                line.outcome,
                line.indicator.name,
                *(_figure_row(f) if f else [view.code, view.name, view.area_type] + [""] * 10),
                _n(line.benchmark),
                *((s.worst, s.q25, s.q75, s.best) if s else ("", "", "", "")),
            ]
        )
    return _csv(name, header, rows)


def series_csv(view: presenters.SeriesView, name: str) -> HttpResponse:
    header = [
        "Month",
        "Value",
        "Mean",
        "Lower process limit",
        "Upper process limit",
        "Point type",
        "Rule",
    ]
    rows: list[list[object]] = [
        [p.period.isoformat(), _n(p.value), _n(p.mean), _n(p.lpl), _n(p.upl), p.point_type, p.rule]
        for p in view.points
    ]
    return _csv(name, header, rows)
