"""A pool's plan in and out of .xlsx: the plan exported (alone, or inside the quarterly return)
imports again as the same plan in a new version; every kind of mistake is refused with its sheet
and cell named and nothing written; a file that is no workbook, or a zip bomb, is refused with a
clear message; the quarterly return's workbook holds the issue's figures (frozen once signed
off); the command line prints each problem and fails. Real openpyxl files throughout."""

import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from commonweal.core.actions import Actor
from commonweal.core.errors import NotPermitted, Refused
from commonweal.pools import actions, exports, position, quarterly
from commonweal.pools.models import PoolPlan, QuarterlyReturn, SpendLine
from commonweal.pools.workbook import excel_date, import_plan, read_plan

from .conftest import CL, MONTH, M, plan_in
from .test_actions import complete_return, hwb_item

pytestmark = pytest.mark.django_db

NAME = "plan.xlsx"


def snapshot(plan: PoolPlan) -> dict:
    """Everything a plan holds, as comparable values (not its version, file or ids)."""
    return {
        "contributions": [
            (
                c.organisation.code,
                c.amount,
                [(i.due, i.amount) for i in c.instalments.order_by("due", "id")],
            )
            for c in plan.contributions.order_by("id")
        ],
        "schemes": [(s.reference, s.name, s.scheme_type) for s in plan.schemes.order_by("id")],
        "lines": [
            (
                ln.scheme.reference,
                ln.reference,
                ln.name,
                ln.budget,
                ln.recurrent,
                ln.ledger_line_id,
                ln.risk_share,
                {k: Decimal(v) for k, v in ln.shares.items()},
                ln.formula,
            )
            for ln in SpendLine.objects.filter(scheme__plan=plan).order_by("scheme_id", "id")
        ],
        "reserves": (plan.risk_reserve, plan.uncommitted),
        "metrics": sorted((m.metric, m.quarter, m.value) for m in plan.metrics.all()),
    }


@pytest.fixture
def rich(agreement, year, ledger_lines):
    """The issue's plan with instalments, a fixed-share line, a variable-share line and a
    metric left unplanned for Q4."""
    plan = plan_in()
    plan.contributions[0].instalments = [
        actions.InstalmentIn(date(2020, 4, 30), 3 * M),
        actions.InstalmentIn(date(2020, 10, 31), 3 * M),
    ]
    plan.contributions[1].instalments = [actions.InstalmentIn(date(2020, 6, 1), 4 * M)]
    plan.lines[1].risk_share = "fixed"
    plan.lines[1].shares = {"15N": Decimal("62.5"), "E10000008": Decimal("37.5")}
    plan.lines[3].risk_share = "variable"
    plan.lines[3].shares = {"15N": Decimal(12), "E10000008": Decimal(8)}
    plan.lines[3].formula = "placements at month end"
    plan.metrics = [m for m in plan.metrics if (m.metric, m.quarter) != ("falls_admissions_65", 4)]
    return actions.load_plan(CL(), agreement, year, plan)


