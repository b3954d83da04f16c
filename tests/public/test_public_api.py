"""The public register's API: Open Civic Data's names, no token needed, paginated, with bad
parameters refused naming them and exempt business never published."""

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.decisions import actions
from commonweal.meetings import actions as meetings
from commonweal.meetings.models import Meeting
from commonweal.public.models import RegisterDecision
from commonweal.public.publication import publish_pending

from ..decisions.test_decisions import body, joint
from ..decisions.test_decisions import ice_meeting as ice_meeting  # a fixture
from ..factories import assert_error
from ..meetings import papers
from . import test_public_register as allow_list

pytestmark = pytest.mark.django_db

API = "/api/public"
# Planted in an exempt item's report, its paper and the reasons for the decision taken on it.
SECRET = "qxzv-exempt-7731"
CL = Actor.command_line


@pytest.fixture
def register(universe, ice_meeting):
    """The ICE's meeting with two public items (one with a PDF paper) and an exempt one with
    a paper, a decision on each, and a coming meeting whose agenda is not yet published."""
    clerk = Actor.from_user(universe.accounts["clerk-ice"])
    public_paper = meetings.upload_paper(
        CL(), ice_meeting.items.get(number=1), "strategy.pdf", papers.pdf(2), title="The strategy"
    )
    exempt = meetings.add_agenda_item(
        CL(),
        ice_meeting,
        meetings.ItemIn(
            title="Home care market position",
            kind="decision",
            summary=f"The bidders' prices {SECRET}.",
            exempt=True,
            exemption_paragraph=3,
            public_interest="The tender is live.",
            urgency_reason="Test.",
            chair_agreed=True,
        ),
    )
    meetings.upload_paper(CL(), exempt, "prices.pdf", papers.pdf(1), title=f"Prices {SECRET}")
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
    private = actions.record_at_item(
        clerk,
        exempt,
        replace(
            joint("Preferred bidder"),
            resolution=f"Chose the bidder {SECRET}.",
            reasons=f"The lowest price {SECRET}.",
        ),
    ).decision
    coming = meetings.schedule_meeting(
        CL(), body("ice"), meetings.at(date.today() + timedelta(days=40), 10, 0)
    )
    meetings.add_agenda_item(
        CL(), coming, meetings.ItemIn(title="Next year's plan", summary="Not yet public.")
    )
    publish_pending()
    return {
        "meeting": ice_meeting,
        "coming": coming,
        "paper": public_paper,
        "decisions": (first, second, private),
    }


def get(url, **params):
    response = Client().get(url, params)
    assert response.status_code == 200, (url, params, response.content[:800])
    return response.json()


def every_item(url, **params):
    return get(url, page_size=1000, **params)["items"]


def ids(url, **params):
    return [row["id"] for row in every_item(url, **params)]


def test_every_operation_answers_without_a_token(register):
    first = register["decisions"][0]
    for path in ("organizations", "posts", "memberships", "events", "vote-events"):
        page = get(f"{API}/{path}")
        assert set(page) == {"items", "count", "page", "pages", "page_size"}
        assert page["count"] >= 1 and page["items"], path
    for path in (
        "organizations/15N",
        "organizations/devon-2019/ice",
        f"events/{register['meeting'].pk}",
        f"vote-events/{first.reference}",
    ):
        assert get(f"{API}/{path}")["id"]
    # The internal API still wants a token.
    assert_error(Client().get("/api/systems"), 401, "unauthenticated")


def test_the_openapi_document_lists_the_public_operations_without_security():
    doc = Client().get("/api/openapi.json").json()
    for path in ("organizations", "posts", "memberships", "events", "vote-events"):
        operation = doc["paths"][f"{API}/{path}"]["get"]
        assert not operation.get("security"), path
        assert {"200", "400", "404"} <= set(operation["responses"]), path
    params = {p["name"]: p for p in doc["paths"][f"{API}/vote-events"]["get"]["parameters"]}
    assert params["start_date_after"]["schema"]["anyOf"][0]["format"] == "date"
    assert params["key_decision"]["schema"]["anyOf"][0]["type"] == "boolean"


