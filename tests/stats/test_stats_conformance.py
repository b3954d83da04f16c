"""commonweal.stats against PHEindicatormethods' own test data (../shared/reference).

Every case with a counterpart here must agree to 1e-6 relative; the inputs the package refuses
must be refused.
"""

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from commonweal import stats
from commonweal.stats import _intervals as ci

REFERENCE = Path(
    os.environ.get(
        "COMMONWEAL_REFERENCE_DIR", Path(__file__).resolve().parents[3] / "shared" / "reference"
    )
)
PHE = REFERENCE / "phe-indicator-methods"
pytestmark = pytest.mark.skipif(
    not PHE.is_dir(), reason=f"reference results not found at {PHE} (set COMMONWEAL_REFERENCE_DIR)"
)

# Every test runs on each engine: DuckDB, local Spark and PostgreSQL.
pytestmark = [pytestmark, pytest.mark.usefixtures("on_engine")]

RTOL = 1e-6
LIMITS = ["lower95_0cl", "upper95_0cl", "lower99_8cl", "upper99_8cl"]


def read(name):
    with warnings.catch_warnings():
        # Some sheets have stray trailing commas on a row; those empty fields are dropped.
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        frame = pd.read_csv(PHE / name, encoding="utf-8-sig", index_col=False)
    return frame.dropna(how="all").dropna(axis=1, how="all")


def close(actual, expected, rtol=RTOL):
    np.testing.assert_allclose(
        np.asarray(actual, float), np.asarray(expected, float), rtol=rtol, equal_nan=True
    )


def test_byars_and_wilson_single_counts():
    ref = read("testdata_Byars_Wilson__testdata_B_W.csv")
    assert set(ref["method"]) == {"Byars", "Wilson"}
    for _, row in ref.iterrows():
        level = float(row["confidence"].rstrip("%")) / 100
        if row["method"] == "Byars":
            got = [ci.byars_lower(row["x"], level), ci.byars_upper(row["x"], level)]
        else:
            got = list(ci.wilson(row["x"], row["n"], level))
        close(got, [row["lowercl"], row["uppercl"]])


def test_proportions_95_and_99_8():
    ref = read("testdata_Proportion__testdata_Prop.csv")
    for multiplier, rows in ref.groupby("multiplier"):
        got = stats.proportion(
            rows[["Area", "Numerator", "Denominator"]],
            "Numerator",
            "Denominator",
            "Area",
            multiplier=multiplier,
            missing="propagate",
        )
        assert list(got["Area"]) == sorted(rows["Area"])
        rows = rows.sort_values("Area")
        for col in ["value", *LIMITS]:
            close(got[col], rows[col])
        assert set(got["statistic"]) == set(rows["statistic"])
    # By default a missing numerator or denominator is refused, naming the rows.
    with pytest.raises(
        stats.StatsInputError, match=r"column 'Numerator' is missing in 2 rows \(row 9, 11\)"
    ):
        stats.proportion(ref[ref["multiplier"] == 1], "Numerator", "Denominator", "Area")


def test_grouped_proportions_one_confidence_level():
    ref = read("testdata_Proportion__testdata_Prop_g.csv")
    raw = read("testdata_Proportion__testdata_Prop.csv")
    raw = raw[raw["multiplier"] == 1][["Area", "Numerator", "Denominator"]]
    doubled = pd.concat([raw, raw])  # the grouped sheet is each area's rows twice, summed
    got = stats.proportion(
        doubled, "Numerator", "Denominator", "Area", confidence=0.95, missing="propagate"
    )
    # Areas 9 to 11 have missing values, which the grouped sheet handles by its own rules.
    ref = ref[ref["Numerator"].notna() & ref["Denominator"].notna()].set_index("Area")
    got = got.set_index("Area").loc[ref.index]
    close(got["Numerator"], ref["Numerator"])
    for col in ("value", "lowercl", "uppercl"):
        close(got[col], ref[col])
    assert (got["confidence"] == "95%").all()


