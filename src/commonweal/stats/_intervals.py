"""Confidence interval formulae, vectorised with NumPy. Inputs are arrays of totals."""

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

Array = NDArray[np.float64]


def z_value(confidence: float) -> float:
    """Two-sided normal quantile: 1.959964 for 95%, 3.090232 for 99.8%."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson(x: ArrayLike, n: ArrayLike, confidence: float) -> tuple[Array, Array]:
    """Wilson score interval for a proportion x / n (as a fraction of 1)."""
    x, n = np.asarray(x, dtype=float), np.asarray(n, dtype=float)
    z = z_value(confidence)
    p = x / n
    centre = 2 * x + z**2
    spread = z * np.sqrt(z**2 + 4 * x * (1 - p))
    denominator = 2 * (n + z**2)
    return (centre - spread) / denominator, (centre + spread) / denominator


def byars_lower(x: ArrayLike, confidence: float) -> Array:
    """Byar's approximation to the lower exact Poisson limit of a count."""
    x = np.asarray(x, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = 1 - 1 / (9 * x) - z / (3 * np.sqrt(x))
        # Below about 1 event at 99.8% the approximation breaks down; PHEindicatormethods
        # gives no limit there (rates use exact limits below 10 anyway).
        out = np.where(base < 0, np.nan, x * base**3)
    return np.where(x == 0, 0.0, out)


def byars_upper(x: ArrayLike, confidence: float) -> Array:
    x = np.asarray(x, dtype=float) + 1
    z = z_value(confidence)
    return x * (1 - 1 / (9 * x) + z / (3 * np.sqrt(x))) ** 3


def exact_lower(x: ArrayLike, confidence: float) -> Array:
    """Exact Poisson limits from the chi-squared distribution (for counts below 10)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        out = special.gammaincinv(x, (1 - confidence) / 2)  # = qchisq(a, 2x) / 2
    return np.where(x == 0, 0.0, out)


def exact_upper(x: ArrayLike, confidence: float) -> Array:
    x = np.asarray(x, dtype=float)
    return special.gammaincinv(x + 1, 1 - (1 - confidence) / 2)


def poisson_limits(x: ArrayLike, confidence: float) -> tuple[Array, Array, NDArray[np.str_]]:
    """Byar's for counts of 10 or more, exact below: PHEindicatormethods' rule for rates."""
    x = np.asarray(x, dtype=float)
    small = x < 10
    lower = np.where(
        small,
        exact_lower(np.where(small, x, 1), confidence),
        byars_lower(np.where(small, 10, x), confidence),
    )
    upper = np.where(
        small,
        exact_upper(np.where(small, x, 1), confidence),
        byars_upper(np.where(small, 10, x), confidence),
    )
    return lower, upper, np.where(small, "Exact", "Byars")


def student_t(
    mean: ArrayLike, sd: ArrayLike, count: ArrayLike, confidence: float
) -> tuple[Array, Array]:
    mean, sd, count = (np.asarray(v, dtype=float) for v in (mean, sd, count))
    t = stats.t.ppf(0.5 + confidence / 2, count - 1)
    half = t * sd / np.sqrt(count)
    return mean - half, mean + half
