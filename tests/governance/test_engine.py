"""The decision-routing engine on small hand-built schemes: routing, validation, sentences."""

import ast
import re
from datetime import date
from pathlib import Path

import pytest

import commonweal.governance.engine as engine_package
from commonweal.governance.engine import (
    Band,
    BodyFact,
    Code,
    Commitment,
    Condition,
    Context,
    Decider,
    Decision,
    Declaration,
    Delegation,
    Governance,
    Holding,
    Meeting,
    OnwardDelegation,
    Part,
    Proposal,
    Quorum,
    Reservation,
    Scheme,
    Status,
    StepKind,
    Taker,
    Vote,
    Votes,
    Voting,
    route,
    validate,
    validate_many,
)
from commonweal.governance.engine import sentences as say

ON = date(2021, 6, 1)


def scheme(org, *delegations, reservations=(), onward=(), start=date(2020, 4, 1)):
    return Scheme(org, "v1", start, None, tuple(reservations), tuple(delegations), tuple(onward))


def test_codes_are_named_only_through_the_one_enum():
    for path in Path(engine_package.__file__).parent.rglob("*.py"):
        if path.name == "codes.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert not re.fullmatch(r"[a-z]+(-[a-z]+)+", node.value), (path, node.value)
    assert {"no-decider", "blocks-disagree", "no-majority", "not-consented"} <= set(Code)


def test_joint_committee_takes_one_binding_decision_with_block_votes():
    jc = BodyFact("jc", "Joint Committee", "joint_committee", ("A", "B"), Voting.BLOCK)
    gov = Governance(
        {
            o: [scheme(o, Delegation("D1", "contract_award", (Band(0, None, Taker(body="jc")),)))]
            for o in "AB"
        },
        {"jc": jc},
        names={"jc": "Joint Committee", "A": "Alpha", "B": "Beta"},
    )
    result = route(
        Proposal("contract_award", ON, (Commitment("A", 100), Commitment("B", 200))), gov
    )
    assert [s.kind for s in result.steps] == [StepKind.DECIDE_JOINTLY]
    [joint] = result.joint
    assert joint.blocks == ("A", "B")
    assert joint.sentence == (
        "Joint Committee takes one decision binding Alpha and Beta, with a block vote for each; "
        "where the blocks disagree there is no decision."
    )


def test_a_meeting_of_decision_makers_is_not_a_joint_committee():
    ice = BodyFact(
        "ice", "ICE", "integrated_commissioning_executive", ("A", "B"), Voting.INDIVIDUAL
    )
    gov = Governance(
        {
            o: [
                scheme(
                    o,
                    Delegation(
                        "D1",
                        "joint_strategy",
                        (Band(0, None, Taker(post=f"{o}/exec")),),
                        consult=(Taker(body="ice"),),
                    ),
                )
            ]
            for o in "AB"
        },
        {"ice": ice},
    )
    result = route(Proposal("joint_strategy", ON, (Commitment("A", 0), Commitment("B", 0))), gov)
    assert result.joint == ()
    assert [(s.organisation, s.kind, s.taker) for s in result.steps] == [
        ("A", StepKind.CONSULT, Taker(body="ice")),
        ("A", StepKind.DECIDE, Taker(post="A/exec")),
        ("B", StepKind.CONSULT, Taker(body="ice")),
        ("B", StepKind.DECIDE, Taker(post="B/exec")),
    ]


def test_cumulative_cost_decides_the_band_when_prior_spend_is_known():
    d = Delegation(
        "D1",
        "revenue_commitment",
        (Band(0, 100_00, Taker(post="A/dir")), Band(100_00, None, Taker(post="A/ceo"))),
        conditions=frozenset({Condition.CUMULATIVE}),
    )
    gov = Governance({"A": [scheme("A", d)]})
    alone = route(Proposal("revenue_commitment", ON, (Commitment("A", 60_00),)), gov)
    split = route(
        Proposal("revenue_commitment", ON, (Commitment("A", 60_00, prior=60_00),), project="P1"),
        gov,
    )
    assert alone.steps[-1].taker.post == "A/dir"
    assert split.steps[-1].taker.post == "A/ceo"
    assert "the cumulative cost of P1, £120 (£60 before this), falls in band D1.2" in (
        split.steps[-1].sentence
    )
    assert split.organisations[0].measured == 120_00


