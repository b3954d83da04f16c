"""Governance surfaces: the API, the pages and the command line."""

import json
import subprocess
from pathlib import Path

import pytest

from ..factories import COMMONWEAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def devon_gov(devon):
    return devon


@pytest.fixture
def signed_in(client, universe):
    client.force_login(universe.accounts["nobody"])
    return client


def test_api_routes_and_validates(signed_in, devon_gov):
    client = signed_in
    body = client.post(
        "/api/route",
        {
            "system": "devon-2019",
            "decision_type": "policy",
            "on": "2019-09-10",
            "commitments": [{"organisation": "15N", "amount": 0}],
        },
        content_type="application/json",
    ).json()
    assert body["decidable"] and body["steps"][-1]["taker"]["body"] == "governing-body"
    assert body["steps"][-1]["clause"] == "R1" and body["steps"][-1]["id"] == "15N.R1.decide"
    result = client.post(
        "/api/validate",
        {
            "system": "devon-2019",
            "decision_type": "write_off",
            "on": "2019-09-10",
            "parts": [
                {
                    "organisation": "15N",
                    "amount": 20000,
                    "deciders": [
                        {"person": "jo-evans", "post": "15N/director-of-financial-planning"}
                    ],
                }
            ],
        },
        content_type="application/json",
    ).json()
    assert not result["valid"] and [r["code"] for r in result["reasons"]] == ["over-limit"]
    assert result["binds"] == [] and result["parts"][0]["organisation"] == "15N"
    assert any(c["status"] == "not_checked" for c in result["checks"])
    bad = client.post(
        "/api/route",
        {"system": "devon-2019", "decision_type": "bribe", "on": "2019-09-10", "commitments": []},
        content_type="application/json",
    )
    assert bad.status_code == 422 and {p["field"] for p in bad.json()["error"]["problems"]} >= {
        "decision_type",
        "commitments",
    }
    missing = client.post(
        "/api/route",
        {
            "system": "devon-2019",
            "decision_type": "policy",
            "on": "2019-09-10",
            "footprint": "atlantis",
            "commitments": [{"organisation": "15N", "amount": 0}],
        },
        content_type="application/json",
    )
    assert missing.status_code == 422 and "no area 'atlantis'" in missing.json()["error"]["message"]
    bodies = client.get("/api/systems/devon-2019/bodies").json()
    assert {"ice", "governing-body"} <= {b["code"] for b in bodies}
    ice = client.get("/api/systems/devon-2019/bodies/ice").json()
    assert len(ice["members"]) == 5 and ice["voting"] == "individual"


def test_pages_show_bodies_schemes_and_the_route(signed_in, devon_gov):
    client = signed_in
    ice = client.get("/systems/devon-2019/bodies/ice/").content.decode()
    assert "Members (5)" in ice and "Attendees (9)" in ice and "Invited (2)" in ice
    assert "Each executive decides for their own organisation" in ice
    scheme = client.get("/systems/devon-2019/schemes/15N/2019-04/").content.decode()
    assert "Illustrative scheme" in scheme and "over £500,000 up to £2,000,000" in scheme
    assert "No one under this scheme" in scheme
    page = client.get(
        "/systems/devon-2019/who-decides/",
        {
            "decision_type": "revenue_commitment",
            "on": "2019-09-10",
            "organisation_0": "15N",
            "amount_0": "2,500,000",
        },
    ).content.decode()
    assert "NHS Devon CCG Governing Body decides for NHS Devon CCG" in page
    split = client.get(
        "/systems/devon-2019/who-decides/",
        {
            "decision_type": "revenue_commitment",
            "on-day": "10",
            "on-month": "9",
            "on-year": "2019",
            "project": "P1",
            "organisation_0": "15N",
            "amount_0": "60,000",
            "prior_0": "60,000",
        },
    ).content.decode()
    assert "the cumulative cost" in split and "Accountable Officer" in split
    errors = client.get(
        "/systems/devon-2019/who-decides/",
        {
            "decision_type": "revenue_commitment",
            "on": "someday",
            "organisation_0": "15N",
            "amount_0": "lots",
        },
    ).content.decode()
    # Behaviour changed by issue 8: the date is the NHS.UK date input, read by the forms layer.
    assert "There is a problem" in errors and "Date of the decision must be a real date" in errors
    assert "Amount 1 must be an amount of money in pounds" in errors


