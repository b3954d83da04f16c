"""The register of decisions through its actions and pages: decisions at the Integrated
Commissioning Executive with each organisation's part, a conflicted part refused while the
others stand, an inquorate Governing Body item taken by urgent action and ratified, a
recommendation completing a route's step, an officer's decision over their limit, call-in,
actions carried forward, minutes approved and locked, and re-validation."""

from datetime import date, timedelta

import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.core.models import AuditEvent, ImmutableRecord, Organisation, Person
from commonweal.decisions import actions, rules
from commonweal.decisions.models import Decision, DecisionEvent, Finding, Minutes
from commonweal.decisions.revalidation import revalidate
from commonweal.governance.models import Body, Post, PostHolding
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting

pytestmark = pytest.mark.django_db

CL = Actor.command_line


def body(code):
    return Body.objects.get(system__slug="devon-2019", code=code)


def org(code):
    return Organisation.objects.get(code=code)


def post(ref):
    o, _, code = ref.partition("/")
    return Post.objects.get(organisation__code=o, code=code)


def person(key):
    return Person.objects.get(key=key)


def held_meeting(b, days_ago, items=("Joint strategy for home care", "Community equipment")):
    m = meetings.schedule_meeting(
        CL(),
        b,
        meetings.at(date.today() - timedelta(days=days_ago), 10, 0),
        status=Meeting.Status.CONFIRMED,
    )
    for title in items:
        # Added to a meeting now past, for the test: so late, with the chair's agreement.
        meetings.add_agenda_item(
            CL(),
            m,
            meetings.ItemIn(
                title=title, kind="decision", urgency_reason="Test.", chair_agreed=True
            ),
        )
    return m


def attend(m, *rows):
    for key, ref in rows:
        meetings.record_attendance(
            CL(), m, meetings.AttendanceIn(person=person(key), capacity="member", post=post(ref))
        )


ICE_PRESENT = (
    ("alex-morgan", "15N/accountable-officer"),
    ("sam-patel", "15N/director-of-commissioning"),
    ("lou-barnes", "E10000008/dass"),
    ("rae-young", "E06000026/dass"),
    ("val-owen", "E06000027/dass"),
)
DASS = {
    "15N": ("alex-morgan", "15N/accountable-officer"),
    "E10000008": ("lou-barnes", "E10000008/dass"),
    "E06000026": ("rae-young", "E06000026/dass"),
    "E06000027": ("val-owen", "E06000027/dass"),
}


def withdraw(m, key, number):
    meetings.record_declaration(
        CL(),
        m,
        meetings.DeclarationIn(
            person=person(key),
            items=[m.items.get(number=number)],
            ruling="withdraw",
            description="A relative works for a bidder",
            kind="non_financial_personal",
        ),
    )


def ice_parts(amount=100_000_00):
    return [
        actions.PartIn(org(code), amount, [(person(k), post(r))]) for code, (k, r) in DASS.items()
    ]


@pytest.fixture
def ice_meeting(universe):
    m = held_meeting(body("ice"), 7)
    attend(m, *ICE_PRESENT)
    withdraw(m, "val-owen", 2)
    return m


def joint(title="Joint strategy", **more):
    return actions.DecisionIn(
        title=title,
        resolution="Agreed the joint strategy.",
        decision_type="joint_strategy",
        reasons="It implements the agreed plan.",
        alternatives="Do nothing.",
        risks="Market capacity.",
        parts=more.pop("parts", None) or ice_parts(),
        **more,
    )


