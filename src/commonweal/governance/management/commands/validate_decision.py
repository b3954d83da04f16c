import json
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.governance.presenters import describe_validation
from commonweal.governance.requests import validate_file


class Command(Base):
    help = (
        "Was this decision validly made, and whom does it bind? Check a recorded decision (YAML: "
        "system, decision_type, on, project, footprint, meeting, parts [{organisation, amount, "
        "deciders [{person, post}], body, route_step, consent, votes}], context) against each "
        "organisation's scheme in force that day. Exits 0 when every part is valid, 3 when not."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        result, gov = validate_file(options["file"])
        described = describe_validation(result, gov)
        if options["json"]:
            self.stdout.write(json.dumps(described, indent=2))
        else:
            self.stdout.write("VALID" if result.valid else "NOT VALID")
            binds = ", ".join(described["binds_names"]) or "no organisation"
            self.stdout.write(f"Binds: {binds}")
            if described["meeting"]:
                m = described["meeting"]
                self.stdout.write(f"  {'meeting':<14} {m['status']:<14} {m['sentence']}")
            for c in result.checks:
                clause = f" [{c.clause}]" if c.clause else ""
                who = c.organisation or "decision"
                self.stdout.write(
                    f"  {who:<14} {c.status.value:<14} {c.code.value:<26} {c.sentence}{clause}"
                )
        if not result.valid:
            raise SystemExit(3)
