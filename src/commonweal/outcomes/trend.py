"""The "Recent trend" marker, computed as Fingertips computes it.

Source: OHID, "Fingertips trend markers", Fingertips Public Health Technical Guidance,
https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html
as implemented by Fingertips itself (PholioVisualisation `TrendMarkerCalculator` and
`TrendRequest`, github.com/ukhsa-collaboration/fingertips-open) and by PHEindicatormethods
`assign_trend_markers` (github.com/dhsc-govuk/PHEindicatormethods, R/TrendMarkers.R, R/utils.R).

The test uses the five most recent points, which must be unbroken (no missing point among
them). A trend is significant when the chi-squared statistic (1 degree of freedom) exceeds
9.5495, the 99.8% critical value (p < 0.002). A significant trend is then checked for an
outlier: the slope is recomputed leaving out each point in turn, and if any of those slopes
has the other sign (or none), the marker is "No significant change".

* Proportions: the chi-squared test for trend in proportions (Cochran–Armitage, as in
  Altman's Practical Statistics for Medical Research and R's `prop.trend.test`), with time
  scores 1..5; the direction is the least-squares slope of the log-odds log(p / (1 - p)) on
  time.
* Every other indicator type, crude rates among them: weighted least-squares regression of
  the value on time, each point weighted by 1 / SE², with the SE taken from the 95%
  confidence interval as (upper - lower) / (2 × 1.96), with 1.96 rounded as Fingertips has
  it (PHEindicatormethods uses the unrounded 1.959964; the statistics differ by 0.004%); the
  statistic is slope² / var(slope).
  Here only counts and denominators are given, so for crude rates the 95% limits are the
  ones PHE publishes for crude rates (Byar's method for counts of 10 or more, exact Poisson
  below; see `commonweal.stats`), with the denominators as person-years. Directly
  standardised rates, ratios and means need their own confidence intervals, which this
  function does not take, so they are "Cannot be calculated" here.

The caller is responsible for the guidance's other conditions: time periods must be years,
not overlapping or rolling, and the series unbroken.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

from commonweal.stats._intervals import poisson_limits

Array = NDArray[np.float64]

POINTS = 5
SIGNIFICANCE = 0.002  # two-sided 99.8%
CRITICAL_VALUE = float(stats.chi2.isf(SIGNIFICANCE, 1))  # 9.54953570608324, as Fingertips

METHODS = ("proportion", "crude_rate", "dsr", "ratio", "mean")
TESTED_METHODS = ("proportion", "crude_rate")
POLARITIES = ("high_is_good", "low_is_good", "neither")

# Half the width of a 95% interval in standard errors, rounded as Fingertips rounds it.
Z95 = 1.96

CANNOT = "Cannot be calculated"
NO_CHANGE = "No significant change"

_METHOD_NAMES = {
    "dsr": "directly standardised rate",
    "ratio": "ratio",
    "mean": "mean",
}


@dataclass(frozen=True)
class Trend:
    """A recent trend marker and the test behind it."""

    label: str  # the Fingertips words, e.g. "Increasing and getting better"
    statistic: float | None  # the chi-squared statistic, 1 degree of freedom
    p_value: float | None
    points: int  # how many points the test used: five, or none when it could not run
    # Why it cannot be calculated, or why a significant statistic is not a trend (an
    # outlier); empty otherwise.
    reason: str = ""


def _cannot(reason: str) -> Trend:
    return Trend(label=CANNOT, statistic=None, p_value=None, points=0, reason=reason)


def _label(slope_sign: int, polarity: str) -> str:
    direction = "Increasing" if slope_sign > 0 else "Decreasing"
    if polarity == "neither":
        return direction
    better = (slope_sign > 0) == (polarity == "high_is_good")
    return f"{direction} and getting {'better' if better else 'worse'}"


def _scores(count: int, scores: ArrayLike | None) -> Array:
    if scores is None:
        return np.arange(1, count + 1, dtype=float)
    return np.asarray(scores, dtype=float)


def proportion_trend_statistic(
    counts: ArrayLike, denominators: ArrayLike, scores: ArrayLike | None = None
) -> float:
    """The chi-squared test for trend in proportions (Cochran–Armitage), 1 degree of freedom.

    χ² = N (N Σ cᵢtᵢ − C Σ nᵢtᵢ)² / (C (N − C) (N Σ nᵢtᵢ² − (Σ nᵢtᵢ)²)), where cᵢ of nᵢ have
    the outcome at score tᵢ, C = Σ cᵢ and N = Σ nᵢ; this is R's `prop.trend.test`.
    """
    c = np.asarray(counts, dtype=float)
    n = np.asarray(denominators, dtype=float)
    t = _scores(len(c), scores)
    big_n, big_c = n.sum(), c.sum()
    nt = (n * t).sum()
    numerator = big_n * (big_n * (c * t).sum() - big_c * nt) ** 2
    denominator = big_c * (big_n - big_c) * (big_n * (n * t * t).sum() - nt**2)
    return float(numerator / denominator)


def weighted_trend(
    values: ArrayLike,
    lower95: ArrayLike,
    upper95: ArrayLike,
    scores: ArrayLike | None = None,
) -> tuple[float, float]:
    """Slope and chi-squared statistic of the weighted regression of values on time.

    Weights are 1 / SE², the SE being the width of the 95% interval over 2 × 1.96. This is
    the Fingertips test for every indicator type other than proportions.
    """
    y = np.asarray(values, dtype=float)
    se = (np.asarray(upper95, dtype=float) - np.asarray(lower95, dtype=float)) / (2 * Z95)
    w = 1 / se**2
    t = _scores(len(y), scores)
    slopes, variance = _weighted_slopes(y, t, w[np.newaxis, :])
    return float(slopes[0]), float(slopes[0] ** 2 / variance[0])


def _weighted_slopes(y: Array, t: Array, w: Array) -> tuple[Array, Array]:
    """Weighted least-squares slopes of y on t, one per row of weights w (rows × points).

    Returns the slopes and their variances Σw / (Σw Σwt² − (Σwt)²), which hold when the
    weights are 1 / variance.
    """
    s = w.sum(axis=1)
    st = w @ t
    sy = w @ y
    sty = w @ (t * y)
    stt = w @ (t * t)
    determinant = s * stt - st**2
    return (s * sty - st * sy) / determinant, s / determinant


def _leave_one_out(count: int) -> Array:
    """Rows of 0/1 weights: all points, then each point left out in turn."""
    return np.vstack([np.ones(count), 1 - np.eye(count)])


def _signs(slopes: Array, scale: float) -> NDArray[np.int_]:
    # A slope within rounding of zero has no direction, so that reversing time (which
    # re-orders the sums) cannot make a tiny slope change sign.
    tolerance = 1e-12 * scale
    return np.where(slopes > tolerance, 1, np.where(slopes < -tolerance, -1, 0))


def _as_floats(raw: Sequence[float | None]) -> list[float] | None:
    """The values as floats, or None when one is missing (None or NaN)."""
    out = []
    for item in raw:
        if item is None:
            return None
        number = float(item)
        if np.isnan(number):
            return None
        out.append(number)
    return out


def recent_trend(
    counts: Sequence[float | None],
    denominators: Sequence[float | None],
    *,
    method: str,
    polarity: str,
) -> Trend:
    """The Fingertips "Recent trend" of the last five points (given oldest first).

    `method` is the indicator's value type: "proportion" or "crude_rate" are tested; "dsr",
    "ratio" and "mean" cannot be calculated from counts alone. `polarity` is "high_is_good",
    "low_is_good" or "neither" (plain "Increasing" or "Decreasing"). Problems with the data
    give "Cannot be calculated" with a reason; a wrong `method`, `polarity` or mismatched
    lengths raise ValueError.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if polarity not in POLARITIES:
        raise ValueError(f"polarity must be one of {', '.join(POLARITIES)}, not {polarity!r}")
    if len(counts) != len(denominators):
        raise ValueError(
            f"{len(counts)} counts but {len(denominators)} denominators; they must pair up"
        )
    if method not in TESTED_METHODS:
        return _cannot(
            f"the trend test for a {_METHOD_NAMES[method]} needs its confidence intervals, "
            "and only counts and denominators are given"
        )
    if len(counts) < POINTS:
        return _cannot("fewer than five points")
    c = _as_floats(counts[-POINTS:])
    if c is None:
        return _cannot("a count is missing")
    n = _as_floats(denominators[-POINTS:])
    if n is None:
        return _cannot("a denominator is missing")
    problem = _data_problem(c, n, method)
    if problem:
        return _cannot(problem)
    if method == "proportion":
        return _proportion_trend(np.array(c), np.array(n), polarity)
    return _crude_rate_trend(np.array(c), np.array(n), polarity)


