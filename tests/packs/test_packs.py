"""The Devon meeting's pack, read back: its pages, their numbers, its bookmarks, what the public
pack leaves out, the cache and new versions; and approved minutes as a tagged PDF."""

import io
import re
import uuid
from datetime import date, timedelta

import pypdf
import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.demo.papers import sample_pdf
from commonweal.governance.models import Body, PostHolding
from commonweal.meetings import actions
from commonweal.meetings.models import Meeting, Paper
from commonweal.packs import build
from commonweal.packs.models import Pack

from ..meetings import papers as spoiled

pytestmark = pytest.mark.django_db

CL = Actor.command_line
MARKER = "EXEMPT-MARKER-Q7X2"


def ice():
    return Body.objects.get(system__slug="devon-2019", code="ice")


def signed_in(universe, name):
    client = Client()
    client.force_login(universe.accounts[name])
    return client


@pytest.fixture
def meeting(universe):
    """An ICE meeting with a planned decision (two PDF papers and a Word paper), an item for
    information (a paper with a turned page), an exempt item, a withdrawn one; published."""
    body = ice()
    m = actions.schedule_meeting(
        CL(),
        body,
        actions.at(date.today() + timedelta(days=20), 14, 0),
        status=Meeting.Status.CONFIRMED,
        venue="County Hall, Exeter",
    )
    plan = actions.add_plan_item(
        CL(),
        body.owners.get(code="15N"),
        body.system,
        actions.PlanIn(
            title="Community equipment contract",
            author="Head of Joint Commissioning",
            body=body,
            meeting=m,
            due=date.today() + timedelta(days=20),
            decision_sought="Award the community equipment contract.",
            decision_type="contract_award",
            commitments=(("15N", 40_000_000, None), ("E10000008", 30_000_000, None)),
        ),
    )
    first = actions.add_agenda_item(CL(), m, actions.ItemIn(plan_item=plan))
    upload(first, "Contract award report", 3)
    upload(first, "Evaluation summary", 2)
    actions.upload_paper(CL(), first, "prices.docx", spoiled.word(), title="Price schedule")
    second = actions.add_agenda_item(
        CL(),
        m,
        actions.ItemIn(
            title="Performance report", kind="information", presenter="Chief Finance Officer"
        ),
    )
    upload(second, "Performance dashboard", 4, landscape_every=2)
    exempt = actions.add_agenda_item(
        CL(),
        m,
        actions.ItemIn(
            title="Home care provider contingency",
            kind="decision",
            summary=f"The provider's finances. {MARKER}",
            exempt=True,
            exemption_paragraph=3,
            public_interest="Disclosure would harm the council's negotiating position.",
        ),
    )
    upload(exempt, "Provider contingency", 2, marker=MARKER)
    gone = actions.add_agenda_item(CL(), m, actions.ItemIn(title="Estates update"))
    actions.withdraw_agenda_item(CL(), gone)
    actions.publish_agenda(CL(), m)
    return m


def upload(item, title, pages, **more):
    data = sample_pdf(title, pages, **more)
    return actions.upload_paper(CL(), item, f"{title}.pdf", data, title=title)


def built(client, url):
    """Ask for a pack's page, run the worker's build, and ask again."""
    client.get(url)
    for pack in Pack.objects.filter(status=Pack.Status.WAITING):
        build.build(pack.pk)
    response = client.get(url)
    assert response.status_code == 200
    return response


def read(pack):
    with pack.file.open("rb") as f:
        return pypdf.PdfReader(io.BytesIO(f.read()))


def outline(reader):
    """[(title, page from 1, [(paper title, page)])]"""
    rows = []
    for entry in reader.outline:
        if isinstance(entry, list):
            rows[-1][2].extend((c.title, reader.get_destination_page_number(c) + 1) for c in entry)
        else:
            rows.append((entry.title, reader.get_destination_page_number(entry) + 1, []))
    return rows