def book_of(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def refused(agreement, year, data: bytes, name: str = NAME) -> list[str]:
    before = PoolPlan.objects.count()
    with pytest.raises(Refused) as exc:
        import_plan(CL(), agreement, year, name, data)
    assert PoolPlan.objects.count() == before, "nothing is written on any error"
    return [str(p) for p in exc.value.problems]


# The round trip ---------------------------------------------------------------------------------


def test_the_exported_plan_imports_as_the_same_plan_in_a_new_version(rich, agreement, year):
    data = exports.plan_workbook(rich)
    again = import_plan(CL(), agreement, year, "devon-plan.xlsx", data)
    assert (rich.version, again.version) == (1, 2)
    assert position.plan_in_force(agreement, year) == again
    assert snapshot(again) == snapshot(rich)
    assert again.file_name == "devon-plan.xlsx" and len(again.sha256) == 64
    # What the round trip carried, spelt out.
    s = snapshot(again)
    assert s["contributions"][0] == (
        "15N",
        6 * M,
        [(date(2020, 4, 30), 3 * M), (date(2020, 10, 31), 3 * M)],
    )
    assert s["lines"][1][6:8] == ("fixed", {"15N": Decimal("62.5"), "E10000008": Decimal("37.5")})
    assert s["lines"][3][6:] == (
        "variable",
        {"15N": Decimal(12), "E10000008": Decimal(8)},
        "placements at month end",
    )
    assert s["reserves"] == (3 * M // 10, 3 * M // 10)
    assert ("falls_admissions_65", 4) not in {(m, q) for m, q, _ in s["metrics"]}
    assert len(s["metrics"]) == 15


def test_the_plan_sheets_are_laid_out_as_the_docstring_says(rich):
    book = book_of(exports.plan_workbook(rich))
    assert book.sheetnames == ["Contributions", "Schemes", "Lines", "Reserves", "Metrics"]
    c = book["Contributions"]
    assert [x.value for x in c[1]] == [
        "Partner code",
        "Partner name",
        "Funding stream",
        "Amount £",
        "Instalment 1 due",
        "Instalment 1 £",
        "Instalment 2 due",
        "Instalment 2 £",
    ]
    assert c["A2"].value == "15N" and c["C2"].value == "Contribution"
    assert c["D2"].value == 6_000_000
    assert c["D2"].number_format.startswith("£")
    assert c["E2"].is_date and c["E2"].value.date() == date(2020, 4, 30)
    lines = book["Lines"]
    assert [x.value for x in lines[1]] == [
        "Scheme ref",
        "Line ref",
        "Line name",
        "Cost centre",
        "Budget £",
        "Recurrent (Y/N)",
        "Risk share",
        "Shares",
        "Formula",
    ]
    assert [x.value for x in lines[3]] == [
        "S1",
        "B",
        "Line B",
        "BCF-B",
        4_000_000,
        "Y",
        "fixed",
        "15N 62.5%; E10000008 37.5%",
        None,
    ]
    assert lines["F4"].value == "N"  # line C is non-recurrent
    assert [x.value for x in book["Reserves"][2]] == [300_000, 300_000]
    metrics = book["Metrics"]
    assert [x.value for x in metrics[1]] == [
        "Metric code",
        "Metric name",
        "Q1 plan",
        "Q2 plan",
        "Q3 plan",
        "Q4 plan",
    ]
    assert [x.value for x in metrics[2]][:3] == [
        "avoidable_admissions",
        "Avoidable admissions",
        180.5,
    ]


def test_the_quarterly_returns_workbook_imports_as_the_plan_it_reported(rich, agreement, year):
    ret = complete_return(agreement, year)
    data = exports.return_workbook(ret)
    again = import_plan(CL(), agreement, year, "return.xlsx", data)
    assert snapshot(again) == snapshot(rich)


def test_a_template_filled_in_imports(agreement, year, ledger_lines):
    book = book_of(exports.template_workbook())
    book["Contributions"].append(["15N", "NHS Devon CCG", None, 60, "2020-05-01", 60])
    book["Contributions"].append(["E10000008", None, "Contribution", "£40.00"])
    book["Schemes"].append(["S1", "Community", "Carers services"])
    book["Lines"].append(["S1", "L1", "Carers' breaks", None, 90.5, "yes", None, None, None])
    book["Reserves"].append([9.5, None])
    book["Metrics"]["C2"] = 175
    plan = import_plan(CL(), agreement, year, "filled.xlsx", saved(book))
    s = snapshot(plan)
    assert s["contributions"] == [
        ("15N", 6000, [(date(2020, 5, 1), 6000)]),
        ("E10000008", 4000, []),
    ]
    assert s["lines"] == [("S1", "L1", "Carers' breaks", 9050, True, None, "proportional", {}, "")]
    assert s["reserves"] == (950, 0)
    assert s["metrics"] == [("avoidable_admissions", 1, Decimal("175.00"))]


# Mistakes, each named by sheet and cell -----------------------------------------------------------


def edited(plan: PoolPlan, change) -> bytes:
    book = book_of(exports.plan_workbook(plan))
    change(book)
    return saved(book)


CASES = {
    "a missing sheet": (
        lambda b: b.remove(b["Schemes"]),
        [
            "plan.xlsx: Schemes!A1: the workbook has no sheet named 'Schemes': a plan has the "
            "sheets Contributions, Schemes, Lines, Reserves, Metrics (this workbook's: "
            "Contributions, Lines, Reserves, Metrics)"
        ],
    ),
    "a missing heading": (
        lambda b: b["Lines"].cell(1, 5, "Budgets"),
        [
            "plan.xlsx: Lines!E1: 'Budgets' is not a column of the Lines sheet: the columns are "
            "Scheme ref, Line ref, Line name, Cost centre, Budget £, Recurrent (Y/N), Risk share, "
            "Shares, Formula",
            "plan.xlsx: Lines!A1: the headings in row 1 have no 'Budget £' column",
        ],
    ),
    "text in a money cell": (
        lambda b: b["Lines"].cell(3, 5, "n/a"),
        ["plan.xlsx: Lines!E3: 'n/a' is not an amount of money: give pounds, such as 1250.50"],
    ),
    "a fraction of a penny": (
        lambda b: b["Reserves"].cell(2, 1, 300000.005),
        [
            "plan.xlsx: Reserves!A2: 300000.005 must be in pounds and pence, with no fraction "
            "of a penny"
        ],
    ),
    "a date that does not exist": (
        lambda b: b["Contributions"].cell(2, 5, "2021-02-30"),
        [
            "plan.xlsx: Contributions!E2: 2021-02-30 is not a date that exists: check the day and month"
        ],
    ),
    "a date outside the term": (
        lambda b: b["Contributions"].cell(2, 5, date(2019, 4, 1)),
        [
            "plan.xlsx: Contributions!E2: 2019-04-01 is outside the agreement's term "
            "(2020-04-01 to 2023-03-31): an instalment falls due within it"
        ],
    ),
    "a number too big": (
        lambda b: b["Reserves"].cell(2, 2, 20_000_000_000),
        ["plan.xlsx: Reserves!B2: £20,000,000,000 is beyond what a pool can hold (£10 billion)"],
    ),
    "a number beyond any": (
        lambda b: b["Lines"].cell(2, 5, 1e15),
        ["plan.xlsx: Lines!E2: 1000000000000000 is more than a trillion pounds: check the amount"],
    ),
    "a fixed share not adding up to 100": (
        lambda b: b["Lines"].cell(3, 8, "15N 60%; E10000008 30%"),
        ["plan.xlsx: Lines!H3: fixed shares add up to 90%, not 100%"],
    ),
    "an unknown partner in a share": (
        lambda b: b["Lines"].cell(3, 8, "15N 60%; RA9 40%"),
        [
            "plan.xlsx: Lines!H3: RA9 is not a partner of Devon Better Care Fund pooled fund "
            "(its partners: 15N, E10000008)"
        ],
    ),
    "an unknown funding stream": (
        lambda b: b["Contributions"].cell(2, 3, "Lottery"),
        [
            "plan.xlsx: Contributions!C2: 'Lottery' is not a funding stream; use one of: "
            "Contribution; Minimum NHS contribution; Additional NHS contribution; Disabled "
            "Facilities Grant; Improved Better Care Fund grant; Additional council contribution"
        ],
    ),
    "an unknown partner contributing": (
        lambda b: b["Contributions"].cell(3, 1, "RA9"),
        [
            "plan.xlsx: Contributions!A3: RA9 is not a partner of Devon Better Care Fund pooled "
            "fund (its partners: 15N, E10000008)"
        ],
    ),
    "contributions not balancing": (
        lambda b: b["Contributions"].cell(3, 4, 4_000_000.01).parent.cell(3, 6, 4_000_000.01),
        [
            "plan.xlsx: Contributions!D2:D3: the lines, risk reserve and uncommitted allocations "
            "add up to £10,000,000, but the partners contribute £10,000,000.01: a pool spends "
            "what it holds"
        ],
    ),
    "instalments not adding up": (
        lambda b: b["Contributions"].cell(2, 8, 2_999_999),
        [
            "plan.xlsx: Contributions!D2: the instalments add up to £5,999,999, not the "
            "contribution of £6,000,000"
        ],
    ),
    "an unknown scheme type and scheme": (
        lambda b: (b["Schemes"].cell(2, 3, "Magic"), b["Lines"].cell(2, 1, "S9")),
        [
            "plan.xlsx: Schemes!C2: 'Magic' is not a scheme type; use one of: Assistive "
            "technologies and equipment; Care Act implementation related duties; Carers "
            "services; Community based schemes; Disabled Facilities Grant related schemes; "
            "Enablers for integration; High Impact Change Model for managing transfer of care; "
            "Home care or domiciliary care; Housing related schemes; Integrated care planning "
            "and navigation; Intermediate care services; Personalised budgeting and "
            "commissioning; Personalised care at home; Prevention / early intervention; "
            "Residential placements; Other",
            "plan.xlsx: Lines!A2: scheme 'S9' is not among the plan's schemes",
        ],
    ),
    "a line twice, a cost centre unknown and no Y or N": (
        lambda b: (
            b["Lines"].cell(3, 2, "A"),
            b["Lines"].cell(4, 4, "NOPE"),
            b["Lines"].cell(5, 6, "maybe"),
        ),
        [
            "plan.xlsx: Lines!B3: line A is listed twice (also Lines!B2)",
            "plan.xlsx: Lines!D4: no partner has cost centre 'NOPE' in the ledger: add the "
            "budget line first, or leave the cost centre blank",
            "plan.xlsx: Lines!F5: 'maybe' is not Y or N",
        ],
    ),
    "a variable share with no formula": (
        lambda b: setattr(b["Lines"]["I5"], "value", None),
        ["plan.xlsx: Lines!I5: a variable share names its formula, as the agreement names it"],
    ),
    "a metric unknown and a plan of three decimals": (
        lambda b: (b["Metrics"].cell(2, 1, "happiness"), b["Metrics"].cell(3, 4, 92.125)),
        [
            "plan.xlsx: Metrics!A2: 'happiness' is not a BCF metric (avoidable_admissions, "
            "discharge_usual_residence, falls_admissions_65, residential_admissions_65)",
            "plan.xlsx: Metrics!D3: 92.125 has more than two decimal places",
        ],
    ),
    "a cell holding an error": (
        lambda b: b["Lines"].cell(2, 5, "=1/0"),
        [
            "plan.xlsx: Lines!E2: holds a formula whose result was not saved: open the "
            "workbook in Excel and save it again"
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_is_refused_at_its_sheet_and_cell(rich, agreement, year, case):
    change, expected = CASES[case]
    assert refused(agreement, year, edited(rich, change)) == expected


def test_every_problem_is_collected_before_the_plan_is_refused(rich, agreement, year):
    def many(b):
        b["Contributions"].cell(2, 5, "2021-02-30")
        b["Lines"].cell(3, 5, "n/a")
        b["Lines"].cell(3, 8, "15N 60%; E10000008 30%")
        b["Reserves"].cell(2, 1, "lots")

    problems = refused(agreement, year, edited(rich, many))
    assert [p.split(": ")[1] for p in problems] == [
        "Contributions!E2",
        "Lines!E3",
        "Lines!H3",
        "Reserves!A2",
    ]


def test_a_hundred_problems_are_listed_and_the_rest_counted(rich, agreement, year):
    def bad_budgets(b):
        for n in range(150):
            b["Lines"].append(["S1", f"X{n}", "Extra", None, "lots", "Y"])

    problems = refused(agreement, year, edited(rich, bad_budgets))
    assert len(problems) == 100
    assert problems[0].startswith("plan.xlsx: Lines!E6: 'lots' is not an amount")
    assert problems[-1] == "plan.xlsx: ... and 51 more problems, not listed; mend these first"


def test_a_year_outside_the_agreements_term_is_named_with_the_cells_problems(
    rich, agreement, year, devon
):
    from commonweal.finance import actions as finance

    later = finance.open_year(CL(), devon, 2024)
    data = edited(rich, lambda b: b["Lines"].cell(3, 5, "n/a"))
    problems = refused(agreement, later, data)
    assert "plan.xlsx: year: 2024/25 is outside the agreement's term" in problems
    assert any(p.startswith("plan.xlsx: Lines!E3:") for p in problems)


# Files that are not workbooks --------------------------------------------------------------------


def test_a_file_that_is_not_a_workbook_is_refused(rich, agreement, year):
    csv = b"Partner code,Amount\n15N,6000000\n"
    assert refused(agreement, year, csv, "plan.csv") == [
        "plan.csv: is not an .xlsx workbook (or is truncated): it could not be opened"
    ]
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr(
            "[Content_Types].xml",
            "<Types><Override ContentType='wordprocessingml.document.main+xml'/></Types>",
        )
    assert refused(agreement, year, docx.getvalue()) == [
        "plan.xlsx: is not an .xlsx workbook, whatever its name says"
    ]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(rich, agreement, year):
    good = exports.plan_workbook(rich)
    bomb = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(good)) as old,
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for item in old.infolist():
            new.writestr(item.filename, old.read(item.filename))
        new.writestr("xl/media/padding.bin", b"\0" * 20_000_000)
    assert len(bomb.getvalue()) < 200_000
    assert refused(agreement, year, bomb.getvalue(), "bomb.xlsx") == [
        "bomb.xlsx: holds xl/media/padding.bin, which unpacks to more than 200 times its packed "
        "size (a zip bomb)"
    ]


def test_a_file_larger_than_an_upload_may_be_is_refused(rich, agreement, year, settings):
    settings.UPLOAD_MAX_BYTES = 1_000
    assert refused(agreement, year, exports.plan_workbook(rich)) == [
        "plan.xlsx: is larger than 0.001 MB"
    ]


def test_only_the_host_may_import_and_is_told_before_the_file_is_read(
    rich, agreement, year, universe
):
    torbay = Actor.from_user(universe.accounts["finance-torbay"])
    with pytest.raises(NotPermitted):
        import_plan(torbay, agreement, year, NAME, b"not even a workbook")
    devon = Actor.from_user(universe.accounts["finance-devon"])
    assert import_plan(devon, agreement, year, NAME, exports.plan_workbook(rich)).version == 2


def test_date_cells_count_days_as_excel_does():
    assert excel_date(43922) == date(2020, 4, 1)
    assert excel_date(59) == date(1900, 2, 28)
    assert excel_date(61) == date(1900, 3, 1)  # Excel's 60 is 29 February 1900, which never was
    assert excel_date(43922 - 1462, date1904=True) == date(2020, 4, 1)


def test_reading_writes_nothing_and_gives_the_plan(rich, agreement, year):
    plan, problems = read_plan(agreement, year, NAME, exports.plan_workbook(rich))
    assert problems == []
    assert [c.where for c in plan.contributions] == ["Contributions!A2", "Contributions!A3"]
    assert plan.lines[1].where == "Lines!B3" and plan.where_reserve == "Reserves!A2"
    assert PoolPlan.objects.count() == 1


# The quarterly return ---------------------------------------------------------------------------


def rows(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def find(sheet, label) -> list:
    return next(r for r in rows(sheet) if r and r[0] == label)


def test_the_return_workbook_holds_the_issues_figures(pool, agreement, year):
    ret = complete_return(pool, year)
    book = book_of(exports.return_workbook(ret))
    assert book.sheetnames == [
        "Cover",
        "Checklist",
        "Income",
        "Expenditure",
        "Risk share",
        "Metrics return",
        "Conditions",
        "Contributions",
        "Schemes",
        "Lines",
        "Reserves",
        "Metrics",
    ]
    cover = book["Cover"]
    assert cover["A2"].value.startswith("ILLUSTRATIVE")
    assert find(cover, "Sign-off")[1] == "Not signed off"
    assert find(cover, "Figures as at")[1] == "M6 (Sep 2020)"
    assert find(cover, "Quarter")[1] == "Q2"
    assert "NHS Devon CCG (15N)" in find(cover, "Partners")[1]
    # No action plan yet: the checklist says so, with where it is entered.
    checklist = rows(book["Checklist"])
    assert any("record an action plan" in (r[0] or "") for r in checklist)
    spend = book["Expenditure"]
    b = find(spend, "S1")  # line A
    head = find(spend, "Scheme")
    assert head[:9] == [
        "Scheme",
        "Line ref",
        "Line",
        "Recurrent",
        "Budget",
        "Actual to date",
        "Forecast outturn",
        "Variance",
        "Risk share",
    ]
    by_ref = {r[1]: r for r in rows(spend) if r and r[0] in ("S1", "S2")}
    frozen = {f["reference"]: f for f in quarterly.frozen_figures(ret)["lines"]}
    for ref, f in frozen.items():
        pence = [f["budget"], f["actual_to_date"], f["forecast"], f["variance"]]
        assert by_ref[ref][4:8] == [p / 100 for p in pence]
    assert by_ref["A"][7] == -100_000 and by_ref["A"][6] == 1_900_000
    assert by_ref["B"][7] == 800_000 and by_ref["D"][7] == 200_000
    assert by_ref["B"][9:11] == [0.6, 0.4]
    assert b[7] == -100_000
    variance = next(r[7] for r in spend.iter_rows() if r[0].value == "S1")
    assert variance.number_format.startswith("£")
    share = next(c for row in spend.iter_rows() for c in row if c.value == 0.6)
    assert share.number_format.endswith("%")
    # Income by partner and stream: the year's plan, and the instalments due by Q2's end.
    income = {r[0]: r for r in rows(book["Income"]) if r and r[0] in ("15N", "E10000008")}
    assert income["15N"][2:] == ["Contribution", 6_000_000, 0]
    assert find(book["Income"], "Total")[3] == 10_000_000
    # The expenditure sheet ties to the pool: lines, reserve and uncommitted.
    assert find(spend, "Pool total")[4] == 10_000_000
    risk = rows(book["Risk share"])
    steps = [r for r in risk if r and r[0] in (1, 2, 3, 4)]
    assert [r[3] for r in steps] == [100_000, 300_000, 300_000, 300_000]
    assert [r[4] for r in steps] == [900_000, 600_000, 300_000, 0]
    assert steps[3][5:7] == [180_000, 120_000]
    assert find(book["Risk share"], "Borne by 15N from its own funds")[1] == 180_000
    metrics = {r[0]: r for r in rows(book["Metrics return"])}
    assert metrics["avoidable_admissions"][3:5] == [180.5, 181.2]
    conditions = {r[0]: r for r in rows(book["Conditions"]) if r and r[0]}
    assert any(
        r[1] == "No" and r[2] == "Agreed in Q3 with the acute trusts" for r in conditions.values()
    )


def test_a_missing_metric_shows_in_the_returns_checklist(pool, year):
    ret = complete_return(pool, year, falls_admissions_65=None)
    book = book_of(exports.return_workbook(ret))
    texts = [r[0] for r in rows(book["Checklist"])]
    assert "Falls admissions, 65 and over: the actual for Q2 is missing" in texts
    assert find(book["Metrics return"], "falls_admissions_65")[4] == "Missing"


def test_a_signed_off_return_reports_its_frozen_figures(pool, year, universe):
    ret = complete_return(pool, year)
    actions.record_action_plan(
        CL(), pool, year, month=MONTH, owner="Morgan Reed", due=date(2020, 11, 30), actions="Act."
    )
    assert quarterly.checklist(ret) == []
    clerk = Actor.from_user(universe.accounts["clerk-hwb-devon"])
    decision = actions.sign_off_return(clerk, ret, hwb_item(), resolution="To sign off.")
    ret.refresh_from_db()
    # A new plan comes into force after sign-off, and (to show nothing is recomputed) the
    # frozen figures say something the ledger does not.
    changed = plan_in()
    changed.lines[0].name = "Renamed after sign-off"
    actions.load_plan(CL(), pool, year, changed)
    figures = dict(ret.figures)
    figures["lines"] = [dict(f) for f in figures["lines"]]
    figures["lines"][1]["variance"] = 123_456_00
    QuarterlyReturn.objects.filter(pk=ret.pk).update(figures=figures)
    ret.refresh_from_db()
    book = book_of(exports.return_workbook(ret))
    assert find(book["Cover"], "Sign-off")[1] == (
        f"Signed off: decision {decision.reference} on {decision.on:%d/%m/%Y}"
    )
    assert find(book["Cover"], "Sign-off decision")[1] == decision.reference
    assert rows(book["Checklist"])[3][0].startswith("Complete: signed off on")
    by_ref = {r[1]: r for r in rows(book["Expenditure"]) if r and r[0] in ("S1", "S2")}
    assert by_ref["B"][7] == 123_456
    assert by_ref["A"][2] == "Line A"
    # The plan sheets are the plan the return reported against, not the one now in force.
    assert rows(book["Lines"])[1][2] == "Line A"


# The command line -------------------------------------------------------------------------------


def test_the_command_line_loads_a_plan_or_prints_each_problem_and_fails(rich, tmp_path):
    good = tmp_path / "plan.xlsx"
    good.write_bytes(exports.plan_workbook(rich))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_pool_plan", "devon-2019", "devon-bcf", "2020", str(good), stdout=out, stderr=err
    )
    assert "plan for 2020/21 loaded from plan.xlsx as version 2" in out.getvalue()
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edited(rich, lambda b: b["Lines"].cell(3, 5, "n/a")))
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "import_pool_plan", "devon-2019", "devon-bcf", "2020", str(bad), stdout=out, stderr=err
        )
    assert exc.value.returncode == 1
    assert "nothing was written" in str(exc.value)
    assert err.getvalue().splitlines() == [
        "bad.xlsx: Lines!E3: 'n/a' is not an amount of money: give pounds, such as 1250.50"
    ]
    assert PoolPlan.objects.count() == 2
    with pytest.raises(CommandError, match="has no pooled fund 'nope'"):
        call_command("import_pool_plan", "devon-2019", "nope", "2020", str(good))
    with pytest.raises(CommandError, match="no financial year 2031/32"):
        call_command("import_pool_plan", "devon-2019", "devon-bcf", "2031", str(good))
