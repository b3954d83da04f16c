"""Spreadsheet exports: every figure a number equal to the presenter's, rounded from its own
pence (never summed from rounded cells), in £'000 or £ with the matching number format; CSV
holding the same rows; and a label that would run as a formula kept as text."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.finance import actions, exports, presenters
from commonweal.finance.actions import EntryIn, LineIn, SavingsIn
from commonweal.finance.models import Kind, Nature

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("https://example.com/x","Click")'
MONTH = 10


def org(code):
    return Organisation.objects.get(code=code)


def monthly(line, kind, amounts, *, as_at=None, label=""):
    return [
        EntryIn(line, month, kind, amount, as_at=as_at, label=label)
        for month, amount in amounts.items()
    ]


@pytest.fixture
def ledger(devon):
    """A small ledger for 2020/21 as at M10: the CCG's lines (one an income line, one under a
    programme that would run as a formula), a council's line, the HDP allocation, plans and
    savings schemes. Amounts have odd pence so that rounding each figure matters."""
    cl = Actor.command_line()
    year = actions.open_year(cl, devon, 2020)
    ccg, torbay = org("15N"), org("E06000027")
    acute, community, hostile, income, care = actions.add_lines(
        cl,
        devon,
        [
            LineIn(ccg, "C100", "Acute contracts", programme="Acute"),
            LineIn(ccg, "C200", "Community services", programme="Community"),
            LineIn(ccg, "C300", "Innovation fund", programme=HOSTILE),
            LineIn(ccg, "I900", "Other income", programme="Income", nature=Nature.INCOME),
            LineIn(torbay, "T100", "Adult social care", programme="Adult care"),
        ],
    )
    entries = []
    for line, per_month, spend in (
        (acute, 150_012_345_67, 151_234_567_89),
        (community, 20_000_040_01, 19_876_543_21),
        # £400 a month: each row's £'000 rounds down, the total from the sum of pence may not.
        (hostile, 40_049, 40_049),
        (income, 1_000_000_00, 1_100_000_00),
        (care, 5_000_000_00, 5_250_000_51),
    ):
        entries += monthly(line, Kind.BUDGET, {m: per_month for m in range(1, 13)})
        entries += monthly(line, Kind.ACTUAL, {m: spend for m in range(1, MONTH + 1)})
    entries += monthly(acute, Kind.FORECAST, {11: 152_000_000_00, 12: 153_000_000_03}, as_at=MONTH)
    entries += monthly(acute, Kind.COMMITMENT, {MONTH: 2_345_678_99})
    entries += monthly(acute, Kind.ALLOCATION, {7: 3_000_000_00, 8: 4_024_000_00}, label="HDP")
    entries += monthly(
        acute,
        Kind.ALLOCATION_FORECAST,
        {11: 3_000_000_00, 12: 3_214_000_00},
        as_at=MONTH,
        label="HDP",
    )
    actions.post_entries(cl, year, entries)
    actions.record_plan(
        cl,
        year,
        ccg,
        name="Draft plan of 5 March 2020",
        agreed_on=date(2020, 4, 30),
        position=-47_800_000_00,
        savings_requirement=22_600_000_00,
    )
    actions.record_plan(
        cl,
        year,
        ccg,
        name="NHS England model (revised financial framework)",
        agreed_on=date(2020, 10, 1),
        position=0,
        savings_requirement=None,
    )
    actions.record_plan(
        cl,
        year,
        torbay,
        name="Budget 2020/21",
        agreed_on=date(2020, 2, 20),
        position=0,
        savings_requirement=1_000_000_00,
    )
    with transaction.atomic():
        actions.write_savings(
            cl,
            year,
            [
                SavingsIn(
                    ccg,
                    "Q-01",
                    "Outpatient transformation",
                    programme="Planned care",
                    entries=[(m, "plan", 100_000_50, None) for m in range(1, 13)]
                    + [(m, "delivered", 90_000_25, None) for m in range(1, MONTH + 1)]
                    + [(m, "forecast", 95_000_00, MONTH) for m in (11, 12)],
                ),
                SavingsIn(
                    ccg,
                    "Q-02",
                    HOSTILE,
                    programme="Prescribing",
                    recurrent=False,
                    entries=[(m, "plan", 50_000_00, None) for m in range(1, 13)]
                    + [(m, "delivered", 50_000_00, None) for m in range(1, MONTH + 1)],
                ),
            ],
        )
    return year


def book(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def rows_of(ws):
    return [list(r) for r in ws.iter_rows()]


def header_row(ws, first):
    for cells in ws.iter_rows():
        if cells[0].value == first or (len(cells) > 1 and cells[1].value == first):
            return cells[0].row
    raise AssertionError(f"no header row beginning {first!r}")


def expected(pence, units):
    return presenters.in_units(pence, units)


def assert_figure(cell, pence, units):
    """A number, equal to the presenter's figure, in the units' number format."""
    assert cell.data_type == "n", (cell.coordinate, cell.value)
    assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
    if units == "thousands":
        assert isinstance(cell.value, int), (cell.coordinate, cell.value)
        assert cell.value == int(expected(pence, units)), cell.coordinate
        assert cell.number_format == "#,##0;(#,##0)"
    else:
        assert Decimal(repr(cell.value)) == expected(pence, units), cell.coordinate
        assert cell.number_format == "£#,##0.00;(£#,##0.00)"


def csv_rows(text):
    return list(csv.reader(io.StringIO(text)))


def assert_csv_matches(ws, text):
    """The CSV holds the workbook's rows and columns: figures as plain numbers, text as text."""
    parsed = csv_rows(text)
    sheet = [[c.value for c in row] for row in ws.iter_rows()]
    assert len(parsed) == len(sheet)
    for written, values in zip(parsed, sheet, strict=True):
        # The workbook's rows are padded to its widest; a CSV row stops at its last cell.
        assert all(v is None for v in values[len(written) :]), (written, values)
        for text_, value in zip(written, values, strict=False):
            if value is None:
                assert text_ == ""
            elif isinstance(value, int):
                assert "," not in text_ and Decimal(text_) == value
            elif isinstance(value, float):
                assert "," not in text_ and Decimal(text_) == Decimal(repr(value))
            elif isinstance(value, str):
                assert text_ == exports.spreadsheet_safe(value)
            else:
                assert text_ == value.date().isoformat()


