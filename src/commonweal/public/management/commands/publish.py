from typing import Any

from django.core.management.base import BaseCommand

from commonweal.public.publication import publish_pending


class Command(BaseCommand):
    help = (
        "Publish to the public register every decision, event, approved minutes and register "
        "entry not yet published, or changed since (each action publishes its own changes; "
        "this catches records loaded in bulk)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        added = publish_pending()
        self.stdout.write(f"{added:,} entries published.")
