from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path

from ... import documents
from ...actions import read_workflow


class Command(Base):
    help = (
        "Check and load a proposals workflow (YAML): states, transitions and who makes each, "
        "checked as a graph (unknown, unreachable or dead-end states are refused with file, "
        "line and field; nothing is written). FILE may be a shipped workflow's code, e.g. "
        "four-stages."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], documents.shipped)
        loaded = read_workflow(Actor.command_line(), path)
        w = loaded.workflow
        state = "unchanged" if loaded.unchanged else "loaded"
        self.stdout.write(f"{w.code}: version {w.version} {state}")
