from pathlib import Path
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import RefusedError
from commonweal.governance.actions import example_path, load_governance


class Command(Base):
    help = (
        "Load a governance document: a system's posts (with their statutory roles and holders) and "
        "bodies (with terms of reference: members, attendees, quorum, voting). FILE may be an "
        "example's name, e.g. devon-2019-governance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            path = example_path(options["file"]) or path
            if not path.exists():
                raise RefusedError(f"{options['file']}: no such file, and no example of that name")
        result = load_governance(Actor.command_line(), path)
        self.stdout.write(f"{result.system.slug}: {result.posts} posts, {result.bodies} bodies")
