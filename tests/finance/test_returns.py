"""Monthly returns from workbooks: the example return gives seed 002's table exactly, agrees
with an independent sum of its cells, and moves by exactly what a changed cell changes; every
malformed or hostile workbook is refused with its sheet and cell named and nothing written;
only those who keep an organisation's ledger may import its rows; the background task records
its progress and keeps a refusal's problems; the command line prints and fails cleanly."""

import zipfile
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.core.models import AuditEvent, Organisation, Person
from commonweal.decisions import actions as decisions
from commonweal.finance import actions, example, presenters, returns, rules, tasks, workbook
from commonweal.finance.models import (
    BudgetLine,
    Entry,
    Kind,
    Return,
    SavingsEntry,
    SavingsScheme,
)
from commonweal.governance.models import Post

from ..factories import cli_env, run_cli

pytestmark = pytest.mark.django_db

CL = Actor.command_line

# Seed 002, paragraph 5.11: NHS Devon CCG's financial position at M10 of 2020/21, £'000.
SEED_TABLE = {
    "budget_to_date": 1_835_740,
    "actual_to_date": 1_842_764,
    "variance_to_date": 7_024,
    "allocation_to_date": 7_024,
    "revised_variance_to_date": 0,
    "budget": 2_219_566,
    "forecast_outturn": 2_232_804,
    "forecast_variance": 13_238,
    "allocation_forecast": 13_238,
    "revised_forecast_variance": 0,
}

HEAD = ["Organisation", "Cost centre", "Name", "Programme", "Place", "Nature", "Kind", "Month"]
HEAD += ["As at", "Amount", "Label", "Decision", "Corrects", "Note"]
ROW = ["15N", "T1", "Test line", "Acute", "east", "expenditure", "budget", "M1", None, 1000]


@pytest.fixture(scope="module")
def example_file(tmp_path_factory) -> Path:
    return example.write_example(tmp_path_factory.mktemp("example") / "example.xlsx")


@pytest.fixture
def year(devon):
    return actions.open_year(CL(), devon, 2020)


def written() -> tuple[int, ...]:
    return (
        Entry.objects.count(),
        BudgetLine.objects.count(),
        SavingsScheme.objects.count(),
        SavingsEntry.objects.count(),
    )


def book(path: Path, rows, *, units="£", title="Ledger", head=HEAD, more=()) -> Path:
    """A workbook of one sheet: units in row 1 (None: no such row), headings, rows; and
    further sheets as (title, rows)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    if units is not None:
        ws.append(["Units", units])
    ws.append(head)
    for row in rows:
        ws.append(row)
    for name, extra in more:
        sheet = wb.create_sheet(name)
        for row in extra:
            sheet.append(row)
    wb.save(path)
    return path


def row(**changes) -> list:
    """A good row, with cells changed by their headings ("Cost centre" through **{...})."""
    out = list(ROW) + [None] * (len(HEAD) - len(ROW))
    for key, value in changes.items():
        out[HEAD.index(key)] = value
    return out


def imported(year, path, month=10, actor=None) -> Return:
    return returns.import_file(actor or CL(), year, month, path)


def figures(year, month=10) -> rules.Figures:
    return presenters.monitoring(year, month, "organisation").total.figures


class _Undo(Exception):
    pass


def figures_of(year, path) -> rules.Figures:
    """The total after importing a workbook, then everything undone."""
    out = []
    with pytest.raises(_Undo), transaction.atomic():
        imported(year, path)
        out.append(figures(year))
        raise _Undo
    return out[0]


# The example return ----------------------------------------------------------------------------


def test_the_example_return_gives_seed_002s_table_exactly(year, example_file):
    ret = imported(year, example_file)
    assert ret.status == Return.Status.DONE and ret.problems == []
    table = presenters.monitoring(year, 10, "organisation")
    assert [r.label for r in table.rows] == ["NHS Devon CCG"]
    total = table.total.figures
    shown = {key: rules.thousands(getattr(total, key)) for key in SEED_TABLE}
    assert shown == SEED_TABLE
    # The HDP allocation meets the variance to the penny, so nothing is left to round.
    assert total.revised_variance_to_date == 0 and total.revised_forecast_variance == 0
    assert table.allocation_heading == "Additional HDP allocation"
    assert total.lines == 12 and total.unforecast_lines == 0
    assert example.TABLE == SEED_TABLE
    # Lines by place and programme, as the workbook described them.
    places = dict(BudgetLine.objects.values_list("cost_centre", "place__code"))
    assert places["ACU-E"] == "east" and places["COM-P"] == "plymouth" and places["CHC"] is None
    assert ret.entries == Entry.objects.filter(source=ret).count() + SavingsEntry.objects.count()
    event = AuditEvent.objects.get(action="finance.import_return", object_id=str(ret.pk))
    assert event.after["new_lines"] == 12 and event.after["organisations"] == ["15N"]


def independent_sums(path: Path, month: int = 10) -> Counter:
    """The workbook's figures summed from its cells with openpyxl (as floats, turned into
    Decimal through their shortest text: a check made another way, not the import's way)."""
    sums: Counter = Counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for ws in wb.worksheets:
        if ws.title.startswith(("_", "Notes")):
            continue
        rows = list(ws.iter_rows(values_only=True))
        factor = {"£": 100, "£'000": 100_000}[rows[0][1]]
        at = {str(h).lower(): i for i, h in enumerate(rows[1]) if h}
        for r in rows[2:]:
            amount = Decimal(str(r[at["amount"]])) * factor
            assert amount == amount.to_integral_value()
            kind = r[at["kind"]]
            m = int(str(r[at["month"]]).lstrip("M"))
            as_at = r[at["as at"]]
            if "scheme" in at:
                if kind == "plan":
                    sums["saving_plan"] += int(amount)
                elif kind == "delivered" and m <= month:
                    sums["saving_delivered"] += int(amount)
                elif kind == "forecast" and as_at == f"M{month}" and m > month:
                    sums["saving_ahead"] += int(amount)
                continue
            ahead = as_at == f"M{month}" and m > month
            if kind == "budget":
                sums["budget"] += int(amount)
                sums["budget_to_date"] += int(amount) if m <= month else 0
            elif (kind in ("actual", "commitment", "allocation") and m <= month) or (
                kind in ("forecast", "allocation forecast") and ahead
            ):
                sums[kind] += int(amount)
    wb.close()
    return sums


