"""Worked examples, computed by hand here, for the methods with no reference results:
SPC, quantiles, the slope index of inequality, life expectancy, benchmarking."""

import math

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal import stats


def test_spc_limits_by_hand():
    values = [10, 12, 11, 13, 12, 11, 12, 10, 11, 12, 13, 11]
    # mean = 138 / 12 = 11.5
    # moving ranges: 2,1,2,1,1,1,2,1,1,1,2 -> sum 15 over 11 = 1.363636...
    # limits: 11.5 ± 2.66 × 1.363636 = 11.5 ± 3.627273
    r = stats.spc(values)
    p = r.points
    assert p["mean"].iloc[0] == pytest.approx(11.5)
    assert p["upl"].iloc[0] == pytest.approx(11.5 + 2.66 * 15 / 11)
    assert p["lpl"].iloc[0] == pytest.approx(11.5 - 2.66 * 15 / 11)
    assert p["upper_two_sigma"].iloc[0] == pytest.approx(11.5 + 2 / 3 * 2.66 * 15 / 11)
    assert (p["point_type"] == "common cause").all() and r.variation == "common cause"
    assert r.warnings == []


def test_spc_screens_outlying_moving_ranges():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 10, 11, 10, 40, 10]
    # moving ranges: ten 1s, then 30 and 30: mean = 70 / 12 = 5.8333; 3.267 × 5.8333 = 19.06,
    # so both 30s are screened out and the mean moving range is 10 / 10 = 1.
    screened = stats.spc(values)
    assert screened.points["upl"].iloc[0] == pytest.approx(np.mean(values) + 2.66 * 1.0)
    kept = stats.spc(values, screen_outliers=False)
    assert kept.points["upl"].iloc[0] == pytest.approx(np.mean(values) + 2.66 * 70 / 12)
    assert screened.points["special_cause_rule"].iloc[11] == "beyond limit"


def test_spc_rules_in_priority_order():
    flat = [10, 11] * 6  # mean 10.5, mean moving range 1: limits 10.5 ± 2.66
    trend = [*flat, 10, 10.2, 10.4, 10.6, 10.8, 11.0, 11.2]  # 7 points each higher than the last
    r = stats.spc(trend, baseline=12, improvement="increase")
    assert list(r.points["special_cause_rule"].iloc[-7:]) == ["trend"] * 7
    assert r.variation == "special cause improvement (high)"

    run = [*flat, 10.6, 10.7, 10.6, 10.7, 10.6, 10.7, 10.6]  # 7 above the mean 10.5, no trend
    r = stats.spc(run, baseline=12, improvement="decrease")
    assert list(r.points["special_cause_rule"].iloc[-7:]) == ["run"] * 7
    assert r.variation == "special cause concern (high)"
    broken = [*flat, 10.6, 10.7, 10.6, 10.5, 10.6, 10.7, 10.6]  # a point on the mean breaks the run
    assert stats.spc(broken, baseline=12).points["special_cause_rule"].iloc[-7:].isna().all()

    # Two sigma is 10.5 + 1.7733 = 12.2733; the limit 13.16. Two of three beyond two sigma:
    two = [*flat, 12.5, 11.0, 12.6]
    r = stats.spc(two, baseline=12)
    rules = [v if isinstance(v, str) else None for v in r.points["special_cause_rule"].iloc[-3:]]
    assert rules == ["two of three beyond two sigma", None, "two of three beyond two sigma"]
    assert r.variation == "special cause neutral (high)"
    # A point beyond the limit is labelled so, even inside a two-of-three pattern.
    beyond = [*flat, 12.5, 13.5]
    assert list(stats.spc(beyond, baseline=12).points["special_cause_rule"].iloc[-2:]) == [
        "two of three beyond two sigma",
        "beyond limit",
    ]


def test_spc_assurance_rebase_and_warnings():
    values = [10, 11] * 6
    assert (
        stats.spc(values, improvement="increase", target=7).assurance == "consistently passing"
    )  # below LPL 7.84
    assert (
        stats.spc(values, improvement="increase", target=14).assurance == "consistently failing"
    )  # above UPL 13.16
    assert stats.spc(values, improvement="increase", target=11).assurance == "hit and miss"
    assert stats.spc(values, improvement="decrease", target=14).assurance == "consistently passing"
    rebased = stats.spc([*values, *[20, 21] * 6], rebase=[12])
    assert rebased.points["mean"].iloc[0] == pytest.approx(10.5) and rebased.points["mean"].iloc[
        -1
    ] == pytest.approx(20.5)
    assert stats.spc([1, 2, 3]).warnings == [
        "only 3 points: at least 12 are needed for reliable limits"
    ]
    with pytest.raises(stats.StatsInputError, match="missing at position"):
        stats.spc([1, float("nan"), 3])


