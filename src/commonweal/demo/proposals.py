"""The examples' commissioning proposals (seed 003): each system's set-up, and proposals at the
start of their journey, so the board, a proposal's page and the work programmes have something
to show. Devon's specialist clinical services review (seed 000 names the ICE's role in it) is at
stage 1, on the forward plans of its clinical cabinet and finance working group; North East and
North Cumbria has a proposal at stage 1, triaged to system level by its flowchart; South East
London has a Southwark proposal, which its joint commissioning routes through the place based
board; West Yorkshire and Harrogate has a proposal for each
item of its joint committee's 2018/19 work programme, the stroke programme's submitted with its
outline business case and on the joint committee's forward plan.

Only actions are used, as a person would act; meetings are arranged ahead. What meetings and
decisions would move them on is left to the person trying the demo (the journey is tested).
"""

from datetime import date, timedelta

from commonweal.core.actions import Actor
from commonweal.demo.papers import sample_pdf
from commonweal.governance.models import Body
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting
from commonweal.proposals import actions
from commonweal.proposals.models import Programme, Proposal
from commonweal.registry.actions import example_path
from commonweal.registry.models import System

SETUPS = (
    "devon-2019-proposals",
    "nenc-2019-proposals",
    "wyh-2019-proposals",
    "south-east-london-2020-proposals",
)


def _meeting(system: System, code: str, days: int) -> None:
    """A meeting of the body arranged `days` ahead, unless one is arranged already."""
    body = Body.objects.get(system=system, code=code)
    if not Meeting.objects.filter(body=body, starts__date__gte=date.today()).exists():
        meetings.schedule_meeting(
            Actor.command_line(),
            body,
            meetings.at(date.today() + timedelta(days=days), 14, 0),
            status=Meeting.Status.CONFIRMED,
        )


def add_proposals(actor: Actor) -> list[str]:
    said = []
    for name in SETUPS:
        path = example_path(name)
        if path is None or not System.objects.filter(slug=name.rsplit("-", 1)[0]).exists():
            continue
        setup = actions.read_setup(actor, path)
        said.append(f"loaded {setup.system.slug}'s proposals set-up ({setup.workflow.name})")
    devon = System.objects.filter(slug="devon-2019").first()
    if devon is not None and not Proposal.objects.filter(system=devon).exists():
        for code, days in (("clinical-cabinet", 10), ("fwg", 12)):
            _meeting(devon, code, days)
        review = actions.create(
            actor,
            devon,
            actions.ProposalIn(
                title="Specialist clinical services review and strategy",
                service="Specialist clinical services",
                care_group="Adults and children",
                programme="specialist-services",
                footprint="wider-devon",
                lead="15N",
                sponsors=["E10000008", "E06000026", "E06000027"],
                population="The 1.2 million people of Wider Devon",
                summary=(
                    "A review of specialist clinical services across Wider Devon and a strategy "
                    "for their future, with the Integrated Commissioning Executive's part in it "
                    "tested as seed 000 asks."
                ),
                risks="Travel times for patients in North Devon; workforce in small specialties.",
                money=[
                    actions.MoneyIn("15N", 2020, cost=250_000_00),
                    actions.MoneyIn("15N", 2021, cost=1_500_000_00, saving=400_000_00),
                ],
            ),
        )
        actions.keep_document(
            actor, review, "business-case", "business-case.pdf", sample_pdf("Business case", 3)
        )
        actions.advance(actor, review, "start")
        actions.put_forward(actor, review, "developed")
        said.append(f"Devon: {review.reference} at stage 1, on two bodies' forward plans")
    nenc = System.objects.filter(slug="nenc-2019").first()
    if nenc is not None and not Proposal.objects.filter(system=nenc).exists():
        stroke = actions.create(
            actor,
            nenc,
            actions.ProposalIn(
                title="A single hyper acute stroke network",
                service="Hyper acute stroke services",
                programme="specialised-acute",
                footprint="nenc",
                lead="13T",
                sponsors=["00P", "01H"],
                money=[
                    actions.MoneyIn("13T", 2020, cost=1_000_000_00),
                    actions.MoneyIn("00P", 2020, cost=600_000_00),
                    actions.MoneyIn("01H", 2020, cost=400_000_00),
                ],
            ),
        )
        actions.advance(actor, stroke, "start")
        # The flowchart: not described nationally, but a vulnerability across more than one
        # ICP; the clinical leadership group supported a system-level solution.
        actions.triage(
            actor,
            stroke,
            {"national": "No", "vulnerability": "Yes", "assessment": "Yes"},
            note="Supported by the Clinical Leadership Group after the assessment exercise.",
        )
        said.append(f"North East and North Cumbria: {stroke.reference} at stage 1, system level")
    sel = System.objects.filter(slug="south-east-london-2020").first()
    if sel is not None and not Proposal.objects.filter(system=sel).exists():
        year = date.today().year
        p = actions.create(
            actor,
            sel,
            actions.ProposalIn(
                title="Intermediate care at home in Southwark",
                service="Intermediate care",
                care_group="Older people",
                footprint="southwark",
                lead="72Q",
                sponsors=["E09000028"],
                summary="Step-up and step-down care at home, commissioned jointly at place.",
                money=[
                    actions.MoneyIn("72Q", year, cost=400_000_00),
                    actions.MoneyIn("E09000028", year, cost=300_000_00),
                ],
            ),
        )
        actions.advance(actor, p, "prepare")
        said.append(f"South East London: {p.reference}, prepared, in Southwark")
    wyh = System.objects.filter(slug="wyh-2019").first()
    if wyh is not None and not Proposal.objects.filter(system=wyh).exists():
        _meeting(wyh, "joint-committee", 21)
        made = 0
        for programme in Programme.objects.filter(system=wyh).order_by("position"):
            for item in programme.remit:
                p = actions.create(
                    actor,
                    wyh,
                    actions.ProposalIn(
                        title=item.rstrip(".")[:200],
                        service=programme.name,
                        programme=programme.code,
                        footprint="wyh",
                        lead="15F",
                    ),
                )
                made += 1
                if programme.code == "stroke":
                    actions.keep_document(
                        actor,
                        p,
                        "outline-business-case",
                        "outline-business-case.pdf",
                        sample_pdf("Outline business case: hyper acute stroke services", 4),
                    )
                    actions.advance(actor, p, "start")
                    actions.put_forward(actor, p, "outline-approved")
        said.append(
            f"West Yorkshire and Harrogate: {made} proposals of the joint committee's work "
            "programme, the stroke programme's outline business case before the joint committee"
        )
    return said
