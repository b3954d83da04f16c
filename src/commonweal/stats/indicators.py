"""Indicator statistics with confidence intervals, as PHEindicatormethods computes them.

Every function takes a pandas, Polars or Arrow frame or a DuckDB relation, names the columns
to use, and optionally the columns to group by. Totals are summed in DuckDB; the intervals are
then computed for every group at once. Output columns keep PHEindicatormethods' names.
"""

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from commonweal.stats import _intervals as ci
from commonweal.stats._frames import (
    StatsInputError,
    aggregate,
    as_list,
    as_numbers,
    check_columns,
    check_numeric,
    grouping,
    numeric_tests,
    output_like,
    q,
    raise_problems,
    relation,
    replace,
    run,
)

Confidence = float | Sequence[float]
Type = Literal["full", "standard"]
# Missing numerators or denominators are refused by default, naming the rows; "propagate"
# gives those groups a missing result instead, as PHEindicatormethods does.
Missing = Literal["refuse", "propagate"]
# Columns to group by; a list of lists asks for roll-ups (grouping sets).
GroupBy = str | Sequence[str] | Sequence[Sequence[str]] | None

# European Standard Population 2013: 19 five-year bands from 0-4 to 90+.
ESP2013 = (
    5000,
    5500,
    5500,
    5500,
    6000,
    6000,
    6500,
    7000,
    7000,
    7000,
    7000,
    6500,
    6000,
    5500,
    5000,
    4000,
    2500,
    1500,
    1000,
)


def _allowed(missing: Missing, *columns: str) -> list[str]:
    if missing not in ("refuse", "propagate"):
        raise StatsInputError(f"missing must be 'refuse' or 'propagate', not {missing!r}")
    return list(columns) if missing == "propagate" else []


def _sums(*columns: str) -> dict[str, str]:
    """Sum each column; a group with any missing value gets a missing total."""
    return {c: f"CASE WHEN count(*) = count({q(c)}) THEN sum({q(c)}) END" for c in columns}


def _levels(confidence: Confidence) -> list[float]:
    levels = [confidence] if isinstance(confidence, int | float) else list(confidence)
    for c in levels:
        if not 0.9 <= c < 1:
            raise StatsInputError(
                f"confidence {c} must be between 0.9 and 1 (for example 0.95 or 0.998)"
            )
    return levels


def _suffix(level: float) -> str:
    return f"{level * 100:.1f}".replace(".", "_")


def _add_limits(
    out: pd.DataFrame, levels: list[float], limits: dict[float, tuple[Any, Any]]
) -> None:
    if len(levels) == 1:
        lower, upper = limits[levels[0]]
        out["lowercl"], out["uppercl"] = lower, upper
    else:
        for c in levels:
            lower, upper = limits[c]
            out[f"lower{_suffix(c)}cl"], out[f"upper{_suffix(c)}cl"] = lower, upper


def _poisson_limits(out: pd.DataFrame, levels: list[float], counts: Any, scale: Any) -> Any:
    """Poisson limits on the counts (Byar's from 10, exact below), scaled into the statistic's
    units; returns each row's method."""
    limits, method = {}, None
    for c in levels:
        lower, upper, method = ci.poisson_limits(counts, c)
        limits[c] = (lower * scale, upper * scale)
    _add_limits(out, levels, limits)
    return method


def _finish(
    out: pd.DataFrame, levels: list[float], type: Type, statistic: Any, method: Any, data: Any
) -> Any:
    if len(levels) == 1:
        out["confidence"] = f"{levels[0] * 100:g}%"
    if type == "full":
        out["statistic"] = statistic
        out["method"] = method
    elif type != "standard":
        raise StatsInputError(f"type must be 'full' or 'standard', not {type!r}")
    return output_like(out.reset_index(drop=True), data)