def text_of(reader):
    return [page.extract_text() for page in reader.pages]


def test_the_members_pack_reads_back_page_for_page(universe, meeting):
    client = signed_in(universe, "clerk-ice")
    response = built(client, f"/meetings/{meeting.pk}/pack/")
    pack = Pack.objects.get(meeting=meeting, edition="full")
    assert pack.status == "done", pack.error
    reader = read(pack)
    pages = text_of(reader)
    # Every page carries its own number, papers included.
    for n, page in enumerate(pages, start=1):
        assert page.rstrip().endswith(f"Page {n}"), (n, page[-80:])
    marks = outline(reader)
    assert [m[0] for m in marks[:2]] == ["Cover", "Agenda"]
    assert marks[0][1] == 1 and marks[1][1] == 2
    items = marks[2:]
    assert [t for t, _, _ in items] == [
        "1. Community equipment contract",
        "2. Performance report",
        "3. Home care provider contingency",
    ]  # the withdrawn item has no cover sheet
    lengths = {"Contract award report": 3, "Evaluation summary": 2, "Performance dashboard": 4}
    lengths["Provider contingency"] = 2
    sheets = 0
    starts = [page for _, page, _ in items] + [len(pages) + 1]
    for (title, sheet, papers), following in zip(items, starts[1:], strict=True):
        # The bookmark is the item's cover sheet; its papers follow it, each whole.
        assert f"Item {title.split('.')[0]}:" in pages[sheet - 1]
        assert title.split(". ", 1)[1] in pages[sheet - 1]
        first = papers[0][1] if papers else following
        sheets += first - sheet
        ends = [p for _, p in papers[1:]] + [following]
        for (paper, start), end in zip(papers, ends, strict=True):
            assert end - start == lengths[paper]
            assert paper in pages[start - 1] and f"Page 1 of {lengths[paper]}" in pages[start - 1]
    front = items[0][1] - 1
    assert front == 2  # a cover and a one-page agenda
    assert len(pages) == front + sheets + sum(lengths.values()) == pack.pages
    # The agenda prints the pages the bookmarks point at; the screen shows the same.
    agenda = pages[1]
    for _, _sheet, papers in items:
        for paper, start in papers:
            assert f"{paper}, page {start}" in agenda
    screen = re.sub(r"\s+", " ", response.content.decode())
    for _, sheet, _ in items:
        assert f'cw-numeric">{sheet}</td>' in screen
    # The Word paper is listed with a link, not dropped.
    assert (
        "Price schedule" in pages[items[0][1] - 1]
        and "not printed in the pack" in pages[items[0][1] - 1]
    )
    # Exempt content is in the members' pack, marked not for publication.
    assert MARKER in "".join(pages)
    assert "Not for publication" in pages[items[2][1] - 1]
    # The generated pages are tagged.
    assert "/StructTreeRoot" in reader.trailer["/Root"] and "/MarkInfo" in reader.trailer["/Root"]


def test_the_public_pack_never_holds_exempt_content(universe, meeting):
    response = built(Client(), f"/public/meetings/{meeting.pk}/pack/")
    pack = Pack.objects.get(meeting=meeting, edition="public", status="done")
    assert pack.withheld == str(meeting.items.get(exempt=True).pk)
    reader = read(pack)
    whole = "".join(text_of(reader))
    assert MARKER not in whole
    assert "Home care provider contingency" in whole and "Schedule 12A, paragraph 3" in whole
    assert "Provider contingency" not in whole  # not even the exempt paper's title
    assert [t for t, _, _ in outline(reader)][2:] == [
        "1. Community equipment contract",
        "2. Performance report",
        "3. Home care provider contingency",
    ]
    # The public meeting page shows the pages the items start on in the public pack.
    page = re.sub(r"\s+", " ", Client().get(f"/public/meetings/{meeting.pk}/").content.decode())
    for row in pack.index:
        assert f"Page {row['page']} of the" in page
    # The public download is the public pack only; a members' pack is not found there.
    assert Client().get(f"/public/packs/{pack.pk}/").status_code == 200
    signed_in(universe, "clerk-ice").get(f"/meetings/{meeting.pk}/pack/")
    for waiting in Pack.objects.filter(status="waiting"):
        build.build(waiting.pk)
    full = Pack.objects.get(meeting=meeting, edition="full")
    assert Client().get(f"/public/packs/{full.pk}/").status_code == 404
    assert signed_in(universe, "nobody").get(f"/packs/{full.pk}/").status_code == 404
    assert MARKER not in response.content.decode()


