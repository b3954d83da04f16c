"""Example business for the demo: forward plans, meetings of the Integrated Commissioning
Executive, registers of interests and a gift awaiting approval. Illustrative throughout: the
seeds name posts and bodies, not the business they took.

Dates are set relative to today, so the demo always has a meeting coming up, an item that has
slipped, one overdue, and a person whose yearly declaration is late.
"""

import io
from datetime import date, timedelta

import docx

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation, Person
from commonweal.decisions import actions as decisions
from commonweal.demo.papers import sample_pdf
from commonweal.governance.models import Body, Post
from commonweal.interests import actions as interests
from commonweal.interests.models import InterestKind, Return
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import ForwardPlanItem, ItemKind, Meeting
from commonweal.registry.models import Area


def add_business(actor: Actor, today: date | None = None) -> str:
    """Add the example business once; a second run changes nothing."""
    today = today or date.today()
    ccg = Organisation.objects.get(code="15N")
    if ForwardPlanItem.objects.filter(organisation=ccg).exists():
        return "example business already present"
    ice = Body.objects.get(system__slug="devon-2019", code="ice")
    cabinet = Body.objects.get(system__slug="devon-2019", code="cabinet-devon")
    devon = Organisation.objects.get(code="E10000008")
    system = ice.system
    wider = Area.objects.get(system=system, code="wider-devon")

    held = meetings.schedule_meeting(
        actor,
        ice,
        meetings.at(today - timedelta(days=42), 10, 0),
        venue="County Hall, Exeter",
        status=Meeting.Status.CONFIRMED,
    )
    upcoming = meetings.schedule_meeting(
        actor,
        ice,
        meetings.at(today + timedelta(days=21), 14, 0),
        venue="Pomona House, Exeter",
        status=Meeting.Status.CONFIRMED,
    )
    meetings.schedule_meeting(
        actor, ice, meetings.at(today + timedelta(days=49), 14, 0), venue="Pomona House, Exeter"
    )
    equipment = meetings.add_plan_item(
        actor,
        ccg,
        system,
        meetings.PlanIn(
            title="Integrated community equipment service: contract award",
            author="Head of Joint Commissioning",
            summary="Award of the joint community equipment contract after competitive tender.",
            body=ice,
            meeting=upcoming,
            decision_sought="Award the contract to the preferred bidder for five years.",
            decision_type="contract_award",
            commitments=[("15N", 40_000_000, None), ("E10000008", 30_000_000, None)],
            footprint=wider,
            project="ICES-2027",
        ),
    )
    meetings.add_plan_item(
        actor,
        ccg,
        system,
        meetings.PlanIn(
            title="Better Care Fund plan",
            author="Better Care Fund lead",
            kind=ItemKind.DISCUSSION,
            summary="The draft plan for the year, before it goes to the Health and Wellbeing Board.",
            body=ice,
            due=today + timedelta(days=14),
        ),
    )
    meetings.reschedule_plan_item(
        actor,
        ForwardPlanItem.objects.get(organisation=ccg, title="Better Care Fund plan"),
        meeting=upcoming,
    )
    meetings.add_plan_item(
        actor,
        ccg,
        system,
        meetings.PlanIn(
            title="Extension of the out-of-hours dental pilot",
            author="Primary care commissioning manager",
            decider=Post.objects.get(organisation=ccg, code="director-of-commissioning"),
            due=today - timedelta(days=10),
            decision_sought="Extend the pilot by six months.",
            decision_type="revenue_commitment",
            commitments=[("15N", 9_500_000, None)],
            project="DENTAL-OOH",
        ),
    )
    meetings.add_plan_item(
        actor,
        devon,
        system,
        meetings.PlanIn(
            title="Adult social care charging policy",
            author="Head of Adult Social Care Commissioning",
            body=cabinet,
            due=today + timedelta(days=35),
            decision_sought="Adopt the revised charging policy.",
            decision_type="policy",
            commitments=[("E10000008", 120_000_000, None)],
        ),
    )
    meetings.add_agenda_item(
        actor,
        upcoming,
        meetings.ItemIn(title="Apologies and declarations of interest", kind=ItemKind.INFORMATION),
    )
    meetings.add_agenda_item(actor, upcoming, meetings.ItemIn(plan_item=equipment))
    meetings.add_agenda_item(
        actor,
        upcoming,
        meetings.ItemIn(
            plan_item=ForwardPlanItem.objects.get(organisation=ccg, title="Better Care Fund plan")
        ),
    )
    meetings.add_agenda_item(
        actor,
        upcoming,
        meetings.ItemIn(
            title="Provider market position: home care",
            kind=ItemKind.DISCUSSION,
            exempt=True,
            exemption_paragraph=3,
            public_interest="Disclosure would prejudice providers' bids in a live tender.",
        ),
    )
    # The coming meeting's papers, as PDFs, and its agenda published: its packs can be built.
    for number, title, pages, every in (
        (2, "Contract award report", 6, 0),
        (2, "Tender evaluation summary", 4, 0),
        (3, "Better Care Fund plan 2027/28", 8, 4),
        (4, "Home care market position", 3, 0),
    ):
        meetings.upload_paper(
            actor,
            upcoming.items.get(number=number),
            f"{title}.pdf",
            sample_pdf(title, pages, landscape_every=every),
            title=title,
        )
    meetings.publish_agenda(actor, upcoming)
    meetings.add_agenda_item(
        actor,
        held,
        meetings.ItemIn(
            title="Minutes of the last meeting",
            kind=ItemKind.DECISION,
            urgency_reason="Recorded after the meeting for the demo",
            chair_agreed=True,
        ),
    )
    _held_business(actor, held, today)

    # Registers of interests: most of the executive have made their return this year; one
    # has not since the year before last.
    people = {p.key: p for p in Person.objects.filter(holdings__post__organisation=ccg)}
    for key, person in sorted(people.items()):
        made = today - timedelta(days=800 if key == "sam-patel" else 60)
        Return.objects.create(person=person, organisation=ccg, on=made, nil=False)
    alex = people.get("alex-morgan")
    if alex is not None:
        interests.record_interest(
            actor,
            alex,
            ccg,
            interests.InterestIn(
                kind=InterestKind.PROFESSIONAL,
                description="Trustee of a charity that provides community equipment.",
                counterparty="Devon Independent Living Trust",
                starts=date(2017, 6, 1),
                action="Withdraws from decisions on community equipment.",
            ),
        )
        interests.record_offer(
            actor,
            alex,
            ccg,
            interests.OfferIn(
                kind="hospitality",
                description="Dinner at a conference on integrated care",
                offered_by="An integrated care consultancy",
                value=9_500,
                on=today - timedelta(days=7),
                decision="pending",
            ),
        )
    return (
        "added example business: meetings of the Integrated Commissioning Executive with "
        "decisions, papers and approved minutes, forward plans of NHS Devon CCG and Devon County "
        "Council, registers of interests"
    )