def no_formulas(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)


@pytest.mark.parametrize("units", ["thousands", "pounds"])
def test_monitoring_export_holds_the_presenters_figures(ledger, units):
    m = presenters.monitoring(ledger, MONTH, "programme", org("15N"))
    data = exports.monitoring_xlsx(m, units)
    wb = book(data)
    no_formulas(wb)
    ws = wb.active
    titles = [r[0].value for r in ws.iter_rows(max_row=5)]
    assert titles == [
        "Wider Devon (2019): budget monitoring",
        "NHS Devon CCG (15N)",
        "Financial year 2020/21",
        "As at M10 (Jan 2021)",
        f"Figures in {presenters.UNITS[units]}",
    ]
    assert ws["A1"].font.bold
    top = header_row(ws, "Annual budget")
    header = [c.value for c in ws[top]]
    assert header == [
        "Programme",
        *(h for _, h, _ in presenters.COLUMNS),
        "Variance %",
        "RAG",
    ]
    assert ws.freeze_panes == f"B{top + 1}"
    assert all(c.font.bold for c in ws[top])
    for n, row in enumerate([*m.rows, m.total], start=1):
        cells = ws[top + n]
        assert cells[0].value == row.label and cells[0].data_type == "s"
        for i, (_, _, attribute) in enumerate(presenters.COLUMNS, start=1):
            assert_figure(cells[i], row.value(attribute), units)
        percent = cells[len(presenters.COLUMNS) + 1]
        if row.variance_percent is None:
            assert percent.value is None
        else:
            assert percent.data_type == "n" and percent.number_format == "0.0%"
            assert Decimal(repr(percent.value)) == row.variance_percent / 100
        assert cells[len(presenters.COLUMNS) + 2].value == row.rag.capitalize()
    total = ws[top + len(m.rows) + 1]
    assert total[0].value == "Total" and all(c.font.bold for c in total)
    # The hostile programme is text in the workbook, not a formula.
    hostile = [c for c in ws["A"] if c.value == HOSTILE]
    assert len(hostile) == 1 and hostile[0].data_type == "s"
    # Seed 002's summary block: year to date and year end forecast, revised by the allocation.
    summary = header_row(ws, "Summary")
    assert [c.value for c in ws[summary]][:6] == [
        "Summary",
        "Budget",
        "Actual",
        "Variance",
        "Additional HDP allocation",
        "Revised variance",
    ]
    t = m.total.figures
    to_date, year_end = ws[summary + 1], ws[summary + 2]
    assert to_date[0].value == "Year to date position"
    assert year_end[0].value == "Year end forecast"
    for cell, pence in zip(
        to_date[1:6],
        (
            t.budget_to_date,
            t.actual_to_date,
            t.variance_to_date,
            t.allocation_to_date,
            t.revised_variance_to_date,
        ),
        strict=True,
    ):
        assert_figure(cell, pence, units)
    for cell, pence in zip(
        year_end[1:6],
        (
            t.budget,
            t.forecast_outturn,
            t.forecast_variance,
            t.allocation_forecast,
            t.revised_forecast_variance,
        ),
        strict=True,
    ):
        assert_figure(cell, pence, units)
    # The CSV: one flat table of the same rows, plain numbers, the hostile label neutralised.
    text = exports.monitoring_csv(m, units)
    parsed = csv_rows(text)
    header, *rows = parsed
    assert header[:7] == [
        "Financial year",
        "As at",
        "Figures in",
        "Organisation",
        "Grouped by",
        "Key",
        m.dimension_label,
    ]
    assert len(rows) == len(m.rows) + 1 and rows[-1][5:7] == ["total", "Total"]
    for written, row in zip(rows, [*m.rows, m.total], strict=True):
        assert written[:5] == [
            m.year.label,
            f"M{m.month}",
            presenters.UNITS[units],
            "15N",  # drilled into the CCG
            m.dimension,
        ]
        for text_, (_, _, attribute) in zip(written[7:], presenters.COLUMNS, strict=False):
            assert "," not in text_
            assert Decimal(text_) == presenters.in_units(row.value(attribute), units)
    assert [r[6] for r in rows if HOSTILE in r[6]] == ["'" + HOSTILE]
    assert exports.csv_bytes(text).startswith(b"\xef\xbb\xbf")


