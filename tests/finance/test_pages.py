"""The finance pages: every page renders for a signed-in reader; a query parameter that cannot
be read is a 400 naming it; only those who keep the ledger are offered its buttons, and anyone
else who posts is refused; the monitoring table on the page and its .xlsx download agree cell
by cell; the public page publishes the system position and no cost centre."""

import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.finance import actions, charts, presenters
from commonweal.finance.actions import EntryIn, LineIn
from commonweal.finance.models import FinancialYear, Return
from commonweal.registry.models import Area, System

pytestmark = pytest.mark.django_db

START = 2020
SUMMARY_ROWS = {"Year to date position": "ytd", "Year end forecast": "forecast"}
SUMMARY_COLUMNS = ("budget", "actual", "variance", "allocation", "revised")
# Pence a month, with odd pence, so that rounding to £'000 is exercised.
ACUTE, COMMUNITY, INCOME, CARE = 1_234_567_89, 456_789_01, 98_765_43, 321_098_76


@dataclass
class Ledger:
    system: System
    year: FinancialYear
    ccg: Organisation
    torbay: Organisation
    lines: dict[str, Any]

    def url(self, name: str, *more: Any) -> str:
        return reverse(name, args=[self.system.slug, self.year.start, *more])


def _entries(line: Any, monthly: int, actual: int, as_at: int) -> list[EntryIn]:
    out = [EntryIn(line, m, "budget", monthly) for m in range(1, 13)]
    out += [EntryIn(line, m, "actual", actual) for m in range(1, as_at + 1)]
    out += [EntryIn(line, m, "forecast", actual, as_at=as_at) for m in range(as_at + 1, 13)]
    return out


@pytest.fixture
def ledger(universe) -> Ledger:
    """Devon's 2020/21 ledger to M3: the CCG's acute and community lines (north and no place),
    an income line, and Torbay Council's adult social care; an HDP allocation; plans and a
    savings scheme. Built through the actions, as the command line would."""
    cl = Actor.command_line()
    system = System.objects.get(slug="devon-2019")
    ccg = Organisation.objects.get(code="15N")
    torbay = Organisation.objects.get(code="E06000027")
    north = Area.objects.filter(system=system, code="north").first()
    year = actions.open_year(cl, system, START)
    made = actions.add_lines(
        cl,
        system,
        [
            LineIn(ccg, "A100", "Acute contracts", "Acute", north),
            LineIn(ccg, "C200", "Community services", "Community"),
            LineIn(ccg, "I900", "Other income", "Corporate", nature="income"),
            LineIn(torbay, "T300", "Adult social care", "Adult social care"),
        ],
    )
    lines = {line.cost_centre: line for line in made}
    entries = (
        _entries(lines["A100"], ACUTE, ACUTE + 12_345_67, 3)
        + _entries(lines["C200"], COMMUNITY, COMMUNITY - 2_222_22, 3)
        + _entries(lines["I900"], INCOME, INCOME + 1_111_11, 3)
        + _entries(lines["T300"], CARE, CARE + 30_000_00, 3)
        + [
            EntryIn(lines["A100"], 2, "allocation", 20_000_00, label="HDP"),
            EntryIn(lines["A100"], 6, "allocation_forecast", 15_000_00, as_at=3, label="HDP"),
            EntryIn(lines["C200"], 3, "commitment", 5_000_00),
        ]
    )
    actions.post_entries(cl, year, entries)
    _plans(cl, year, ccg)
    return Ledger(system, year, ccg, torbay, lines)


def _savings(actor: Actor, year: FinancialYear, ccg: Organisation) -> int:
    # No action records savings schemes by hand yet (returns bring them): the writer the
    # import uses, with the command line's authority.
    return actions.write_savings(
        actor,
        year,
        [
            actions.SavingsIn(
                ccg,
                "Q01",
                "Outpatient follow-ups",
                "Acute",
                recurrent=True,
                entries=[(m, "plan", 100_000_00, None) for m in range(1, 13)]
                + [(m, "delivered", 80_000_00, None) for m in range(1, 4)],
            )
        ],
    )


