"""The outcomes charts: self-contained, accessible SVG drawn once per set of figures, with
summaries that say what the pictures show."""

import re
import time
from collections.abc import Callable, Iterator

import pytest
import vl_convert

from commonweal.core import charts as drawing
from commonweal.outcomes import charts
from commonweal.outcomes.charts import (
    Chart,
    FunnelLimit,
    FunnelPoint,
    PyramidBand,
    QuintileBar,
    SpcPoint,
    SpineRow,
    TrendPoint,
)


@pytest.fixture(autouse=True)
def _fresh() -> Iterator[None]:
    charts.cache_clear()
    yield
    charts.cache_clear()


@pytest.fixture
def counted(monkeypatch) -> list[str]:
    """Each vl-convert call, counted."""
    calls: list[str] = []
    draw = vl_convert.vegalite_to_svg

    def counting(spec, *args, **kwargs):
        calls.append(spec)
        return draw(spec, *args, **kwargs)

    monkeypatch.setattr(drawing.vlc, "vegalite_to_svg", counting)
    return calls


# Figures -------------------------------------------------------------------------------------


def high_is_good(**changes) -> SpineRow:
    figures = dict(
        indicator="Life expectancy at birth (Female)",
        period="2019 - 21",
        value=84.0,
        benchmark=83.0,
        worst=79.0,  # 4 below the benchmark
        q25=82.0,
        q75=84.0,
        best=86.0,  # 3 above it
        significance="better",
        trend="up",
    )
    return SpineRow(**(figures | changes))  # type: ignore[arg-type]


def low_is_good(**changes) -> SpineRow:
    figures = dict(
        indicator="Under 75 mortality rate from all causes",
        period="2021",
        value=380.0,
        benchmark=350.0,
        worst=550.0,  # the highest: 200 above the benchmark
        q25=390.0,
        q75=320.0,
        best=250.0,  # 100 below it
        significance="worse",
        trend="down",
    )
    return SpineRow(**(figures | changes))  # type: ignore[arg-type]


SPINE = (
    high_is_good(),
    low_is_good(),
    low_is_good(indicator="Suicide rate", value=None, significance="not compared", trend=""),
    high_is_good(indicator="Breast screening", value=70.0, significance="worse"),
    high_is_good(indicator="Hip fractures", value=83.5, significance="similar", trend="none"),
    high_is_good(indicator="Deprivation score", value=30.0, significance="higher"),
    high_is_good(indicator="Population aged 65+", value=20.0, significance="lower"),
    low_is_good(indicator="Alcohol admissions", value=300.0, significance="better"),
)

FUNNEL = (
    FunnelPoint("Exeter", 1000, 30.0, "High (0.001)"),
    FunnelPoint("Torbay", 2000, 13.0, "High (0.025)"),
    FunnelPoint("Plymouth", 5000, 10.2, "Not significant"),
    FunnelPoint("Mid Devon", 800, 9.0, "Not significant"),
    FunnelPoint("Teignbridge", 3000, 8.5, "Low (0.025)"),
    FunnelPoint("Torridge", 4000, 2.0, "Low (0.001)"),
    FunnelPoint("Cornwall", 6000, 1.5, "Low (0.001)"),
)


def funnel_limits() -> tuple[FunnelLimit, ...]:
    limits = []
    for n in range(500, 6501, 500):
        se = (10 * 90 / n) ** 0.5
        limits.append(FunnelLimit(n, 10 - 2 * se, 10 + 2 * se, 10 - 3 * se, 10 + 3 * se))
    return tuple(limits)


def months(n: int, start: int = 2017) -> list[str]:
    return [f"{start + (i + 2) // 12}-{(i + 2) % 12 + 1:02}" for i in range(n)]


def spc_points(gap_at: int | None = None, rebase_at: int | None = None) -> tuple[SpcPoint, ...]:
    points = []
    for i, x in enumerate(months(24)):
        mean = 12.0 if rebase_at is not None and i >= rebase_at else 10.0
        if i == gap_at:
            points.append(SpcPoint(x, None, mean, mean - 3, mean + 3, ""))
            continue
        y = mean + (1 if i % 2 else -1) * 0.5
        kind = "common cause"
        if i == 5:
            y, kind = mean + 4, "special cause concern"
        if i in (20, 21):
            kind = "special cause improvement"
        points.append(SpcPoint(x, y, mean, mean - 3, mean + 3, kind))
    return tuple(points)


