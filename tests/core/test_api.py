"""The JSON API's platform: authentication, the error envelope, tokens, pagination, limits."""

import json
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from commonweal.core.actions import Actor
from commonweal.core.models import ApiToken, AuditEvent, RoleAssignment
from commonweal.core.people import end_role

from ..factories import assert_error

pytestmark = pytest.mark.django_db


def get(client, url, headers=None, **params):
    return client.get(url, params, headers=headers or {})


def test_openapi_document_lists_every_status_each_operation_returns(client):
    doc = client.get("/api/openapi.json").json()
    assert doc["info"]["title"] == "Commonweal API"
    assert {"/api/systems", "/api/systems/{slug}/findings", "/api/organisations/{code}"} <= set(
        doc["paths"]
    )
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "401", "422"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
            if method != "get":
                assert {"400", "403", "413"} <= statuses, (method, path)


def test_anonymous_and_bad_tokens_get_401_even_when_writing(client, universe):
    assert_error(client.get("/api/systems"), 401, "unauthenticated")
    assert_error(
        get(client, "/api/systems", {"Authorization": "Bearer cw_wrong"}), 401, "unauthenticated"
    )
    # A write without a session or a token is 401, not Django's CSRF 403.
    csrf_client = Client(enforce_csrf_checks=True)
    for method in ("post", "delete"):
        response = getattr(csrf_client, method)(
            "/api/tokens", "{}", content_type="application/json"
        )
        assert response.status_code in (401, 405), response.content
    response = csrf_client.post("/api/route", "{}", content_type="application/json")
    assert_error(response, 401, "unauthenticated")


def test_a_session_that_writes_must_send_its_csrf_token(universe):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(universe.accounts["analyst-15n"])
    error = assert_error(
        csrf_client.post("/api/tokens", {"name": "x"}, content_type="application/json"),
        403,
        "forbidden",
    )
    assert error["problems"][0]["field"] == "X-CSRFToken"
    assert csrf_client.get("/api/systems").status_code == 200


def test_token_and_session_both_authenticate(client, universe):
    body = get(client, "/api/systems", universe.headers("analyst-15n")).json()
    assert {"devon-2019", "south-east-london-2020"} <= {s["slug"] for s in body["items"]}
    client.force_login(universe.accounts["analyst-15n"])
    assert client.get("/api/systems").status_code == 200


def test_a_token_records_its_last_use_at_most_once_a_minute(client, universe):
    token = ApiToken.objects.get(owner=universe.accounts["analyst-15n"], name="tests")
    ApiToken.objects.filter(pk=token.pk).update(last_used=None)
    get(client, "/api/systems", universe.headers("analyst-15n"))
    first = ApiToken.objects.get(pk=token.pk).last_used
    assert first is not None
    get(client, "/api/systems", universe.headers("analyst-15n"))
    assert ApiToken.objects.get(pk=token.pk).last_used == first, "no write within the minute"


def test_people_make_list_and_revoke_their_own_tokens(client, universe):
    headers = universe.headers("nobody")
    # A token cannot make tokens (a stolen one would outlive its revocation)...
    error = assert_error(
        client.post(
            "/api/tokens",
            {"name": "laptop", "days": 30},
            content_type="application/json",
            headers=headers,
        ),
        403,
        "forbidden",
    )
    assert "sign in with your password" in error["message"]
    # ...a person signed in can.
    client.force_login(universe.accounts["nobody"])
    made = client.post(
        "/api/tokens", {"name": "laptop", "days": 30}, content_type="application/json"
    )
    client.logout()
    assert made.status_code == 201, made.content
    key, token_id = made.json()["key"], made.json()["id"]
    assert get(client, "/api/systems", {"Authorization": f"Bearer {key}"}).status_code == 200
    listed = get(client, "/api/tokens", headers).json()
    assert {t["name"] for t in listed} == {"tests", "laptop"} and "key" not in listed[0]
    # Another organisation's administrator may not revoke it, and is told no more than that
    # there is no such token (not whose it is, nor that it exists); the person may.
    someone_elses = assert_error(
        client.delete(f"/api/tokens/{token_id}", headers=universe.headers("admin-torbay")),
        404,
        "not_found",
    )
    absent = assert_error(
        client.delete("/api/tokens/999999", headers=universe.headers("admin-torbay")),
        404,
        "not_found",
    )
    assert someone_elses["message"].replace(str(token_id), "N") == absent["message"].replace(
        "999999", "N"
    )
    revoked = client.delete(f"/api/tokens/{token_id}", headers=headers)
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert_error(
        get(client, "/api/systems", {"Authorization": f"Bearer {key}"}), 401, "unauthenticated"
    )
    assert_error(client.delete("/api/tokens/999999", headers=headers), 404, "not_found")


