from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.core.documents import read_yaml
from commonweal.pools.actions import load_agreement
from commonweal.registry.actions import example_path


class Command(Base):
    help = (
        "Check and load a pooled fund agreement (YAML): partners, the host partner and the "
        "pooled fund manager (both required), term, functions, review dates and the order an "
        "overspend is met in. Refused with file, line and field; nothing is written. FILE may be "
        "an example's name, e.g. devon-2019-pool-devon."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], example_path)
        agreement = load_agreement(Actor.command_line(), read_yaml(path))
        self.stdout.write(
            f"{agreement.system.slug}/{agreement.reference}: {agreement.name}, hosted by "
            f"{agreement.host.name}" + (" (illustrative)" if agreement.illustrative else "")
        )