def test_command_line_route_and_validate(tmp_path):
    home = tmp_path
    env = {
        **__import__("os").environ,
        "COMMONWEAL_HOME": str(home),
        "DATABASE_URL": f"sqlite:///{home / 'g.sqlite3'}",
        "COMMONWEAL_DATA_DIR": "",
    }

    def run(*args):
        return subprocess.run(
            [COMMONWEAL, *args], env=env, capture_output=True, text=True, timeout=300
        )

    assert run("migrate", "-v", "0").returncode == 0
    assert run("setup-demo", "--no-data").returncode == 0
    proposal = tmp_path / "p.yaml"
    proposal.write_text(
        "system: devon-2019\ndecision_type: write_off\non: 2019-09-10\ncommitments: [{organisation: 15N, amount: 60000}]\n"
    )
    out = run("route", str(proposal), "--json")
    assert out.returncode == 3 and json.loads(out.stdout)["decidable"] is False
    decision = tmp_path / "d.yaml"
    decision.write_text(
        "system: devon-2019\ndecision_type: virement\non: 2019-09-10\nparts:\n"
        "  - organisation: 15N\n    amount: 1000\n"
        "    deciders: [{person: jo-evans, post: 15N/director-of-financial-planning}]\n"
    )
    ok = run("validate-decision", str(decision))
    assert ok.returncode == 0 and ok.stdout.startswith("VALID")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "system: devon-2019\ndecision_type: virement\non: 2019-09-10\n"
        "parts:\n  - {organisation: 15N, amount: -5}\n"
    )
    refused = run("validate-decision", str(bad))
    assert (
        refused.returncode == 1 and f"{bad}:5: parts[0].amount: must be 0 or more" in refused.stderr
    )
    assert Path(COMMONWEAL).exists()


def test_body_page_shows_holders_on_a_date(signed_in, devon_gov):
    client = signed_in
    cabinet = client.get("/systems/devon-2019/bodies/cabinet-torbay/").content.decode()
    assert "The chair has a casting vote." in cabinet
    in_2019 = client.get("/systems/devon-2019/bodies/ice/", {"on": "2019-09-10"}).content.decode()
    assert "Post holders as on 10 September 2019" in in_2019 and "Dr Quin Yates" in in_2019
    assert "(DASS)" in in_2019 and "(DPH)" in in_2019
    later = client.get("/systems/devon-2019/bodies/ice/", {"on": "2022-01-01"}).content.decode()
    assert "Dr Quin Yates" not in later, "the DPH system role was a two-year term"


def test_an_unknown_organisation_or_a_missing_one_is_named(signed_in, devon_gov):
    client = signed_in
    response = client.post(
        "/api/route",
        {
            "system": "devon-2019",
            "decision_type": "policy",
            "on": "2019-09-10",
            "commitments": [
                {"organisation": "15N", "amount": 0},
                {"organisation": "XYZ", "amount": 0},
            ],
        },
        content_type="application/json",
    )
    assert (
        response.status_code == 422
        and "commitments[1].organisation: no organisation 'XYZ'"
        in response.json()["error"]["message"]
    )
    page = client.get(
        "/systems/devon-2019/who-decides/",
        {"decision_type": "policy", "on": "2019-09-10", "amount_0": "10"},
    ).content.decode()
    assert "Choose organisation 1, whose resources amount 1 commits" in page
    split = client.get(
        "/systems/devon-2019/who-decides/",
        {
            "decision_type": "contract_award",
            "organisation_0": "15N",
            "amount_0": "300000",
            "organisation_1": "15N",
            "amount_1": "300000",
        },
    ).content.decode()
    assert "is already committed in commitment 1" in split, "a contract split in two is refused"
    no_amount = client.get(
        "/systems/devon-2019/who-decides/", {"decision_type": "policy", "organisation_0": "15N"}
    ).content.decode()
    assert "Enter amount 1, or 0 for a policy or a plan" in no_amount
