"""Outcomes' API on the real data: the framework, an indicator's values, a profile and an SPC
series for a token holder, each answer shaped as the OpenAPI document says (every key, no
more); errors in the one envelope; a rebase recorded by an analyst and refused to a
commissioner; and the public operations withholding a small count.

The set-up runs once for the module, through the actions, inside a transaction rolled back at
the end; each test runs in a savepoint of its own.
"""

import csv
import json
import math
from pathlib import Path
from typing import Any

import pytest
from django.db import transaction

from commonweal import stats
from commonweal.core.actions import Actor
from commonweal.outcomes import actions, data, fingertips, presenters, rules, suppression
from commonweal.outcomes.models import Rebase, Series, Value
from commonweal.registry.actions import add_pcns, assign_networks
from commonweal.registry.models import System

from ..factories import EXAMPLES, assert_error, needs_data

pytestmark = [needs_data, pytest.mark.django_db]

API = "/api/systems/devon-2019/outcomes"
PUBLIC = "/api/public/systems/devon-2019/outcomes"
HYP = "qof-hyp-prevalence"
SMOKING = "smoking-prevalence-adults"
PCN = "U50322"
SERIES = "ae-rh8-four-hour"
ENGLAND = "E92000001"
SUPPRESSED = "Value suppressed for disclosure control: the count is below 5"