def test_an_ice_decision_with_every_organisations_part_is_recorded_valid(universe, ice_meeting):
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    done = actions.record_at_item(clerk, ice_meeting.items.get(number=1), joint())
    d = done.decision
    assert d.valid and not done.refused
    assert sorted(d.binds) == ["15N", "E06000026", "E06000027", "E10000008"]
    assert d.parts.count() == 4 and d.presence
    assert {c["code"] for c in d.checks} >= {"not-post-holder", "not-authorised", "conflicted"}
    assert AuditEvent.objects.filter(
        action="decisions.record_at_item", object_id=str(d.pk)
    ).exists()
    # A council's executive decision at the ICE is an officer's: not a cabinet's, no call-in.
    assert d.call_in_until is None
    with pytest.raises(ImmutableRecord):
        d.save()
    with pytest.raises(ImmutableRecord):
        Decision.objects.filter(pk=d.pk).update(title="changed")


def test_the_conflicted_councils_part_is_refused_while_the_others_stand(universe, ice_meeting):
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    done = actions.record_at_item(clerk, ice_meeting.items.get(number=2), joint())
    assert sorted(done.decision.binds) == ["15N", "E06000026", "E10000008"]
    ((refused_org, reasons),) = done.refused
    assert refused_org.code == "E06000027"
    assert any("Val Owen" in r and "conflict" in r.lower() for r in reasons)
    assert not done.decision.parts.filter(organisation__code="E06000027").exists()


def test_a_clerk_records_only_for_organisations_they_clerk_for(universe, ice_meeting):
    # The Governing Body's clerk holds nothing at the ICE.
    gb_clerk = Actor.from_user(universe.accounts["clerk-gb"])
    with pytest.raises(NotPermitted):
        actions.record_at_item(gb_clerk, ice_meeting.items.get(number=1), joint())
    # An administrator of Torbay may record Torbay's part only.
    torbay = Actor.from_user(universe.accounts["admin-torbay"])
    with pytest.raises(NotPermitted):
        actions.record_at_item(torbay, ice_meeting.items.get(number=1), joint())
    only_torbay = [p for p in ice_parts() if p.organisation.code == "E06000027"]
    done = actions.record_at_item(torbay, ice_meeting.items.get(number=1), joint(parts=only_torbay))
    assert done.decision.binds == ["E06000027"]
    assert Decision.objects.count() == 1


def test_nothing_is_recorded_before_the_meeting_or_without_a_decider(universe):
    m = meetings.schedule_meeting(
        CL(), body("ice"), meetings.at(date.today() + timedelta(days=3), 10, 0)
    )
    item = meetings.add_agenda_item(
        CL(),
        m,
        meetings.ItemIn(title="Later", kind="decision", urgency_reason="T.", chair_agreed=True),
    )
    with pytest.raises(Refused, match="has not started"):
        actions.record_at_item(CL(), item, joint())
    assert Decision.objects.count() == 0


def gb_meeting(days_ago=14):
    m = held_meeting(body("governing-body"), days_ago, items=("Commissioning policy",))
    attend(
        m,
        ("dr-lee-harper", "15N/clinical-chair"),
        ("dr-ann-cole", "15N/clinical-lead-north"),
        ("dr-ben-ford", "15N/clinical-lead-east"),
        ("alex-morgan", "15N/accountable-officer"),
        ("jo-evans", "15N/director-of-financial-planning"),
        ("eve-grant", "15N/lay-member-governance"),
    )
    return m


def policy(**more):
    return actions.DecisionIn(
        title="Commissioning policy",
        resolution="Adopted the policy.",
        decision_type="policy",
        parts=[actions.PartIn(org("15N"), 0, votes=None)],
        **more,
    )


