"""The issue's scenarios, on Devon as the seeds describe it (tests/governance/devon.py).

Seed 000, Governance Principle 2: "The Integrated Commissioning Executive meeting will be a
meeting of 'decision makers', with authority held by individual executives. It will therefore
be a meeting rather than a joint committee of the statutory partners." Seed 001 §4.1: the
executives "operate within the respective schemes of delegation and remain accountable through
the governance mechanisms of their individual organisations". Governance Principle 3: "The
responsibility for decision making of policies or long term plans rests with the appropriate
bodies of respective organisations i.e. the Cabinets or Health & Well Being Boards of Local
Authorities, CCG Governing Body".
"""

from dataclasses import replace

import pytest

from commonweal.governance.engine import (
    Band,
    BodyFact,
    Code,
    Commitment,
    Context,
    Decider,
    Decision,
    Declaration,
    Delegation,
    Governance,
    Meeting,
    Part,
    Proposal,
    Quorum,
    Status,
    StepKind,
    Taker,
    Vote,
    Votes,
    Voting,
    route,
    validate,
)
from tests.governance import devon
from tests.governance.devon import AO, CCG, DEVON, DOC, HOLDINGS, ON, TORBAY, who


@pytest.fixture
def gov():
    return devon.governance()


def context(*present, prior=None, declarations=()):
    return Context(
        holdings=HOLDINGS,
        prior_spend=prior or {},
        available_budget={org: 10_000_000_00 for org in devon.ORGANISATIONS},
        meeting=Meeting(tuple(who(p) for p in present)) if present else None,
        declarations=list(declarations),
    )


def codes(checks, status=Status.FAILED):
    return [c.code for c in checks if c.status is status]


# 1. A meeting of decision makers decides nothing itself ----------------------------------


def test_each_executive_at_the_ice_decides_for_their_own_organisation(gov):
    """Torbay's DASS commits £50,000 of Torbay's money at the ICE, within the DASS band; the
    CCG's part for the same item is decided by the Director of Commissioning within band."""
    proposal = Proposal(
        "revenue_commitment",
        ON,
        (Commitment(TORBAY, 50_000_00, 0), Commitment(CCG, 50_000_00, 0)),
        project="Torbay reablement",
    )
    steps = {o.organisation: o.steps[-1] for o in route(proposal, gov).organisations}
    assert steps[TORBAY].taker == Taker(post="E06000027/dass")
    assert steps[CCG].taker == Taker(post=DOC)
    decision = Decision(
        "revenue_commitment",
        ON,
        tuple(
            Part(org, 50_000_00, (who(steps[org].taker.post or ""),), route_step=steps[org].id)
            for org in (TORBAY, CCG)
        ),
        meeting="ice",
        project="Torbay reablement",
    )
    result = validate(decision, context(*devon.ICE_MEMBERS), gov)
    assert result.valid, result.reasons
    assert result.binds == (TORBAY, CCG)
    for part in result.parts:
        statuses = {c.code: c.status for c in part.checks}
        assert statuses[Code.NOT_AUTHORISED] is Status.PASSED
        assert statuses[Code.NOT_CONSENTED] is Status.PASSED
        assert statuses[Code.INQUORATE] is Status.NOT_APPLICABLE
    torbay = next(
        c for c in result.checks if c.organisation == TORBAY and c.code == "not-authorised"
    )
    assert torbay.sentence == (
        "D1.1 authorises Director of Adults Services and Housing (Torbay Council) to take "
        "revenue commitment decisions up to £250,000."
    )
    assert result.meeting is not None and result.meeting.status is Status.PASSED
    assert result.meeting.sentence.startswith(
        "Integrated Commissioning Executive was quorate (5 members counted; quorum 3 members)."
    )