def test_rows_round_on_their_own_and_the_total_from_the_pence(ledger):
    m = presenters.monitoring(ledger, MONTH, "cost_centre", org("15N"))
    wb = book(exports.monitoring_xlsx(m, "thousands"))
    ws = wb.active
    top = header_row(ws, "Annual budget")
    by_label = {ws.cell(top + n, 1).value: n for n in range(1, len(m.rows) + 2)}
    # The innovation fund's budget is £4,805.88 a year: 5 (thousand), from its own pence.
    fund = by_label["C300 Innovation fund"]
    assert ws.cell(top + fund, 2).value == 5
    rows_sum = sum(ws.cell(top + n, 2).value for n in range(1, len(m.rows) + 1))
    total = ws.cell(top + len(m.rows) + 1, 2).value
    assert total == int(presenters.in_units(m.total.figures.budget, "thousands"))
    assert abs(total - rows_sum) <= len(m.rows)  # may differ by the rounding, and no more


def test_monitoring_by_organisation_has_no_organisation_line(ledger):
    m = presenters.monitoring(ledger, MONTH, "organisation")
    ws = book(exports.monitoring_xlsx(m, "thousands")).active
    titles = [r[0].value for r in ws.iter_rows(max_row=2)]
    assert titles == ["Wider Devon (2019): budget monitoring", "Financial year 2020/21"]
    top = header_row(ws, "Annual budget")
    assert [ws.cell(top + n, 1).value for n in range(1, 4)] == [
        "NHS Devon CCG",
        "Torbay Council",
        "Total",
    ]


def test_an_unknown_unit_is_refused(ledger):
    m = presenters.monitoring(ledger, MONTH)
    with pytest.raises(ValueError, match="units"):
        exports.monitoring_csv(m, "millions")