def test_an_inquorate_item_is_refused_then_taken_by_urgent_action_and_ratified(universe):
    m = gb_meeting()
    withdraw(m, "dr-ann-cole", 1)  # six members present, one withdraws: five of six
    clerk = Actor.from_user(universe.accounts["clerk-gb"])
    item = m.items.get(number=1)
    with pytest.raises(Refused) as refused:
        actions.record_at_item(clerk, item, policy())
    said = str(refused.value)
    assert "not quorate" in said and "urgent action" in said
    assert Decision.objects.count() == 0

    on = date.today() - timedelta(days=10)
    takers = [
        (person("dr-lee-harper"), post("15N/clinical-chair")),
        (person("alex-morgan"), post("15N/accountable-officer")),
    ]
    # Without consulting a lay member first, it is refused.
    with pytest.raises(Refused, match="lay member"):
        actions.take_urgent_action(
            clerk,
            item,
            policy(),
            on=on,
            takers=takers,
            consulted=[],
            urgency="The policy must be in place before the contract starts.",
        )
    # One taker alone is refused.
    with pytest.raises(Refused, match="jointly"):
        actions.take_urgent_action(
            clerk,
            item,
            policy(),
            on=on,
            takers=takers[:1],
            consulted=[(person("finn-oakes"), post("15N/lay-member-ppi"))],
            urgency="Urgent.",
        )
    d = actions.take_urgent_action(
        clerk,
        item,
        policy(),
        on=on,
        takers=takers,
        consulted=[(person("finn-oakes"), post("15N/lay-member-ppi"))],
        urgency="The policy must be in place before the contract starts.",
    )
    assert d.valid and d.basis == "urgent" and actions.awaiting_ratification(d)
    # Ratified at the next meeting of the body, not before the urgent action nor elsewhere.
    ice_m = held_meeting(body("ice"), 2, items=("x",))
    with pytest.raises(Refused):
        actions.ratify(clerk, d, ice_m)
    following = held_meeting(body("governing-body"), 1, items=("Urgent action taken",))
    actions.ratify(clerk, d, following)
    assert not actions.awaiting_ratification(d)
    with pytest.raises(Conflict):
        actions.ratify(clerk, d, following)


def test_a_recommendation_at_the_ice_completes_the_routes_recommend_step(universe, ice_meeting):
    ccg = org("15N")
    plan = meetings.add_plan_item(
        CL(),
        ccg,
        body("ice").system,
        meetings.PlanIn(
            title="Commissioning policy",
            author="Head of policy",
            body=body("ice"),
            due=date.today() + timedelta(days=30),
            decision_sought="Recommend it.",
            decision_type="policy",
            commitments=[("15N", 0, None)],
        ),
    )
    item = (
        meetings.add_agenda_item(
            CL(),
            ice_meeting,
            meetings.ItemIn(title="Commissioning policy", kind="decision", plan_item=plan),
        )
        if ice_meeting.starts > meetings.timezone.now()
        else None
    )
    # The meeting was held: put the plan entry on it directly, as the clerk had.
    from commonweal.meetings.models import AgendaItem

    item = item or AgendaItem.objects.create(
        meeting=ice_meeting, number=3, title="Commissioning policy", kind="decision", plan_item=plan
    )
    route, _ = meetings.route_for(plan)
    step = next(s for s in route.steps if s.kind.value == "recommend")
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    done = actions.record_at_item(
        clerk,
        item,
        actions.DecisionIn(
            title="Recommend the policy",
            resolution="Recommended to the Governing Body.",
            outcome="recommendation",
            route_step=step.id,
        ),
    )
    assert done.decision.outcome == "recommendation" and done.decision.route_step == step.id
    from commonweal.decisions.presenters import route_record

    shown = {s["id"]: s["done"] for s in route_record(done.decision)}
    assert shown[step.id].startswith("Recommendation")
    # A recommendation cannot answer a decide step.
    decide = next(s for s in route.steps if s.kind.value == "decide")
    with pytest.raises(Refused, match="does not answer"):
        actions.record_at_item(
            clerk,
            item,
            actions.DecisionIn(
                title="x", resolution="y", outcome="recommendation", route_step=decide.id
            ),
        )


