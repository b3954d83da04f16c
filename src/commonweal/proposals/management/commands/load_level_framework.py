from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path

from ... import documents
from ...actions import read_level_framework


class Command(Base):
    help = (
        "Check and load a level-triage tree, scoring framework or catalogue of functions (YAML). "
        "A tree with a dead end or a cycle, a score outside 1–5 or a minimum no proposal can "
        "reach is refused with file, line and field; nothing is written. FILE may be a shipped "
        "code: nenc-level, nenc-scoring, lsc-functions."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], documents.shipped_framework)
        loaded = read_level_framework(Actor.command_line(), path)
        f = loaded.framework
        state = "unchanged" if loaded.unchanged else "loaded"
        self.stdout.write(f"{f.kind} {f.code}: version {f.version} {state}")
