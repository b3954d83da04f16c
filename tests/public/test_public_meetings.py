"""The public meeting pages, calendar, papers, approved minutes, iCalendar feeds and downloads.

A Devon ICE meeting has an item in public with a real PDF paper and a decision, and an exempt
item whose report, paper and decision reasons carry a unique marker: the public sees the exempt
item's title and exemption, and the marker appears in no public page, download or feed.
"""

import csv
import html
import io
import json
import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pypdf
import pytest

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation, Person
from commonweal.decisions import actions as decisions
from commonweal.governance.models import Body, Post
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting, PaperVersion
from commonweal.registry.models import System

from ..meetings import papers

pytestmark = pytest.mark.django_db

CL = Actor.command_line
MARK = "qzxv-private-7731"

ICE_PRESENT = (
    ("alex-morgan", "15N/accountable-officer"),
    ("sam-patel", "15N/director-of-commissioning"),
    ("lou-barnes", "E10000008/dass"),
    ("rae-young", "E06000026/dass"),
    ("val-owen", "E06000027/dass"),
)
DECIDERS = {
    "15N": ("alex-morgan", "15N/accountable-officer"),
    "E10000008": ("lou-barnes", "E10000008/dass"),
    "E06000026": ("rae-young", "E06000026/dass"),
    "E06000027": ("val-owen", "E06000027/dass"),
}


def body(code="ice"):
    return Body.objects.get(system__slug="devon-2019", code=code)


def post(ref):
    o, _, code = ref.partition("/")
    return Post.objects.get(organisation__code=o, code=code)


def person(key):
    return Person.objects.get(key=key)


def text(response):
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def streamed(response):
    return b"".join(response.streaming_content).decode()


def meeting_on(days, b=None, status=Meeting.Status.CONFIRMED, venue="County Hall, Exeter", hour=14):
    return meetings.schedule_meeting(
        CL(),
        b or body(),
        meetings.at(date.today() + timedelta(days=days), hour, 0),
        venue=venue,
        status=status,
    )


def late_item(m, title, **more):
    """An item added after the agenda's deadline (the meeting is past), with the chair's
    agreement."""
    return meetings.add_agenda_item(
        CL(),
        m,
        meetings.ItemIn(title=title, urgency_reason="Test.", chair_agreed=True, **more),
    )


def marked_pdf():
    writer = pypdf.PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": MARK})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def decision_on(item, title, reasons):
    parts = [
        decisions.PartIn(Organisation.objects.get(code=code), 0, [(person(k), post(r))])
        for code, (k, r) in DECIDERS.items()
    ]
    return decisions.record_at_item(
        CL(),
        item,
        decisions.DecisionIn(
            title=title,
            resolution="Agreed.",
            decision_type="joint_strategy",
            reasons=reasons,
            alternatives="Do nothing.",
            parts=parts,
        ),
    ).decision


@pytest.fixture
def held(universe):
    """A Devon ICE meeting a week ago, held: item 1 in public with a PDF and a decision; item 2
    exempt, its report, paper and decision's reasons marked."""
    m = meeting_on(-7)
    public = late_item(
        m,
        "Joint strategy for home care",
        kind="decision",
        summary="The strategy for home care across Devon.",
        presenter="Head of Joint Commissioning",
    )
    exempt = late_item(
        m,
        "Provider market position",
        kind="decision",
        summary=f"Report: {MARK} bid prices",
        exempt=True,
        exemption_paragraph=3,
        public_interest="Disclosure would prejudice bids in a live tender.",
    )
    public_paper = meetings.upload_paper(
        CL(), public, "Home care strategy.pdf", papers.pdf(3), title="Home care strategy"
    )
    exempt_paper = meetings.upload_paper(
        CL(), exempt, f"{MARK}.pdf", marked_pdf(), title=f"Bids {MARK}"
    )
    for key, ref in ICE_PRESENT:
        meetings.record_attendance(
            CL(), m, meetings.AttendanceIn(person=person(key), capacity="member", post=post(ref))
        )
    public_decision = decision_on(public, "Joint strategy for home care", "It meets the plan.")
    exempt_decision = decision_on(exempt, "Preferred provider", f"Because {MARK}")
    meetings.change_meeting(CL(), m, status=Meeting.Status.HELD)
    m.refresh_from_db()
    return {
        "meeting": m,
        "public_paper": public_paper,
        "exempt_paper": exempt_paper,
        "public_decision": public_decision,
        "exempt_decision": exempt_decision,
    }


