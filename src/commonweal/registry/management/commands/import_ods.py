from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.registry import importers


class Command(Base):
    help = (
        "Import NHS organisation data: GP practices (ODS epraccur CSV), primary care networks "
        "(ODS ePCN.xlsx), the QOF practice-PCN-CCG-STP-region mapping, and practice list sizes "
        "(QOF prevalence CSV). With no file option, imports every such file found in the data "
        "directory. Each run is one transaction: a bad row is reported with its line and nothing "
        "is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            help="directory holding ods/ and qof-2020-21/ (default: COMMONWEAL_DATA_DIR)",
        )
        parser.add_argument("--epraccur", type=Path, help="an epraccur CSV file")
        parser.add_argument("--epcn", type=Path, help="an ePCN workbook")
        parser.add_argument("--qof-mapping", type=Path, help="a QOF MAPPING_NHS_GEOGRAPHIES CSV")
        parser.add_argument("--list-sizes", type=Path, help="a QOF PREVALENCE CSV")
        parser.add_argument(
            "--list-size-date",
            type=date.fromisoformat,
            default=importers.QOF_LIST_DATE,
            help="the date the list sizes describe (default 2021-01-01 for QOF 2020/21)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.db import transaction

        actor = Actor.command_line()
        files = [
            (options["qof_mapping"], importers.read_qof_mapping, importers.write_qof_mapping),
            (options["epraccur"], importers.read_epraccur, importers.write_epraccur),
            (options["epcn"], importers.read_epcn, importers.write_epcn),
        ]
        chosen = [(p, read, write) for p, read, write in files if p]
        if chosen or options["list_sizes"]:
            # Every file is read and checked before anything is written, in one transaction.
            reads = [(read(p), write) for p, read, write in chosen]
            if options["list_sizes"]:
                reads.append(
                    (
                        importers.read_list_sizes(options["list_sizes"], options["list_size_date"]),
                        importers.write_list_sizes,
                    )
                )
            with transaction.atomic():
                results = [write(actor, r) for r, write in reads]
        else:
            data_dir = options["data_dir"] or settings.COMMONWEAL_DATA_DIR
            if not data_dir:
                raise Refused(
                    "no data directory: pass --data-dir or set COMMONWEAL_DATA_DIR, or name files"
                )
            results = importers.import_all(actor, data_dir)
        for r in results:
            rate = r.rows / r.seconds if r.seconds else 0
            self.stdout.write(f"{r.describe()} in {r.seconds:.2f} s ({rate:,.0f} rows/s)")