def _totals(
    data: Any,
    x: str,
    n: str,
    group_by: GroupBy,
    missing: Missing,
    no_more_than_denominator: bool = False,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Check a numerator and denominator and sum them by group, in one pass over the data."""
    rel = relation(data)
    tests = numeric_tests(
        rel, [x, n], non_negative=[x], positive=[n], allow_missing=_allowed(missing, x, n)
    )
    if no_more_than_denominator:
        over = f"TRY_CAST({q(x)} AS DOUBLE) > TRY_CAST({q(n)} AS DOUBLE)"
        tests.append((over, f"column '{x}' is greater than column '{n}'"))
    rel, tests = as_numbers(rel, [x, n], tests)
    groups, sets = grouping(group_by)
    out = aggregate(rel, groups, _sums(x, n), tests, sets)
    return out, out[x].to_numpy(float), out[n].to_numpy(float)


def proportion(
    data: Any,
    x: str,
    n: str,
    group_by: GroupBy = None,
    confidence: Confidence = (0.95, 0.998),
    multiplier: float = 1,
    type: Type = "full",
    missing: Missing = "refuse",
) -> Any:
    """Proportions x / n with Wilson score intervals, by group.

    `group_by` may be a list of lists for roll-ups: [["practice"], ["pcn"], []] gives every
    practice, every PCN and the total, in one pass, with a `grouping_set` column.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"area": ["A", "B"], "register": [65, 20], "list": [100, 100]})
    >>> proportion(df, "register", "list", "area", confidence=0.95)[["area", "value", "lowercl", "uppercl"]].round(4)
      area  value  lowercl  uppercl
    0    A   0.65   0.5525   0.7364
    1    B   0.20   0.1334   0.2888
    """
    levels = _levels(confidence)
    out, xs, ns = _totals(data, x, n, group_by, missing, no_more_than_denominator=True)
    out["value"] = xs / ns * multiplier
    wilson = {c: ci.wilson(xs, ns, c) for c in levels}
    _add_limits(
        out, levels, {c: (lo * multiplier, hi * multiplier) for c, (lo, hi) in wilson.items()}
    )
    statistic = "percentage" if multiplier == 100 else f"proportion of {multiplier:g}"
    return _finish(out, levels, type, statistic, "Wilson", data)


def rate(
    data: Any,
    x: str,
    n: str,
    group_by: GroupBy = None,
    confidence: Confidence = (0.95, 0.998),
    multiplier: float = 100_000,
    type: Type = "full",
    missing: Missing = "refuse",
) -> Any:
    """Crude rates x / n × multiplier; Byar's limits for counts of 10 or more, exact Poisson below.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"area": ["A", "B"], "deaths": [5, 65], "people": [100, 100]})
    >>> rate(df, "deaths", "people", "area", confidence=0.95, multiplier=100)[["area", "value", "lowercl", "uppercl", "method"]].round(3)
      area  value  lowercl  uppercl method
    0    A    5.0    1.623   11.668  Exact
    1    B   65.0   50.163   82.849  Byars
    """
    levels = _levels(confidence)
    out, xs, ns = _totals(data, x, n, group_by, missing)
    out["value"] = xs / ns * multiplier
    method = _poisson_limits(out, levels, xs, multiplier / ns)
    method = np.where(np.isnan(xs), None, method)  # type: ignore[call-overload]
    return _finish(out, levels, type, f"rate per {multiplier:g}", method, data)


def mean(
    data: Any,
    x: str,
    group_by: str | Sequence[str] | None = None,
    confidence: Confidence = (0.95, 0.998),
    type: Type = "full",
) -> Any:
    """Means with Student's t intervals.

    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": ["a"] * 4, "v": [1.0, 2.0, 3.0, 4.0]})
    >>> mean(df, "v", "g", confidence=0.95)[["value", "lowercl", "uppercl"]].round(4)
       value  lowercl  uppercl
    0    2.5   0.4457   4.5543
    """
    levels = _levels(confidence)
    rel = relation(data)
    check_numeric(rel, [x])
    rel, _ = as_numbers(rel, [x], [])
    out = aggregate(
        rel,
        as_list(group_by),
        {"value_sum": f"sum({q(x)})", "value_count": "count(*)", "stdev": f"stddev_samp({q(x)})"},
    )
    few = out["value_count"] < 2
    if few.any():
        raise StatsInputError(
            f"a mean's interval needs at least 2 values; {int(few.sum())} group(s) have fewer"
        )
    out["value"] = out["value_sum"] / out["value_count"]
    _add_limits(
        out,
        levels,
        {c: ci.student_t(out["value"], out["stdev"], out["value_count"], c) for c in levels},
    )
    return _finish(out, levels, type, "mean", "Student's t-distribution", data)


def _double(value: float) -> str:
    # A literal such as 5000.0 is a DECIMAL in SQL; Spark would divide in decimals.
    return f"CAST({float(value)!r} AS DOUBLE)"


def _standard_population(
    rel: Any, groups: list[str], stdpop: str | Sequence[float] | None
) -> tuple[Any, str]:
    """Attach the standard population to each row: a column (checked by the caller), or a
    vector by position within each group."""
    if isinstance(stdpop, str):
        return rel, q(stdpop)
    vector = list(ESP2013 if stdpop is None else stdpop)
    if any(not isinstance(v, int | float) or v < 0 for v in vector):
        raise StatsInputError("the standard population must be numbers of 0 or more")
    partition = f"PARTITION BY {', '.join(q(g) for g in groups)}" if groups else ""
    numbered = run(
        rel,
        f"SELECT *, row_number() OVER ({partition} ORDER BY __order) AS __band FROM (SELECT *, row_number() OVER () AS __order FROM t) AS ordered",
    )
    sizes = run(
        numbered,
        f"SELECT {', '.join([*(q(g) for g in groups), 'count(*) AS rows'])} FROM t {'GROUP BY ' + ', '.join(q(g) for g in groups) if groups else ''}",
    ).fetchall()
    wrong = [r for r in sizes if r[-1] != len(vector)]
    if wrong:
        where = ", ".join(
            f"{'/'.join(map(str, r[:-1])) or 'all rows'} has {r[-1]}" for r in wrong[:5]
        )
        raise StatsInputError(
            f"each group needs exactly {len(vector)} rows, one for each band of the standard population, in order; {where}"
        )
    weights = (
        "CASE __band "
        + " ".join(f"WHEN {i + 1} THEN {_double(w)}" for i, w in enumerate(vector))
        + " END"
    )
    return numbered, weights


def dsr(
    data: Any,
    x: str,
    n: str,
    group_by: str | Sequence[str] | None = None,
    stdpop: str | Sequence[float] | None = None,
    confidence: Confidence = (0.95, 0.998),
    multiplier: float = 100_000,
    type: Type = "full",
    eventfreq: str | None = None,
    ageband: str | None = None,
) -> Any:
    """Directly standardised rates by the Dobson method.

    `stdpop` is a column of the data, or a vector applied by position within each group, or
    None for the European Standard Population 2013 (19 bands, 0-4 to 90+). The value is
    suppressed (NA) below a total count of 10.

    Where people can have more than one event (non-independent events), give the data one row
    per group, age band and event frequency: `eventfreq` says how many events each person in
    the row had, `x` is the events (people times frequency), `ageband` names the band. The
    variance then counts each person's events together, which widens the interval.

    Without `eventfreq`, `ageband` says the rows are parts of bands (record-level data: one row
    per small area and band, say): counts and populations are summed into each group's bands
    where the data is, then standardised. With a standard population by position, bands are
    taken in the order they first arrive; a `stdpop` column needs no order (and suits Spark
    and PostgreSQL, whose rows have none).

    >>> import pandas as pd
    >>> df = pd.DataFrame({"band": range(19), "deaths": [10] * 19, "people": [1000] * 19})
    >>> round(float(dsr(df, "deaths", "people", confidence=0.95)["value"].iloc[0]), 6)
    1000.0
    """
    levels = _levels(confidence)
    rel = relation(data)
    groups = as_list(group_by)
    # A band with no count recorded had no events, as PHEindicatormethods reads it. The
    # values are checked in the same pass that sums them.
    tests = numeric_tests(rel, [x, n], non_negative=[x], positive=[n], allow_missing=[x])
    if isinstance(stdpop, str):
        tests += numeric_tests(rel, [stdpop], non_negative=[stdpop])
    rel, tests = as_numbers(rel, [x, n] + ([stdpop] if isinstance(stdpop, str) else []), tests)
    original = rel
    if eventfreq:
        raise_problems(rel, tests)
        tests = []
    if eventfreq:
        if not ageband:
            raise StatsInputError(
                "with eventfreq, name the ageband column too: events are counted per person within a band"
            )
        check_numeric(rel, [eventfreq], positive=[eventfreq])
        check_columns(rel, [ageband])
        keys = ", ".join(q(c) for c in [*groups, ageband])
        std = f", min({q(stdpop)}) AS {q(stdpop)}" if isinstance(stdpop, str) else ""
        banded = run(
            rel,
            f"SELECT {keys}, sum({q(x)}) AS {q(x)}, min({q(n)}) AS {q(n)}, max({q(n)}) AS __nmax, "
            f"sum({q(x)} * {q(eventfreq)}) AS __xf{std} "
            f"FROM (SELECT *, row_number() OVER () AS __o FROM t) AS ordered GROUP BY {keys} "
            "ORDER BY min(__o)",
        )
        uneven = run(banded, f"SELECT count(*) FROM t WHERE {q(n)} <> __nmax").fetchall()[0]
        if uneven and uneven[0]:
            raise StatsInputError(
                f"column '{n}' differs between the rows of one age band in {uneven[0]} band(s)"
            )
        rel, x2 = banded, "__xf"
    elif ageband:
        # Rows that are parts of bands (a small area's band, say): summed into each group's
        # bands in the engine, the values checked in the same pass. Only a standard population
        # given by position needs the bands in the order they first arrive.
        check_columns(rel, [ageband])
        keys = ", ".join(q(c) for c in [*groups, ageband])
        std = f", min({q(stdpop)}) AS {q(stdpop)}" if isinstance(stdpop, str) else ""
        bad = " OR ".join(f"({c})" for c, _ in tests) or "false"
        by_position = not isinstance(stdpop, str)
        source = "(SELECT *, row_number() OVER () AS __o FROM t) AS ordered" if by_position else "t"
        rel = run(
            rel,
            f"SELECT {keys}, sum({q(x)}) AS {q(x)}, sum({q(n)}) AS {q(n)}{std}, "
            f"count(*) FILTER (WHERE {bad}) AS __bad_rows FROM {source} GROUP BY {keys}"
            + (" ORDER BY min(__o)" if by_position else ""),
        )
        x2 = q(x)
    else:
        x2 = q(x)
    rel, w = _standard_population(rel, groups, stdpop)
    # Each row's weight per head of population, worked out once.
    # NULLIF: a zero population is refused by the checks in the same pass; PostgreSQL would
    # stop at the division first.
    rel = run(rel, f"SELECT *, {w} / NULLIF({q(n)}, 0) AS __r, {w} AS __wt FROM t")
    sums = {
        "total_count": f"sum({q(x)})",
        "total_pop": f"sum({q(n)})",
        "__w": "sum(__wt)",
        "__s1": f"sum({q(x)} * __r)",
        "__s2": f"sum({x2} * __r * __r)",
    }
    if ageband and not eventfreq:
        out = aggregate(rel, groups, {**sums, "__bad_rows": "sum(__bad_rows)"})
        if out["__bad_rows"].sum():
            raise_problems(original, tests)
        out = out.drop(columns="__bad_rows")
    else:
        out = aggregate(rel, groups, sums, tests)
    o = out["total_count"].to_numpy(float)
    value = out["__s1"].to_numpy(float) / out["__w"].to_numpy(float)
    var = out["__s2"].to_numpy(float) / out["__w"].to_numpy(float) ** 2
    small = o < 10
    out["value"] = np.where(small, np.nan, value * multiplier)
    limits = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        root = np.sqrt(var / o)
        for c in levels:
            lower = value + root * (ci.byars_lower(o, c) - o)
            upper = value + root * (ci.byars_upper(o, c) - o)
            limits[c] = (
                np.where(small, np.nan, lower * multiplier),
                np.where(small, np.nan, upper * multiplier),
            )
    _add_limits(out, levels, limits)
    out = out.drop(columns=["__w", "__s1", "__s2"])
    statistic = np.where(small, "dsr NA for total count < 10", f"dsr per {multiplier:g}")
    method = (
        "Dobson, with confidence adjusted for non-independent events" if eventfreq else "Dobson"
    )
    return _finish(out, levels, type, statistic, method, data)


def _isr(
    data: Any,
    x: str,
    n: str,
    x_ref: str | Sequence[float],
    n_ref: str | Sequence[float],
    group_by: str | Sequence[str] | None,
    confidence: Confidence,
) -> tuple[pd.DataFrame, list[float], Any]:
    levels = _levels(confidence)
    rel = relation(data)
    groups = as_list(group_by)
    if isinstance(x_ref, str) != isinstance(n_ref, str):
        raise StatsInputError(
            "give the reference counts and populations both as columns or both as vectors"
        )
    # A band with nothing recorded contributes nothing, as PHEindicatormethods reads it.
    zeros = [x, n] + ([x_ref] if isinstance(x_ref, str) else [])
    check_numeric(rel, [x, n], non_negative=[x, n], allow_missing=zeros)
    if isinstance(x_ref, str):
        check_numeric(rel, [x_ref], non_negative=[x_ref], allow_missing=zeros)
    rel, _ = as_numbers(rel, zeros, [])
    rel = replace(rel, {c: f"coalesce({q(c)}, 0)" for c in zeros})
    if isinstance(x_ref, str) and isinstance(n_ref, str):
        check_numeric(rel, [n_ref], positive=[n_ref])
        xr, nr = q(x_ref), q(n_ref)
    else:
        xs, ns = [float(v) for v in x_ref], [float(v) for v in n_ref]
        if len(xs) != len(ns):
            raise StatsInputError(f"{len(xs)} reference counts but {len(ns)} reference populations")
        rel, xr = _standard_population(rel, groups, xs)
        nr = (
            "CASE __band "
            + " ".join(f"WHEN {i + 1} THEN {_double(v)}" for i, v in enumerate(ns))
            + " END"
        )
    out = aggregate(
        rel,
        groups,
        {
            "observed": f"sum({q(x)})",
            "expected": f"sum({q(n)} * {xr} / NULLIF({nr}, 0))",
            "__xr": f"sum({xr})",
            "__nr": f"sum({nr})",
        },
    )
    return out, levels, data


def isr_ratio(
    data: Any,
    x: str,
    n: str,
    x_ref: str | Sequence[float],
    n_ref: str | Sequence[float],
    group_by: str | Sequence[str] | None = None,
    confidence: Confidence = (0.95, 0.998),
    multiplier: float = 1,
    type: Type = "full",
) -> Any:
    """Indirectly standardised ratios: observed / expected, from reference rates by band."""
    out, levels, data = _isr(data, x, n, x_ref, n_ref, group_by, confidence)
    o, e = out["observed"].to_numpy(float), out["expected"].to_numpy(float)
    out["value"] = o / e * multiplier
    method = _poisson_limits(out, levels, o, multiplier / e)
    out = out.drop(columns=["__xr", "__nr"])
    return _finish(
        out, levels, type, f"indirectly standardised ratio x {multiplier:g}", method, data
    )


def isr_rate(
    data: Any,
    x: str,
    n: str,
    x_ref: str | Sequence[float],
    n_ref: str | Sequence[float],
    group_by: str | Sequence[str] | None = None,
    confidence: Confidence = (0.95, 0.998),
    multiplier: float = 100_000,
    type: Type = "full",
) -> Any:
    """Indirectly standardised rates: the ratio times the reference population's crude rate."""
    out, levels, data = _isr(data, x, n, x_ref, n_ref, group_by, confidence)
    o, e = out["observed"].to_numpy(float), out["expected"].to_numpy(float)
    ref_rate = out["__xr"].to_numpy(float) / out["__nr"].to_numpy(float)
    out["ref_rate"] = ref_rate * multiplier
    out["value"] = o / e * ref_rate * multiplier
    method = _poisson_limits(out, levels, o, ref_rate * multiplier / e)
    out = out.drop(columns=["__xr", "__nr"])
    return _finish(
        out, levels, type, f"indirectly standardised rate per {multiplier:g}", method, data
    )


__all__ = ["ESP2013", "check_columns", "dsr", "isr_rate", "isr_ratio", "mean", "proportion", "rate"]
