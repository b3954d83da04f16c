from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from commonweal.public.verify import read_anchors, verify


class Command(BaseCommand):
    help = (
        "Check the public register: every entry's hash against its content and the entry "
        "before it, every record against the version published, and the chain against its "
        "anchors, in the database and kept outside it. Names each record changed after "
        "publication; exits 1 if any was."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchors",
            metavar="FILE_OR_URL",
            help="the anchors kept outside the database: a JSON-lines file, a directory of "
            "anchor files, or a URL such as https://…/public/register/anchors.jsonl "
            "(default: the configured anchors storage, COMMONWEAL_ANCHORS)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            outside = read_anchors(options["anchors"])
        except (OSError, ValueError) as e:
            raise CommandError(f"could not read the anchors: {e}") from None
        report = verify(outside)
        self.stdout.write(
            f"{report.entries:,} entries in the chain, {report.records:,} records, "
            f"{report.anchors:,} anchors in the database, {report.outside:,} kept outside it."
        )
        for p in report.problems:
            self.stdout.write(f"{'CHANGED' if p.tampering else 'note'}: {p.record}: {p.message}")
        if report.tampered:
            raise CommandError(
                f"{sum(p.tampering for p in report.problems)} problems: the register is not as "
                "published"
            )
        self.stdout.write("The register is as published.")
