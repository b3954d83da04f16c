"""Finance's API: the figures the presenters give (pence and pounds as text), parameters
checked with the field named, and virements decided through the scheme of delegation."""

from datetime import date
from decimal import Decimal

import pytest

from commonweal.core.actions import Actor
from commonweal.core.models import Organisation
from commonweal.decisions.models import Decision
from commonweal.finance import actions, ledger, presenters
from commonweal.finance.actions import EntryIn, LineIn, SavingsIn
from commonweal.finance.models import BudgetLine, Entry, Kind, Nature, Virement

from ..factories import assert_error

pytestmark = pytest.mark.django_db

BASE = "/api/systems/devon-2019/finance"
MONTH = 10


def org(code):
    return Organisation.objects.get(code=code)


@pytest.fixture
def year(devon):
    """2020/21 as at M10: the CCG's acute line with £3,000,000 a year (£1,000,000 of it left),
    its community line (£109,995.10 left), an income line, a council's line, the HDP
    allocation, a plan and a savings scheme."""
    cl = Actor.command_line()
    year = actions.open_year(cl, devon, 2020)
    ccg, torbay = org("15N"), org("E06000027")
    acute, community, income, care = actions.add_lines(
        cl,
        devon,
        [
            LineIn(ccg, "C100", "Acute contracts", programme="Acute"),
            LineIn(ccg, "C200", "Community services", programme="Community"),
            LineIn(ccg, "I900", "Other income", programme="Income", nature=Nature.INCOME),
            LineIn(torbay, "T100", "Adult social care", programme="Adult care"),
        ],
    )
    entries = []
    for line, budget, actual in (
        (acute, 250_000_00, 200_000_00),
        (community, 50_000_00, 49_000_49),
        (income, 10_000_00, 11_000_00),
        (care, 40_000_00, 42_500_50),
    ):
        entries += [EntryIn(line, m, Kind.BUDGET, budget) for m in range(1, 13)]
        entries += [EntryIn(line, m, Kind.ACTUAL, actual) for m in range(1, MONTH + 1)]
    entries += [EntryIn(acute, m, Kind.FORECAST, 90_000_00, as_at=MONTH) for m in (11, 12)]
    entries += [EntryIn(acute, 7, Kind.ALLOCATION, 12_345_67, label="HDP")]
    actions.post_entries(cl, year, entries)
    actions.close_month(cl, year, 1)
    actions.close_month(cl, year, 2)
    actions.record_plan(
        cl,
        year,
        ccg,
        name="NHS England model",
        agreed_on=date(2020, 10, 1),
        position=0,
        savings_requirement=None,
    )
    actions.write_savings(
        cl,
        year,
        [
            SavingsIn(
                ccg,
                "Q-01",
                "Outpatient transformation",
                entries=[(m, "plan", 10_000_00, None) for m in range(1, 13)]
                + [(m, "delivered", 9_000_00, None) for m in range(1, MONTH + 1)],
            )
        ],
    )
    year.refresh_from_db()
    return year


def get(client, universe, path, who="analyst-15n", **params):
    return client.get(f"{BASE}{path}", params, headers=universe.headers(who))


def money(pence):
    return {"pence": pence, "pounds": format(presenters.in_units(pence, "pounds"), "f")}


def as_api(row):
    return {
        "key": row.href_key,
        "label": row.label,
        "figures": {key: money(row.value(attr)) for key, _, attr in presenters.COLUMNS},
        "variance_percent": None if row.variance_percent is None else str(row.variance_percent),
        "variance_to_date_percent": None
        if row.variance_to_date_percent is None
        else str(row.variance_to_date_percent),
        "rag": row.rag,
        "rag_sentence": row.rag_sentence,
        "lines": row.figures.lines,
        "unforecast_lines": row.figures.unforecast_lines,
    }


def test_years_with_their_closed_months(client, universe, year):
    assert client.get(f"{BASE}/years").status_code == 401
    body = get(client, universe, "/years").json()
    assert body == [
        {
            "start": 2020,
            "label": "2020/21",
            "closed_through": 2,
            "closed": [
                {"month": 1, "label": "M1 (Apr 2020)"},
                {"month": 2, "label": "M2 (May 2020)"},
            ],
            "latest_actuals": MONTH,
        }
    ]


