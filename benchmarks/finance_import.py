"""Benchmark: importing a 100,000-line monthly return from .xlsx.

Target (the finance issue): a return of 100,000 ledger rows is read, checked and imported into
a fresh database in under 15 s. Baselines in the same run, on the same file and rows:
openpyxl's read-only iteration over the workbook (what our streaming text reader is measured
against), and a plain bulk insert of the same entries with nothing checked (what writing them
is measured against). Figures only: nothing here fails on time.

Writes, with openpyxl's write-only mode, a workbook for NHS Devon CCG (15N), 2020/21 as at M8:
5,000 new cost centres across the Devon places, each with budgets for M1–M12 and actuals for
M1–M8 (20 rows a cost centre), amounts in pounds and pence. Builds a fresh database (migrate),
loads the Devon example system and opens the year; then times reading the rows alone, and the
whole import as `commonweal import-return` runs it (keep the file; read and check the rows;
write the lines and entries in one transaction), with its reading and writing timed apart.

    .venv/bin/python benchmarks/finance_import.py [--rows 100000]
    .venv/bin/python benchmarks/finance_import.py --database-url postgres://.../an_empty_database
"""

import argparse
import os
import random
import resource
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

TARGET = 15.0
PLACES = ("north", "east", "south", "west", "plymouth", "torbay", "")
PROGRAMMES = (
    "Acute",
    "Mental health",
    "Community services",
    "Continuing healthcare",
    "Primary care",
    "Other programme",
    "Running costs",
)
HEADINGS = [
    "Organisation",
    "Cost centre",
    "Name",
    "Programme",
    "Place",
    "Nature",
    "Kind",
    "Month",
    "As at",
    "Amount",
    "Note",
]
MONTH = 8


