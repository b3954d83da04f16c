"""The public registers: interests, gifts and hospitality, councils' notices of key decisions
and forward plans, as pages, CSV and JSON, with what each withholds and the 4xx answers to bad
input."""

import csv
import io
import re
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.core.errors import Refused
from commonweal.core.models import Organisation, Person
from commonweal.governance.models import Body, Post
from commonweal.interests import actions as interests
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting
from commonweal.public.registers import months_before
from tests.browser.helpers import needs_browser

pytestmark = pytest.mark.django_db

CL = Actor.command_line
SECRET = "zq-withheld-7c1e"  # planted in every private field; published nowhere


def text(response):
    return re.sub(r"\s+", " ", unescape(response.content.decode()))


def downloads(client, code, register, query=""):
    """The register's CSV (as rows of dicts) and JSON, each checked for its type."""
    got_csv = client.get(f"/public/organisations/{code}/{register}.csv{query}")
    assert got_csv.status_code == 200 and got_csv["Content-Type"].startswith("text/csv")
    body = b"".join(got_csv.streaming_content).decode()
    got_json = client.get(f"/public/organisations/{code}/{register}.json{query}")
    assert got_json.status_code == 200 and got_json["Content-Type"].startswith("application/json")
    return body, list(csv.DictReader(io.StringIO(body))), got_json.content.decode(), got_json.json()


def org(code):
    return Organisation.objects.get(code=code)


def person(key):
    return Person.objects.get(key=key)


def declare(key, code, **entry):
    return interests.record_interest(
        CL(),
        person(key),
        org(code),
        interests.InterestIn(
            **{"kind": "financial", "description": "Shares", "starts": date(2024, 1, 1), **entry}
        ),
    )


# The register of interests ----------------------------------------------------------------


def test_the_register_of_interests_publishes_entries_and_withholds_withheld_ones(universe):
    client = Client()
    shown = declare(
        "alex-morgan",
        "15N",
        kind="non_financial_professional",
        description="Trustee",
        counterparty="Devon Independent Living Trust",
        action="Withdraws from decisions on the trust's contracts",
    )
    withheld = declare(
        "jo-evans",
        "15N",
        description=f"Partner employed by {SECRET}",
        counterparty=f"{SECRET} Ltd",
        action=f"Kept out of {SECRET} business",
        withheld=True,
        withheld_reason=f"A risk of harm ({SECRET})",
    )
    page = client.get("/public/organisations/15N/interests/")
    assert page.status_code == 200
    html = text(page)
    assert "Devon Independent Living Trust: Trustee" in html
    assert "Withdraws from decisions on the trust's contracts" in html
    assert "Alex Morgan" in html and "Accountable Officer" in html  # the person's post
    assert "Jo Evans" in html and "Withheld from publication" in html
    assert "6 months after they end" in html
    raw_csv, rows, raw_json, data = downloads(client, "15N", "interests")
    for published in (html, raw_csv, raw_json):
        assert SECRET not in published
    by_entry = {r["entry"]: r for r in rows}
    assert by_entry[f"I{shown.pk}"]["counterparty"] == "Devon Independent Living Trust"
    assert by_entry[f"I{shown.pk}"]["kind"] == "non_financial_professional"
    assert by_entry[f"I{withheld.pk}"]["person"] == "Jo Evans"
    assert by_entry[f"I{withheld.pk}"]["withheld"] == "yes"
    assert by_entry[f"I{withheld.pk}"]["kind"] == by_entry[f"I{withheld.pk}"]["starts"] == ""
    entries = {e["entry"]: e for e in data["entries"]}
    assert data["organisation"] == {"code": "15N", "name": org("15N").name}
    assert entries[f"I{withheld.pk}"] | {"posts": []} == {
        "entry": f"I{withheld.pk}",
        "person": "Jo Evans",
        "posts": [],
        "withheld": True,
        "kind": None,
        "pecuniary": None,
        "counterparty": "",
        "description": "",
        "starts": None,
        "ends": None,
        "action": "",
        "declared_on": None,
    }
    assert entries[f"I{shown.pk}"]["starts"] == "2024-01-01"
    assert entries[f"I{shown.pk}"]["posts"] == ["Accountable Officer (Senior Executive Officer)"]
    # Filtering by kind never finds a withheld entry: its kind is not published.
    financial = text(client.get("/public/organisations/15N/interests/?kind=financial"))
    assert "Jo Evans" not in financial and "No entries match the filter" in financial
    _, rows, _, _ = downloads(client, "15N", "interests", "?kind=financial")
    assert rows == []
    named = text(client.get("/public/organisations/15N/interests/?person=morg"))
    assert "Alex Morgan" in named and "Jo Evans" not in named