# Who was at the held meeting of the Integrated Commissioning Executive, and for whom they decide.
ICE_DECIDERS = {
    "15N": ("alex-morgan", "accountable-officer"),
    "E10000008": ("lou-barnes", "dass"),
    "E06000026": ("rae-young", "dass"),
    "E06000027": ("val-owen", "dass"),
}


def _paper(title: str, paragraphs: list[str]) -> bytes:
    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _held_business(actor: Actor, held: Meeting, today: date) -> None:
    """The held meeting's record: attendance, a joint decision with a public paper, exempt
    business with its paper, minutes drafted and approved at the next meeting (also held)."""
    strategy = meetings.add_agenda_item(
        actor,
        held,
        meetings.ItemIn(
            title="Joint home care strategy",
            kind=ItemKind.DECISION,
            summary="The joint strategy for home care across Devon, Plymouth and Torbay.",
            presenter="Head of Joint Commissioning",
            urgency_reason="Recorded after the meeting for the demo",
            chair_agreed=True,
        ),
    )
    contingency = meetings.add_agenda_item(
        actor,
        held,
        meetings.ItemIn(
            title="Home care provider contingency",
            kind=ItemKind.DECISION,
            summary="Contingency funding should a named home care provider fail.",
            exempt=True,
            exemption_paragraph=3,
            public_interest="Disclosure would harm the provider's commercial position.",
            urgency_reason="Recorded after the meeting for the demo",
            chair_agreed=True,
        ),
    )
    meetings.upload_paper(
        actor,
        strategy,
        "joint-home-care-strategy.docx",
        _paper(
            "Joint home care strategy",
            [
                "The four partners commissioned home care separately until 2019.",
                "This strategy commissions one framework, with a pooled budget.",
            ],
        ),
        title="Joint home care strategy",
    )
    meetings.upload_paper(
        actor,
        contingency,
        "provider-contingency.docx",
        _paper("Provider contingency", ["Exempt: commercially sensitive."]),
        title="Provider contingency (exempt)",
    )
    posts = {
        code: (Person.objects.get(key=key), Post.objects.get(organisation__code=code, code=post))
        for code, (key, post) in ICE_DECIDERS.items()
    }
    for person, post in posts.values():
        meetings.record_attendance(
            actor, held, meetings.AttendanceIn(person=person, capacity="member", post=post)
        )
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=ICE_DECIDERS)}

    def parts(amount: int) -> list[decisions.PartIn]:
        return [
            decisions.PartIn(orgs[code], amount, [posts[code]]) for code in sorted(ICE_DECIDERS)
        ]

    decisions.record_at_item(
        actor,
        strategy,
        decisions.DecisionIn(
            title="Joint home care strategy",
            resolution="Adopted the joint home care strategy and commissioned one framework.",
            decision_type="joint_strategy",
            reasons="One framework gives people the same service wherever they live.",
            alternatives="Each partner commissioning separately, as now.",
            risks="Market capacity in rural areas.",
            parts=parts(25_000_00),
        ),
    )
    decisions.record_at_item(
        actor,
        contingency,
        decisions.DecisionIn(
            title="Home care provider contingency",
            resolution="Agreed contingency funding.",
            decision_type="joint_strategy",
            reasons="The named provider's accounts show a risk of failure.",
            parts=parts(10_000_00),
        ),
    )
    meetings.change_meeting(actor, held, status=Meeting.Status.HELD)
    later = meetings.schedule_meeting(
        actor,
        held.body,
        meetings.at(today - timedelta(days=14), 10, 0),
        venue="County Hall, Exeter",
        status=Meeting.Status.CONFIRMED,
    )
    meetings.change_meeting(actor, later, status=Meeting.Status.HELD)
    minutes = decisions.draft_minutes(actor, held)
    decisions.approve_minutes(actor, minutes, later)