def test_organizations_and_bodies(register):
    ccg = get(f"{API}/organizations/15N")
    assert ccg["classification"] == "nhs_commissioner" and ccg["name"] == "NHS Devon CCG"
    assert ccg["identifiers"] == [{"scheme": "ODS", "identifier": "15N"}]
    council = get(f"{API}/organizations/E10000008")
    assert council["identifiers"][0]["scheme"] == "ONS"
    ice = get(f"{API}/organizations/devon-2019/ice")
    assert (
        ice["classification"] == "committee" and ice["name"] == "Integrated Commissioning Executive"
    )
    # A joint committee has no one parent: its owners are each named.
    assert ice["parent_id"] is None
    assert set(ice["owner_ids"]) == {"15N", "E10000008", "E06000026", "E06000027"}
    assert ice["sources"][0]["url"] == "http://testserver/public/systems/devon-2019/bodies/ice/"

    devon = ids(f"{API}/organizations", system="devon-2019")
    assert {"15N", "E10000008", "devon-2019/ice"} <= set(devon)
    assert not any(i.startswith("south-east-london-2020/") for i in devon)
    committees = ids(f"{API}/organizations", classification="committee")
    assert "devon-2019/ice" in committees and all("/" in i for i in committees)
    councils = ids(f"{API}/organizations", classification="county_council", system="devon-2019")
    assert councils == ["E10000008"]


def test_posts_and_memberships(register):
    posts = {p["id"]: p for p in every_item(f"{API}/posts", organization_id="15N")}
    ao = posts["15N/accountable-officer"]
    assert ao["label"] == "Accountable Officer (Senior Executive Officer)"
    assert ao["organization_id"] == "15N" and ao["end_date"] is None
    assert all(p["organization_id"] == "15N" for p in posts.values())
    on_ice = ids(f"{API}/posts", organization_id="devon-2019/ice")
    assert "E10000008/dass" in on_ice and "15N/lay-member-ppi" not in on_ice

    rows = every_item(f"{API}/memberships", post_id="15N/accountable-officer")
    holder = next(r for r in rows if r["person_name"])
    assert holder == {
        "id": holder["id"],
        "person_name": "Alex Morgan",
        "organization_id": "15N",
        "post_id": "15N/accountable-officer",
        "on_behalf_of": None,
        "label": "Accountable Officer (Senior Executive Officer)",
        "role": "holder",
        "start_date": "2019-04-01",
        "end_date": None,
    }
    seats = every_item(f"{API}/memberships", organization_id="devon-2019/ice")
    dass = next(s for s in seats if s["post_id"] == "E10000008/dass")
    assert dass["role"] == "member" and dass["on_behalf_of"] == "E10000008"
    assert dass["person_name"] is None
    # An acting holder for September 2019 only.
    west = "15N/dd-integrated-commissioning-west"
    then = {
        r["person_name"]: r["role"]
        for r in every_item(f"{API}/memberships", post_id=west, on="2019-09-15")
    }
    assert then == {"Jay Moss": "holder", "Kay Dunn": "acting holder"}
    later = {
        r["person_name"] for r in every_item(f"{API}/memberships", post_id=west, on="2020-01-01")
    }
    assert later == {"Jay Moss"}