def test_the_ice_quorum_is_reported_but_a_part_rests_on_its_deciders_authority(gov):
    decision = Decision(
        "revenue_commitment",
        ON,
        (
            Part(TORBAY, 50_000_00, (who("E06000027/dass"),)),
            Part(CCG, 50_000_00, (who(DOC),), consent=False),
        ),
        meeting="ice",
    )
    result = validate(decision, context("E06000027/dass", DOC), gov)
    assert result.meeting is not None
    assert result.meeting.status is Status.FAILED and result.meeting.code == "inquorate"
    assert "only 2 counted, 1 short of 3" in result.meeting.sentence
    assert "inquorate" not in codes(result.checks)
    # The CCG's director did not consent: the decision binds Torbay alone.
    assert codes(result.checks) == [Code.NOT_CONSENTED]
    assert result.binds == (TORBAY,) and not result.valid


def test_an_executive_cannot_decide_another_organisations_part(gov):
    decision = Decision(
        "revenue_commitment", ON, (Part(CCG, 50_000_00, (who("E06000027/dass"),)),), meeting="ice"
    )
    result = validate(decision, context(*devon.ICE_MEMBERS), gov)
    assert codes(result.checks) == [Code.NOT_AUTHORISED]


def test_a_post_invited_to_the_ice_is_called_invited_and_does_not_decide(gov):
    decision = Decision(
        "joint_strategy", ON, (Part(DEVON, 0, (who("E10000008/dcs"),)),), meeting="ice"
    )
    result = validate(decision, context(*devon.ICE_MEMBERS, "E10000008/dcs"), gov)
    [reason] = [c for c in result.reasons if c.code is Code.ATTENDEE_NOT_MEMBER]
    assert (
        "Max Reid (Director of Children's Services (Devon County Council), invited)"
        in reason.sentence
    )


# 2. Committees in common and joint committees ---------------------------------------------


def test_committees_in_common_each_body_decides_its_own_part_under_its_own_quorum(gov):
    """The Governing Body and Devon's Cabinet meet in common on a pooled fund change above
    both officers' limits: each decides for its own organisation."""
    proposal = Proposal(
        "pooled_fund_change", ON, (Commitment(CCG, 2_000_000_00), Commitment(DEVON, 2_000_000_00))
    )
    [ccg, council] = route(proposal, gov).organisations
    assert ccg.steps[-1].taker == Taker(body="governing-body")
    assert council.steps[-1].taker == Taker(body="cabinet-devon")
    decision = Decision(
        "pooled_fund_change",
        ON,
        (
            Part(CCG, 2_000_000_00, body="governing-body", votes=Votes(6, 1)),
            Part(DEVON, 2_000_000_00, body="cabinet-devon", votes=Votes(5, 0)),
        ),
    )
    everyone = [*devon.GOVERNING_BODY_MEMBERS, *devon.CABINET]
    result = validate(decision, context(*everyone), gov)
    assert result.valid, result.reasons
    assert result.binds == (CCG, DEVON)
    # Only two cabinet members come: the Cabinet is inquorate, the Governing Body is not.
    few = [*devon.GOVERNING_BODY_MEMBERS, *devon.CABINET[:2]]
    result = validate(decision, context(*few), gov)
    assert [(c.organisation, c.code) for c in result.reasons] == [(DEVON, Code.INQUORATE)]
    assert result.binds == (CCG,)


def joint_committee(gov: Governance) -> Governance:
    """Devon as it might be after "moving to a joint committee of the NHS and Local
    Authorities" (Governance Principle 2): pooled fund changes above the officers' limits go
    to a joint committee of the CCG and Devon County Council, voting in blocks."""
    jc = BodyFact(
        "devon-jc",
        "Devon Joint Commissioning Committee",
        "joint_committee",
        (CCG, DEVON),
        Voting.BLOCK,
        members=frozenset({AO, DOC, devon.DOFP, "E10000008/dass", *devon.CABINET[:2]}),
        quorum=Quorum(4, block=2),
    )

    def to_jc(scheme):
        delegations = tuple(
            Delegation(
                d.clause,
                d.decision_type,
                (*d.bands[:-1], Band(d.bands[-1].lower, None, Taker(body="devon-jc"))),
                consult=d.consult,
            )
            if d.decision_type == "pooled_fund_change"
            else d
            for d in scheme.delegations
        )
        return [replace(scheme, delegations=delegations)]

    schemes = {org: to_jc(versions[0]) for org, versions in gov.schemes.items()}
    names = {**gov.names, "devon-jc": jc.name}
    return Governance(schemes, {**gov.bodies, "devon-jc": jc}, names, gov.categories)