def _plans(cl: Actor, year: FinancialYear, ccg: Organisation) -> None:
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
        name="Revised financial framework",
        agreed_on=date(2020, 10, 1),
        position=0,
        savings_requirement=None,
        note="Based on 2019/20 forecast expenditure.",
    )
    _savings(cl, year, ccg)


class Cells(HTMLParser):
    """The figure cells of a page: {(data-key, data-column): text}, and the summary's."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], str] = {}
        self.summary: dict[tuple[str, str], str] = {}
        self._at: tuple[dict[tuple[str, str], str], tuple[str, str]] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "td" and "data-column" in a and ("data-key" in a or "data-summary" in a):
            where = self.summary if "data-summary" in a else self.cells
            key = a.get("data-summary") or a.get("data-key") or ""
            self._at, self._text = (where, (key, a["data-column"] or "")), []

    def handle_data(self, data: str) -> None:
        if self._at is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._at is not None:
            where, key = self._at
            assert key not in where, f"two cells for {key}"
            where[key] = "".join(self._text).strip()
            self._at = None


def cells(html: str) -> Cells:
    parser = Cells()
    parser.feed(html)
    return parser


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("−", "-"))


def signed_in(client: Any, universe: Any, name: str) -> Any:
    client.force_login(universe.accounts[name])
    return client


# Every page renders ---------------------------------------------------------------------------


def test_every_finance_page_renders_for_a_signed_in_reader(client, universe, ledger):
    c = signed_in(client, universe, "analyst-15n")
    ok = [
        reverse("finance", args=[ledger.system.slug]),
        ledger.url("finance-year"),
        ledger.url("finance-year") + "?by=programme&units=pounds&month=2",
        ledger.url("finance-year") + "?by=place",
        ledger.url("finance-year") + "?by=cost_centre",
        ledger.url("finance-year") + "?by=cost_centre&org=15N",
        ledger.url("finance-position"),
        ledger.url("finance-position") + "?month=12",
        ledger.url("finance-savings"),
        ledger.url("finance-savings") + "?units=pounds&month=1",
        ledger.url("finance-returns"),
        ledger.url("finance-vire"),
    ]
    for url in ok:
        response = c.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert "Budget monitoring" in response.content.decode() or "inance" in (
            response.content.decode()
        )
    r = Return.objects.create(
        year=ledger.year, month=4, file_name="m4.xlsx", sha256="0" * 64, requested_by="jo"
    )
    page = c.get(ledger.url("finance-return", r.pk)).content.decode()
    assert "data-cw-poll" in page and "<progress" in page
    status = c.get(ledger.url("finance-return-status", r.pk)).json()
    assert status["status"] == "waiting" and status["done"] == 0 and "total" in status
    Return.objects.filter(pk=r.pk).update(
        status="failed", problems=[{"where": "M4!C7", "problem": "is not a number"}]
    )
    page = c.get(ledger.url("finance-return", r.pk)).content.decode()
    assert "M4!C7: is not a number" in page and "data-cw-poll" not in page
    # The system page links to finance.
    assert (
        reverse("finance", args=[ledger.system.slug])
        in c.get(reverse("system", args=[ledger.system.slug])).content.decode()
    )
    # A year that does not exist, a return of another year: not found.
    assert c.get(reverse("finance-year", args=[ledger.system.slug, 1999])).status_code == 404
    assert c.get(ledger.url("finance-return", r.pk + 1000)).status_code == 404
    assert c.get(ledger.url("finance-export", "nonsense", "xlsx")).status_code == 404
    assert c.get(ledger.url("finance-export", "position", "pdf")).status_code == 404


def test_the_monitoring_page_shows_the_table_summary_chart_and_status(client, universe, ledger):
    c = signed_in(client, universe, "jo-evans")
    html = c.get(ledger.url("finance-year")).content.decode()
    found = cells(html)
    ccg, torbay = str(ledger.ccg.pk), str(ledger.torbay.pk)
    # A row for each organisation and the total, in every column of the presenter's.
    keys = {k for k, _ in found.cells}
    assert keys == {ccg, torbay, "total"}
    assert {col for _, col in found.cells} == {k for k, _, _ in presenters.COLUMNS}
    # As at the last month with actuals (M3), in £'000. The total is rounded once from pence.
    budget = 12 * (ACUTE + COMMUNITY - INCOME + CARE)
    assert found.cells[("total", "budget")] == presenters.shown(budget, "thousands")
    assert found.cells[(ccg, "allocation_to_date")] == "20"
    assert found.cells[(ccg, "allocation_forecast")] == "35"
    # The summary: the year to date and the year end forecast, as seed 002 prints them.
    m = presenters.monitoring(ledger.year, 3)
    f = m.total.figures
    assert found.summary[("ytd", "budget")] == presenters.shown(f.budget_to_date, "thousands")
    assert found.summary[("forecast", "actual")] == presenters.shown(
        f.forecast_outturn, "thousands"
    )
    assert found.summary[("forecast", "revised")] == presenters.shown(
        f.revised_forecast_variance, "thousands"
    )
    assert "Additional HDP allocation" in html
    assert len(found.summary) == 10
    # Variance %, the rating as a tag with its sentence for screen readers, the polarity note.
    assert "nhsuk-tag--" in html and "adverse" in html
    assert "a positive variance is adverse" in html
    # The chart: an accessible SVG drawn on the server, referring to nothing outside itself,
    # and a table of the same figures.
    assert re.search(r'<svg[^>]*role="img"[^>]*aria-labelledby="finance-chart-title', html)
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert not re.search(r"https?://(?!www\.w3\.org/)", svg)
    assert "style=" not in svg and "<script" not in svg
    assert html.count('data-series="plan"') == 12
    points = charts.points(presenters.months(ledger.year, 3))
    assert f'data-chart="12" data-series="plan">{points[-1].plan:,}<' in html
    # The months: none closed; the finance lead may close M1; downloads are offered.
    assert "No month of 2020/21 is closed yet." in html
    assert "Close M1" in html
    assert ledger.url("finance-export", "monitoring", "xlsx") + "?" in html
    assert ledger.url("finance-export", "monitoring", "csv") + "?" in html


def test_drilling_into_an_organisation_shows_its_cost_centres(client, universe, ledger):
    c = signed_in(client, universe, "analyst-15n")
    html = c.get(ledger.url("finance-year")).content.decode()
    drill = "?by=cost_centre&amp;month=3&amp;units=thousands&amp;org=15N"
    assert drill in html
    html = c.get(ledger.url("finance-year") + drill.replace("&amp;", "&")).content.decode()
    found = cells(html)
    lines = {str(ledger.lines[c].pk) for c in ("A100", "C200", "I900")}
    assert {k for k, _ in found.cells} == lines | {"total"}
    assert "A100 Acute contracts" in html and "T300" not in html
    # Income counts negative: the income line's budget is shown with a minus.
    assert found.cells[(str(ledger.lines["I900"].pk), "budget")].startswith("−")
    # In pounds and pence.
    html = c.get(
        ledger.url("finance-year") + "?by=cost_centre&org=15N&units=pounds&month=3"
    ).content.decode()
    found = cells(html)
    assert found.cells[(str(ledger.lines["A100"].pk), "budget")] == f"{12 * ACUTE / 100:,.2f}"


# Bad parameters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("month=13", "month"),
        ("month=0", "month"),
        ("month=abc", "month"),
        ("month=%EF%BC%91", "month"),  # a full-width digit one
        ("by=foo", "by"),
        ("units=euros", "units"),
        ("org=NOPE", "org"),
        ("org=RH8", "org"),  # an organisation with nothing in the ledger
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, universe, ledger, query, parameter):
    c = signed_in(client, universe, "analyst-15n")
    for url in (
        ledger.url("finance-year"),
        ledger.url("finance-export", "monitoring", "xlsx"),
        ledger.url("finance-export", "monitoring", "csv"),
    ):
        response = c.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert f"{parameter}: must be" in response.content.decode(), (url, query)


def test_the_other_pages_refuse_bad_parameters_too(client, universe, ledger):
    c = signed_in(client, universe, "analyst-15n")
    for url, parameter in (
        (ledger.url("finance-position") + "?month=99", "month"),
        (ledger.url("finance-savings") + "?month=-1", "month"),
        (ledger.url("finance-savings") + "?units=k", "units"),
        (ledger.url("finance-export", "savings", "xlsx") + "?units=k", "units"),
        (ledger.url("finance-export", "position", "csv") + "?month=x", "month"),
    ):
        response = c.get(url)
        assert response.status_code == 400, url
        assert f"{parameter}: must be" in response.content.decode(), url


# Who may change what ----------------------------------------------------------------------------


def test_a_reader_without_the_finance_role_gets_no_buttons_and_is_refused(client, universe, ledger):
    c = signed_in(client, universe, "analyst-15n")
    index = c.get(reverse("finance", args=[ledger.system.slug])).content.decode()
    assert "Open the year" not in index
    page = c.get(ledger.url("finance-year")).content.decode()
    assert "Close M" not in page
    vire = c.get(ledger.url("finance-vire")).content.decode()
    assert "Record the virement" not in vire and "You cannot make virements" in vire
    returns = c.get(ledger.url("finance-returns")).content.decode()
    assert "Import the return" not in returns
    # Posting anyway is refused by the actions' own checks, and nothing changes.
    refused = c.post(reverse("finance", args=[ledger.system.slug]), {"start": "2021"})
    assert refused.status_code == 403
    assert not FinancialYear.objects.filter(system=ledger.system, start=2021).exists()
    refused = c.post(ledger.url("finance-year"), {"month": "1", "confirm": "on"})
    assert refused.status_code == 403 and "You cannot do this" in refused.content.decode()
    ledger.year.refresh_from_db()
    assert ledger.year.closed_through == 0
    refused = c.post(ledger.url("finance-vire"), _virement(ledger, "1,000"))
    assert refused.status_code == 403


def test_the_finance_lead_opens_a_year_and_closes_months_in_order(client, universe, ledger):
    c = signed_in(client, universe, "jo-evans")
    index = c.get(reverse("finance", args=[ledger.system.slug])).content.decode()
    assert "Open the year" in index and "2020/21" in index
    response = c.post(reverse("finance", args=[ledger.system.slug]), {"start": "2021"})
    assert response.status_code == 302
    assert response["Location"] == reverse("finance-year", args=[ledger.system.slug, 2021])
    bad = c.post(reverse("finance", args=[ledger.system.slug]), {"start": "1066"})
    assert bad.status_code == 400 and "2000/01" in bad.content.decode()
    # Close M1, then M2; closing M1 again is refused on the page, naming the month.
    url = ledger.url("finance-year") + "?month=2"
    unconfirmed = c.post(url, {"month": "1"})
    assert unconfirmed.status_code == 400 and "closed for good" in unconfirmed.content.decode()
    response = c.post(url, {"month": "1", "confirm": "on"})
    assert response.status_code == 302 and response["Location"] == url
    page = c.get(url).content.decode()
    assert "M1 (Apr 2020) is closed" in page and "Close M2" in page
    again = c.post(url, {"month": "1", "confirm": "on"})
    assert again.status_code == 400 and "closed already" in again.content.decode()
    skip = c.post(url, {"month": "3", "confirm": "on"})
    assert skip.status_code == 400 and "months close in order" in skip.content.decode()
    ledger.year.refresh_from_db()
    assert ledger.year.closed_through == 1


def _virement(ledger: Ledger, amount: str, **more: str) -> dict[str, str]:
    return {
        "source": str(ledger.lines["A100"].pk),
        "target": str(ledger.lines["C200"].pk),
        "amount": amount,
        "month": "4",
        "decider": "jo-evans|15N/director-of-financial-planning",
        "on-day": "14",
        "on-month": "1",
        "on-year": "2021",
        "reason": "Community services take on the discharge pathway.",
        **more,
    }


def test_a_virement_within_the_limit_is_recorded_and_one_over_it_is_refused(
    client, universe, ledger
):
    c = signed_in(client, universe, "jo-evans")
    form = c.get(ledger.url("finance-vire")).content.decode()
    assert "<optgroup" in form and "A100 Acute contracts" in form
    assert "I900" not in form, "income lines are not offered"
    assert "T300" not in form, "only the organisations Jo keeps the ledger of"
    # Over the Director of Financial Planning's £250,000: the engine's reason with its clause,
    # in the error summary; nothing moves.
    refused = c.post(ledger.url("finance-vire"), _virement(ledger, "£300,000"))
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "There is a problem" in text and "D5" in text
    from commonweal.finance.models import Virement

    assert not Virement.objects.exists()
    # A blank form names each field.
    blank = c.post(ledger.url("finance-vire"), {})
    assert blank.status_code == 400
    assert "Choose the budget line to move budget from" in blank.content.decode()
    # Within it: recorded as a decision, applied to the budget, the decision page next.
    done = c.post(ledger.url("finance-vire"), _virement(ledger, "25,000"))
    assert done.status_code == 302, done.content.decode()[:3000]
    virement = Virement.objects.get()
    assert done["Location"] == reverse("decision", args=[virement.decision_id])
    assert virement.amount == 25_000_00 and virement.month == 4
    page = c.get(done["Location"]).content.decode()
    assert "the budget moved" in page
    # Torbay's finance lead is offered Torbay's lines only; the CCG's are not theirs to move.
    c = signed_in(client, universe, "finance-torbay")
    form = c.get(ledger.url("finance-vire")).content.decode()
    assert "T300 Adult social care" in form and "A100" not in form
    other = c.post(ledger.url("finance-vire"), _virement(ledger, "1,000"))
    assert other.status_code == 400 and "from the list" in other.content.decode()
    assert Virement.objects.count() == 1


# Uploads ----------------------------------------------------------------------------------------


def test_a_return_over_50_mb_is_refused_with_a_form_error(ledger):
    from commonweal.finance import forms

    big = SimpleUploadedFile("big.xlsx", b"PK")
    big.size = forms.MAX_RETURN_BYTES + 1
    form = forms.ReturnForm({"month": "4"}, {"file": big}, months=[("4", "M4")])
    assert not form.is_valid()
    assert form.errors["file"] == ["The selected file must be smaller than 50 MB"]
    small = SimpleUploadedFile("small.xlsx", b"PK")
    assert forms.ReturnForm({"month": "4"}, {"file": small}, months=[("4", "M4")]).is_valid()


def test_a_return_is_uploaded_read_and_shown_with_the_seed_position(client, universe, tmp_path):
    from commonweal.finance import example, returns

    system = System.objects.get(slug=example.SYSTEM)
    year = actions.open_year(Actor.command_line(), system, example.YEAR)
    path = example.write_example(tmp_path / "devon-m10.xlsx")
    url = reverse("finance-returns", args=[system.slug, year.start])
    # Someone without the finance role may read the returns but not import one.
    c = signed_in(client, universe, "analyst-15n")
    with path.open("rb") as f:
        assert c.post(url, {"month": "10", "file": f}).status_code == 403
    c = signed_in(client, universe, "jo-evans")
    form = c.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in form and 'type="file"' in form
    # Not a workbook: refused on the form, naming the file.
    bad = c.post(url, {"month": "10", "file": SimpleUploadedFile("m10.xlsx", b"not a workbook")})
    assert bad.status_code == 400 and "There is a problem" in bad.content.decode()
    assert not Return.objects.exists()
    with path.open("rb") as f:
        response = c.post(url, {"month": "10", "file": f})
    assert response.status_code == 302
    ret = Return.objects.get()
    assert response["Location"] == reverse("finance-return", args=[system.slug, year.start, ret.pk])
    waiting = c.get(response["Location"]).content.decode()
    assert "data-cw-poll" in waiting and "devon-m10.xlsx" in waiting
    # The worker reads it; the page and its status say so.
    returns.run_import(ret.pk)
    done = c.get(response["Location"]).content.decode()
    assert "data-cw-poll" not in done and "Imported" in done
    status = c.get(reverse("finance-return-status", args=[system.slug, year.start, ret.pk])).json()
    assert status["status"] == "done" and status["done"] == status["total"]
    assert "devon-m10.xlsx" in c.get(url).content.decode()
    # The monitoring page as at M10 gives seed 002's table, in £'000.
    page = c.get(reverse("finance-year", args=[system.slug, year.start])).content.decode()
    assert "as at M10 (Jan 2021)" in page
    summary = cells(page).summary
    seed = {
        "ytd": ("1,835,740", "1,842,764", "7,024", "7,024", "0"),
        "forecast": ("2,219,566", "2,232,804", "13,238", "13,238", "0"),
    }
    for row, figures in seed.items():
        for column, figure in zip(SUMMARY_COLUMNS, figures, strict=True):
            assert summary[(row, column)] == figure, (row, column)
    assert "Additional HDP allocation" in page


# The page and its download agree ---------------------------------------------------------------


def _sheet_figures(
    data: bytes, labels: dict[str, str]
) -> tuple[dict[tuple[str, str], Decimal], dict[tuple[str, str], Decimal]]:
    """The figure cells of the exported sheet, by the page's row keys and column keys (rows
    found by their label, columns by their heading), and the summary's (its two rows, their
    five figures in order after the label)."""
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data), data_only=True).worksheets[0]
    headings = {heading: key for key, heading, _ in presenters.COLUMNS}
    by_label = {label: key for key, label in labels.items()}
    columns: dict[int, str] = {}
    table: dict[tuple[str, str], Decimal] = {}
    summary: dict[tuple[str, str], Decimal] = {}
    for row in sheet.iter_rows():
        texts = [str(c.value).strip() if c.value is not None else "" for c in row]
        if not columns:
            found = {i: headings[t] for i, t in enumerate(texts) if t in headings}
            if len(found) == len(headings):
                columns = found
            continue
        at = next((i for i, t in enumerate(texts) if t in SUMMARY_ROWS), None)
        if at is not None:
            figures = [c.value for c in row[at + 1 : at + 1 + len(SUMMARY_COLUMNS)]]
            for column, value in zip(SUMMARY_COLUMNS, figures, strict=True):
                assert isinstance(value, int | float | Decimal), (texts[at], column, value)
                summary[(SUMMARY_ROWS[texts[at]], column)] = Decimal(str(value))
            continue
        key = next((by_label[t] for t in texts if t in by_label), None)
        if key is None:
            continue
        for i, column in columns.items():
            value = row[i].value
            assert isinstance(value, int | float | Decimal), (key, column, value)
            table[(key, column)] = Decimal(str(value))
    assert columns, "the sheet has a row of the table's column headings"
    return table, summary


@pytest.mark.parametrize(
    "query",
    ["", "?by=programme&units=pounds", "?by=place", "?by=cost_centre&org=15N&month=2"],
)
def test_the_page_and_its_xlsx_agree_cell_by_cell(client, universe, ledger, query):
    pytest.importorskip("commonweal.finance.exports")
    c = signed_in(client, universe, "analyst-15n")
    page = cells(c.get(ledger.url("finance-year") + query).content.decode())
    response = c.get(ledger.url("finance-export", "monitoring", "xlsx") + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".xlsx" in disposition
    if not query:
        assert 'filename="devon-2019-2020-21-M3-monitoring.xlsx"' in disposition
    by = re.search(r"by=(\w+)", query)
    org = Organisation.objects.get(code="15N") if "org=15N" in query else None
    month = 2 if "month=2" in query else 3
    m = presenters.monitoring(ledger.year, month, by.group(1) if by else "organisation", org)
    labels = {(r.key or "none"): r.label for r in m.rows} | {"total": "Total"}
    table, summary = _sheet_figures(response.content, labels)
    assert set(table) == set(page.cells) and len(table) == (len(m.rows) + 1) * 11
    for key, text in page.cells.items():
        assert table[key] == number(text), key
    assert set(summary) == set(page.summary) and len(summary) == 10
    for key, text in page.summary.items():
        assert summary[key] == number(text), key
    csv = c.get(ledger.url("finance-export", "monitoring", "csv") + query)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert csv["Content-Disposition"].startswith("attachment;")


def test_the_other_downloads_are_offered_and_served(client, universe, ledger):
    pytest.importorskip("commonweal.finance.exports")
    c = signed_in(client, universe, "analyst-15n")
    for page, kind in (("finance-position", "position"), ("finance-savings", "savings")):
        html = c.get(ledger.url(page)).content.decode()
        for fmt in ("xlsx", "csv"):
            href = ledger.url("finance-export", kind, fmt)
            assert href + "?" in html, (page, fmt)
            response = c.get(href + "?month=3")
            assert response.status_code == 200, (kind, fmt)
            assert f'-M3-{kind}.{fmt}"' in response["Content-Disposition"]


# The system position and savings ------------------------------------------------------------------


def test_the_position_page_judges_the_year_by_its_rule(client, universe, ledger):
    c = signed_in(client, universe, "analyst-15n")
    html = c.get(ledger.url("finance-position")).content.decode()
    assert "Providers and CCGs must achieve financial balance" in html
    assert "Devon Health and Adult Care Scrutiny Committee" in html
    assert "balanced budget" in html  # councils keep their own duty
    p = presenters.position(ledger.year, 3)
    assert p is not None
    found = cells(html)
    assert found.cells[("total", "position")] == presenters.shown(p.total, "thousands")
    assert found.cells[("15N", "position")] == presenters.shown(
        next(j.org.position for j in p.organisations if j.org.code == "15N") or 0, "thousands"
    )
    assert "Torbay Council" in html and "No: a council" in html
    assert ("Not met" in html) or ("Met" in html)


def test_the_savings_page_shows_both_plans_and_the_schemes(client, universe, ledger):
    c = signed_in(client, universe, "analyst-15n")
    html = c.get(ledger.url("finance-savings")).content.decode()
    assert "Draft plan of 5 March 2020" in html and "Revised financial framework" in html
    found = cells(html)
    plans = {k: v for (k, col), v in found.cells.items() if col == "savings_requirement"}
    assert sorted(plans.values()) == ["22,600", "No implicit savings target"]
    assert "−47,800" in html
    assert found.cells[("15N/Q01", "plan")] == "1,200"
    assert found.cells[("15N/Q01", "delivered_to_date")] == "240"
    assert found.cells[("total", "shortfall")] == found.cells[("15N/Q01", "shortfall")]


# The public page ----------------------------------------------------------------------------------


def test_the_public_page_publishes_the_position_and_no_cost_centre(client, universe, ledger):
    cl = Actor.command_line()
    public = reverse("public-finance", args=[ledger.system.slug, START])
    before = client.get(public)
    assert before.status_code == 200 and "No month of 2020/21 has been closed" in (
        before.content.decode()
    )
    for month in (1, 2, 3):
        actions.close_month(cl, ledger.year, month)
    html = client.get(public).content.decode()
    assert "As at M3 (Jun 2020)" in html
    for private in ("A100", "Acute contracts", "C200", "Community", "I900", "T300", "HDP"):
        assert private not in html, private
    assert "NHS Devon CCG" in html and "Torbay Council" in html
    assert "Providers and CCGs must achieve financial balance" in html
    found = cells(html)
    assert {k for k, _ in found.cells} >= {"15N", "E06000027", "total"}
    p = presenters.position(ledger.year, 3)
    assert p is not None
    assert found.cells[("total", "position")] == presenters.shown(p.total, "thousands")
    m = presenters.monitoring(ledger.year, 3)
    assert found.cells[("total", "budget")] == presenters.shown(m.total.figures.budget, "thousands")
    # An open month is not published; the list of years links to the page.
    assert client.get(public + "?month=4").status_code == 400
    assert client.get(public + "?month=2").status_code == 200
    listing = client.get(reverse("public-finances", args=[ledger.system.slug])).content.decode()
    assert public in listing
    system_page = client.get(reverse("public-system", args=[ledger.system.slug])).content.decode()
    assert reverse("public-finances", args=[ledger.system.slug]) in system_page
    assert client.get(reverse("public-finance", args=[ledger.system.slug, 1999])).status_code == 404


def test_the_public_api_gives_the_same_position(client, universe, ledger):
    for month in (1, 2, 3):
        actions.close_month(Actor.command_line(), ledger.year, month)
    url = f"/api/public/systems/{ledger.system.slug}/finance/{START}/position"
    body = client.get(url).json()
    p = presenters.position(ledger.year, 3)
    assert p is not None
    assert body["month"] == 3 and body["total"] == p.total and body["met"] == p.met
    assert body["rule"] == "system"
    codes = {o["code"] for o in body["organisations"]}
    assert codes == {j.org.code for j in p.organisations}
    assert {h["code"] for h in body["headlines"]} == {"15N", "E06000027"}
    assert "A100" not in str(body) and "Acute" not in str(body)
    assert client.get(f"/api/public/systems/nowhere/finance/{START}/position").status_code == 404
    missing = client.get(f"/api/public/systems/{ledger.system.slug}/finance/1999/position")
    assert missing.status_code == 404 and missing.json()["error"]["problems"][0]["field"] == "start"
    assert (
        client.get(f"/api/public/systems/{ledger.system.slug}/finance/x/position").status_code
        == 404
    )


def test_the_monitoring_report_pdf_carries_the_pages_chart_and_figures(client, universe, ledger):
    """The PDF report for a board paper: a tagged PDF with the summary, the table and the same
    chart as the page (its title and description are the page's)."""
    import io

    from pypdf import PdfReader

    client.force_login(universe.accounts["jo-evans"])
    base = reverse("finance-year", args=["devon-2019", ledger.year.start])
    page = client.get(base).content.decode()
    response = client.get(
        reverse("finance-export", args=["devon-2019", ledger.year.start, "monitoring", "pdf"])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Budget monitoring" in text and "Summary" in text
    assert "/StructTreeRoot" in pdf.trailer["/Root"]
    # The chart's own words, the same on the page and in the PDF's text layer.
    assert "Cumulative actual against plan and forecast" in text
    assert "Chart: cumulative plan, actual and forecast" in page
    # Every figure of the total row shown on the page appears in the report.
    import re

    totals = re.findall(r'data-key="total" data-column="[a-z_]+">([^<]+)<', page)
    assert totals and all(t in text for t in totals), totals


def test_a_trust_reports_its_forecast_position_on_the_position_page(client, universe, ledger):
    """Through the page: a finance lead reports their own organisation's position (a deficit
    written with a minus sign); another organisation's is refused; garbage is a form error."""
    from commonweal.core.models import Organisation, Role
    from commonweal.core.people import assign_role
    from commonweal.finance.models import PositionReport

    jo = universe.accounts["jo-evans"]
    assign_role(Actor.command_line(), jo.person, Organisation.objects.get(code="RH8"), Role.FINANCE)
    client.force_login(jo)
    url = ledger.url("finance-position")
    page = client.get(url).content.decode()
    assert "Report a forecast position" in page
    bad = client.post(url, {"organisation": "RH8", "month": "3", "position": "lots"})
    assert bad.status_code == 400 and "The forecast position" in bad.content.decode()
    done = client.post(
        url, {"organisation": "RH8", "month": "3", "position": "-1,500,000", "note": "M3"}
    )
    assert done.status_code == 302
    report = PositionReport.objects.get()
    assert report.position == -1_500_000_00 and report.organisation.code == "RH8"
    assert (
        client.post(url, {"organisation": "RWV", "month": "3", "position": "1"}).status_code == 400
    )
    client.force_login(universe.accounts["analyst-15n"])
    assert "Report a forecast position" not in client.get(url).content.decode()
    assert PositionReport.objects.count() == 1


def test_thousands_of_cost_centres_are_shown_a_page_at_a_time(client, universe, ledger):
    from commonweal.finance import actions as finance

    made = finance.add_lines(
        Actor.command_line(),
        ledger.system,
        [finance.LineIn(ledger.ccg, f"Z{i:04d}", f"Line {i}") for i in range(450)],
    )
    finance.post_entries(
        Actor.command_line(),
        ledger.year,
        [finance.EntryIn(line, 1, "budget", 1_00) for line in made],
    )
    c = signed_in(client, universe, "jo-evans")
    url = ledger.url("finance-year") + "?by=cost_centre&org=15N&month=1"
    first = c.get(url).content.decode()
    # The page's 200 rows and the total (the summary table's cells are marked data-summary).
    assert len(re.findall(r'data-key="[^"]*" data-column="budget"', first)) == 200 + 1
    assert "Page 1 of 3" in first
    last = c.get(url + "&page=3").content.decode()
    assert "Z0449" in last and "Z0000" not in last