@pytest.fixture(scope="module")
def loaded(real_data, _session_universe, django_db_blocker):
    """Devon's PCNs and places, the shipped catalogue, the Devon framework and every outcomes
    file in the data directory: once for the module, rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        cl = Actor.command_line()
        devon = System.objects.get(slug="devon-2019")
        add_pcns(cl, devon, "15N", parent="wider-devon")
        assign_networks(cl, EXAMPLES / "devon-2019-pcn-places.yaml")
        data.load_shipped(cl)
        actions.load_framework(cl, *actions.read_document(EXAMPLES / "devon-2019-outcomes.yaml"))
        data.import_all(cl, real_data)
        # Spreads are kept by the highest value id, which a rolled-back test can reuse.
        presenters._spread.cache_clear()
        yield real_data
        transaction.set_rollback(True)
    presenters._spread.cache_clear()


@pytest.fixture
def get(client, universe, loaded):
    """A GET as a token holder (the analyst), answered 200, as JSON."""

    def fetch(path: str, **query: str) -> Any:
        response = client.get(path, query, headers=universe.headers("analyst-15n"))
        assert response.status_code == 200, (response.status_code, response.content[:500])
        return response.json()

    return fetch


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict[str, Any]:
    from django.test import Client

    with django_db_blocker.unblock():
        return Client().get("/api/openapi.json").json()


def documented(doc: dict[str, Any], path: str, method: str = "get", status: str = "200"):
    content = doc["paths"][path][method]["responses"][status]["content"]["application/json"]
    return content["schema"]


def conforms(value: Any, schema: dict[str, Any], doc: dict[str, Any], at: str = "") -> None:
    """The value has the schema's shape: every object exactly its documented properties, each
    of the documented type (nullable where documented)."""
    schemas = doc["components"]["schemas"]
    if "$ref" in schema:
        return conforms(value, schemas[schema["$ref"].rsplit("/", 1)[1]], doc, at)
    if "anyOf" in schema:
        problems = []
        for option in schema["anyOf"]:
            try:
                conforms(value, option, doc, at)
                return None
            except AssertionError as e:
                problems.append(str(e))
        raise AssertionError(f"{at}: none of {problems}")
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        assert isinstance(value, dict), at
        assert set(value) == set(schema["properties"]), (at, set(value) ^ set(schema["properties"]))
        for key, sub in schema["properties"].items():
            conforms(value[key], sub, doc, f"{at}.{key}")
    elif kind == "array":
        assert isinstance(value, list), at
        for i, item in enumerate(value):
            conforms(item, schema["items"], doc, f"{at}[{i}]")
    elif kind == "null":
        assert value is None, at
    elif kind == "string":
        assert isinstance(value, str), at
    elif kind == "number":
        assert isinstance(value, int | float) and not isinstance(value, bool), at
    elif kind == "integer":
        assert isinstance(value, int) and not isinstance(value, bool), at
    elif kind == "boolean":
        assert isinstance(value, bool), at
    return None


def qof(data_dir: Path, group: str, list_type: str) -> dict[str, tuple[int, int]]:
    found = {}
    with (data_dir / "qof-2020-21" / "PREVALENCE_2021_v2.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            if row["GROUP_CODE"] == group and row["PATIENT_LIST_TYPE"] == list_type:
                found[row["PRACTICE_CODE"]] = (int(row["REGISTER"]), int(row["PRACTICE_LIST_SIZE"]))
    return found


def mapping(data_dir: Path) -> dict[str, dict[str, str]]:
    with (data_dir / "qof-2020-21" / "MAPPING_NHS_GEOGRAPHIES_2021.csv").open(newline="") as f:
        return {row["PRACTICE_CODE"]: row for row in csv.DictReader(f)}


# Reading -----------------------------------------------------------------------------------------


def test_the_framework(get, openapi, loaded):
    body = get(API)
    conforms(body, documented(openapi, "/api/systems/{slug}/outcomes"), openapi)
    assert body["name"] == "Wider Devon strategic outcomes framework"
    assert body["version"] == 1 and body["illustrative"] is True
    assert [o["code"] for o in body["outcomes"]] == [
        "ltc-found-early",
        "mental-health",
        "live-well",
    ]
    assert sum(len(o["indicators"]) for o in body["outcomes"]) == 24
    hyp = body["outcomes"][0]["indicators"][0]
    assert hyp["code"] == HYP
    # The system's value: its practices' registers summed, from the file, here.
    counts = qof(loaded, "HYP", "TOTAL")
    mine = hyp["system_value"]
    assert mine["area_code"] == "devon-2019.wider-devon" and mine["area_type"] == "System"
    x = sum(counts[p][0] for p in mine["practices"] if p in counts)
    n = sum(counts[p][1] for p in mine["practices"] if p in counts)
    assert (mine["count"], mine["denominator"]) == (x, n)
    assert math.isclose(mine["value"], 100 * x / n, rel_tol=1e-12)
    assert mine["lower95"] < mine["value"] < mine["upper95"]
    assert mine["suppressed"] is False and mine["compared_to_england"] == "Higher"
    assert hyp["england"]["area_code"] == ENGLAND
    # The two indicators of the CCG's own have no values yet.
    smoking = next(i for o in body["outcomes"] for i in o["indicators"] if i["code"] == SMOKING)
    assert smoking["system_value"] is None and smoking["england"] is None


@pytest.mark.parametrize(
    ("area_type", "count"), [("System", 1), ("Place", 4), ("PCN", 31), ("GP practice", None)]
)
def test_an_indicators_values_for_each_type_of_area(get, openapi, loaded, area_type, count):
    body = get(f"{API}/indicators/{HYP}", area_type=area_type)
    conforms(body, documented(openapi, "/api/systems/{slug}/outcomes/indicators/{code}"), openapi)
    assert body["area_type"] == area_type and body["indicator"]["code"] == HYP
    values = body["values"]
    assert len(values) == count if count else len(values) > 100
    assert {v["area_type"] for v in values} == {area_type}
    counts = qof(loaded, "HYP", "TOTAL")
    practices = mapping(loaded)
    england = [counts[p] for p in counts if p in practices]
    assert body["england"]["count"] == sum(x for x, _ in england)
    assert body["england"]["denominator"] == sum(n for _, n in england)
    for v in values:
        assert math.isclose(v["value"], 100 * v["count"] / v["denominator"], rel_tol=1e-12)
        assert v["lower95"] < v["value"] < v["upper95"]
        assert v["lower998"] < v["lower95"] and v["upper95"] < v["upper998"]
    if area_type == "GP practice":
        for v in values:
            assert (v["count"], v["denominator"]) == counts[v["area_code"]]


def test_a_profile(get, openapi, loaded):
    body = get(f"{API}/profiles/{PCN}")
    conforms(body, documented(openapi, "/api/systems/{slug}/outcomes/profiles/{code}"), openapi)
    assert (body["code"], body["name"], body["area_type"]) == (
        PCN,
        "Barnstaple Alliance PCN",
        "PCN",
    )
    assert len(body["lines"]) == 24
    with (loaded / "deprivation" / "pcn_imd2019.csv").open(newline="") as f:
        score = next(float(r["imd_score"]) for r in csv.DictReader(f) if r["pcn_code"] == PCN)
    assert math.isclose(body["imd_score"], score)
    hyp = next(line for line in body["lines"] if line["indicator"]["code"] == HYP)
    counts = qof(loaded, "HYP", "TOTAL")
    members = [p for p, r in mapping(loaded).items() if r["PCN_ODS_CODE"] == PCN]
    x = sum(counts[p][0] for p in members if p in counts)
    assert hyp["value"]["count"] == x
    # Neither high nor low is good: from the lowest to the highest of England's PCNs.
    assert hyp["worst"] <= hyp["q25"] <= hyp["q75"] <= hyp["best"]
    assert hyp["worst"] <= hyp["value"]["value"] <= hyp["best"]
    assert hyp["areas_compared"] > 1000
    no_data = [line for line in body["lines"] if line["value"] is None]
    assert {line["indicator"]["code"] for line in no_data} == {
        SMOKING,
        "falls-admissions-65-plus",
    }


def test_a_series(get, openapi, loaded):
    body = get(f"{API}/series/{SERIES}")
    conforms(body, documented(openapi, "/api/systems/{slug}/outcomes/series/{code}"), openapi)
    series = Series.objects.get(code=SERIES)
    points = list(series.points.order_by("period"))
    assert [p["period"] for p in body["points"]] == [p.period.isoformat() for p in points]
    result = stats.spc(
        [float(p.value) for p in points if p.value is not None],
        improvement=series.improvement,
        target=series.target,
    )
    frame = result.points
    present = [p for p in body["points"] if p["value"] is not None]
    assert len(present) == len(frame)
    for p, (_, r) in zip(present, frame.iterrows(), strict=True):
        assert p["point_type"] == r["point_type"]
        assert math.isclose(p["mean"], r["mean"]) and math.isclose(
            p["upper_process_limit"], r["upl"]
        )
    assert any(p["point_type"].startswith("special cause") for p in present)
    assert body["variation"].startswith(result.variation.split(" (")[0])
    assert body["assurance"] == result.assurance
    assert body["rebases"] == [] and body["target"] == 95.0


@pytest.mark.parametrize(
    "path",
    [
        "/api/systems/nowhere/outcomes",
        f"{API}/indicators/no-such-indicator?area_type=PCN",
        f"{API}/profiles/Z99999",
        f"{API}/series/ae-zzz-four-hour",
        f"{PUBLIC}/indicators/no-such-indicator",
        f"{PUBLIC}/profiles/Z99999",
        "/api/public/systems/nowhere/outcomes",
    ],
)
def test_what_is_not_there_is_a_404(client, universe, loaded, path):
    assert_error(client.get(path, headers=universe.headers("analyst-15n")), 404, "not_found")


@pytest.mark.parametrize("base", [API, PUBLIC])
def test_a_bad_area_type_is_a_422_naming_the_field(client, universe, loaded, base):
    response = client.get(
        f"{base}/indicators/{HYP}", {"area_type": "Ward"}, headers=universe.headers("analyst-15n")
    )
    error = assert_error(response, 422, "invalid_request")
    assert [p["field"] for p in error["problems"]] == ["area_type"]


def test_without_a_token_the_api_is_closed_and_the_public_api_open(client, loaded):
    assert client.get(API).status_code == 401
    assert client.get(f"{PUBLIC}").status_code == 200


# Rebases ---------------------------------------------------------------------------------------


def rebase(client, universe, who: str, body: Any, code: str = SERIES):
    return client.post(
        f"{API}/series/{code}/rebases",
        body,
        content_type="application/json",
        headers=universe.headers(who),
    )


def month(n: int):
    return Series.objects.get(code=SERIES).points.order_by("period")[n].period


def test_an_analyst_records_a_rebase(client, universe, get, openapi):
    at = month(20)
    response = rebase(
        client, universe, "analyst-15n", {"period": at.isoformat(), "reason": "A new front door"}
    )
    assert response.status_code == 201, response.content
    conforms(
        response.json(),
        documented(openapi, "/api/systems/{slug}/outcomes/series/{code}/rebases", "post", "201"),
        openapi,
    )
    assert response.json()["period"] == at.isoformat()
    assert response.json()["reason"] == "A new front door"
    assert Rebase.objects.get(series__code=SERIES).period == at
    body = get(f"{API}/series/{SERIES}")
    assert [r["period"] for r in body["rebases"]] == [at.isoformat()]
    means = [p["mean"] for p in body["points"]]
    assert len(set(means[:20])) == 1 and len(set(means[20:])) == 1 and means[19] != means[20]
    values = [p["value"] for p in body["points"]]
    assert math.isclose(means[20], sum(values[20:]) / len(values[20:]))


def test_a_commissioner_may_not_record_a_rebase(client, universe, loaded):
    response = rebase(
        client, universe, "commissioner-15n", {"period": month(20).isoformat(), "reason": "No"}
    )
    assert_error(response, 403, "forbidden")
    assert not Rebase.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"period": "2017-12-01"}, "reason"),
        ({"period": "2017-12-01", "reason": ""}, "reason"),
        ({"period": "December", "reason": "A new front door"}, "period"),
        ({"period": "2017-12-01", "reason": "A new front door", "extra": 1}, "extra"),
        # Refused by the action: a reason of spaces, a month without a value, the first month.
        ({"period": "2017-12-01", "reason": "   "}, "reason"),
        ({"period": "2010-01-01", "reason": "A new front door"}, "period"),
        ({"period": "2016-04-01", "reason": "A new front door"}, "period"),
    ],
)
def test_a_bad_rebase_is_a_422_naming_the_field(client, universe, loaded, body, field):
    error = assert_error(rebase(client, universe, "analyst-15n", body), 422, "invalid_request")
    assert [p["field"] for p in error["problems"]] == [field], error
    assert not Rebase.objects.exists()


def test_a_body_that_is_not_json_is_a_400(client, universe, loaded):
    assert_error(rebase(client, universe, "analyst-15n", "{period:"), 400, "bad_request")
    assert not Rebase.objects.exists()


def test_the_same_month_twice_is_refused(client, universe, loaded):
    body = {"period": month(20).isoformat(), "reason": "A new front door"}
    assert rebase(client, universe, "analyst-15n", body).status_code == 201
    error = assert_error(rebase(client, universe, "analyst-15n", body), 422, "invalid_request")
    assert [p["field"] for p in error["problems"]] == ["period"]
    assert Rebase.objects.count() == 1


# Small numbers ------------------------------------------------------------------------------------


@pytest.fixture
def small(loaded):
    """A count of 3 (of 7) for one of Barnstaple's practices and 250 (of 1,000) for another,
    from a Fingertips file of the framework's smoking indicator."""
    practices = list(
        Value.objects.filter(parent_code=PCN, area_type="GP practice", indicator__code=HYP)
        .order_by("area_code")
        .values_list("area_code", "area_name")[:2]
    )

    def row(code: str, name: str, count: float, n: float, lo: float, hi: float) -> fingertips.Row:
        return fingertips.Row(
            indicator_id="92443",
            indicator_name="Smoking Prevalence in adults (18+) - current smokers (APS)",
            parent_code=PCN,
            parent_name="Barnstaple Alliance PCN",
            area_code=code,
            area_name=name,
            area_type="GPs",
            sex="Persons",
            age="18+ yrs",
            category_type="",
            category="",
            time_period="2019",
            value=100 * count / n,
            lower95=lo,
            upper95=hi,
            lower998=lo - 7.51,
            upper998=hi + 10.17,
            count=count,
            denominator=n,
            value_note="",
            recent_trend="",
            compared_to_england="Worse",
            compared_to_parent="Similar",
            time_period_sortable="20190000",
            new_data="",
            compared_to_goal="",
        )

    (a, a_name), (b, b_name) = practices
    body = fingertips.write(
        fingertips.Table(
            (row(a, a_name, 3, 7, 15.82, 74.95), row(b, b_name, 250, 1000, 22.41, 27.77)),
            "PCNs",
            False,
        )
    )
    actions.import_fingertips(Actor.command_line(), "small.csv", body)
    presenters._spread.cache_clear()
    return a


