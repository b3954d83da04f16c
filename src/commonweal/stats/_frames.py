"""Data in and out: pandas, Polars or Arrow frames and DuckDB relations.

Aggregation runs in DuckDB over whatever holds the data; only the per-group totals come back,
as a pandas frame, for the interval arithmetic. Bad input is refused with the rows and columns
at fault, before any arithmetic.
"""

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd


class StatsInputError(ValueError):
    """Input the statistics cannot use; the message names the columns and rows at fault."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation(data: Any, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyRelation:
    if isinstance(data, duckdb.DuckDBPyRelation):
        return data
    con = con or duckdb.connect()
    if isinstance(data, pd.DataFrame):
        return con.from_df(data)
    module = type(data).__module__
    if module.startswith("pyarrow"):
        return con.from_arrow(data)
    if module.startswith("polars"):
        return con.from_arrow(data.to_arrow())
    raise StatsInputError(
        f"expected a pandas, Polars or Arrow data frame or a DuckDB relation, not {type(data).__name__}"
    )


def output_like(result: pd.DataFrame, data: Any) -> Any:
    """Hand results back in the kind of frame that came in (pandas for a DuckDB relation)."""
    module = type(data).__module__
    if module.startswith("polars"):
        import polars as pl

        return pl.from_pandas(result)
    if module.startswith("pyarrow"):
        import pyarrow as pa

        return pa.Table.from_pandas(result, preserve_index=False)
    return result


def _rows(rel: duckdb.DuckDBPyRelation, condition: str, limit: int = 5) -> str:
    """The first offending rows, numbered from 1 in the order the data arrived."""
    found = rel.query(
        "t",
        f"SELECT n FROM (SELECT row_number() OVER () AS n, * FROM t) WHERE {condition} ORDER BY n LIMIT {limit + 1}",
    ).fetchall()
    numbers = [str(r[0]) for r in found[:limit]]
    return ", ".join(numbers) + (", ..." if len(found) > limit else "")


def check_columns(rel: duckdb.DuckDBPyRelation, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in rel.columns]
    if missing:
        raise StatsInputError(
            f"no column {', '.join(repr(c) for c in missing)} in the data (it has {', '.join(rel.columns)})"
        )


def check_numeric(
    rel: duckdb.DuckDBPyRelation,
    columns: Sequence[str],
    *,
    non_negative: Sequence[str] = (),
    positive: Sequence[str] = (),
    allow_missing: Sequence[str] = (),
) -> None:
    """Refuse non-numeric, missing, negative or zero values, naming the column and the rows."""
    check_columns(rel, columns)
    tests = []
    for c in columns:
        q = _quote(c)
        num = f"TRY_CAST({q} AS DOUBLE)"
        tests.append((f"{num} IS NULL AND {q} IS NOT NULL", f"column '{c}' is not numeric"))
        if c not in allow_missing:
            tests.append((f"{q} IS NULL", f"column '{c}' is missing"))
        if c in non_negative or c in positive:
            tests.append((f"{num} < 0", f"column '{c}' is negative"))
        if c in positive:
            tests.append((f"{num} = 0", f"column '{c}' is zero (it must be greater than zero)"))
    selects = ", ".join(f"count(*) FILTER (WHERE {cond})" for cond, _ in tests)
    counts = rel.query("t", f"SELECT {selects} FROM t").fetchall()[0] or ()
    problems = [
        f"{message} in {n:,} row{'s' if n != 1 else ''} (row {_rows(rel, cond)})"
        for (cond, message), n in zip(tests, counts, strict=True)
        if n
    ]
    if problems:
        raise StatsInputError("; ".join(problems))


def aggregate(
    rel: duckdb.DuckDBPyRelation, group_by: Sequence[str], sums: dict[str, str]
) -> pd.DataFrame:
    """Per-group totals, computed in DuckDB: {output name: SQL expression}."""
    check_columns(rel, group_by)
    groups = ", ".join(_quote(g) for g in group_by)
    select = ", ".join(
        [
            *(_quote(g) for g in group_by),
            *(f"{expr} AS {_quote(name)}" for name, expr in sums.items()),
        ]
    )
    sql = f"SELECT {select} FROM t" + (f" GROUP BY {groups} ORDER BY {groups}" if group_by else "")
    result = rel.query("t", sql).df()
    if result.empty:
        raise StatsInputError(
            "the data has no rows" + (f" in any group of {', '.join(group_by)}" if group_by else "")
        )
    return result


def q(name: str) -> str:
    return _quote(name)


def as_list(group_by: str | Sequence[str] | None) -> list[str]:
    if group_by is None:
        return []
    return [group_by] if isinstance(group_by, str) else list(group_by)