AGES = ("0-4", "5-9", "10-14", "15-64", "65-74", "75+")
PYRAMID = tuple(
    PyramidBand(age, sex, share)
    for age, (male, female) in zip(
        AGES, [(3, 3), (3, 3), (3, 3), (30, 31), (6, 7), (4, 7)], strict=True
    )
    for sex, share in (("Male", male), ("Female", female))
)
ENGLAND = tuple(
    PyramidBand(age, sex, share)
    for age, (male, female) in zip(
        AGES, [(3, 3), (3, 3), (3, 3), (32, 33), (5, 6), (4, 5)], strict=True
    )
    for sex, share in (("Male", male), ("Female", female))
)
TREND = (
    TrendPoint("2016/17", 20.0, 18.0, 22.0, 21.0),
    TrendPoint("2017/18", None, None, None, 21.0),
    TrendPoint("2018/19", 22.5, 20.0, 25.0, 21.5),
    TrendPoint("2019/20", 19.0, 17.5, 20.5, 21.0),
)
QUINTILES = tuple(QuintileBar(q, 50.0 - 5 * q, 47.0 - 5 * q, 53.0 - 5 * q) for q in range(1, 6))

BUILDERS: dict[str, Callable[[str], Chart]] = {
    "spine": lambda eid: charts.spine(SPINE, element_id=eid, area="Devon"),
    "funnel": lambda eid: charts.funnel(
        FUNNEL,
        funnel_limits(),
        benchmark=10.0,
        x_title="Population",
        y_title="Per cent",
        element_id=eid,
        highlight=("Plymouth",),
    ),
    "spc": lambda eid: charts.spc(
        spc_points(gap_at=8, rebase_at=12),
        title_y="Days",
        target=11.0,
        rebases=[months(24)[12]],
        element_id=eid,
    ),
    "pyramid": lambda eid: charts.pyramid(PYRAMID, benchmark=ENGLAND, element_id=eid, area="Devon"),
    "trend": lambda eid: charts.trend(TREND, y_title="Rate per 100,000", element_id=eid),
    "quintiles": lambda eid: charts.quintiles(
        QUINTILES, sii=-24.3, y_title="Rate per 100,000", element_id=eid
    ),
}


def group_paths(svg: str, name: str) -> list[int]:
    """The number of paths in each group of a named mark (a line with a detail draws a group
    for each piece)."""
    groups = re.findall(rf'<g class="mark-line role-mark {name}_marks"[^>]*>(.*?)</g>', svg)
    return [g.count("<path") for g in groups]


# Every chart ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", BUILDERS)
def test_each_chart_is_a_self_contained_accessible_svg(kind):
    chart = BUILDERS[kind](f"{kind}-chart")
    svg = chart.svg
    root = re.match(r"<svg\b[^>]*>", svg)
    assert root is not None
    assert 'role="img"' in root.group()
    assert f'aria-labelledby="{kind}-chart-title {kind}-chart-desc"' in root.group()
    assert re.search(rf'<title id="{kind}-chart-title">[^<]+</title>', svg)
    assert f'<desc id="{kind}-chart-desc">' in svg
    assert chart.summary and chart.summary.endswith(".")
    # Nothing outside itself: only the SVG namespaces name a web address.
    for address in re.findall(r"https?://[^\s\"'<>)]+", svg):
        assert address.startswith("http://www.w3.org/"), address
    assert "<script" not in svg and "style=" not in svg and "<style" not in svg
    assert "<image" not in svg and "<a " not in svg
    # Inside the image, Vega's roles for its marks are gone.
    assert svg.count('role="') == 1
    assert chart.__html__() == svg


@pytest.mark.parametrize("kind", BUILDERS)
def test_each_chart_is_one_drawing_of_a_valid_specification(kind, counted, monkeypatch):
    monkeypatch.setattr(charts, "VALIDATE", True)  # Altair checks it against Vega-Lite's schema
    BUILDERS[kind](f"{kind}-chart")
    assert len(counted) == 1


def test_the_same_figures_are_drawn_once(counted):
    first = charts.spine(list(SPINE), element_id="spine-a", area="Devon")
    again = charts.spine(list(SPINE), element_id="spine-a", area="Devon")
    assert again is first  # kept whole
    # Elsewhere on the page, under another id: the same drawing, newly labelled.
    other = charts.spine(list(SPINE), element_id="spine-b", area="Devon")
    assert len(counted) == 1
    assert 'id="spine-b-title"' in other.svg and 'id="spine-a-title"' not in other.svg
    charts.spine(list(SPINE[:3]), element_id="spine-a", area="Devon")
    assert len(counted) == 2