SECRETS = ("42.857", "15.82", "74.95", "8.31", "85.12")


def test_the_public_api_withholds_a_small_count(client, universe, small, openapi):
    # The indicator's values for GP practices.
    response = client.get(f"{PUBLIC}/indicators/{SMOKING}", {"area_type": "GP practice"})
    assert response.status_code == 200
    conforms(
        response.json(),
        documented(openapi, "/api/public/systems/{slug}/outcomes/indicators/{code}"),
        openapi,
    )
    mine = next(v for v in response.json()["values"] if v["area_code"] == small)
    assert mine["suppressed"] is True and mine["note"] == SUPPRESSED
    withheld = ("value", "lower95", "upper95", "lower998", "upper998", "count")
    assert all(mine[k] is None for k in withheld), mine
    assert mine["compared_to_england"] == "Not compared"
    assert not any(s in response.content.decode() for s in SECRETS)
    other = next(v for v in response.json()["values"] if v["area_code"] != small)
    assert other["count"] == 250 and other["suppressed"] is False

    # The practice's profile: the line withheld, and the spread without it.
    response = client.get(f"{PUBLIC}/profiles/{small}")
    assert response.status_code == 200
    conforms(
        response.json(),
        documented(openapi, "/api/public/systems/{slug}/outcomes/profiles/{code}"),
        openapi,
    )
    line = next(x for x in response.json()["lines"] if x["indicator"]["code"] == SMOKING)
    assert all(line["value"][k] is None for k in withheld), line
    assert line["value"]["suppressed"] is True and line["value"]["note"] == SUPPRESSED
    assert (line["worst"], line["best"], line["areas_compared"]) == (25.0, 25.0, 1)
    assert not any(s in json.dumps(line) for s in SECRETS)

    # A token holder sees it all.
    body = client.get(
        f"{API}/indicators/{SMOKING}",
        {"area_type": "GP practice"},
        headers=universe.headers("analyst-15n"),
    ).json()
    mine = next(v for v in body["values"] if v["area_code"] == small)
    assert (mine["count"], mine["denominator"], mine["lower95"], mine["upper95"]) == (
        3,
        7,
        15.82,
        74.95,
    )
    assert mine["suppressed"] is False and mine["note"] == ""
    body = client.get(f"{API}/profiles/{small}", headers=universe.headers("analyst-15n")).json()
    line = next(x for x in body["lines"] if x["indicator"]["code"] == SMOKING)
    assert line["value"]["count"] == 3
    assert (line["worst"], line["best"], line["areas_compared"]) == (
        pytest.approx(300 / 7),
        25.0,
        2,
    )


