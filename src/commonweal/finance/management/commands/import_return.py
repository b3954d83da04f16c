import re
import sys
from typing import Any

from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.finance.actions import month_name, open_year
from commonweal.finance.models import FinancialYear, year_label
from commonweal.finance.returns import import_file
from commonweal.registry.models import System


class Command(Base):
    help = (
        "Import a monthly finance return (.xlsx) into a system's ledger for a financial year, "
        "as at a month. The workbook is checked whole: any problem is printed with its sheet "
        "and cell, one a line, and nothing is written (exit status 1). The layout is described "
        "in commonweal.finance.returns; `commonweal finance-example` writes an example."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the workbook (.xlsx)")
        parser.add_argument("--system", required=True, help="the system's slug, e.g. devon-2019")
        parser.add_argument(
            "--year",
            required=True,
            type=int,
            help="the financial year by its start: 2020 is 2020/21",
        )
        parser.add_argument("--month", required=True, help="the return's month: 1..12 or M1..M12")
        parser.add_argument(
            "--open-year", action="store_true", help="open the financial year if it is not open"
        )
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"]).first()
        if system is None:
            raise CommandError(f"no system '{options['system']}'")
        found = re.fullmatch(r"[Mm]?([0-9]{1,2})", options["month"].strip())
        month = int(found.group(1)) if found else 0
        if not 1 <= month <= 12:
            raise CommandError(f"--month {options['month']}: give M1 (April) to M12 (March)")
        actor = Actor.command_line()
        year = FinancialYear.objects.filter(system=system, start=options["year"]).first()
        if year is None:
            if not options["open_year"]:
                raise CommandError(
                    f"{system.name} has no financial year {year_label(options['year'])}: "
                    "add --open-year to open it"
                )
            year = open_year(actor, system, options["year"])
        bars: list[Any] = []

        def progress(done: int, total: int) -> None:
            # Made when the first rows are read, so a refusal before then prints no bar.
            if not bars:
                bars.append(
                    tqdm(
                        total=total,
                        unit=" rows",
                        disable=options["quiet_progress"],
                        file=sys.stderr,
                    )
                )
            bar = bars[0]
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            ret = import_file(actor, year, month, options["file"], progress)
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(
            f"Return {ret.pk}: {ret.file_name} for {month_name(year, month)} of {system.name} "
            f"{year.label} imported: {ret.entries:,} entries from {ret.total:,} rows."
        )
        event = actor.events[-1] if actor.events else None
        if event is not None:
            self.stdout.write(event.summary)
