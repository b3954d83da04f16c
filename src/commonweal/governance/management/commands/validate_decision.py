import json
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.governance.presenters import describe_validation
from commonweal.governance.requests import validate_file


class Command(Base):
    help = (
        "Was this decision validly made? Check a recorded decision (YAML: system, decision_type, "
        "on, organisation, amount, deciders [{person, post}], body, context) against the scheme "
        "in force that day. Exits 0 when valid, 3 when not."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result, _ = validate_file(options["file"])
        if options["json"]:
            self.stdout.write(json.dumps(describe_validation(result), indent=2))
        else:
            self.stdout.write("VALID" if result.valid else "NOT VALID")
            for c in result.checks:
                clause = f" [{c.clause}]" if c.clause else ""
                self.stdout.write(f"  {c.status.value:<14} {c.code:<26} {c.sentence}{clause}")
        if not result.valid:
            raise SystemExit(3)
