from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.registry.actions import example_path

from ...actions import read_setup


class Command(Base):
    help = (
        "Load a system's proposals set-up (YAML): the workflow it runs, its bodies for the "
        "workflow's, and its clinical programmes. Refused with file, line and field; nothing is "
        "written. FILE may be an example's name, e.g. devon-2019-proposals."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        setup = read_setup(Actor.command_line(), document_path(options["file"], example_path))
        self.stdout.write(
            f"{setup.system.slug}: proposals run by {setup.workflow.code} "
            f"version {setup.workflow.version}"
        )
