"""Benchmarks for commonweal.stats against the analysts' current tool (PHEindicatormethods, R).

1. Wilson proportions of every QOF 2020/21 register of every England practice (137,990 rows)
   plus roll-ups to PCN, CCG, STP, region and England (167,558 groups).
   R: 15.6-17.0 s on this kind of machine. Floor: under 1 s. Goal: 20x faster (0.8 s).
2. A directly standardised rate of 10 million rows (small area x age band x sex) into 10,000
   areas. R: 4.9 s. Floor: under 0.5 s. Goal: 20x faster (0.245 s).

Each prints rows per second and the ratio to a baseline run in the same process (pandas
groupby sums with no intervals), and the speed-up on the R figure.

    .venv/bin/python benchmarks/stats_benchmarks.py [--data-dir ../shared/data]
"""

import argparse
import os
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from commonweal import stats

R_QOF = (15.6, 17.0)
R_DSR = 4.9


def best_of(fn, runs=3):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return min(times), result


def qof(data_dir: Path) -> None:
    con = duckdb.connect()
    prevalence = data_dir / "qof-2020-21" / "PREVALENCE_2021_v2.csv"
    mapping = data_dir / "qof-2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv"
    t = time.perf_counter()
    prev = con.read_csv(str(prevalence))
    geo = con.read_csv(str(mapping))
    # One practice (Y05750, LD register 137 on a list of 132) has a numerator above its
    # denominator, which a proportion refuses (as PHEindicatormethods does); the analysts'
    # 137,990 rows leave it out too.
    prev_df = prev.filter("REGISTER <= PRACTICE_LIST_SIZE").df()
    geo_df = geo.df()  # what an analyst has in memory
    load = time.perf_counter() - t

    def run():
        rel = con.from_df(prev_df)
        g = con.from_df(geo_df)
        con.register("prev", rel)
        con.register("geo", g)
        # One join, then every roll-up totalled by grouping sets in the same pass that checks
        # the values; Wilson limits for every group at once.
        joined = con.sql(
            "SELECT p.*, g.PCN_ODS_CODE, g.CCG_ODS_CODE, g.STP_ODS_CODE, g.REGION_ODS_CODE "
            "FROM prev p JOIN geo g ON p.PRACTICE_CODE = g.PRACTICE_CODE"
        )
        keys = ["GROUP_CODE", "PATIENT_LIST_TYPE"]
        levels = [
            "PRACTICE_CODE",
            "PCN_ODS_CODE",
            "CCG_ODS_CODE",
            "STP_ODS_CODE",
            "REGION_ODS_CODE",
        ]
        roll_ups = [[level, *keys] for level in levels] + [keys]  # the last is England
        return stats.proportion(joined, "REGISTER", "PRACTICE_LIST_SIZE", roll_ups, multiplier=100)

    seconds, result = best_of(run)

    def baseline():
        joined = prev_df.merge(geo_df, on="PRACTICE_CODE")
        joined["ENGLAND"] = "ENG"
        parts = [
            joined.groupby([col, "GROUP_CODE", "PATIENT_LIST_TYPE"])[
                ["REGISTER", "PRACTICE_LIST_SIZE"]
            ].sum()
            for col in (
                "PRACTICE_CODE",
                "PCN_ODS_CODE",
                "CCG_ODS_CODE",
                "STP_ODS_CODE",
                "REGION_ODS_CODE",
                "ENGLAND",
            )
        ]
        return sum(len(p) for p in parts)

    base_seconds, base_groups = best_of(baseline)
    rows = len(prev_df)
    print(
        f"QOF proportions: {rows:,} practice rows, {len(result):,} groups (pandas baseline {base_groups:,})"
    )
    print(
        f"  commonweal.stats: {seconds:.3f} s ({rows / seconds:,.0f} input rows/s, {len(result) / seconds:,.0f} groups/s); "
        f"reading the two CSV files first: {load:.3f} s"
    )
    print(
        f"  baseline (pandas groupby sums, no intervals): {base_seconds:.3f} s; ratio {seconds / base_seconds:.2f}x"
    )
    print(
        f"  PHEindicatormethods {R_QOF[0]}-{R_QOF[1]} s: {R_QOF[0] / seconds:.0f}-{R_QOF[1] / seconds:.0f}x faster "
        f"(floor < 1 s: {'met' if seconds < 1 else 'NOT MET'}; goal 20x: {'met' if R_QOF[0] / seconds >= 20 else 'not met'})"
    )


def dsr_workload() -> None:
    rng = np.random.default_rng(2026)
    areas, per_area, bands, sexes = 10_000, 1_000, 19, 2
    n = areas * per_area
    # Within each area, rows run through the small areas by sex and age band.
    area = np.repeat(np.arange(areas, dtype=np.int32), per_area)
    band = (np.arange(n) % bands).astype(np.int8)
    pop = rng.integers(20, 400, n).astype(np.int32)
    rate = np.linspace(0.0005, 0.15, bands)[band]
    count = rng.poisson(pop * rate).astype(np.int32)
    stdpop = np.asarray(stats.ESP2013, dtype=np.float64)[band] / sexes
    frame = pd.DataFrame({"area": area, "band": band, "count": count, "pop": pop, "stdpop": stdpop})
    print(f"DSR: {n:,} rows (small area x age band x sex) into {areas:,} areas")
    seconds, result = best_of(lambda: stats.dsr(frame, "count", "pop", "area", stdpop="stdpop"))

    def baseline():
        f = frame.assign(s1=frame["count"] * frame["stdpop"] / frame["pop"])
        return f.groupby("area")[["count", "pop", "stdpop", "s1"]].sum()

    base_seconds, _ = best_of(baseline)
    assert len(result) == areas and result["value"].notna().all()
    print(f"  commonweal.stats: {seconds:.3f} s ({n / seconds:,.0f} rows/s)")
    print(
        f"  baseline (pandas groupby sums, no intervals): {base_seconds:.3f} s; ratio {seconds / base_seconds:.2f}x"
    )
    print(
        f"  PHEindicatormethods {R_DSR} s: {R_DSR / seconds:.0f}x faster "
        f"(floor < 0.5 s: {'met' if seconds < 0.5 else 'NOT MET'}; goal 20x: {'met' if R_DSR / seconds >= 20 else 'not met'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--data-dir", default=os.environ.get("COMMONWEAL_DATA_DIR", "../shared/data")
    )
    args = parser.parse_args()
    data = Path(args.data_dir)
    if (data / "qof-2020-21" / "PREVALENCE_2021_v2.csv").is_file():
        qof(data)
    else:
        print(f"QOF benchmark skipped: no data at {data}")
    dsr_workload()


if __name__ == "__main__":
    main()
