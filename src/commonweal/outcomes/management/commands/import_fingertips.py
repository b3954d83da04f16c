from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.outcomes import actions

MAX_BYTES = 200_000_000


class Command(Base):
    help = (
        "Import indicator values from a Fingertips CSV file. Each Indicator ID must be an "
        "indicator's Fingertips ID; a bad row is refused with its line and column, and nothing "
        "is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise Refused(f"{path}: no such file")
        if path.stat().st_size > MAX_BYTES:
            raise Refused(f"{path}: larger than {MAX_BYTES // 1_000_000} MB")
        result = actions.import_fingertips(Actor.command_line(), path.name, path.read_bytes())
        self.stdout.write(f"{path.name}: {result.rows:,} values of {', '.join(result.indicators)}")
