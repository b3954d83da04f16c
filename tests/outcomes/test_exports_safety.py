"""Outcome downloads never hand a spreadsheet a formula: text from an imported file (an area
name "=HYPERLINK(...)", a category "@SUM(1)") is written with a leading apostrophe, in every
CSV the outcomes pages offer and in the Fingertips layout; numbers, negative ones included, are
written as numbers."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.core.actions import Actor
from commonweal.core.formatting import FORMULA_STARTS
from commonweal.outcomes import actions, exports, fingertips, presenters
from commonweal.outcomes.models import Indicator, Value

LINK = '=HYPERLINK("http://x")'
SUM = "@SUM(1)"
SMOKING = "smoking-prevalence-adults"
SMOKING_ID = "92443"
ENGLAND = "E92000001"
BASE = "/systems/devon-2019/outcomes/"


def cells(data: bytes) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    return header, rows


def by_column(data: bytes) -> list[dict[str, str]]:
    header, rows = cells(data)
    return [dict(zip(header, r, strict=True)) for r in rows]


# The neutralising itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        (LINK, "'" + LINK),
        (SUM, "'" + SUM),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("", ""),
        ("Barnstaple Alliance PCN", "Barnstaple Alliance PCN"),
        ("A=B", "A=B"),
        ("'=already", "'=already"),
    ],
)
def test_spreadsheet_safe_prefixes_only_a_formula_like_start(text, safe):
    assert fingertips.spreadsheet_safe(text) == safe


# The Fingertips layout (pure) ------------------------------------------------------------------


def row(**kw: object) -> fingertips.Row:
    base = fingertips.Row(
        indicator_id=SMOKING_ID,
        indicator_name="Smoking Prevalence in adults (18+) - current smokers (APS)",
        parent_code="",
        parent_name="",
        area_code=ENGLAND,
        area_name="England",
        area_type="England",
        sex="Persons",
        age="18+ yrs",
        category_type="",
        category="",
        time_period="2019",
        value=-1.5,
        lower95=-2.0,
        upper95=-1.0,
        lower998=-2.5,
        upper998=-0.5,
        count=120.0,
        denominator=1000.0,
        value_note="",
        recent_trend="",
        compared_to_england="Not compared",
        compared_to_parent="",
        time_period_sortable="20190000",
        new_data="",
        compared_to_goal="",
    )
    return dataclasses.replace(base, **kw)


def test_write_neutralises_formula_like_text_and_keeps_negative_numbers():
    table = fingertips.Table(
        (row(area_name=LINK, category_type="Deprivation", category=SUM, value_note="-note"),),
        "Region",
        False,
    )
    [written] = by_column(fingertips.write(table))
    assert written["Area Name"] == "'" + LINK
    assert written["Category"] == "'" + SUM
    assert written["Value note"] == "'-note"
    assert written["Category Type"] == "Deprivation"
    assert [written[c] for c in ("Value", "Lower CI 95.0 limit", "Upper CI 99.8 limit")] == [
        "-1.5",
        "-2",
        "-0.5",
    ]
    # Read back, the text keeps its apostrophe (as documented on `write`); numbers are exact.
    [back] = fingertips.read(fingertips.write(table), "safe.csv").rows
    assert back == dataclasses.replace(
        table.rows[0], area_name="'" + LINK, category="'" + SUM, value_note="'-note"
    )


def test_ordinary_text_still_round_trips_exactly():
    table = fingertips.Table(
        (row(area_name="Barnstaple, North Devon", value_note="A=B"),), "PCNs", False
    )
    assert fingertips.read(fingertips.write(table), "plain.csv") == table


formula_like = st.tuples(
    st.sampled_from(FORMULA_STARTS),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20),
).map("".join)


@settings(max_examples=100, deadline=None)
@given(name=formula_like, number=st.floats(min_value=-1e6, max_value=1e6))
def test_a_formula_like_name_comes_back_with_a_leading_apostrophe(name, number):
    table = fingertips.Table(
        (
            row(
                area_name=name,
                value=number,
                lower95=None,
                upper95=None,
                lower998=None,
                upper998=None,
            ),
        ),
        "Region",
        False,
    )
    [back] = fingertips.read(fingertips.write(table), "generated.csv").rows
    assert back.area_name == "'" + name
    assert back.value == number


# The page CSVs, from the presenters' views -------------------------------------------------------


def figure(**kw: object) -> presenters.Figure:
    base = presenters.Figure(
        area_code="devon-2019.north",
        area_name="North Devon",
        area_type="Place",
        parent_code="",
        period="2019",
        value=-1.5,
        lower=-2.0,
        upper=-1.0,
        lower95=-2.0,
        upper95=-1.0,
        lower998=-2.5,
        upper998=-0.5,
        count=120.0,
        denominator=1000.0,
        comparison="Similar",
        note="",
        trend="",
        suppressed=False,
    )
    return dataclasses.replace(base, **kw)


NUMBERS = ["-1.5", "-2.0", "-1.0", "-2.5", "-0.5", "120.0", "1000.0"]


def test_the_figures_csv_neutralises_text_and_keeps_numbers():
    view = SimpleNamespace(
        figures=(figure(area_name=LINK, note=SUM),),
        england=figure(area_code=ENGLAND, area_name="England", area_type="England", note="-"),
    )
    _, rows = cells(exports.figures_csv(view, "f.csv").content)  # type: ignore[arg-type]
    assert rows[0][:4] == ["devon-2019.north", "'" + LINK, "Place", "2019"]
    assert rows[0][4:11] == NUMBERS
    assert rows[0][12] == "'" + SUM
    assert rows[1][1] == "England" and rows[1][12] == "'-"


def test_the_profile_csv_neutralises_text_and_keeps_numbers():
    from commonweal.outcomes.rules import Spread

    spread = Spread(areas=3, worst=-3.0, q25=-2.0, q75=-1.0, best=-0.5, lowest=-3.0, highest=-0.5)
    view = SimpleNamespace(
        code="X1",
        name=LINK,
        area_type="PCN",
        lines=(
            SimpleNamespace(
                outcome=SUM,
                indicator=SimpleNamespace(name="+Smoking"),
                figure=figure(area_code="X1", area_name=LINK),
                benchmark=-1.25,
                spread=spread,
            ),
            SimpleNamespace(
                outcome="Live well",
                indicator=SimpleNamespace(name="Flu"),
                figure=None,
                benchmark=None,
                spread=None,
            ),
        ),
    )
    _, rows = cells(exports.profile_csv(view, "p.csv").content)  # type: ignore[arg-type]
    first, second = rows
    assert first[:4] == ["'" + SUM, "'+Smoking", "X1", "'" + LINK]
    assert first[6:13] == NUMBERS
    assert first[-5:] == ["-1.25", "-3.0", "-2.0", "-1.0", "-0.5"]
    # With no figure, the area's own name is written, neutralised too.
    assert second[:5] == ["Live well", "Flu", "X1", "'" + LINK, "PCN"]


def test_the_series_csv_neutralises_text_and_keeps_numbers():
    view = SimpleNamespace(
        points=(
            presenters.SpcPointView(
                period=date(2024, 1, 1),
                label="Jan 2024",
                value=-1.5,
                mean=-0.25,
                lpl=-4.0,
                upl=3.5,
                point_type="=cmd",
                rule="-shift",
            ),
        )
    )
    _, rows = cells(exports.series_csv(view, "s.csv").content)  # type: ignore[arg-type]
    assert rows == [["2024-01-01", "-1.5", "-0.25", "-4.0", "3.5", "'=cmd", "'-shift"]]


# Through the pages, from an imported file --------------------------------------------------------


@pytest.fixture
def imported(framework, devon, monkeypatch) -> Indicator:
    """Smoking prevalence for England, named "=HYPERLINK(...)", with negative values; and a
    practice named "@SUM(1)" in a category "+cat"."""
    table = fingertips.Table(
        (
            row(area_name=LINK, value_note=SUM),
            row(
                area_code="L83001",
                area_name=SUM,
                area_type="GPs",
                parent_code="E38000230",
                parent_name="NHS Devon CCG",
                category_type="Deprivation",
                category="+cat",
                compared_to_england="Similar",
            ),
        ),
        "CCGs (from Apr 2021)",
        False,
    )
    # The file as another tool would write it: the names as they are, no apostrophes.
    with monkeypatch.context() as m:
        m.setattr(fingertips, "spreadsheet_safe", lambda text: text)
        data = fingertips.write(table)
    assert LINK.replace('"', '""').encode() in data and b"'" not in data
    actions.import_fingertips(Actor.command_line(), "smoking.csv", data)
    indicator = Indicator.objects.get(code=SMOKING)
    stored = {v.area_code: v for v in Value.objects.filter(indicator=indicator)}
    assert stored[ENGLAND].area_name == LINK and stored[ENGLAND].value == -1.5
    assert stored["L83001"].area_name == SUM and stored["L83001"].category == "+cat"
    return indicator


@pytest.fixture
def analyst(client, universe):
    client.force_login(universe.accounts["analyst-15n"])
    return client


@pytest.mark.django_db
def test_the_indicator_csv_download(analyst, imported):
    response = analyst.get(f"{BASE}indicators/{SMOKING}/", {"area_type": "Place", "format": "csv"})
    assert response.status_code == 200
    [england] = [r for r in by_column(response.content) if r["Area code"] == ENGLAND]
    assert england["Area name"] == "'" + LINK
    assert england["Value note"] == "'" + SUM
    assert (england["Value"], england["Lower CI 95.0 limit"], england["Upper CI 99.8 limit"]) == (
        "-1.5",
        "-2.0",
        "-0.5",
    )


@pytest.mark.django_db
def test_the_fingertips_download(analyst, imported):
    response = analyst.get(
        f"{BASE}indicators/{SMOKING}/", {"area_type": "Place", "format": "fingertips"}
    )
    assert response.status_code == 200
    [england] = by_column(response.content)
    assert england["Area Name"] == "'" + LINK and england["Value note"] == "'" + SUM
    assert (england["Value"], england["Lower CI 95.0 limit"], england["Count"]) == (
        "-1.5",
        "-2",
        "120",
    )
    # The whole file, as the export command writes it.
    practice = next(
        r for r in by_column(exports.fingertips_csv(imported)) if r["Area Code"] == "L83001"
    )
    assert practice["Area Name"] == "'" + SUM and practice["Category"] == "'+cat"
    assert practice["Value"] == "-1.5"


@pytest.mark.django_db
def test_the_profile_csv_download(analyst, imported):
    response = analyst.get(f"{BASE}profiles/{ENGLAND}/", {"format": "csv"})
    assert response.status_code == 200
    header, rows = cells(response.content)
    [smoking] = [r for r in rows if r[header.index("Indicator")] == imported.name]
    line = dict(zip(header, smoking, strict=True))
    assert line["Area name"] == "'" + LINK and line["Value note"] == "'" + SUM
    assert (line["Value"], line["England value"], line["Worst"]) == ("-1.5", "-1.5", "-1.5")
    # Every area-name cell of the file is safe, lines without a figure included.
    assert {r[header.index("Area name")] for r in rows} == {"'" + LINK}
