from datetime import date
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.registry.actions import add_pcns
from commonweal.registry.models import System


class Command(Base):
    help = (
        "Add a commissioner's primary care networks (imported from ODS) to a system as "
        "neighbourhood areas, with their member practices and registered populations."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", help="the system's slug")
        parser.add_argument(
            "--commissioner", required=True, help="the commissioner's ODS code, e.g. 15N"
        )
        parser.add_argument("--parent", help="the area to hang the networks from (default: none)")
        parser.add_argument(
            "--on", type=date.fromisoformat, help="memberships in force on this date"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"]).first()
        if system is None:
            raise Refused(f"no system '{options['system']}': load it first with load-system")
        result = add_pcns(
            Actor.command_line(), system, options["commissioner"], options["parent"], options["on"]
        )
        self.stdout.write(
            f"{system.slug}: {result.networks} primary care networks, {result.practices} practice "
            f"memberships, {result.populations} populations from list sizes"
        )