def test_a_pack_is_cached_until_a_paper_changes_and_versions_are_kept(universe, meeting):
    client = signed_in(universe, "clerk-ice")
    built(client, f"/meetings/{meeting.pk}/pack/")
    first = Pack.objects.get(meeting=meeting, edition="full")
    # No change: served from the cache, nothing queued.
    client.get(f"/meetings/{meeting.pk}/pack/")
    assert Pack.objects.filter(meeting=meeting, edition="full").count() == 1
    # A replaced paper: a new version; the earlier one stays available.
    paper = Paper.objects.get(title="Evaluation summary")
    data = sample_pdf("Evaluation summary, corrected", 3)
    actions.upload_paper(CL(), paper.item, "evaluation.pdf", data, title="", paper=paper)
    response = built(client, f"/meetings/{meeting.pk}/pack/")
    second = Pack.objects.get(meeting=meeting, edition="full", version=2)
    assert second.status == "done" and second.pages == first.pages + 1
    assert f"/packs/{first.pk}/" in response.content.decode()
    old = client.get(f"/packs/{first.pk}/")
    assert old.status_code == 200 and old["Content-Type"] == "application/pdf"
    assert b"".join(old.streaming_content) == first.file.open("rb").read()
    # A built pack never changes.
    with pytest.raises(Exception, match="never changes"):
        first.save()


def test_a_member_conflicted_on_an_exempt_item_gets_a_pack_without_it(universe, meeting):
    exempt = meeting.items.get(exempt=True)
    alex = universe.person("alex-morgan")
    post = PostHolding.objects.filter(person=alex).first().post
    actions.record_attendance(
        CL(), meeting, actions.AttendanceIn(person=alex, capacity="member", post=post)
    )
    actions.record_declaration(
        CL(),
        meeting,
        actions.DeclarationIn(
            person=alex,
            items=[exempt],
            kind="financial",
            description="Director of the provider",
            ruling="withdraw",
        ),
    )
    client = signed_in(universe, "alex-morgan")
    built(client, f"/meetings/{meeting.pk}/pack/")
    mine = Pack.objects.get(meeting=meeting, edition="full", status="done")
    assert mine.withheld == str(exempt.pk)
    assert MARKER not in "".join(text_of(read(mine)))
    # The full pack (built for the clerk) is not theirs to download.
    built(signed_in(universe, "clerk-ice"), f"/meetings/{meeting.pk}/pack/")
    full = Pack.objects.get(meeting=meeting, edition="full", withheld="")
    assert client.get(f"/packs/{full.pk}/").status_code == 404


def test_a_paper_that_changed_on_disk_fails_the_build_with_its_name(universe, meeting):
    # Papers are kept under their checksum and shared: spoil one of this test's own.
    item = meeting.items.get(number=2)
    version = upload(item, "Appendix", 4, marker=uuid.uuid4().hex)
    with version.file.open("wb") as f:
        f.write(sample_pdf("Appendix", 1))
    client = signed_in(universe, "clerk-ice")
    response = built(client, f"/meetings/{meeting.pk}/pack/")
    pack = Pack.objects.get(meeting=meeting, edition="full")
    assert pack.status == "failed"
    assert "'Appendix' has 1 pages, not the 4" in pack.error
    assert "The pack could not be built" in response.content.decode()