def _data_problem(c: list[float], n: list[float], method: str) -> str:
    if not all(np.isfinite(c)) or min(c) < 0:
        return "a count is negative or infinite"
    if not all(np.isfinite(n)) or min(n) <= 0:
        return "a denominator is not a positive number"
    if method == "proportion":
        if any(ci > ni for ci, ni in zip(c, n, strict=True)):
            return "a count is larger than its denominator"
        if any(ci == 0 or ci == ni for ci, ni in zip(c, n, strict=True)):
            # The direction is the slope of log(p / (1 - p)), which has no value at 0 or 1.
            return "a proportion is 0 or 100%, so the slope of its log-odds is undefined"
    return ""


def _proportion_trend(c: Array, n: Array, polarity: str) -> Trend:
    t = np.arange(1.0, POINTS + 1)
    statistic = proportion_trend_statistic(c, n, t)
    logit = np.log(c / (n - c))
    # The direction is an unweighted least-squares slope, so unit weights.
    slopes, _ = _weighted_slopes(logit, t, _leave_one_out(POINTS))
    return _decide(statistic, _signs(slopes, float(np.abs(logit).max())), polarity)


def _crude_rate_trend(c: Array, n: Array, polarity: str) -> Trend:
    t = np.arange(1.0, POINTS + 1)
    lower, upper, _ = poisson_limits(c, 0.95)
    rate = c / n
    se = (upper - lower) / n / (2 * Z95)
    weights = _leave_one_out(POINTS) / se**2
    slopes, variance = _weighted_slopes(rate, t, weights)
    statistic = float(slopes[0] ** 2 / variance[0])
    return _decide(statistic, _signs(slopes, float(rate.max())), polarity)


def _decide(statistic: float, signs: NDArray[np.int_], polarity: str) -> Trend:
    """The marker from the statistic and the slope signs (all points, then leaving each out)."""
    p_value = float(stats.chi2.sf(statistic, 1))
    if not statistic > CRITICAL_VALUE:
        return Trend(NO_CHANGE, statistic, p_value, POINTS)
    if signs[0] == 0 or not (signs == signs[0]).all():
        return Trend(
            NO_CHANGE,
            statistic,
            p_value,
            POINTS,
            reason="an outlier: leaving out one point changes the direction of the slope",
        )
    return Trend(_label(int(signs[0]), polarity), statistic, p_value, POINTS)
