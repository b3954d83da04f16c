"""The allocations' API: the list and one allocation (money as pence and pounds text), drafting
one (refused without the permission, with the field named when the input is wrong)."""

import pytest

from commonweal.allocations import actions
from commonweal.allocations.rules import LineIn
from commonweal.core.actions import Actor

from ..factories import assert_error

pytestmark = pytest.mark.django_db
BASE = "/api/systems/devon-2019/allocations"
BODY = {
    "year": 2020,
    "organisation": "15N",
    "name": "Recurrent allocation 2020/21",
    "total": "1000000000",
    "place_total": 10000000,
    "population_on": "2020-03-31",
}


def test_draft_read_and_list(d, client, universe):
    made = client.post(
        BASE, BODY, content_type="application/json", headers=universe.headers("jo-evans")
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["status"] == "draft"
    assert body["total"] == {"pence": 100_000_000_000, "pounds": "1000000000.00"}
    assert sum(p["amount"]["pence"] for p in body["places"]) == 1_000_000_000
    from commonweal.allocations.models import Allocation

    a = Allocation.objects.get(reference=body["reference"])
    actions.set_lines(Actor.command_line(), a, [LineIn("Acute", "disinvestment", 5_00)])
    one = client.get(f"{BASE}/{a.reference}", headers=universe.headers("analyst-15n")).json()
    assert one["disinvestment"]["pounds"] == "-5.00"
    assert one["gross_new"]["pence"] == 0
    assert one["route"]["steps"][0]["clause"] == "D8"
    listed = client.get(BASE, headers=universe.headers("analyst-15n")).json()
    assert [x["reference"] for x in listed] == [a.reference]
    assert_error(
        client.get(f"{BASE}/nothing", headers=universe.headers("analyst-15n")), 404, "not_found"
    )


def test_drafting_is_refused_without_the_permission_and_bad_input_is_named(d, client, universe):
    r = client.post(
        BASE, BODY, content_type="application/json", headers=universe.headers("analyst-15n")
    )
    assert_error(r, 403, "forbidden")
    r = client.post(
        BASE,
        {**BODY, "total": "-1"},
        content_type="application/json",
        headers=universe.headers("jo-evans"),
    )
    assert r.status_code in (400, 422)
    r = client.post(
        BASE,
        {**BODY, "year": 2031},
        content_type="application/json",
        headers=universe.headers("jo-evans"),
    )
    err = assert_error(r, 422, "invalid_request")
    assert err["problems"][0]["field"] == "year"
