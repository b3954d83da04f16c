"""Where the data lives: Spark DataFrames and SQL databases (PostgreSQL), beside DuckDB.

The statistics write their per-group sums once, as SQL in DuckDB's dialect over a table called
`t`. For a Spark DataFrame or a PostgreSQL table or query, the same SQL is translated by sqlglot
into that engine's dialect and run there, so the aggregation happens where the data is and only
the per-group totals come back (as pandas) for the interval arithmetic. These classes offer the
few methods of a DuckDB relation the statistics use: `columns`, `types`, `query("t", sql)`,
`df()` and `fetchall()`. Neither pyspark nor a database driver is imported until data of that
kind arrives.
"""

import itertools
import re
from decimal import Decimal
from typing import Any

import pandas as pd
import sqlglot
from sqlglot import exp

_views = itertools.count(1)

# Engine type names, as DuckDB names them (the statistics test these).
_SPARK_TYPES = {
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
}
# PostgreSQL's type oids (pg_type): numbers as DuckDB names them, anything else as text.
_POSTGRES_TYPES = {
    20: "BIGINT",
    21: "SMALLINT",
    23: "INTEGER",
    700: "FLOAT",
    701: "DOUBLE",
    1700: "DECIMAL",
    16: "BOOLEAN",
}
# A number as text: what TRY_CAST would read, for PostgreSQL, which has no TRY_CAST.
_NUMBER = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"


def _ordered_row_numbers(node: exp.Expression, order: str) -> exp.Expression:
    """row_number() OVER () numbers rows in arrival order on DuckDB; Spark needs an order,
    and the DataFrame's own (monotonically_increasing_id) is its arrival order."""
    if (
        isinstance(node, exp.Window)
        and isinstance(node.this, exp.RowNumber)
        and not node.args.get("order")
        and not node.args.get("partition_by")
    ):
        node.set("order", exp.Order(expressions=[exp.Ordered(this=sqlglot.parse_one(order))]))
    return node


def _try_cast_postgres(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.TryCast):
        value = node.this
        text = exp.Cast(this=value.copy(), to=exp.DataType.build("text"))
        return exp.Case(
            ifs=[
                exp.If(
                    this=exp.RegexpLike(this=text, expression=exp.Literal.string(_NUMBER)),
                    true=exp.Cast(this=text.copy(), to=exp.DataType.build("double")),
                )
            ]
        )
    return node


def translate(sql: str, dialect: str, table: str | None = None) -> str:
    """DuckDB SQL over `t` in another engine's dialect (and over another table name)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    if table:
        for t in tree.find_all(exp.Table):
            if t.name == "t" and not t.args.get("db"):
                t.set("this", exp.to_identifier(table))
    if dialect == "spark":
        tree = tree.transform(_ordered_row_numbers, "monotonically_increasing_id()")
    elif dialect == "postgres":
        tree = tree.transform(_try_cast_postgres)
    return tree.sql(dialect=dialect)


class SparkTable:
    """A PySpark DataFrame, queried through temporary views in its own session."""

    def __init__(self, frame: Any):
        self.frame = frame
        self.session = frame.sparkSession

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    @property
    def types(self) -> list[str]:
        return [
            "DECIMAL" if t.startswith("decimal") else _SPARK_TYPES.get(t, t.upper())
            for _, t in self.frame.dtypes
        ]

    def query(self, name: str, sql: str) -> "SparkTable":
        view = f"commonweal_stats_{next(_views)}"
        self.frame.createOrReplaceTempView(view)
        return SparkTable(self.session.sql(translate(sql, "spark", view)))

    def df(self) -> pd.DataFrame:
        # Only per-group totals arrive here: the statistics never ask for record-level rows.
        return self.frame.toPandas()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.frame.collect()]


class SqlTable:
    """A table or query in a SQL database (PostgreSQL), through a DB-API connection."""

    def __init__(self, connection: Any, source: str, dialect: str = "postgres"):
        self.connection = connection
        self.source = source  # SQL whose result is the data
        self.dialect = dialect
        self._described: tuple[list[str], list[str]] | None = None

    def _describe(self) -> tuple[list[str], list[str]]:
        if self._described is None:
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM ({self.source}) AS commonweal_source LIMIT 0")
                names = [d[0] for d in cursor.description]
                types = [_POSTGRES_TYPES.get(d[1], "VARCHAR") for d in cursor.description]
            self._described = (names, types)
        return self._described

    @property
    def columns(self) -> list[str]:
        return self._describe()[0]

    @property
    def types(self) -> list[str]:
        return self._describe()[1]

    def query(self, name: str, sql: str) -> "SqlTable":
        return SqlTable(
            self.connection,
            f"WITH t AS ({self.source}) {translate(sql, self.dialect)}",
            self.dialect,
        )

    def _run(self) -> tuple[list[str], list[tuple[Any, ...]]]:
        with self.connection.cursor() as cursor:
            cursor.execute(self.source)
            names = [d[0] for d in cursor.description]
            return names, [tuple(r) for r in cursor.fetchall()]

    def df(self) -> pd.DataFrame:
        names, rows = self._run()
        frame = pd.DataFrame.from_records(rows, columns=names)
        for c in frame.columns:
            # numeric sums come back as Decimal: the interval arithmetic works in floats
            if frame[c].map(lambda v: isinstance(v, Decimal)).any():
                frame[c] = frame[c].astype(float)
        return frame

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._run()[1]


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$")


def from_sql(table_or_query: str, connection: Any) -> SqlTable:
    """Data held in PostgreSQL, for any of the statistics: a table's name (`schema.table`) or a
    SELECT query, and a connection: a psycopg connection, Django's `connection`, a SQLAlchemy
    engine, or a URL (postgresql://...). Only per-group totals leave the database.

    Where a standard population is given by position (a vector), the rows are numbered in the
    order the query returns them: give the query an ORDER BY.
    """
    # Django's connection says which database it is; SQLite (the embedded default) works too.
    dialect = {"sqlite": "sqlite"}.get(getattr(connection, "vendor", ""), "postgres")
    if isinstance(connection, str):
        import psycopg

        connection = psycopg.connect(connection, autocommit=True)
    elif hasattr(connection, "raw_connection") and not hasattr(connection, "cursor"):
        connection = connection.raw_connection()  # a SQLAlchemy engine
    text = table_or_query.strip().rstrip(";")
    if _IDENTIFIER.match(text):
        text = f"SELECT * FROM {'.'.join(exp.to_identifier(p).sql('postgres') for p in text.split('.'))}"
    elif not re.match(r"(?is)^\s*(select|with|values|table)\b", text):
        raise ValueError("give a table's name or a SELECT query")
    return SqlTable(connection, text, dialect)


def is_spark(data: Any) -> bool:
    module = type(data).__module__
    return module.startswith("pyspark.sql") and hasattr(data, "sparkSession")