JC_PRESENT = [AO, DOC, devon.DOFP, "E10000008/dass", "E10000008/leader"]


def jc_decision(ccg_votes, devon_votes):
    return Decision(
        "pooled_fund_change",
        ON,
        (
            Part(CCG, 2_000_000_00, body="devon-jc", votes=ccg_votes),
            Part(DEVON, 2_000_000_00, body="devon-jc", votes=devon_votes),
        ),
        meeting="devon-jc",
    )


def test_a_joint_committee_decides_for_both_when_the_blocks_agree(gov):
    gov = joint_committee(gov)
    proposal = Proposal(
        "pooled_fund_change", ON, (Commitment(CCG, 2_000_000_00), Commitment(DEVON, 2_000_000_00))
    )
    [joint] = route(proposal, gov).joint
    assert joint.kind is StepKind.DECIDE_JOINTLY and joint.blocks == (CCG, DEVON)
    result = validate(jc_decision(Votes(3, 0), Votes(2, 0)), context(*JC_PRESENT), gov)
    assert result.valid, result.reasons
    assert result.binds == (CCG, DEVON)


def test_a_joint_committee_whose_blocks_disagree_makes_no_decision(gov):
    """The CCG block for, the council block against: no decision."""
    gov = joint_committee(gov)
    result = validate(jc_decision(Votes(3, 0), Votes(0, 2)), context(*JC_PRESENT), gov)
    assert codes(result.checks) == [Code.BLOCKS_DISAGREE]
    [reason] = result.reasons
    assert reason.organisation == ""  # the decision as a whole
    assert reason.sentence == (
        "No decision: the blocks at Devon Joint Commissioning Committee disagree (NHS Devon "
        "CCG's members voted for (3 for and 0 against) and Devon County Council's members voted "
        "against (0 for and 2 against)), and a joint committee decides only where every block "
        "agrees."
    )
    assert result.binds == () and not result.valid


def test_each_block_needs_its_own_block_quorum(gov):
    gov = joint_committee(gov)
    present = [AO, DOC, devon.DOFP, "E10000008/dass"]  # the council has one member there
    result = validate(jc_decision(Votes(3, 0), Votes(1, 0)), context(*present), gov)
    assert [(c.organisation, c.code) for c in result.reasons] == [(DEVON, Code.INQUORATE)]
    assert result.reasons[0].sentence.startswith(
        "Devon County Council's block at Devon Joint Commissioning Committee was not quorate "
        "for this item: it needs 2 of its members present and only 1 counted."
    )


# 3. Reserved matters with consultation ------------------------------------------------------


def test_a_council_policy_at_the_ice_is_a_reserved_matter_for_the_cabinet(gov):
    decision = Decision("policy", ON, (Part(DEVON, 0, (who("E10000008/dass"),)),), meeting="ice")
    result = validate(decision, context(*devon.ICE_MEMBERS), gov)
    [reason] = result.reasons
    assert reason.code is Code.RESERVED_MATTER and reason.clause == "R1"
    assert reason.sentence == (
        "R1 reserves policy decisions to Devon County Council Cabinet, but this part was taken "
        "by Lou Barnes (Chief Officer for Adult Care and Health (Devon County Council))."
    )
    steps = route(Proposal("policy", ON, (Commitment(DEVON, 0),)), gov).steps
    assert [(s.kind, s.taker.body) for s in steps] == [
        (StepKind.CONSULT, "hwb-devon"),
        (StepKind.RECOMMEND, "ice"),
        (StepKind.DECIDE, "cabinet-devon"),
    ]
    assert steps[0].sentence == (
        "Devon Health and Wellbeing Board is consulted before Devon County Council Cabinet "
        "decides: R1 reserves policy decisions to Devon County Council Cabinet after consulting "
        "it."
    )