def test_the_imported_figures_are_the_workbooks_cells_added_up(year, example_file):
    imported(year, example_file)
    total = figures(year)
    cells = independent_sums(example_file)
    assert total.budget == cells["budget"]
    assert total.budget_to_date == cells["budget_to_date"]
    assert total.actual_to_date == cells["actual"]
    assert total.commitments == cells["commitment"]
    # Every line has a forecast as at M10.
    assert total.forecast_outturn == cells["actual"] + cells["forecast"]
    assert total.allocation_to_date == cells["allocation"]
    assert total.allocation_forecast == cells["allocation"] + cells["allocation forecast"]
    savings = presenters.savings(year, 10).total
    assert savings is not None
    assert savings.plan == cells["saving_plan"] == 22_600_000_00  # the original plan's £22.6m
    assert savings.delivered_to_date == cells["saving_delivered"]
    assert savings.forecast == cells["saving_delivered"] + cells["saving_ahead"]
    assert SavingsScheme.objects.filter(recurrent=False).count() == 2


def changed_copy(src: Path, dst: Path, sheet: str, match: dict[str, str], by: str) -> Path:
    """A copy of the workbook with one row's amount (the row whose cells match) moved by an
    amount given as text in the sheet's units."""
    wb = openpyxl.load_workbook(src)
    ws = wb[sheet]
    at = {str(c.value): c.column - 1 for c in ws[2]}
    found = [
        r for r in ws.iter_rows(min_row=3) if all(r[at[k]].value == v for k, v in match.items())
    ]
    assert len(found) == 1
    cell = found[0][at["Amount"]]
    cell.value = float(Decimal(str(cell.value)) + Decimal(by))
    wb.save(dst)
    return dst


def test_changing_one_cell_moves_the_table_by_exactly_that_amount(year, example_file, tmp_path):
    before = figures_of(year, example_file)
    actual = changed_copy(
        example_file,
        tmp_path / "actual.xlsx",
        "Ledger",
        {"Cost centre": "CHC", "Kind": "actual", "Month": "M5"},
        "1234.56",
    )
    after = figures_of(year, actual)
    assert after.actual_to_date - before.actual_to_date == 1234_56
    assert after.variance_to_date - before.variance_to_date == 1234_56
    assert after.forecast_outturn - before.forecast_outturn == 1234_56
    assert (after.budget, after.allocation_to_date) == (before.budget, before.allocation_to_date)
    # A forecast in £'000: a hundredth of a thousand pounds is £10.
    forecast = changed_copy(
        example_file,
        tmp_path / "forecast.xlsx",
        "Forecasts",
        {"Cost centre": "PRESC", "Kind": "forecast", "Month": "M12"},
        "0.01",
    )
    after = figures_of(year, forecast)
    assert after.forecast_outturn - before.forecast_outturn == 10_00
    assert after.revised_forecast_variance == 10_00
    assert after.actual_to_date == before.actual_to_date


