"""Benchmark: QOF 2020/21 prevalence computed and stored, and a PCN's profile page under load.

Targets (the outcomes issue), on SQLite and on PostgreSQL:
1. every QOF 2020/21 register's prevalence for every practice in England and its roll-ups
   (PCN, CCG, STP, region, England and the systems' own areas), computed and stored when the
   data arrives, in under 15 s including the database writes;
2. a PCN's profile page (every register on a spine chart), served by `commonweal serve`, with a
   95th-percentile latency under 300 ms at 10 concurrent clients.

Builds a fresh database from the command line as an operator would (migrate, import-ods,
load-system devon-2019, add-pcns, assign-pcns, load-indicators, load-framework,
import-outcomes), then, in process:
- times `actions.compute_qof` (median of --runs, each replacing the last one's values), and
  its parts where it calls them: reading (`compute.practice_counts`), computing
  (`actions.system_areas` + `compute.qof_values`) and the write (`store.replace`), the rest
  (records, audit, commit) being what remains; rows written a second;
- against baselines in the same run: DuckDB reading the prevalence CSV with the mapping and
  summing REGISTER and PRACTICE_LIST_SIZE over GROUPING SETS of the same levels (a scan of the
  data), and the same rows written by a plain executemany (SQLite) or COPY (PostgreSQL) into a
  scratch table without indexes;
- each Devon PCN's public profile page once with every cache cleared (cold) and once more
  (warm): milliseconds, queries, and the time the database took (`--profile` adds cProfile's
  view of both);
then starts gunicorn (`commonweal serve`) on a free loopback port, warms it (in rounds of
5 s until p95 stops falling, at most --warm-seconds), and drives it with
--clients clients (threads, spread over processes), no pause: first /health (the baseline),
then the public profile pages of Devon's 31 PCNs, chosen at random, for --seconds each.
Figures only: nothing here fails on time (the exit status is 1 only if a page answered
anything but 200).

    .venv/bin/python benchmarks/outcomes.py
    .venv/bin/python benchmarks/outcomes.py --database-url postgres://.../an_empty_database

The data directory (--data-dir, or COMMONWEAL_DATA_DIR, or ../shared/data) must hold the QOF
2020/21, ODS, population and deprivation files. A PostgreSQL database named must be empty or
missing (it is created); `--reset` drops and recreates one that holds tables.
"""

import argparse
import cProfile
import os
import pstats
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

# benchmarks/ is the script's own directory: the public register's load harness and server.
from public_register import Load, drive, figures, fresh_database, report_errors, served, table

TARGET_SECONDS = 15.0
TARGET_P95_MS = 300.0
SYSTEM = "devon-2019"
PROFILE = "/public/systems/{slug}/outcomes/profiles/{code}/"
SCRATCH = "bench_outcomes_scratch"
WARM_ROUND = 5.0


def median_of(runs: list[float]) -> float:
    return statistics.median(runs)


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    """Median seconds of `runs` calls (no warm-up: the caller has run it once already)."""
    times = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return median_of(times), result


def default_data_dir() -> str:
    if os.environ.get("COMMONWEAL_DATA_DIR"):
        return os.environ["COMMONWEAL_DATA_DIR"]
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
    return str(shared) if shared.is_dir() else ""


# ---------------------------------------------------------------------------------------------
# The database, from the command line.

SETUP = (
    ("migrate", "--no-input", "-v", "0"),
    ("import-ods",),
    ("load-system", SYSTEM),
    ("add-pcns", SYSTEM, "--commissioner", "15N", "--parent", "wider-devon"),
    ("assign-pcns", "devon-2019-pcn-places"),
    ("load-indicators",),
    ("load-framework", "devon-2019-outcomes"),
    ("import-outcomes",),
)


def build(env: dict[str, str]) -> None:
    commonweal = str(Path(sys.executable).parent / "commonweal")
    print("setup, from the command line:")
    started = time.perf_counter()
    for command in SETUP:
        t = time.perf_counter()
        done = subprocess.run(
            [commonweal, *command], env=env, capture_output=True, text=True, check=False
        )
        took = time.perf_counter() - t
        said = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
        if done.returncode != 0:
            sys.exit(f"commonweal {' '.join(command)} failed:\n" + "\n".join(said[-30:]))
        last = said[-1] if said else ""
        print(f"  commonweal {' '.join(command):60} {took:5.1f} s  {last[:90]}")
    print(f"  built in {time.perf_counter() - started:.1f} s")