def test_a_ccg_policy_goes_to_the_governing_body_with_the_ice_recommending(gov):
    steps = route(Proposal("policy", ON, (Commitment(CCG, 0),)), gov).steps
    assert [(s.kind, s.taker.body) for s in steps] == [
        (StepKind.RECOMMEND, "ice"),
        (StepKind.DECIDE, "governing-body"),
    ]
    assert "it may not decide" in steps[0].sentence


# 4. Matters reserved above an amount --------------------------------------------------------


def test_a_contract_over_the_reserved_amount_by_the_accountable_officer_is_refused(gov):
    """£600,000 contract award where contracts over £500,000 are reserved."""
    result = validate(
        Decision("contract_award", ON, (Part(CCG, 600_000_00, (who(AO),)),), project="C1"),
        context(),
        gov,
    )
    [reason] = result.reasons
    assert reason.code is Code.RESERVED_MATTER and reason.clause == "R2"
    assert reason.sentence.startswith(
        "R2 reserves contract award decisions whose cumulative cost is over £500,000 to NHS Devon "
        "CCG Governing Body, but this part was taken by Alex Morgan (Accountable Officer (NHS "
        "Devon CCG))."
    )
    [org] = route(Proposal("contract_award", ON, (Commitment(CCG, 600_000_00),)), gov).organisations
    assert [s.taker for s in org.steps] == [Taker(post=devon.DOFP), Taker(body="governing-body")]
    below = validate(
        Decision("contract_award", ON, (Part(CCG, 400_000_00, (who(AO),)),), project="C1"),
        context(),
        gov,
    )
    assert below.valid, below.reasons
    # By cumulative cost: £400,000 after £200,000 on the same contract is reserved too.
    after = validate(
        Decision("contract_award", ON, (Part(CCG, 400_000_00, (who(AO),)),), project="C1"),
        context(prior={CCG: 200_000_00}),
        gov,
    )
    assert codes(after.checks) == [Code.RESERVED_MATTER]


# 5. Voting bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("casting_vote", "chair_votes", "carried"),
    [
        (False, None, False),
        (False, Vote.FOR, False),
        (True, Vote.FOR, True),
        (True, Vote.AGAINST, False),
    ],
)
def test_a_tied_cabinet_vote_is_carried_only_on_a_casting_vote_the_terms_grant(
    casting_vote, chair_votes, carried
):
    gov = devon.governance(cabinet_casting_vote=casting_vote)
    decision = Decision(
        "policy",
        ON,
        (Part(DEVON, 0, body="cabinet-devon", votes=Votes(3, 3, casting_vote=chair_votes)),),
        meeting="cabinet-devon",
    )
    result = validate(decision, context(*devon.CABINET[:6]), gov)
    assert result.valid is carried
    assert codes(result.checks) == ([] if carried else [Code.NO_MAJORITY])
    [check] = [c for c in result.checks if c.code is Code.NO_MAJORITY]
    assert "3 for and 3 against" in check.sentence


# 6. Quorum: every shortfall -------------------------------------------------------------


def test_an_inquorate_governing_body_item_names_every_shortfall(gov):
    """Two members withdraw, leaving the count one short and no lay member present."""
    present = [devon.CHAIR, *devon.LEADS, AO, devon.LAY[0]]  # 7 present, one lay member
    withdrew = [Declaration("eve-grant", "financial"), Declaration("ann-cole", "indirect")]
    decision = Decision(
        "policy",
        ON,
        (Part(CCG, 0, (who(devon.CHAIR), who(AO)), body="governing-body", votes=Votes(5, 0)),),
        meeting="governing-body",
    )
    result = validate(decision, context(*present, declarations=withdrew), gov)
    [reason] = result.reasons
    assert reason.code is Code.INQUORATE
    assert reason.sentence == (
        "NHS Devon CCG Governing Body was not quorate for this item: its quorum is 6 members, "
        "including a lay member and a clinical member, and only 5 counted, 1 short of 6 and no "
        "lay member was present. Members with a conflict on the item do not count."
    )