def test_a_return_handed_in_again_with_a_change_replaces_rather_than_adds(
    year, example_file, tmp_path
):
    """A return states figures as they stand: handed in again with one actual changed by
    £1,234.56, it writes that difference and nothing else, however many rows it restates."""
    imported(year, example_file)
    before, entries = figures(year), Entry.objects.count()
    again = changed_copy(
        example_file,
        tmp_path / "again.xlsx",
        "Ledger",
        {"Cost centre": "CHC", "Kind": "actual", "Month": "M10"},
        "1234.56",
    )
    imported(year, again)
    after = figures(year)
    assert after.actual_to_date - before.actual_to_date == 1234_56
    assert (
        after.budget == before.budget
        and after.forecast_outturn - before.forecast_outturn == 1234_56
    )
    assert Entry.objects.count() == entries + 1


def test_a_return_may_restate_closed_months_but_not_change_them(year, example_file, tmp_path):
    imported(year, example_file)
    for month in range(1, 10):
        actions.close_month(CL(), year, month)
    year.refresh_from_db()
    entries = Entry.objects.count()
    closed = changed_copy(
        example_file,
        tmp_path / "closed.xlsx",
        "Ledger",
        {"Cost centre": "CHC", "Kind": "actual", "Month": "M5"},
        "1",
    )
    problems = refused(year, closed)
    assert len(problems) == 1 and "M5 (Aug 2020) is closed" in problems[0], problems
    assert problems[0].startswith("Ledger!"), problems
    assert Entry.objects.count() == entries
    # The same workbook changing only the open month M10 restates M1 to M9 and is taken.
    open_month = changed_copy(
        example_file,
        tmp_path / "open.xlsx",
        "Ledger",
        {"Cost centre": "CHC", "Kind": "actual", "Month": "M10"},
        "1",
    )
    imported(year, open_month)
    assert Entry.objects.count() == entries + 1


def test_a_workbook_is_imported_once(year, example_file):
    imported(year, example_file)
    with pytest.raises(Conflict, match="imported already, as return"):
        imported(year, example_file)


# Malformed workbooks: the sheet and cell named, nothing written -------------------------------


