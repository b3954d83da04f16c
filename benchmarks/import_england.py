"""Benchmark: import every England GP practice and PCN from the ODS and QOF files.

Target (issue 2): under 10 s on this machine. Prints, for a fresh database and for a re-import
over existing rows, each file's rows per second, and the ratio of the whole import to a
baseline that only reads and parses the same files in the same process.

Then (issue 7) the whole import as `commonweal import-ods` and the task worker run it: every file
read and checked first, then one write transaction. It prints how long the database was held
for writing, while another thread writes a sign-in's session every 50 ms: every one of those
writes must succeed, and the longest wait shows how long a sign-in can be kept waiting.

    .venv/bin/python benchmarks/import_england.py [--data-dir DIR]

Uses a throwaway SQLite file unless DATABASE_URL is set (e.g. to a PostgreSQL database).
"""

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir", default=os.environ.get("COMMONWEAL_DATA_DIR", "../shared/data")
    )
    args = parser.parse_args()
    data = Path(args.data_dir)
    files = {
        "qof_mapping": data / "qof-2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv",
        "epraccur": data / "ods" / "epraccur.csv",
        "epcn": data / "ods" / "ePCN.xlsx",
        "list_sizes": data / "qof-2020-21" / "PREVALENCE_2021_v2.csv",
    }
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        sys.exit(f"data files not found: {', '.join(missing)} (set --data-dir)")

    tmp = tempfile.TemporaryDirectory()
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp.name}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commonweal.settings")
    os.environ["COMMONWEAL_HOME"] = tmp.name
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from commonweal.core.actions import Actor
    from commonweal.core.models import Organisation
    from commonweal.registry import importers
    from commonweal.registry.models import NetworkMembership

    call_command("migrate", verbosity=0)
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")

    # Baseline: read and parse the same files, writing nothing.
    started = time.perf_counter()
    parsed = 0
    for key in ("qof_mapping", "epraccur", "list_sizes"):
        with files[key].open(newline="", encoding="utf-8-sig") as f:
            parsed += sum(1 for _ in csv.reader(f))
    for sheet in ("PCNDetails", "PCN Core Partner Details"):
        parsed += len(importers._sheet_rows(files["epcn"], sheet))
    baseline = time.perf_counter() - started
    print(
        f"baseline (read and parse only): {parsed:,} rows in {baseline:.2f} s ({parsed / baseline:,.0f} rows/s)"
    )

    actor = Actor.command_line()
    steps = [
        ("QOF mapping", importers.import_qof_mapping, files["qof_mapping"]),
        ("epraccur", importers.import_epraccur, files["epraccur"]),
        ("ePCN", importers.import_epcn, files["epcn"]),
    ]
    for run in ("fresh database", "re-import over existing rows"):
        print(f"-- {run}")
        total_rows, total = 0, 0.0
        for label, fn, path in steps:
            t = time.perf_counter()
            result = fn(actor, path)
            seconds = time.perf_counter() - t
            total_rows += result.rows
            total += seconds
            print(
                f"{label:<12} {result.rows:>8,} rows {seconds:6.2f} s {result.rows / seconds:>10,.0f} rows/s"
            )
        print(
            f"{'practices+PCNs':<12} {total_rows:>8,} rows {total:6.2f} s {total_rows / total:>10,.0f} rows/s"
            f"  (target < 10 s: {'met' if total < 10 else 'NOT MET'}; {total / baseline:.1f}x the parse-only baseline)"
        )
        t = time.perf_counter()
        sizes = importers.import_list_sizes(actor, files["list_sizes"])
        seconds = time.perf_counter() - t
        print(
            f"{'list sizes':<12} {sizes.rows:>8,} rows {seconds:6.2f} s {sizes.rows / seconds:>10,.0f} rows/s"
        )
    held_for_writing(data, actor)
    print(
        f"in the database: {Organisation.objects.filter(kind='gp_practice').count():,} practices, "
        f"{Organisation.objects.filter(kind='primary_care_network').count():,} PCNs, "
        f"{NetworkMembership.objects.count():,} memberships"
    )


def held_for_writing(data: Path, actor: object) -> None:
    """import_all's phases, and writes from elsewhere queuing rather than failing meanwhile."""
    import threading

    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection, transaction

    from commonweal.registry import importers

    steps = [
        (
            data / "qof-2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv",
            importers.read_qof_mapping,
            importers.write_qof_mapping,
        ),
        (data / "ods" / "epraccur.csv", importers.read_epraccur, importers.write_epraccur),
        (data / "ods" / "ePCN.xlsx", importers.read_epcn, importers.write_epcn),
        (
            data / "qof-2020-21" / "PREVALENCE_2021_v2.csv",
            importers.read_list_sizes,
            importers.write_list_sizes,
        ),
    ]
    waits: list[float] = []
    failures: list[str] = []
    stop = threading.Event()

    def sign_ins() -> None:
        while not stop.is_set():
            t = time.perf_counter()
            try:
                session = SessionStore()
                session["signed_in"] = True
                session.create()
                waits.append(time.perf_counter() - t)
            except Exception as exc:
                failures.append(str(exc))
            time.sleep(0.05)
        connection.close()

    writer = threading.Thread(target=sign_ins)
    writer.start()
    started = time.perf_counter()
    reads = [(read(path), write) for path, read, write in steps]
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        for read, write in reads:
            write(actor, read)
    held = time.perf_counter() - started
    time.sleep(0.3)
    stop.set()
    writer.join()
    waits.sort()
    print(
        f"-- import-ods as one run: read and checked in {read_seconds:.2f} s (database not held), "
        f"written in {held:.2f} s (the database held for writing)"
    )
    print(
        f"   meanwhile {len(waits)} sign-in writes from another connection: {len(failures)} failed; "
        f"longest wait {waits[-1]:.2f} s, median {waits[len(waits) // 2] * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
