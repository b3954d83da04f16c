from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.commands import Command as Base
from commonweal.finance import example


class Command(Base):
    help = (
        "Write the example monthly finance return: NHS Devon CCG (15N), devon-2019, 2020/21 as "
        "at M10, which imported gives the financial position of seed 002's table. Import it "
        "with `commonweal import-return FILE --system devon-2019 --year 2020 --month 10`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="the workbook to write (.xlsx)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = example.write_example(options["out"])
        self.stdout.write(
            f"{path}: the example return of NHS Devon CCG ({example.ORGANISATION}) for "
            f"{example.SYSTEM} {example.YEAR}/{(example.YEAR + 1) % 100:02d}, as at "
            f"M{example.MONTH}. Import it with: commonweal import-return {path} --system "
            f"{example.SYSTEM} --year {example.YEAR} --month {example.MONTH} --open-year"
        )