def test_events_and_their_agendas(register):
    m, coming = register["meeting"], register["coming"]
    listed = every_item(f"{API}/events", organization_id="devon-2019/ice")
    assert [e["id"] for e in listed][:0] == [] and {m.pk, coming.pk} <= {e["id"] for e in listed}
    # Latest first.
    assert [e["start_date"] for e in listed] == sorted(
        (e["start_date"] for e in listed), reverse=True
    )
    row = next(e for e in listed if e["id"] == m.pk)
    assert row["name"] == "Integrated Commissioning Executive"
    assert row["classification"] == "committee-meeting" and row["status"] == "confirmed"
    assert row["participants"] == [
        {
            "entity_type": "organization",
            "entity_id": "devon-2019/ice",
            "entity_name": "Integrated Commissioning Executive",
            "note": "host",
        }
    ]
    assert row["sources"][0]["url"] == f"http://testserver/public/meetings/{m.pk}/"

    detail = get(f"{API}/events/{m.pk}")
    agenda = {a["order"]: a for a in detail["agenda"]}
    first = agenda["1"]
    assert first["description"] == "Joint strategy for home care"
    assert first["classification"] == ["decision"]
    assert first["media"] == [
        {
            "note": "The strategy",
            "links": [
                {
                    "media_type": "application/pdf",
                    "url": f"http://testserver/public/papers/{register['paper'].pk}/",
                }
            ],
        }
    ]
    references = [d.reference for d in register["decisions"]]
    assert first["related_entities"] == [
        {"entity_type": "vote_event", "vote_event_id": references[0]}
    ]
    exempt = agenda["3"]
    assert exempt["exempt"] and exempt["description"] == "Home care market position"
    assert exempt["exemption"].startswith(
        "Paragraph 3 of Schedule 12A to the Local Government Act 1972"
    )
    assert exempt["public_interest"] == "The tender is live."
    assert exempt["notes"] == [] and exempt["media"] == []
    # Its decision is listed by reference only: what was decided is withheld.
    assert exempt["related_entities"] == [
        {"entity_type": "vote_event", "vote_event_id": references[2]}
    ]
    # The paper a member can download is served to the public as listed.
    assert Client().get(first["media"][0]["links"][0]["url"]).status_code == 200

    later = get(f"{API}/events/{coming.pk}")
    assert later["status"] == "tentative" and later["agenda_published"] is False
    assert later["agenda"] == []


def test_event_filters(register):
    m, coming = register["meeting"], register["coming"]
    today = date.today().isoformat()
    assert ids(f"{API}/events", start_date_after=today, organization_id="devon-2019/ice") == [
        coming.pk
    ]
    assert m.pk in ids(f"{API}/events", start_date_before=today)
    assert coming.pk not in ids(f"{API}/events", start_date_before=today)
    assert ids(f"{API}/events", status="tentative", organization_id="devon-2019/ice") == [coming.pk]
    # An organisation: the meetings of the bodies it owns.
    assert m.pk in ids(f"{API}/events", organization_id="E06000027")
    Meeting.objects.filter(pk=m.pk).update(status=Meeting.Status.HELD)
    assert ids(f"{API}/events", status="passed", organization_id="devon-2019/ice") == [m.pk]


def test_vote_events(register):
    first, second, private = register["decisions"]
    listed = every_item(f"{API}/vote-events")
    assert [v["id"] for v in listed] == [private.reference, second.reference, first.reference]
    vote = get(f"{API}/vote-events/{first.reference}")
    assert vote["identifier"] == first.reference
    assert vote["motion_text"] == "Commissioned a home care framework across Devon."
    assert vote["motion_classification"] == ["decision"]
    assert vote["result"] == "pass" and vote["start_date"] == first.on.isoformat()
    assert vote["organization_id"] == "devon-2019/ice"
    assert vote["agenda_item"] == {
        "event_id": register["meeting"].pk,
        "order": "1",
        "description": "Joint strategy for home care",
    }
    assert {(v["voter_name"], v["on_behalf_of"]) for v in vote["votes"]} == {
        ("Alex Morgan", "15N"),
        ("Lou Barnes", "E10000008"),
        ("Rae Young", "E06000026"),
        ("Val Owen", "E06000027"),
    }
    assert all(v["option"] == "yes" for v in vote["votes"])
    parts = {p["on_behalf_of"]: p for p in vote["parts"]}
    assert parts["15N"]["amount"] == 100_000_00 and parts["15N"]["bound"] is True
    assert any(a["clause"] for a in parts["15N"]["authority"])
    assert vote["counts"] == []  # an officers' executive: no votes are counted
    assert vote["extras"]["reasons"] == "It implements the agreed plan."
    assert vote["sources"] == [
        {"url": f"http://testserver/public/decisions/{first.reference}/", "note": ""}
    ]
    assert Client().get(vote["sources"][0]["url"]).status_code == 200

    # Exempt business: the title stands for the resolution; the rest is withheld.
    withheld = get(f"{API}/vote-events/{private.reference}")
    assert withheld["motion_text"] == "Preferred bidder"
    assert withheld["extras"]["exempt"] is True and withheld["extras"]["reasons"] is None
    assert withheld["extras"]["amount"] is None
    assert all(p["amount"] is None for p in withheld["parts"])