def test_an_interest_leaves_the_published_register_six_months_after_it_ends(universe):
    today = date.today()
    cut_off = months_before(today, 6)
    kept = declare("alex-morgan", "15N", description="Kept until the cut-off", ends=cut_off)
    gone = declare(
        "alex-morgan",
        "15N",
        description="Ended the day before the cut-off",
        ends=cut_off - timedelta(days=1),
    )
    recent = declare(
        "alex-morgan", "15N", description="Ended last month", ends=today - timedelta(days=30)
    )
    html = text(Client().get("/public/organisations/15N/interests/"))
    assert "Kept until the cut-off" in html and "Ended last month" in html
    assert "Ended the day before the cut-off" not in html
    _, rows, _, data = downloads(Client(), "15N", "interests")
    assert {r["entry"] for r in rows} == {f"I{kept.pk}", f"I{recent.pk}"}
    assert f"I{gone.pk}" not in {e["entry"] for e in data["entries"]}


def test_six_months_before_keeps_to_the_months_last_day():
    assert months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert months_before(date(2028, 8, 31), 6) == date(2028, 2, 29)
    assert months_before(date(2026, 3, 15), 6) == date(2025, 9, 15)
    assert months_before(date(2026, 1, 1), 6) == date(2025, 7, 1)


# The register of gifts and hospitality -----------------------------------------------------


def test_the_register_of_gifts_and_hospitality_publishes_every_declared_offer(universe):
    def offer(key, **fields):
        return interests.record_offer(
            CL(),
            person(key),
            org("15N"),
            interests.OfferIn(**{"offered_by": "Acme Care", "on": date.today(), **fields}),
        )

    declined = offer(
        "alex-morgan",
        kind="gift",
        description="A case of wine",
        value=9_000,
        decision="declined",
        from_supplier=True,
        reason="From a bidder in a live tender",
    )
    pending = offer(
        "jo-evans",
        kind="hospitality",
        description="Conference dinner",
        value=9_000,
        decision="pending",
    )
    pen = offer(
        "alex-morgan",
        kind="gift",
        description="A branded pen",
        value=300,
        decision="accepted",
        promotional=True,
    )
    assert not pen.declared
    html = text(Client().get("/public/organisations/15N/gifts/"))
    assert "A case of wine" in html and "£90" in html and "Declined" in html
    assert "From a bidder in a live tender" in html
    assert "Conference dinner" in html and "Awaiting senior approval" in html
    assert "A branded pen" not in html  # the rules did not ask for it to be declared
    _, rows, _, data = downloads(Client(), "15N", "gifts")
    by_entry = {r["entry"]: r for r in rows}
    assert set(by_entry) == {f"G{declined.pk}", f"G{pending.pk}"}
    assert by_entry[f"G{declined.pk}"]["value_pounds"] == "90.00"
    assert by_entry[f"G{declined.pk}"]["decision"] == "declined"
    assert by_entry[f"G{pending.pk}"]["posts"] == "Director of Financial Planning"
    assert {e["kind"] for e in data["entries"]} == {"gift", "hospitality"}
    only = text(Client().get("/public/organisations/15N/gifts/?kind=hospitality"))
    assert "Conference dinner" in only and "A case of wine" not in only