def write_return(path: Path, rows: int) -> tuple[int, int]:
    """The workbook; (data rows, sum of amounts in pence) for checking the import."""
    from openpyxl import Workbook

    rng = random.Random(2020)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Ledger")
    sheet.append(["Units", "£"])
    sheet.append(HEADINGS)
    per_line = 12 + MONTH
    written = total = 0
    for n in range((rows + per_line - 1) // per_line):
        code = f"CC{n:05d}"
        head = [
            "15N",
            code,
            f"Cost centre {n:,}",
            PROGRAMMES[n % len(PROGRAMMES)],
            PLACES[n % len(PLACES)] or None,
            "expenditure",
        ]
        monthly = rng.randint(1_000_00, 5_000_000_00)
        for kind, months in (("budget", 12), ("actual", MONTH)):
            for m in range(1, months + 1):
                if written == rows:
                    break
                pence = monthly + rng.randint(-monthly // 20, monthly // 20)
                amount = float(Decimal(pence) / 100)
                sheet.append([*head, kind, f"M{m}", None, amount, None])
                written += 1
                total += pence
    book.save(path)
    return written, total


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()

    home = tempfile.TemporaryDirectory(prefix="cw-bench-return-")
    os.environ.update(
        {
            "DATABASE_URL": args.database_url or f"sqlite:///{home.name}/bench.sqlite3",
            "DJANGO_SETTINGS_MODULE": "commonweal.settings",
            "COMMONWEAL_HOME": home.name,  # var/ (the kept returns) outside the repository
            "COMMONWEAL_DATA_DIR": "",
        }
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from openpyxl import load_workbook

    from commonweal.core.actions import Actor
    from commonweal.finance import actions, returns, workbook
    from commonweal.finance.models import BudgetLine, Entry
    from commonweal.registry.actions import load_system
    from commonweal.registry.models import System

    call_command("migrate", verbosity=0)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; this machine: {os.cpu_count()} CPUs")
    cl = Actor.command_line()
    examples = __import__("commonweal").__path__[0] + "/examples"
    load_system(cl, f"{examples}/devon-2019.yaml")
    system = System.objects.get(slug="devon-2019")
    year = actions.open_year(cl, system, 2020)

    path = Path(home.name) / "return.xlsx"
    t0 = time.perf_counter()
    rows, pence = write_return(path, args.rows)
    print(
        f"wrote {path.name}: {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB, in "
        f"{time.perf_counter() - t0:.1f} s (openpyxl write-only)"
    )

    # Reading alone: our streaming reader against openpyxl's read-only mode.
    t0 = time.perf_counter()
    ours = sum(1 for _ in workbook.read_rows(path))
    read_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    book = load_workbook(path, read_only=True)
    theirs = sum(1 for ws in book.worksheets for _ in ws.iter_rows(values_only=True))
    book.close()
    openpyxl_s = time.perf_counter() - t0
    assert ours == theirs == rows + 2, (ours, theirs)
    print(
        f"reading rows as text: {read_s:.2f} s ({ours / read_s:,.0f} rows/s); baseline, "
        f"openpyxl read-only: {openpyxl_s:.2f} s; ratio {read_s / openpyxl_s:.2f}"
    )

    # The whole import, as the command line runs it, with its two main steps timed: reading
    # and checking the rows (`returns.read_return`), and writing the entries
    # (`actions.write_entries`, as `returns` calls it).
    steps: dict[str, float] = {}

    def timing(name: str, fn: Any) -> Any:
        def timed(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                steps[name] = time.perf_counter() - t

        return timed

    returns.read_return = timing("read", returns.read_return)  # type: ignore[assignment]
    returns.write_entries = timing("write", returns.write_entries)  # type: ignore[assignment]
    t0 = time.perf_counter()
    ret = returns.import_file(cl, year, MONTH, path)
    import_s = time.perf_counter() - t0
    assert ret.status == "done" and ret.entries == rows
    stored = Entry.objects.filter(source=ret)
    assert stored.count() == rows
    assert sum(stored.values_list("amount", flat=True)) == pence
    rest = import_s - steps["read"] - steps["write"]
    print(
        f"import: {rows:,} rows into {BudgetLine.objects.count():,} new budget lines in "
        f"{import_s:.2f} s ({rows / import_s:,.0f} rows/s): reading and checking "
        f"{steps['read']:.2f} s ({rows / steps['read']:,.0f} rows/s), writing the entries "
        f"{steps['write']:.2f} s, the rest (keeping the file, the lines, locks) {rest:.2f} s"
    )

    # Baselines: a plain insert of the same entries (one executemany, nothing looked up or
    # checked, rolled back afterwards); and that after openpyxl's read-only iteration, for the
    # whole import.
    values = [
        (
            e.line_id,
            year.pk,
            e.month,
            e.kind,
            e.amount,
            "baseline",
            timezone.now(),
        )
        for e in stored.only("line_id", "month", "kind", "amount")
    ]
    table = Entry._meta.db_table
    sql = (
        f"INSERT INTO {table} (line_id, year_id, month, kind, amount, recorded_by, recorded, "
        "label, note) VALUES (%s, %s, %s, %s, %s, %s, %s, '', '')"
    )

    class Undo(Exception):
        pass

    t0 = time.perf_counter()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, values)
            raise Undo
    except Undo:
        pass
    insert_s = time.perf_counter() - t0
    print(
        f"baseline, a plain insert of the same {rows:,} entries: {insert_s:.2f} s; writing "
        f"them took {steps['write'] / insert_s:.1f} times as long"
    )
    base_s = openpyxl_s + insert_s
    print(
        f"baseline for the whole import, openpyxl read-only then a plain insert: {base_s:.2f} "
        f"s; ratio {import_s / base_s:.2f}"
    )
    met = "met" if import_s < TARGET else "NOT met"
    print(f"\ntarget: {rows:,} rows imported in {import_s:.2f} s against {TARGET:.0f} s: {met}")
    print(f"this process's peak RSS: {peak_mb():.0f} MB")


if __name__ == "__main__":
    main()
