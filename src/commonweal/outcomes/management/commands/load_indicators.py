from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.outcomes import actions, data


class Command(Base):
    help = (
        "Check and load indicator definitions (YAML) with their provenance: each changed "
        "definition becomes a new version. FILE may be a shipped catalogue's name, e.g. "
        "qof-2020-21-prevalence; with no FILE, every shipped catalogue."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command_line()
        if options["file"] is None:
            for line in data.load_shipped(actor):
                self.stdout.write(line)
            return
        path = document_path(options["file"], data.definitions_path)
        located, text = actions.read_document(path)
        self.stdout.write(
            f"{path.name}: {actions.load_indicators(actor, located, text).describe()}"
        )
