import sys
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.core.errors import NotFound
from commonweal.outcomes import exports
from commonweal.outcomes.models import Indicator


class Command(Base):
    help = "Write an indicator's values as a Fingertips CSV file (to standard output or --out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("indicator", help="the indicator's code")
        parser.add_argument("--area-type", help="only areas of this type, e.g. PCN")
        parser.add_argument("--out", help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        indicator = Indicator.objects.filter(code=options["indicator"]).first()
        if indicator is None:
            raise NotFound(f"no indicator '{options['indicator']}'")
        data = exports.fingertips_csv(indicator, area_type=options["area_type"])
        if options["out"]:
            with open(options["out"], "wb") as f:
                f.write(data)
        else:
            sys.stdout.buffer.write(data)
