from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Refused
from commonweal.core.models import Role
from commonweal.core.people import assign_role
from commonweal.governance.models import Body


class Command(Base):
    help = (
        "Make a person the clerk of a body: they manage its meetings, agendas, papers, "
        "attendance and declarations, and nothing of any other body."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="an account made with add-person")
        parser.add_argument("--body", required=True, help="SYSTEM/BODY, e.g. devon-2019/ice")
        parser.add_argument(
            "--organisation",
            help="the owner they clerk for (needed when the body has several owners)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        account = get_user_model().objects.filter(username=options["username"]).first()
        if account is None or not hasattr(account, "person"):
            raise Refused(f"no account '{options['username']}': make it with add-person first")
        slug, _, code = options["body"].partition("/")
        body = Body.objects.filter(system__slug=slug, code=code).first()
        if body is None:
            raise Refused(f"no body '{options['body']}' (write it as SYSTEM/BODY)")
        owners = list(body.owners.all())
        if options["organisation"]:
            owners = [o for o in owners if o.code == options["organisation"]]
            if not owners:
                raise Refused(f"{options['organisation']} does not own {body.name}")
        elif len(owners) > 1:
            codes = ", ".join(o.code for o in owners)
            raise Refused(f"{body.name} has several owners ({codes}): name one with --organisation")
        assign_role(Actor.command_line(), account.person, owners[0], Role.CLERK, scope=body)
        self.stdout.write(f"{account} is clerk of {body.name} for {owners[0].name}")