def test_quantiles_by_hand_and_by_group():
    df = pd.DataFrame(
        {"region": ["a"] * 5 + ["b"] * 5, "score": [5, 1, 4, 2, 3, 50, 10, 40, 20, 30]}
    )
    got = stats.quantiles(df, "score", "region", nquantiles=5)
    # Within each region the highest score is quantile 1 (most deprived), the lowest 5.
    assert list(got["quantile"]) == [1, 5, 2, 4, 3] * 2
    direct = stats.quantiles(df, "score", "region", nquantiles=5, invert=False)
    assert list(direct["quantile"]) == [5, 1, 4, 2, 3] * 2


def test_sii_by_hand():
    # Five quintiles of unequal size, most deprived first, values falling with deprivation.
    df = pd.DataFrame(
        {"q": [1, 2, 3, 4, 5], "v": [80, 70, 65, 60, 50], "pop": [200, 100, 100, 300, 300]}
    )
    # shares 0.2, 0.1, 0.1, 0.3, 0.3; midpoints 0.1, 0.25, 0.35, 0.55, 0.85
    x = np.array([0.1, 0.25, 0.35, 0.55, 0.85])
    w = np.array([200, 100, 100, 300, 300.0])
    y = np.array([80, 70, 65, 60, 50.0])
    xm, ym = (w * x).sum() / w.sum(), (w * y).sum() / w.sum()  # 0.495, 62.5
    slope = (w * (x - xm) * (y - ym)).sum() / (w * (x - xm) ** 2).sum()
    got = stats.sii(df, "q", "v", "pop").iloc[0]
    assert got["sii"] == pytest.approx(slope) and got["sii"] < 0
    assert got["rii"] == pytest.approx(slope / ym)


def test_life_expectancy_by_hand():
    # Bands 0, 1-4, 5+: m = 0.01, 0.00125, 0.05
    # q0 = 0.01 / (1 + 0.9 × 0.01) = 0.0099108; q1 = 4 × 0.00125 / (1 + 0.5 × 4 × 0.00125) = 0.0049875
    # l = 100000, 99008.92, 98515.11; L0 = 99008.92 + 0.1 × 991.08 = 99108.03
    # L1 = 4 × (98515.11 + 0.5 × 493.81) = 395048.07; L2 = 98515.11 / 0.05 = 1970302.2
    # e0 = (99108.03 + 395048.07 + 1970302.2) / 100000 = 24.6446
    df = pd.DataFrame(
        {"area": "x", "age": [0, 1, 5], "deaths": [10, 5, 100], "pop": [1000, 4000, 2000]}
    )
    got = stats.life_expectancy(df, "deaths", "pop", "age", "area").iloc[0]
    assert got["value"] == pytest.approx(24.6446, abs=1e-4)
    assert got["lowercl"] < got["value"] < got["uppercl"]
    at5 = stats.life_expectancy(df, "deaths", "pop", "age", le_age=5).iloc[0]
    assert at5["value"] == pytest.approx(20.0)  # 1 / 0.05 in the open band
    bigger = df.assign(deaths=df["deaths"] * 10, pop=df["pop"] * 10)
    wider = stats.life_expectancy(df, "deaths", "pop", "age").iloc[0]
    narrower = stats.life_expectancy(bigger, "deaths", "pop", "age").iloc[0]
    assert narrower["value"] == pytest.approx(wider["value"])
    assert narrower["uppercl"] - narrower["lowercl"] == pytest.approx(
        (wider["uppercl"] - wider["lowercl"]) / math.sqrt(10), rel=1e-6
    )


