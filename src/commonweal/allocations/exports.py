"""An allocation as an .xlsx workbook: a summary sheet, its lines by programme, and its place
budgets (money in £, from pence, as numbers with two decimal places)."""

import io
from decimal import Decimal

from openpyxl import Workbook

from .presenters import AllocationView

MONEY = "#,##0.00"


def _pounds(pence: int) -> Decimal:
    return Decimal(pence) / 100


def workbook(view: AllocationView) -> bytes:
    a = view.allocation
    s = view.summary
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Allocation"
    rows: list[tuple[str, object]] = [
        ("Reference", a.reference),
        ("Name", a.name),
        ("Organisation", a.organisation.name),
        ("Financial year", a.year.label),
        ("Status", a.get_status_display()),
        ("Illustrative", "Yes" if a.illustrative else "No"),
        ("Recurrent allocation received (£)", _pounds(a.total)),
        ("Capitated to places (£)", _pounds(a.place_total)),
        ("Growth (£)", _pounds(s.growth)),
        ("Investment (£)", _pounds(s.investment)),
        ("Disinvestment (£)", _pounds(s.disinvestment)),
        ("Gross new money: growth and investment (£)", _pounds(s.gross_new)),
        ("Net change (£)", _pounds(s.net_change)),
        ("Population basis", view.basis_label),
        ("Weighting", a.weighting or "None: raw population"),
        ("Population date", a.population_on),
        ("Decision", a.decision.reference if a.decision else ""),
    ]
    for key, value in rows:
        sheet.append([key, value])
        if isinstance(value, Decimal):
            sheet.cell(sheet.max_row, 2).number_format = MONEY
    lines = book.create_sheet("Lines")
    lines.append(["Programme", "Priority", "Kind", "Place", "Amount (£)"])
    for r in view.lines:
        lines.append([r.programme, r.priority, r.kind_label, r.place, _pounds(r.amount)])
        lines.cell(lines.max_row, 5).number_format = MONEY
    places = book.create_sheet("Place budgets")
    places.append(["Code", "Place", "Population", "Weight", "Share (%)", "Budget (£)", "Counted"])
    for p in view.places:
        places.append(
            [p.code, p.name, p.population, p.weight, p.share, _pounds(p.amount), p.counted]
        )
        places.cell(places.max_row, 6).number_format = MONEY
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
