"""Spreadsheets of what finance shows, in the layouts finance teams use: the monitoring table
(with seed 002's summary of the year to date and the year end forecast), the system position,
and plans and savings. Built from the presenters, so a spreadsheet holds the page's figures:
nothing here adds up money.

Figures are numbers, never text: in £'000 each is a whole number rounded from its own sum in
pence (`presenters.in_units`), in £ pounds and pence. A total is written as its own value, not
as a SUM of the rounded cells above it, which could differ from it by the rounding. Text that a
spreadsheet would run as a formula ("=HYPERLINK(...)") is kept as text: stored as a string in a
workbook, and begun with an apostrophe in CSV.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from commonweal.core.formatting import FORMULA_STARTS, spreadsheet_safe

from . import presenters, rules
from .models import MONTHS, FinancialYear, year_label

# Number formats: £'000 as whole numbers, £ with pence; negative figures in brackets, as finance
# teams print them (a negative variance is favourable, so colour would mislead).
NUMBER_FORMATS = {
    "thousands": "#,##0;(#,##0)",
    "pounds": "£#,##0.00;(£#,##0.00)",
}
# A percentage is kept as the fraction it is (2.5% is 0.025), so formulas that use it are right.
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "dd/mm/yyyy"
ROUNDING_NOTE = (
    "Each figure, totals included, is rounded from its own sum in pence, so a total may differ "
    "from the sum of the rounded figures above it."
)
NO_SAVINGS_TARGET = "no implicit savings target"
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
RAG_FILLS = {"green": "C6EFCE", "amber": "FFEB9C", "red": "FFC7CE"}


def csv_bytes(text: str) -> bytes:
    """A CSV export as UTF-8 with a byte order mark, so that Excel reads "£" as "£"."""
    return text.encode("utf-8-sig")


# A sheet, laid out once and written as a workbook or as CSV ----------------------------------


@dataclass(frozen=True)
class Money:
    """A figure in pence, to be shown in the sheet's units."""

    pence: int


@dataclass(frozen=True)
class Percent:
    value: Decimal | None


@dataclass(frozen=True)
class Text:
    """A cell of text, with how it is drawn (a title, a heading, a total, a RAG rating)."""

    value: str
    style: str = ""  # "title", "bold", "rag-green" ...


type CellValue = Money | Percent | Text | date | bool | str | None


@dataclass
class Sheet:
    title: str
    units: str
    rows: list[list[CellValue]] = field(default_factory=list)
    bold_rows: set[int] = field(default_factory=set)  # 0-based indexes of rows drawn bold
    freeze_after: int | None = None  # 0-based index of the header row the panes freeze below
    widths: dict[int, float] = field(default_factory=dict)

    def add(self, *cells: CellValue, bold: bool = False) -> int:
        self.rows.append(list(cells))
        if bold:
            self.bold_rows.add(len(self.rows) - 1)
        return len(self.rows) - 1

    def header(self, *cells: str) -> int:
        return self.add(*cells, bold=True)

    def blank(self) -> None:
        self.rows.append([])


def _check_units(units: str) -> None:
    if units not in presenters.UNITS:
        raise ValueError(f"units must be one of {', '.join(presenters.UNITS)}, not {units!r}")


def _value(cell: CellValue, units: str) -> Any:
    """What a cell holds: money as a number in the sheet's units."""
    if isinstance(cell, Money):
        shown = presenters.in_units(cell.pence, units)
        return int(shown) if units == "thousands" else shown
    if isinstance(cell, Percent):
        return None if cell.value is None else cell.value / 100
    if isinstance(cell, Text):
        return cell.value
    if isinstance(cell, bool):
        return "Yes" if cell else "No"
    return cell


def _csv_cell(cell: CellValue, units: str) -> str:
    value = _value(cell, units)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return str(value)  # plain: no thousands separators, "-" for negatives
    return spreadsheet_safe(str(value))


