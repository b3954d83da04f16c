import json
from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.registry.models import System
from commonweal.registry.structure import structure_on


class Command(Base):
    help = (
        "Print the structure findings of a system: populations against guidance, practices in no "
        "PCN or in two, overlaps and gaps, orphans, PCNs with no place, coterminosity. Exits 0 "
        "whatever it finds (use --fail-on to make findings fail)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", help="the system's slug, for example devon-2019")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")
        parser.add_argument(
            "--on", type=date.fromisoformat, help="check as on this date (YYYY-MM-DD)"
        )
        parser.add_argument(
            "--fail-on",
            choices=["error", "warning"],
            help="exit with status 2 when a finding of this severity or worse is found",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"]).first()
        if system is None:
            known = ", ".join(System.objects.values_list("slug", flat=True)) or "none loaded"
            raise Refused(f"no system '{options['system']}' (systems: {known})")
        report = structure_on(system, options["on"])
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "system": system.slug,
                        "on": report.on.isoformat(),
                        "counts": report.counts(),
                        "findings": [f.as_dict() for f in report.findings],
                    },
                    indent=2,
                )
            )
        else:
            counts = report.counts()
            self.stdout.write(
                f"{system.name} on {report.on}: {len(report.areas)} areas, "
                f"{len(report.practices)} practices; {counts['error']} errors, "
                f"{counts['warning']} warnings, {counts['information']} for information"
            )
            for f in report.findings:
                self.stdout.write(f"{f.severity.value:<11} {f.rule:<30} {f.explanation}")
        worst = {"error": {"error"}, "warning": {"error", "warning"}}.get(
            options["fail_on"] or "", set()
        )
        if any(f.severity.value in worst for f in report.findings):
            raise SystemExit(2)
