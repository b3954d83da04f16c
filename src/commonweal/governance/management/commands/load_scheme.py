from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.governance.actions import load_scheme
from commonweal.registry.actions import example_path


class Command(Base):
    help = (
        "Check and load a scheme of reservation and delegation (YAML). Overlapping or missing "
        "bands, deciders that do not exist, delegation cycles and reserved matters that are also "
        "delegated are refused with file, line and an explanation; nothing is written. FILE may "
        "be an example's name, e.g. devon-2019-scheme-15N."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], example_path)
        scheme = load_scheme(Actor.command_line(), path)
        self.stdout.write(
            f"{scheme.organisation.code}: {scheme} in force from {scheme.in_force_from}"
            + (" (illustrative)" if scheme.illustrative else "")
        )
