"""A directly standardised rate over 100 million rows into 10,000 areas, read from Parquet, on
DuckDB and on local Spark side by side: rows per second, peak memory, and ratios against a plain
GROUP BY of the same file in the same engine (the least any aggregation can cost).

The rows are record-level: per area, 19 age bands, each split into parts (small areas), so
`dsr(..., ageband="band", stdpop="std")` sums them into bands where the data is and brings back
one row per area. Spark runs with a 2 GB driver (local mode: the executors are in that JVM too):
collecting the rows would not fit, so finishing within it, with the peak heap printed, is the
proof that nothing is collected.

    python benchmarks/stats_engines.py [--rows 100000000] [--areas 10000] [--dir /tmp/cw-bench]
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import duckdb

from commonweal import stats


def make_parquet(path: Path, rows: int, areas: int) -> float:
    if path.exists():
        return 0.0
    started = time.perf_counter()
    weights = " ".join(f"WHEN {i} THEN {w}.0" for i, w in enumerate(stats.ESP2013))
    con = duckdb.connect()
    con.execute(
        f"""COPY (
          SELECT (i % {areas})::INTEGER AS area,
                 ((i // {areas}) % 19)::INTEGER AS band,
                 (hash(i) % 21)::BIGINT AS x,
                 (100 + hash(i * 7) % 2000)::BIGINT AS n,
                 CASE (i // {areas}) % 19 {weights} END AS std
          FROM range({rows}) t(i)
        ) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""
    )
    return time.perf_counter() - started


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    return out, seconds


def run_duckdb(path: Path, rows: int) -> dict[str, float]:
    con = duckdb.connect()
    data = con.read_parquet(str(path))
    _, base = timed(
        "group by",
        lambda: con.execute(
            f"SELECT area, sum(x), sum(n) FROM read_parquet('{path}') GROUP BY area"
        ).fetchall(),
    )
    out, seconds = timed(
        "dsr", lambda: stats.dsr(data, "x", "n", "area", stdpop="std", ageband="band")
    )
    assert len(out) > 0
    return {
        "seconds": seconds,
        "baseline": base,
        "groups": len(out),
        "value0": float(out["value"].iloc[0]),
    }


def run_spark(path: Path, rows: int) -> dict[str, float]:
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = (
        SparkSession.builder.master("local[*]")
        .appName("commonweal-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    data = spark.read.parquet(str(path))
    _, base = timed("group by", lambda: data.groupBy("area").sum("x", "n").collect())
    out, seconds = timed(
        "dsr", lambda: stats.dsr(data, "x", "n", "area", stdpop="std", ageband="band")
    )
    jvm = spark.sparkContext._jvm  # type: ignore[attr-defined]
    pools = jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
    heap = sum(
        p.getPeakUsage().getUsed() for p in pools if str(p.getType().toString()) == "Heap memory"
    )
    limit = jvm.java.lang.Runtime.getRuntime().maxMemory()
    spark.stop()
    return {
        "seconds": seconds,
        "baseline": base,
        "groups": len(out),
        "value0": float(out["value"].iloc[0]),
        "heap_mb": heap / 2**20,
        "heap_limit_mb": limit / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000_000)
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--dir", default="/tmp/cw-bench")
    parser.add_argument("--engines", default="duckdb,spark")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"dsr-{args.rows}-{args.areas}.parquet"
    made = make_parquet(path, args.rows, args.areas)
    print(
        f"{args.rows:,} rows into {args.areas:,} areas, {path.stat().st_size / 2**20:,.0f} MB of "
        f"Parquet{f' (written in {made:.1f} s)' if made else ''}; {os.cpu_count()} CPUs"
    )
    results = {}
    for engine in args.engines.split(","):
        r = run_duckdb(path, args.rows) if engine == "duckdb" else run_spark(path, args.rows)
        results[engine] = r
        extra = (
            f"; peak JVM heap {r['heap_mb']:,.0f} MB of {r['heap_limit_mb']:,.0f} MB"
            if "heap_mb" in r
            else ""
        )
        print(
            f"{engine:>7}: dsr {r['seconds']:.1f} s = {args.rows / r['seconds']:,.0f} rows/s; "
            f"plain GROUP BY {r['baseline']:.1f} s (ratio {r['seconds'] / r['baseline']:.2f}); "
            f"{int(r['groups']):,} areas back{extra}; peak Python RSS {peak_rss_mb():,.0f} MB"
        )
    if len(results) == 2:
        d, s = results["duckdb"], results["spark"]
        assert abs(d["value0"] - s["value0"]) <= 1e-9 * abs(d["value0"]), (d, s)
        print(
            f"Spark / DuckDB: {s['seconds'] / d['seconds']:.2f} (the first area's values agree to 1e-9)"
        )


if __name__ == "__main__":
    main()
