import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from commonweal.core.actions import Actor
from commonweal.decisions.actions import request_revalidation
from commonweal.decisions.models import Finding
from commonweal.decisions.revalidation import revalidate
from commonweal.registry.models import System


class Command(BaseCommand):
    help = (
        "Validate every recorded decision of a system again, against the schemes and post "
        "holders as they stand now, and list any that no longer hold, with the reasons."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", help="the system's slug, e.g. devon-2019")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"]).first()
        if system is None:
            raise CommandError(f"no system '{options['system']}'")
        run = request_revalidation(Actor.command_line(), system)
        bar: Any = tqdm(
            total=0, unit=" decisions", disable=options["quiet_progress"], file=sys.stderr
        )

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        run = revalidate(run, progress)
        bar.close()
        self.stdout.write(
            f"{run.total:,} decisions validated again; {run.invalid:,} no longer hold "
            f"({run.queries} queries)."
        )
        for f in Finding.objects.filter(run=run).select_related("decision")[:200]:
            reasons = "; ".join(r["sentence"] for r in f.reasons)
            self.stdout.write(f"{f.decision.reference} {f.decision.title}: {reasons}")
