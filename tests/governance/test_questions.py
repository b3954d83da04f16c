"""Route and validate on the shipped examples, through the same requests the API and the
command line read: who must decide, and was it validly decided (issue 9's scenarios included)."""

from pathlib import Path

import pytest

from commonweal.governance.requests import (
    DecisionIn,
    ProposalIn,
    route_proposal,
    validate_decision,
)

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


def check(organisation="15N", amount=0, deciders=(), body=None, context=None, votes=None, **kw):
    """A decision with one part, that of `organisation`; `context` amounts are that
    organisation's."""
    context = dict(context or {})
    for key in ("prior_spend", "available_budget"):
        if key in context:
            context[key] = {organisation: context[key]}
    part = {
        "organisation": organisation,
        "amount": amount,
        "deciders": list(deciders),
        "body": body,
        "votes": votes,
    }
    data = {"system": "devon-2019", "on": "2019-09-10", "parts": [part], "context": context, **kw}
    result, _ = validate_decision(DecisionIn.model_validate(data))
    return result


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
    # Issue 9: a council's policy is for its Cabinet after its Health and Wellbeing Board is
    # consulted; the ICE recommends and never decides. Consultation comes first.
    kinds = {
        o.organisation: [(s.kind.value, s.taker.body) for s in o.steps]
        for o in result.organisations
    }
    assert kinds["15N"] == [("recommend", "ice"), ("decide", "governing-body")]
    assert kinds["E10000008"] == [
        ("consult", "hwb-devon"),
        ("recommend", "ice"),
        ("decide", "cabinet-devon"),
    ]
    assert kinds["E06000027"] == [
        ("consult", "hwb-torbay"),
        ("recommend", "ice"),
        ("decide", "cabinet-torbay"),
    ]
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


def test_the_documented_examples_work(devon_gov):
    from commonweal.governance.requests import route_file, validate_file

    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    route_result, _ = route_file(docs / "proposal.yaml")
    assert route_result.decidable and len(route_result.steps) == 2
    validation, _ = validate_file(docs / "decision.yaml")
    assert validation.valid, validation.reasons


# Issue 9's scenarios on the shipped Devon example, with the context read from the database.


def test_at_the_ice_each_executive_decides_for_their_own_organisation(devon_gov):
    docs = Path(__file__).resolve().parents[2] / "docs" / "examples"
    from commonweal.governance.requests import validate_file

    result, _ = validate_file(docs / "decision.yaml")
    assert result.valid and result.binds == ("E06000027", "15N")
    assert {p.organisation: p.valid for p in result.parts} == {"E06000027": True, "15N": True}
    assert result.meeting is not None and result.meeting.code.value == "inquorate"
    # Without the Director of Commissioning's consent, the decision binds Torbay alone.
    data = DecisionIn.model_validate(
        {
            "system": "devon-2019",
            "decision_type": "revenue_commitment",
            "on": "2019-09-10",
            "meeting": "ice",
            "parts": [
                {
                    "organisation": "E06000027",
                    "amount": 50000,
                    "deciders": [{"person": "val-owen", "post": "E06000027/dass"}],
                },
                {
                    "organisation": "15N",
                    "amount": 50000,
                    "deciders": [{"person": "sam-patel", "post": "15N/director-of-commissioning"}],
                    "consent": False,
                },
            ],
        }
    )
    split, _ = validate_decision(data)
    assert split.binds == ("E06000027",) and not split.valid
    assert [c.code.value for c in split.reasons] == ["not-consented"]


def test_a_council_policy_decided_at_the_ice_is_a_reserved_matter(devon_gov):
    result = check(
        organisation="E06000027",
        decision_type="policy",
        deciders=[{"person": "val-owen", "post": "E06000027/dass"}],
        meeting="ice",
    )
    assert [(c.code.value, c.clause) for c in result.reasons] == [("reserved-matter", "R1")]
    assert "Cabinet" in result.reasons[0].sentence


def test_a_contract_over_the_reserved_amount_is_the_governing_bodys(devon_gov):
    officer = check(
        decision_type="contract_award",
        amount=600000,
        deciders=[{"person": "alex-morgan", "post": "15N/accountable-officer"}],
    )
    [reason] = officer.reasons
    assert (reason.code.value, reason.clause) == ("reserved-matter", "R2")
    assert "£500,000" in reason.sentence
    steps = route(
        decision_type="contract_award", commitments=[{"organisation": "15N", "amount": 600000}]
    ).steps
    assert [(s.kind.value, s.taker.post or s.taker.body) for s in steps] == [
        ("recommend", "15N/director-of-financial-planning"),
        ("decide", "governing-body"),
    ]