def test_position_export(ledger):
    p = presenters.position(ledger, MONTH)
    assert p is not None
    wb = book(exports.position_xlsx(ledger, MONTH, p))
    no_formulas(wb)
    ws = wb.active
    column_a = [c.value for c in ws["A"]]
    assert any(str(v).startswith("The rule from 2020/21: Providers and CCGs") for v in column_a)
    top = header_row(ws, "Code")
    assert [c.value for c in ws[top]] == list(exports.POSITION_HEADER)
    assert ws.freeze_panes == f"B{top + 1}"
    for n, j in enumerate(p.organisations, start=1):
        cells = ws[top + n]
        assert [cells[0].value, cells[1].value, cells[2].value] == [
            j.org.code,
            j.org.name,
            "NHS" if j.org.nhs else "Council",
        ]
        assert j.org.position is not None
        assert_figure(cells[3], j.org.position, "thousands")
        assert_figure(cells[4], j.org.planned, "thousands")
        assert cells[5].value == ("Yes" if j.flagged else "No")
        assert cells[6].value == j.sentence
    assert {j.org.code for j in p.organisations} == {"15N", "E06000027"}
    total = ws[top + len(p.organisations) + 1]
    assert total[0].value == "NHS total" and total[0].font.bold
    assert_figure(total[3], p.total, "thousands")
    met = ws[top + len(p.organisations) + 3]
    assert met[0].value == "Rule met"
    assert met[1].value == ("Yes" if p.met else "No") and met[2].value == p.sentence
    assert_csv_matches(ws, exports.position_csv(ledger, MONTH, p))


@pytest.mark.parametrize("units", ["thousands", "pounds"])
def test_savings_export(ledger, units):
    s = presenters.savings(ledger, MONTH)
    wb = book(exports.savings_xlsx(s, units))
    no_formulas(wb)
    schemes, plans = wb.worksheets
    assert (schemes.title, plans.title) == ("Savings schemes", "Plans")
    top = header_row(schemes, "Reference")
    assert [c.value for c in schemes[top]] == list(exports.SCHEMES_HEADER)
    assert schemes.freeze_panes == f"B{top + 1}"
    assert s.total is not None and len(s.rows) == 2
    for n, r in enumerate([*s.rows, s.total], start=1):
        cells = schemes[top + n]
        assert cells[0].value == (r.scheme.reference or None)
        assert cells[1].value == r.scheme.name
        for cell, pence in zip(
            cells[5:10],
            (r.plan, r.plan_to_date, r.delivered_to_date, r.forecast, r.shortfall),
            strict=True,
        ):
            assert_figure(cell, pence, units)
        assert cells[10].value == r.rag.capitalize()
    hostile = schemes.cell(top + 2, 2)
    assert hostile.value == HOSTILE and hostile.data_type == "s"
    assert schemes.cell(top + 1, 5).value == "Yes" and schemes.cell(top + 2, 5).value == "No"
    # Plans: the savings requirement, or that there is none.
    top = header_row(plans, "Organisation")
    assert [c.value for c in plans[top]] == list(exports.PLANS_HEADER)
    for n, plan in enumerate(s.plans, start=1):
        cells = plans[top + n]
        assert cells[1].value == plan.name
        assert cells[2].value.date() == plan.agreed_on
        assert cells[2].number_format == "dd/mm/yyyy"
        assert_figure(cells[3], plan.position, units)
        if plan.savings_requirement is None:
            assert cells[4].value == "no implicit savings target"
        else:
            assert_figure(cells[4], plan.savings_requirement, units)
    assert any(p.savings_requirement is None for p in s.plans)
    # CSV: the plans, then the schemes.
    parsed = csv_rows(exports.savings_csv(s, units))
    assert ["Organisation", *exports.PLANS_HEADER[1:]] in parsed
    assert list(exports.SCHEMES_HEADER) in parsed
    hostile_rows = [r for r in parsed if len(r) > 1 and HOSTILE in r[1]]
    assert hostile_rows and hostile_rows[0][1] == "'" + HOSTILE
    scheme_top = parsed.index(list(exports.SCHEMES_HEADER))
    for n, r in enumerate([*s.rows, s.total], start=1):
        written = parsed[scheme_top + n]
        figures = [r.plan, r.plan_to_date, r.delivered_to_date, r.forecast, r.shortfall]
        assert [Decimal(x) for x in written[5:10]] == [expected(p, units) for p in figures]
    plan_top = parsed.index(list(exports.PLANS_HEADER))
    assert parsed[plan_top + 1][2] == s.plans[0].agreed_on.isoformat()
