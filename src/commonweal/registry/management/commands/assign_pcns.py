from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.registry.actions import assign_networks, example_path


class Command(Base):
    help = (
        "Assign a system's primary care networks to its places from a YAML document (places, "
        "each with its networks' ODS codes). FILE may be an example's name, e.g. "
        "devon-2019-pcn-places (an illustrative assignment)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], example_path)
        result = assign_networks(Actor.command_line(), path)
        self.stdout.write(
            f"{result.system.slug}: {result.assigned} networks placed, {result.unchanged} "
            "unchanged" + (" (illustrative)" if result.illustrative else "")
        )
