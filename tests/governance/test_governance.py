"""Governance on the examples from the seeds: loading, routing, validating; pages, API, CLI."""

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model

from commonweal.core.documents import DocumentError
from commonweal.core.models import AuditEvent
from commonweal.governance.actions import load_governance, load_scheme
from commonweal.governance.models import Body, Post, Scheme
from commonweal.governance.requests import DecisionIn, ProposalIn, route_proposal, validate_decision
from commonweal.registry.actions import EXAMPLES_DIR

from ..factories import COMMONWEAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def devon_gov(devon):
    return devon


@pytest.fixture
def sel_gov(sel):
    return sel


def route(**kw):
    data = {"system": "devon-2019", "on": "2019-09-10", **kw}
    result, _ = route_proposal(ProposalIn.model_validate(data))
    return result


def check(**kw):
    data = {"system": "devon-2019", "on": "2019-09-10", "organisation": "15N", **kw}
    result, _ = validate_decision(DecisionIn.model_validate(data))
    return result


def test_examples_load_with_members_attendees_and_invited(devon_gov, sel_gov):
    ice = Body.objects.get(system=devon_gov, code="ice")
    kinds = {m.post.ref: m.kind for m in ice.memberships.select_related("post__organisation")}
    assert sorted(r for r, k in kinds.items() if k == "member") == [
        "15N/accountable-officer",
        "15N/director-of-commissioning",
        "E06000026/dass",
        "E06000027/dass",
        "E10000008/dass",
    ]
    assert (
        kinds["15N/director-of-financial-planning"] == "attendee"
        and kinds["E10000008/dcs"] == "invited"
    )
    assert ice.voting == "individual"
    west = Post.objects.get(organisation__code="15N", code="dd-integrated-commissioning-west")
    assert sorted(p.ref for p in west.accountable_to.all()) == [
        "15N/director-of-commissioning",
        "E06000026/dass",
        "E10000008/dass",
    ]
    assert Body.objects.filter(system=sel_gov, kind="place_based_board").count() == 6
    gb = Body.objects.get(system=sel_gov, code="governing-body")
    members = [m.post for m in gb.memberships.filter(kind="member")]
    clinical = [p for p in members if "clinical" in p.categories]
    assert len(clinical) * 2 > len(members), (
        "seed 004: the governing body contains a clinical majority"
    )
    assert all(s.illustrative for s in Scheme.objects.all())


def test_loading_again_changes_nothing(devon_gov, actor):
    load_governance(actor, EXAMPLES_DIR / "devon-2019-governance.yaml")
    assert (
        AuditEvent.objects.filter(action="governance.load_governance")
        .first()
        .summary.endswith("nothing changed")
    )
    load_scheme(actor, EXAMPLES_DIR / "devon-2019-scheme-15N.yaml")
    assert (
        AuditEvent.objects.filter(action="governance.load_scheme")
        .first()
        .summary.endswith("nothing changed")
    )


def test_policies_are_decided_by_the_organisations_own_bodies(devon_gov):
    result = route(
        decision_type="policy",
        commitments=[{"organisation": o, "amount": 0} for o in ("15N", "E10000008", "E06000027")],
    )
    deciders = {o.organisation: o.steps[-1].taker.body for o in result.organisations}
    assert deciders == {
        "15N": "governing-body",
        "E10000008": "cabinet-devon",
        "E06000027": "cabinet-torbay",
    }
    for o in result.organisations:
        assert o.steps[0].kind.value == "recommend" and o.steps[0].taker.body == "ice"
        assert all(s.taker.body != "ice" for s in o.steps if s.kind.value == "decide")
    plan = route(
        decision_type="long_term_plan", commitments=[{"organisation": "E10000008", "amount": 0}]
    )
    assert plan.steps[-1].taker.body == "hwb-devon"


def test_joint_funding_in_a_place_goes_to_the_joint_deputy_director(devon_gov):
    result = route(
        decision_type="revenue_commitment",
        footprint="west",
        commitments=[
            {"organisation": "15N", "amount": 40000},
            {"organisation": "E06000026", "amount": 30000},
        ],
    )
    assert [(s.id, s.taker.post) for s in result.steps] == [
        ("15N.O4.decide", "15N/dd-integrated-commissioning-west"),
        ("E06000026.O1.decide", "15N/dd-integrated-commissioning-west"),
    ]
    big = route(
        decision_type="revenue_commitment",
        footprint="west",
        commitments=[{"organisation": "15N", "amount": 900000}],
    )
    step = big.steps[-1]
    assert (
        step.taker.post == "15N/director-of-commissioning"
        and step.taker.second
        and step.clause == "D1.3"
    )


