"""The JSON API: authentication, error bodies, pagination, the registry endpoints."""

import pytest
from django.contrib.auth import get_user_model

from commonweal.core.models import AuditEvent, Role
from commonweal.core.people import add_person, assign_role, make_token
from commonweal.registry.models import Organisation, System

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(actor, devon):
    person = add_person(actor, "analyst", "a-long-password", full_name="Ann Analyst")
    assign_role(actor, person, Organisation.objects.get(code="15N"), Role.ANALYST)
    return make_token(actor, person, "tests")


def get(client, url, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(url, params, headers=headers)


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["status"] == status and body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]


def test_openapi_document_describes_the_registry(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["info"]["title"] == "Commonweal API"
    assert {"/api/systems", "/api/systems/{slug}/findings", "/api/organisations/{code}"} <= set(
        doc["paths"]
    )


def test_unauthenticated_and_bad_token_get_401_bodies(client, devon):
    assert_error(client.get("/api/systems"), 401, "unauthenticated")
    assert_error(get(client, "/api/systems", token="cw_wrong"), 401, "unauthenticated")


def test_token_and_session_both_authenticate(client, token, actor):
    assert [s["slug"] for s in get(client, "/api/systems", token).json()] == ["devon-2019"]
    client.force_login(get_user_model().objects.get(username="analyst"))
    assert client.get("/api/systems").status_code == 200


def test_system_detail_and_findings(client, token):
    body = get(client, "/api/systems/devon-2019", token).json()
    assert {"level": "place", "areas": 4} in body["levels"]
    assert body["findings"]["information"] >= 4
    findings = get(client, "/api/systems/devon-2019/findings", token, severity="information").json()
    assert findings["findings"] and all(
        f["severity"] == "information" for f in findings["findings"]
    )
    assert {"rule", "severity", "subject", "explanation", "related"} == set(findings["findings"][0])


def test_areas_are_paginated_and_filterable(client, token):
    page = get(client, "/api/systems/devon-2019/areas", token, page_size=3).json()
    assert (page["count"], page["pages"], page["page"], len(page["items"])) == (9, 3, 1, 3)
    assert page["items"][0]["level"] == "region", "widest level first"
    places = get(client, "/api/systems/devon-2019/areas", token, level="place").json()
    assert places["count"] == 4
    assert_error(get(client, "/api/systems/devon-2019/areas", token, page=9), 404, "not_found")
    error = assert_error(
        get(client, "/api/systems/devon-2019/areas", token, page_size=0), 422, "invalid_request"
    )
    assert error["problems"][0]["field"] == "page_size"
    error = assert_error(
        get(client, "/api/systems/devon-2019/areas", token, level="county"), 422, "invalid_request"
    )
    assert error["problems"][0]["field"] == "level"


def test_area_detail(client, token):
    area = get(client, "/api/systems/devon-2019/areas/torbay", token).json()
    assert area["parent"] == "wider-devon" and area["population"] == 136000
    assert {r["organisation"]["code"] for r in area["responsible"]} == {"E06000027", "15N"}
    assert_error(get(client, "/api/systems/devon-2019/areas/nowhere", token), 404, "not_found")
    assert_error(get(client, "/api/systems/nowhere", token), 404, "not_found")


def test_organisations_search_and_detail(client, token):
    found = get(client, "/api/organisations", token, kind="nhs_commissioner", q="devon").json()
    assert {"15N", "99P", "99Q"} <= {o["code"] for o in found["items"]}
    assert all(
        o["kind"] == "nhs_commissioner" and "devon" in o["name"].lower() for o in found["items"]
    )
    ccg = get(client, "/api/organisations/15N", token).json()
    assert sorted(p["organisation"]["code"] for p in ccg["predecessors"]) == ["99P", "99Q"]
    assert ccg["part_of"]["code"] == "QJK" and ccg["opened"] == "2019-04-01"
    assert_error(get(client, "/api/organisations/NOPE", token), 404, "not_found")


def test_loading_a_document_needs_an_administrator(client, token, actor):
    response = client.post(
        "/api/systems",
        "system: {slug: x, name: X}",
        content_type="application/yaml",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_error(response, 403, "forbidden")


def test_a_refused_document_gets_every_problem_and_writes_nothing(client, actor, devon):
    admin = add_person(actor, "admin", "a-long-password")
    assign_role(actor, admin, Organisation.objects.get(code="15N"), Role.ADMINISTRATOR)
    key = make_token(actor, admin, "admin")
    events = AuditEvent.objects.count()
    response = client.post(
        "/api/systems",
        "system:\n  slug: bad\n  name: Bad\nareas:\n  - {code: a, name: A, level: county}\n",
        content_type="application/yaml",
        headers={"Authorization": f"Bearer {key}"},
    )
    error = assert_error(response, 422, "document_refused")
    assert error["problems"] == [
        {
            "file": "request body",
            "line": 5,
            "field": "areas[0].level",
            "message": error["problems"][0]["message"],
        }
    ]
    assert not System.objects.filter(slug="bad").exists() and AuditEvent.objects.count() == events
    ok = client.post(
        "/api/systems",
        "system: {slug: good, name: Good}\nareas:\n  - {code: a, name: A, level: system}\n",
        content_type="application/yaml",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert ok.status_code == 200 and ok.json()["system"]["slug"] == "good"
    assert AuditEvent.objects.filter(action="registry.load_system").first().actor_label == "admin"