def test_two_charts_on_a_page_share_no_ids():
    a = BUILDERS["funnel"]("funnel-a").svg
    b = BUILDERS["funnel"]("funnel-b").svg
    ids_a = set(re.findall(r'\sid="([^"]+)"', a))
    ids_b = set(re.findall(r'\sid="([^"]+)"', b))
    assert any("clip" in i for i in ids_a)  # the funnel's lines are clipped to the plot
    assert ids_a and not ids_a & ids_b
    for ref in re.findall(r"url\(#([^)]+)\)", a):
        assert ref in ids_a


def test_an_empty_chart_says_so():
    chart = charts.spine([], element_id="empty")
    assert chart.summary == "No indicators to chart."
    assert 'role="img"' in chart.svg and "No figures to chart." in chart.svg


def test_unknown_categories_are_refused():
    with pytest.raises(ValueError):
        charts.spine([high_is_good(significance="good")], element_id="x")
    with pytest.raises(ValueError):
        charts.funnel(
            [FunnelPoint("A", 1, 1.0, "High")],
            [],
            benchmark=1.0,
            x_title="x",
            y_title="y",
            element_id="x",
        )
    with pytest.raises(ValueError):
        charts.pyramid([PyramidBand("0-4", "Persons", 1.0)], element_id="x")


# 1. Spine ------------------------------------------------------------------------------------


def test_spine_positions_centre_the_benchmark_when_high_is_good():
    p = charts.spine_positions(high_is_good())
    # The half-width is the larger side: 4 (benchmark − worst) against 3 (best − benchmark).
    assert p["benchmark"] == 0.0
    assert p["worst"] == -1.0
    assert p["best"] == pytest.approx(0.75)
    assert p["q25"] == pytest.approx(-0.25)
    assert p["q75"] == pytest.approx(0.25)
    assert p["value"] == pytest.approx(0.25)


def test_spine_positions_reverse_when_low_is_good():
    p = charts.spine_positions(low_is_good())
    # The worst (550) is the highest value and goes to the left; half-width 200.
    assert p["benchmark"] == 0.0
    assert p["worst"] == -1.0
    assert p["best"] == pytest.approx(0.5)
    assert p["q25"] == pytest.approx(-0.2)
    assert p["q75"] == pytest.approx(0.15)
    assert p["value"] == pytest.approx(-0.15)  # 380 is worse than 350: left of centre
    assert charts.spine_positions(low_is_good(value=300.0))["value"] == pytest.approx(0.25)


def test_spine_positions_when_the_best_side_is_wider_and_at_the_edges():
    p = charts.spine_positions(high_is_good(worst=81.0, best=91.0))
    assert p["best"] == 1.0 and p["worst"] == pytest.approx(-0.25)
    assert charts.spine_positions(high_is_good(value=120.0))["value"] == 1.0  # held at the end
    assert charts.spine_positions(high_is_good(value=None))["value"] is None
    flat = high_is_good(value=5.0, benchmark=5.0, worst=5.0, q25=5.0, q75=5.0, best=5.0)
    assert set(charts.spine_positions(flat).values()) == {0.0}


def test_spine_summary_counts_the_comparisons():
    summary = charts.spine(SPINE, element_id="spine", area="Devon").summary
    assert summary.startswith(
        "Spine chart of 8 indicators for Devon: 2 significantly worse than England, 2 better, "
        "1 similar, 1 higher and 1 lower (where neither is better), 1 with no value."
    )
    assert "Worse: Under 75 mortality rate from all causes, Breast screening." in summary
    assert "Better: Life expectancy at birth (Female), Alcohol admissions." in summary


def test_spine_draws_a_row_an_indicator_with_its_comparison_in_words():
    svg = charts.spine(SPINE, element_id="spine").svg
    assert svg.count('class="mark-symbol role-mark') >= 1
    for words in ("Better ↑", "Worse ↓", "Similar →", "Higher", "Lower", "No value", "Key"):
        assert f">{words}<" in svg
    assert "Hip fractures" in svg and "25th percentile" in svg
    # Duplicate names are told apart by period.
    twice = charts.spine([high_is_good(), high_is_good(period="2020 - 22")], element_id="t")
    assert "Life expectancy at birth (Female) (2020 - 22)" in twice.svg


