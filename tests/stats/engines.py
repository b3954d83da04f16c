"""The statistics' conformance tests on every engine: DuckDB (frames in memory), local Spark and
PostgreSQL. Each test's pandas inputs are moved into the engine (a Spark DataFrame, a PostgreSQL
temporary table read in its rows' order) before the statistics see them, so the same assertions
check the same values wherever the aggregation runs."""

import io
import os
import sys
from typing import Any

import pandas as pd

ENGINES = ("duckdb", "spark", "postgres")


def postgres_url() -> str | None:
    """A PostgreSQL server to test against: COMMONWEAL_STATS_POSTGRES, or the suite's own
    database when it is PostgreSQL (CI's second run)."""
    url = os.environ.get("COMMONWEAL_STATS_POSTGRES") or os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


def spark_wanted() -> str | None:
    """Why Spark is not tested here, or None. CI tests Spark in its SQLite run only (a Spark
    session costs a minute of a two-CPU machine); COMMONWEAL_STATS_SPARK=1 forces it."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install commonweal[spark])"
    if os.environ.get("COMMONWEAL_STATS_SPARK") == "1":
        return None
    if postgres_url() and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return "Spark is tested in the SQLite run (set COMMONWEAL_STATS_SPARK=1 to force)"
    return None


_session: Any = None


def spark_session() -> Any:
    global _session
    if _session is None:
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        _session = (
            SparkSession.builder.master("local[2]")
            .appName("commonweal-stats-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.driver.memory", "1g")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        _session.sparkContext.setLogLevel("ERROR")
    return _session


def to_spark(frame: pd.DataFrame) -> Any:
    from pyspark.sql import types as T

    fields, columns = [], {}
    for c in frame.columns:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s):
            kind, values = T.BooleanType(), s.astype(object)
        elif pd.api.types.is_integer_dtype(s):
            kind, values = T.LongType(), s.astype(object)
        elif pd.api.types.is_float_dtype(s):
            kind, values = T.DoubleType(), s.astype(object)
        else:
            kind, values = T.StringType(), s.map(lambda v: None if pd.isna(v) else str(v))
        fields.append(T.StructField(str(c), kind, True))
        columns[c] = values.where(s.notna(), None)
    rows = list(zip(*columns.values(), strict=True)) if columns else []
    return spark_session().createDataFrame(rows, T.StructType(fields))


_PG_TYPES = {"b": "boolean", "i": "bigint", "u": "bigint", "f": "double precision"}
_tables = iter(range(1, 10**9))


def to_postgres(frame: pd.DataFrame, connection: Any) -> Any:
    from commonweal.stats import from_sql

    name = f"stats_input_{next(_tables)}"
    cols = [f'"{c}" {_PG_TYPES.get(frame[c].dtype.kind, "text")}' for c in frame.columns]
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMPORARY TABLE {name} (__row bigint, {', '.join(cols)})")
        copy_cols = ", ".join(["__row", *(f'"{c}"' for c in frame.columns)])
        with cur.copy(f"COPY {name} ({copy_cols}) FROM STDIN") as copy:
            for i, row in enumerate(frame.itertuples(index=False), 1):
                copy.write_row([i, *(None if pd.isna(v) else v for v in row)])
    select = ", ".join(f'"{c}"' for c in frame.columns)
    return from_sql(f"SELECT {select} FROM {name} ORDER BY __row", connection)


__all__ = ["ENGINES", "io"]
