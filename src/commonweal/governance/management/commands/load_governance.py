from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import document_path
from commonweal.governance.actions import load_governance
from commonweal.registry.actions import example_path


class Command(Base):
    help = (
        "Load a governance document: a system's posts (with their statutory roles and holders) and "
        "bodies (with terms of reference: members, attendees, quorum, voting). FILE may be an "
        "example's name, e.g. devon-2019-governance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        path = document_path(options["file"], example_path)
        result = load_governance(Actor.command_line(), path)
        self.stdout.write(f"{result.system.slug}: {result.posts} posts, {result.bodies} bodies")