def test_a_split_order_is_judged_by_its_cumulative_cost_in_route_and_validate_alike(devon_gov):
    prior = {"organisation": "15N", "amount": 60000, "prior": 60000}
    steps = route(decision_type="revenue_commitment", project="P1", commitments=[prior]).steps
    assert steps[-1].taker.post == "15N/accountable-officer", "the next band's decider"
    by_route = check(
        decision_type="revenue_commitment",
        amount=60000,
        project="P1",
        deciders=[{"person": "alex-morgan", "post": "15N/accountable-officer"}],
        context={"prior_spend": 60000},
    )
    assert by_route.valid, by_route.reasons
    alone = check(
        decision_type="revenue_commitment",
        amount=60000,
        project="P1",
        deciders=[{"person": "sam-patel", "post": "15N/director-of-commissioning"}],
        context={"prior_spend": 60000},
    )
    assert [c.code.value for c in alone.reasons] == ["cumulative-over-limit"]


def test_a_tied_cabinet_vote_is_carried_by_the_chairs_casting_vote(devon_gov):
    members = [
        {"person": "mayor-yan-cobb", "post": "E06000027/leader"},
        {"person": "cllr-zoe-nash", "post": "E06000027/cabinet-member-adults"},
    ]
    present = {"meeting": {"present": members}, "declarations": []}

    def vote(**votes):
        return check(
            organisation="E06000027",
            decision_type="policy",
            body="cabinet-torbay",
            deciders=members,
            votes=votes,
            context=present,
            meeting="cabinet-torbay",
        )

    assert vote(in_favour=3, against=3, casting_vote="for").valid
    tied = vote(in_favour=3, against=3)
    assert [c.code.value for c in tied.reasons] == ["no-majority"]


def test_an_inquorate_governing_body_names_every_shortfall(devon_gov):
    present = [
        {"person": "dr-lee-harper", "post": "15N/clinical-chair"},
        {"person": "alex-morgan", "post": "15N/accountable-officer"},
        {"person": "dr-ann-cole", "post": "15N/clinical-lead-north"},
        {"person": "jo-evans", "post": "15N/director-of-financial-planning"},
        {"person": "pat-hughes", "post": "15N/director-of-assurance"},
    ]
    result = check(
        decision_type="policy",
        body="governing-body",
        deciders=present[:2],
        votes={"in_favour": 5, "against": 0},
        context={"meeting": {"present": present}, "declarations": []},
        meeting="governing-body",
    )
    [reason] = result.reasons
    assert reason.code.value == "inquorate"
    assert "5" in reason.sentence and "lay" in reason.sentence, reason.sentence


def test_southwark_decides_jointly_and_bexley_separately(sel_gov):
    """Seed 004's options, as the example illustrates them: in Southwark (joint commissioning)
    the place based board is a committee in common with the council, so commitments from both
    within their delegations to it are one joint decision; in Bexley (greater involvement) each
    decides separately and the place based board takes no decision."""
    data = {
        "system": "south-east-london-2020",
        "on": "2020-10-01",
        "decision_type": "revenue_commitment",
    }
    southwark, _ = route_proposal(
        ProposalIn.model_validate(
            {
                **data,
                "footprint": "southwark",
                "commitments": [
                    {"organisation": "72Q", "amount": 400000},
                    {"organisation": "E09000028", "amount": 300000},
                ],
            }
        )
    )
    assert southwark.decidable
    [joint] = southwark.joint
    assert joint.kind.value == "decide_jointly" and joint.taker.body == "pbb-southwark"
    assert joint.blocks == ("72Q", "E09000028")
    assert [s.kind.value for s in southwark.steps] == ["decide_jointly"]

    bexley, _ = route_proposal(
        ProposalIn.model_validate(
            {
                **data,
                "footprint": "bexley",
                "commitments": [
                    {"organisation": "72Q", "amount": 400000},
                    {"organisation": "E09000004", "amount": 300000},
                ],
            }
        )
    )
    assert bexley.decidable and bexley.joint == ()
    assert all(s.taker.body != "pbb-bexley" for s in bexley.steps)
    last = {o.organisation: o.steps[-1] for o in bexley.organisations}
    assert last["72Q"].taker.post == "72Q/place-director-bexley"
    assert last["E09000004"].taker.body == "bexley-cabinet"
