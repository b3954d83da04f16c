from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.outcomes.actions import read_document
from commonweal.registry.actions import example_path

from ...actions import load_framework


class Command(Base):
    help = (
        "Check and load a system's assurance framework (YAML): what is monitored at system and "
        "place, the thresholds that make an exception, and who owns each line. Refused with "
        "file, line and field; nothing is written. FILE may be an example's name, e.g. "
        "devon-2019-assurance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        located, text = read_document(document_path(options["file"], example_path))
        loaded = load_framework(Actor.command_line(), located, text)
        f = loaded.framework
        state = "unchanged" if loaded.unchanged else "loaded"
        self.stdout.write(f"{f.system.slug}/{f.code}: version {loaded.version.number} {state}")