# Notices of key decisions -------------------------------------------------------------------


def cabinet():
    return Body.objects.get(system__slug="devon-2019", code="cabinet-devon")


def key_item(title, days, **more):
    c = cabinet()
    where = {"decider": more.pop("decider")} if "decider" in more else {"body": c}
    return meetings.add_plan_item(
        CL(),
        org("E10000008"),
        c.system,
        meetings.PlanIn(
            title=title,
            author="Head of Commissioning",
            due=date.today() + timedelta(days=days),
            summary=f"About {title.lower()}",
            decision_sought=f"Agree {title.lower()}.",
            key_decision=True,
            **where,
            **more,
        ),
    )


def test_a_councils_notice_of_key_decisions_shows_the_notice_each_had(universe):
    today = date.today()
    told = today - timedelta(days=1)
    on_time = key_item("Charging policy", 40)
    officer = key_item(
        "Day services contract",
        35,
        decider=Post.objects.get(organisation__code="E10000008", code="dass"),
    )
    general = key_item(
        "Ward boundaries",
        10,
        key_exception_kind="general_exception",
        key_exception="The boundary review reported late",
        scrutiny_chair="Cllr Ada Quinn",
        scrutiny_chair_on=told,
    )
    urgent = key_item(
        "Emergency home care contract",
        2,
        key_exception_kind="special_urgency",
        key_exception="The provider has failed and people need care this week",
        scrutiny_chair="Cllr Ada Quinn",
        scrutiny_chair_on=today,
    )
    withdrawn = key_item("Withdrawn thing", 50)
    meetings.reschedule_plan_item(CL(), withdrawn, withdraw=True)
    page = Client().get("/public/organisations/E10000008/key-decisions/")
    assert page.status_code == 200
    html = text(page)
    assert "Charging policy" in html and "39 clear days' notice" in html
    assert "Chief Officer for Adult Care and Health (an officer's key decision)" in html
    assert "Ward boundaries" in html and "General exception (regulation 10)" in html
    assert "The boundary review reported late" in html
    assert (
        f"Cllr Ada Quinn, chair of the overview and scrutiny committee, was told in writing on {told.day} "
        in html
    )
    assert "Special urgency (regulation 11)" in html
    assert "agreed on" in html and "cannot reasonably be deferred" in html
    assert "Withdrawn thing" not in html
    _, rows, _, data = downloads(Client(), "E10000008", "key-decisions")
    by_ref = {r["reference"]: r for r in rows}
    assert set(by_ref) == {i.reference for i in (on_time, officer, general, urgent)}
    assert by_ref[on_time.reference]["notice_given"] == "yes"
    assert by_ref[on_time.reference]["clear_days"] == "39"
    assert by_ref[on_time.reference]["exception"] == ""
    assert by_ref[officer.reference]["by_officer"] == "yes"
    entries = {e["reference"]: e for e in data["entries"]}
    expected = {
        "clear_days": 9,
        "notice_given": False,
        "exception": "general_exception",
        "exception_reason": "The boundary review reported late",
        "scrutiny_chair": "Cllr Ada Quinn",
        "scrutiny_chair_on": told.isoformat(),
    }
    assert {k: entries[general.reference][k] for k in expected} == expected
    assert entries[general.reference]["first_published"] == today.isoformat()
    assert entries[urgent.reference]["exception"] == "special_urgency"
    assert entries[urgent.reference]["clear_days"] == 1


