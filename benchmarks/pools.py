"""Benchmark: a pooled fund's position, its plan in from .xlsx, and the rules on their own.

The pools issue names no target; these are the figures a pooled fund manager waits on:
- the position (every spend line's forecast from the ledger, the overspend met in order) for a
  pool of LINES spend lines, over a ledger of LEDGER_LINES further cost centres (24 entries
  each: budget for 12 months, actuals M1–M10, forecasts M11–M12), against a baseline in the same
  run: a plain SQL sum of the year's entries;
- a plan of LINES lines imported from the .xlsx the app exports (read, checked, written as a new
  version), in lines a second, against a baseline: openpyxl reading the same workbook;
- `rules.resolve` alone for 10,000 lines, and allocation capitation over 10,000 places, in
  lines (places) a second.

Figures only: nothing here fails on time.

    .venv/bin/python benchmarks/pools.py
    .venv/bin/python benchmarks/pools.py --database-url postgres://.../an_empty_database
"""

import argparse
import io
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

LINES = 2_000
LEDGER_LINES = 20_000


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
    parser.add_argument("--lines", type=int, default=LINES)
    parser.add_argument("--ledger-lines", type=int, default=LEDGER_LINES)
    args = parser.parse_args()
    temporary = tempfile.TemporaryDirectory(prefix="cw-bench-pools-")
    home = temporary.name
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
    from django.core.management import call_command
    from django.db import connection

    from commonweal.allocations import rules as allocation_rules
    from commonweal.core.actions import Actor
    from commonweal.core.documents import read_yaml
    from commonweal.core.models import Organisation
    from commonweal.finance import actions as finance
    from commonweal.finance.models import Entry, Kind
    from commonweal.governance.actions import load_governance, load_scheme
    from commonweal.pools import actions, exports, position, rules, workbook
    from commonweal.registry.actions import EXAMPLES_DIR, load_system
    from commonweal.registry.models import System

    call_command("migrate", verbosity=0)
    actor = Actor.command_line()
    load_system(actor, EXAMPLES_DIR / "devon-2019.yaml")
    load_governance(actor, EXAMPLES_DIR / "devon-2019-governance.yaml")
    for path in sorted(EXAMPLES_DIR.glob("devon-2019-scheme-*.yaml")):
        load_scheme(actor, path)
    system = System.objects.get(slug="devon-2019")
    year = finance.open_year(actor, system, 2020)
    ccg, council = (Organisation.objects.get(code=c) for c in ("15N", "E10000008"))
    rng = random.Random(15)

    def ledger(prefix: str, count: int, org: Organisation) -> list[Any]:
        made = finance.add_lines(
            actor,
            system,
            [finance.LineIn(org, f"{prefix}{i:06d}", f"Line {i}") for i in range(count)],
        )
        entries = []
        for line in made:
            monthly = rng.randrange(1_000, 100_000) * 100
            drift = rng.randrange(-20, 21) * monthly // 100
            for m in range(1, 13):
                entries.append(finance.EntryIn(line, m, Kind.BUDGET, monthly))
            for m in range(1, 11):
                entries.append(finance.EntryIn(line, m, Kind.ACTUAL, monthly + drift))
            for m in (11, 12):
                entries.append(finance.EntryIn(line, m, Kind.FORECAST, monthly + drift, as_at=10))
        for start in range(0, len(entries), 50_000):
            finance.write_entries(actor, year, entries[start : start + 50_000])
        return made

    t = time.perf_counter()
    ledger("OTHER", args.ledger_lines, ccg)
    pool_lines = ledger("BCF", args.lines, council)
    built = time.perf_counter() - t
    entries = Entry.objects.filter(year=year).count()
    print(
        f"ledger: {entries:,} entries ({args.ledger_lines + args.lines:,} cost centres), built in {built:.1f} s"
    )

    agreement = actions.load_agreement(
        actor, read_yaml(EXAMPLES_DIR / "devon-2019-pool-devon.yaml")
    )
    budgets = [rng.randrange(100_000, 10_000_000) * 100 for _ in pool_lines]
    total = sum(budgets)
    plan = actions.PlanIn(
        contributions=[
            actions.ContributionIn("15N", total * 6 // 10),
            actions.ContributionIn("E10000008", total - total * 6 // 10),
        ],
        schemes=[actions.SchemeIn("S1", "Scheme", "Community based schemes")],
        lines=[
            actions.LineIn(
                "S1",
                f"L{i}",
                f"Line {i}",
                budgets[i],
                i % 5 != 0,
                cost_centre=line.cost_centre,
                risk_share="fixed" if i % 7 == 0 else "proportional",
                shares={"E10000008": Decimal(100)} if i % 7 == 0 else {},
            )
            for i, line in enumerate(pool_lines)
        ],
    )
    stored = actions.load_plan(actor, agreement, year, plan)

    with connection.cursor() as cursor:

        def baseline() -> int:
            cursor.execute(
                f"SELECT SUM(amount) FROM {Entry._meta.db_table} WHERE year_id = %s", [year.pk]
            )
            return int(cursor.fetchone()[0])

        base, _ = timed(baseline)
    took, found = timed(lambda: position.figures(agreement, year, 10))
    print(
        f"position of a pool of {args.lines:,} lines over {entries:,} entries: "
        f"{took * 1000:.0f} ms (baseline sum {base * 1000:.0f} ms, ratio {took / base:.1f}); "
        f"gross overspend £{found.resolution.gross_overspend / 100:,.0f} met in "
        f"{len(found.resolution.steps)} steps"
    )

    data = exports.plan_workbook(stored)

    def read_only() -> int:
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        return sum(1 for ws in wb.worksheets for _ in ws.iter_rows(values_only=True))

    base, rows = timed(read_only, runs=3)
    t = time.perf_counter()
    version = workbook.import_plan(actor, agreement, year, "bench.xlsx", data)
    took = time.perf_counter() - t
    print(
        f"plan import of {args.lines:,} lines ({len(data) / 1e6:.1f} MB, {rows:,} rows): "
        f"{took:.2f} s, {args.lines / took:,.0f} lines/s (baseline openpyxl read-only "
        f"{base:.2f} s, ratio {took / base:.1f}); version {version.version}"
    )

    many = [
        rules.Line(f"L{i}", "x", 10_000_000, 10_000_000 + rng.randrange(-2_000_000, 2_000_000))
        for i in range(10_000)
    ]
    contributions = {"A": 6, "B": 4}
    took, r = timed(
        lambda: rules.resolve(many, contributions, risk_reserve=10**8, uncommitted=10**8)
    )
    print(
        f"rules.resolve, 10,000 lines: {took * 1000:.0f} ms, {10_000 / took:,.0f} lines/s "
        f"(borne by partners: {sum(r.borne_by.values()):,} pence)"
    )
    places = [
        allocation_rules.PlaceIn(f"P{i}", f"Place {i}", rng.randrange(10_000, 500_000))
        for i in range(10_000)
    ]
    took, _ = timed(lambda: allocation_rules.capitate(10**11, places))
    print(f"capitation over 10,000 places: {took * 1000:.0f} ms, {10_000 / took:,.0f} places/s")
    temporary.cleanup()


if __name__ == "__main__":
    main()
