"""The Fingertips "Recent trend" marker, checked against worked numbers and by properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from commonweal.outcomes import trend
from commonweal.outcomes.trend import (
    CRITICAL_VALUE,
    Trend,
    proportion_trend_statistic,
    recent_trend,
    weighted_trend,
)

# Fingertips' own unit tests (PholioVisualisationWS/AnalysisTest/TrendMarkerCalculatorTest.cs,
# github.com/ukhsa-collaboration/fingertips-open): five years, oldest first.
FT_COUNTS = [994, 1023, 1199, 1332, 1367]
FT_DENOMINATORS = [40299, 41527, 42811, 44064, 44701]
FT_VALUES = [24.67, 24.6, 28, 30.2, 30.6]
FT_LOWER = [23.16, 23.15, 26.44, 28.63, 28.98]
FT_UPPER = [26.25, 26.19, 29.64, 31.9, 32.25]

LABELS = {
    "Increasing and getting better",
    "Increasing and getting worse",
    "Decreasing and getting better",
    "Decreasing and getting worse",
    "Increasing",
    "Decreasing",
    "No significant change",
    "Cannot be calculated",
}


def statistic_of(result: Trend) -> float:
    assert result.statistic is not None
    return result.statistic


def p_value_of(result: Trend) -> float:
    assert result.p_value is not None
    return result.p_value


# --- independent formulations, for checking ------------------------------------------------


def armitage_altman(counts, denominators):
    """χ² for trend as Altman writes it (Practical Statistics for Medical Research, §10.7.4):
    [Σ cᵢtᵢ − C t̄]² / (p̄ (1 − p̄) [Σ nᵢtᵢ² − N t̄²]), t̄ the mean score per person."""
    c, n = np.asarray(counts, float), np.asarray(denominators, float)
    t = np.arange(1, len(c) + 1, dtype=float)
    big_n, big_c = n.sum(), c.sum()
    t_bar = (n * t).sum() / big_n
    p_bar = big_c / big_n
    return ((c * t).sum() - big_c * t_bar) ** 2 / (
        p_bar * (1 - p_bar) * ((n * t * t).sum() - big_n * t_bar**2)
    )


def armitage_by_correlation(counts, denominators):
    """χ² for trend = N r², r the correlation of outcome (0/1) and score over every person."""
    scores, outcomes = [], []
    for i, (c, n) in enumerate(zip(counts, denominators, strict=True), start=1):
        scores += [i] * n
        outcomes += [1] * c + [0] * (n - c)
    r = stats.pearsonr(scores, outcomes).statistic
    return len(scores) * r**2


def weighted_by_polyfit(values, lower, upper):
    """Slope and slope² / var(slope) from NumPy's weighted least squares."""
    se = (np.asarray(upper, float) - np.asarray(lower, float)) / 3.92
    t = np.arange(1, len(values) + 1, dtype=float)
    (slope, _), cov = np.polyfit(t, np.asarray(values, float), 1, w=1 / se, cov="unscaled")
    return slope, slope**2 / cov[0, 0]


def crude_rate_limits(count):
    """PHE's 95% limits for a count: exact Poisson below 10, Byar's from 10, written out."""
    if count < 10:
        lower = stats.chi2.ppf(0.025, 2 * count) / 2 if count > 0 else 0.0
        upper = stats.chi2.ppf(0.975, 2 * count + 2) / 2
        return lower, upper
    z = stats.norm.ppf(0.975)
    lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper = (count + 1) * (1 - 1 / (9 * (count + 1)) + z / (3 * math.sqrt(count + 1))) ** 3
    return lower, upper


# --- worked numbers -------------------------------------------------------------------------


def test_the_critical_value_is_fingertips_99_8_percent():
    # TrendMarkerCalculator.ChiSquareConfidence = 9.54953570608324
    assert math.isclose(CRITICAL_VALUE, 9.54953570608324, rel_tol=1e-14)
    assert stats.chi2.sf(CRITICAL_VALUE, 1) == pytest.approx(0.002)


def test_fingertips_worked_proportion():
    # TestIsSignificantForProportionsReturnsTrue: chi-squared 47.9 to two places.
    result = recent_trend(FT_COUNTS, FT_DENOMINATORS, method="proportion", polarity="neither")
    assert round(statistic_of(result), 2) == 47.90
    assert result == Trend("Increasing", result.statistic, result.p_value, 5)
    assert result.p_value == pytest.approx(stats.chi2.sf(statistic_of(result), 1))
    assert result.statistic == pytest.approx(armitage_altman(FT_COUNTS, FT_DENOMINATORS))