def test_a_spine_chart_of_25_rows_is_quick(counted):
    rows = [high_is_good(indicator=f"Indicator {i} with a moderately long name") for i in range(25)]
    charts.spine(rows[:2], element_id="warm")  # vl-convert's engine starts once per process
    started = time.perf_counter()
    charts.spine(rows, element_id="spine")
    assert time.perf_counter() - started < 2.0  # about 0.2 seconds; generous for busy machines


# 2. Funnel -----------------------------------------------------------------------------------


def test_funnel_summary_counts_and_names_the_outliers():
    summary = BUILDERS["funnel"]("funnel").summary
    assert summary == (
        "Funnel plot of 7 areas against the benchmark (10): 1 above the 99.8% limit (Exeter), "
        "1 between the upper 95% and 99.8% limits, 2 within the 95% limits, "
        "1 between the lower 95% and 99.8% limits, 2 below the 99.8% limit (Torridge, Cornwall). "
        "Plymouth (highlighted): 10.2, within the 95% limits."
    )


def test_funnel_labels_the_outliers_and_the_highlighted_area_only():
    svg = BUILDERS["funnel"]("funnel").svg
    for name in ("Exeter", "Torridge", "Cornwall", "Plymouth"):
        assert f">{name}<" in svg
    for name in ("Torbay", "Mid Devon", "Teignbridge"):
        assert f">{name}<" not in svg
    for words in ("95% limits (2 s.d.)", "99.8% limits (3 s.d.)", "Above the 99.8% limit"):
        assert f">{words}<" in svg


# 3. SPC --------------------------------------------------------------------------------------


def draw_spc(points, rebases=(), target=None) -> str:
    return charts.spc(points, title_y="Days", target=target, rebases=rebases, element_id="s").svg


def test_spc_line_is_broken_at_a_gap():
    assert sum(group_paths(draw_spc(spc_points()), "data")) == 1
    assert sum(group_paths(draw_spc(spc_points(gap_at=8)), "data")) == 2


def test_spc_limits_step_at_a_rebase():
    # The mean and two limits, each in one piece; then in two pieces either side of the rebase.
    assert sum(group_paths(draw_spc(spc_points()), "limits")) == 3
    rebased = draw_spc(spc_points(rebase_at=12), rebases=[months(24)[12]], target=11.0)
    assert sum(group_paths(rebased, "limits")) == 3 * 2 + 1  # and the target
    assert ">Limits recalculated<" in rebased
    assert 'stroke="#d5281b"' in rebased  # the target, in red


def test_spc_summary():
    summary = charts.spc(
        spc_points(gap_at=8, rebase_at=12),
        title_y="Days",
        target=11.0,
        rebases=[months(24)[12]],
        element_id="s",
    ).summary
    assert summary == (
        "SPC chart of Days: 23 points from March 2017 to February 2019 (1 missing); "
        "the latest point, February 2019, is 12.5, common cause, against a mean of 12 and "
        "process limits of 9 to 15; 3 special-cause points: 2 improvement (Nov 2018, Dec 2018); "
        "1 concern (Aug 2017); the target is 11; the limits were recalculated from March 2018."
    )


# 4. Icons ------------------------------------------------------------------------------------


def icon_title(svg: str) -> str:
    match = re.search(r"<title>([^<]+)</title>", svg)
    assert match is not None
    return match.group(1)


@pytest.mark.parametrize(
    ("args", "title", "colour"),
    [
        (
            ("common cause", None, "increase"),
            "Common cause variation: no significant change",
            "#768692",
        ),
        (
            ("special cause improvement", "high", "increase"),
            "Special cause variation: improvement, high values",
            "#41b6e6",
        ),
        (
            ("special cause improvement", None, "decrease"),
            "Special cause variation: improvement, low values",
            "#41b6e6",
        ),
        (
            ("special cause concern (high)", None, "decrease"),
            "Special cause variation: concern, high values",
            "#ed8b00",
        ),
        (
            ("special cause neutral", "low", "neutral"),
            "Special cause variation: neither improvement nor concern, low values",
            "#330072",
        ),
    ],
)
def test_variation_icons(args, title, colour):
    svg = charts.variation_icon(*args)
    assert icon_title(svg) == title
    assert f'stroke="{colour}"' in svg
    assert 'role="img"' in svg and 'width="48"' in svg
    assert "style" not in svg and "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    letter = re.search(r">([HL])</text>", svg)
    assert (letter.group(1) if letter else None) == (
        None if title.startswith("Common") else ("H" if "high" in title else "L")
    )