def test_a_late_key_decision_needs_its_exception_recorded(universe):
    with pytest.raises(Refused) as refused:
        key_item("Late", 10)
    assert "28 clear days before it is taken, and this one has 9" in str(refused.value)
    assert {p.field for p in refused.value.problems} == {
        "key_exception_kind",
        "key_exception",
        "scrutiny_chair",
        "scrutiny_chair_on",
    }
    # The general exception needs 5 clear days after the chair and the public are told.
    with pytest.raises(Refused, match="waits 5 clear days"):
        key_item(
            "Too soon",
            5,
            key_exception_kind="general_exception",
            key_exception="Late",
            scrutiny_chair="Cllr Ada Quinn",
            scrutiny_chair_on=date.today(),
        )
    with pytest.raises(Refused, match="must be today or in the past"):
        key_item(
            "Told tomorrow",
            20,
            key_exception_kind="special_urgency",
            key_exception="Urgent",
            scrutiny_chair="Cllr Ada Quinn",
            scrutiny_chair_on=date.today() + timedelta(days=1),
        )
    # With 28 clear days the exception is not kept: the notice was given.
    on_time = key_item(
        "On time",
        29,
        key_exception_kind="special_urgency",
        key_exception="Not needed",
        scrutiny_chair="X",
        scrutiny_chair_on=date.today(),
    )
    assert on_time.key_exception_kind == "" and on_time.scrutiny_chair == ""


def test_the_forward_plan_form_records_the_exception(universe):
    client = Client()
    client.force_login(universe.accounts["admin-devon-county"])
    new = client.get("/organisations/E10000008/forward-plan/new/")
    assert new.status_code == 200 and "Chair of the overview and scrutiny committee" in text(new)
    told = date.today()
    answer = client.post(
        "/organisations/E10000008/forward-plan/new/",
        {
            "title": "Ward boundaries",
            "kind": "decision",
            "author": "Head of Democratic Services",
            "body": str(cabinet().pk),
            "due-day": str((told + timedelta(days=10)).day),
            "due-month": str((told + timedelta(days=10)).month),
            "due-year": str((told + timedelta(days=10)).year),
            "decision_sought": "Agree them.",
            "key_decision": "yes",
            "key_exception_kind": "general_exception",
            "key_exception": "The boundary review reported late",
            "scrutiny_chair": "Cllr Ada Quinn",
            "scrutiny_chair_on": told.isoformat(),
        },
    )
    assert answer.status_code == 302, text(answer)[:3000]
    item = org("E10000008").forward_plan.get(title="Ward boundaries")
    assert (item.key_exception_kind, item.scrutiny_chair, item.scrutiny_chair_on) == (
        "general_exception",
        "Cllr Ada Quinn",
        told,
    )
    shown = text(client.get(answer["Location"]))
    assert "Taken under general exception: The boundary review reported late" in shown
    refused = client.post(
        "/organisations/E10000008/forward-plan/new/",
        {
            "title": "Another",
            "kind": "decision",
            "author": "X",
            "body": str(cabinet().pk),
            "due": (told + timedelta(days=3)).isoformat(),
            "decision_sought": "Agree it.",
            "key_decision": "yes",
        },
    )
    assert refused.status_code == 400
    assert "Enter the name of the chair of the overview and scrutiny committee" in text(refused)


def test_an_nhs_bodys_key_decisions_page_points_to_its_forward_plan(universe):
    client = Client()
    page = client.get("/public/organisations/15N/key-decisions/")
    assert page.status_code == 404
    assert "has no key decisions" in text(page)
    assert 'href="/public/organisations/15N/forward-plan/"' in page.content.decode()
    as_json = client.get("/public/organisations/15N/key-decisions.json")
    assert as_json.status_code == 404
    assert as_json.json()["error"]["problems"][0]["field"] == "code"
    assert "/public/organisations/15N/forward-plan/" in as_json.json()["error"]["message"]
    assert client.get("/public/organisations/15N/key-decisions.csv").status_code == 404


# Forward plans ----------------------------------------------------------------------------


