from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.outcomes import data, tasks


class Command(Base):
    help = (
        "Import the national outcomes data from the data directory (ONS populations, practice "
        "and PCN deprivation, A&E series) and compute QOF 2020/21 prevalence for every practice "
        "in England, its roll-ups and each system's areas. --background leaves it to the worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", help="the data directory (default COMMONWEAL_DATA_DIR)")
        parser.add_argument("--background", action="store_true", help="queue it for the worker")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["data"] or settings.COMMONWEAL_DATA_DIR
        if not directory:
            raise Refused("no data directory: give --data or set COMMONWEAL_DATA_DIR")
        if options["background"]:
            result = tasks.import_outcomes.enqueue(str(directory))
            self.stdout.write(f"queued for the worker ({result.id})")
            return
        for line in data.import_all(Actor.command_line(), directory):
            self.stdout.write(line)