def to_csv(sheets: Sequence[Sheet]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, sheet in enumerate(sheets):
        if n:
            writer.writerow([])
        for row in sheet.rows:
            writer.writerow([_csv_cell(c, sheet.units) for c in row])
    return out.getvalue()


def _write_cell(cell: Cell, value: CellValue, units: str) -> None:
    shown = _value(value, units)
    cell.value = shown
    if isinstance(value, Money):
        cell.number_format = NUMBER_FORMATS[units]
    elif isinstance(value, Percent):
        cell.number_format = PERCENT_FORMAT
    elif isinstance(shown, date):
        cell.number_format = DATE_FORMAT
    elif isinstance(shown, str):
        # Text, always: never a formula, whatever it begins with.
        cell.data_type = "s"
        if shown.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    if isinstance(value, Text):
        if value.style == "title":
            cell.font = Font(bold=True, size=14)
        elif value.style == "bold":
            cell.font = Font(bold=True)
        elif value.style.startswith("rag-"):
            colour = RAG_FILLS.get(value.style.removeprefix("rag-"))
            if colour:
                cell.fill = PatternFill("solid", fgColor=colour)


def _width(value: CellValue) -> int:
    if isinstance(value, Money):
        return 14
    if isinstance(value, Percent):
        return 10
    if isinstance(value, date):
        return 12
    text = value.value if isinstance(value, Text) else "" if value is None else str(value)
    return len(text)


def _write_sheet(ws: Worksheet, sheet: Sheet) -> None:
    ws.title = sheet.title[:31]
    widest: dict[int, int] = {}
    for r, row in enumerate(sheet.rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c)
            assert isinstance(cell, Cell)  # nothing in these sheets is merged
            _write_cell(cell, value, sheet.units)
            if r - 1 in sheet.bold_rows:
                cell.font = Font(bold=True)
                if r - 1 == sheet.freeze_after:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            # A long title or note spills over empty cells: it does not widen its column.
            if len(row) > 1 or not isinstance(value, Text | str):
                widest[c] = max(widest.get(c, 0), _width(value))
    for c, chars in widest.items():
        width = sheet.widths.get(c, min(max(chars + 2, 10), 60))
        ws.column_dimensions[get_column_letter(c)].width = width
    if sheet.freeze_after is not None:
        ws.freeze_panes = f"B{sheet.freeze_after + 2}"


def to_xlsx(sheets: Sequence[Sheet]) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    for n, sheet in enumerate(sheets):
        ws = first if n == 0 else book.create_sheet()
        _write_sheet(ws, sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _rag(value: str) -> Text:
    try:
        label = rules.Rag(value).label
    except ValueError:
        label = value
    return Text(label, f"rag-{value}")


def _as_at(month: int) -> str:
    return f"As at M{month} ({MONTHS[month - 1]})"


def _figures_in(units: str) -> str:
    return f"Figures in {presenters.UNITS[units]}"


# Budget monitoring --------------------------------------------------------------------------


MONITORING_HEADER = (
    *(heading for _, heading, _ in presenters.COLUMNS),
    "Variance %",
    "RAG",
)
SUMMARY_HEADER = ("Budget", "Actual", "Variance")


def _monitoring_row(row: presenters.MonitoringRow, *, bold: bool = False) -> list[CellValue]:
    cells: list[CellValue] = [Text(row.label, "bold" if bold else "")]
    cells += [Money(row.value(attribute)) for _, _, attribute in presenters.COLUMNS]
    cells += [Percent(row.variance_percent), _rag(row.rag)]
    return cells


def monitoring_sheet(m: presenters.Monitoring, units: str) -> Sheet:
    """The monitoring table as finance teams lay it out: a title block, the table with its total,
    and seed 002's summary of the year to date and the year end forecast."""
    _check_units(units)
    sheet = Sheet("Monitoring", units)
    sheet.add(Text(f"{m.year.system.name}: budget monitoring", "title"))
    if m.organisation is not None:
        sheet.add(Text(f"{m.organisation.name} ({m.organisation.code})", "bold"))
    sheet.add(Text(f"Financial year {m.year.label}"))
    sheet.add(Text(f"As at {m.month_label}"))
    sheet.add(Text(_figures_in(units)))
    sheet.add(Text(f"By {m.dimension_label.lower()}"))
    sheet.add(
        Text(
            "Variance %: the forecast variance after additional allocations as a percentage of "
            "the annual budget, which RAG rates: amber "
            f"from {m.thresholds.amber}% and red from {m.thresholds.red}%"
            + ("." if m.thresholds.favourable_too else ", adverse variances only.")
        )
    )
    sheet.add(Text(ROUNDING_NOTE))
    sheet.blank()
    sheet.freeze_after = sheet.header(m.dimension_label, *MONITORING_HEADER)
    for row in m.rows:
        sheet.add(*_monitoring_row(row))
    sheet.add(*_monitoring_row(m.total, bold=True), bold=True)
    sheet.blank()
    t = m.total.figures
    sheet.header("Summary", *SUMMARY_HEADER, m.allocation_heading, "Revised variance")
    sheet.add(
        Text("Year to date position"),
        Money(t.budget_to_date),
        Money(t.actual_to_date),
        Money(t.variance_to_date),
        Money(t.allocation_to_date),
        Money(t.revised_variance_to_date),
    )
    sheet.add(
        Text("Year end forecast"),
        Money(t.budget),
        Money(t.forecast_outturn),
        Money(t.forecast_variance),
        Money(t.allocation_forecast),
        Money(t.revised_forecast_variance),
    )
    sheet.widths[1] = min(max([len(r.label) for r in m.rows] + [24]) + 2, 60)
    return sheet


def monitoring_xlsx(m: presenters.Monitoring, units: str) -> bytes:
    return to_xlsx([monitoring_sheet(m, units)])


def monitoring_csv(m: presenters.Monitoring, units: str) -> str:
    """The monitoring table as one flat table (a header, a row each, the total last), for
    loading into Power BI, pandas or a database: what each row is as at says itself in its
    own columns, not in a title block. The seed-002 summary is in the workbook."""
    _check_units(units)
    sheet = Sheet("Monitoring", units)
    sheet.header(
        "Financial year",
        "As at",
        "Figures in",
        "Organisation",
        "Grouped by",
        "Key",
        m.dimension_label,
        *MONITORING_HEADER,
    )
    organisation = m.organisation.code if m.organisation is not None else ""
    context: list[CellValue] = [
        m.year.label,
        f"M{m.month}",
        presenters.UNITS[units],
        organisation,
        m.dimension,
    ]
    for row in m.rows:
        sheet.add(*context, row.key, *_monitoring_row(row))
    sheet.add(*context, "total", *_monitoring_row(m.total))
    return to_csv([sheet])


# The system position ------------------------------------------------------------------------


POSITION_HEADER = (
    "Code",
    "Organisation",
    "NHS or council",
    "Forecast position",
    "Agreed position",
    "Flagged",
    "Why",
)


def position_sheet(year: FinancialYear, month: int, p: rules.SystemPosition) -> Sheet:
    """Each organisation's forecast against the year's break-even rule, in £'000 (a surplus
    positive, a deficit negative); an organisation that has not reported is left blank."""
    sheet = Sheet("System position", "thousands")
    sheet.add(Text(f"{year.system.name}: system financial position", "title"))
    sheet.add(Text(f"Financial year {year.label}"))
    sheet.add(Text(_as_at(month)))
    sheet.add(Text(_figures_in("thousands") + ": a surplus is positive, a deficit negative"))
    sheet.add(Text(f"The rule from {year_label(p.rule.from_year)}: {p.rule.text}"))
    if p.rule.source:
        sheet.add(Text(f"Source: {p.rule.source}"))
    sheet.add(Text(ROUNDING_NOTE))
    sheet.blank()
    sheet.freeze_after = sheet.header(*POSITION_HEADER)
    for j in p.organisations:
        o = j.org
        sheet.add(
            Text(o.code),
            Text(o.name),
            Text("NHS" if o.nhs else "Council"),
            Money(o.position) if o.position is not None else None,
            Money(o.planned),
            j.flagged,
            Text(j.sentence),
        )
    sheet.add(
        Text("NHS total", "bold"), None, Text("NHS"), Money(p.total), None, None, None, bold=True
    )
    sheet.blank()
    met = "Not known" if p.met is None else "Yes" if p.met else "No"
    sheet.add(Text("Rule met", "bold"), Text(met, "bold"), Text(p.sentence))
    sheet.widths[7] = 80
    return sheet


def position_xlsx(year: FinancialYear, month: int, p: rules.SystemPosition) -> bytes:
    return to_xlsx([position_sheet(year, month, p)])


def position_csv(year: FinancialYear, month: int, p: rules.SystemPosition) -> str:
    return to_csv([position_sheet(year, month, p)])


# Plans and savings --------------------------------------------------------------------------


PLANS_HEADER = ("Organisation", "Plan", "Agreed on", "Planned position", "Savings requirement")
SCHEMES_HEADER = (
    "Reference",
    "Scheme",
    "Organisation",
    "Programme",
    "Recurrent",
    "Plan",
    "Plan to date",
    "Delivered to date",
    "Forecast",
    "Shortfall",
    "RAG",
)


def _title(sheet: Sheet, s: presenters.Savings, units: str, what: str) -> None:
    sheet.add(Text(f"{s.year.system.name}: {what}", "title"))
    sheet.add(Text(f"Financial year {s.year.label}"))
    sheet.add(Text(_as_at(s.month)))
    sheet.add(Text(_figures_in(units)))
    sheet.add(Text(ROUNDING_NOTE))
    sheet.blank()


def _scheme_row(r: presenters.SavingsRow, total: bool = False) -> list[CellValue]:
    scheme = r.scheme
    return [
        Text(scheme.reference),
        Text(scheme.name, "bold" if total else ""),
        Text(r.organisation),
        Text("" if total else scheme.programme),
        None if total else r.recurrent,
        Money(r.plan),
        Money(r.plan_to_date),
        Money(r.delivered_to_date),
        Money(r.forecast),
        Money(r.shortfall),
        _rag(r.rag),
    ]


def savings_sheets(s: presenters.Savings, units: str) -> list[Sheet]:
    """The savings schemes (plan, delivery and forecast, with a total), and the plans the
    organisations are monitored against."""
    _check_units(units)
    schemes = Sheet("Savings schemes", units)
    _title(schemes, s, units, "savings schemes")
    schemes.freeze_after = schemes.header(*SCHEMES_HEADER)
    for r in s.rows:
        schemes.add(*_scheme_row(r))
    if s.total is not None:
        schemes.add(*_scheme_row(s.total, total=True), bold=True)
    schemes.widths[2] = 40
    plans = Sheet("Plans", units)
    _title(plans, s, units, "financial plans")
    plans.freeze_after = plans.header(*PLANS_HEADER)
    for plan in s.plans:
        plans.add(
            Text(plan.organisation.name),
            Text(plan.name),
            plan.agreed_on,
            Money(plan.position),
            Money(plan.savings_requirement)
            if plan.savings_requirement is not None
            else Text(NO_SAVINGS_TARGET),
        )
    plans.widths[2] = 40
    return [plans, schemes]


def savings_xlsx(s: presenters.Savings, units: str) -> bytes:
    plans, schemes = savings_sheets(s, units)
    return to_xlsx([schemes, plans])


def savings_csv(s: presenters.Savings, units: str) -> str:
    return to_csv(savings_sheets(s, units))