# 7. Cumulative limits, one answer -----------------------------------------------------------


def test_route_and_validate_choose_the_band_from_the_same_cumulative_total(gov):
    """£60,000 on a contract after £60,000 already decided on it, where the Director's
    cumulative limit is £100,000."""
    proposal = Proposal(
        "revenue_commitment", ON, (Commitment(CCG, 60_000_00, prior=60_000_00),), project="C7"
    )
    [step] = route(proposal, gov).steps
    assert step.taker == Taker(post=AO) and step.clause == "D1.2"

    def by(*posts):
        part = Part(CCG, 60_000_00, tuple(who(p) for p in posts), route_step=step.id)
        d = Decision("revenue_commitment", ON, (part,), project="C7")
        return validate(d, context(prior={CCG: 60_000_00}), gov)

    assert by(AO).valid, by(AO).reasons
    alone = by(DOC)
    [reason] = alone.reasons
    assert reason.code is Code.CUMULATIVE_OVER_LIMIT
    assert reason.sentence.startswith(
        "With £60,000 already committed on C7, the cumulative cost £120,000 is above the limit "
        "of £100,000 within which Director of Commissioning (NHS Devon CCG) may decide under D1.1"
    )
    assert reason.sentence.endswith(
        "That cost falls in D1.2, for Accountable Officer (NHS Devon CCG)."
    )


def test_an_officer_decision_records_the_names_of_people_not_their_keys(gov):
    result = validate(
        Decision("revenue_commitment", ON, (Part(CCG, 10_00, (Decider("sam-patel", AO),)),)),
        context(),
        gov,
    )
    [reason] = result.reasons
    assert reason.sentence == (
        "Sam Patel did not hold the post of Accountable Officer (NHS Devon CCG) on 10 September "
        "2019."
    )


def test_without_the_prior_spend_a_reservation_by_cumulative_cost_is_not_checked(gov):
    """Data absent is never a pass: £400,000 alone is under R2's £500,000, but what the
    contract has already cost was not given."""
    decision = Decision("contract_award", ON, (Part(CCG, 400_000_00, (who(AO),)),), project="C1")
    result = validate(decision, Context(holdings=HOLDINGS, declarations=[]), gov)
    statuses = {c.code: c.status for c in result.checks}
    assert statuses[Code.RESERVED_MATTER] is Status.NOT_CHECKED
    assert statuses[Code.CUMULATIVE_OVER_LIMIT] is Status.NOT_CHECKED
    assert statuses[Code.NOT_AUTHORISED] is Status.PASSED
    [reserved] = [c for c in result.checks if c.code is Code.RESERVED_MATTER]
    assert reserved.sentence == (
        "Spend already committed on C1 was not given, so whether its cumulative cost is over the "
        "£500,000 above which R2 reserves contract award decisions to NHS Devon CCG Governing "
        "Body was not checked; £400,000 alone is not."
    )
    assert result.valid


def test_the_body_a_matter_is_reserved_to_above_an_amount_may_decide_less(gov):
    decision = Decision(
        "contract_award",
        ON,
        (Part(CCG, 100_000_00, body="governing-body", votes=Votes(7, 0)),),
        meeting="governing-body",
        project="C2",
    )
    result = validate(decision, context(*devon.GOVERNING_BODY_MEMBERS), gov)
    assert result.valid, result.reasons
    assert result.meeting is None  # the meeting decided: its quorum judged the part
    [authorised] = [c for c in result.checks if c.code is Code.NOT_AUTHORISED]
    assert authorised.clause == "R2" and "may also decide smaller ones" in authorised.sentence