def test_place_delegation_and_onward_delegation_are_selected_by_footprint():
    general = Delegation("D1", "revenue_commitment", (Band(0, None, Taker(post="A/ceo")),))
    place = Delegation(
        "D2", "revenue_commitment", (Band(0, None, Taker(body="place-board")),), footprint="lambeth"
    )
    onward = OnwardDelegation(
        "O1", "A/ceo", "A/deputy", frozenset({"revenue_commitment"}), 50_00, footprint="north"
    )
    gov = Governance({"A": [scheme("A", general, place, onward=[onward])]})

    def decider(path, amount=10_00):
        return route(
            Proposal("revenue_commitment", ON, (Commitment("A", amount),), footprint_path=path), gov
        ).steps[-1]

    assert decider(("lambeth", "sel")).taker == Taker(body="place-board")
    assert decider(("bexley", "sel")).taker == Taker(post="A/ceo")
    assert decider(("north", "devon")).taker == Taker(post="A/deputy")
    assert decider(("north",)).clause == "O1"
    assert decider(("north",), amount=60_00).taker == Taker(post="A/ceo")


def test_refusals_carry_a_code_and_a_reason():
    d = Delegation("D1", "write_off", (Band(0, 50_00, Taker(post="A/dof")),))
    gov = Governance({"A": [scheme("A", d)]}, names={"A": "Alpha"})

    def refused(kind, amount, on=ON):
        [org] = route(Proposal(kind, on, (Commitment("A", amount),)), gov).organisations
        assert not org.decidable and org.steps == ()
        return org.code, org.reason

    code, reason = refused("write_off", 60_00)
    assert code is Code.OVER_LIMIT and reason.startswith("No one may decide this for Alpha")
    assert "above the highest limit in D1 (£50)" in reason
    assert refused("virement", 10)[0] is Code.NOT_AUTHORISED
    code, reason = refused("write_off", 10, on=date(2019, 1, 1))
    assert code is Code.SCHEME_NOT_IN_FORCE and "1 January 2019" in reason


# Validation -------------------------------------------------------------------------

DUAL = Delegation(
    "D1",
    "revenue_commitment",
    (
        Band(0, 100_000_00, Taker(post="A/director")),
        Band(100_000_00, 500_000_00, Taker(post="A/director", second=("A/ceo", "A/finance"))),
    ),
    conditions=frozenset({Condition.WITHIN_BUDGET, Condition.CUMULATIVE}),
)
BOARD = BodyFact(
    "board",
    "Board",
    "board",
    ("A",),
    Voting.MAJORITY,
    members=frozenset({"A/chair", "A/ceo", "A/lay", "A/finance"}),
    attendees=frozenset({"A/director"}),
    invited=frozenset({"A/guest"}),
    quorum=Quorum(3, ("lay",)),
)
NAMES = {
    "A": "Alpha Council",
    "board": "the Board",
    "A/director": "Director",
    "A/ceo": "Chief Executive",
    "A/finance": "Finance Director",
    "A/guest": "Guest Director",
    "dee": "Dee Day",
    "cee": "Cee Sea",
    "eff": "Eff Eff",
    "gee": "Gee Gee",
    "lay": "Lay Lee",
    "guy": "Guy Gee",
}
GOV = Governance(
    {"A": [scheme("A", DUAL, reservations=[Reservation("R1", frozenset({"policy"}), "board")])]},
    {"board": BOARD},
    names=NAMES,
    categories={"A/lay": frozenset({"lay"})},
)
HOLDINGS = {
    "A/director": [Holding("dee", "A/director", date(2020, 1, 1))],
    "A/ceo": [Holding("cee", "A/ceo", date(2020, 1, 1))],
    "A/finance": [
        Holding("eff", "A/finance", date(2020, 1, 1), date(2021, 1, 1)),
        Holding("gee", "A/finance", date(2021, 1, 2)),
    ],
    "A/chair": [Holding("chay", "A/chair")],
    "A/lay": [Holding("lay", "A/lay")],
    "A/guest": [Holding("guy", "A/guest")],
}
FULL = Context(holdings=HOLDINGS, prior_spend={}, available_budget={"A": 10**12}, declarations=[])


def statuses(result):
    return {c.code: c.status for c in result.checks}


def decision(amount, *deciders, kind="revenue_commitment", body=None, on=ON, votes=None):
    part = Part("A", amount, tuple(Decider(p, post) for p, post in deciders), body, votes=votes)
    return Decision(kind, on, (part,), meeting=body, project="P1")


def test_a_valid_officer_decision_passes_every_check_it_can_make():
    result = validate(decision(50_000_00, ("dee", "A/director")), FULL, GOV)
    assert result.valid, result.reasons
    assert result.binds == ("A",)
    s = statuses(result)
    assert s[Code.NOT_AUTHORISED] is Status.PASSED and s[Code.OVER_LIMIT] is Status.PASSED
    assert s[Code.INQUORATE] is Status.NOT_APPLICABLE
    assert result.meeting is None


