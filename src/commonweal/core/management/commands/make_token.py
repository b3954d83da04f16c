from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.core.people import make_token


class Command(Base):
    help = "Make an API token for a person. The token is printed once; keep it safe."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        person = get_user_model().objects.filter(username=options["username"]).first()
        if person is None:
            raise Refused(f"no person with the username {options['username']}")
        key, token = make_token(Actor.command_line(), person, options["name"])
        self.stdout.write(key)
        self.stderr.write(f"(expires {token.expires:%Y-%m-%d}; it is shown only this once)")
