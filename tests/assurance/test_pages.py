"""The assurance pages, API and command line on bad input and without permission: clear 4xx
answers naming what is wrong, nothing half-written."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from commonweal.assurance import actions, presenters, rules
from commonweal.assurance.models import Assessment, AssuranceException, QualityConcern
from commonweal.core.actions import Actor
from commonweal.outcomes.actions import read_document

from ..factories import EXAMPLES

pytestmark = pytest.mark.django_db
BASE = "/systems/devon-2019/assurance/"


@pytest.fixture
def framework(agreements):
    actions.load_framework(
        Actor.command_line(), *read_document(EXAMPLES / "devon-2019-assurance.yaml")
    )
    f = presenters.framework_of(agreements[0].system)
    assert f is not None
    return f


def test_reading_and_assessing_through_the_pages(client, universe, framework):
    client.force_login(universe.accounts["nobody"])
    assert client.get(BASE).status_code == 200
    # Anyone signed in reads; only those who may assess see the form or can post it.
    assert b"Assess the period" not in client.get(BASE).content
    assert client.post(BASE, {"period": "2020-21-q4"}).status_code == 403
    client.force_login(universe.accounts["analyst-15n"])
    bad = client.post(BASE, {"period": "2020-21-q9"})
    assert bad.status_code == 400 and b"Q1 to Q4" in bad.content
    assert (
        client.post(BASE, {"period": "2020-21-m4"}).status_code == 400
    )  # the framework is quarterly
    assert Assessment.objects.count() == 0
    done = client.post(BASE, {"period": "2020-21-q4"})
    assert done.status_code == 302 and done["Location"] == f"{BASE}2020-21-q4/"
    assert Assessment.objects.count() == 5  # the system and its four places
    page = client.get(f"{BASE}2020-21-q4/")
    assert page.status_code == 200 and b"No exceptions" in page.content
    assert client.get(f"{BASE}2020-21-q4/places/north/").status_code == 200
    # An earlier period after a later one: refused on the form, nothing written.
    earlier = client.post(BASE, {"period": "2019-20-q1"})
    assert earlier.status_code == 400 and b"already assessed" in earlier.content
    assert Assessment.objects.count() == 5


def test_unknown_and_malformed_addresses_are_404s(client, universe, framework):
    client.force_login(universe.accounts["analyst-15n"])
    for url in (
        f"{BASE}not-a-period/",
        f"{BASE}2020-21-q4/places/nowhere/",
        f"{BASE}2020-21-q4/report.pdf",  # not assessed
        f"{BASE}exceptions/999999/respond/",
        "/systems/nowhere/assurance/",
        f"{BASE}concerns/QC-9999/close/",
    ):
        assert client.get(url).status_code == 404, url
    api = "/api/systems/devon-2019/assurance"
    assert client.get(f"{api}/2020-21-q4").status_code == 404  # not assessed
    assert client.get(f"{api}/2020-21-q9").json()["error"]["problems"][0]["field"] == "period"
    big = client.post(
        f"{api}/exceptions/{10**30}/responses",
        {"owner": "x", "response": "y"},
        content_type="application/json",
    )
    assert big.status_code in (404, 422), big.content


def test_a_response_through_the_api_is_checked_whole(client, universe, framework):
    actions.assess(Actor.command_line(), framework, rules.parse("2020-21-q4"))
    scope = actions.scopes(framework.system)[0]
    e = AssuranceException.objects.create(
        framework=framework,
        scope=scope,
        line="finance",
        subject="organisation:15N",
        subject_label="NHS Devon CCG",
        domain="finance",
        opened="2020-21-q4",
        opened_end=rules.parse("2020-21-q4").end,
        last="2020-21-q4",
        last_end=rules.parse("2020-21-q4").end,
    )
    url = f"/api/systems/devon-2019/assurance/exceptions/{e.pk}/responses"
    headers = universe.headers("analyst-15n")
    missing = client.post(
        url,
        {
            "owner": "",
            "response": "y",
            "actions": [{"action": "a", "owner": "b", "due": "2021-02-30"}],
        },
        content_type="application/json",
        headers=headers,
    )
    assert missing.status_code in (400, 422)
    fields = {p["field"] for p in missing.json()["error"]["problems"]}
    assert {"owner", "actions[0].due"} <= fields or {"body.owner", "body.actions.0.due"} & fields
    assert e.responses.count() == 0
    ok = client.post(
        url,
        {
            "owner": "CFO",
            "response": "A recovery plan",
            "actions": [{"action": "Review", "owner": "CFO", "due": "2021-04-30"}],
        },
        content_type="application/json",
        headers=headers,
    )
    assert ok.status_code == 201 and ok.json()["actions"][0]["due"] == "2021-04-30"
    assert (
        client.post(
            url,
            {"owner": "x", "response": "y"},
            content_type="application/json",
            headers=universe.headers("jo-evans"),
        ).status_code
        == 403
    )


def test_concerns_are_recorded_by_the_places_organisations_and_closed_once(
    client, universe, framework
):
    client.force_login(universe.accounts["commissioner-15n"])
    form = {
        "place": "north",
        "provider": "RBZ",
        "title": "Handover delays",
        "source": "QSG",
        "severity": "high",
        "description": "Corridor waits",
        "raised_on-day": "31",
        "raised_on-month": "2",
        "raised_on-year": "2021",
    }
    bad = client.post(f"{BASE}concerns/", form)
    assert bad.status_code == 400 and b"real date" in bad.content
    unknown = client.post(f"{BASE}concerns/", {**form, "raised_on-day": "12", "provider": "ZZZ"})
    assert unknown.status_code == 400 and b"ZZZ" in unknown.content
    assert QualityConcern.objects.count() == 0
    done = client.post(f"{BASE}concerns/", {**form, "raised_on-day": "12"})
    assert done.status_code == 302
    c = QualityConcern.objects.get()
    close = {
        f"{c.reference}-closed_on-day": "1",
        f"{c.reference}-closed_on-month": "3",
        f"{c.reference}-closed_on-year": "2021",
        f"{c.reference}-note": "Resolved",
    }
    client.force_login(universe.accounts["admin-sel"])
    assert client.post(f"{BASE}concerns/{c.reference}/close/", close).status_code == 403
    client.force_login(universe.accounts["commissioner-15n"])
    assert client.post(f"{BASE}concerns/{c.reference}/close/", close).status_code == 302
    again = client.post(f"{BASE}concerns/{c.reference}/close/", close)
    assert again.status_code == 400 and b"was closed on" in again.content


def test_the_command_line(framework):
    out = StringIO()
    call_command("assess", "devon-2019", "2020-21-q4", "--json", stdout=out)
    reports = json.loads(out.getvalue())
    assert reports[0]["scope"]["code"] == "wider-devon" and len(reports) == 5
    with pytest.raises(CommandError, match="is not a period"):
        call_command("assess", "devon-2019", "last quarter")
    with pytest.raises(CommandError, match="no system"):
        call_command("assess", "nowhere", "2020-21-q4")
    out = StringIO()
    call_command("load_assurance", "devon-2019-assurance", stdout=out)
    assert "unchanged" in out.getvalue()