def test_an_administrator_lists_and_revokes_their_organisations_tokens(client, universe):
    admin = universe.headers("admin-15n")
    tokens = get(client, "/api/organisations/15N/tokens", admin).json()
    analyst = next(t for t in tokens if t["owner"] == "analyst-15n")
    assert "admin-torbay" not in {t["owner"] for t in tokens}
    assert_error(
        get(client, "/api/organisations/15N/tokens", universe.headers("admin-torbay")),
        403,
        "forbidden",
    )
    assert client.delete(f"/api/tokens/{analyst['id']}", headers=admin).status_code == 200
    assert_error(
        get(client, "/api/systems", universe.headers("analyst-15n")), 401, "unauthenticated"
    )
    # Once the commissioner's role at 15N has ended, their tokens are no longer 15N's to list
    # (or to revoke).
    commissioner = next(t for t in tokens if t["owner"] == "commissioner-15n")
    for assignment in RoleAssignment.objects.filter(
        person__account=universe.accounts["commissioner-15n"], organisation__code="15N"
    ):
        end_role(Actor.command_line(), assignment, date.today() - timedelta(days=1))
    after = get(client, "/api/organisations/15N/tokens", admin).json()
    assert "commissioner-15n" not in {t["owner"] for t in after}
    assert_error(
        client.delete(f"/api/tokens/{commissioner['id']}", headers=admin), 404, "not_found"
    )


def test_system_detail_and_findings(client, universe):
    headers = universe.headers("analyst-15n")
    body = get(client, "/api/systems/devon-2019", headers).json()
    assert {"level": "place", "areas": 4} in body["levels"]
    assert body["findings"]["information"] >= 4
    findings = get(
        client, "/api/systems/devon-2019/findings", headers, severity="information"
    ).json()
    assert findings["findings"] and all(
        f["severity"] == "information" for f in findings["findings"]
    )
    assert {"rule", "severity", "subject", "explanation", "related"} == set(findings["findings"][0])


def test_systems_are_paginated(client, universe):
    headers = universe.headers("analyst-15n")
    first = get(client, "/api/systems", headers, page_size=1).json()
    assert (first["count"], first["pages"], first["page"], len(first["items"])) == (2, 2, 1, 1)
    second = get(client, "/api/systems", headers, page_size=1, page=2).json()
    assert [first["items"][0]["slug"], second["items"][0]["slug"]] == [
        "south-east-london-2020",
        "devon-2019",
    ], "by name: South East London (2020), Wider Devon (2019)"
    assert_error(get(client, "/api/systems", headers, page=3, page_size=1), 404, "not_found")


def test_areas_are_paginated_and_filterable(client, universe):
    headers = universe.headers("analyst-15n")
    page = get(client, "/api/systems/devon-2019/areas", headers, page_size=3).json()
    assert (page["count"], page["pages"], page["page"], len(page["items"])) == (9, 3, 1, 3)
    assert page["items"][0]["level"] == "region", "widest level first"
    assert get(client, "/api/systems/devon-2019/areas", headers, level="place").json()["count"] == 4
    assert_error(get(client, "/api/systems/devon-2019/areas", headers, page=9), 404, "not_found")
    error = assert_error(
        get(client, "/api/systems/devon-2019/areas", headers, page_size=0), 422, "invalid_request"
    )
    assert error["problems"][0]["field"] == "page_size"
    error = assert_error(
        get(client, "/api/systems/devon-2019/areas", headers, level="county"),
        422,
        "invalid_request",
    )
    assert error["problems"][0]["field"] == "level"


