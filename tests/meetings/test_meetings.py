"""The meeting record through its pages and actions: the forward plan, agendas, papers,
attendance, declarations and each item's quorum, with every refusal."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.core.errors import Conflict, NotPermitted, Refused
from commonweal.core.models import AuditEvent, Organisation, Person
from commonweal.governance.models import Body
from commonweal.interests import actions as interests
from commonweal.meetings import actions
from commonweal.meetings.models import (
    AgendaItem,
    Attendance,
    ForwardPlanItem,
    Meeting,
    Paper,
    PaperVersion,
)

from . import papers

pytestmark = pytest.mark.django_db

CL = Actor.command_line


def signed_in(universe, name):
    client = Client()
    client.force_login(universe.accounts[name])
    return client


def ice():
    return Body.objects.get(system__slug="devon-2019", code="ice")


def meeting_in(days, body=None, status=Meeting.Status.CONFIRMED):
    return actions.schedule_meeting(
        CL(), body or ice(), actions.at(date.today() + timedelta(days=days), 14, 0), status=status
    )


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# The forward plan -----------------------------------------------------------------------


def plan_form(**fields):
    base = {
        "title": "Community equipment contract",
        "kind": "decision",
        "author": "Head of Joint Commissioning",
    }
    return {**base, **fields}


def test_a_commissioner_plans_a_decision_and_sees_the_route_it_needs(universe):
    client = signed_in(universe, "commissioner-15n")
    meeting = meeting_in(30)
    response = client.post(
        "/organisations/15N/forward-plan/new/",
        plan_form(
            body=str(ice().pk),
            meeting=str(meeting.pk),
            decision_sought="Award the contract.",
            decision_type="contract_award",
            organisation_0="15N",
            amount_0="400,000",
            organisation_1="E10000008",
            amount_1="£300,000",
        ),
    )
    assert response.status_code == 302, text(response)[:2000]
    plan = ForwardPlanItem.objects.get(
        organisation__code="15N", title="Community equipment contract"
    )
    assert (
        plan.due == actions.local_day(meeting.starts)
        and plan.commitments[0]["amount"] == 40_000_000
    )
    page = text(client.get(response["Location"]))
    assert "The route this decision needs" in page and "NHS Devon CCG" in page
    assert "Devon County Council" in page
    # Moved to a later date, it shows it has slipped.
    later = date.today() + timedelta(days=60)
    client.post(
        response["Location"],
        {"due-day": later.day, "due-month": later.month, "due-year": later.year, "move": "1"},
    )
    listing = text(client.get("/organisations/15N/forward-plan/"))
    assert "Slipped from" in listing and "Community equipment contract" in listing


def test_the_forward_plan_form_names_each_mistake(universe):
    client = signed_in(universe, "commissioner-15n")
    response = client.post(
        "/organisations/15N/forward-plan/new/",
        plan_form(title="", decision_type="contract_award", organisation_0="15N", amount_0="lots"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and "Enter title" in page
    assert "Amount 1 must be an amount of money in pounds" in page
    assert not ForwardPlanItem.objects.filter(organisation__code="15N").exists()


def test_an_overdue_officer_decision_is_flagged(universe):
    ccg = Organisation.objects.get(code="15N")
    post = ccg.posts.get(code="director-of-commissioning")
    actions.add_plan_item(
        CL(),
        ccg,
        post.system,
        actions.PlanIn(
            title="Dental pilot extension",
            author="X",
            decider=post,
            due=date.today() - timedelta(days=3),
            decision_sought="Extend it.",
        ),
    )
    page = text(signed_in(universe, "analyst-15n").get("/organisations/15N/forward-plan/"))
    assert "1 overdue" in page and "Overdue" in page and "Director of Commissioning" in page


def test_a_councils_threshold_proposes_the_key_decision_flag(universe):
    council = Organisation.objects.get(code="E10000008")
    cabinet = Body.objects.get(system__slug="devon-2019", code="cabinet-devon")
    over = actions.add_plan_item(
        CL(),
        council,
        cabinet.system,
        actions.PlanIn(
            title="Charging policy",
            author="X",
            body=cabinet,
            due=date.today() + timedelta(days=40),
            decision_sought="Adopt it.",
            decision_type="policy",
            commitments=[("E10000008", 60_000_000, None)],
        ),
    )
    assert over.key_decision is True
    page = text(
        signed_in(universe, "analyst-15n").get(
            f"/organisations/E10000008/forward-plan/{over.reference}/"
        )
    )
    assert "over its key-decision threshold of £500,000" in page
    under = actions.add_plan_item(
        CL(),
        council,
        cabinet.system,
        actions.PlanIn(
            title="A small thing",
            author="X",
            body=cabinet,
            due=date.today(),
            decision_sought="Y",
            decision_type="policy",
            commitments=[("E10000008", 100_000, None)],
        ),
    )
    assert under.key_decision is False
    # A person may set it either way. A key decision goes on the plan 28 clear days ahead, or
    # under the general exception or special urgency, which is recorded.
    soon = actions.PlanIn(
        title="Wards",
        author="X",
        body=cabinet,
        due=date.today() + timedelta(days=10),
        decision_sought="Y",
        key_decision=True,
    )
    with pytest.raises(Refused, match="28 clear days before it is taken, and this one has 9"):
        actions.add_plan_item(CL(), council, cabinet.system, soon)
    soon.key_exception_kind = "general_exception"
    soon.key_exception = "The boundary review reported late"
    soon.scrutiny_chair = "Cllr Ada Quinn"
    soon.scrutiny_chair_on = date.today()
    forced = actions.add_plan_item(CL(), council, cabinet.system, soon)
    assert forced.key_decision is True and forced.key_exception_kind == "general_exception"
    # The CCG's decisions have no such flag, and setting one is refused.
    ccg = Organisation.objects.get(code="15N")
    ccg_item = actions.add_plan_item(
        CL(),
        ccg,
        cabinet.system,
        actions.PlanIn(title="CCG", author="X", body=ice(), due=date.today(), decision_sought="Y"),
    )
    assert ccg_item.key_decision is None
    with pytest.raises(Refused, match="Only a council's executive decision is a key decision"):
        actions.add_plan_item(
            CL(),
            ccg,
            cabinet.system,
            actions.PlanIn(
                title="CCG",
                author="X",
                body=ice(),
                due=date.today(),
                decision_sought="Y",
                key_decision=True,
            ),
        )


def test_a_clerk_plans_only_their_own_bodys_business(universe):
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    ccg = Organisation.objects.get(code="15N")
    board = Body.objects.get(system__slug="devon-2019", code="governing-body")
    item = actions.PlanIn(title="X", author="Y", kind="discussion", body=board, due=date.today())
    with pytest.raises(NotPermitted):
        actions.add_plan_item(clerk, ccg, board.system, item)
    with pytest.raises(NotPermitted):
        actions.add_plan_item(
            Actor.from_user(universe.accounts["admin-sel"]), ccg, board.system, item
        )


# Agendas ----------------------------------------------------------------------------------


def test_a_clerk_builds_an_agenda_from_the_plan_and_by_hand(universe):
    client = signed_in(universe, "clerk-ice")
    response = client.post(
        "/systems/devon-2019/bodies/ice/meetings/",
        {
            "day": (date.today() + timedelta(days=30)).isoformat(),
            "time": "14:00",
            "venue": "Pomona House",
            "status": "confirmed",
        },
    )
    assert response.status_code == 302, text(response)[:1500]
    meeting = Meeting.objects.get(body=ice(), venue="Pomona House")
    plan = actions.add_plan_item(
        CL(),
        Organisation.objects.get(code="15N"),
        ice().system,
        actions.PlanIn(
            title="Better Care Fund plan",
            author="BCF lead",
            kind="discussion",
            body=ice(),
            due=date.today() + timedelta(days=20),
        ),
    )
    agenda = f"/meetings/{meeting.pk}/agenda/"
    assert client.post(agenda, {"form": "plan", "plan-plan_item": str(plan.pk)}).status_code == 302
    plan.refresh_from_db()
    assert plan.status == "on_agenda" and plan.meeting == meeting
    assert (
        client.post(
            agenda, {"form": "item", "item-title": "Apologies", "item-kind": "information"}
        ).status_code
        == 302
    )
    items = list(meeting.items.order_by("number"))
    assert [i.title for i in items] == ["Better Care Fund plan", "Apologies"]
    client.post(agenda, {"form": "up", "item": str(items[1].pk)})
    assert [i.title for i in meeting.items.order_by("number")] == [
        "Apologies",
        "Better Care Fund plan",
    ]
    # Exempt: the ICE has councils among its owners, so a Schedule 12A paragraph is needed.
    refused = client.post(
        agenda,
        {
            "form": "item",
            "item-title": "Market position",
            "item-kind": "discussion",
            "item-exempt": "on",
        },
    )
    assert refused.status_code == 400 and "paragraph of Schedule 12A" in text(refused)
    ok = client.post(
        agenda,
        {
            "form": "item",
            "item-title": "Market position",
            "item-kind": "discussion",
            "item-exempt": "on",
            "item-exemption_paragraph": "3",
        },
    )
    assert ok.status_code == 400 and "public interest" in text(ok), "the public interest test"
    ok = client.post(
        agenda,
        {
            "form": "item",
            "item-title": "Market position",
            "item-kind": "discussion",
            "item-exempt": "on",
            "item-exemption_paragraph": "3",
            "item-public_interest": "Disclosure would prejudice the tender",
        },
    )
    assert ok.status_code == 302
    page = text(client.get(f"/meetings/{meeting.pk}/"))
    assert "part 2: in private" in page and "Schedule 12A, paragraph 3" in page
    # Publishing before the deadline needs no reason; afterwards an item is late.
    assert client.post(agenda, {"form": "publish"}).status_code == 302
    late = client.post(agenda, {"form": "item", "item-title": "Urgent", "item-kind": "decision"})
    assert late.status_code == 400 and "give the reason the item is urgent" in text(late)
    unagreed = {
        "form": "item",
        "item-title": "Urgent",
        "item-kind": "decision",
        "item-urgency_reason": "The tender closes",
    }
    refused = client.post(agenda, unagreed)
    assert refused.status_code == 400 and "the chair agrees it is urgent" in text(refused)
    client.post(agenda, {**unagreed, "item-chair_agreed": "on"})
    urgent = AgendaItem.objects.get(meeting=meeting, title="Urgent")
    assert urgent.late and urgent.chair_agreed


def test_an_nhs_bodys_exempt_item_needs_its_reason_not_a_paragraph(universe):
    board = Body.objects.get(system__slug="devon-2019", code="governing-body")
    meeting = meeting_in(30, board)
    with pytest.raises(Refused, match="Give the reason"):
        actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="X", exempt=True))
    item = actions.add_agenda_item(
        CL(), meeting, actions.ItemIn(title="X", exempt=True, exemption_reason="Commercial")
    )
    assert item.exempt and item.exemption_paragraph is None


def test_a_late_agenda_needs_its_reason(universe):
    meeting = meeting_in(2)
    actions.add_agenda_item(
        CL(), meeting, actions.ItemIn(title="X", urgency_reason="Short notice", chair_agreed=True)
    )
    with pytest.raises(Refused, match="give the reason the agenda is late"):
        actions.publish_agenda(CL(), meeting)
    actions.publish_agenda(CL(), meeting, late_reason="The tender timetable")
    meeting.refresh_from_db()
    assert meeting.late_reason == "The tender timetable"
    with pytest.raises(Conflict):
        actions.publish_agenda(CL(), meeting, late_reason="again")


def test_a_clerk_manages_their_own_bodys_meetings_only(universe):
    clerk = signed_in(universe, "clerk-ice")
    board = Body.objects.get(system__slug="devon-2019", code="governing-body")
    board_meeting = meeting_in(30, board)
    assert clerk.get(f"/meetings/{board_meeting.pk}/agenda/").status_code == 403
    refused = clerk.post(
        "/systems/devon-2019/bodies/governing-body/meetings/",
        {"day": "2027-01-14", "time": "10:00", "status": "confirmed"},
    )
    assert refused.status_code == 403 and "You cannot do this" in text(refused)
    assert not Meeting.objects.filter(body=board).exclude(pk=board_meeting.pk).exists()
    analyst = signed_in(universe, "analyst-15n")
    assert analyst.get(f"/meetings/{board_meeting.pk}/").status_code == 200
    assert analyst.get(f"/meetings/{board_meeting.pk}/attendance/").status_code == 403


# Papers ------------------------------------------------------------------------------------


def upload(client, meeting, number, name, data, **extra):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/meetings/{meeting.pk}/items/{number}/",
        {"form": "upload", "upload-file": SimpleUploadedFile(name, data), **extra},
    )


def test_papers_are_read_and_kept_with_their_versions(universe):
    meeting = meeting_in(30)
    actions.add_agenda_item(
        CL(), meeting, actions.ItemIn(title="Equipment contract", kind="decision")
    )
    clerk = signed_in(universe, "clerk-ice")
    assert (
        upload(
            clerk, meeting, 1, "report.pdf", papers.pdf(3), **{"upload-title": "Report"}
        ).status_code
        == 302
    )
    paper = Paper.objects.get(item__meeting=meeting)
    first = paper.versions.get()
    assert (first.kind, first.extent, first.filename) == ("pdf", 3, "report.pdf")
    assert default_storage.exists(first.file.name)
    response = upload(clerk, meeting, 1, "report v2.pdf", papers.pdf(4), paper=str(paper.pk))
    assert response.status_code == 302
    assert list(paper.versions.values_list("number", "extent")) == [(2, 4), (1, 3)]
    page = text(clerk.get(f"/meetings/{meeting.pk}/items/1/"))
    assert "version 2" in page and "Earlier versions (1)" in page
    download = clerk.get(f"/papers/{first.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == papers.pdf(3)
    assert (
        download["Content-Type"] == "application/pdf"
        and "attachment" in download["Content-Disposition"]
    )


@pytest.mark.parametrize(
    "name, data, says",
    [
        ("report.pdf", papers.malformed_pdf(), "could not be read as a PDF"),
        ("budget.xlsm", papers.with_macros(papers.workbook()), "macro-enabled"),
        ("budget.xlsx", papers.with_macros(papers.workbook()), "contains macros"),
    ],
)
def test_a_bad_paper_is_refused_by_the_page_and_nothing_is_written(universe, name, data, says):
    meeting = meeting_in(30)
    actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="X"))
    events = AuditEvent.objects.count()
    response = upload(signed_in(universe, "clerk-ice"), meeting, 1, name, data)
    assert response.status_code == 400
    page = text(response)
    assert "There is a problem" in page and says in page and name in page
    assert not Paper.objects.filter(item__meeting=meeting).exists()
    assert not PaperVersion.objects.filter(paper__item__meeting=meeting).exists()
    assert AuditEvent.objects.count() == events


def test_exempt_papers_are_for_the_body_alone(universe):
    meeting = meeting_in(30)
    item = actions.add_agenda_item(
        CL(),
        meeting,
        actions.ItemIn(
            title="Home care market",
            exempt=True,
            exemption_paragraph=3,
            public_interest="The tender is live",
        ),
    )
    version = actions.upload_paper(CL(), item, "market.pdf", papers.pdf(2), title="Market analysis")
    outsider = signed_in(universe, "analyst-15n")
    page = text(outsider.get(f"/meetings/{meeting.pk}/"))
    assert "Home care market" in page and "Schedule 12A, paragraph 3" in page
    assert "Market analysis" not in page and "1 paper withheld" in page
    assert outsider.get(f"/papers/{version.pk}/").status_code == 404
    # A member (the chair) and the clerk see and download it.
    for who in ("alex-morgan", "clerk-ice"):
        member = signed_in(universe, who)
        assert "Market analysis" in text(member.get(f"/meetings/{meeting.pk}/")), who
        assert member.get(f"/papers/{version.pk}/").status_code == 200, who


# Attendance, declarations and quorum ----------------------------------------------------


def person(key):
    return Person.objects.get(key=key)


def post(ref):
    org, code = ref.split("/")
    return Organisation.objects.get(code=org).posts.get(code=code)


def attend(meeting, key, ref, status="present", **extra):
    return actions.record_attendance(
        CL(),
        meeting,
        actions.AttendanceIn(
            person=person(key), capacity="member", post=post(ref), status=status, **extra
        ),
    )


def test_attendance_and_a_withdrawal_change_an_items_quorum_on_the_page(universe):
    meeting = meeting_in(30)
    _, two, three = (
        actions.add_agenda_item(CL(), meeting, actions.ItemIn(title=t))
        for t in ("Apologies", "Equipment contract", "Care homes")
    )
    attend(meeting, "alex-morgan", "15N/accountable-officer")
    attend(meeting, "lou-barnes", "E10000008/dass")
    attend(meeting, "rae-young", "E06000026/dass", status="apologies")
    attend(meeting, "val-owen", "E06000027/dass", left=two)
    attend(meeting, "sam-patel", "15N/director-of-commissioning")
    page = text(signed_in(universe, "analyst-15n").get(f"/meetings/{meeting.pk}/"))
    assert page.count("Not quorate") == 0 and "left after item 2" in page
    # Sam declares an interest in care homes and withdraws: with Val gone, item 3 has two.
    client = signed_in(universe, "clerk-ice")
    response = client.post(
        f"/meetings/{meeting.pk}/declarations/",
        {
            "person": "sam-patel",
            "items": [str(three.pk)],
            "kind": "financial",
            "description": "Owns shares in a care home group",
            "ruling": "withdraw",
        },
    )
    assert response.status_code == 302, text(response)[:2000]
    page = text(client.get(f"/meetings/{meeting.pk}/"))
    sections = page.split('class="cw-agenda-item')
    assert "is quorate for this item (4 members counted" in sections[1]
    assert "is quorate for this item (4 members counted" in sections[2]
    assert "Not quorate" in sections[3] and "is not quorate for this item" in sections[3]
    assert "its quorum is 3 members" in sections[3]
    assert "Withdraws from the item" in page and "ruled by Alex Morgan" in page


def test_a_substitute_counts_as_the_member_the_ice_allows(universe):
    meeting = meeting_in(30)
    actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="X"))
    attend(meeting, "alex-morgan", "15N/accountable-officer")
    attend(meeting, "lou-barnes", "E10000008/dass")
    actions.record_attendance(
        CL(),
        meeting,
        actions.AttendanceIn(
            person=person("xan-fox"), capacity="substitute", post=post("E06000027/dass")
        ),
    )
    page = text(signed_in(universe, "analyst-15n").get(f"/meetings/{meeting.pk}/"))
    assert "is quorate for this item (3 members counted" in page


def test_attendance_is_refused_when_it_does_not_add_up(universe):
    meeting = meeting_in(30)
    one = actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="X"))
    two = actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="Y"))
    with pytest.raises(Refused, match="does not hold"):
        attend(meeting, "sam-patel", "15N/accountable-officer")
    with pytest.raises(Refused, match="Choose the member post"):
        actions.record_attendance(
            CL(), meeting, actions.AttendanceIn(person=person("sam-patel"), capacity="member")
        )
    with pytest.raises(Refused, match="cannot leave before"):
        attend(meeting, "alex-morgan", "15N/accountable-officer", arrived=two, left=one)
    with pytest.raises(Refused, match="Only someone present"):
        attend(meeting, "alex-morgan", "15N/accountable-officer", status="apologies", left=one)
    assert not Attendance.objects.filter(meeting=meeting).exists()


def test_a_disclosable_pecuniary_interest_bars_taking_part_unless_dispensed(universe):
    council = Organisation.objects.get(code="E10000008")
    cabinet = Body.objects.get(system__slug="devon-2019", code="cabinet-devon")
    meeting = meeting_in(30, cabinet)
    item = actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="Care home fees"))
    member = cabinet.memberships.filter(kind="member").first().post.holdings.first().person
    interest = interests.record_interest(
        CL(),
        member,
        council,
        interests.InterestIn(
            kind="financial",
            description="Owns a care home",
            starts=date(2020, 1, 1),
            pecuniary=True,
        ),
    )
    seat = cabinet.memberships.filter(kind="member").first().post
    actions.record_attendance(
        CL(), meeting, actions.AttendanceIn(person=member, capacity="member", post=seat)
    )
    declaration = actions.DeclarationIn(
        person=member, items=[item], ruling="take_part", interest=interest
    )
    with pytest.raises(Refused, match="Localism Act 2011, s31"):
        actions.record_declaration(CL(), meeting, declaration)
    interests.grant_dispensation(
        CL(),
        member,
        council,
        scope="Care home fees",
        granted_by="Standards Committee",
        starts=date.today(),
        ends=date.today() + timedelta(days=365),
        interest=interest,
    )
    made = actions.record_declaration(CL(), meeting, declaration)
    assert made.pecuniary and made.dispensation is not None


def test_only_items_of_the_meeting_and_the_persons_own_interests_are_declared(universe):
    meeting = meeting_in(30)
    other = meeting_in(40)
    elsewhere = actions.add_agenda_item(CL(), other, actions.ItemIn(title="Elsewhere"))
    alex = person("alex-morgan")
    theirs = interests.record_interest(
        CL(),
        person("sam-patel"),
        Organisation.objects.get(code="15N"),
        interests.InterestIn(kind="financial", description="Shares", starts=date(2020, 1, 1)),
    )
    with pytest.raises(Refused) as refused:
        actions.record_declaration(
            CL(),
            meeting,
            actions.DeclarationIn(
                person=alex, items=[elsewhere], ruling="withdraw", interest=theirs
            ),
        )
    fields = {p.field for p in refused.value.problems}
    assert {"items", "interest"} <= fields


# What a governance reviewer found, closed ------------------------------------------------


def test_a_members_seat_holds_one_person_and_a_substitute_never_chairs(universe):
    meeting = meeting_in(30)
    actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="X"))
    attend(meeting, "alex-morgan", "15N/accountable-officer")
    # The chair's own organisation's substitute, while the chair is there: refused.
    with pytest.raises(Refused, match="already recorded in"):
        actions.record_attendance(
            CL(),
            meeting,
            actions.AttendanceIn(
                person=person("sam-patel"),
                capacity="substitute",
                post=post("15N/accountable-officer"),
            ),
        )
    # A substitute from another organisation: refused.
    with pytest.raises(Refused, match="stands in for their own organisation"):
        actions.record_attendance(
            CL(),
            meeting,
            actions.AttendanceIn(
                person=person("sam-patel"), capacity="substitute", post=post("E06000027/dass")
            ),
        )
    # Two substitutes for one seat: the second is refused.
    actions.record_attendance(
        CL(),
        meeting,
        actions.AttendanceIn(
            person=person("xan-fox"), capacity="substitute", post=post("E06000027/dass")
        ),
    )
    with pytest.raises(Refused, match="already recorded in"):
        attend(meeting, "val-owen", "E06000027/dass")


def test_the_chairs_substitute_does_not_take_the_chair(universe):
    meeting = meeting_in(30)
    actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="X"))
    actions.record_attendance(
        CL(),
        meeting,
        actions.AttendanceIn(
            person=person("jo-evans"), capacity="substitute", post=post("15N/accountable-officer")
        ),
    )
    attend(meeting, "sam-patel", "15N/director-of-commissioning")
    page = text(signed_in(universe, "analyst-15n").get(f"/meetings/{meeting.pk}/"))
    assert "Chaired by Sam Patel (the deputy chair)" in page


def test_a_ruling_is_the_chair_of_the_item_not_someone_who_has_left(universe):
    meeting = meeting_in(30)
    one = actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="One"))
    two = actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="Two"))
    attend(meeting, "alex-morgan", "15N/accountable-officer", left=one)
    attend(meeting, "sam-patel", "15N/director-of-commissioning")
    attend(meeting, "lou-barnes", "E10000008/dass")
    made = actions.record_declaration(
        CL(),
        meeting,
        actions.DeclarationIn(
            person=person("lou-barnes"),
            items=[two],
            ruling="withdraw",
            kind="financial",
            description="Shares",
        ),
    )
    assert made.ruled_by.key == "sam-patel", "Alex had left: the deputy chairs item 2"
    # The chair declaring on an item they chair hands the ruling to the deputy.
    chair = actions.record_declaration(
        CL(),
        meeting,
        actions.DeclarationIn(
            person=person("alex-morgan"),
            items=[one],
            ruling="no_part",
            kind="indirect",
            description="A relative",
        ),
    )
    assert chair.ruled_by.key == "sam-patel"


def test_declarations_are_made_by_people_present_and_withheld_details_stay_withheld(universe):
    meeting = meeting_in(30)
    item = actions.add_agenda_item(
        CL(),
        meeting,
        actions.ItemIn(
            title="Refuge contract", exempt=True, exemption_paragraph=1, public_interest="Safety"
        ),
    )
    lou = person("lou-barnes")
    secret = interests.record_interest(
        CL(),
        lou,
        Organisation.objects.get(code="E10000008"),
        interests.InterestIn(
            kind="non_financial_personal",
            description="Trustee of a refuge whose address is confidential",
            starts=date(2020, 1, 1),
            withheld=True,
            withheld_reason="The safety of residents",
        ),
    )
    declaring = actions.DeclarationIn(person=lou, items=[item], ruling="withdraw", interest=secret)
    with pytest.raises(Refused, match="not recorded present"):
        actions.record_declaration(CL(), meeting, declaring)
    attend(meeting, "lou-barnes", "E10000008/dass", status="apologies")
    with pytest.raises(Refused, match="not recorded present"):
        actions.record_declaration(CL(), meeting, declaring)
    attend(meeting, "lou-barnes", "E10000008/dass")
    made = actions.record_declaration(CL(), meeting, declaring)
    assert "address is confidential" not in made.description
    assert "withheld from publication" in made.description
    # Even the kind of withheld interest is all an outsider sees of a declaration on an exempt
    # item; the clerk's list names it by its kind only.
    outsider = text(signed_in(universe, "analyst-15n").get(f"/meetings/{meeting.pk}/"))
    assert "Details withheld: the item is exempt" in outsider
    clerk = text(signed_in(universe, "clerk-ice").get(f"/meetings/{meeting.pk}/declarations/"))
    assert "address is confidential" not in clerk and "(withheld from publication)" in clerk


def test_a_conflicted_member_does_not_get_the_exempt_papers_but_a_substitute_does(universe):
    meeting = meeting_in(30)
    item = actions.add_agenda_item(
        CL(),
        meeting,
        actions.ItemIn(
            title="Market", exempt=True, exemption_paragraph=3, public_interest="Tender"
        ),
    )
    version = actions.upload_paper(CL(), item, "market.pdf", papers.pdf(1))
    attend(meeting, "alex-morgan", "15N/accountable-officer")
    alex = signed_in(universe, "alex-morgan")
    assert alex.get(f"/papers/{version.pk}/").status_code == 200
    actions.record_declaration(
        CL(),
        meeting,
        actions.DeclarationIn(
            person=person("alex-morgan"),
            items=[item],
            ruling="withdraw",
            kind="financial",
            description="Shares",
        ),
    )
    assert alex.get(f"/papers/{version.pk}/").status_code == 404
    assert "its papers are not sent to you" in text(alex.get(f"/meetings/{meeting.pk}/"))
    # An analyst recorded present (say, invited to speak) sees that meeting's papers.
    analyst = Person.objects.get(account=universe.accounts["analyst-15n"])
    reader = signed_in(universe, "analyst-15n")
    assert reader.get(f"/papers/{version.pk}/").status_code == 404
    actions.record_attendance(
        CL(), meeting, actions.AttendanceIn(person=analyst, capacity="other", status="present")
    )
    assert reader.get(f"/papers/{version.pk}/").status_code == 200


def test_pecuniary_interests_are_elected_members_only(universe):
    council = Organisation.objects.get(code="E10000008")
    officer = person("lou-barnes")  # the council's director of adult care: an officer
    with pytest.raises(Refused, match="elected or co-opted council member"):
        interests.record_interest(
            CL(),
            officer,
            council,
            interests.InterestIn(
                kind="financial", description="Shares", starts=date(2020, 1, 1), pecuniary=True
            ),
        )


def test_a_meeting_is_confirmed_before_its_agenda_goes_out_and_a_cancelled_one_gives_back_its_business(
    universe,
):
    meeting = meeting_in(30, status=Meeting.Status.TENTATIVE)
    plan = actions.add_plan_item(
        CL(),
        Organisation.objects.get(code="15N"),
        ice().system,
        actions.PlanIn(title="P", author="A", kind="discussion", body=ice(), due=date.today()),
    )
    actions.add_agenda_item(CL(), meeting, actions.ItemIn(plan_item=plan))
    with pytest.raises(Conflict, match="confirm it before its agenda is published"):
        actions.publish_agenda(CL(), meeting)
    actions.change_meeting(CL(), meeting, status=Meeting.Status.CANCELLED)
    plan.refresh_from_db()
    assert plan.status == "planned" and plan.meeting is None


def test_a_year_that_is_surely_mistyped_is_refused(universe):
    with pytest.raises(Refused, match="check the year"):
        actions.schedule_meeting(CL(), ice(), actions.at(date(2020, 1, 1), 10, 0))
    with pytest.raises(Refused, match="check the year"):
        actions.schedule_meeting(CL(), ice(), actions.at(date(date.today().year + 6, 1, 1), 10, 0))


def test_times_are_read_as_people_write_them(universe):
    from commonweal.meetings.forms import TimeField

    field = TimeField()
    for written, read in (
        ("2pm", (14, 0)),
        ("2.30pm", (14, 30)),
        ("14:00", (14, 0)),
        ("9.30", (9, 30)),
        ("12pm", (12, 0)),
        ("12am", (0, 0)),
        ("12 noon", (12, 0)),
    ):
        assert field.clean(written) == read, written
    for wrong in ("25:00", "13pm", "noon-ish", "2"):
        with pytest.raises(Exception, match="Enter"):
            field.clean(wrong)


def test_the_same_file_again_is_not_a_new_version(universe):
    meeting = meeting_in(30)
    item = actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="X"))
    first = actions.upload_paper(CL(), item, "report.pdf", papers.pdf(2))
    with pytest.raises(Refused, match="is the same file as version 1"):
        actions.upload_paper(CL(), item, "report again.pdf", papers.pdf(2), paper=first.paper)


def test_the_plan_warns_when_the_route_names_another_decider(universe):
    ccg = Organisation.objects.get(code="15N")
    director = ccg.posts.get(code="director-of-commissioning")
    plan = actions.add_plan_item(
        CL(),
        ccg,
        director.system,
        actions.PlanIn(
            title="Big contract",
            author="A",
            decider=director,
            due=date.today() + timedelta(days=40),
            decision_sought="Award it.",
            decision_type="contract_award",
            commitments=[("15N", 2_000_000_000, None)],
        ),
    )
    page = text(
        signed_in(universe, "analyst-15n").get(f"/organisations/15N/forward-plan/{plan.reference}/")
    )
    assert "The route says someone else decides" in page and "Governing Body" in page


def test_an_exempt_items_plan_entry_is_withheld_from_outsiders(universe):
    ccg = Organisation.objects.get(code="15N")
    meeting = meeting_in(30)
    plan = actions.add_plan_item(
        CL(),
        ccg,
        ice().system,
        actions.PlanIn(
            title="Home care market",
            author="A",
            body=ice(),
            meeting=meeting,
            decision_sought="Retender the market",
            decision_type="contract_award",
            commitments=[("15N", 40_000_000, None)],
        ),
    )
    item = actions.add_agenda_item(CL(), meeting, actions.ItemIn(plan_item=plan))
    actions.mark_exempt(CL(), item, exempt=True, paragraph=3, public_interest="A live tender")
    url = f"/organisations/15N/forward-plan/{plan.reference}/"
    outsider = text(signed_in(universe, "analyst-15n").get(url))
    assert "Home care market" in outsider and "taken in private" in outsider
    assert "Retender the market" not in outsider and "£400,000" not in outsider
    member = text(signed_in(universe, "alex-morgan").get(url))
    assert "Retender the market" in member and "NHS Devon CCG: £400,000" in member


def test_attendance_is_recorded_for_the_whole_body_at_once_and_mistakes_removed(universe):
    meeting = meeting_in(30)
    one = actions.add_agenda_item(CL(), meeting, actions.ItemIn(title="One"))
    client = signed_in(universe, "clerk-ice")
    from commonweal.meetings.views import _expected

    rows = {e.person.key: e.index for e in _expected(meeting)}
    page = text(client.get(f"/meetings/{meeting.pk}/attendance/"))
    assert f'name="status-{rows["alex-morgan"]}"' in page and "Alex Morgan, Accountable" in page
    response = client.post(
        f"/meetings/{meeting.pk}/attendance/",
        {
            "form": "grid",
            f"status-{rows['alex-morgan']}": "present",
            f"status-{rows['lou-barnes']}": "apologies",
            f"status-{rows['val-owen']}": "present",
            f"left-{rows['val-owen']}": str(one.pk),
        },
    )
    assert response.status_code == 302
    recorded = {a.person.key: a for a in meeting.attendance.all()}
    assert recorded["lou-barnes"].status == "apologies" and recorded["val-owen"].left == one
    # One bad row: nothing of the batch is saved.
    refused = client.post(
        f"/meetings/{meeting.pk}/attendance/",
        {
            "form": "grid",
            f"status-{rows['sam-patel']}": "present",
            f"status-{rows['rae-young']}": "absent",
            f"left-{rows['rae-young']}": str(one.pk),
        },
    )
    assert refused.status_code == 400 and "Only someone present arrives or leaves" in text(refused)
    assert not meeting.attendance.filter(person__key="sam-patel").exists()
    client.post(
        f"/meetings/{meeting.pk}/attendance/",
        {"form": "remove", "attendance": str(recorded["lou-barnes"].pk)},
    )
    assert not meeting.attendance.filter(person__key="lou-barnes").exists()


def test_a_key_decision_brought_forward_needs_its_exception_first(universe):
    from datetime import date, timedelta

    from commonweal.core.actions import Actor
    from commonweal.core.errors import Refused
    from commonweal.core.models import Organisation
    from commonweal.governance.models import Body
    from commonweal.meetings import actions as meetings

    devon = Organisation.objects.get(code="E10000008")
    cabinet = Body.objects.get(system__slug="devon-2019", code="cabinet-devon")
    plan = meetings.add_plan_item(
        Actor.command_line(),
        devon,
        cabinet.system,
        meetings.PlanIn(
            title="Charging policy",
            author="Head of Adult Social Care Commissioning",
            body=cabinet,
            due=date.today() + timedelta(days=60),
            decision_sought="Adopt it.",
            decision_type="policy",
            commitments=[("E10000008", 120_000_000, None)],
            key_decision=True,
        ),
    )
    with pytest.raises(Refused, match="clear days"):
        meetings.reschedule_plan_item(
            Actor.command_line(), plan, due=date.today() + timedelta(days=10)
        )
    later = meetings.reschedule_plan_item(
        Actor.command_line(), plan, due=date.today() + timedelta(days=90)
    )
    assert later.due == date.today() + timedelta(days=90)
