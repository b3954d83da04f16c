from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import CommandParser

from commonweal.core.actions import Actor
from commonweal.core.commands import Command as Base
from commonweal.core.errors import Conflict
from commonweal.core.models import Organisation, Person, Role
from commonweal.core.people import add_person, assign_role
from commonweal.demo.business import add_business
from commonweal.governance.models import Body
from commonweal.registry import importers
from commonweal.registry.actions import EXAMPLES_DIR as EXAMPLES
from commonweal.registry.actions import add_pcns, example_path, load_system

# Devon and South East London (seeds 000-002, 004), and seed 003's two small examples.
EXAMPLE_SYSTEMS = ("devon-2019", "south-east-london-2020", "nenc-2019", "wyh-2019")


class Command(Base):
    help = (
        "Build the example systems from the seeds (devon-2019, south-east-london-2020); where the "
        "data directory is present, import the real ODS and QOF data and add NHS Devon CCG's "
        "primary care networks. Loads each example's bodies, posts and illustrative schemes of "
        "delegation. Creates the demo person 'demo' (password 'commonweal-demo')."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-data", action="store_true", help="skip the ODS and QOF import")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command_line()
        data_dir = settings.COMMONWEAL_DATA_DIR
        if data_dir and not options["no_data"]:
            for r in importers.import_all(actor, data_dir):
                self.stdout.write(r.describe())
        else:
            self.stdout.write("no data directory: the examples load from the seeds alone")
        for name in EXAMPLE_SYSTEMS:
            path = example_path(name)
            assert path is not None
            result = load_system(actor, path)
            self.stdout.write(f"loaded {name}: {result.areas} areas")
        if Organisation.objects.filter(
            kind="primary_care_network", commissioner__code="15N"
        ).exists():
            from commonweal.registry.models import System

            pcns = add_pcns(
                actor, System.objects.get(slug="devon-2019"), "15N", parent="wider-devon"
            )
            self.stdout.write(f"added {pcns.networks} primary care networks to devon-2019")
            from commonweal.registry.actions import assign_networks

            placed = assign_networks(actor, EXAMPLES / "devon-2019-pcn-places.yaml")
            self.stdout.write(
                f"placed {placed.assigned} networks in Devon's four local areas (illustrative)"
            )
        from commonweal.governance.actions import load_governance, load_scheme
        from commonweal.registry.actions import EXAMPLES_DIR

        for name in EXAMPLE_SYSTEMS:
            governance = load_governance(actor, EXAMPLES_DIR / f"{name}-governance.yaml")
            schemes = sorted(EXAMPLES_DIR.glob(f"{name}-scheme-*.yaml"))
            for path in schemes:
                try:
                    load_scheme(actor, path)
                except Conflict as exc:
                    # A database made by an earlier release holds an earlier illustrative
                    # version under the same name, and loaded versions never change.
                    self.stderr.write(
                        f"kept the version of {path.name} already loaded ({exc.message.split('.')[0]}); "
                        "start from a fresh database to load the revised example"
                    )
            self.stdout.write(
                f"loaded {name} governance: {governance.posts} posts, {governance.bodies} bodies, "
                f"{len(schemes)} illustrative schemes of delegation"
            )
        if not get_user_model().objects.filter(username="demo").exists():
            ccg = Organisation.objects.get(code="15N")
            account = add_person(
                actor, "demo", "commonweal-demo", full_name="Demo Commissioner", organisation=ccg
            )
            for role in (Role.COMMISSIONER, Role.ADMINISTRATOR):
                assign_role(actor, account.person, ccg, role)
            self.stdout.write(
                "sign in as demo / commonweal-demo (commissioner and administrator of NHS Devon CCG)"
            )
        if not get_user_model().objects.filter(username="clerk").exists():
            ccg = Organisation.objects.get(code="15N")
            clerk = add_person(
                actor, "clerk", "commonweal-demo", full_name="Demo Clerk", organisation=ccg
            )
            ice = Body.objects.get(system__slug="devon-2019", code="ice")
            assign_role(actor, clerk.person, ccg, Role.CLERK, scope=ice)
            self.stdout.write(
                "sign in as clerk / commonweal-demo (clerk of the Integrated Commissioning "
                "Executive only)"
            )
        self.stdout.write(add_business(actor))
        from commonweal.demo.finance import add_finance

        self.stdout.write(add_finance(actor))
        from commonweal.demo.allocation import add_allocation

        self.stdout.write(add_allocation(actor))
        if not get_user_model().objects.filter(username="pools").exists():
            # The pools are hosted by the councils: their pooled fund manager keeps them.
            manager = add_person(
                actor,
                "pools",
                "commonweal-demo",
                full_name="Demo Pooled Fund Manager",
                organisation=Organisation.objects.get(code="E10000008"),
            )
            for code in ("E10000008", "E06000026", "E06000027"):
                assign_role(
                    actor, manager.person, Organisation.objects.get(code=code), Role.FINANCE
                )
            # ... and, to show the sign-off, the clerk of Plymouth's Health and Wellbeing Board.
            hwb = Body.objects.get(system__slug="devon-2019", code="hwb-plymouth")
            assign_role(
                actor,
                manager.person,
                Organisation.objects.get(code="E06000026"),
                Role.CLERK,
                scope=hwb,
            )
            self.stdout.write(
                "sign in as pools / commonweal-demo (finance lead and pooled fund manager of the "
                "three councils' Better Care Fund pools, and clerk of Plymouth's Health and "
                "Wellbeing Board)"
            )
        from commonweal.demo.pools import add_board_meeting

        said = add_board_meeting(actor)
        if said:
            self.stdout.write(said)
        from commonweal.outcomes import actions as outcomes
        from commonweal.outcomes import data as outcomes_data

        for line in outcomes_data.load_shipped(actor):
            self.stdout.write(line)
        located, text = outcomes.read_document(EXAMPLES / "devon-2019-outcomes.yaml")
        outcomes.load_framework(actor, located, text)
        self.stdout.write("loaded Devon's outcomes framework (illustrative)")
        if data_dir and not options["no_data"]:
            for line in outcomes_data.import_all(actor, data_dir):
                self.stdout.write(line)
        from commonweal.demo.assurance import add_assurance

        for line in add_assurance(actor):
            self.stdout.write(line)
        from commonweal.demo.proposals import add_proposals

        for line in add_proposals(actor):
            self.stdout.write(line)
        demo = Person.objects.filter(account__username="demo").first()
        if demo is not None and not demo.role_assignments.filter(role=Role.ANALYST).exists():
            assign_role(actor, demo, Organisation.objects.get(code="15N"), Role.ANALYST)
            self.stdout.write("demo is also an analyst of NHS Devon CCG (outcomes)")
        if demo is not None and not demo.role_assignments.filter(role=Role.FINANCE).exists():
            assign_role(actor, demo, Organisation.objects.get(code="15N"), Role.FINANCE)
            self.stdout.write("demo also keeps NHS Devon CCG's ledger (the finance role)")
