"""The pooled funds' API on the issue's scenario: the figures the presenters give (pence and
pounds as text), how the overspend is met step by step, a return's checklist, and the two
writes (an action plan; a use of underspend, refused for a recurrent line) only for the host's
finance team."""

from decimal import Decimal

import pytest

from commonweal.finance import actions as finance
from commonweal.finance.models import Kind
from commonweal.pools import actions
from commonweal.pools.models import ActionPlan, UnderspendUse

from ..factories import assert_error
from .conftest import CL, MONTH, M

pytestmark = pytest.mark.django_db

BASE = "/api/systems/devon-2019/pools"


def get(client, universe, path, who="analyst-15n"):
    return client.get(BASE + path, headers=universe.headers(who))


def post(client, universe, path, body, who="finance-devon"):
    return client.post(
        BASE + path, body, content_type="application/json", headers=universe.headers(who)
    )


def test_the_pools_and_the_agreement(client, universe, pool, year):
    response = get(client, universe, "")
    assert response.status_code == 200
    (found,) = response.json()
    assert found["reference"] == "devon-bcf" and found["illustrative"] is True
    assert found["host"] == {"code": "E10000008", "name": "Devon County Council"}
    assert {p["code"] for p in found["partners"]} == {"15N", "E10000008"}
    detail = get(client, universe, "/devon-bcf").json()
    assert detail["manager"]["name"] == "Morgan Reed"
    assert detail["review_dates"][0] == "2020-09-30"
    assert detail["overspend_order"] == ["underspends", "risk_reserve", "uncommitted", "partners"]
    assert detail["action_plan_threshold"] == "1"
    assert detail["years"] == [{"start": 2020, "label": "2020/21", "plan_version": 1}]
    assert detail["board"] == "Devon Health and Wellbeing Board"


def test_the_position_meets_the_overspend_in_order(client, universe, pool, year):
    body = get(client, universe, "/devon-bcf/2020").json()
    assert body["month"] == MONTH and body["month_label"] == "M6 (Sep 2020)"
    assert body["pool_total"] == {"pence": 10 * M, "pounds": "10000000.00"}
    shares = {c["organisation"]["code"]: c["share"] for c in body["contributions"]}
    assert shares == {"15N": "60%", "E10000008": "40%"}
    assert body["gross_overspend"]["pounds"] == "1000000.00"
    steps = [(s["source"], s["used"]["pounds"]) for s in body["steps"]]
    assert steps == [
        ("underspends", "100000.00"),
        ("risk_reserve", "300000.00"),
        ("uncommitted", "300000.00"),
        ("partners", "300000.00"),
    ]
    partners = {b["key"]: b for b in body["steps"][-1]["bearers"]}
    assert partners["15N"]["amount"]["pounds"] == "180000.00"
    assert partners["15N"]["thousands"] == "180"
    assert partners["E10000008"]["amount"]["pounds"] == "120000.00"
    # B takes 80% of each pool step, D 20%; the partners' part of each line, 60/40.
    risk = {b["key"]: b["amount"]["pence"] for b in body["steps"][1]["bearers"]}
    assert risk == {"B": 24_000_000, "D": 6_000_000}
    assert partners["15N"]["by_line"]["B"]["pence"] == 14_400_000
    assert {b["key"]: b["amount"]["pence"] for b in body["borne_by"]} == {
        "15N": 18_000_000,
        "E10000008": 12_000_000,
    }
    lines = {ln["reference"]: ln for s in body["schemes"] for ln in s["lines"]}
    assert lines["A"]["variance"]["pounds"] == "-100000.00"
    assert lines["C"]["recurrent"] is False and lines["B"]["cost_centre"] == "BCF-B"
    assert lines["B"]["shares"] == [
        {"partner": "NHS Devon CCG", "share": "60%"},
        {"partner": "Devon County Council", "share": "40%"},
    ]
    assert body["needs_action_plan"] is True and body["action_plan"] is None
    assert [r["status"] for r in body["returns"]] == ["Not started"] * 4
    # Another month: M3 has no forecast, so every line is at budget.
    m3 = get(client, universe, "/devon-bcf/2020?month=3").json()
    assert m3["gross_overspend"]["pence"] == 0 and m3["needs_action_plan"] is False


@pytest.mark.parametrize(
    "path, status, field",
    [
        ("/nope", 404, "ref"),
        ("/devon-bcf/2031", 404, "start"),
        ("/devon-bcf/2019/returns/2", 404, "start"),
        ("/devon-bcf/2020?month=13", 422, None),
        ("/devon-bcf/2020/returns/5", 422, None),
        ("/devon-bcf/3000", 422, None),
    ],
)
def test_bad_paths_and_parameters_answer_with_the_error(
    client, universe, pool, year, path, status, field
):
    error = assert_error(
        get(client, universe, path), status, "not_found" if status == 404 else "invalid_request"
    )
    if field:
        assert error["problems"][0]["field"] == field


def test_a_year_without_a_plan_is_404(client, universe, agreement, year):
    error = assert_error(get(client, universe, "/devon-bcf/2020"), 404, "not_found")
    assert "no plan for 2020/21" in error["message"]