def test_assurance_icons():
    for kind, letter, colour in (
        ("consistently passing", "P", "#005eb8"),
        ("consistently failing", "F", "#ed8b00"),
        ("hit and miss", "?", "#768692"),
    ):
        svg = charts.assurance_icon(kind)
        assert f">{letter}</text>" in svg and f'stroke="{colour}"' in svg
        assert icon_title(svg).startswith("Assurance: ")
        assert 'role="img"' in svg and "style" not in svg
    assert charts.assurance_icon(None) == ""
    with pytest.raises(ValueError):
        charts.assurance_icon("sometimes")
    with pytest.raises(ValueError):
        charts.variation_icon("special", "high", "increase")


# 5-7. Pyramid, trend, quintiles -------------------------------------------------------------


def test_pyramid_summary_and_drawing():
    chart = BUILDERS["pyramid"]("pyramid")
    assert chart.summary == (
        "Population pyramid of Devon in 6 age bands from 0-4 to 75+: males 49% and females 54% "
        "of the population; the largest band is females aged 15-64 (31%). "
        "People aged under 15: 18% (England 18%). People aged 65 and over: 24% (England 20%). "
        "The outline shows England."
    )
    for words in (">Males<", ">Females<", ">England<", ">0-4<", ">75+<"):
        assert words in chart.svg


def test_pyramid_orders_ages_youngest_at_the_bottom():
    svg = BUILDERS["pyramid"]("pyramid").svg
    labels = re.findall(
        r'translate\([\d.-]+,([\d.]+)\)"[^>]*>(0-4|5-9|10-14|15-64|65-74|75\+)<', svg
    )
    heights = {age: float(y) for y, age in labels}
    assert heights["0-4"] > heights["5-9"] > heights["10-14"] > heights["15-64"] > heights["75+"]


def test_trend_summary():
    assert BUILDERS["trend"]("trend").summary == (
        "Trend in Rate per 100,000: 3 values from 2016/17 to 2019/20; the latest, 2019/20, is 19 "
        "(95% CI 17.5 to 20.5) against England 21; the lowest was 19 in 2019/20 and the highest "
        "22.5 in 2018/19."
    )
    # The gap breaks the line: two pieces for the value, one for England.
    svg = BUILDERS["trend"]("trend").svg
    assert sum(group_paths(svg, "lines")) == 3
    assert ">England<" in svg


def test_a_trend_without_a_benchmark_has_no_benchmark_in_its_key():
    alone = tuple(TrendPoint(p.period, p.value, p.lower, p.upper, None) for p in TREND)
    chart = charts.trend(alone, y_title="Rate", element_id="t", area="Devon")
    assert ">Devon<" in chart.svg and ">England<" not in chart.svg
    assert " against England" not in chart.summary


def test_funnel_summary_names_its_comparator():
    summary = charts.funnel(
        FUNNEL[:2],
        funnel_limits(),
        benchmark=10.0,
        x_title="Population",
        y_title="Per cent",
        element_id="f",
        comparator="England",
    ).summary
    assert summary.startswith("Funnel plot of 2 areas against England (10): 1 above")


def test_quintiles_summary_states_the_sii():
    summary = BUILDERS["quintiles"]("quintiles").summary
    assert summary.startswith(
        "Rate per 100,000 by deprivation quintile: 1 (most deprived): 45 (95% CI 42 to 48); "
        "2: 40 (95% CI 37 to 43);"
    )
    assert "5 (least deprived): 25 (95% CI 22 to 28)." in summary
    assert "The slope index of inequality is −24.3" in summary
    no_sii = charts.quintiles(QUINTILES, sii=None, y_title="Rate", element_id="q").summary
    assert no_sii.endswith("No slope index of inequality was calculated.")


# The shared wrapping ------------------------------------------------------------------------


def test_accessible_svg_refuses_what_the_page_could_not_show_safely():
    plain = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><g></g></svg>'
    wrapped = drawing.accessible_svg(plain, "A <label>", 'What "it" shows', "c1")
    assert '<title id="c1-title">A &lt;label&gt;</title>' in wrapped
    assert "What &#34;it&#34; shows" in wrapped
    for unsafe in (
        '<svg><image href="https://example.org/x.png"/></svg>',
        '<svg><g style="fill: red"></g></svg>',
        "<svg><script>alert(1)</script></svg>",
        '<svg><text font-family="x">@import url(x)</text></svg>',
    ):
        with pytest.raises(ValueError):
            drawing.accessible_svg(unsafe, "l", "d", "c1")
    with pytest.raises(ValueError):
        drawing.accessible_svg(plain, "l", "d", '1" onload="x')