def test_missing_context_is_not_checked_never_passed():
    result = validate(decision(50_000_00, ("dee", "A/director")), Context(), GOV)
    s = statuses(result)
    for code in ("not-post-holder", "cumulative-over-limit", "over-budget", "conflicted"):
        assert s[code] is Status.NOT_CHECKED, code
    assert result.valid, "unchecked is not a failure"


def test_each_failure_has_its_code_clause_and_sentence():
    cases = {
        "second-signatory-missing": (decision(200_000_00, ("dee", "A/director")), FULL),
        "over-limit": (decision(600_000_00, ("dee", "A/director"), ("cee", "A/ceo")), FULL),
        "not-authorised": (decision(10_00, ("cee", "A/ceo")), FULL),
        "not-post-holder": (decision(10_00, ("eff", "A/director")), FULL),
        "scheme-not-in-force": (decision(10_00, ("dee", "A/director"), on=date(2019, 1, 1)), FULL),
        "cumulative-over-limit": (
            decision(60_000_00, ("dee", "A/director")),
            Context(HOLDINGS, prior_spend={"A": 50_000_00}),
        ),
        "over-budget": (
            decision(60_000_00, ("dee", "A/director")),
            Context(HOLDINGS, available_budget={"A": 1_000_00}),
        ),
        "reserved-matter": (decision(0, ("cee", "A/ceo"), kind="policy"), FULL),
        "conflicted": (
            decision(10_00, ("dee", "A/director")),
            Context(HOLDINGS, declarations=[Declaration("dee", "financial")]),
        ),
        "no-decider": (decision(10_00), FULL),
    }
    for code, (d, ctx) in cases.items():
        result = validate(d, ctx, GOV)
        assert not result.valid and result.binds == (), code
        failed = {c.code.value: c for c in result.reasons}
        assert code in failed, (code, result.reasons)
        assert failed[code].sentence.endswith(".") and len(failed[code].sentence) > 30
        assert "{" not in failed[code].sentence, failed[code].sentence


def test_sentences_use_names_not_keys():
    result = validate(decision(10_00, ("eff", "A/director")), FULL, GOV)
    [reason] = result.reasons
    assert reason.sentence == "Eff Eff did not hold the post of Director on 1 June 2021."
    over = validate(
        decision(60_000_00, ("dee", "A/director")),
        Context(HOLDINGS, prior_spend={"A": 50_000_00}),
        GOV,
    )
    [cumulative] = over.reasons
    assert cumulative.sentence.startswith(
        "With £50,000 already committed on P1, the cumulative cost £110,000 is above the limit "
        "of £100,000 within which Director may decide under D1.1"
    )
    assert cumulative.sentence.endswith(
        "That cost falls in D1.2, for Director with Chief Executive or Finance Director."
    )


def test_a_passing_authority_check_names_the_posts_the_band_names():
    """Whoever signed, the sentence says whom the band authorises."""
    result = validate(
        decision(200_000_00, ("dee", "A/director"), ("gee", "A/finance"), ("cee", "A/ceo")),
        FULL,
        GOV,
    )
    assert result.valid, result.reasons
    authorised = next(c for c in result.checks if c.code is Code.NOT_AUTHORISED)
    assert authorised.clause == "D1.2"
    assert authorised.sentence == (
        "D1.2 authorises Director with Chief Executive or Finance Director to take revenue "
        "commitment decisions up to £500,000."
    )


def test_dual_sign_off_needs_the_second_signatory_who_held_the_post_that_day():
    ok = validate(decision(200_000_00, ("dee", "A/director"), ("gee", "A/finance")), FULL, GOV)
    assert ok.valid, ok.reasons
    wrong_day = validate(
        decision(200_000_00, ("dee", "A/director"), ("eff", "A/finance")), FULL, GOV
    )
    assert [c.code for c in wrong_day.reasons] == ["not-post-holder"]


PRESENT = Meeting(
    (
        Decider("chay", "A/chair"),
        Decider("cee", "A/ceo"),
        Decider("lay", "A/lay"),
        Decider("dee", "A/director"),
        Decider("guy", "A/guest"),
    )
)
MEMBERS = (("chay", "A/chair"), ("cee", "A/ceo"))


def test_meeting_checks_members_quorum_votes_and_conflicts():
    ok = validate(
        decision(0, *MEMBERS, kind="policy", body="board", votes=Votes(3, 0)),
        Context(HOLDINGS, meeting=PRESENT, declarations=[]),
        GOV,
    )
    assert ok.valid, ok.reasons
    conflicted_lay = Context(
        HOLDINGS, meeting=PRESENT, declarations=[Declaration("lay", "non-financial personal")]
    )
    inquorate = validate(
        decision(0, *MEMBERS, kind="policy", body="board", votes=Votes(2, 0)), conflicted_lay, GOV
    )
    [reason] = inquorate.reasons
    assert reason.code == "inquorate"
    assert reason.sentence == (
        "the Board was not quorate for this item: its quorum is 3 members, including a lay "
        "member, and only 2 counted, 1 short of 3 and no lay member was present. Members with a "
        "conflict on the item do not count."
    )