def test_no_published_total_gives_a_withheld_qof_count_away(loaded):
    """On the real QOF registers: within every total and its parts (a PCN and its practices, a
    place or the system and the practices it sums) that a page could show, none is left with
    exactly one figure withheld, for every indicator."""
    limit = presenters.threshold()
    groups_checked = with_withheld = 0
    for indicator_id, method, multiplier in (
        Value.objects.filter(indicator__qof_register__gt="")
        .values_list("indicator_id", "indicator__method", "indicator__multiplier")
        .order_by()
        .distinct()
    ):
        rows = list(
            Value.objects.filter(indicator_id=indicator_id).values(
                "id",
                "area_code",
                "area_type",
                "parent_code",
                "sex",
                "age",
                "category_type",
                "category",
                "count",
                "value",
                "denominator",
                "practices",
                "withheld_as_complement",
            )
        )
        hidden = {
            r["id"]
            for r in rows
            if r["withheld_as_complement"]
            or rules.suppressed(
                rules.effective_count(r["count"], r["value"], r["denominator"], method, multiplier),
                limit,
            )
        }
        for group in suppression.totals(rows):
            groups_checked += 1
            withheld_here = sum(k in hidden for k in group)
            with_withheld += withheld_here > 0
            assert withheld_here != 1, group
    # The registers do have small counts (rare conditions in small practices) to protect.
    assert groups_checked > 1000 and with_withheld > 0


