import json
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.governance.presenters import describe_route
from commonweal.governance.requests import route_file


class Command(Base):
    help = (
        "Who must decide this? Route a proposal (YAML: system, decision_type, on, footprint, "
        "project, commitments [{organisation, amount}]) through each organisation's scheme of "
        "delegation. Exits 0 when someone may decide, 3 when no one may."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result, gov = route_file(options["file"])
        if options["json"]:
            self.stdout.write(json.dumps(describe_route(result, gov), indent=2))
        else:
            for org in result.organisations:
                self.stdout.write(
                    f"{gov.name(org.organisation)} ({org.scheme or 'no scheme'})"
                    + (" [illustrative scheme]" if org.illustrative else "")
                )
                if not org.decidable:
                    self.stdout.write(f"  {org.reason}")
                for n, step in enumerate(org.steps, 1):
                    self.stdout.write(f"  {n}. {step.kind.value:<15} {step.sentence} [{step.id}]")
            for step in result.joint:
                self.stdout.write(f"Jointly: {step.sentence} [{step.id}]")
        if not result.decidable:
            raise SystemExit(3)
