"""A Fingertips file through the import action: Fingertips' area types read as ours, the recent
trend worked out where the file gives none (with the points already held), and the file written
out again byte for byte."""

import pytest

from commonweal.core.actions import Actor
from commonweal.outcomes import actions, exports, fingertips, presenters, trend
from commonweal.outcomes.models import Indicator, Value

pytestmark = pytest.mark.django_db

COUNTS = [120, 150, 170, 200, 240, 260]
DENOMINATORS = [1000, 1010, 1000, 1020, 1000, 1005]
YEARS = ["2015", "2016", "2017", "2018", "2019", "2020"]


def _row(year: str, count: int, n: int, recent: str = "") -> fingertips.Row:
    p = count / n * 100
    return fingertips.Row(
        indicator_id="92443",
        indicator_name="Smoking prevalence in adults (18+) - current smokers (APS)",
        parent_code="E38000230",
        parent_name="NHS Devon CCG",
        area_code="L83001",
        area_name="Example Surgery",
        area_type="GPs",
        sex="Persons",
        age="18+ yrs",
        category_type="",
        category="",
        time_period=year,
        value=p,
        lower95=p - 1,
        upper95=p + 1,
        lower998=p - 2,
        upper998=p + 2,
        count=float(count),
        denominator=float(n),
        value_note="",
        recent_trend=recent,
        compared_to_england="Worse",
        compared_to_parent="Similar",
        time_period_sortable=f"{year}0000",
        new_data="",
        compared_to_goal="",
    )


def _file(rows: list[fingertips.Row]) -> bytes:
    return fingertips.write(fingertips.Table(tuple(rows), "CCGs (from Apr 2021)", False))


def test_a_file_reads_as_ours_gets_a_trend_and_writes_out_unchanged(framework, devon):
    data = _file([_row(y, c, n) for y, c, n in zip(YEARS, COUNTS, DENOMINATORS, strict=True)])
    done = actions.import_fingertips(Actor.command_line(), "smoking.csv", data)
    assert done.rows == 6 and done.indicators == ["smoking-prevalence-adults"]
    indicator = Indicator.objects.get(code="smoking-prevalence-adults")
    values = Value.objects.filter(indicator=indicator).order_by("period_sortable")
    assert {v.area_type for v in values} == {"GP practice"}
    assert {v.area_type_label for v in values} == {"GPs"}
    # Worse where low is good is higher than England.
    assert {v.compared95 for v in values} == {"Higher"}
    expected = trend.recent_trend(
        COUNTS, DENOMINATORS, method="proportion", polarity="low_is_good"
    ).label
    assert expected.startswith("Increasing and getting worse")
    assert values.last().computed_trend == expected
    assert [v.computed_trend for v in values][:-1] == [""] * 5
    # Shown as the trend, and the comparison read through the polarity.
    f = presenters.figure(values.last(), indicator, public=False)
    assert f.trend == expected and f.comparison == "Worse"
    # Out again as it came in.
    assert exports.fingertips_csv(indicator) == data


def test_a_later_year_alone_takes_its_trend_from_the_years_held(framework, devon):
    first = _file(
        [_row(y, c, n) for y, c, n in zip(YEARS[:5], COUNTS[:5], DENOMINATORS[:5], strict=True)]
    )
    actions.import_fingertips(Actor.command_line(), "smoking-to-2019.csv", first)
    actions.import_fingertips(
        Actor.command_line(), "smoking-2020.csv", _file([_row("2020", 260, 1005)])
    )
    indicator = Indicator.objects.get(code="smoking-prevalence-adults")
    latest = Value.objects.get(indicator=indicator, period="2020")
    assert latest.computed_trend == (
        trend.recent_trend(
            COUNTS[1:], DENOMINATORS[1:], method="proportion", polarity="low_is_good"
        ).label
    )
    assert Value.objects.filter(indicator=indicator).count() == 6


def test_a_trend_the_file_gives_is_kept_as_given(framework, devon):
    rows = [_row(y, c, n) for y, c, n in zip(YEARS, COUNTS, DENOMINATORS, strict=True)]
    rows[-1] = _row("2020", 260, 1005, recent="No significant change")
    actions.import_fingertips(Actor.command_line(), "given.csv", _file(rows))
    latest = Value.objects.get(period="2020", indicator__code="smoking-prevalence-adults")
    assert latest.recent_trend == "No significant change" and latest.computed_trend == ""


def test_a_text_too_long_for_its_column_is_refused_by_its_line_and_nothing_written(
    framework, devon
):
    from commonweal.core.documents import DocumentError

    good = _file([_row("2019", 240, 1000)])
    long_row = _file([_row("2020", 260, 1005)]).split(b"\n")[1].replace(b"18+ yrs", b"x" * 60)
    # A blank line first: line numbers are the file's, not the rows' count.
    data = good + b"\n" + long_row + b"\n"
    with pytest.raises(DocumentError) as refused:
        actions.import_fingertips(Actor.command_line(), "long.csv", data)
    [problem] = refused.value.problems
    assert (problem.line, problem.field) == (4, "Age")
    assert "longer than 40" in problem.message
    assert not Value.objects.filter(indicator__code="smoking-prevalence-adults").exists()