def test_a_date_that_does_not_exist_is_422_naming_the_field(client, universe):
    # Behaviour changed by issue 8: a bad date is the same refusal everywhere, naming the field.
    error = assert_error(
        get(
            client,
            "/api/systems/devon-2019/areas",
            universe.headers("analyst-15n"),
            on="2019-02-30",
        ),
        422,
        "invalid_request",
    )
    assert error["problems"] == [
        {
            "field": "on",
            "message": "must be a real date written as YYYY-MM-DD, for example 2019-04-01",
        }
    ]


def test_area_and_organisation_detail(client, universe):
    headers = universe.headers("analyst-15n")
    area = get(client, "/api/systems/devon-2019/areas/torbay", headers).json()
    assert area["parent"] == "wider-devon" and area["population"] == 136000
    assert {r["organisation"]["code"] for r in area["responsible"]} == {"E06000027", "15N"}
    assert_error(get(client, "/api/systems/devon-2019/areas/nowhere", headers), 404, "not_found")
    assert_error(get(client, "/api/systems/nowhere", headers), 404, "not_found")
    found = get(client, "/api/organisations", headers, kind="nhs_commissioner", q="devon").json()
    assert {"15N", "99P", "99Q"} <= {o["code"] for o in found["items"]}
    ccg = get(client, "/api/organisations/15N", headers).json()
    assert sorted(p["organisation"]["code"] for p in ccg["predecessors"]) == ["99P", "99Q"]
    assert ccg["part_of"]["code"] == "QJK" and ccg["opened"] == "2019-04-01"
    assert_error(get(client, "/api/organisations/NOPE", headers), 404, "not_found")


def test_bodies_over_the_limit_and_unreadable_bodies_are_refused_clearly(client, universe):
    headers = universe.headers("admin-15n")
    big = client.post(
        "/api/systems", "x" * 5_000_001, content_type="application/yaml", headers=headers
    )
    assert_error(big, 413, "too_large")
    broken = client.post(
        "/api/route", "{not json", content_type="application/json", headers=headers
    )
    assert "is not valid JSON" in assert_error(broken, 400, "bad_request")["problems"][0]["message"]
    deep = client.post(
        "/api/route", "[" * 5000 + "]" * 5000, content_type="application/json", headers=headers
    )
    message = assert_error(deep, 400, "bad_request")["problems"][0]["message"]
    assert message.startswith("is nested too deeply")
    nul = client.post(
        "/api/route",
        json.dumps({"system": "devon\u0000"}),
        content_type="application/json",
        headers=headers,
    )
    assert assert_error(nul, 400, "bad_request")["problems"][0]["field"] == "system"


def test_loading_a_document_needs_the_permission_and_a_refused_one_writes_nothing(client, universe):
    analyst = client.post(
        "/api/systems",
        "system: {slug: x, name: X}",
        content_type="application/yaml",
        headers=universe.headers("analyst-15n"),
    )
    assert_error(analyst, 403, "forbidden")
    events = AuditEvent.objects.count()
    response = client.post(
        "/api/systems",
        "system:\n  slug: bad\n  name: Bad\nareas:\n  - {code: a, name: A, level: county}\n",
        content_type="application/yaml",
        headers=universe.headers("admin-15n"),
    )
    error = assert_error(response, 422, "document_refused")
    assert [(p["file"], p["line"], p["field"]) for p in error["problems"]] == [
        ("request body", 5, "areas[0].level")
    ]
    assert AuditEvent.objects.count() == events
    assert get_user_model().objects.filter(username="admin-15n").exists()
