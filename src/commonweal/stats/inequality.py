"""Deprivation quantiles, the slope index of inequality, and comparison with a benchmark."""

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from commonweal.stats._frames import StatsInputError, as_list, check_numeric, output_like, relation


def quantiles(
    data: Any,
    values: str,
    group_by: str | Sequence[str] | None = None,
    nquantiles: int = 10,
    invert: bool = True,
) -> Any:
    """Assign each row a quantile of `values` within its group, as PHEindicatormethods does.

    With `invert` (the default, as for deprivation scores) quantile 1 holds the highest
    values: the most deprived decile is 1. Ties share a quantile.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"score": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]})
    >>> list(quantiles(df, "score", nquantiles=5)["quantile"])
    [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    """
    if nquantiles < 2:
        raise StatsInputError("nquantiles must be at least 2")
    rel = relation(data)
    check_numeric(rel, [values])
    frame = rel.df() if not isinstance(data, pd.DataFrame) else data.copy()
    groups = as_list(group_by)

    def assign(v: pd.Series) -> pd.Series:
        num = v.notna().sum()
        if invert:
            rank = v.rank(method="min")
            adj = rank.max() - rank + 1
        else:
            adj = v.rank(method="max")
        return pd.Series(
            np.floor((nquantiles + 1) - np.ceil(((num - adj) + 1) / (num / nquantiles))).astype(
                int
            ),
            index=v.index,
        )

    if groups:
        frame["quantile"] = frame.groupby(groups, group_keys=False)[values].transform(assign)
    else:
        frame["quantile"] = assign(frame[values])
    frame["nquantiles"] = nquantiles
    return output_like(frame, data)


def sii(
    data: Any,
    quantile: str,
    value: str,
    population: str,
    group_by: str | Sequence[str] | None = None,
    most_deprived_first: bool = True,
) -> Any:
    """Slope index of inequality (point estimate) by weighted least squares.

    Each quantile sits at the midpoint of its cumulative share of the population, ranked from
    most deprived (0) to least deprived (1); the SII is the fitted value at 1 minus that at 0,
    so it is positive when values rise as deprivation falls. The relative index (RII) divides
    it by the population-weighted mean.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"q": [1, 2, 3, 4], "v": [10.0, 20.0, 30.0, 40.0], "pop": [100] * 4})
    >>> sii(df, "q", "v", "pop")[["sii", "rii"]].round(3).iloc[0].to_dict()
    {'sii': 40.0, 'rii': 1.6}
    """
    rel = relation(data)
    check_numeric(rel, [quantile, value, population], non_negative=[population])
    frame = rel.df() if not isinstance(data, pd.DataFrame) else data.copy()
    groups = as_list(group_by)
    rows = []
    for key, part in frame.groupby(groups) if groups else [((), frame)]:
        part = part.sort_values(quantile, ascending=most_deprived_first)
        w = part[population].to_numpy(float)
        y = part[value].to_numpy(float)
        if len(part) < 2 or w.sum() == 0:
            raise StatsInputError(
                f"the SII needs at least 2 quantiles with population{' in ' + str(key) if groups else ''}"
            )
        share = w / w.sum()
        x = np.cumsum(share) - share / 2
        xm, ym = np.average(x, weights=w), np.average(y, weights=w)
        slope = np.sum(w * (x - xm) * (y - ym)) / np.sum(w * (x - xm) ** 2)
        row = dict(zip(groups, key if isinstance(key, tuple) else (key,), strict=False))
        rows.append({**row, "sii": slope, "rii": slope / ym, "quantiles": len(part)})
    return output_like(pd.DataFrame(rows), data)


Polarity = Literal["high_is_good", "low_is_good"] | None


def compare_to_benchmark(
    data: Any,
    benchmark: float | str,
    polarity: Polarity = None,
    confidence: Sequence[float] = (0.95, 0.998),
    benchmark_lower: str | None = None,
    benchmark_upper: str | None = None,
) -> Any:
    """Compare each value's confidence interval with a benchmark, at each confidence level.

    The benchmark is a number or a column. A value whose interval lies wholly above the
    benchmark is higher, wholly below lower, otherwise similar; where the benchmark has its
    own interval (`benchmark_lower`, `benchmark_upper`), overlapping intervals are similar.
    With a polarity, higher and lower read as better or worse.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"lower95_0cl": [0.6, 0.2], "upper95_0cl": [0.7, 0.5], "lower99_8cl": [0.55, 0.1], "upper99_8cl": [0.75, 0.6]})
    >>> compare_to_benchmark(df, 0.55, "high_is_good")[["comparison95_0", "comparison99_8"]].values.tolist()
    [['Better', 'Similar'], ['Worse', 'Similar']]
    """
    rel = relation(data)
    frame = rel.df() if not isinstance(data, pd.DataFrame) else data.copy()
    words = {
        None: ("Higher", "Similar", "Lower"),
        "high_is_good": ("Better", "Similar", "Worse"),
        "low_is_good": ("Worse", "Similar", "Better"),
    }
    if polarity not in words:
        raise StatsInputError(
            f"polarity must be high_is_good, low_is_good or None, not {polarity!r}"
        )
    high, same, low = words[polarity]
    if isinstance(benchmark, str):
        check_numeric(rel, [benchmark])
        point = frame[benchmark].to_numpy(float)
    else:
        point = np.full(len(frame), float(benchmark))
    b_low = frame[benchmark_lower].to_numpy(float) if benchmark_lower else point
    b_high = frame[benchmark_upper].to_numpy(float) if benchmark_upper else point
    for level in confidence:
        suffix = f"{level * 100:.1f}".replace(".", "_")
        lower, upper = f"lower{suffix}cl", f"upper{suffix}cl"
        if lower not in frame or upper not in frame:
            raise StatsInputError(f"no columns {lower} and {upper} for the {level:.1%} comparison")
        lo, hi = frame[lower].to_numpy(float), frame[upper].to_numpy(float)
        result = np.where(lo > b_high, high, np.where(hi < b_low, low, same))
        frame[f"comparison{suffix}"] = np.where(np.isnan(lo) | np.isnan(hi), "Not compared", result)
    return output_like(frame, data)