def test_an_officer_decision_over_the_limit_is_refused_with_the_clause(universe):
    system = body("ice").system
    sam = Actor.from_user(universe.accounts["commissioner-15n"])
    d = actions.DecisionIn(
        title="Extra community beds",
        resolution="Commit £150,000.",
        decision_type="revenue_commitment",
        parts=[
            actions.PartIn(
                org("15N"),
                150_000_00,
                [(person("sam-patel"), post("15N/director-of-commissioning"))],
            )
        ],
    )
    with pytest.raises(Refused) as refused:
        actions.record_officer_decision(sam, system, d, date.today() - timedelta(days=1))
    said = str(refused.value)
    assert "£100,000" in said and "D1.1" in said
    d.parts[0].amount = 90_000_00
    done = actions.record_officer_decision(sam, system, d, date.today() - timedelta(days=1))
    assert done.valid and done.basis == "officer"
    # Someone of another organisation may not record the CCG's officers' decisions.
    with pytest.raises(NotPermitted):
        actions.record_officer_decision(
            Actor.from_user(universe.accounts["admin-torbay"]), system, d, date.today()
        )
    # Prior commitments on the same project count against a cumulative limit.
    d.project = "BEDS-1"
    actions.record_officer_decision(sam, system, d, date.today() - timedelta(days=1))
    d.parts[0].amount = 20_000_00
    with pytest.raises(Refused, match="BEDS-1"):
        actions.record_officer_decision(sam, system, d, date.today())


def test_call_in_holds_implementation_until_its_period_ends(universe):
    m = held_meeting(body("cabinet-torbay"), 1, items=("Pooled fund change",))
    attend(
        m,
        ("mayor-yan-cobb", "E06000027/leader"),
        ("cllr-zoe-nash", "E06000027/cabinet-member-adults"),
    )
    admin = Actor.from_user(universe.accounts["admin-torbay"])
    d = actions.record_at_item(
        admin,
        m.items.get(number=1),
        actions.DecisionIn(
            title="Pooled fund",
            resolution="Agreed.",
            decision_type="pooled_fund_change",
            parts=[
                actions.PartIn(
                    org("E06000027"),
                    600_000_00,
                    votes=__import__("commonweal.governance.engine", fromlist=["Votes"]).Votes(
                        2, 0
                    ),
                )
            ],
        ),
    ).decision
    assert d.call_in_until is not None and d.call_in_until > date.today()
    with pytest.raises(Refused, match="called in until"):
        actions.add_event(admin, d, DecisionEvent.Kind.IMPLEMENTED, date.today())
    actions.add_event(admin, d, DecisionEvent.Kind.CALLED_IN, date.today(), by="Cllr A and Cllr B")
    with pytest.raises(Conflict):
        actions.add_event(admin, d, DecisionEvent.Kind.CALLED_IN, date.today(), by="Again")
    actions.add_event(
        admin, d, DecisionEvent.Kind.CALL_IN_OUTCOME, date.today(), outcome="no_action"
    )
    assert d.events.count() == 2


def test_call_in_periods_count_clear_working_days():
    closed = frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)})
    # Published on Wednesday 23 December: 24, 29, 30 and 31 December and 4 January count (the
    # 25th, the substitute holiday on the 28th and New Year's Day do not, nor weekends).
    assert rules.call_in_until(date(2026, 12, 23), closed) == date(2027, 1, 4)
    assert rules.call_in_until(date(2026, 11, 23), frozenset()) == date(2026, 11, 30)
    assert not rules.subject_to_call_in(council=False, executive=True, key=True, urgent=False)
    assert rules.subject_to_call_in(council=True, executive=True, key=None, urgent=False)
    assert not rules.subject_to_call_in(council=True, executive=True, key=None, urgent=True)


