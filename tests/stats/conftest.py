"""Engine fixtures for the statistics' tests: `engine` (DuckDB, local Spark, PostgreSQL) and
`on_engine`, which a module opts into to move its pandas inputs into each engine."""

from typing import Any

import pandas as pd
import pytest

from .engines import ENGINES, postgres_url, spark_session, spark_wanted, to_postgres, to_spark


@pytest.fixture(scope="module", params=ENGINES)
def engine(request):
    """Run the module's tests on each engine by moving pandas inputs into it."""
    name = request.param
    if name == "spark":
        why = spark_wanted()
        if why:
            pytest.skip(why)
        spark_session()
    connection = None
    if name == "postgres":
        url = postgres_url()
        if url is None:
            pytest.skip("no PostgreSQL server (set COMMONWEAL_STATS_POSTGRES to a URL)")
        import psycopg

        connection = psycopg.connect(
            url.replace("postgres://", "postgresql://", 1), autocommit=True
        )
    yield name, connection
    if connection is not None:
        connection.close()


@pytest.fixture
def on_engine(engine, monkeypatch):
    name, connection = engine
    if name == "duckdb":
        return
    from commonweal.stats import _frames, funnels, indicators, inequality, life

    original = _frames.relation

    def moved(data: Any, con: Any = None) -> Any:
        if isinstance(data, pd.DataFrame):
            data = to_spark(data) if name == "spark" else to_postgres(data, connection)
        return original(data, con)

    for module in (_frames, indicators, funnels, inequality, life):
        monkeypatch.setattr(module, "relation", moved)