def test_compare_to_benchmark_with_and_without_polarity():
    df = stats.proportion(
        pd.DataFrame({"a": ["x", "y", "z"], "num": [90, 50, 10], "den": [100, 100, 100]}),
        "num",
        "den",
        "a",
    )
    plain = stats.compare_to_benchmark(df, 0.5)
    assert list(plain["comparison95_0"]) == ["Higher", "Similar", "Lower"]
    low = stats.compare_to_benchmark(df, 0.5, "low_is_good")
    assert list(low["comparison99_8"]) == ["Worse", "Similar", "Better"]
    # Overlapping intervals: the benchmark's own interval counts.
    df["b_lo"], df["b_hi"] = 0.1, 0.95
    assert set(
        stats.compare_to_benchmark(df, 0.5, benchmark_lower="b_lo", benchmark_upper="b_hi")[
            "comparison95_0"
        ]
    ) == {"Similar"}


def test_polars_arrow_and_duckdb_inputs_give_the_same_answers():
    import duckdb

    df = pd.DataFrame({"a": ["x", "x", "y"], "num": [3, 4, 10], "den": [10, 20, 40]})
    base = stats.proportion(df, "num", "den", "a")
    from_polars = stats.proportion(pl.from_pandas(df), "num", "den", "a")
    from_arrow = stats.proportion(pa.Table.from_pandas(df), "num", "den", "a")
    from_duckdb = stats.proportion(duckdb.from_df(df), "num", "den", "a")
    assert isinstance(from_polars, pl.DataFrame) and isinstance(from_arrow, pa.Table)
    for other in (from_polars.to_pandas(), from_arrow.to_pandas(), from_duckdb):
        np.testing.assert_allclose(other["value"], base["value"])
        np.testing.assert_allclose(other["upper99_8cl"], base["upper99_8cl"])


@settings(deadline=None)  # the first DuckDB query of a run can be slow to start
@given(st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 10_000)), min_size=1, max_size=20))
def test_wilson_limits_bracket_the_proportion(rows):
    df = pd.DataFrame([(x, max(x, n)) for x, n in rows], columns=["x", "n"]).reset_index()
    got = stats.proportion(df, "x", "n", "index")
    assert (got["lower99_8cl"] <= got["lower95_0cl"] + 1e-12).all()
    assert (got["lower95_0cl"] <= got["value"] + 1e-12).all() and (
        got["value"] <= got["upper95_0cl"] + 1e-12
    ).all()
    assert (got["upper95_0cl"] <= got["upper99_8cl"] + 1e-12).all()
    assert ((got["lower99_8cl"] >= -1e-12) & (got["upper99_8cl"] <= 1 + 1e-12)).all()


def test_numbers_held_as_text_are_read_and_bad_text_is_refused():
    df = pd.DataFrame({"a": ["x", "y"], "num": ["5", "7"], "den": ["10", "20"]})
    got = stats.rate(df, "num", "den", "a", multiplier=100)
    assert list(got["value"]) == [50.0, 35.0]
    bands = pd.DataFrame({"count": [str(v) for v in range(19)], "pop": ["1000"] * 19})
    assert stats.dsr(bands, "count", "pop")["total_count"].iloc[0] == sum(range(19))
    refs = stats.isr_ratio(bands, "count", "pop", [1] * 19, [100] * 19)
    assert refs["observed"].iloc[0] == sum(range(19))
    with pytest.raises(
        stats.StatsInputError, match=r"column 'pop' is not numeric in 1 row \(row 3\)"
    ):
        stats.dsr(bands.assign(pop=["1000", "1000", "lots", *["1000"] * 16]), "count", "pop")


def test_roll_ups_by_grouping_sets_match_separate_calls():
    df = pd.DataFrame(
        {
            "practice": ["A", "B", "C", "D"],
            "pcn": ["P1", "P1", "P2", "P2"],
            "register": [10, 20, 30, 40],
            "list": [100, 200, 300, 400],
        }
    )
    rolled = stats.proportion(df, "register", "list", [["practice"], ["pcn"], []], multiplier=100)
    assert list(rolled["grouping_set"].value_counts().sort_index().items()) == [
        ("all", 1),
        ("pcn", 2),
        ("practice", 4),
    ]
    by_pcn = stats.proportion(df, "register", "list", "pcn", multiplier=100)
    pcns = rolled[rolled["grouping_set"] == "pcn"].reset_index(drop=True)
    np.testing.assert_allclose(pcns["upper99_8cl"], by_pcn["upper99_8cl"])
    total = rolled[rolled["grouping_set"] == "all"].iloc[0]
    assert (
        total["register"] == 100 and total["list"] == 1000 and total["value"] == pytest.approx(10.0)
    )
    with pytest.raises(stats.StatsInputError, match="roll-ups"):
        stats.mean(df, "register", [["pcn"], []])