def test_no_one_may_decide_is_explicit(devon_gov):
    write_off = route(
        decision_type="write_off", commitments=[{"organisation": "15N", "amount": 60000}]
    )
    assert (
        not write_off.decidable
        and "above the highest limit in D6 (£50,000)" in write_off.organisations[0].reason
    )
    before = route(
        decision_type="contract_award",
        on="2019-03-01",
        commitments=[{"organisation": "15N", "amount": 1}],
    )
    assert (
        "no scheme of delegation of theirs is in force on 1 March 2019"
        in before.organisations[0].reason
    )
    virement = route(
        decision_type="virement", commitments=[{"organisation": "E10000008", "amount": 1}]
    )
    assert "neither reserves nor delegates" in virement.organisations[0].reason


def test_place_based_board_delegation_is_selected_by_footprint(sel_gov):
    data = {
        "system": "south-east-london-2020",
        "on": "2020-10-01",
        "decision_type": "revenue_commitment",
        "commitments": [{"organisation": "72Q", "amount": 400000}],
    }
    lambeth, _ = route_proposal(ProposalIn.model_validate({**data, "footprint": "lambeth"}))
    system_wide, _ = route_proposal(ProposalIn.model_validate(data))
    assert lambeth.steps[-1].taker.body == "pbb-lambeth"
    assert system_wide.steps[-1].taker.post == "72Q/accountable-officer"


def test_validation_reasons_on_the_devon_scheme(devon_gov):
    ok = check(
        decision_type="revenue_commitment",
        amount=90000,
        deciders=[{"person": "sam-patel", "post": "15N/director-of-commissioning"}],
        context={"prior_spend": 0, "available_budget": 1000000, "declarations": []},
    )
    assert ok.valid, ok.reasons
    split = check(
        decision_type="revenue_commitment",
        amount=90000,
        project="Equipment",
        deciders=[{"person": "sam-patel", "post": "15N/director-of-commissioning"}],
        context={"prior_spend": 40000},
    )
    assert [c.code for c in split.reasons] == ["cumulative-over-limit"]
    acting = check(
        decision_type="revenue_commitment",
        amount=20000,
        footprint="west",
        on="2019-09-15",
        deciders=[{"person": "kay-dunn", "post": "15N/dd-integrated-commissioning-west"}],
    )
    assert acting.valid, "an acting-up holder may decide while acting"
    after = check(
        decision_type="revenue_commitment",
        amount=20000,
        footprint="west",
        on="2019-10-15",
        deciders=[{"person": "kay-dunn", "post": "15N/dd-integrated-commissioning-west"}],
    )
    assert [c.code for c in after.reasons] == ["not-post-holder"]
    reserved = check(
        decision_type="policy",
        amount=0,
        deciders=[{"person": "alex-morgan", "post": "15N/accountable-officer"}],
    )
    assert [c.code for c in reserved.reasons] == ["reserved-matter"] and reserved.reasons[
        0
    ].clause == "R1"


