import getpass
from typing import Any

from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.core.models import Organisation, Role
from commonweal.core.people import add_person, assign_role


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
        parser.add_argument(
            "--person",
            help="the key of an existing person (a post holder) this account signs in as",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise Refused(f"no organisation has the code {options['organisation']}")
        password = options["password"] or getpass.getpass("Password: ")
        actor = Actor.command_line()
        account = add_person(
            actor,
            options["username"],
            password,
            full_name=options["name"],
            email=options["email"],
            organisation=organisation,
            person_key=options["person"] or "",
        )
        assign_role(actor, account.person, organisation, Role(options["role"]))
        self.stdout.write(f"{options['username']} acts as {options['role']} for {organisation}")
