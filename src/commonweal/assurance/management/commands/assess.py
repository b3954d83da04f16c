import json
from typing import Any

from django.core.management.base import CommandError, CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.registry.models import System

from ... import presenters, rules
from ...actions import assess, scopes


class Command(Base):
    help = (
        "Assess a period of a system's assurance framework from the data held now: the system's "
        "report and each place's, with the exceptions the data triggers (carried on from the "
        "period before, new, or leaving the report). PERIOD is e.g. 2020-21-q4."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", help="the system's slug, e.g. devon-2019")
        parser.add_argument("period", help="the financial year and quarter, e.g. 2020-21-q4")
        parser.add_argument("--json", action="store_true", help="print the reports as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        system = System.objects.filter(slug=options["system"]).first()
        if system is None:
            raise CommandError(f"no system '{options['system']}'")
        framework = presenters.framework_of(system)
        if framework is None:
            raise CommandError(
                f"{system.name} has no assurance framework: load one first (commonweal "
                "load-assurance FILE)"
            )
        try:
            period = rules.parse(options["period"])
        except rules.PeriodError as exc:
            raise CommandError(str(exc)) from None
        done = assess(Actor.command_line(), framework, period)
        if options["json"]:
            reports = [
                presenters.as_json(presenters.report(framework, s, period)) for s in scopes(system)
            ]
            self.stdout.write(json.dumps(reports, indent=2))
            return
        self.stdout.write(done.describe())
        if done.plan_item is not None:
            self.stdout.write(f"on the forward plan as {done.plan_item.reference}")