def test_scheme_documents_are_refused_with_line_and_explanation(devon_gov, actor, tmp_path):
    good = (EXAMPLES_DIR / "devon-2019-scheme-15N.yaml").read_text()
    cases = {
        "overlap": (
            good.replace("{over: 100000, up_to: 500000", "{over: 90000, up_to: 500000"),
            "overlaps the band before",
        ),
        "gap": (
            good.replace("{over: 100000, up_to: 500000", "{over: 150000, up_to: 500000"),
            "leaves a gap",
        ),
        "unknown post": (
            good.replace(
                "{up_to: 100000, decider: {post: 15N/director-of-commissioning}}",
                "{up_to: 100000, decider: {post: 15N/director-of-nothing}}",
            ),
            "no post '15N/director-of-nothing'",
        ),
        "unknown body": (
            good.replace("body: governing-body\n    recommend", "body: the-board\n    recommend"),
            "no body 'the-board'",
        ),
        "reserved and delegated": (
            good.replace("decision_type: joint_strategy", "decision_type: policy"),
            "is reserved to the board by R1",
        ),
        "onward cycle": (
            good
            + "  - {clause: O9, from: 15N/dd-integrated-commissioning-north, to: 15N/director-of-commissioning, decision_types: [revenue_commitment], limit: 10}\n",
            "goes round in a circle",
        ),
        "onward over limit": (
            good.replace(
                "decision_types: [revenue_commitment], limit: 50000, footprint: north",
                "decision_types: [revenue_commitment], limit: 3000000, footprint: north",
            ),
            "is more than the £2,000,000.00",
        ),
    }
    versions = Scheme.objects.count()
    for name, (text, expected) in cases.items():
        path = tmp_path / f"{name.replace(' ', '-')}.yaml"
        path.write_text(text)
        with pytest.raises(DocumentError) as caught:
            load_scheme(actor, path)
        messages = [str(p) for p in caught.value.problems]
        assert any(expected in m for m in messages), (name, messages)
        assert all(m.startswith(f"{path}:") and m.split(":")[1].isdigit() for m in messages), (
            messages
        )
    assert Scheme.objects.count() == versions


def test_governance_documents_are_checked(devon, actor, tmp_path):
    doc = yaml.safe_load((EXAMPLES_DIR / "devon-2019-governance.yaml").read_text())
    doc["bodies"][1]["members"].append("15N/nobody")
    doc["bodies"][1]["chair"] = "15N/director-of-strategy"
    doc["bodies"][2]["parent"] = "pdeg"
    path = tmp_path / "gov.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(DocumentError) as caught:
        load_governance(actor, path)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "bodies[1].members[5]: no post '15N/nobody' in this document" in text
    assert "bodies[1].chair: the chair must be one of the members" in text
    assert "go round in a circle" in text
    assert Body.objects.get(code="ice").chair.code == "accountable-officer", "nothing was written"


def test_api_routes_and_validates(client, devon_gov):
    client.force_login(get_user_model().objects.create_user("ann"))
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
            "organisation": "15N",
            "amount": 20000,
            "deciders": [{"person": "jo-evans", "post": "15N/director-of-financial-planning"}],
        },
        content_type="application/json",
    ).json()
    assert not result["valid"] and [r["code"] for r in result["reasons"]] == ["over-limit"]
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


def test_pages_show_bodies_schemes_and_the_route(client, devon_gov):
    client.force_login(get_user_model().objects.create_user("ann"))
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
        "system: devon-2019\ndecision_type: virement\non: 2019-09-10\norganisation: 15N\namount: 1000\n"
        "deciders: [{person: jo-evans, post: 15N/director-of-financial-planning}]\n"
    )
    ok = run("validate-decision", str(decision))
    assert ok.returncode == 0 and ok.stdout.startswith("VALID")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "system: devon-2019\ndecision_type: virement\non: 2019-09-10\norganisation: 15N\namount: -5\n"
    )
    refused = run("validate-decision", str(bad))
    assert refused.returncode == 1 and f"{bad}:5: amount:" in refused.stderr
    assert Path(COMMONWEAL).exists()


def test_the_documented_examples_work(devon_gov):
    from commonweal.governance.requests import route_file, validate_file

    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    route_result, _ = route_file(docs / "proposal.yaml")
    assert route_result.decidable and len(route_result.steps) == 2
    validation, _ = validate_file(docs / "decision.yaml")
    assert validation.valid, validation.reasons


def test_body_page_shows_holders_on_a_date(client, devon_gov):
    client.force_login(get_user_model().objects.create_user("ann"))
    in_2019 = client.get("/systems/devon-2019/bodies/ice/", {"on": "2019-09-10"}).content.decode()
    assert "Post holders as on 10 September 2019" in in_2019 and "Dr Quin Yates" in in_2019
    assert "(DASS)" in in_2019 and "(DPH)" in in_2019
    later = client.get("/systems/devon-2019/bodies/ice/", {"on": "2022-01-01"}).content.decode()
    assert "Dr Quin Yates" not in later, "the DPH system role was a two-year term"


def test_an_unknown_organisation_or_a_missing_one_is_named(client, devon_gov):
    client.force_login(get_user_model().objects.create_user("ann"))
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
    assert "Commitment 1: choose the organisation whose resources it commits" in page
