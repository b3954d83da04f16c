"""An allocation as an .xlsx workbook: a summary sheet with its sources and uses, its lines,
and its place budgets. Money is in £ and pence, exactly, as numbers in the finance exports'
format (negatives in brackets); dates are date cells and shares are fractions shown as
percentages, in the formats `finance.exports` uses. Each sheet's totals are written as their own
values (the presenter's sums in pence), with a Total row."""

import io
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from commonweal.finance.exports import DATE_FORMAT, NUMBER_FORMATS

from .presenters import HELD, AllocationView

MONEY = NUMBER_FORMATS["pounds"]
SHARE_FORMAT = "0.00%"
BOLD = Font(bold=True)


def _pounds(pence: int) -> Decimal:
    return Decimal(pence) / 100


def _row(sheet: Worksheet, values: list[object], total: bool = False) -> None:
    """Append a row: money (Decimal) and dates get their number formats; a total is bold."""
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, Decimal):
            cell.number_format = MONEY
        elif isinstance(cell.value, date):
            cell.number_format = DATE_FORMAT
        if total:
            cell.font = BOLD


def workbook(view: AllocationView) -> bytes:
    a = view.allocation
    s = view.summary
    r = view.reconciliation
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Allocation"
    for key, value in (
        ("Reference", a.reference),
        ("Name", a.name),
        ("Organisation", a.organisation.name),
        ("Financial year", a.year.label),
        ("Status", a.get_status_display()),
        ("Illustrative", "Yes" if a.illustrative else "No"),
        ("Population basis", view.basis_label),
        ("Weighting", a.weighting or "None: raw population"),
        ("Population date", a.population_on),
        ("Forward plan (decision)", a.plan_item.reference if a.plan_item else ""),
        ("Decision", a.decision.reference if a.decision else ""),
        ("Decision date", a.decision.on if a.decision else ""),
    ):
        _row(sheet, [key, value])
    sheet.append([])
    _row(sheet, ["Sources and uses", "£"], total=True)
    _row(sheet, ["Recurrent allocation received", _pounds(r.total)])
    for use in r.uses:
        _row(sheet, [use.label, _pounds(use.amount)])
    _row(sheet, ["Total uses", _pounds(r.uses_total)], total=True)
    sheet.append([])
    _row(sheet, ["Gross new money: growth and investment", _pounds(s.gross_new)])
    _row(sheet, ["Net change: growth, investment and disinvestment", _pounds(s.net_change)])
    _row(sheet, ["Of which at places (see Place budgets)", _pounds(r.place_lines)])
    _row(sheet, ["Places' total: capitated budgets and lines at places", _pounds(r.places_total)])
    sheet.column_dimensions["A"].width = 52
    sheet.column_dimensions["B"].width = 22

    lines = book.create_sheet("Lines")
    _row(lines, ["Programme", "Priority", "Kind", "Place", "Amount (£)"], total=True)
    for line in view.lines:
        _row(
            lines,
            [
                line.programme,
                line.priority,
                line.kind_label,
                line.place or "The whole system",
                _pounds(line.amount),
            ],
        )
    _row(lines, ["Total (net change)", "", "", "", _pounds(s.net_change)], total=True)

    places = book.create_sheet("Place budgets")
    _row(
        places,
        [
            "Code",
            "Place",
            "Population",
            "Weight",
            "Weighted population",
            "Share",
            "Capitated budget (£)",
            "Lines at the place (£)",
            "Place total (£)",
            "Counted",
        ],
        total=True,
    )
    for p in view.places:
        _row(
            places,
            [
                p.code,
                p.name,
                p.population,
                p.weight,
                p.weighted,
                p.share_fraction,
                _pounds(p.amount),
                _pounds(p.lines),
                _pounds(p.total),
                p.counted,
            ],
        )
        _formats(places)
    if view.places:
        _row(
            places,
            [
                "",
                "Total",
                view.population,
                None,
                view.weighted,
                Decimal(1),
                _pounds(view.place_sum),
                _pounds(view.place_lines),
                _pounds(view.places_total),
                "",
            ],
            total=True,
        )
        _formats(places)
        places.append([])
        places.append(
            [
                "",
                "Share = weighted population ÷ total weighted population. Place total = "
                f"capitated budget + lines at the place. {HELD}: see the Allocation sheet.",
            ]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _formats(sheet: Worksheet) -> None:
    """The population, weight and share formats of a place row just written."""
    row = sheet.max_row
    sheet.cell(row, 3).number_format = "#,##0"
    sheet.cell(row, 4).number_format = "0.0#####"
    weighted = sheet.cell(row, 5).value
    whole = isinstance(weighted, Decimal) and weighted == weighted.to_integral_value()
    sheet.cell(row, 5).number_format = "#,##0" if whole else "#,##0.######"
    sheet.cell(row, 6).number_format = SHARE_FORMAT