def test_before_publication_the_pack_is_for_the_body_alone(universe):
    m = actions.schedule_meeting(
        CL(), ice(), actions.at(date.today() + timedelta(days=30), 10, 0), status="confirmed"
    )
    assert Client().get(f"/public/meetings/{m.pk}/pack/").status_code == 404
    assert signed_in(universe, "nobody").get(f"/meetings/{m.pk}/pack/").status_code == 404
    assert signed_in(universe, "clerk-ice").get(f"/meetings/{m.pk}/pack/").status_code == 200


def test_approved_minutes_are_a_tagged_pdf_with_the_record(universe, meeting):
    from commonweal.decisions.models import Minutes

    alex = universe.person("alex-morgan")
    post = PostHolding.objects.filter(person=alex).first().post
    actions.record_attendance(
        CL(), meeting, actions.AttendanceIn(person=alex, capacity="member", post=post)
    )
    actions.record_declaration(
        CL(),
        meeting,
        actions.DeclarationIn(
            person=alex,
            items=[meeting.items.get(exempt=True)],
            kind="financial",
            description=f"Director of the provider {MARKER}",
            ruling="withdraw",
        ),
    )
    draft = Minutes.objects.create(meeting=meeting, text="Draft minutes.")
    assert Client().get(f"/public/meetings/{meeting.pk}/minutes/{draft.pk}/pdf/").status_code == 404
    approved = Minutes.objects.create(
        meeting=meeting,
        text="The Executive noted the performance report.\n\nItem 3 was taken in private.",
        status="approved",
        approved_on=date.today(),
    )
    response = Client().get(f"/public/meetings/{meeting.pk}/minutes/{approved.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/Lang"] == "en-GB"
    assert "pdfuaid" in root["/Metadata"].get_object().get_data().decode()
    whole = re.sub(r"\s+", " ", " ".join(text_of(reader)))
    assert "The Executive noted the performance report." in whole
    assert "Alex Morgan" in whole and "Withdraws from the item" in whole
    # A declaration on exempt business only: its kind and ruling, not the interest.
    assert MARKER not in whole and "Details withheld" in whole
    # Minutes of another meeting are not found under this one.
    other = actions.schedule_meeting(
        CL(), ice(), actions.at(date.today() + timedelta(days=40), 10, 0), status="confirmed"
    )
    assert (
        Client().get(f"/public/meetings/{other.pk}/minutes/{approved.pk}/pdf/").status_code == 404
    )


def test_an_item_marked_exempt_after_the_pack_was_asked_for_is_not_in_it(universe, meeting):
    item = meeting.items.get(number=2)
    Client().get(f"/public/meetings/{meeting.pk}/pack/")
    waiting = Pack.objects.get(meeting=meeting, edition="public", status="waiting")
    actions.mark_exempt(CL(), item, exempt=True, paragraph=3, public_interest="Negotiations.")
    pack = build.build(waiting.pk)
    assert pack.status == "done" and str(item.pk) in pack.withheld.split(",")
    assert "Performance dashboard" not in "".join(text_of(read(pack)))


def test_a_public_version_built_before_an_item_became_exempt_is_withdrawn(universe, meeting):
    item = meeting.items.get(number=2)
    built(Client(), f"/public/meetings/{meeting.pk}/pack/")
    old = Pack.objects.get(meeting=meeting, edition="public", status="done")
    assert Client().get(f"/public/packs/{old.pk}/").status_code == 200
    actions.mark_exempt(CL(), item, exempt=True, paragraph=3, public_interest="Negotiations.")
    response = built(Client(), f"/public/meetings/{meeting.pk}/pack/")
    assert Client().get(f"/public/packs/{old.pk}/").status_code == 404
    assert f"/public/packs/{old.pk}/" not in response.content.decode()
    # The status the page polls reads one row.
    status = Client().get(f"/public/meetings/{meeting.pk}/pack/status/").json()
    assert status["status"] == "done" and status["version"] == 2
