"""Benchmark: the monitoring table and the system position over a million ledger lines.

Target (the finance issue): over one million ledger entries (12 months, 20 organisations,
programmes, places, cost centres) the monitoring table and the system position come back in
under 1 s on SQLite and on PostgreSQL, summed by the database. A baseline in the same run: a
plain SQL sum over the same entries (`SELECT SUM(amount) FROM entries WHERE year = ...`), and
each figure's ratio to it. Figures only: nothing here fails on time.

Builds a fresh database (migrate), loads the Devon example, adds organisations to make 20, and
writes, for 2020/21 as at M10, 20 × 2,100 cost centres each with a budget for 12 months,
actuals for M1–M10 and forecasts for M11–M12 (24 entries a line: 1,008,000 in all), plus plans
for the organisations. Then times (median of 5, after one warm-up) the monitoring table by
organisation, programme, place, one organisation's cost centres (2,100 rows), the chart's
months, and the system position.

    .venv/bin/python benchmarks/finance_monitoring.py
    .venv/bin/python benchmarks/finance_monitoring.py --database-url postgres://.../an_empty_database
"""

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from typing import Any

TARGET = 1.0
ORGANISATIONS = 20
LINES_EACH = 2_100
PROGRAMMES = (
    "Acute",
    "Mental health",
    "Community",
    "Continuing healthcare",
    "Primary care",
    "Prescribing",
    "Learning disability",
    "Children",
    "Other programme",
    "Running costs",
)


def timed(fn: Callable[[], Any], runs: int = 5) -> tuple[float, Any]:
    result = fn()  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--lines-each", type=int, default=LINES_EACH)
    parser.add_argument("--keep", help="a directory to keep the SQLite database in")
    args = parser.parse_args()
    temporary = tempfile.TemporaryDirectory(prefix="cw-bench-finance-")
    home = args.keep or temporary.name
    os.environ.update(
        {
            "DATABASE_URL": args.database_url or f"sqlite:///{home}/bench.sqlite3",
            "DJANGO_SETTINGS_MODULE": "commonweal.settings",
            "COMMONWEAL_HOME": home,
            "COMMONWEAL_DATA_DIR": "",
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    from commonweal.core.actions import Actor
    from commonweal.core.models import Organisation
    from commonweal.finance import actions, presenters
    from commonweal.finance.models import BudgetLine, Entry, Plan
    from commonweal.registry.actions import load_system
    from commonweal.registry.models import Area

    call_command("migrate", verbosity=0)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; this machine: {os.cpu_count()} CPUs")
    examples = __import__("commonweal").__path__[0] + "/examples"
    cl = Actor.command_line()
    system = load_system(cl, f"{examples}/devon-2019.yaml").system
    year = actions.open_year(cl, system, 2020)
    orgs = list(Organisation.objects.filter(kind__in=("nhs_commissioner", "nhs_trust")))
    orgs += list(Organisation.objects.filter(kind__endswith="council"))
    extra = ORGANISATIONS - len(orgs)
    orgs += Organisation.objects.bulk_create(
        Organisation(code=f"ZZ{i:03d}", name=f"Benchmark NHS Trust {i}", kind="nhs_trust")
        for i in range(max(extra, 0))
    )
    orgs = orgs[:ORGANISATIONS]
    places = [*Area.objects.filter(system=system, level="place"), None]
    rng = random.Random(2020)
    t0 = time.perf_counter()
    lines = BudgetLine.objects.bulk_create(
        BudgetLine(
            system=system,
            organisation=org,
            cost_centre=f"{org.code}-{n:05d}",
            name=f"Cost centre {n}",
            programme=PROGRAMMES[n % len(PROGRAMMES)],
            place=places[n % len(places)],
            nature="income" if n % 50 == 0 else "expenditure",
        )
        for org in orgs
        for n in range(args.lines_each)
    )
    rows: list[tuple[Any, ...]] = []
    for line in lines:
        monthly = rng.randrange(1_000_00, 500_000_00)
        for m in range(1, 13):
            rows.append((line.pk, year.pk, m, "budget", monthly, None))
        for m in range(1, 11):
            rows.append(
                (line.pk, year.pk, m, "actual", monthly + rng.randrange(-5_000_00, 6_000_00), None)
            )
        for m in (11, 12):
            rows.append(
                (line.pk, year.pk, m, "forecast", monthly + rng.randrange(-5_000_00, 6_000_00), 10)
            )
    table = Entry._meta.db_table
    sql = (
        f"INSERT INTO {table} (line_id, year_id, month, kind, amount, as_at, label, note, "
        "recorded, recorded_by) VALUES (%s, %s, %s, %s, %s, %s, '', '', CURRENT_TIMESTAMP, 'benchmark')"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for i in range(0, len(rows), 20_000):
            cursor.executemany(sql, rows[i : i + 20_000])
    Plan.objects.bulk_create(
        Plan(year=year, organisation=org, name="Plan", agreed_on="2020-04-30", position=0)
        for org in orgs
    )
    with connection.cursor() as cursor:
        # As a server's maintenance would: statistics for the planner, and (SQLite) the
        # write-ahead log of the million-row load folded into the database file.
        if engine == "postgresql":
            cursor.execute(f"VACUUM ANALYZE {table}")  # autovacuum's work, done now
        else:
            cursor.execute(f"ANALYZE {table}")
        if engine == "sqlite3":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = Entry.objects.count()
    print(
        f"wrote {count:,} ledger entries on {len(lines):,} budget lines of {len(orgs)} "
        f"organisations in {time.perf_counter() - t0:.1f} s"
    )

    def baseline() -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT SUM(amount) FROM {table} WHERE year_id = %s", [year.pk])
            return int(cursor.fetchone()[0])

    base, _ = timed(baseline)
    print(f"baseline: plain SQL sum over the {count:,} entries: {base * 1000:.0f} ms")
    one = orgs[0]
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("monitoring by organisation", lambda: presenters.monitoring(year, 10, "organisation")),
        ("monitoring by programme", lambda: presenters.monitoring(year, 10, "programme")),
        ("monitoring by place", lambda: presenters.monitoring(year, 10, "place")),
        (
            f"monitoring of one organisation by cost centre ({args.lines_each:,} rows)",
            lambda: presenters.monitoring(year, 10, "cost_centre", one),
        ),
        ("months for the chart", lambda: presenters.months(year, 10)),
        ("system position", lambda: presenters.position(year, 10)),
    ]
    worst = 0.0
    for name, fn in cases:
        seconds, _ = timed(fn)
        worst = max(worst, seconds)
        print(f"{name}: {seconds * 1000:.0f} ms ({seconds / base:.1f}× the baseline)")
    m = presenters.monitoring(year, 10, "organisation")
    print(
        f"check: total budget £{m.total.figures.budget / 100:,.2f} over {m.total.figures.lines:,} lines"
    )
    print(
        f"slowest {worst * 1000:.0f} ms: {'within' if worst < TARGET else 'OVER'} the {TARGET:.0f} s target"
    )


if __name__ == "__main__":
    main()
