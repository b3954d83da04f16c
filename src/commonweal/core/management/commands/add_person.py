import getpass
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.commands import RefusedError
from commonweal.core.models import Role
from commonweal.core.people import add_person, assign_role
from commonweal.registry.models import Organisation


class Command(Base):
    help = "Create (or update) a person and give them a role for an organisation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--organisation", required=True, help="organisation code, e.g. 15N")
        parser.add_argument(
            "--role", required=True, choices=[r.value for r in Role if r != Role.CLERK]
        )
        parser.add_argument("--name", default="", help="full name")
        parser.add_argument("--email", default="")
        parser.add_argument("--password", help="password (asked for when omitted)")

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise RefusedError(f"no organisation has the code {options['organisation']}")
        password = options["password"] or getpass.getpass("Password: ")
        if len(password) < 8:
            raise RefusedError("a password needs at least 8 characters")
        actor = Actor.command_line()
        person = add_person(
            actor, options["username"], password, full_name=options["name"], email=options["email"]
        )
        assign_role(actor, person, organisation, Role(options["role"]))
        self.stdout.write(f"{options['username']} acts as {options['role']} for {organisation}")