# ---------------------------------------------------------------------------------------------
# 1. Computing and storing QOF prevalence.


def baseline_scan(data_dir: Path, registers: list[tuple[str, str]]) -> int:
    """DuckDB alone: the prevalence file joined with the mapping, register and list size summed
    over the same levels as the app's roll-ups; the rows it gives."""
    import duckdb

    from commonweal.outcomes import compute

    wanted = ", ".join(f"('{g}', '{t}')" for g, t in registers)
    levels = ("PRACTICE_CODE", "PCN_ODS_CODE", "CCG_ODS_CODE", "STP_ODS_CODE", "REGION_ODS_CODE")
    sets = ", ".join(f"(GROUP_CODE, PATIENT_LIST_TYPE, {c})" for c in levels)
    con = duckdb.connect()
    frame = con.sql(
        f"""
        SELECT GROUP_CODE, PATIENT_LIST_TYPE, {", ".join(levels)},
               sum(REGISTER::DOUBLE) AS count, sum(PRACTICE_LIST_SIZE::DOUBLE) AS denominator
        FROM read_csv('{data_dir / compute.PREVALENCE}', header = true, all_varchar = true) p
        JOIN read_csv('{data_dir / compute.MAPPING}', header = true, all_varchar = true) m
            USING (PRACTICE_CODE)
        WHERE (GROUP_CODE, PATIENT_LIST_TYPE) IN ({wanted})
        GROUP BY GROUPING SETS ({sets}, (GROUP_CODE, PATIENT_LIST_TYPE))
        """
    ).df()
    con.close()
    return len(frame)


def baseline_write(records: list[tuple[Any, ...]], columns: tuple[str, ...]) -> float:
    """Seconds to write the records into a scratch table of the same columns, without indexes
    (executemany on SQLite, COPY on PostgreSQL), committed; the table is emptied first."""
    from django.db import connection, transaction

    from commonweal.outcomes.models import Value

    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SCRATCH}")
        cursor.execute(
            f"CREATE TABLE {SCRATCH} AS SELECT {quoted} FROM {Value._meta.db_table} WHERE 1 = 0"
        )
    t = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {SCRATCH} ({quoted}) FROM STDIN") as copy:
                for record in records:
                    copy.write_row(record)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {SCRATCH} ({quoted}) VALUES ({marks})", records)
    took = time.perf_counter() - t
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {SCRATCH}")
    return took