def test_the_public_api_withholds_a_practice_that_would_give_a_small_one_away(
    client, universe, loaded
):
    practices = list(
        Value.objects.filter(parent_code=PCN, area_type="GP practice", indicator__code=HYP)
        .order_by("area_code")
        .values_list("area_code", flat=True)[:3]
    )

    def row(code: str, area_type: str, count: float, n: float) -> fingertips.Row:
        return fingertips.Row(
            indicator_id="92443",
            indicator_name="Smoking Prevalence in adults (18+) - current smokers (APS)",
            parent_code=PCN if area_type == "GPs" else "E38000230",
            parent_name="",
            area_code=code,
            area_name=code,
            area_type=area_type,
            sex="Persons",
            age="18+ yrs",
            category_type="",
            category="",
            time_period="2019",
            value=100 * count / n,
            lower95=None,
            upper95=None,
            lower998=None,
            upper998=None,
            count=count,
            denominator=n,
            value_note="",
            recent_trend="",
            compared_to_england="",
            compared_to_parent="",
            time_period_sortable="20190000",
            new_data="",
            compared_to_goal="",
        )

    rows = (
        row(PCN, "PCNs", 3 + 40 + 90, 1000),
        row(practices[0], "GPs", 3, 300),
        row(practices[1], "GPs", 40, 300),
        row(practices[2], "GPs", 90, 400),
    )
    body = fingertips.write(fingertips.Table(rows, "CCGs", False))
    actions.import_fingertips(Actor.command_line(), "pcn.csv", body)
    presenters._spread.cache_clear()
    values = {
        v["area_code"]: v
        for v in client.get(f"{PUBLIC}/indicators/{SMOKING}", {"area_type": "GP practice"}).json()[
            "values"
        ]
    }
    assert values[practices[0]]["count"] is None and values[practices[0]]["suppressed"]
    # 133 - 3 - 90 would be 40: the next smallest is withheld, and says why.
    assert values[practices[1]]["count"] is None and values[practices[1]]["value"] is None
    assert values[practices[1]]["note"] == rules.COMPLEMENT_NOTE
    assert values[practices[2]]["count"] == 90
    pcn = client.get(f"{PUBLIC}/indicators/{SMOKING}", {"area_type": "PCN"}).json()["values"]
    assert next(v for v in pcn if v["area_code"] == PCN)["count"] == 133
