from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.registry.models import System

from ...actions import recompute_system_values


class Command(Base):
    help = (
        "Work out a system's own areas' QOF values again (its places and the system) from the "
        "practice values already stored, summed inside the database: after its networks are "
        "assigned to other places (commonweal assign-pcns), without reading the QOF files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", help="the system's slug, e.g. devon-2019")

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"][:60]).first()
        if system is None:
            raise Refused(f"no system '{options['system'][:60]}'")
        written = recompute_system_values(Actor.command_line(), system)
        self.stdout.write(f"{system.name}: {written:,} values worked out again in the database")
