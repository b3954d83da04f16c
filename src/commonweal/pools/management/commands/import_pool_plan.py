"""`commonweal import-pool-plan devon-2019 devon-bcf 2020 plan.xlsx`: load a pooled fund's plan
for a financial year from a workbook, as a new version of the year's plan."""

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import NotPermitted, Refused
from commonweal.finance.models import FinancialYear, year_label
from commonweal.registry.models import System

from ...models import Agreement
from ...workbook import import_plan


class Command(Base):
    help = (
        "Load a pooled fund's plan for a financial year from a workbook (.xlsx) as the year's "
        "new version. The workbook is checked whole: every problem is printed as "
        "'file: Sheet!Cell: message', one a line, and nothing is written (exit status 1). The "
        "layout is described in commonweal.pools.workbook; a pool's plan page exports it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", help="the system's slug, e.g. devon-2019")
        parser.add_argument("pool", help="the pool's reference, e.g. devon-bcf")
        parser.add_argument(
            "year", type=int, help="the financial year by its start: 2020 is 2020/21"
        )
        parser.add_argument("file", help="the workbook (.xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"]).first()
        if system is None:
            raise CommandError(f"no system '{options['system']}'")
        agreement = Agreement.objects.filter(system=system, reference=options["pool"]).first()
        if agreement is None:
            raise CommandError(f"{system.name} has no pooled fund '{options['pool']}'")
        year = FinancialYear.objects.filter(system=system, start=options["year"]).first()
        if year is None:
            raise CommandError(
                f"{system.name} has no financial year {year_label(options['year'])}: open it "
                "first (commonweal import-return --open-year, or the finance pages)"
            )
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or 'could not be read'}") from None
        actor = Actor.command_line()
        try:
            plan = import_plan(actor, agreement, year, path.name, data)
        except NotPermitted:
            raise
        except Refused as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"{agreement.name}: plan for {year.label} loaded from {path.name} as version "
            f"{plan.version}."
        )
        event = actor.events[-1] if actor.events else None
        if event is not None:
            self.stdout.write(event.summary)