def test_fingertips_worked_weighted_regression():
    # TestIsSignificantReturnsTrue: chi-squared 46.77 from the values and their 95% limits.
    slope, statistic = weighted_trend(FT_VALUES, FT_LOWER, FT_UPPER)
    assert round(statistic, 2) == 46.77
    expected_slope, expected_statistic = weighted_by_polyfit(FT_VALUES, FT_LOWER, FT_UPPER)
    assert slope == pytest.approx(expected_slope, rel=1e-12)
    assert statistic == pytest.approx(expected_statistic, rel=1e-12)


def test_fingertips_worked_not_significant():
    # TestIsSignificantReturnsFalse (2014 to 2018).
    values = [20.5506, 19.5952, 19.0349, 21.3966, 18.4372]
    lower = [18.1803, 17.3444, 16.8421, 19.0918, 16.2925]
    upper = [23.1427, 22.0602, 21.4394, 23.8975, 20.7941]
    _, statistic = weighted_trend(values, lower, upper)
    assert statistic < CRITICAL_VALUE
    counts, denominators = [209, 213, 213, 239, 210], [1017, 1087, 1119, 1117, 1139]
    result = recent_trend(counts, denominators, method="proportion", polarity="low_is_good")
    assert result.label == "No significant change"
    assert result.reason == ""


def test_fingertips_count_equal_to_denominator_cannot_be_calculated():
    # TestIsSignificantForProportionsCannotBeCalculated: 5 of 5 in the first year.
    result = recent_trend(
        [5, 3, 1, 1, 2], [5, 5, 5, 4, 4], method="proportion", polarity="low_is_good"
    )
    assert result.label == "Cannot be calculated"
    assert result.statistic is None and result.p_value is None and result.points == 0
    assert "100%" in result.reason


def test_textbook_example_from_r_prop_trend_test():
    # R's documentation for prop.trend.test: smokers among patients in four groups,
    # X-squared = 8.2249, df = 1, p-value = 0.004132.
    smokers, patients = [83, 90, 129, 70], [86, 93, 136, 82]
    statistic = proportion_trend_statistic(smokers, patients)
    assert round(statistic, 4) == 8.2249
    assert round(stats.chi2.sf(statistic, 1), 6) == 0.004132
    assert statistic == pytest.approx(armitage_by_correlation(smokers, patients), rel=1e-10)
    assert statistic == pytest.approx(armitage_altman(smokers, patients), rel=1e-12)
    # Any equally spaced scores give the same statistic.
    assert proportion_trend_statistic(smokers, patients, [2010, 2011, 2012, 2013]) == (
        pytest.approx(statistic, rel=1e-9)
    )


def test_crude_rate_uses_phe_limits_and_weighted_regression():
    counts = [150, 138, 121, 9, 97]  # one count below 10: exact limits for it
    person_years = [51000, 51500, 52100, 3200, 52900]
    result = recent_trend(counts, person_years, method="crude_rate", polarity="low_is_good")
    limits = [crude_rate_limits(c) for c in counts]
    rates = [c / n for c, n in zip(counts, person_years, strict=True)]
    lower = [lo / n for (lo, _), n in zip(limits, person_years, strict=True)]
    upper = [up / n for (_, up), n in zip(limits, person_years, strict=True)]
    _, expected = weighted_by_polyfit(rates, lower, upper)
    assert result.statistic == pytest.approx(expected, rel=1e-9)
    # The multiplier (per 100,000) does not change the test.
    scaled = [r * 1e5 for r in rates]
    _, per_100k = weighted_trend(scaled, [x * 1e5 for x in lower], [x * 1e5 for x in upper])
    assert per_100k == pytest.approx(result.statistic, rel=1e-9)


def test_crude_rate_close_to_the_published_limits():
    # The Fingertips worked values are per 1,000 with their own limits (46.77); from the
    # counts alone, with PHE's crude-rate limits, the statistic is within 1%.
    result = recent_trend(FT_COUNTS, FT_DENOMINATORS, method="crude_rate", polarity="neither")
    assert result.statistic == pytest.approx(46.77, rel=0.01)
    assert result.label == "Increasing"


def test_zero_counts_are_fine_for_crude_rates():
    result = recent_trend([0, 0, 0, 0, 0], [1000] * 5, method="crude_rate", polarity="neither")
    assert result.label == "No significant change"
    assert result.statistic == 0
    result = recent_trend([0, 2, 5, 30, 80], [1000] * 5, method="crude_rate", polarity="neither")
    assert result.label == "Increasing"


