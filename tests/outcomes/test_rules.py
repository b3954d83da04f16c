"""The rules of indicators as plain data: how a comparison reads under each polarity, the spine
chart's spread (checked against numpy's percentiles), small-number suppression at its
threshold, and the sortable key of a period as Fingertips writes it."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonweal.outcomes import rules

FINITE = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("comparison", "polarity", "reads"),
    [
        ("Higher", "high_is_good", "Better"),
        ("Lower", "high_is_good", "Worse"),
        ("Similar", "high_is_good", "Similar"),
        ("Not compared", "high_is_good", "Not compared"),
        ("Higher", "low_is_good", "Worse"),
        ("Lower", "low_is_good", "Better"),
        ("Similar", "low_is_good", "Similar"),
        ("Not compared", "low_is_good", "Not compared"),
        ("Higher", "neither", "Higher"),
        ("Lower", "neither", "Lower"),
        ("Similar", "neither", "Similar"),
        ("Not compared", "neither", "Not compared"),
        # Anything else (an empty stored comparison, Fingertips' own words) is not compared.
        ("", "high_is_good", "Not compared"),
        ("Better", "low_is_good", "Not compared"),
    ],
)
def test_a_comparison_reads_by_polarity(comparison, polarity, reads):
    assert rules.reading(comparison, polarity) == reads


def test_the_comparison_at_the_indicators_level():
    assert rules.comparison_at("95", "Higher", "Similar") == "Higher"
    assert rules.comparison_at("99.8", "Higher", "Similar") == "Similar"


@given(st.lists(FINITE, min_size=1, max_size=60), st.floats(min_value=0, max_value=100))
def test_percentile_is_numpys_linear_percentile(values, p):
    ordered = sorted(values)
    expected = float(np.percentile(np.array(ordered), p, method="linear"))
    assert math.isclose(rules.percentile(ordered, p), expected, rel_tol=1e-9, abs_tol=1e-6)


def test_percentile_of_nothing_is_refused():
    with pytest.raises(rules.OutcomeRuleError):
        rules.percentile([], 50)


def test_the_spread_of_a_worked_example():
    # 1..5: quartiles 2 and 4 (linear interpolation between closest ranks).
    values = [3.0, None, 1.0, 5.0, 2.0, 4.0, float("nan")]
    high = rules.spread(values, "high_is_good")
    assert (high.areas, high.worst, high.q25, high.q75, high.best) == (5, 1.0, 2.0, 4.0, 5.0)
    low = rules.spread(values, "low_is_good")
    assert (low.areas, low.worst, low.q25, low.q75, low.best) == (5, 5.0, 4.0, 2.0, 1.0)
    neither = rules.spread(values, "neither")
    assert (neither.worst, neither.best) == (1.0, 5.0)
    assert (low.lowest, low.highest) == (high.lowest, high.highest) == (1.0, 5.0)


@given(
    st.lists(st.one_of(FINITE, st.none()), min_size=1, max_size=60).filter(
        lambda vs: any(v is not None for v in vs)
    ),
    st.sampled_from(rules.POLARITIES),
)
def test_the_spread_is_oriented_by_polarity(values, polarity):
    present = np.array([v for v in values if v is not None])
    p25 = float(np.percentile(present, 25, method="linear"))
    p75 = float(np.percentile(present, 75, method="linear"))
    s = rules.spread(values, polarity)
    assert s.areas == len(present)
    assert (s.lowest, s.highest) == (present.min(), present.max())
    if polarity == "low_is_good":
        worst, q25, q75, best = present.max(), p75, p25, present.min()
    else:
        worst, q25, q75, best = present.min(), p25, p75, present.max()
    assert s.worst == worst and s.best == best
    assert math.isclose(s.q25, q25, rel_tol=1e-9, abs_tol=1e-6)
    assert math.isclose(s.q75, q75, rel_tol=1e-9, abs_tol=1e-6)


def test_a_spread_without_values_is_refused():
    with pytest.raises(rules.OutcomeRuleError):
        rules.spread([None, float("nan")], "neither")


@pytest.mark.parametrize(
    ("count", "threshold", "withheld"),
    [
        (4, 5, True),
        (4.0, 5, True),
        (0, 5, True),
        (5, 5, False),
        (5.0, 5, False),
        (6, 5, False),
        (None, 5, False),
        (9, 10, True),
        (10, 10, False),
    ],
)
def test_suppression_at_the_threshold(count, threshold, withheld):
    assert rules.suppressed(count, threshold) is withheld


def test_suppression_uses_five_by_default_and_says_so():
    assert rules.suppressed(4) and not rules.suppressed(5)
    assert "5" in rules.suppression_note(5) and "10" in rules.suppression_note(10)


@pytest.mark.parametrize(
    ("period", "key"),
    [
        # As the function documents them: the first year, then the quarter or the month.
        ("2020/21", "20200000"),
        ("2019", "20190000"),
        ("2017 Q3", "20170300"),
        ("Mar 2017", "20170300"),
        ("2019/20 Q1", "20190100"),
        ("Dec 2018", "20181200"),
        ("2016 - 18", "20160000"),
        (" 2019 ", "20190000"),
        ("no year", ""),
    ],
)
def test_period_sortable(period, key):
    assert rules.period_sortable(period) == key


@pytest.mark.parametrize(
    "in_order",
    [
        ["2016/17", "2017/18", "2018/19", "2019/20", "2020/21"],
        ["2009", "2010", "2019", "2020"],
        ["2016 Q4", "2017 Q1", "2017 Q2", "2017 Q3", "2017 Q4", "2018 Q1"],
        ["Nov 2016", "Dec 2016", "Jan 2017", "Feb 2017", "Oct 2017", "Mar 2018"],
    ],
)
def test_periods_of_one_frequency_sort_in_time_order(in_order):
    shuffled = list(reversed(in_order))
    assert sorted(shuffled, key=rules.period_sortable) == in_order
    keys = [rules.period_sortable(p) for p in in_order]
    assert len(set(keys)) == len(keys) and all(k.isdigit() and len(k) == 8 for k in keys)


def test_summable_methods():
    assert rules.summable("proportion") and rules.summable("crude_rate")
    assert not any(rules.summable(m) for m in ("dsr", "ratio", "mean"))