def test_votes_are_counted_where_a_body_votes(register):
    payload = json.loads(
        RegisterDecision.objects.get(reference=register["decisions"][1].reference).payload
    )
    payload["parts"][0]["votes"] = {"for": 5, "against": 2, "abstain": 1, "casting": ""}
    payload["parts"][1]["votes"] = {"for": 3, "against": 0, "abstain": 0, "casting": ""}
    RegisterDecision.objects.filter(reference=payload["reference"]).update(
        payload=json.dumps(payload)
    )
    vote = get(f"{API}/vote-events/{payload['reference']}")
    assert vote["counts"] == [
        {"option": "yes", "value": 8},
        {"option": "no", "value": 2},
        {"option": "abstain", "value": 1},
    ]


def test_vote_event_filters(register):
    first, second, _ = register["decisions"]
    # Stemmed: "frameworks" finds "framework", "specifications" "specification".
    assert ids(f"{API}/vote-events", q="frameworks") == [first.reference]
    assert ids(f"{API}/vote-events", q="specifications") == [second.reference]
    assert len(ids(f"{API}/vote-events", q="commissioning")) == 3  # the ICE's name
    # Withheld words are not searchable.
    assert ids(f"{API}/vote-events", q=SECRET) == []
    assert ids(f"{API}/vote-events", q='NOT "home" OR * NEAR(') == []
    assert len(ids(f"{API}/vote-events", organization_id="devon-2019/ice")) == 3
    assert len(ids(f"{API}/vote-events", organization_id="E06000026")) == 3
    assert ids(f"{API}/vote-events", organization_id="devon-2019/governing-body") == []
    assert ids(f"{API}/vote-events", key_decision="true") == []
    assert len(ids(f"{API}/vote-events", key_decision="false")) == 3
    assert ids(f"{API}/vote-events", start_date_before="2000-01-01") == []
    on = first.on.isoformat()
    assert len(ids(f"{API}/vote-events", start_date_after=on, start_date_before=on)) == 3