def measure_compute(data_dir: Path, runs: int) -> None:
    """`actions.compute_qof` as it is, with its parts timed where it calls them: the reading
    and computing (`compute.practice_counts`, `actions.system_areas`, `compute.qof_values`) and
    the write (`store.replace`); the rest (records, audit, commit) is what remains."""
    from django.utils import timezone

    from commonweal.core.actions import Actor
    from commonweal.outcomes import actions, compute, store, suppression
    from commonweal.outcomes.models import Value

    spent: dict[str, float] = {}
    seen: dict[str, Any] = {}

    def clocked(module: Any, name: str, part: str) -> Callable[[], None]:
        original = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                result = original(*args, **kwargs)
            finally:
                spent[part] = spent.get(part, 0.0) + time.perf_counter() - t
            if name == "replace_frame":  # kept for the baseline, turned into rows after the runs
                seen["frame"], seen["constants"] = args[1], args[2]
            if name == "practice_counts":
                seen["registers"] = args[1] if len(args) > 1 else kwargs["registers"]
            if name == "qof_values":
                seen["values"] = result
            return result

        setattr(module, name, wrapper)
        return lambda: setattr(module, name, original)

    undo = [
        clocked(compute, "practice_counts", "read"),
        clocked(actions, "system_areas", "compute"),
        clocked(compute, "qof_values", "compute"),
        clocked(store, "replace_frame", "write"),
        clocked(suppression, "withheld", "withhold"),
        clocked(suppression, "refresh", "withhold"),
    ]
    parts: dict[str, list[float]] = {
        "read": [],
        "compute": [],
        "write": [],
        "withhold": [],
        "total": [],
    }
    rows = 0
    try:
        for _ in range(runs):
            spent.clear()
            t = time.perf_counter()
            computed = actions.compute_qof(Actor.command_line(), data_dir)
            parts["total"].append(time.perf_counter() - t)
            for part in ("read", "compute", "write", "withhold"):
                parts[part].append(spent.get(part, 0.0))
            rows = computed.rows
    finally:
        for restore in undo:
            restore()
    parts["rest"] = [
        t - r - c - w
        for t, r, c, w in zip(
            parts["total"], parts["read"], parts["compute"], parts["write"], strict=True
        )
    ]
    med = {k: median_of(v) for k, v in parts.items()}
    stored = Value.objects.filter(source=actions.QOF_SOURCE).count()
    by_type = seen["values"]["area_type"].value_counts().to_dict()

    register_pairs = sorted({(r.register, r.list_type) for r in seen["registers"]})
    baseline_scan(data_dir, register_pairs)  # warm-up (the files into the OS's cache)
    scan, scan_rows = timed(lambda: baseline_scan(data_dir, register_pairs), runs)
    now = timezone.now()
    rows_written = [{**seen["constants"], **r} for r in seen["frame"].to_dict("records")]
    plain = [
        tuple(now if c == "loaded_at" else store._cell(c, row) for c in store.COLUMNS)
        for row in rows_written
    ]
    write_base = median_of([baseline_write(plain, store.COLUMNS) for _ in range(runs)])
    read_compute = med["read"] + med["compute"]
    kind = "COPY" if _vendor() == "postgresql" else "executemany"

    print(
        f"\n1. QOF 2020/21 prevalence: {len(register_pairs)} registers, {rows:,} rows written "
        f"({stored:,} stored): "
        + ", ".join(f"{n:,} {t}" for t, n in sorted(by_type.items(), key=lambda kv: -kv[1]))
    )
    print(f"   actions.compute_qof, median of {runs} runs after the setup's own computation:")
    print(
        f"   read (practice_counts):      {med['read']:6.2f} s\n"
        f"   compute (system_areas + qof_values): {med['compute']:6.2f} s\n"
        f"   read + compute:              {read_compute:6.2f} s   baseline DuckDB scan with "
        f"GROUPING SETS ({scan_rows:,} rows): {scan:.2f} s, ratio {read_compute / scan:.1f}"
    )
    print(
        f"   write (store.replace_frame: delete + insert): {med['write']:6.2f} s, "
        f"{rows / med['write']:,.0f} rows/s   baseline {kind} of the same rows into a scratch "
        f"table without indexes (committed): {write_base:.2f} s, {rows / write_base:,.0f} rows/s, "
        f"ratio {med['write'] / write_base:.1f}"
    )
    print(
        "   of which the complements worked out (suppression.withheld, or .refresh where other "
        f"values of the period are stored): {med['withhold']:6.2f} s"
    )
    print(f"   the rest (records, audit, commit): {med['rest']:6.2f} s")
    total = med["total"]
    print(
        f"   total: {total:.2f} s, {rows / total:,.0f} rows/s; ratio to the baselines together "
        f"({scan + write_base:.2f} s) {total / (scan + write_base):.1f}; "
        f"{'within' if total < TARGET_SECONDS else 'OVER'} the {TARGET_SECONDS:.0f} s target"
    )
    print(
        "   each run (read, compute, write, rest, total s): "
        + "; ".join(
            ", ".join(f"{parts[k][i]:.2f}" for k in ("read", "compute", "write", "rest", "total"))
            for i in range(runs)
        )
    )


def _vendor() -> str:
    from django.db import connection

    return connection.vendor


# ---------------------------------------------------------------------------------------------
# 2. The profile page, in process.


def pcn_codes() -> list[str]:
    from commonweal.registry.models import Area
    from commonweal.registry.rules import Level

    return sorted(
        Area.objects.filter(
            system__slug=SYSTEM, level=Level.NEIGHBOURHOOD.value, ends__isnull=True
        ).values_list("code", flat=True)
    )


def clear_caches() -> None:
    from commonweal.outcomes import charts, presenters

    charts.cache_clear()
    presenters._spread.cache_clear()