def test_the_return_gives_its_checklist(client, universe, pool, year):
    actions.save_return(
        CL(),
        pool,
        year,
        2,
        actions.ReturnIn(actuals={"avoidable_admissions": Decimal("181.2")}, narrative="Q2"),
    )
    body = get(client, universe, "/devon-bcf/2020/returns/2").json()
    assert body["saved"] is True and body["complete"] is False
    anchors = {m["anchor"]: m["url"] for m in body["checklist"]}
    assert "actual-avoidable_admissions" not in anchors
    assert anchors["actual-falls_admissions_65"].endswith(
        "/pools/devon-bcf/2020/q2/#actual-falls_admissions_65"
    )
    assert "action-plan" in anchors
    metrics = {m["code"]: m for m in body["metrics"]}
    assert metrics["avoidable_admissions"] == {
        "code": "avoidable_admissions",
        "name": "Avoidable admissions",
        "unit": "per 100,000",
        "polarity": "low_is_good",
        "plan": "180.50",
        "actual": "181.2",
    }
    assert metrics["falls_admissions_65"]["actual"] is None
    assert body["sign_off"] is None and body["figures"] == {}
    assert body["narrative"] == "Q2"


def test_an_action_plan_is_recorded_by_the_host_only(client, universe, pool, year):
    plan = {"month": 6, "owner": "Morgan Reed", "due": "2020-11-30", "actions": "Review"}
    for who in ("jo-evans", "finance-torbay", "analyst-15n", "nobody"):
        assert_error(post(client, universe, "/devon-bcf/2020/action-plans", plan, who), 403,
                     "forbidden")  # fmt: skip
    assert not ActionPlan.objects.exists()
    response = post(client, universe, "/devon-bcf/2020/action-plans", plan)
    assert response.status_code == 201, response.content
    made = response.json()
    assert made["owner"] == "Morgan Reed" and made["due"] == "2020-11-30"
    assert made["variance"] == {"pence": 90_000_000, "pounds": "900000.00"}
    body = get(client, universe, "/devon-bcf/2020").json()
    assert body["action_plan"]["id"] == made["id"]
    # Fields checked, each named.
    bad = post(client, universe, "/devon-bcf/2020/action-plans", {**plan, "due": "2020-02-30"})
    assert assert_error(bad, 422, "invalid_request")["problems"][0]["field"] == "due"
    blank = post(client, universe, "/devon-bcf/2020/action-plans", {**plan, "owner": " "})
    assert assert_error(blank, 422, "invalid_request")["problems"][0]["field"] == "owner"


def _underspend(year, ledger_lines):
    """M7's actuals at budget, and a forecast as at M7 for line A only, £100,000 under."""
    budgets = {"BCF-A": 2 * M, "BCF-B": 4 * M, "BCF-C": M, "BCF-D": 24 * M // 10}
    entries = [
        finance.EntryIn(line, 7, Kind.ACTUAL, budgets[cc] // 12)
        for cc, line in ledger_lines.items()
    ]
    a = ledger_lines["BCF-A"]
    entries += [
        finance.EntryIn(a, m, Kind.FORECAST, budgets["BCF-A"] // 12 - M // 50, as_at=7)
        for m in range(8, 13)
    ]
    finance.post_entries(CL(), year, entries)


def test_underspend_funds_only_a_non_recurrent_line(client, universe, pool, year, ledger_lines):
    _underspend(year, ledger_lines)
    use = {"month": 7, "line": "B", "amount": "50000", "reason": "More home care"}
    path = "/devon-bcf/2020/underspend-uses"
    assert_error(post(client, universe, path, use, "jo-evans"), 403, "forbidden")
    error = assert_error(post(client, universe, path, use), 422, "invalid_request")
    (problem,) = error["problems"]
    assert problem["field"] == "line" and "recurrent" in problem["message"]
    unknown = assert_error(
        post(client, universe, path, {**use, "line": "Z"}), 422, "invalid_request"
    )
    assert unknown["problems"][0]["field"] == "line"
    assert_error(post(client, universe, path, {**use, "line": "Z"}, "jo-evans"), 403, "forbidden")
    too_much = post(client, universe, path, {**use, "line": "C", "amount": "150000"})
    assert assert_error(too_much, 422, "invalid_request")["problems"][0]["field"] == "amount"
    assert not UnderspendUse.objects.exists()
    made = post(client, universe, path, {**use, "line": "C", "amount": "60,000.50"})
    assert made.status_code == 201, made.content
    assert made.json()["amount"] == {"pence": 6_000_050, "pounds": "60000.50"}
    body = get(client, universe, "/devon-bcf/2020?month=7").json()
    assert body["underspend_available"]["pounds"] == "39999.50"
    assert body["underspend_uses"][0]["line"] == "C"


def test_the_openapi_document_describes_the_pool_operations(client, universe):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/systems/{slug}/pools",
        "/api/systems/{slug}/pools/{ref}",
        "/api/systems/{slug}/pools/{ref}/{start}",
        "/api/systems/{slug}/pools/{ref}/{start}/returns/{quarter}",
        "/api/systems/{slug}/pools/{ref}/{start}/action-plans",
        "/api/systems/{slug}/pools/{ref}/{start}/underspend-uses",
    ):
        assert path in paths, path
        for operation in paths[path].values():
            assert operation["tags"] == ["pooled funds"]
