"""Exempt business stays private: a unique marker planted in an exempt item's report, its
paper (title, file name and content) and the reasons of the decision taken on it is seen by the
body's members, and appears in no public page, download, feed or API response."""

import hashlib
import io
from collections import deque
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlparse

import docx
import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.decisions import actions as decisions
from commonweal.decisions.models import Minutes
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting

from ..decisions.test_decisions import ICE_PRESENT, attend, body, ice_parts

pytestmark = pytest.mark.django_db

MARK = "qzxv-exempt-7731"
CL = Actor.command_line
# Area pages carry nothing of meetings or decisions; there are many of them.
SKIP = ("/public/systems/devon-2019/areas/", "/public/systems/south-east-london-2020/areas/")


def paper(text: str) -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture
def exempt(universe):
    """A held ICE meeting with a public item and an exempt one, each with a paper and a
    decision, and its minutes approved at the next meeting."""
    from datetime import date, timedelta

    m = meetings.schedule_meeting(
        CL(),
        body("ice"),
        meetings.at(date.today() - timedelta(days=21), 10, 0),
        status=Meeting.Status.CONFIRMED,
    )
    public = meetings.add_agenda_item(
        CL(),
        m,
        meetings.ItemIn(
            title="Joint strategy for home care",
            kind="decision",
            summary="The public report.",
            urgency_reason="Test.",
            chair_agreed=True,
        ),
    )
    private = meetings.add_agenda_item(
        CL(),
        m,
        meetings.ItemIn(
            title="Provider contingency",
            kind="decision",
            summary=f"The exempt report {MARK}.",
            exempt=True,
            exemption_paragraph=3,
            public_interest="Commercial harm to a provider.",
            urgency_reason="Test.",
            chair_agreed=True,
        ),
    )
    meetings.upload_paper(
        CL(), public, "strategy.docx", paper("The public paper."), title="Strategy"
    )
    secret = paper(f"The exempt paper {MARK}.")
    kept = meetings.upload_paper(
        CL(), private, f"contingency-{MARK}.docx", secret, title=f"Contingency {MARK}"
    )
    meetings.publish_agenda(CL(), m, late_reason="Arranged for the test.")
    attend(m, *ICE_PRESENT)
    for item, words in ((public, "public"), (private, MARK)):
        decisions.record_at_item(
            CL(),
            item,
            decisions.DecisionIn(
                title=item.title,
                resolution=f"Agreed ({words}).",
                reasons=f"Reasons ({words}).",
                alternatives=f"Alternatives ({words}).",
                risks=f"Risks ({words}).",
                decision_type="joint_strategy",
                parts=ice_parts(),
            ),
        )
    meetings.change_meeting(CL(), m, status=Meeting.Status.HELD)
    later = meetings.schedule_meeting(
        CL(),
        body("ice"),
        meetings.at(date.today() - timedelta(days=7), 10, 0),
        status=Meeting.Status.CONFIRMED,
    )
    decisions.approve_minutes(CL(), decisions.draft_minutes(CL(), m), later)
    assert Minutes.objects.filter(meeting=m, status="approved").exists()
    return m, kept, hashlib.sha256(secret).hexdigest()


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Any]]) -> None:
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and v]


def body_of(response: Any) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def crawl(client: Client, starts: list[str]) -> dict[str, bytes]:
    seen, queue, bodies = set(starts), deque(starts), {}
    while queue:
        url = queue.popleft()
        response = client.get(url)
        if response.status_code != 200:
            continue
        content = body_of(response)
        bodies[url] = content
        if "html" not in response.get("Content-Type", ""):
            continue
        parser = Links()
        parser.feed(content.decode())
        for href in parser.hrefs:
            target = urlparse(urljoin(url, href))
            page = target.path + (f"?{target.query}" if target.query else "")
            if (
                target.path.startswith(("/public/", "/api/public/"))
                and not target.path.startswith(SKIP)
                and page not in seen
                and len(seen) < 3000
            ):
                seen.add(page)
                queue.append(page)
    return bodies


def test_exempt_business_is_seen_by_members_and_never_published(universe, exempt):
    m, kept, secret = exempt
    private = m.items.get(exempt=True)
    decision = private.decisions.get()
    # The body's members see it all.
    member = Client()
    member.force_login(universe.accounts["alex-morgan"])
    assert MARK in member.get(f"/meetings/{m.pk}/items/{private.number}/").content.decode()
    assert MARK in member.get(f"/decisions/{decision.pk}/").content.decode()
    assert hashlib.sha256(body_of(member.get(f"/papers/{kept.pk}/"))).hexdigest() == secret

    # Nobody else does, anywhere in the public register.
    public = Client()
    api = [
        "/api/public/organizations",
        "/api/public/posts",
        "/api/public/memberships",
        "/api/public/events",
        f"/api/public/events/{m.pk}",
        "/api/public/vote-events",
        f"/api/public/vote-events/{decision.reference}",
    ]
    bodies = crawl(public, ["/public/", f"/public/meetings/{m.pk}/", *api])
    for must in (
        f"/public/meetings/{m.pk}/",
        f"/public/decisions/{decision.reference}/",
        f"/public/meetings/{m.pk}/minutes/",
        "/public/feed.atom",
        "/public/meetings.ics",
        "/public/decisions.csv",
        "/public/decisions.json",
        f"/api/public/vote-events/{decision.reference}",
        f"/api/public/events/{m.pk}",
    ):
        assert must in bodies, f"{must} was not reached"
    assert "Provider contingency" in bodies[f"/public/meetings/{m.pk}/"].decode()
    assert b"Reasons (public)." in bodies["/public/decisions.json"]
    leaks = [url for url, content in bodies.items() if MARK.encode() in content]
    assert leaks == []
    served = [
        url for url, content in bodies.items() if hashlib.sha256(content).hexdigest() == secret
    ]
    assert served == []
    assert public.get(f"/public/papers/{kept.pk}/").status_code == 404
    assert len(bodies) > 40


def test_a_replaced_paper_is_no_longer_published(universe, exempt):
    m, _, _ = exempt
    item = m.items.get(exempt=False)
    first = item.papers.get().versions.get()
    assert Client().get(f"/public/papers/{first.pk}/").status_code == 200
    meetings.upload_paper(CL(), item, "strategy.docx", paper("Corrected."), paper=item.papers.get())
    assert Client().get(f"/public/papers/{first.pk}/").status_code == 404


@pytest.mark.parametrize("page", ["9" * 5000, "-1", "x", "0"])
def test_a_page_number_that_is_no_page_is_a_4xx(universe, page):
    for path in ("interests", "gifts", "key-decisions", "forward-plan"):
        code = "E10000008" if path == "key-decisions" else "15N"
        response = Client().get(f"/public/organisations/{code}/{path}/?page={page}")
        assert 400 <= response.status_code < 500, (path, page, response.status_code)