def in_process(codes: list[str], show_profile: bool) -> bool:
    """Each page cold (the outcomes caches cleared) and warm, by Django's test client."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    paths = [PROFILE.format(slug=SYSTEM, code=c) for c in codes]
    client = Client(SERVER_NAME="localhost")
    client.get("/health")
    samples: dict[str, list[tuple[float, int, float]]] = {"cold": [], "warm": []}
    slowest: list[tuple[float, str]] = []
    ok = True
    for path in paths:
        for state in ("cold", "warm"):
            if state == "cold":
                clear_caches()
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                response = client.get(path)
                took = time.perf_counter() - t
            if response.status_code != 200:
                print(f"   {path} answered {response.status_code}")
                ok = False
            in_sql = sum(float(q["time"]) for q in queries.captured_queries)
            samples[state].append((took * 1000, len(queries), in_sql * 1000))
            if state == "cold":
                slowest.extend((float(q["time"]), q["sql"]) for q in queries.captured_queries)
    print(f"\n2. the public PCN profile page, in process (Django's test client), {len(paths)} PCNs")
    print(f"   {'':6} {'median ms':>10} {'max ms':>8} {'queries':>8} {'in SQL ms':>10}")
    for state, rows in samples.items():
        ms = [r[0] for r in rows]
        counts = sorted({r[1] for r in rows})
        shown = str(counts[0]) if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
        print(
            f"   {state:6} {statistics.median(ms):>10.1f} {max(ms):>8.1f} {shown:>8} "
            f"{statistics.median(r[2] for r in rows):>10.1f}"
        )
    print("   cold, the slowest queries:")
    for seconds, sql in sorted(slowest, reverse=True)[:3]:
        print(f"     {seconds * 1000:7.1f} ms  {' '.join(sql.split())[:160]}")
    # Where a cold page's time goes: the presenter (its queries, the spreads) and the charts.
    from commonweal.outcomes import drawings, presenters
    from commonweal.registry.models import System

    system = System.objects.get(slug=SYSTEM)
    split: dict[str, list[float]] = {"presenter": [], "charts": []}
    for code in codes:
        clear_caches()
        t = time.perf_counter()
        view = presenters.profile(system, code, public=True)
        split["presenter"].append(time.perf_counter() - t)
        assert view is not None
        t = time.perf_counter()
        drawings.profile_charts(view)
        split["charts"].append(time.perf_counter() - t)
    print(
        "   cold, its parts (median): presenters.profile "
        f"{statistics.median(split['presenter']) * 1000:.1f} ms, drawings.profile_charts "
        f"(spine chart spec + Vega-Lite to SVG) {statistics.median(split['charts']) * 1000:.1f} ms"
    )
    if show_profile:
        for state in ("cold", "warm"):
            if state == "warm":
                for path in paths:  # every page's charts in the caches
                    client.get(path)
            profiler = cProfile.Profile()
            for path in paths:
                if state == "cold":
                    clear_caches()
                profiler.enable()
                client.get(path)
                profiler.disable()
            print(f"\n   cProfile, {state}, {len(paths)} pages, by cumulative time:")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(25)
            print(f"   cProfile, {state}, by own time:")
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(12)
    return ok


# ---------------------------------------------------------------------------------------------
# 2. The profile page, served.


def under_load(args: argparse.Namespace, env: dict[str, str], paths: list[str]) -> bool:
    processes = max(1, min(os.cpu_count() or 1, args.clients))
    ok = True
    rng = random.Random(2021)

    def run(kinds: tuple[tuple[str, tuple[str, ...]], ...], seconds: float) -> Any:
        start_at = time.time() + 1.0  # once the pool's processes are surely up
        load = Load(
            "127.0.0.1", port, kinds, args.clients, 0.0, seconds, start_at, rng.randrange(99)
        )
        samples = drive(pool, processes, load)
        window = max((s.ended for s in samples), default=start_at) - start_at
        return samples, figures(samples, window)

    with (
        served(env, args.workers, args.threads) as (_, port),
        ProcessPoolExecutor(processes, mp_context=get_context("spawn")) as pool,
    ):
        average = ", ".join(f"{n:.1f}" for n in os.getloadavg())
        print(
            f"\n2. served: `commonweal serve`, {args.workers} workers x {args.threads} threads; "
            f"{args.clients} clients ({processes} client processes), no pause; this machine: "
            f"{os.cpu_count()} CPUs, load average before {average}"
        )
        profiles = (("PCN profile page", tuple(paths)),)
        health = (("baseline: /health", ("/health",)),)
        # Each worker draws each PCN's spine chart once and keeps it: warm up in rounds until
        # every worker has surely seen every page (requests enough) and p95 stops falling.
        print(f"   warm-up, in rounds of {WARM_ROUND:g} s (the first shows a cold server):")
        needed = 10 * args.workers * len(paths)
        made, previous, started = 0, float("inf"), time.monotonic()
        while True:
            samples, warm = run(profiles, WARM_ROUND)
            made += warm.requests
            slowest = max((s.latency for s in samples), default=0.0) * 1000
            print(
                f"     {warm.requests:>6,} requests, {warm.per_second:6.1f}/s, p50 "
                f"{warm.p50:7.1f} ms, p95 {warm.p95:7.1f} ms, slowest {slowest:7.1f} ms"
            )
            if warm.errors:
                report_errors(samples)
                ok = False
            settled = made >= needed and warm.p95 > 0.9 * previous
            if settled or time.monotonic() - started > args.warm_seconds:
                break
            previous = warm.p95
        samples, base = run(health, args.seconds)
        if base.errors:
            report_errors(samples)
            ok = False
        samples, pages = run(profiles, args.seconds)
        if pages.errors:
            report_errors(samples)
            ok = False
        table(
            [("baseline: /health", base, "1"), (f"PCN profile ({len(paths)} PCNs)", pages, "")],
            f"   {args.seconds:g} s each",
        )
        met = "met" if pages.p95 < TARGET_P95_MS and not pages.errors else "NOT met"
        print(
            f"profile p95 {pages.p95:.1f} ms against a target of {TARGET_P95_MS:.0f} ms: {met}; "
            f"p95 / baseline p95 = {pages.p95 / base.p95:.1f}; "
            f"requests/s / baseline requests/s = {pages.per_second / base.per_second:.2f}"
        )
    return ok


# ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    parser.add_argument("--data-dir", default=default_data_dir())
    parser.add_argument("--runs", type=int, default=3, help="of the computation, for medians")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=20, help="of each measured load")
    parser.add_argument("--warm-seconds", type=float, default=90, help="at most")
    parser.add_argument("--workers", type=int, default=min(4, 2 * (os.cpu_count() or 1)))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="cProfile the page in process")
    args = parser.parse_args()
    if args.runs < 1 or args.clients < 1 or args.seconds <= 0:
        parser.error("--runs and --clients must be at least 1, --seconds above 0")
    data_dir = Path(args.data_dir) if args.data_dir else None
    if data_dir is None or not (data_dir / "qof-2020-21").is_dir():
        parser.error("--data-dir (or COMMONWEAL_DATA_DIR): a directory holding qof-2020-21/")

    home = tempfile.TemporaryDirectory(prefix="cw-bench-outcomes-")
    url = args.database_url or f"sqlite:///{home.name}/bench.sqlite3"
    engine = urllib.parse.urlsplit(url).scheme
    if not engine.startswith(("postgres", "sqlite")):
        parser.error(f"--database-url: PostgreSQL (postgres://...) or SQLite, not {engine}")
    fresh_database(url, args.reset)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "commonweal.settings",
        "COMMONWEAL_HOME": home.name,
        "COMMONWEAL_DEBUG": "0",
        "COMMONWEAL_DATA_DIR": str(data_dir),
        "COMMONWEAL_SECRET_KEY": secrets.token_urlsafe(50),
    }
    print(f"database: {engine.split('+')[0]}; data: {data_dir}")
    build(env)

    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection, connections

    from commonweal.outcomes.models import Value

    measure_compute(data_dir, args.runs)
    # As a server's maintenance would: the planner's statistics after the rewrites, and the
    # write-ahead log folded into the database file.
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {Value._meta.db_table}")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    codes = pcn_codes()
    paths = [PROFILE.format(slug=SYSTEM, code=c) for c in codes]
    ok = in_process(codes, args.profile)
    connections.close_all()
    ok = under_load(args, env, paths) and ok
    home.cleanup()
    if not ok:
        sys.exit("there were errors (any answer but 200): see above")


if __name__ == "__main__":
    main()
