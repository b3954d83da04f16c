"""Funnel plot limits and significance, as PHEindicatormethods computes them.

Proportions use the normal approximation around the baseline, p ± z √(p(1 − p)/n), clipped to
0 and 1. Ratios and rates use exact Poisson limits on the observed events. "2s" limits are at
95% (0.025 in each tail), "3s" at 99.8% (0.001 in each tail).
"""

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from commonweal.stats import _intervals as ci
from commonweal.stats._frames import (
    StatsInputError,
    aggregate,
    check_numeric,
    output_like,
    q,
    relation,
)

LEVELS = {"2s": 0.95, "3s": 0.998}
Statistic = Literal["proportion", "ratio", "rate"]


def _baseline(data: Any, numerator: str, denominator: str) -> float:
    rel = relation(data)
    check_numeric(rel, [numerator, denominator], non_negative=[numerator], positive=[denominator])
    totals = aggregate(rel, [], {"x": f"sum({q(numerator)})", "n": f"sum({q(denominator)})"})
    return float(totals["x"].iloc[0] / totals["n"].iloc[0])


def funnel_limits(
    statistic: Statistic,
    points: Sequence[float],
    *,
    baseline: float | None = None,
    data: Any = None,
    numerator: str | None = None,
    denominator: str | None = None,
    multiplier: float = 100,
    years_of_data: float = 1,
) -> pd.DataFrame:
    """Funnel limits at each point: denominators for a proportion, observed events for a
    ratio or a rate. The baseline is given, or computed from `data` as Σ numerator / Σ
    denominator (for a rate, per `multiplier`).

    >>> funnel_limits("proportion", [100], baseline=0.8, multiplier=100).round(4).iloc[0].to_dict()
    {'Population': 100.0, 'lower_2s_limit': 72.1601, 'upper_2s_limit': 87.8399, 'lower_3s_limit': 67.6391, 'upper_3s_limit': 92.3609, 'baseline': 80.0}
    """
    if baseline is None and statistic != "ratio":
        if data is None or numerator is None or denominator is None:
            raise StatsInputError("give a baseline, or data with numerator and denominator columns")
        baseline = _baseline(data, numerator, denominator) * (
            multiplier if statistic == "rate" else 1
        )
    pts = np.asarray(points, dtype=float)
    if (pts <= 0).any() if statistic == "proportion" else (pts < 0).any():
        raise StatsInputError(
            "funnel points must be positive denominators (or non-negative event counts)"
        )
    if statistic == "proportion":
        assert baseline is not None
        if not 0 <= baseline <= 1:
            raise StatsInputError(
                f"a proportion's baseline must be between 0 and 1, not {baseline}"
            )
        out = pd.DataFrame({"Population": pts})
        for tag, level in LEVELS.items():
            z = ci.z_value(level)
            spread = z * np.sqrt(baseline * (1 - baseline) / pts)
            out[f"lower_{tag}_limit"] = np.clip(baseline - spread, 0, 1) * multiplier
            out[f"upper_{tag}_limit"] = np.clip(baseline + spread, 0, 1) * multiplier
        out["baseline"] = baseline * multiplier
        return out
    if statistic == "ratio":
        out = pd.DataFrame({"Observed_events": pts})
        for tag, level in LEVELS.items():
            for side, expected in (
                ("lower", ci.exact_upper(pts, level)),
                ("upper", ci.exact_lower(pts, level)),
            ):
                with np.errstate(divide="ignore"):
                    out[f"{side}_{tag}_exp_events"] = expected
                    out[f"{side}_{tag}_count"] = pts / expected - 1
                    out[f"{side}_{tag}_isr"] = pts / expected * 100
        return out
    if statistic == "rate":
        assert baseline is not None
        rate = baseline / multiplier
        out = pd.DataFrame({"Events": pts})
        for tag, level in LEVELS.items():
            for side, expected in (
                ("lower", ci.exact_upper(pts, level)),
                ("upper", ci.exact_lower(pts, level)),
            ):
                population = expected / rate
                out[f"{side}_{tag}_population_1_year"] = population / years_of_data
                with np.errstate(divide="ignore"):
                    out[f"{side}_{tag}_limit"] = pts / population * multiplier
        out["baseline"] = baseline
        return out
    raise StatsInputError(f"statistic must be proportion, ratio or rate, not {statistic!r}")


def _label(high3: Any, high2: Any, low3: Any, low2: Any) -> np.ndarray:
    return np.select(
        [high3, high2, low3, low2],
        ["High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)"],
        "Not significant",
    )


def funnel_significance(
    data: Any,
    numerator: str,
    denominator: str,
    statistic: Statistic,
    baseline: float | None = None,
    multiplier: float = 1,
) -> Any:
    """Label each row High (0.001), High (0.025), Low (0.025), Low (0.001) or Not significant.

    For a proportion the denominator is the population; for a ratio it is the expected events;
    for a rate the population, against a baseline rate per `multiplier` (the crude rate of all
    rows unless given).
    """
    rel = relation(data)
    check_numeric(rel, [numerator, denominator], non_negative=[numerator], positive=[denominator])
    frame = rel.df() if not isinstance(data, pd.DataFrame) else data.copy()
    x = frame[numerator].to_numpy(float)
    n = frame[denominator].to_numpy(float)
    if statistic == "proportion":
        p0 = baseline if baseline is not None else x.sum() / n.sum()
        p = x / n
        limits = {
            tag: ci.z_value(level) * np.sqrt(p0 * (1 - p0) / n) for tag, level in LEVELS.items()
        }
        labels = _label(
            p > p0 + limits["3s"],
            p > p0 + limits["2s"],
            p < p0 - limits["3s"],
            p < p0 - limits["2s"],
        )
    elif statistic in ("ratio", "rate"):
        expected = (
            n
            if statistic == "ratio"
            else n * (baseline / multiplier if baseline is not None else x.sum() / n.sum())
        )
        bounds = {
            tag: (ci.exact_lower(x, level), ci.exact_upper(x, level))
            for tag, level in LEVELS.items()
        }
        labels = _label(
            bounds["3s"][0] > expected,
            bounds["2s"][0] > expected,
            bounds["3s"][1] < expected,
            bounds["2s"][1] < expected,
        )
    else:
        raise StatsInputError(f"statistic must be proportion, ratio or rate, not {statistic!r}")
    frame["significance"] = labels
    return output_like(frame, data)