def test_monitoring_gives_the_presenters_figures(client, universe, year):
    body = get(client, universe, "/2020/monitoring").json()
    m = presenters.monitoring(year, MONTH, "organisation")
    assert body["month"] == MONTH and body["month_label"] == "M10 (Jan 2021)"
    assert body["by"] == "organisation" and body["organisation"] is None
    assert [c["key"] for c in body["columns"]] == [k for k, _, _ in presenters.COLUMNS]
    assert body["rows"] == [as_api(r) for r in m.rows]
    assert body["total"] == as_api(m.total)
    assert [r["key"] for r in body["rows"]] == ["15N", "E06000027"]
    assert body["allocation_heading"] == "Additional HDP allocation"
    # Pounds as exact decimal text, alongside the pence.
    acute_budget = body["rows"][0]["figures"]["budget"]
    assert Decimal(acute_budget["pounds"]) * 100 == acute_budget["pence"]
    # Inside one organisation, by cost centre, as at another month.
    body = get(client, universe, "/2020/monitoring", by="cost_centre", org="15N", month=6).json()
    m = presenters.monitoring(year, 6, "cost_centre", org("15N"))
    assert body["organisation"] == {"code": "15N", "name": "NHS Devon CCG"}
    assert body["rows"] == [as_api(r) for r in m.rows] and body["total"] == as_api(m.total)
    assert [r["label"] for r in body["rows"]] == [
        "C100 Acute contracts",
        "C200 Community services",
        "I900 Other income",
    ]
    # The income line counts negative.
    assert body["rows"][2]["figures"]["budget"]["pence"] == -120_000_00


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"by": "colour"}, 422, "by"),
        ({"month": "13"}, 422, "month"),
        ({"month": "0"}, 422, "month"),
        ({"month": "M10"}, 422, "month"),
        ({"org": "ZZZ99"}, 422, "org"),
        # An organisation Commonweal knows, but outside this system's finances.
        ({"org": "72Q"}, 422, "org"),
    ],
)
def test_monitoring_refuses_bad_parameters_naming_them(
    client, universe, year, params, status, field
):
    error = assert_error(
        get(client, universe, "/2020/monitoring", **params), status, "invalid_request"
    )
    assert [p["field"] for p in error["problems"]] == [field]


@pytest.mark.parametrize("what", ["monitoring", "position", "savings"])
def test_an_unknown_system_or_year_is_404_and_a_silly_year_422(client, universe, year, what):
    error = assert_error(get(client, universe, f"/2019/{what}"), 404, "not_found")
    assert error["problems"][0]["field"] == "start"
    error = assert_error(
        client.get(
            f"/api/systems/nowhere/finance/2020/{what}", headers=universe.headers("analyst-15n")
        ),
        404,
        "not_found",
    )
    assert error["problems"][0]["field"] == "slug"
    error = assert_error(
        get(client, universe, f"/99999999999999999999/{what}"), 422, "invalid_request"
    )
    assert error["problems"][0]["field"] == "start"
    error = assert_error(get(client, universe, f"/2020/{what}", month=99), 422, "invalid_request")
    assert error["problems"][0]["field"] == "month"


def test_position_gives_the_presenters_figures(client, universe, year):
    body = get(client, universe, "/2020/position", month=MONTH).json()
    p = presenters.position(year, MONTH)
    assert p is not None
    assert body["rule"]["rule"] == "system" and body["rule"]["from_year"] == 2020
    assert body["total"] == money(p.total) and body["met"] == p.met
    assert body["sentence"] == p.sentence
    assert [
        (o["code"], o["nhs"], o["position"], o["planned"], o["flagged"], o["sentence"])
        for o in body["organisations"]
    ] == [
        (
            j.org.code,
            j.org.nhs,
            money(j.org.position) if j.org.position is not None else None,
            money(j.org.planned),
            j.flagged,
            j.sentence,
        )
        for j in p.organisations
    ]


def test_savings_gives_the_presenters_figures(client, universe, year):
    body = get(client, universe, "/2020/savings").json()
    s = presenters.savings(year, MONTH)
    assert body["month"] == MONTH
    [plan] = body["plans"]
    assert plan["savings_requirement"] is None and plan["position"] == money(0)
    assert plan["agreed_on"] == "2020-10-01"
    [scheme] = body["schemes"]
    [row] = s.rows
    assert scheme["reference"] == "Q-01" and scheme["organisation"]["code"] == "15N"
    for key in ("plan", "plan_to_date", "delivered_to_date", "forecast", "shortfall"):
        assert scheme[key] == money(getattr(row, key)), key
    assert s.total is not None
    assert body["total"]["shortfall"] == money(s.total.shortfall)
    assert scheme["rag"] == row.rag


# Virements --------------------------------------------------------------------------------------


def vire(client, universe, who="jo-evans", **changes):
    body = {
        "organisation": "15N",
        "source": "C100",
        "target": "C200",
        "amount": "200000",
        "on": "2020-11-02",
        "decider_post": "15N/director-of-financial-planning",
        "reason": "Community services take on the virtual ward.",
    } | changes
    return client.post(
        f"{BASE}/2020/virements",
        body,
        content_type="application/json",
        headers=universe.headers(who),
    )


def ledger_state():
    return (
        Entry.objects.count(),
        Virement.objects.count(),
        Decision.objects.filter(decision_type="virement").count(),
    )


def test_a_virement_over_the_directors_limit_is_refused_and_nothing_moves(client, universe, year):
    before = ledger_state()
    error = assert_error(vire(client, universe, amount="300000"), 422, "invalid_request")
    codes = {p.get("code") for p in error["problems"]}
    assert codes & {"over-limit", "not-authorised"}, error
    over = next(p for p in error["problems"] if p.get("code") in ("over-limit", "not-authorised"))
    assert over["clause"].startswith("D5") and "£250,000" in over["message"]
    assert over["field"] in ("amount", "decider_post")
    assert ledger_state() == before
    # A post the person does not hold is the engine's to refuse too.
    error = assert_error(
        vire(client, universe, decider_post="15N/accountable-officer"), 422, "invalid_request"
    )
    assert "not-post-holder" in {p.get("code") for p in error["problems"]}, error
    assert ledger_state() == before