def test_an_nhs_forward_plan_is_published_with_exempt_business_withheld(universe):
    ice = Body.objects.get(system__slug="devon-2019", code="ice")
    ccg = org("15N")
    public = meetings.add_plan_item(
        CL(),
        ccg,
        ice.system,
        meetings.PlanIn(
            title="Better Care Fund plan",
            author="BCF lead",
            kind="discussion",
            summary="The draft plan for the year",
            body=ice,
            due=date.today() + timedelta(days=20),
        ),
    )
    private = meetings.add_plan_item(
        CL(),
        ccg,
        ice.system,
        meetings.PlanIn(
            title="Home care market position",
            author="Head of commissioning",
            summary=f"Which providers may fail: {SECRET}",
            decision_sought=f"Agree the response to {SECRET}",
            body=ice,
            due=date.today() + timedelta(days=20),
        ),
    )
    gone = meetings.add_plan_item(
        CL(),
        ccg,
        ice.system,
        meetings.PlanIn(
            title="Cancelled pilot review",
            author="X",
            kind="discussion",
            body=ice,
            due=date.today(),
        ),
    )
    meetings.reschedule_plan_item(CL(), gone, withdraw=True)
    meeting = meetings.schedule_meeting(
        CL(),
        ice,
        meetings.at(date.today() + timedelta(days=30), 10, 0),
        status=Meeting.Status.CONFIRMED,
    )
    meetings.add_agenda_item(
        CL(),
        meeting,
        meetings.ItemIn(
            plan_item=private,
            exempt=True,
            # The Integrated Commissioning Executive is the councils' too: Schedule 12A.
            exemption_paragraph=3,
            public_interest="Disclosure would prejudice providers' bids in a live tender",
        ),
    )
    html = text(Client().get("/public/organisations/15N/forward-plan/"))
    assert "Better Care Fund plan" in html and "The draft plan for the year" in html
    assert "Home care market position" in html
    assert "Exempt: paragraph 3 of Schedule 12A to the Local Government Act 1972" in html
    assert "Cancelled pilot review" not in html
    raw_csv, rows, raw_json, data = downloads(Client(), "15N", "forward-plan")
    for published in (html, raw_csv, raw_json):
        assert SECRET not in published
    by_ref = {r["reference"]: r for r in rows}
    assert gone.reference not in by_ref
    assert by_ref[private.reference]["summary"] == "Withheld: to be taken in private"
    assert by_ref[private.reference]["status"] == "on_agenda"
    assert by_ref[public.reference]["taken_by"] == ice.name
    assert {e["reference"] for e in data["entries"]} == set(by_ref)
    on_agenda = text(Client().get("/public/organisations/15N/forward-plan/?status=on_agenda"))
    assert "Home care market position" in on_agenda and "Better Care Fund plan" not in on_agenda


# The system's registers, and bad input -----------------------------------------------------


def test_a_systems_registers_page_links_each_organisations_registers(universe):
    html = Client().get("/public/systems/devon-2019/registers/").content.decode()
    assert "NHS Devon CCG" in html and "Devon County Council" in html
    assert 'href="/public/organisations/15N/interests/"' in html
    assert 'href="/public/organisations/E10000008/key-decisions/"' in html
    assert 'href="/public/organisations/15N/key-decisions/"' not in html
    home = Client().get("/public/").content.decode()
    assert 'href="/public/systems/devon-2019/registers/"' in home


