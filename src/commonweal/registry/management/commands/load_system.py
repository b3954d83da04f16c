from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.registry.actions import example_path, load_system
from commonweal.registry.structure import structure_on


class Command(Base):
    help = (
        "Validate a system document (YAML) and load it. Loading the same document again changes "
        "nothing. Any error names the file, line and field, and nothing is written. FILE may also "
        "be the name of a built-in example: devon-2019, south-east-london-2020."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="path to a system document, or an example's name")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], example_path)
        result = load_system(Actor.command_line(), path)
        report = structure_on(result.system)
        counts = report.counts()
        self.stdout.write(
            f"{result.system.slug}: {result.areas} areas from the document, "
            f"{result.organisations_created} organisations created, "
            f"{result.organisations_updated} changed"
            + ("" if result.changed else " (nothing changed)")
        )
        self.stdout.write(
            f"structure on {report.on}: {counts['error']} errors, {counts['warning']} warnings, "
            f"{counts['information']} for information (commonweal check-structure {result.system.slug})"
        )
