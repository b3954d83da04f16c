"""Statistical process control by the NHS "Making Data Count" rules (XmR charts).

Limits: the mean ± 2.66 × the mean moving range, two-sigma lines at ± 2/3 of that. Moving
ranges above 3.267 × their mean are screened out before the mean moving range is taken (the
default; `screen_outliers=False` keeps them). Points are classified by these rules, in this
order of priority:

1. a point beyond a process limit;
2. a trend of 7 points each higher (or each lower) than the one before;
3. two of three consecutive points beyond the same two-sigma line;
4. a run of 7 points on one side of the mean (a point on the mean breaks a run).

>>> r = spc([10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 12, 11, 30], improvement="decrease")
>>> r.points["point_type"].iloc[-1], r.variation
('special cause concern', 'special cause concern (high)')
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from commonweal.stats._frames import StatsInputError

Improvement = Literal["increase", "decrease", "neutral"]
LIMIT = 2.66
SCREEN = 3.267
RULES = ("beyond limit", "trend", "two of three beyond two sigma", "run")


@dataclass
class SpcResult:
    points: pd.DataFrame
    variation: str  # the variation icon, from the last point
    assurance: str | None  # the assurance icon, when a target is given
    warnings: list[str] = field(default_factory=list)


def _limits(values: np.ndarray, screen_outliers: bool) -> tuple[float, float]:
    centre = float(values.mean())
    ranges = np.abs(np.diff(values))
    if len(ranges) == 0:
        return centre, 0.0
    mr = float(ranges.mean())
    if screen_outliers and mr > 0:
        kept = ranges[ranges <= SCREEN * mr]
        mr = float(kept.mean()) if len(kept) else mr
    return centre, mr


def _runs(flags: np.ndarray, length: int) -> np.ndarray:
    """Mark every point in a run of at least `length` consecutive True flags."""
    out = np.zeros(len(flags), dtype=bool)
    start = None
    for i, f in enumerate([*flags, False]):
        if f and start is None:
            start = i
        elif not f and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def spc(
    values: Sequence[float],
    *,
    improvement: Improvement = "neutral",
    target: float | None = None,
    baseline: int | None = None,
    rebase: Sequence[int] = (),
    screen_outliers: bool = True,
    labels: Sequence[object] | None = None,
) -> SpcResult:
    """An XmR chart: limits, the special-cause rules, and the variation and assurance icons.

    `baseline` fixes the limits on the first n points of each segment; `rebase` lists the
    positions (0-based) where a new segment, with new limits, starts.
    """
    y = np.asarray(values, dtype=float)
    if y.ndim != 1 or len(y) < 2:
        raise StatsInputError("SPC needs a series of at least 2 values")
    if np.isnan(y).any():
        raise StatsInputError(
            f"values are missing at position(s) {', '.join(map(str, np.flatnonzero(np.isnan(y))[:5]))}"
        )
    if improvement not in ("increase", "decrease", "neutral"):
        raise StatsInputError(
            f"improvement must be increase, decrease or neutral, not {improvement!r}"
        )
    cuts = sorted({0, *rebase})
    if any(c <= 0 or c >= len(y) for c in cuts[1:]):
        raise StatsInputError(f"rebase positions must lie inside the series (1 to {len(y) - 1})")
    mean = np.empty(len(y))
    mr_bar = np.empty(len(y))
    for start, end in zip(cuts, [*cuts[1:], len(y)], strict=True):
        segment = y[start:end]
        fixed = segment[:baseline] if baseline else segment
        centre, mr = _limits(fixed, screen_outliers)
        mean[start:end], mr_bar[start:end] = centre, mr
    upl, lpl = mean + LIMIT * mr_bar, mean - LIMIT * mr_bar
    upper_2s, lower_2s = mean + 2 / 3 * LIMIT * mr_bar, mean - 2 / 3 * LIMIT * mr_bar

    beyond = (y > upl) | (y < lpl)
    rising = np.concatenate([[False], np.diff(y) > 0])
    falling = np.concatenate([[False], np.diff(y) < 0])
    # A trend of 7 points is 6 consecutive rises; mark the first point of the trend too.
    trend = np.zeros(len(y), dtype=bool)
    for moves in (rising, falling):
        marked = _runs(moves, 6)
        trend |= marked | np.concatenate([marked[1:], [False]])
    trend_up = _runs(rising, 6)
    high_2s, low_2s = y > upper_2s, y < lower_2s
    two_of_three = np.zeros(len(y), dtype=bool)
    for side in (high_2s, low_2s):
        for i in range(len(y) - 2):
            window = side[i : i + 3]
            if window.sum() >= 2:
                two_of_three[i : i + 3] |= window
    above, below = y > mean, y < mean
    run = _runs(above, 7) | _runs(below, 7)

    rule = np.select([beyond, trend, two_of_three, run], list(RULES), "")
    # Which side of the process a special cause lies on.
    up_trend = trend_up | np.concatenate([trend_up[1:], [False]])
    high = np.where(rule == "trend", up_trend, y > mean)
    if improvement == "neutral":
        kind = np.where(rule != "", "special cause neutral", "common cause")
    else:
        good = high if improvement == "increase" else ~high
        kind = np.where(
            rule == "",
            "common cause",
            np.where(good, "special cause improvement", "special cause concern"),
        )
    points = pd.DataFrame(
        {
            "x": list(labels) if labels is not None else range(len(y)),
            "y": y,
            "mean": mean,
            "lpl": lpl,
            "upl": upl,
            "lower_two_sigma": lower_2s,
            "upper_two_sigma": upper_2s,
            "moving_range": np.concatenate([[np.nan], np.abs(np.diff(y))]),
            "special_cause_rule": np.where(rule == "", None, rule),  # type: ignore[call-overload]
            "point_type": kind,
            "side": np.where(rule == "", None, np.where(high, "high", "low")),  # type: ignore[call-overload]
        }
    )
    last = points.iloc[-1]
    variation = (
        "common cause"
        if last["point_type"] == "common cause"
        else f"{last['point_type']} ({last['side']})"
    )
    assurance = None
    if target is not None:
        lo, hi = float(lpl[-1]), float(upl[-1])
        if improvement == "neutral":
            assurance = (
                "hit and miss" if lo <= target <= hi else "target outside the process limits"
            )
        elif (improvement == "increase" and target <= lo) or (
            improvement == "decrease" and target >= hi
        ):
            assurance = "consistently passing"
        elif (improvement == "increase" and target > hi) or (
            improvement == "decrease" and target < lo
        ):
            assurance = "consistently failing"
        else:
            assurance = "hit and miss"
    warnings = []
    if len(y) < 12:
        warnings.append(f"only {len(y)} points: at least 12 are needed for reliable limits")
    return SpcResult(points, variation, assurance, warnings)
