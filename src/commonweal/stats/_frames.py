"""Data in and out: pandas, Polars or Arrow frames, DuckDB relations, PySpark DataFrames and
PostgreSQL tables or queries (`from_sql`).

Aggregation runs where the data is (DuckDB for frames in memory, Spark, PostgreSQL); only the
per-group totals come back, as a pandas frame, for the interval arithmetic. The SQL is written
once, in DuckDB's dialect, and translated for the other engines (`_engines`). Bad input is
refused with the rows and columns at fault, before any arithmetic.
"""

from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

from commonweal.stats._engines import SparkTable, SqlTable, is_spark

# A DuckDB relation, or a Spark DataFrame or SQL table offering the same few methods.
Relation = Any


class StatsInputError(ValueError):
    """Input the statistics cannot use; the message names the columns and rows at fault."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def relation(data: Any, con: duckdb.DuckDBPyConnection | None = None) -> Relation:
    if isinstance(data, duckdb.DuckDBPyRelation | SparkTable | SqlTable):
        return data
    if is_spark(data):
        return SparkTable(data)
    con = con or duckdb.connect()
    if isinstance(data, pd.DataFrame):
        return con.from_df(data)
    module = type(data).__module__
    if module.startswith("pyarrow"):
        return con.from_arrow(data)
    if module.startswith("polars"):
        return con.from_arrow(data.to_arrow())
    raise StatsInputError(
        "expected a pandas, Polars, Arrow or Spark data frame, a DuckDB relation or a table from "
        f"from_sql(), not {type(data).__name__}"
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


def run(rel: Relation, sql: str) -> Relation:
    """Run SQL over a relation, which the SQL calls t."""
    result = rel.query("t", sql)
    if result is None:  # only statements without results return None
        raise StatsInputError(f"the query returned no relation: {sql}")
    return result


def _rows(rel: Relation, condition: str, limit: int = 5) -> str:
    """The first offending rows, numbered from 1 in the order the data arrived."""
    found = run(
        rel,
        f"SELECT n FROM (SELECT row_number() OVER () AS n, * FROM t) AS numbered WHERE {condition} ORDER BY n LIMIT {limit + 1}",
    ).fetchall()
    numbers = [str(r[0]) for r in found[:limit]]
    return ", ".join(numbers) + (", ..." if len(found) > limit else "")


NUMERIC_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
}


def check_columns(rel: Relation, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in rel.columns]
    if missing:
        raise StatsInputError(
            f"no column {', '.join(repr(c) for c in missing)} in the data (it has {', '.join(rel.columns)})"
        )


def numeric_tests(
    rel: Relation,
    columns: Sequence[str],
    *,
    non_negative: Sequence[str] = (),
    positive: Sequence[str] = (),
    allow_missing: Sequence[str] = (),
) -> list[tuple[str, str]]:
    """SQL conditions that find bad values, each with the message that names the problem."""
    check_columns(rel, columns)
    types = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))
    tests = []
    for c in columns:
        q = _quote(c)
        if types[c].split("(")[0] in NUMERIC_TYPES:
            num = q  # already numbers: no cast to try
        else:
            num = f"TRY_CAST({q} AS DOUBLE)"
            tests.append((f"{num} IS NULL AND {q} IS NOT NULL", f"column '{c}' is not numeric"))
        if c not in allow_missing:
            tests.append((f"{q} IS NULL", f"column '{c}' is missing"))
        if c in non_negative or c in positive:
            tests.append((f"{num} < 0", f"column '{c}' is negative"))
        if c in positive:
            tests.append((f"{num} = 0", f"column '{c}' is zero (it must be greater than zero)"))
    return tests


def raise_problems(rel: Relation, tests: Sequence[tuple[str, str]]) -> None:
    """Count each kind of bad value and refuse the data, naming columns and rows, if any."""
    if not tests:
        return
    selects = ", ".join(f"count(*) FILTER (WHERE {cond})" for cond, _ in tests)
    counts = run(rel, f"SELECT {selects} FROM t").fetchall()[0]
    problems = [
        f"{message} in {n:,} row{'s' if n != 1 else ''} (row {_rows(rel, cond)})"
        for (cond, message), n in zip(tests, counts, strict=True)
        if n
    ]
    if problems:
        raise StatsInputError("; ".join(problems))


def as_numbers(
    rel: Relation, columns: Sequence[str], tests: list[tuple[str, str]]
) -> tuple[Relation, list[tuple[str, str]]]:
    """Columns held as text are checked now, then read as numbers; numeric columns pass
    through and their tests are left to run inside the aggregation."""
    types = dict(zip(rel.columns, (str(t) for t in rel.types), strict=True))
    text = [c for c in columns if types[c].split("(")[0] not in NUMERIC_TYPES]
    if not text:
        return rel, tests
    raise_problems(rel, tests)
    return replace(rel, {c: f"TRY_CAST({_quote(c)} AS DOUBLE)" for c in text}), []


def replace(rel: Relation, columns: dict[str, str]) -> Relation:
    """The data with some columns replaced by expressions (DuckDB's SELECT * REPLACE, written
    out so that every engine reads it)."""
    select = ", ".join(
        f"{columns[c]} AS {_quote(c)}" if c in columns else _quote(c) for c in rel.columns
    )
    return run(rel, f"SELECT {select} FROM t")


def check_numeric(
    rel: Relation,
    columns: Sequence[str],
    *,
    non_negative: Sequence[str] = (),
    positive: Sequence[str] = (),
    allow_missing: Sequence[str] = (),
) -> None:
    """Refuse non-numeric, missing, negative or zero values, naming the column and the rows."""
    raise_problems(
        rel,
        numeric_tests(
            rel, columns, non_negative=non_negative, positive=positive, allow_missing=allow_missing
        ),
    )


def aggregate(
    rel: Relation,
    group_by: Sequence[str],
    sums: dict[str, str],
    tests: Sequence[tuple[str, str]] = (),
    sets: Sequence[Sequence[str]] | None = None,
) -> pd.DataFrame:
    """Per-group totals, computed in DuckDB: {output name: SQL expression}.

    `tests` (from numeric_tests) are counted in the same pass over the data; only when one
    finds something is the data scanned again, to name the rows. With `sets` (grouping sets,
    for roll-ups) every set is totalled in the same pass, and a `grouping_set` column names
    the set each row belongs to ("all" for the grand total).
    """
    check_columns(rel, group_by)
    if tests:
        sums = {
            **sums,
            "__bad": f"count(*) FILTER (WHERE {' OR '.join(f'({c})' for c, _ in tests)})",
        }
    groups = ", ".join(_quote(g) for g in group_by)
    select = ", ".join(
        [
            *(_quote(g) for g in group_by),
            *(f"{expr} AS {_quote(name)}" for name, expr in sums.items()),
        ]
    )
    if sets is not None:
        # grouping() gives a bit for each column left out of the set, the first column highest.
        def mask(members: Sequence[str]) -> int:
            return sum(
                1 << (len(group_by) - 1 - i) for i, g in enumerate(group_by) if g not in members
            )

        # grouping() of one column at a time: Spark's takes only one.
        bits = " + ".join(
            f"grouping({_quote(g)}) * {1 << (len(group_by) - 1 - i)}"
            for i, g in enumerate(group_by)
        )
        label = (
            "CASE "
            + " ".join(f"WHEN {bits} = {mask(m)} THEN '{'/'.join(m) or 'all'}'" for m in sets)
            + " END"
        )
        spec = ", ".join("(" + ", ".join(_quote(g) for g in m) + ")" for m in sets)
        sql = f"SELECT {label} AS grouping_set, {select} FROM t GROUP BY GROUPING SETS ({spec}) ORDER BY 1, {groups}"
    else:
        sql = f"SELECT {select} FROM t" + (
            f" GROUP BY {groups} ORDER BY {groups}" if group_by else ""
        )
    result = run(rel, sql).df()
    if tests:
        if result["__bad"].sum():
            raise_problems(rel, tests)
        result = result.drop(columns="__bad")
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
    if not isinstance(group_by, str) and any(not isinstance(g, str) for g in group_by):
        raise StatsInputError(
            "roll-ups (lists of grouping columns) are not available here: group by columns"
        )
    return [group_by] if isinstance(group_by, str) else list(group_by)


def grouping(group_by: Any) -> tuple[list[str], list[list[str]] | None]:
    """Columns to group by, and grouping sets when `group_by` is a list of lists (roll-ups)."""
    if group_by is None or isinstance(group_by, str) or all(isinstance(g, str) for g in group_by):
        return as_list(group_by), None
    sets = [[g] if isinstance(g, str) else list(g) for g in group_by]
    columns = list(dict.fromkeys(c for m in sets for c in m))
    return columns, sets