def test_an_attendee_and_an_invited_post_are_called_what_the_terms_of_reference_call_them():
    result = validate(
        decision(0, ("dee", "A/director"), ("guy", "A/guest"), kind="policy", body="board"),
        Context(HOLDINGS, meeting=PRESENT),
        GOV,
    )
    [reason] = [c for c in result.reasons if c.code is Code.ATTENDEE_NOT_MEMBER]
    assert "Dee Day (Director, an attendee)" in reason.sentence
    assert "Guy Gee (Guest Director, invited)" in reason.sentence


@pytest.mark.parametrize(
    ("votes", "casting_vote", "carried"),
    [
        (Votes(4, 2), False, True),
        (Votes(2, 4), False, False),
        (Votes(3, 3), False, False),
        (Votes(3, 3, casting_vote=Vote.FOR), False, False),
        (Votes(3, 3, casting_vote=Vote.FOR), True, True),
        (Votes(3, 3, casting_vote=Vote.AGAINST), True, False),
        (Votes(3, 3), True, False),
        (Votes(0, 0, 5), True, False),
    ],
)
def test_a_simple_majority_of_votes_cast_with_a_casting_vote_only_where_granted(
    votes, casting_vote, carried
):
    board = BodyFact(**{**BOARD.__dict__, "casting_vote": casting_vote})
    gov = Governance(GOV.schemes, {"board": board}, GOV.names, GOV.categories)
    result = validate(
        decision(0, *MEMBERS, kind="policy", body="board", votes=votes),
        Context(meeting=PRESENT),
        gov,
    )
    [check] = [c for c in result.checks if c.code is Code.NO_MAJORITY]
    assert check.status is (Status.PASSED if carried else Status.FAILED), check
    assert result.valid is carried


def test_a_part_without_consent_does_not_bind_its_organisation():
    part = Part("A", 10_00, (Decider("dee", "A/director"),), consent=False)
    result = validate(Decision("revenue_commitment", ON, (part,)), FULL, GOV)
    assert [c.code for c in result.reasons] == [Code.NOT_CONSENTED]
    assert result.binds == ()


def test_validate_many_agrees_with_validate():
    decisions = [
        decision(a, ("dee", "A/director")) for a in (0, 10_00, 100_000_00, 100_000_01, 10**10)
    ]
    many = validate_many(decisions, FULL, GOV)
    assert [r.valid for r in many] == [validate(d, FULL, GOV).valid for d in decisions]
    assert [r.valid for r in many] == [True, True, True, False, False]


def test_a_sentence_is_a_template_with_parameters_written_when_read():
    s = say.say(
        say.HELD_POST,
        {"dee": "Dee Day", "A/director": "Director"},
        person="dee",
        post="A/director",
        on=ON,
    )
    assert s.template == say.HELD_POST and dict(s.params)["person"] == "dee"
    assert str(s) == "Dee Day held the post of Director on 1 June 2021."


def test_an_onward_delegate_has_no_more_than_the_delegator_has_there():
    """An onward delegation passes on the delegator's authority under the delegation that
    applies in the footprint, up to the onward limit, and no more."""
    general = Delegation("D1", "revenue_commitment", (Band(0, 100_00, Taker(post="A/dir")),))
    north = Delegation(
        "D2", "revenue_commitment", (Band(0, 500_00, Taker(post="A/dir")),), footprint="north"
    )
    onward = OnwardDelegation("O1", "A/dir", "A/deputy", frozenset({"revenue_commitment"}), 300_00)
    gov = Governance({"A": [scheme("A", general, north, onward=[onward])]})

    def by_deputy(amount, path):
        part = Part("A", amount, (Decider("dep", "A/deputy"),))
        d = Decision("revenue_commitment", ON, (part,), footprint_path=path)
        return {c.code: c.status for c in validate(d, Context(), gov).checks}

    assert by_deputy(200_00, ("north",))[Code.NOT_AUTHORISED] is Status.PASSED
    assert by_deputy(400_00, ("north",))[Code.OVER_LIMIT] is Status.FAILED
    assert by_deputy(50_00, ())[Code.NOT_AUTHORISED] is Status.PASSED
    assert by_deputy(200_00, ())[Code.OVER_LIMIT] is Status.FAILED