def refused(year, path, month=10) -> list[str]:
    """Import a workbook that must be refused; its problems as "where: problem"."""
    before = written()
    with pytest.raises(Refused) as caught:
        imported(year, path, month)
    assert written() == before
    return [f"{p.field}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("rows", "units", "expected"),
    [
        ([row(Amount="n/a")], "£", "Ledger!J3: 'n/a' is not an amount"),
        ([row(Amount="12k")], "£", "Ledger!J3: '12k' is not an amount"),
        ([row(Amount="1,234.00")], "£", "Ledger!J3: '1,234.00' is not an amount"),
        ([row(Amount="NaN")], "£", "Ledger!J3: 'NaN' is not an amount"),
        ([row(Amount=None)], "£", "Ledger!J3: the amount is missing"),
        ([row(Amount=12.345)], "£", "Ledger!J3: 12.345 £ is a fraction of a penny"),
        ([row(Amount=1.234567)], "£'000", "Ledger!J3: 1.234567 £'000 is a fraction of a penny"),
        ([row(Amount=2e12)], "£", "Ledger!J3: 2000000000000 £ is more than a trillion"),
        ([row(Amount="#DIV/0!")], "£", "Ledger!J3: holds the error #DIV/0!"),
        ([row(**{"Cost centre": None})], "£", "Ledger!B3: the cost centre is missing"),
        ([row(Month="M13")], "£", "Ledger!H3: 'M13' is not a month of the year"),
        ([row(Month=0)], "£", "Ledger!H3: '0' is not a month of the year"),
        ([row(Organisation="XXX")], "£", "Ledger!A3: no organisation has the ODS code 'XXX'"),
        ([row(Place="exeter")], "£", "Ledger!E3: 'exeter' is not an area of Wider Devon"),
        ([row(Kind="spend")], "£", "Ledger!G3: 'spend' is not a kind of entry"),
        ([row(Nature="capital")], "£", "Ledger!F3: 'capital' is not expenditure or income"),
        (
            [row(Kind="forecast", Month="M3", **{"As at": "M5"})],
            "£",
            "Ledger!H3: a forecast made in M5 is for the months after it, not M3",
        ),
        (
            [row(Kind="actual", Month="M11")],
            "£",
            "Ledger!H3: an actual for M11 in a return made as at M10: that month has not",
        ),
        ([row(Name=None)], "£", "Ledger!B3: cost centre T1 of 15N is new: give its Name"),
        (
            [row(), row(Name="Another name")],
            "£",
            "Ledger!C4: cost centre T1 has another name at Ledger!C3",
        ),
        ([row(Decision="D99999", Kind="commitment")], "£", "Ledger!L3: no decision D99999"),
        ([row(Decision="D1")], "£", "Ledger!L3: only orders (commitments) and payments"),
        ([row(Corrects="99999999")], "£", "Ledger!M3: no entry 99999999 in 2020/21"),
        ([row()], "GBP", "Ledger!B1: the sheet does not declare its units (it says 'GBP')"),
        ([row()], None, "Ledger!B1: the sheet does not declare its units"),
    ],
)
def test_a_malformed_row_is_refused_at_its_cell(year, tmp_path, rows, units, expected):
    problems = refused(year, book(tmp_path / "bad.xlsx", rows, units=units))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_whole_pence_amount_in_thousands_is_read_exactly(year, tmp_path):
    rows = [row(Amount=1.23456), row(Month="M2", Amount="1E+3"), row(Month="M3", Amount=-0.5)]
    # An empty sheet (as Excel adds) is passed over.
    imported(year, book(tmp_path / "ok.xlsx", rows, units="£'000", more=[("Sheet1", [])]))
    amounts = sorted(Entry.objects.values_list("amount", flat=True))
    assert amounts == [-500_00, 1_234_56, 1_000_000_00]


def test_every_problem_is_collected_before_refusing(year, tmp_path):
    rows = [row(Month=f"M{13 + n}", Amount="x") for n in range(150)]
    problems = refused(year, book(tmp_path / "many.xlsx", rows))
    assert len(problems) == 101
    assert problems[0].startswith("Ledger!H3: 'M13' is not a month")
    assert problems[1].startswith("Ledger!J3: 'x' is not an amount")
    assert problems[-1] == ": ... and 200 more problems, not listed; mend these first"


def test_headings_and_units_are_checked_sheet_by_sheet(year, tmp_path):
    head = [h if h != "Amount" else "Amout" for h in HEAD]
    problems = refused(
        year,
        book(
            tmp_path / "heads.xlsx",
            [row()],
            head=head,
            more=[("Forecasts M10", [["Units", "£'000"], ["Kind"]]), ("Notes", [["anything"]])],
        ),
    )
    assert "Ledger!J2: 'Amout' is not a column of a ledger sheet" in problems[0]
    assert "Ledger!A2: the headings in row 2 have no Amount column" in problems
    assert "'Forecasts M10'!A2: the headings in row 2 have no Organisation column" in problems


def test_a_closed_month_takes_nothing_from_a_return(year, example_file):
    actions.close_month(CL(), year, 1)
    problems = refused(year, example_file)
    assert any(
        p.startswith("Ledger!H3: M1 (Apr 2020) is closed: post a correction") for p in problems
    ), problems
    assert Return.objects.get().status == Return.Status.FAILED


def test_a_late_correction_points_at_the_entry_it_corrects(year, tmp_path):
    imported(year, book(tmp_path / "first.xlsx", [row(Kind="actual", Amount=500)]))
    entry = Entry.objects.get()
    actions.close_month(CL(), year, 1)
    late = row(Kind="actual", Month="M2", Amount=-20, Corrects=str(entry.pk), Note="Credit note")
    imported(year, book(tmp_path / "late.xlsx", [late]))
    correction = Entry.objects.get(corrects=entry)
    assert (correction.month, correction.amount, correction.note) == (2, -20_00, "Credit note")
    other = row(Kind="budget", Month="M2", Amount=1, Corrects=str(entry.pk))
    problems = refused(year, book(tmp_path / "other.xlsx", [other]))
    assert problems == [
        f"Ledger!M3: entry {entry.pk} is an actual of T1: a correction is of the same line and kind"
    ]