# The meeting page -------------------------------------------------------------------------


def test_the_meeting_page_shows_public_business_and_only_the_title_and_exemption_of_exempt(
    client, held
):
    m = held["meeting"]
    page = text(client.get(f"/public/meetings/{m.pk}/"))
    assert "Joint strategy for home care" in page
    assert "The strategy for home care across Devon." in page
    assert "Head of Joint Commissioning" in page
    assert f'href="/public/papers/{held["public_paper"].pk}/"' in page
    assert "Home care strategy" in page and "(PDF, " in page
    ref = held["public_decision"].reference
    assert f'href="/public/decisions/{ref}/"' in page
    # The exempt item: its title and the paragraph of Schedule 12A, and no more.
    assert "Provider market position" in page
    assert "Paragraph 3 of Schedule 12A to the Local Government Act 1972" in page
    assert "Disclosure would prejudice bids in a live tender." in page
    assert MARK not in page
    assert f"/public/papers/{held['exempt_paper'].pk}/" not in page
    assert held["exempt_decision"].reference not in page
    assert "Agenda, part 2: in private" in page


def test_a_public_paper_downloads_and_an_exempt_one_does_not_exist(client, held):
    response = client.get(f"/public/papers/{held['public_paper'].pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="Home care strategy.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(f"/public/papers/{held['exempt_paper'].pk}/").status_code == 404
    assert client.get("/public/papers/999999/").status_code == 404


def test_a_download_is_named_safely_whatever_it_was_uploaded_as(client, held):
    item = held["meeting"].items.get(number=1)
    name = 'Report "final"; v2 \u2014 \u2603.pdf'
    v = meetings.upload_paper(CL(), item, name, papers.pdf(1), title="Odd name")
    response = client.get(f"/public/papers/{v.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="Report -final- v2.pdf"'


def test_the_agenda_is_public_only_once_published(client, universe):
    m = meeting_on(30)
    item = meetings.add_agenda_item(
        CL(), m, meetings.ItemIn(title="Better Care Fund plan", summary="The draft plan.")
    )
    v = meetings.upload_paper(CL(), item, "plan.pdf", papers.pdf(1), title="The plan")
    page = text(client.get(f"/public/meetings/{m.pk}/"))
    assert "The agenda is not yet published" in page
    assert "Better Care Fund plan" not in page
    assert client.get(f"/public/papers/{v.pk}/").status_code == 404

    meetings.publish_agenda(CL(), m)
    page = text(client.get(f"/public/meetings/{m.pk}/"))
    assert "not yet published" not in page
    assert "Better Care Fund plan" in page and "The draft plan." in page
    assert client.get(f"/public/papers/{v.pk}/").status_code == 200


def test_a_withdrawn_item_shows_its_title_only(client, universe):
    m = meeting_on(30)
    keep = meetings.add_agenda_item(CL(), m, meetings.ItemIn(title="Kept item"))
    gone = meetings.add_agenda_item(
        CL(), m, meetings.ItemIn(title="Withdrawn item", summary="Not to be read.")
    )
    v = meetings.upload_paper(CL(), gone, "gone.pdf", papers.pdf(1), title="Gone paper")
    meetings.withdraw_agenda_item(CL(), gone)
    meetings.publish_agenda(CL(), m)
    page = text(client.get(f"/public/meetings/{m.pk}/"))
    assert keep.title in page
    assert "Withdrawn item" in page and "This item was withdrawn" in page
    assert "Not to be read." not in page and "Gone paper" not in page
    assert client.get(f"/public/papers/{v.pk}/").status_code == 404


def test_a_cancelled_meeting_says_so(client, universe):
    m = meeting_on(20)
    meetings.change_meeting(CL(), m, status=Meeting.Status.CANCELLED)
    page = text(client.get(f"/public/meetings/{m.pk}/"))
    assert "This meeting was cancelled." in page


# Bodies and the calendar ------------------------------------------------------------------


def test_the_meetings_page_lists_each_systems_bodies_and_the_downloads(client, universe):
    meeting_on(10)
    page = text(client.get("/public/meetings/"))
    assert System.objects.get(slug="devon-2019").name in page
    assert 'href="/public/systems/devon-2019/bodies/ice/"' in page
    assert 'href="/public/meetings/calendar/"' in page
    for href in ("meetings.csv", "meetings.json", "agenda-items.csv", "agenda-items.json"):
        assert f'href="/public/{href}"' in page
    assert 'href="/public/meetings/"' in text(client.get("/public/"))


def test_the_body_page_shows_the_body_its_meetings_and_its_feeds(client, held):
    coming = meeting_on(12, venue="Pomona House, Exeter")
    page = text(client.get("/public/systems/devon-2019/bodies/ice/"))
    assert "Integrated Commissioning Executive" in page
    assert "NHS Devon CCG" in page and "Torbay Council" in page
    assert f'href="/public/meetings/{coming.pk}/"' in page
    assert f'href="/public/meetings/{held["meeting"].pk}/"' in page
    assert page.index("Coming meetings") < page.index(f"/public/meetings/{coming.pk}/")
    assert page.index("Past meetings") < page.index(f"/public/meetings/{held['meeting'].pk}/")
    assert 'href="/public/systems/devon-2019/bodies/ice/meetings.ics"' in page
    assert 'href="/public/systems/devon-2019/bodies/ice/feed.atom"' in page
    assert client.get("/public/systems/devon-2019/bodies/nope/").status_code == 404
    assert client.get("/public/systems/nowhere/bodies/ice/").status_code == 404


def test_the_calendar_shows_coming_meetings_by_month_with_cancellations(client, universe):
    soon = meeting_on(3)
    cancelled = meeting_on(40, b=body("governing-body"))
    meetings.change_meeting(CL(), cancelled, status=Meeting.Status.CANCELLED)
    gone = meeting_on(-3)
    page = text(client.get("/public/meetings/calendar/"))
    day = date.today() + timedelta(days=3)
    assert f"<h2>{day:%B %Y}</h2>" in page
    assert f"/public/meetings/{soon.pk}/" in page
    assert f"/public/meetings/{cancelled.pk}/" in page
    row = page[page.index(f"/public/meetings/{cancelled.pk}/") :]
    assert "Cancelled" in row[: row.index("</tr>")]
    assert f"/public/meetings/{gone.pk}/" not in page
    # One system's meetings only.
    sel = text(client.get("/public/meetings/calendar/?system=south-east-london-2020"))
    assert f"/public/meetings/{soon.pk}/" not in sel and "No meeting is scheduled" in sel
    devon = text(client.get("/public/meetings/calendar/?system=devon-2019"))
    assert f"/public/meetings/{soon.pk}/" in devon


@pytest.mark.parametrize(
    ("address", "status", "named"),
    [
        ("/public/meetings/calendar/?system=nowhere", 400, "system"),
        ("/public/meetings/calendar/?page=abc", 400, "page"),
        ("/public/meetings/calendar/?page=0", 400, "page"),
        ("/public/meetings/calendar/?page=-1", 400, "page"),
        ("/public/meetings/calendar/?page=%C2%B2", 400, "page"),
        ("/public/meetings/calendar/?page=99", 404, "page"),
        ("/public/systems/devon-2019/bodies/ice/?page=1.5", 400, "page"),
        ("/public/systems/devon-2019/bodies/ice/?coming=x", 400, "coming"),
        ("/public/systems/devon-2019/bodies/ice/?page=99999999999999999999", 400, "page"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(client, universe, address, status, named):
    response = client.get(address)
    assert response.status_code == status
    assert f"The parameter '{named}'" in text(response)


def test_unknown_things_are_not_found_and_pages_are_read_only(client, held):
    m = held["meeting"]
    assert client.get("/public/meetings/999999/").status_code == 404
    assert client.get("/public/meetings/999999/minutes/").status_code == 404
    assert client.get("/public/systems/devon-2019/bodies/nope/meetings.ics").status_code == 404
    assert client.post(f"/public/meetings/{m.pk}/").status_code == 405
    assert client.post("/public/meetings.csv").status_code == 405


# Minutes ------------------------------------------------------------------------------------


def test_draft_minutes_are_never_public_and_approved_ones_are(client, held):
    m = held["meeting"]
    minutes = decisions.draft_minutes(CL(), m)
    decisions.edit_minutes(CL(), minutes, minutes.text + "\nAny other business: none.")
    assert client.get(f"/public/meetings/{m.pk}/minutes/").status_code == 404
    assert f"/public/meetings/{m.pk}/minutes/" not in text(client.get(f"/public/meetings/{m.pk}/"))

    following = meeting_on(-1)
    decisions.approve_minutes(CL(), minutes, following)
    page = text(client.get(f"/public/meetings/{m.pk}/minutes/"))
    assert "Any other business: none." in page
    assert "Joint strategy for home care" in page
    assert f'href="/public/meetings/{following.pk}/"' in page
    assert f"Approved on {date.today() - timedelta(days=1):%-d %B %Y}" in page
    assert MARK not in page
    assert f'href="/public/meetings/{m.pk}/minutes/"' in text(
        client.get(f"/public/meetings/{m.pk}/")
    )

    correction = decisions.correct_minutes(CL(), minutes, "Item 1: the strategy was noted.")
    assert "the strategy was noted" not in text(client.get(f"/public/meetings/{m.pk}/minutes/"))
    later = meeting_on(-1, hour=16)
    decisions.approve_minutes(CL(), correction, later)
    page = text(client.get(f"/public/meetings/{m.pk}/minutes/"))
    assert "Correction of the minutes" in page and "the strategy was noted" in page


# Feeds and downloads -------------------------------------------------------------------------


def events(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_icalendar_feeds_parse_and_hold_the_meetings(client, held):
    m = held["meeting"]
    cancelled = meeting_on(15, venue="Pomona House, Exeter")
    meetings.change_meeting(CL(), cancelled, status=Meeting.Status.CANCELLED)
    other = meeting_on(16, b=body("governing-body"), status=Meeting.Status.TENTATIVE)
    every = events(client.get("/public/meetings.ics"))
    event = every[f"meeting-{m.pk}@testserver"]
    assert str(event["SUMMARY"]) == "Integrated Commissioning Executive"
    assert str(event["LOCATION"]) == "County Hall, Exeter"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == f"http://testserver/public/meetings/{m.pk}/"
    starts = event.decoded("DTSTART")
    assert starts.tzinfo is not None and str(starts.tzinfo) == "Europe/London"
    assert starts == m.starts.astimezone(ZoneInfo("Europe/London"))
    assert event.decoded("DTEND") - starts == timedelta(hours=2)
    assert str(every[f"meeting-{cancelled.pk}@testserver"]["STATUS"]) == "CANCELLED"
    assert str(every[f"meeting-{other.pk}@testserver"]["STATUS"]) == "TENTATIVE"

    ice = events(client.get("/public/systems/devon-2019/bodies/ice/meetings.ics"))
    assert f"meeting-{m.pk}@testserver" in ice
    assert f"meeting-{other.pk}@testserver" not in ice
    # The same meeting has the same UID in every feed and on every fetch.
    assert set(ice) <= set(events(client.get("/public/meetings.ics")))


def test_the_meetings_downloads_parse_and_agree(client, held):
    m = held["meeting"]
    response = client.get("/public/meetings.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(streamed(response))))
    row = next(r for r in rows if r["id"] == str(m.pk))
    assert row["system"] == "devon-2019" and row["body_code"] == "ice"
    assert row["body_name"] == "Integrated Commissioning Executive"
    assert row["status"] == "held" and row["venue"] == "County Hall, Exeter"
    assert row["url"] == f"http://testserver/public/meetings/{m.pk}/"
    assert date.fromisoformat(row["starts"][:10]) == date.today() - timedelta(days=7)
    listed = json.loads(streamed(client.get("/public/meetings.json")))
    assert isinstance(listed, list) and len(listed) == len(rows)
    assert next(r for r in listed if r["id"] == m.pk)["starts"] == row["starts"]


def test_the_agenda_downloads_give_exempt_items_by_title_and_exemption_only(client, held):
    m = held["meeting"]
    unpublished = meeting_on(30)
    meetings.add_agenda_item(CL(), unpublished, meetings.ItemIn(title="Not yet public"))
    body_csv = streamed(client.get("/public/agenda-items.csv"))
    rows = [r for r in csv.DictReader(io.StringIO(body_csv)) if r["meeting_id"] == str(m.pk)]
    public, exempt = rows
    assert public["title"] == "Joint strategy for home care"
    assert public["summary"] == "The strategy for home care across Devon."
    assert public["exempt"] == "False" and public["kind"] == "decision"
    assert exempt["title"] == "Provider market position" and exempt["summary"] == ""
    assert exempt["exemption"].startswith("Paragraph 3 of Schedule 12A")
    assert "Not yet public" not in body_csv
    listed = json.loads(streamed(client.get("/public/agenda-items.json")))
    shown = [r for r in listed if r["meeting_id"] == m.pk]
    assert [r["exempt"] for r in shown] == [False, True]
    assert shown[1]["summary"] == ""


def test_the_marker_of_exempt_business_is_in_no_public_response(client, held):
    """The exempt item's report, paper and decision reasons carry the marker; every public
    meeting page, download and feed is searched for it."""
    m = held["meeting"]
    # The marker is really there for the body's members to read.
    assert MARK in m.items.get(number=2).summary
    assert MARK in held["exempt_decision"].reasons
    assert PaperVersion.objects.filter(filename__contains=MARK).exists()
    minutes = decisions.draft_minutes(CL(), m)
    decisions.approve_minutes(CL(), minutes, meeting_on(-1))
    addresses = [
        "/public/",
        "/public/meetings/",
        "/public/meetings/calendar/",
        f"/public/meetings/{m.pk}/",
        f"/public/meetings/{m.pk}/minutes/",
        "/public/systems/devon-2019/bodies/ice/",
        "/public/meetings.ics",
        "/public/systems/devon-2019/bodies/ice/meetings.ics",
        "/public/meetings.csv",
        "/public/meetings.json",
        "/public/agenda-items.csv",
        "/public/agenda-items.json",
        f"/public/papers/{held['public_paper'].pk}/",
        f"/public/papers/{held['exempt_paper'].pk}/",
    ]
    for address in addresses:
        response = client.get(address)
        assert response.status_code in (200, 404), address
        content = b"".join(response.streaming_content) if response.streaming else response.content
        assert MARK.encode() not in content, address


# Queries -------------------------------------------------------------------------------------


def test_the_meeting_page_reads_a_bounded_number_of_queries(
    client, universe, django_assert_max_num_queries
):
    m = meeting_on(-3)
    for key, ref in ICE_PRESENT:
        meetings.record_attendance(
            CL(), m, meetings.AttendanceIn(person=person(key), capacity="member", post=post(ref))
        )
    for n in range(6):
        item = late_item(m, f"Item {n}", kind="decision", summary="Read it.")
        meetings.upload_paper(CL(), item, f"paper {n}.pdf", papers.pdf(1))
        meetings.upload_paper(CL(), item, f"annex {n}.pdf", papers.pdf(2))
        if n < 3:
            decision_on(item, f"Decision {n}", "Reasons.")
    with django_assert_max_num_queries(8):
        response = client.get(f"/public/meetings/{m.pk}/")
    page = text(response)
    assert page.count("/public/papers/") == 12 and page.count("/public/decisions/D") == 3


def test_the_body_page_reads_a_bounded_number_of_queries(
    client, universe, django_assert_max_num_queries
):
    for n in range(12):
        meeting_on(n + 1)
        meeting_on(-n - 1)
    with django_assert_max_num_queries(8):
        response = client.get("/public/systems/devon-2019/bodies/ice/")
    assert response.status_code == 200 and text(response).count('href="/public/meetings/') >= 24