def test_rates_byars_and_exact():
    ref = read("testdata_Rate__testdata_Rate.csv")
    for multiplier, rows in ref.groupby("multiplier"):
        got = stats.rate(
            rows[["Area", "Numerator", "Denominator"]],
            "Numerator",
            "Denominator",
            "Area",
            multiplier=multiplier,
            missing="propagate",
        )
        rows = rows.sort_values("Area")
        for col in ["value", *LIMITS]:
            close(got[col], rows[col])
        assert list(got["method"].fillna("")) == list(rows["method"].fillna(""))


def test_grouped_rates():
    ref = read("testdata_Rate__testdata_Rate_g.csv")
    ref = ref[ref["Numerator"].notna() & ref["Denominator"].notna()]
    raw = read("testdata_Rate__testdata_Rate.csv")
    base = raw[raw["multiplier"] == raw["multiplier"].iloc[0]][["Area", "Numerator", "Denominator"]]
    doubled = pd.concat([base, base])
    checked = 0
    for multiplier, want in ref.groupby("multiplier"):
        got = stats.rate(
            doubled,
            "Numerator",
            "Denominator",
            "Area",
            confidence=0.95,
            multiplier=multiplier,
            missing="propagate",
        )
        merged = got.merge(want, on="Area", suffixes=("", "_ref"))
        merged = merged[np.isclose(merged["Numerator"], merged["Numerator_ref"])]
        for col in ("value", "lowercl", "uppercl"):
            close(merged[col], merged[f"{col}_ref"])
        checked += len(merged)
    assert checked >= 8


def test_means():
    data = read("testdata_Mean__testdata_Mean.csv")
    ref = read("testdata_Mean__testdata_Mean_results.csv")
    by_area = stats.mean(data, "values", "area")
    overall = stats.mean(data, "values")
    got = pd.concat([by_area, overall.assign(area="No grouping")], ignore_index=True)
    for col in ["value_sum", "value_count", "stdev", "value", *LIMITS]:
        close(got[col], ref[col])