@pytest.mark.parametrize(
    ("counts", "polarity", "label"),
    [
        (FT_COUNTS, "high_is_good", "Increasing and getting better"),
        (FT_COUNTS, "low_is_good", "Increasing and getting worse"),
        (FT_COUNTS, "neither", "Increasing"),
        (FT_COUNTS[::-1], "high_is_good", "Decreasing and getting worse"),
        (FT_COUNTS[::-1], "low_is_good", "Decreasing and getting better"),
        (FT_COUNTS[::-1], "neither", "Decreasing"),
    ],
)
def test_polarity_words(counts, polarity, label):
    denominators = FT_DENOMINATORS if counts == FT_COUNTS else FT_DENOMINATORS[::-1]
    for method in ("proportion", "crude_rate"):
        assert recent_trend(counts, denominators, method=method, polarity=polarity).label == label


def test_an_outlier_makes_a_significant_statistic_no_change():
    # Falling gently for four years, then a jump: significant, but leaving out the last year
    # reverses the slope, so Fingertips shows no trend.
    denominators = [100_000] * 5
    counts = [11_000, 10_500, 10_000, 9_500, 20_000]
    for method in ("proportion", "crude_rate"):
        result = recent_trend(counts, denominators, method=method, polarity="low_is_good")
        assert statistic_of(result) > CRITICAL_VALUE
        assert result.label == "No significant change"
        assert "outlier" in result.reason
        assert result.points == 5


def test_only_the_last_five_points_are_used():
    earlier_counts: list[float | None] = [None, 7, float("nan"), 3]
    earlier_denominators: list[float | None] = [10, None, 10, 0]
    for method in ("proportion", "crude_rate"):
        whole = recent_trend(
            [*earlier_counts, *FT_COUNTS],
            [*earlier_denominators, *FT_DENOMINATORS],
            method=method,
            polarity="neither",
        )
        assert whole == recent_trend(FT_COUNTS, FT_DENOMINATORS, method=method, polarity="neither")
        assert whole.points == 5


@pytest.mark.parametrize(
    ("counts", "denominators", "method", "reason"),
    [
        (FT_COUNTS[:4], FT_DENOMINATORS[:4], "proportion", "fewer than five points"),
        ([], [], "crude_rate", "fewer than five points"),
        ([1, 2, None, 4, 5], [10] * 5, "proportion", "a count is missing"),
        ([1, 2, float("nan"), 4, 5], [10] * 5, "crude_rate", "a count is missing"),
        ([1, 2, 3, 4, 5], [10, None, 10, 10, 10], "proportion", "a denominator is missing"),
        ([1, 2, 3, 4, 5], [10, 10, 0, 10, 10], "crude_rate", "not a positive number"),
        ([1, 2, -3, 4, 5], [10] * 5, "crude_rate", "negative"),
        ([1, 2, 3, 4, 50], [10] * 5, "proportion", "larger than its denominator"),
        ([0, 2, 3, 4, 5], [10] * 5, "proportion", "0 or 100%"),
        (FT_COUNTS, FT_DENOMINATORS, "dsr", "directly standardised rate"),
        (FT_COUNTS, FT_DENOMINATORS, "ratio", "confidence intervals"),
        (FT_COUNTS, FT_DENOMINATORS, "mean", "confidence intervals"),
    ],
)
def test_cannot_be_calculated(counts, denominators, method, reason):
    result = recent_trend(counts, denominators, method=method, polarity="high_is_good")
    assert result.label == "Cannot be calculated"
    assert reason in result.reason
    assert (result.statistic, result.p_value, result.points) == (None, None, 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "rate", "polarity": "neither"}, "method must be one of"),
        ({"method": "proportion", "polarity": "up"}, "polarity must be one of"),
    ],
)
def test_wrong_arguments_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        recent_trend(FT_COUNTS, FT_DENOMINATORS, **kwargs)


def test_counts_and_denominators_must_pair_up():
    with pytest.raises(ValueError, match="must pair up"):
        recent_trend(FT_COUNTS, FT_DENOMINATORS[:4], method="proportion", polarity="neither")


# --- properties ---------------------------------------------------------------------------

FLIPPED = {
    "Increasing and getting better": "Decreasing and getting worse",
    "Increasing and getting worse": "Decreasing and getting better",
    "Decreasing and getting better": "Increasing and getting worse",
    "Decreasing and getting worse": "Increasing and getting better",
    "Increasing": "Decreasing",
    "Decreasing": "Increasing",
    "No significant change": "No significant change",
    "Cannot be calculated": "Cannot be calculated",
}


