from typing import Any

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.outcomes import suppression


class Command(Base):
    help = (
        "Work out again which figures the public pages withhold so that no suppressed count "
        "can be worked out from a total: run it after changing COMMONWEAL_SMALL_NUMBER."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        marked = suppression.withhold_small_numbers(Actor.command_line())
        self.stdout.write(
            f"{marked:,} figures withheld beside counts below {suppression.threshold()}"
        )