@pytest.mark.parametrize(
    ("url", "status", "names"),
    [
        ("/public/organisations/15N/interests/?kind=shares", 400, "Choose kind of interest"),
        ("/public/organisations/15N/interests/?person=" + "x" * 101, 400, "Person"),
        # (a null character is refused before the page, by the site's middleware)
        ("/public/organisations/15N/interests/?person=a%00b", 400, "problem"),
        ("/public/organisations/15N/interests/?page=two", 400, "page"),
        ("/public/organisations/15N/interests/?page=0", 400, "page"),
        ("/public/organisations/15N/interests/?page=%C2%B2", 400, "page"),
        ("/public/organisations/15N/interests/?page=99", 404, "page"),
        ("/public/organisations/15N/gifts/?kind=cash", 400, "Choose gift or hospitality"),
        ("/public/organisations/15N/forward-plan/?status=withdrawn", 400, "Choose status"),
        ("/public/organisations/NOPE/interests/", 404, "code"),
        ("/public/organisations/NOPE/key-decisions/", 404, "code"),
        ("/public/systems/nowhere/registers/", 404, "slug"),
    ],
)
def test_bad_input_is_a_4xx_that_names_it(universe, url, status, names):
    response = Client().get(url)
    assert response.status_code == status
    assert names in text(response)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("?kind=shares", 400, "kind"),
        ("?page=99", 200, None),  # a download is the whole register: no pages
        ("?person=" + "x" * 101, 400, "person"),
    ],
)
def test_bad_input_to_a_download_names_the_parameter(universe, query, status, field):
    as_json = Client().get(f"/public/organisations/15N/interests.json{query}")
    assert as_json.status_code == status
    as_csv = Client().get(f"/public/organisations/15N/interests.csv{query}")
    assert as_csv.status_code == status
    if field:
        assert as_json.json()["error"]["problems"][0]["field"] == field
        assert as_csv.content.decode().startswith(f"{field}: ")
    unknown = Client().get("/public/organisations/NOPE/gifts.json")
    assert unknown.status_code == 404 and unknown.json()["error"]["problems"][0]["field"] == "code"


def test_every_register_page_answers_head_and_refuses_post(universe):
    client = Client()
    for register in ("interests", "gifts", "forward-plan"):
        for suffix in (f"{register}/", f"{register}.csv", f"{register}.json"):
            url = f"/public/organisations/E10000008/{suffix}"
            assert client.head(url).status_code == 200, url
            assert client.post(url).status_code == 405, url


# Only the allow-list --------------------------------------------------------------------------

MARK = "zqrg"


def plant_markers(labels=("core", "governance", "interests", "meetings")):
    """A unique marker in every text field the allow-list does not publish, in every row."""
    from django.apps import apps
    from django.db import connection, models

    from commonweal.public.presenters import PUBLISHED

    for label in labels:
        for model in apps.get_app_config(label).get_models():
            published = PUBLISHED.get(model._meta.label, ())
            for f in model._meta.concrete_fields:
                if (
                    not isinstance(f, models.CharField | models.TextField | models.JSONField)
                    or f.primary_key
                    or f.name in published
                    or f.name == "password"
                ):
                    continue
                pk = model._meta.pk.column
                if isinstance(f, models.JSONField):
                    value = f"'[\"{MARK}' || {pk} || '\"]'"
                    if connection.vendor == "postgresql":
                        value = f"({value})::jsonb"
                else:
                    value = f"substr('{MARK}' || {pk}, 1, {getattr(f, 'max_length', None) or 40})"
                with connection.cursor() as cursor:
                    # Raw SQL: some records refuse changes through the ORM.
                    cursor.execute(f'UPDATE "{model._meta.db_table}" SET "{f.column}" = {value}')


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k == "href" and v]


def crawl_registers(start="/public/systems/devon-2019/registers/"):
    """Every register page and download reachable from the system's registers: (the pages
    read, each problem found)."""
    client = Client()
    seen, queue, problems = {start}, [start], []
    while queue:
        url = queue.pop()
        response = client.get(url)
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
        if MARK in body:
            at = body.index(MARK)
            problems.append(f"{url}: …{body[at - 80 : at + 10]}…")
        if response["Content-Type"].startswith("text/html"):
            parser = Links()
            parser.feed(body)
            for href in parser.hrefs:
                target = urlparse(urljoin(url, href))
                page = target.path + (f"?{target.query}" if target.query else "")
                if target.path.startswith("/public/organisations/") and page not in seen:
                    seen.add(page)
                    queue.append(page)
    return seen, problems


