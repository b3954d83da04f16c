"""The public decisions register: published as each decision is recorded, searched with
stemming, filtered, downloaded, and followed in Atom feeds that a real parser reads."""

import csv
import io
import json
from dataclasses import replace

import feedparser
import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.decisions import actions
from commonweal.public.models import RegisterDecision
from commonweal.public.views_decisions import search

from ..decisions.test_decisions import ice_meeting, joint  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded(universe, ice_meeting):  # noqa: F811
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    first = actions.record_at_item(
        clerk,
        ice_meeting.items.get(number=1),
        replace(
            joint("Home care framework", project="home-care"),
            resolution="Commissioned a home care framework across Devon.",
        ),
    ).decision
    second = actions.record_at_item(
        clerk,
        ice_meeting.items.get(number=2),
        replace(
            joint("Community equipment"), resolution="Agreed the equipment service specification."
        ),
    ).decision
    return first, second


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def refs(client, query):
    html = get(client, f"/public/decisions/{query}").content.decode()
    return {r for r in ("D0", "D1") if r in html}, html


def test_recorded_decisions_are_in_the_register_with_each_part(recorded):
    first, second = recorded
    client = Client()
    html = get(client, "/public/decisions/").content.decode()
    assert first.reference in html and second.reference in html
    page = get(client, f"/public/decisions/{first.reference}/").content.decode()
    for expected in (
        "Commissioned a home care framework",
        "NHS Devon CCG",
        "Devon County Council",
        "Integrated Commissioning Executive",
        "It implements the agreed plan.",
        "Do nothing.",
    ):
        assert expected in page, expected
    get(client, "/public/decisions/D99999/", 404)


def test_search_stems_words(recorded):
    first, second = recorded
    client = Client()
    html = get(client, "/public/decisions/?q=frameworks").content.decode()
    assert first.reference in html and second.reference not in html
    html = get(client, "/public/decisions/?q=specifications").content.decode()
    assert second.reference in html and first.reference not in html
    # Words that look like search operators are only words.
    get(client, '/public/decisions/?q=NOT+"home"+OR+*+NEAR(')


def test_commissioning_finds_commissioned(recorded):
    first, second = recorded
    RegisterDecision.objects.filter(reference=first.reference).update(
        text="The service was commissioned in 2019."
    )
    RegisterDecision.objects.filter(reference=second.reference).update(text="Something else.")
    found = set(
        search(RegisterDecision.objects.all(), "commissioning").values_list("reference", flat=True)
    )
    assert found == {first.reference}


def test_filters(recorded):
    first, second = recorded
    client = Client()
    both = {first.reference, second.reference}

    def found(query):
        html = get(client, f"/public/decisions/?{query}").content.decode()
        return {r for r in both if r in html}

    assert found("organisation=E10000008") == both
    assert found("body=devon-2019/ice") == both
    assert found("body=devon-2019/governing-body") == set()
    assert found("from_date=2000-01-01&to_date=2000-12-31") == set()
    assert found("amount_min=1&amount_max=10000000") == both
    assert found("amount_min=100000000") == set()
    assert found("outcome=decision&basis=meeting") == both
    assert found("key_decision=yes") == set()


@pytest.mark.parametrize(
    "query,field",
    [
        ("organisation=ZZZ99", "organisation"),
        ("place=nowhere", "place"),
        ("from_date=2021-02-30", "from_date"),
        ("amount_min=lots", "amount_min"),
        ("amount_min=10&amount_max=5", "amount_max"),
        ("body=devon-2019/nobody", "body"),
    ],
)
def test_a_bad_filter_is_a_400_naming_it(recorded, query, field):
    response = get(Client(), f"/public/decisions/?{query}", 400)
    assert f'id="id_{field}' in response.content.decode()


def test_downloads_and_feeds(recorded):
    first, second = recorded
    client = Client()
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(get(client, "/public/decisions.csv").streaming_content).decode())
        )
    )
    assert {r["reference"] for r in rows} == {first.reference, second.reference}
    data = json.loads(b"".join(get(client, "/public/decisions.json?q=framework").streaming_content))
    assert [d["reference"] for d in data] == [first.reference]
    assert data[0]["parts"][0]["deciders"]

    feed = feedparser.parse(get(client, "/public/feed.atom").content)
    assert not feed.bozo, feed.bozo_exception
    titles = [e.title for e in feed.entries]
    assert any(first.reference in t for t in titles)
    assert any(t.startswith("Meeting:") for t in titles)
    assert any(t.startswith("Register anchored") for t in titles)
    body = feedparser.parse(get(client, "/public/systems/devon-2019/bodies/ice/feed.atom").content)
    assert not body.bozo and any(second.reference in e.title for e in body.entries)
    get(client, "/public/systems/devon-2019/bodies/nobody/feed.atom", 404)


def test_the_register_shows_what_was_published(recorded):
    first, _ = recorded
    row = RegisterDecision.objects.get(reference=first.reference)
    assert json.loads(row.payload)["reference"] == first.reference
    html = get(Client(), "/public/register/").content.decode()
    assert "Anchors, newest first" in html
    lines = b"".join(get(Client(), "/public/register/anchors.jsonl").streaming_content).splitlines()
    assert len(lines) == 2 and json.loads(lines[-1])["entries"][0][2] == recorded[1].reference
