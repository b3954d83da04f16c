from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.outcomes import actions
from commonweal.registry.actions import example_path


class Command(Base):
    help = (
        "Check and load a system's outcomes framework (YAML): its outcomes and the indicators "
        "that measure each. Refused with file, line and field; nothing is written. FILE may be "
        "an example's name, e.g. devon-2019-outcomes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], example_path)
        located, text = actions.read_document(path)
        loaded = actions.load_framework(Actor.command_line(), located, text)
        f = loaded.framework
        if loaded.unchanged:
            self.stdout.write(
                f"{f.system.slug}/{f.code}: unchanged (version {loaded.version.number})"
            )
        else:
            self.stdout.write(
                f"{f.system.slug}/{f.code}: version {loaded.version.number}; "
                + loaded.indicators.describe()
            )