def test_a_virement_within_the_limit_moves_the_budget(client, universe, year):
    before = ledger_state()
    acute = BudgetLine.objects.get(cost_centre="C100")
    community = BudgetLine.objects.get(cost_centre="C200")
    left = ledger.line_available(acute, year)
    response = vire(client, universe)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == {"pence": 200_000_00, "pounds": "200000.00"}
    assert body["month"] == 8  # the month of the decision (2 November 2020), which is open
    assert sorted((e["cost_centre"], e["amount"]["pence"]) for e in body["entries"]) == [
        ("C100", -200_000_00),
        ("C200", 200_000_00),
    ]
    entries, virements, decisions = ledger_state()
    assert (entries, virements, decisions) == (before[0] + 2, before[1] + 1, before[2] + 1)
    made = Entry.objects.filter(virement__isnull=False, kind=Kind.BUDGET)
    assert {(e.line.cost_centre, e.amount) for e in made} == {
        ("C100", -200_000_00),
        ("C200", 200_000_00),
    }
    decision = Decision.objects.get(pk=body["decision_id"])
    assert decision.valid and decision.reference == body["decision"]
    assert ledger.line_available(acute, year) == left - 200_000_00
    # The monitoring table shows the budget moved.
    rows = {
        r["label"]: r
        for r in get(client, universe, "/2020/monitoring", by="cost_centre", org="15N").json()[
            "rows"
        ]
    }
    assert rows["C200 Community services"]["figures"]["budget"]["pence"] == (
        12 * 50_000_00 + 200_000_00
    )
    assert community.entries.filter(virement__isnull=False).count() == 1


def test_a_virement_needs_the_finance_role_in_the_organisation(client, universe, year):
    before = ledger_state()
    for who in ("analyst-15n", "finance-torbay", "nobody"):
        assert_error(vire(client, universe, who=who), 403, "forbidden")
    assert (
        client.post(f"{BASE}/2020/virements", {}, content_type="application/json").status_code
        == 401
    )
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": "lots"}, "amount"),
        ({"amount": "0.001"}, "amount"),
        ({"source": "X999"}, "source"),
        ({"target": "T100"}, "target"),  # Torbay's line, not the CCG's
        ({"target": "C100"}, "target"),  # the same line
        ({"organisation": "ZZZ99"}, "organisation"),
        ({"on": "2020-02-30"}, "on"),
        ({"on": "2021-04-01"}, "on"),  # the next financial year
        ({"decider_post": "not a post"}, "decider_post"),
        ({"decider_post": "15N/no-such-post"}, "decider_post"),
        ({"month": 1}, "month"),  # closed
        ({"month": 13}, "month"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_virement_names_its_field(client, universe, year, changes, field):
    before = ledger_state()
    error = assert_error(vire(client, universe, **changes), 422, "invalid_request")
    assert field in [p["field"] for p in error["problems"]], error
    assert ledger_state() == before


def test_the_source_line_must_have_the_budget_left(client, universe, year):
    before = ledger_state()
    error = assert_error(
        vire(client, universe, source="C200", target="C100"), 422, "invalid_request"
    )
    assert [p["field"] for p in error["problems"]] == ["amount"]
    assert "£109,995.10 left on C200" in error["problems"][0]["message"]
    assert ledger_state() == before


def test_the_openapi_document_describes_these_answers(client, universe):
    """Each operation's answer is described by its own schema (a schema of the same name in
    another router would take its place), with money as pence and pounds."""
    doc = client.get("/api/openapi.json").json()
    schemas = doc["components"]["schemas"]

    def answer(path, method="get", status="200"):
        content = doc["paths"][f"/api/systems/{{slug}}/finance{path}"][method]["responses"][status]
        ref = content["content"]["application/json"]["schema"]
        if "items" in ref:
            ref = ref["items"]
        return schemas[ref["$ref"].rsplit("/", 1)[1]]

    assert "closed" in answer("/years")["properties"]
    assert {"rows", "total", "by"} <= set(answer("/{start}/monitoring")["properties"])
    assert {"rule", "organisations", "met"} <= set(answer("/{start}/position")["properties"])
    assert {"plans", "schemes", "total"} <= set(answer("/{start}/savings")["properties"])
    made = answer("/{start}/virements", "post", "201")
    assert {"decision", "entries", "amount"} <= set(made["properties"])
    money = schemas["FinanceMoney"]["properties"]
    assert "pence" in money["pence"]["description"] and "pounds" in money["pounds"]["description"]
    assert {"403", "404", "422"} <= set(
        doc["paths"]["/api/systems/{slug}/finance/{start}/virements"]["post"]["responses"]
    )