@pytest.mark.parametrize(
    "path,params,field",
    [
        ("vote-events", {"start_date_after": "2021-02-30"}, "start_date_after"),
        ("vote-events", {"start_date_before": "yesterday"}, "start_date_before"),
        ("vote-events", {"key_decision": "perhaps"}, "key_decision"),
        ("vote-events", {"organization_id": "ZZZ99"}, "organization_id"),
        ("vote-events", {"organization_id": "devon-2019/nobody"}, "organization_id"),
        ("events", {"start_date_after": "2021-13-01"}, "start_date_after"),
        ("events", {"status": "held"}, "status"),
        ("memberships", {"on": "2019-9-1"}, "on"),
        ("memberships", {"post_id": "15N/nobody"}, "post_id"),
        ("organizations", {"system": "atlantis"}, "system"),
        ("organizations", {"classification": "parliament"}, "classification"),
        ("posts", {"organization_id": "nowhere"}, "organization_id"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(universe, path, params, field):
    error = assert_error(Client().get(f"{API}/{path}", params), 400, "bad_request")
    assert [p["field"] for p in error["problems"]] == [field]


@pytest.mark.parametrize(
    "path",
    [
        "organizations/ZZZ99",
        "organizations/devon-2019/nobody",
        "events/999999",
        "events/abc",
        "events/99999999999999999999999",
        "vote-events/D99999",
    ],
)
def test_an_unknown_id_is_a_404(universe, path):
    assert_error(Client().get(f"{API}/{path}"), 404, "not_found")


def test_pagination(register):
    whole = every_item(f"{API}/memberships")
    first = get(f"{API}/memberships", page_size=7)
    assert first["count"] == len(whole) and first["page_size"] == 7
    assert first["pages"] == -(-len(whole) // 7) and len(first["items"]) == 7
    # Pages of the two lists a membership may be (holdings, then seats) join up in order.
    pages = [
        get(f"{API}/memberships", page_size=7, page=n)["items"]
        for n in range(1, first["pages"] + 1)
    ]
    assert [m["id"] for page in pages for m in page] == [m["id"] for m in whole]
    assert_error(Client().get(f"{API}/memberships", {"page": first["pages"] + 1}), 404, "not_found")
    assert Client().get(f"{API}/memberships", {"page_size": 1001}).status_code == 422


@pytest.mark.parametrize(
    "path,most",
    [
        ("organizations", 5),
        ("posts", 2),
        ("memberships", 4),
        ("events", 2),
        ("vote-events", 4),  # the newest anchor, the count, the page's ids, their forms
    ],
)
def test_each_list_takes_a_fixed_number_of_queries(
    register, django_assert_max_num_queries, path, most
):
    client = Client()
    with django_assert_max_num_queries(most):
        page = client.get(f"{API}/{path}", {"page_size": 1000}).json()
    assert page["count"] >= 2


def test_an_event_takes_a_fixed_number_of_queries(register, django_assert_max_num_queries):
    client = Client()
    with django_assert_max_num_queries(5):
        assert len(client.get(f"{API}/events/{register['meeting'].pk}").json()["agenda"]) == 3


def test_exempt_business_is_in_no_response(register, universe):
    m = register["meeting"]
    # The body's members see it; the public API never says it.
    assert SECRET in m.items.get(number=3).summary
    urls = [f"{API}/{path}" for path in ("organizations", "posts", "memberships", "events")]
    urls += [f"{API}/events/{e}" for e in ids(f"{API}/events")]
    urls += [f"{API}/vote-events", f"{API}/vote-events?q=bidder"]
    urls += [f"{API}/vote-events/{v}" for v in ids(f"{API}/vote-events")]
    assert len(urls) > 8
    for url in urls:
        response = Client().get(url, {"page_size": 1000})
        assert response.status_code == 200, url
        assert SECRET not in response.content.decode(), url


def test_no_response_says_a_field_the_allow_list_does_not_publish(register, monkeypatch):
    # Every unpublished text field of the records the API reads gets a marker (the register's
    # decisions were published before, from what the public may read of them).
    monkeypatch.setattr(
        allow_list, "APPS", ("core", "registry", "governance", "meetings", "decisions", "auth")
    )
    assert allow_list.plant_markers() > 60
    urls = [f"{API}/{path}" for path in ("organizations", "posts", "memberships", "events")]
    urls += [
        f"{API}/vote-events",
        f"{API}/organizations/devon-2019/ice",
        f"{API}/organizations/15N",
    ]
    urls += [f"{API}/events/{e}" for e in ids(f"{API}/events")]
    urls += [f"{API}/vote-events/{v}" for v in ids(f"{API}/vote-events")]
    for url in urls:
        response = Client().get(url, {"page_size": 1000})
        assert response.status_code == 200, url
        assert allow_list.MARK not in response.content.decode(), url