def some_business():
    declare("alex-morgan", "15N", description="Trustee", counterparty="A charity")
    declare("jo-evans", "15N", withheld=True, withheld_reason="A risk of harm")
    interests.record_offer(
        CL(),
        person("alex-morgan"),
        org("15N"),
        interests.OfferIn(
            kind="hospitality",
            description="Dinner",
            offered_by="A supplier",
            value=2_000,
            on=date.today(),
            decision="accepted",
            reason="Speaking",
        ),
    )
    key_item(
        "Ward boundaries",
        10,
        key_exception_kind="general_exception",
        key_exception="Late review",
        scrutiny_chair="Cllr Ada Quinn",
        scrutiny_chair_on=date.today(),
    )


def test_the_registers_publish_only_the_allow_list(universe):
    some_business()
    plant_markers()
    seen, problems = crawl_registers()
    assert problems == []
    # Every organisation's registers, and each one's downloads, were read.
    assert "/public/organisations/E10000008/key-decisions.json" in seen
    assert "/public/organisations/15N/gifts.csv" in seen
    assert len(seen) > 40


def test_the_crawl_catches_a_field_the_allow_list_leaves_out(universe, monkeypatch):
    from commonweal.public import presenters

    some_business()
    interest = presenters.PUBLISHED["interests.Interest"]
    monkeypatch.setitem(
        presenters.PUBLISHED,
        "interests.Interest",
        tuple(f for f in interest if f != "counterparty"),
    )
    plant_markers()
    _, problems = crawl_registers()
    assert any(p.startswith("/public/organisations/15N/interests.json: ") for p in problems)


# Accessibility ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import CHROMIUM

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@needs_browser
def test_the_register_pages_have_no_accessibility_violations(chromium, live_server, universe):
    from tests.browser import helpers
    from tests.browser.helpers import axe_violations

    some_business()
    context = chromium.new_context()
    page = context.new_page()
    page.base = live_server.url
    for path in (
        "/public/",
        "/public/systems/devon-2019/registers/",
        "/public/organisations/15N/interests/",
        "/public/organisations/15N/interests/?kind=nonsense",
        "/public/organisations/15N/gifts/",
        "/public/organisations/15N/forward-plan/",
        "/public/organisations/15N/key-decisions/",
        "/public/organisations/E10000008/key-decisions/",
        "/public/organisations/E10000008/interests/?page=9",
    ):
        page.goto(page.base + path)
        assert axe_violations(page) == [], path
    # The council's form for its forward plan, with the key decision's exception.
    helpers.sign_in(page, "admin-devon-county", "/organisations/E10000008/forward-plan/new/")
    assert axe_violations(page) == []
    item = org("E10000008").forward_plan.get(title="Ward boundaries")
    page.goto(page.base + f"/organisations/E10000008/forward-plan/{item.reference}/")
    assert "Taken under general exception" in page.content()
    assert axe_violations(page) == []
    context.close()


def test_business_intended_for_private_is_noticed_with_its_reason_and_no_summary(universe):
    from datetime import date, timedelta

    from django.test import Client

    from commonweal.core.actions import Actor
    from commonweal.core.models import Organisation
    from commonweal.governance.models import Body
    from commonweal.meetings import actions as meetings

    devon = Organisation.objects.get(code="E10000008")
    cabinet = Body.objects.get(system__slug="devon-2019", code="cabinet-devon")
    meetings.add_plan_item(
        Actor.command_line(),
        devon,
        cabinet.system,
        meetings.PlanIn(
            title="Care home block contract",
            author="Head of Commissioning",
            summary="Prices bid by qzpriv-summary providers.",
            body=cabinet,
            due=date.today() + timedelta(days=60),
            decision_sought="Award qzpriv-sought.",
            decision_type="policy",
            commitments=[("E10000008", 120_000_000, None)],
            key_decision=True,
            private_paragraph=3,
            private_reason="Bidders' prices are commercially sensitive.",
        ),
    )
    page = Client().get("/public/organisations/E10000008/key-decisions/").content.decode()
    assert "Intended to be taken in private" in page and "paragraph 3 of Schedule 12A" in page
    assert "Bidders' prices are commercially sensitive." in page.replace("&#39;", "'")
    assert "qzpriv" not in page