def dsr_inputs():
    data = read("testdata_DSR_ISR__testdata_multiarea.csv")
    data["stdpop"] = list(stats.ESP2013) * (len(data) // 19)
    return data


def test_dsr_multiarea_esp2013():
    ref = read("testdata_DSR_ISR__testresults_DSR.csv")
    data = read("testdata_DSR_ISR__testdata_multiarea.csv")
    for multiplier in (10_000, 100_000):
        got = stats.dsr(data, "count", "pop", "area", multiplier=multiplier)
        want = ref[
            (
                ref["statistic"].str.endswith(f"per {multiplier}")
                | ref["statistic"].str.startswith("dsr NA")
            )
            & ref["area"].isin(got["area"])
            & (ref["method"] == "Dobson")
        ]
        want = want.drop_duplicates("area", keep="first" if multiplier == 10_000 else "last")
        merged = got.merge(want, on="area", suffixes=("", "_ref"))
        assert len(merged) == 3
        for col in ["total_count", "total_pop", "value", *LIMITS]:
            close(merged[col], merged[f"{col}_ref"])
        tiny = merged[merged["area"] == "testdata_tiny"].iloc[0]
        assert np.isnan(tiny["value"]) and tiny["statistic"] == "dsr NA for total count < 10"
    # The standard population as a column gives the same.
    close(
        stats.dsr(dsr_inputs(), "count", "pop", "area", stdpop="stdpop")["value"],
        stats.dsr(data, "count", "pop", "area")["value"],
    )


def test_dsr_with_the_1976_standard_population_95_percent():
    data = read("testdata_DSR_ISR__testdata_1976.csv")
    ref = read("testdata_DSR_ISR__testresults_DSR.csv")
    want = ref[ref["area"] == "testdata_1976"].iloc[0]
    got = stats.dsr(data, "count", "pop", stdpop="esp1976", multiplier=10_000).iloc[0]
    # The 99.8% columns of this row are scaled wrongly in the sheet (see its README).
    close(
        [got["value"], got["lower95_0cl"], got["upper95_0cl"]],
        [want["value"], want["lower95_0cl"], want["upper95_0cl"]],
    )


def test_dsr_non_independent_events():
    wide = read("testdata_DSR_ISR__testdata_nonindepe.csv").fillna(0)
    rows = []
    for _, r in wide.iterrows():
        for k in (1, 2, 3, 4):
            people = r.get(f"f{k}", 0)
            if people:
                rows.append(
                    {
                        "area": r["area"],
                        "ageband": r["ageband"],
                        "freq": k,
                        "events": k * people,
                        "pop": r["pop"],
                    }
                )
        if not any(r.get(f"f{k}", 0) for k in (1, 2, 3, 4)):
            rows.append(
                {
                    "area": r["area"],
                    "ageband": r["ageband"],
                    "freq": 1,
                    "events": 0,
                    "pop": r["pop"],
                }
            )
    long = pd.DataFrame(rows)
    got = stats.dsr(long, "events", "pop", "area", eventfreq="freq", ageband="ageband")
    ref = read("testdata_DSR_ISR__testresults_DSR.csv")
    want = ref[ref["area"].str.startswith("testdata_nonind")]
    merged = got.merge(want, on="area", suffixes=("", "_ref"))
    assert len(merged) == 4
    # The sheet gives these to 8 decimal places.
    for col in ["total_count", "value", *LIMITS]:
        close(merged[col], merged[f"{col}_ref"], rtol=1e-8 * 1e3)
    assert set(merged["method"]) == {"Dobson, with confidence adjusted for non-independent events"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("testdata_DSR_ISR__testdata_err1.csv", "column 'count' is negative in 1 row (row 6)"),
        ("testdata_DSR_ISR__testdata_err3.csv", "column 'pop' is negative in 1 row (row 2)"),
        ("testdata_DSR_ISR__testdata_err4.csv", "column 'stdpop' is negative in 1 row (row 6)"),
    ],
)
def test_dsr_refuses_bad_input(name, message):
    data = read(name)
    with pytest.raises(
        stats.StatsInputError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        stats.dsr(data, "count", "pop", stdpop="stdpop")


def test_dsr_refuses_a_zero_population_and_missing_bands():
    data = read("testdata_DSR_ISR__testdata_err2.csv")
    with pytest.raises(
        stats.StatsInputError,
        match=r"column 'pop' is zero \(it must be greater than zero\) in 1 row \(row 2\)",
    ):
        stats.dsr(data, "count", "pop", "area")
    short = read("testdata_DSR_ISR__testdata_multiarea.csv").iloc[1:]
    with pytest.raises(
        stats.StatsInputError, match=r"each group needs exactly 19 rows.*testdata_big has 18"
    ):
        stats.dsr(short, "count", "pop", "area")


def test_isr_rates_and_ratios():
    data = read("testdata_DSR_ISR__testdata_multiarea.csv")
    refdata = read("testdata_DSR_ISR__refdata.csv")
    ref = read("testdata_DSR_ISR__testresults_ISR.csv")
    checked = 0
    for statistic, multiplier, fn in (
        ("indirectly standardised rate per 100000", 100_000, stats.isr_rate),
        ("indirectly standardised rate per 1000", 1_000, stats.isr_rate),
        ("indirectly standardised ratio x 1", 1, stats.isr_ratio),
        ("indirectly standardised ratio x 100", 100, stats.isr_ratio),
    ):
        got = fn(
            data,
            "count",
            "pop",
            list(refdata["refcount"]),
            list(refdata["refpop"]),
            "area",
            multiplier=multiplier,
        )
        want = ref[(ref["statistic"] == statistic) & ref["area"].str.startswith("testdata_")]
        merged = got.merge(want, on="area", suffixes=("", "_ref"))
        assert len(merged) == 3
        cols = ["observed", "expected", "value", *LIMITS] + (
            ["ref_rate"] if fn is stats.isr_rate else []
        )
        for col in cols:
            close(merged[col], merged[f"{col}_ref"])
        assert list(merged["method"]) == list(merged["method_ref"])
        checked += 1
    assert checked == 4


def test_isr_with_reference_columns():
    data = read("testdata_DSR_ISR__testdata_multiarea_isr.csv")
    by_vector = stats.isr_ratio(
        read("testdata_DSR_ISR__testdata_multiarea.csv"),
        "count",
        "pop",
        list(read("testdata_DSR_ISR__refdata.csv")["refcount"]),
        list(read("testdata_DSR_ISR__refdata.csv")["refpop"]),
        "area",
    )
    by_column = stats.isr_ratio(data, "count", "pop", "refcount", "refpop", "area")
    assert len(by_column) >= 1
    common = by_column.merge(by_vector, on="area", suffixes=("", "_v"))
    close(common["value"], common["value_v"])


def test_proportion_refuses_numerator_above_denominator_and_text():
    df = pd.DataFrame({"a": ["x", "y", "z"], "num": [5, 12, 3], "den": [10, 10, 10]})
    with pytest.raises(
        stats.StatsInputError, match=r"column 'num' is greater than column 'den' in 1 row \(row 2\)"
    ):
        stats.proportion(df, "num", "den", "a")
    text = pd.DataFrame({"a": ["x", "y"], "num": ["5", "five"], "den": [10, 10]})
    with pytest.raises(
        stats.StatsInputError, match=r"column 'num' is not numeric in 1 row \(row 2\)"
    ):
        stats.proportion(text, "num", "den", "a")
    with pytest.raises(stats.StatsInputError, match="no column 'denominator'"):
        stats.proportion(df, "num", "denominator", "a")
    with pytest.raises(stats.StatsInputError, match="has no rows"):
        stats.proportion(df.iloc[0:0], "num", "den", "a")


def test_funnel_limits_for_proportions():
    inputs = read("testdata_funnel_prop_inputs.csv")
    ref = read("testdata_funnel_prop_outputs.csv")
    got = stats.funnel_limits(
        "proportion",
        ref["Population"],
        data=inputs,
        numerator="numerator",
        denominator="denominator",
    )
    pairs = {
        "lower_2s_limit": "Lower2s0025limit",
        "upper_2s_limit": "Upper2s0025limit",
        "lower_3s_limit": "Lower3s0001limit",
        "upper_3s_limit": "Upper3s0001limit",
        "baseline": "Baseline",
    }
    for ours, theirs in pairs.items():
        # The sheet is rounded to 6 decimal places.
        np.testing.assert_allclose(got[ours], ref[theirs], atol=5e-7 + 1e-12)


def test_funnel_limits_for_ratios_and_rates():
    ratio = read("testdata_funnel_ratio_outputs.csv")
    ratio.columns = [c.strip() for c in ratio.columns]
    got = stats.funnel_limits("ratio", ratio["Observed_events"])
    for col in ratio.columns[1:]:
        # The sheet carries its first 99.8% limit to about 5 figures (0.001000547 for 0.0010005003),
        # and the columns derived from it inherit that.
        np.testing.assert_allclose(got[col], ratio[col], rtol=5e-5, atol=1e-7)
    rate = read("testdata_funnel_rate_outputs.csv")
    got = stats.funnel_limits(
        "rate",
        rate["Events"],
        baseline=rate["baseline"].iloc[0],
        multiplier=100_000,
        years_of_data=3,
    )
    for col in [c for c in rate.columns if c.startswith(("lower", "upper"))]:
        np.testing.assert_allclose(got[col], rate[col], rtol=5e-5)  # the same first 99.8% limit


def test_funnel_significance():
    prop = read("testdata_funnel_prop_inputs.csv")
    got = stats.funnel_significance(prop, "numerator", "denominator", "proportion")
    assert (got["significance"] == prop["significance"]).all()
    ratio = read("testdata_funnel_ratio_inputs.csv")
    got = stats.funnel_significance(ratio, "obs", "expected", "ratio")
    assert (got["significance"] == ratio["significance"]).all()
    rates = read("testdata_funnel_rate_dsr_inputs.csv")
    got = stats.funnel_significance(rates, "count", "pop", "rate")
    assert (got["significance"] == rates["crude_per_100000_with_0"]).all()
    some = rates[rates["count"] > 0]
    got = stats.funnel_significance(some, "count", "pop", "rate")
    assert (got["significance"].to_numpy() == some["crude_per_100000_without_0"].to_numpy()).all()
