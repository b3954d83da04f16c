"""The same statistics where the data lives: on local Spark and PostgreSQL the values agree with
DuckDB's to 1e-9, roll-ups come from grouping sets, bad values are refused naming the rows, and
on Spark only per-group totals ever reach the driver."""

import subprocess
import sys

import duckdb
import numpy as np
import pandas as pd
import pytest

from commonweal import stats
from commonweal.stats import _engines

pytestmark = pytest.mark.usefixtures("on_engine")


def records(seed: int = 7) -> pd.DataFrame:
    """Record-level rows: per area, several small areas each with 19 age bands."""
    rng = np.random.default_rng(seed)
    rows = []
    for area in range(6):
        for part in range(5):
            for band in range(19):
                n = int(rng.integers(200, 3000))
                rows.append(
                    (f"E{area:02d}", f"P{area % 2}", part, band, int(rng.integers(0, n // 20)), n)
                )
    frame = pd.DataFrame(rows, columns=["area", "place", "part", "band", "events", "people"])
    frame["std"] = frame["band"].map(lambda b: float(stats.ESP2013[b]))
    frame["mean_of"] = frame["events"] / 7.0
    return frame


def duck(frame: pd.DataFrame):
    """The same data as a DuckDB relation: not moved to the engine under test."""
    return duckdb.connect().from_df(frame)


def agree(got: pd.DataFrame, want: pd.DataFrame, keys: list[str]) -> None:
    got = got.sort_values(keys, na_position="first").reset_index(drop=True)
    want = want.sort_values(keys, na_position="first").reset_index(drop=True)
    assert list(got.columns) == list(want.columns)
    for c in want.columns:
        if pd.api.types.is_numeric_dtype(want[c]):
            np.testing.assert_allclose(
                got[c].to_numpy(float), want[c].to_numpy(float), rtol=1e-9, equal_nan=True
            )
        else:
            assert list(got[c].astype(object).where(got[c].notna(), None)) == list(
                want[c].astype(object).where(want[c].notna(), None)
            ), c


def test_every_statistic_agrees_with_duckdb(engine):
    data = records()
    sets = [["area"], ["place"], []]
    for fn, args, kwargs, keys in (
        (
            stats.proportion,
            ("events", "people"),
            {"group_by": sets},
            ["grouping_set", "area", "place"],
        ),
        (stats.rate, ("events", "people"), {"group_by": "place"}, ["place"]),
        (stats.mean, ("mean_of",), {"group_by": "area"}, ["area"]),
        (
            stats.dsr,
            ("events", "people"),
            {"group_by": "area", "stdpop": "std", "ageband": "band"},
            ["area"],
        ),
        (stats.dsr, ("events", "people"), {"group_by": "place", "ageband": "band"}, ["place"]),
        (stats.isr_ratio, ("events", "people", "events", "people"), {"group_by": "area"}, ["area"]),
    ):
        got = fn(data, *args, **kwargs)
        want = fn(duck(data), *args, **kwargs)
        assert isinstance(got, pd.DataFrame) and len(got) == len(want) > 0
        agree(got, want, keys)


def test_a_refusal_names_the_rows_on_every_engine(engine):
    data = records()
    data.loc[[3, 40], "events"] = -1
    with pytest.raises(
        stats.StatsInputError, match=r"column 'events' is negative in 2 rows \(row 4, 41\)"
    ):
        stats.rate(data, "events", "people", "area")
    with pytest.raises(stats.StatsInputError, match=r"column 'events' is negative in 2 rows"):
        stats.dsr(data, "events", "people", "area", stdpop="std", ageband="band")
    data = records()
    data.loc[5, "events"] = data.loc[5, "people"] + 1
    with pytest.raises(stats.StatsInputError, match="greater than column 'people' in 1 row"):
        stats.proportion(data, "events", "people", "area")


def test_on_spark_only_per_group_totals_reach_the_driver(engine, monkeypatch):
    name, _ = engine
    if name != "spark":
        pytest.skip("a Spark question")
    fetched: list[int] = []
    df, fetchall = _engines.SparkTable.df, _engines.SparkTable.fetchall

    def counted_df(self):
        out = df(self)
        fetched.append(len(out))
        return out

    def counted_fetchall(self):
        out = fetchall(self)
        fetched.append(len(out))
        return out

    monkeypatch.setattr(_engines.SparkTable, "df", counted_df)
    monkeypatch.setattr(_engines.SparkTable, "fetchall", counted_fetchall)
    data = records()  # 570 rows into 6 areas
    stats.dsr(data, "events", "people", "area", stdpop="std", ageband="band")
    stats.proportion(data, "events", "people", [["area"], []])
    assert fetched and max(fetched) <= 7, fetched


def test_a_postgresql_table_by_name_and_a_bad_source(engine):
    name, connection = engine
    if name != "postgres":
        pytest.skip("a PostgreSQL question")
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TEMPORARY TABLE register (practice text, patients bigint, listed bigint)"
        )
        cur.execute("INSERT INTO register VALUES ('A', 65, 100), ('B', 20, 100)")
    got = stats.proportion(
        stats.from_sql("register", connection), "patients", "listed", "practice", confidence=0.95
    )
    assert list(got["practice"]) == ["A", "B"]
    np.testing.assert_allclose(got["lowercl"], [0.5525, 0.1334], atol=1e-4)
    with pytest.raises(ValueError, match="a table's name or a SELECT query"):
        stats.from_sql("register; DROP TABLE register", connection)


def test_the_package_imports_without_django_or_pyspark():
    code = (
        "import sys\n"
        "sys.modules['django'] = None\n"
        "sys.modules['pyspark'] = None\n"
        "sys.modules['psycopg'] = None\n"
        "import pandas as pd\n"
        "from commonweal import stats\n"
        "df = pd.DataFrame({'a': ['x'], 'k': [5], 'n': [10]})\n"
        "print(stats.proportion(df, 'k', 'n', 'a')['value'].iloc[0])\n"
        "assert not any(m.startswith(('django', 'pyspark')) for m in sys.modules if sys.modules[m])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0.5"