def test_a_known_line_is_brought_up_to_date_and_a_new_one_added(year, tmp_path):
    imported(year, book(tmp_path / "one.xlsx", [row()]))
    again = row(Name="Renamed", Place="torbay", Month="M2", Programme=None)
    new = row(**{"Cost centre": "T2"}, Name="Second", Place=None, Month="M3")
    imported(year, book(tmp_path / "two.xlsx", [again, new]))
    t1, t2 = BudgetLine.objects.order_by("cost_centre")
    assert (t1.name, t1.place.code, t1.nature, t1.programme) == (
        "Renamed",
        "torbay",
        "expenditure",
        "Acute",
    )
    assert (t2.name, t2.place, t2.nature) == ("Second", None, "expenditure")
    # A line with entries keeps its nature: income would reverse every figure it has had.
    flipped = book(tmp_path / "three.xlsx", [row(Nature="income", Month="M4")])
    problems = refused(year, flipped)
    assert any("nature cannot change" in p for p in problems), problems
    assert BudgetLine.objects.get(cost_centre=t1.cost_centre).nature == "expenditure"


def test_an_order_is_raised_under_a_decisions_part(universe, devon, year, tmp_path):
    sam = Actor.from_user(universe.accounts["commissioner-15n"])
    decider = (
        Person.objects.get(key="sam-patel"),
        Post.objects.get(organisation__code="15N", code="director-of-commissioning"),
    )
    decision = decisions.record_officer_decision(
        sam,
        devon,
        decisions.DecisionIn(
            title="Extra community capacity",
            resolution="Commit £5,000.",
            decision_type="revenue_commitment",
            parts=[decisions.PartIn(Organisation.objects.get(code="15N"), 5_000_00, [decider])],
        ),
        date(2020, 6, 1),
    )
    order = row(Kind="commitment", Month="M3", Amount=5000, Decision=decision.reference)
    imported(year, book(tmp_path / "order.xlsx", [order]))
    assert Entry.objects.get(kind=Kind.COMMITMENT).decision_part == decision.parts.get()
    torbay = row(Organisation="E06000027", Kind="actual", Month="M3", Decision=decision.reference)
    problems = refused(year, book(tmp_path / "torbay.xlsx", [torbay]))
    assert problems == [f"Ledger!L3: {decision.reference} has no part for Torbay Council"]