@st.composite
def series(draw: st.DrawFn, minimum_count: int = 1) -> tuple[list[float], list[float]]:
    """Five years of counts and denominators, with 0 < count < denominator."""
    denominators = draw(st.lists(st.integers(200, 200_000), min_size=5, max_size=5))
    shares = draw(st.lists(st.floats(0.001, 0.6), min_size=5, max_size=5))
    counts = [
        max(minimum_count, min(d - 1, round(d * s)))
        for d, s in zip(denominators, shares, strict=True)
    ]
    return [float(c) for c in counts], [float(d) for d in denominators]


methods = st.sampled_from(["proportion", "crude_rate"])
polarities = st.sampled_from(["high_is_good", "low_is_good", "neither"])


@settings(max_examples=300, deadline=None)
@given(series(), methods, polarities)
def test_reversing_time_flips_the_direction(data, method, polarity):
    counts, denominators = data
    forward = recent_trend(counts, denominators, method=method, polarity=polarity)
    backward = recent_trend(counts[::-1], denominators[::-1], method=method, polarity=polarity)
    assert forward.label in LABELS
    assert backward.statistic == pytest.approx(forward.statistic, rel=1e-9)
    assume(abs(statistic_of(forward) - CRITICAL_VALUE) > 1e-9 * CRITICAL_VALUE)
    assert backward.label == FLIPPED[forward.label]
    assert bool(backward.reason) == bool(forward.reason)


@settings(max_examples=300, deadline=None)
@given(series(), polarities, st.integers(1, 20))
def test_more_people_never_make_a_proportion_less_significant(data, polarity, k):
    counts, denominators = data
    base = recent_trend(counts, denominators, method="proportion", polarity=polarity)
    more = recent_trend(
        [c * k for c in counts],
        [n * k for n in denominators],
        method="proportion",
        polarity=polarity,
    )
    # Same proportions, k times the people: the statistic is k times as large, the direction
    # and outlier check (on the proportions alone) unchanged.
    assert more.statistic == pytest.approx(base.statistic * k, rel=1e-9)
    assert p_value_of(more) <= p_value_of(base) * (1 + 1e-9)
    if base.label != "No significant change":
        assert more.label == base.label


@settings(max_examples=300, deadline=None)
@given(series(minimum_count=10), polarities, st.integers(1, 20))
def test_more_person_years_never_make_a_crude_rate_less_significant(data, polarity, k):
    # Counts of 10 or more, where the limits are Byar's. (With small counts the exact limits
    # shift the weights between years, and scaling up can, rarely, lower the statistic.)
    counts, denominators = data
    base = recent_trend(counts, denominators, method="crude_rate", polarity=polarity)
    more = recent_trend(
        [c * k for c in counts],
        [n * k for n in denominators],
        method="crude_rate",
        polarity=polarity,
    )
    if statistic_of(base) > CRITICAL_VALUE:
        assert statistic_of(more) > CRITICAL_VALUE


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 100), max_size=4),
    methods,
    polarities,
)
def test_fewer_than_five_points_cannot_be_calculated(counts, method, polarity):
    result = recent_trend(counts, [1000] * len(counts), method=method, polarity=polarity)
    assert result == Trend("Cannot be calculated", None, None, 0, "fewer than five points")


@settings(max_examples=300, deadline=None)
@given(series(), methods, polarities)
def test_results_are_well_formed(data, method, polarity):
    counts, denominators = data
    result = recent_trend(counts, denominators, method=method, polarity=polarity)
    assert result.label in LABELS - {"Cannot be calculated"}
    statistic, p_value = statistic_of(result), p_value_of(result)
    assert statistic >= 0
    assert 0 <= p_value <= 1
    assert result.points == trend.POINTS
    significant = p_value < trend.SIGNIFICANCE
    assert significant == (statistic > CRITICAL_VALUE) or math.isclose(
        statistic, CRITICAL_VALUE, rel_tol=1e-9
    )
    if not significant:
        assert result.label == "No significant change"
    if method == "proportion":
        assert result.statistic == pytest.approx(armitage_altman(counts, denominators), rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.integers(5, 60), min_size=5, max_size=5),
    st.lists(st.floats(0.02, 0.98), min_size=5, max_size=5),
)
def test_statistic_matches_the_correlation_form(sizes, shares):
    denominators = sizes
    counts = [round(n * s) for n, s in zip(sizes, shares, strict=True)]
    assume(0 < sum(counts) < sum(denominators))
    assert proportion_trend_statistic(counts, denominators) == pytest.approx(
        armitage_by_correlation(counts, denominators), rel=1e-9, abs=1e-12
    )
