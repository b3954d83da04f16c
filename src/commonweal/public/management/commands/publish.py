from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from commonweal.public.publication import publish_pending


class Command(BaseCommand):
    help = (
        "Publish to the public register every decision, event, approved minutes and register "
        "entry not yet published (each action publishes its own changes; this catches records "
        "loaded in bulk). A record already published whose form now differs is not published "
        "again unless named with --republish: no action made that change, so verify-register "
        "reports it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--republish",
            nargs="+",
            default=[],
            metavar="KEY",
            help="records whose changed form you have checked and mean to publish as a new "
            "version (e.g. D00012 G3)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        added, held = publish_pending(options["republish"])
        self.stdout.write(f"{added:,} entries published.")
        if held:
            self.stdout.write(
                f"{len(held):,} published records differ from what was published and were not "
                f"published again: {', '.join(held[:20])}{' …' if len(held) > 20 else ''}. "
                "Run `commonweal verify-register`; publish a checked change with --republish."
            )