# Hostile files -----------------------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused(year, tmp_path, example_file):
    csv = tmp_path / "return.xlsx"
    csv.write_text("Organisation,Cost centre,Amount\n15N,T1,100\n")
    assert refused(year, csv) == [
        "file: return.xlsx: is not an .xlsx workbook (or is truncated): it could not be opened"
    ]
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(example_file.read_bytes()[: example_file.stat().st_size // 2])
    assert "could not be opened" in refused(year, truncated)[0]
    encrypted = tmp_path / "encrypted.xlsx"
    encrypted.write_bytes(workbook.OLE + b"\0" * 600)
    assert "is encrypted (password-protected) or an old .xls" in refused(year, encrypted)[0]
    docx = tmp_path / "paper.xlsx"
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            "<Types><Override ContentType='wordprocessingml.document.main+xml'/></Types>",
        )
    assert "is not an .xlsx workbook, whatever its name says" in refused(year, docx)[0]
    assert Return.objects.count() == 0


def rezipped(
    src: Path, dst: Path, replace: dict[str, bytes], compression=zipfile.ZIP_DEFLATED
) -> Path:
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w", compression) as new:
        for item in old.infolist():
            if item.filename not in replace:
                new.writestr(item.filename, old.read(item.filename))
        for name, data in replace.items():
            new.writestr(name, data)
    return dst


def test_a_zip_bomb_is_refused_before_it_is_unpacked(year, tmp_path, example_file):
    bomb = rezipped(
        example_file, tmp_path / "bomb.xlsx", {"xl/media/padding.bin": b"\0" * 20_000_000}
    )
    assert bomb.stat().st_size < 200_000
    problems = refused(year, bomb)
    assert problems == [
        "file: bomb.xlsx: holds xl/media/padding.bin, which unpacks to more than 200 times its "
        "packed size (a zip bomb)"
    ]


def test_bounds_on_sheets_rows_and_unpacked_size(year, tmp_path, monkeypatch):
    path = book(
        tmp_path / "rows.xlsx",
        [row(Month=f"M{1 + n % 12}") for n in range(8)],
        more=[("Two", [["x"]]), ("Three", [["y"]])],
    )
    monkeypatch.setattr(workbook, "MAX_ROWS", 5)
    assert refused(year, path) == ["Ledger: has more than 5 rows"]
    monkeypatch.setattr(workbook, "MAX_SHEETS", 2)
    assert refused(year, path) == ["file: rows.xlsx: has more than 2 sheets"]
    monkeypatch.setattr(workbook, "MAX_UNPACKED", 10_000)
    assert refused(year, path) == ["file: rows.xlsx: unpacks to more than 0.01 MB (a zip bomb)"]


def test_shared_strings_are_bounded_by_count_and_length(year, tmp_path, monkeypatch):
    # Millions of tiny unused strings would otherwise be held in memory before any row is read.
    path = book(tmp_path / "plain.xlsx", [row()])
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    with zipfile.ZipFile(path) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    rels = rels.replace(
        "</Relationships>",
        f'<Relationship Id="rIdS" Type="{kind}" Target="sharedStrings.xml"/></Relationships>',
    )
    types = types.replace(
        "</Types>",
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
    )
    strings = f'<sst xmlns="{main}">' + "<si><t>ab</t></si>" * 6 + "</sst>"
    padded = rezipped(
        path,
        tmp_path / "strings.xlsx",
        {
            "xl/_rels/workbook.xml.rels": rels.encode(),
            "[Content_Types].xml": types.encode(),
            "xl/sharedStrings.xml": strings.encode(),
        },
    )
    monkeypatch.setattr(workbook, "MAX_STRINGS", 3)
    problems = refused(year, padded)
    assert any("more text than a return can" in p for p in problems), problems
    monkeypatch.setattr(workbook, "MAX_STRINGS", 1_000)
    monkeypatch.setattr(workbook, "MAX_STRING_CHARS", 5)
    problems = refused(year, padded)
    assert any("5 characters" in p for p in problems), problems


def test_xml_that_declares_entities_or_is_damaged_is_refused(year, tmp_path):
    path = book(tmp_path / "ok.xlsx", [row()])
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol">]>' + sheet.split(b"?>", 1)[-1]
    )
    entity = rezipped(path, tmp_path / "entity.xlsx", {"xl/worksheets/sheet1.xml": laughs})
    assert refused(year, entity) == [
        "Ledger: declares a DTD, which no workbook needs: it is refused"
    ]
    # In UTF-16 a DTD's bytes would pass unseen: Excel writes UTF-8, and nothing else is read.
    wide = laughs.decode().replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>')
    utf16 = rezipped(
        path, tmp_path / "utf16.xlsx", {"xl/worksheets/sheet1.xml": wide.encode("utf-16")}
    )
    assert refused(year, utf16) == ["Ledger: is not UTF-8, as Excel writes: it is refused"]
    broken = rezipped(path, tmp_path / "broken.xlsx", {"xl/worksheets/sheet1.xml": sheet[:-40]})
    assert refused(year, broken)[0].startswith("Ledger: is not well-formed XML")