def test_actions_carry_to_the_next_agenda_until_done(universe):
    first = held_meeting(body("ice"), 20, items=("Home care",))
    second = held_meeting(body("ice"), 5, items=("Review",))
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    a = meetings.add_action(
        clerk,
        first,
        description="Report on waiting lists",
        owner=person("sam-patel"),
        due=date.today(),
    )
    assert meetings.actions_carried(second) == [a]
    assert meetings.actions_carried(first) == []
    meetings.complete_action(clerk, a, on=date.today(), at=second)
    later = held_meeting(body("ice"), 0, items=("Later",)) if False else None
    assert later is None
    with pytest.raises(Conflict):
        meetings.complete_action(clerk, a, on=date.today())
    with pytest.raises(NotPermitted):
        meetings.add_action(
            Actor.from_user(universe.accounts["clerk-gb"]),
            first,
            description="x",
            owner=person("sam-patel"),
            due=date.today(),
        )


def test_minutes_are_drafted_approved_at_the_next_meeting_then_locked(universe, ice_meeting):
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    actions.record_at_item(clerk, ice_meeting.items.get(number=2), joint())
    minutes = actions.draft_minutes(clerk, ice_meeting)
    assert "Val Owen" in minutes.text and "Agreed the joint strategy." in minutes.text
    actions.edit_minutes(clerk, minutes, minutes.text + "\nAny other business: none.")
    with pytest.raises(Refused, match="later meeting"):
        actions.approve_minutes(clerk, minutes, ice_meeting)
    following = held_meeting(body("ice"), 1, items=("Minutes",))
    actions.approve_minutes(clerk, minutes, following)
    minutes.refresh_from_db()
    assert minutes.status == "approved"
    with pytest.raises(Conflict):
        actions.edit_minutes(clerk, minutes, "rewritten")
    with pytest.raises(ImmutableRecord):
        minutes.text = "rewritten"
        minutes.save()
    correction = actions.correct_minutes(clerk, minutes, "Corrected text")
    assert correction.corrects_id == minutes.pk and correction.status == "draft"
    assert Minutes.objects.get(pk=minutes.pk).text != "Corrected text"


def test_revalidation_finds_decisions_that_no_longer_hold(universe, ice_meeting):
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    d = actions.record_at_item(clerk, ice_meeting.items.get(number=1), joint()).decision
    run = revalidate(actions.request_revalidation(CL(), d.system))
    assert run.total == 1 and run.invalid == 0 and run.queries < 30
    # Lou Barnes's holding is corrected: she left the post before the meeting.
    PostHolding.objects.filter(person__key="lou-barnes").update(ends=d.on - timedelta(days=1))
    run = revalidate(actions.request_revalidation(CL(), d.system))
    assert run.invalid == 1
    (finding,) = Finding.objects.filter(run=run)
    assert any("Lou Barnes" in r["sentence"] for r in finding.reasons)


def test_pages(universe, ice_meeting):
    client = Client()
    client.force_login(universe.accounts["clerk-ice"])
    item = ice_meeting.items.get(number=1)
    url = f"/meetings/{ice_meeting.pk}/items/1/decide/"
    assert client.get(url).status_code == 200
    data = {
        "outcome": "decision",
        "title": "Joint strategy",
        "resolution": "Agreed.",
        "decision_type": "joint_strategy",
    }
    for code, (k, r) in DASS.items():
        data |= {
            f"include_{code}": "on",
            f"amount_{code}": "0",
            f"decider_{code}": f"{k}|{r}",
            f"consent_{code}": "on",
        }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    d = Decision.objects.get(item=item)
    assert client.get(f"/decisions/{d.pk}/").status_code == 200
    assert client.get("/decisions/").status_code == 200
    assert client.get(f"/meetings/{ice_meeting.pk}/record/").status_code == 200
    # An impossible date is a 400 on the field, not a 500.
    bad = client.post(
        f"/decisions/{d.pk}/",
        {
            "form": "event",
            "kind": "implemented",
            "on-day": "30",
            "on-month": "2",
            "on-year": "2026",
        },
    )
    assert bad.status_code == 400
    assert client.post(f"/meetings/{ice_meeting.pk}/record/", {"form": "draft"}).status_code == 302
    assert Minutes.objects.filter(meeting=ice_meeting).exists()