def test_a_row_of_cells_comes_out_as_text_never_float(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "S"
    ws["B2"] = 0.1
    ws["C2"] = 1e-05
    ws["A4"] = "text"
    ws["D4"] = True
    ws["E4"] = "=1+1"
    # openpyxl saves "%.16g" (932701.4300000001), as Excel saves a value its binary form
    # cannot hold with 17 digits: read to Excel's 15 significant digits, what was typed.
    ws["F2"] = 932701.43
    ws["G2"] = 0.1 + 0.2
    ws["H2"] = "932701.4300000001"  # text is taken as it is
    wb.save(tmp_path / "cells.xlsx")
    with zipfile.ZipFile(tmp_path / "cells.xlsx") as z:
        assert b"<v>932701.4300000001</v>" in z.read("xl/worksheets/sheet1.xml")
    rows = list(workbook.read_rows(tmp_path / "cells.xlsx"))
    assert rows[0] == (
        "S",
        2,
        {"B": "0.1", "C": "1e-05", "F": "932701.43", "G": "0.3", "H": "932701.4300000001"},
    )
    assert rows[1][:2] == ("S", 4)
    cells = rows[1][2]
    assert (cells["A"], cells["D"]) == ("text", "TRUE")
    assert isinstance(cells["E"], workbook.CellError) and "formula" in cells["E"]


# Permission --------------------------------------------------------------------------------------


def test_only_those_who_keep_an_organisations_ledger_may_import_its_rows(
    universe, year, example_file
):
    before = written()
    torbay = Actor.from_user(universe.accounts["finance-torbay"])
    with pytest.raises(NotPermitted, match="NHS Devon CCG"):
        imported(year, example_file, actor=torbay)
    assert written() == before
    assert Return.objects.get().status == Return.Status.FAILED
    anonymous = Actor.from_user(AnonymousUser())
    with pytest.raises(NotPermitted, match="Sign in"):
        imported(year, example_file, actor=anonymous)
    read = returns.read_return(year, 10, example_file)
    assert not read.problems
    for someone in (anonymous, torbay):
        with pytest.raises(NotPermitted):
            returns.import_return(someone, Return.objects.get(), read)
    assert written() == before
    jo = Actor.from_user(universe.accounts["jo-evans"])
    assert imported(year, example_file, actor=jo).status == Return.Status.DONE


# The background task ------------------------------------------------------------------------------


def test_a_requested_import_runs_as_a_task_for_whoever_asked(
    universe, year, example_file, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    jo = Actor.from_user(universe.accounts["jo-evans"])
    upload = SimpleUploadedFile("Devon M10.xlsx", example_file.read_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        ret = returns.request_import(jo, year, 10, upload)
    assert ret.status == Return.Status.WAITING and ret.requested_by == "jo-evans"
    # Kept under its digest (with a suffix if that name is taken), not the name it came with.
    assert ret.file.name.startswith(f"returns/{ret.sha256}") and ret.file_name == "Devon M10.xlsx"
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("import_return_task") and queued.args_kwargs["args"] == [
        ret.pk
    ]
    assert tasks.import_return_task.call(ret.pk) == {"entries": 423, "status_done": 1}
    ret.refresh_from_db()
    assert ret.status == Return.Status.DONE and ret.done == ret.total == 441
    assert ret.finished is not None
    assert set(Entry.objects.values_list("recorded_by", flat=True)) == {"task worker, for jo-evans"}
    event = AuditEvent.objects.get(action="finance.import_return")
    assert event.actor == universe.accounts["jo-evans"]
    # Run again (a worker retrying): nothing is imported twice.
    assert returns.run_import(ret.pk).entries == 423
    assert Entry.objects.count() == 291


def test_progress_is_recorded_as_the_rows_are_read(year, tmp_path):
    rows = [row(**{"Cost centre": f"C{n // 12}"}, Month=f"M{1 + n % 12}") for n in range(6_000)]
    path = book(tmp_path / "long.xlsx", rows)
    ret = returns.request_import(CL(), year, 10, path, queue=False)
    seen = []

    def progress(done, total):
        stored = Return.objects.get(pk=ret.pk)
        seen.append((done, total, stored.done, stored.total, stored.status))

    ret = returns.run_import(ret.pk, progress)
    assert ret.status == Return.Status.DONE and ret.entries == 6_000
    assert 5 <= len(seen) <= 60
    assert all(d == sd and t == st and s == "reading" for d, t, sd, st, s in seen)
    assert [d for d, *_ in seen] == sorted(d for d, *_ in seen)
    assert seen[-1][:2] == (6_002, 6_002)


def test_a_refused_task_keeps_its_problems_and_writes_nothing(universe, year, tmp_path):
    before = written()
    jo = Actor.from_user(universe.accounts["jo-evans"])
    path = book(tmp_path / "bad.xlsx", [row(), row(Month="M2", Amount="n/a")])
    upload = SimpleUploadedFile("bad.xlsx", path.read_bytes())
    ret = returns.request_import(jo, year, 10, upload)
    ret = returns.run_import(ret.pk)
    assert ret.status == Return.Status.FAILED and ret.finished is not None
    assert ret.problems == [
        {"where": "Ledger!J4", "problem": "'n/a' is not an amount: give a number in £"}
    ]
    assert written() == before
    with pytest.raises(Refused) as caught:
        returns.request_import(jo, year, 10, SimpleUploadedFile("x.xlsx", b"not a workbook"))
    assert caught.value.problems[0].field == "file"


# The command line -------------------------------------------------------------------------------


def test_the_command_line_imports_or_prints_each_problem_and_fails(tmp_path):
    env = cli_env(tmp_path)
    run_cli(env, "migrate", "--no-input", "-v", "0")
    run_cli(env, "load-system", "devon-2019")
    out = tmp_path / "example.xlsx"
    assert "import-return" in run_cli(env, "finance-example", str(out)).stdout
    args = ("--system", "devon-2019", "--year", "2020", "--month", "M10")
    unopened = run_cli(env, "import-return", str(out), *args, ok=False)
    assert unopened.returncode == 1 and "add --open-year" in unopened.stderr
    done = run_cli(env, "import-return", str(out), *args, "--open-year", "--quiet-progress")
    assert "423 entries from 441 rows" in done.stdout
    assert "291 ledger entries on 12 budget line(s) (12 new, 0 changed)" in done.stdout
    bad = book(tmp_path / "bad.xlsx", [row(Amount="n/a"), row(Month="M13")])
    failed = run_cli(env, "import-return", str(bad), *args, "--quiet-progress", ok=False)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    lines = failed.stderr.splitlines()
    assert "Ledger!J3: 'n/a' is not an amount: give a number in £" in lines
    assert "Ledger!H4: 'M13' is not a month of the year: M1 (April) to M12 (March)" in lines
    again = run_cli(env, "import-return", str(out), *args, ok=False)
    assert again.returncode == 1 and "imported already" in again.stderr


def test_hostile_parts_and_cells_are_refused_by_name(year, tmp_path, example_file):
    """What an attacker tried: an oversized list of parts, one sheet part named twice, a
    number out of Decimal's range, digits that are not ASCII, and totals
    that would overflow the database's sums."""
    import secrets
    import zipfile

    def rebuilt(name: str, change) -> Path:
        out = tmp_path / name
        with zipfile.ZipFile(example_file) as src, zipfile.ZipFile(out, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                dst.writestr(info, change(info.filename, data))
        return out

    # Elements with random values, which do not compress: past the bound, not a zip bomb.
    noise = b"".join(b'<b c="%s"/>' % secrets.token_hex(8).encode() for _ in range(100_000))
    padded = rebuilt(
        "padded.xlsx",
        lambda n, d: (
            d.replace(b"</workbook>", noise + b"</workbook>") if n == "xl/workbook.xml" else d
        ),
    )
    said = refused(year, padded)
    assert any("larger than 2 MB" in p for p in said), said

    def twice(n: str, d: bytes) -> bytes:
        if n != "xl/workbook.xml":
            return d
        text = d.decode()
        first = text[text.index("<sheet ") : text.index("/>", text.index("<sheet ")) + 2]
        return text.replace(first, first + first.replace('name="', 'name="Again')).encode()

    assert any("more than one sheet" in p for p in refused(year, rebuilt("twice.xlsx", twice)))
    # A member marked encrypted (zipfile raises RuntimeError reading it): refused, not a 500.
    import struct

    raw = bytearray(example_file.read_bytes())
    at = 0
    while (at := raw.find(b"PK\x01\x02", at)) != -1:  # each central directory entry
        size = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + size] == b"xl/workbook.xml":
            raw[at + 8] |= 0x1  # its flags, and those of its local header
            raw[struct.unpack_from("<I", raw, at + 42)[0] + 6] |= 0x1
        at += 4
    encrypted = tmp_path / "encrypted.xlsx"
    encrypted.write_bytes(bytes(raw))
    assert any("damaged" in p for p in refused(year, encrypted))
    # A number cell too large for Decimal, and digits that are not ASCII, name their cells.
    big = book(tmp_path / "big.xlsx", [row(Amount="1234567890123456E+9999999")])
    assert any(p.startswith("Ledger!") for p in refused(year, big))
    arabic = book(tmp_path / "arabic.xlsx", [row(Amount="١٢٣")])
    assert any("is not an amount" in p for p in refused(year, arabic))
    # Ten trillion pounds in all is more than any ledger holds: refused, nothing written.
    huge = book(
        tmp_path / "huge.xlsx",
        [
            row(**{"Cost centre": f"H{i}"}, Name=f"Huge {i}", Amount="999999999999")
            for i in range(12)
        ],
    )
    assert any("ten trillion" in p for p in refused(year, huge))
    assert not Entry.objects.exists()
