"""The decision-routing engine on plain data, with property tests."""

from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from commonweal.governance.engine import (
    Band,
    BodyFact,
    Commitment,
    Context,
    Decider,
    Decision,
    Declaration,
    Delegation,
    Governance,
    Holding,
    Meeting,
    OnwardDelegation,
    Proposal,
    Quorum,
    Reservation,
    Scheme,
    Status,
    StepKind,
    Taker,
    Voting,
    route,
    validate,
)

ON = date(2021, 6, 1)


@st.composite
def bands(draw):
    """Contiguous bands from zero, strictly increasing, the last perhaps unbounded."""
    uppers = sorted(draw(st.sets(st.integers(1, 10**9), min_size=1, max_size=6)))
    unbounded = draw(st.booleans())
    out, lower = [], 0
    for i, upper in enumerate(uppers):
        out.append(Band(lower, upper, Taker(post=f"X/p{i}")))
        lower = upper
    if unbounded:
        out.append(Band(lower, None, Taker(body="board")))
    return tuple(out)


@given(bands(), st.integers(0, 2 * 10**9))
def test_exactly_one_band_applies_to_any_covered_amount(bs, amount):
    covering = [b for b in bs if b.covers(amount)]
    top = bs[-1].upper
    if top is None or amount <= top:
        assert len(covering) == 1
        d = Delegation("D1", "revenue_commitment", bs)
        assert bs[d.band_for(amount)] is covering[0]
    else:
        assert (
            covering == [] and Delegation("D1", "revenue_commitment", bs).band_for(amount) is None
        )


@given(bands(), st.integers(0, 2 * 10**9), st.integers(0, 2 * 10**9))
def test_raising_the_amount_never_selects_a_band_with_a_lower_limit(bs, a, b):
    low, high = sorted((a, b))
    d = Delegation("D1", "revenue_commitment", bs)
    i, j = d.band_for(low), d.band_for(high)
    if j is not None:
        assert i is not None and i <= j
        assert (bs[i].upper or 10**18) <= (bs[j].upper or 10**18)


def scheme(org, *delegations, reservations=(), onward=(), start=date(2020, 4, 1)):
    return Scheme(org, "v1", start, None, tuple(reservations), tuple(delegations), tuple(onward))


@st.composite
def governance_and_proposal(draw):
    orgs = ["A", "B", "C"]
    schemes = {}
    for org in draw(st.sets(st.sampled_from(orgs))):
        ds = []
        for t in draw(
            st.sets(st.sampled_from(["revenue_commitment", "contract_award"]), max_size=2)
        ):
            ds.append(Delegation(f"D-{t}", t, draw(bands())))
        res = [Reservation("R1", frozenset({"policy"}), "board")] if draw(st.booleans()) else []
        schemes[org] = [scheme(org, *ds, reservations=res)]
    commitments = tuple(
        Commitment(o, draw(st.integers(0, 2 * 10**9)))
        for o in draw(st.lists(st.sampled_from(orgs), min_size=1, max_size=3, unique=True))
    )
    kind = draw(st.sampled_from(["revenue_commitment", "contract_award", "policy", "virement"]))
    on = draw(st.dates(date(2019, 1, 1), date(2022, 1, 1)))
    return Governance(schemes), Proposal(kind, on, commitments)


@given(governance_and_proposal())
def test_every_route_ends_in_a_decider_or_says_no_one_may_decide(case):
    gov, proposal = case
    result = route(proposal, gov)
    assert len(result.organisations) == len(proposal.commitments)
    for org in result.organisations:
        if org.decidable:
            assert org.steps and org.steps[-1].kind is StepKind.DECIDE
            last = org.steps[-1]
            assert last.taker.post or last.taker.body
            assert last.clause and last.sentence
        else:
            assert org.steps == () and org.reason.startswith("No one may decide this")
    ids = [s.id for s in result.steps]
    assert len(ids) == len(set(ids)), "step ids are unique"
    assert route(proposal, gov) == result, "routing is deterministic"


def test_joint_committee_takes_one_binding_decision_with_block_votes():
    jc = BodyFact("jc", "Joint Committee", "joint_committee", ("A", "B"), Voting.BLOCK)
    gov = Governance(
        {
            o: [scheme(o, Delegation("D1", "contract_award", (Band(0, None, Taker(body="jc")),)))]
            for o in "AB"
        },
        {"jc": jc},
    )
    result = route(
        Proposal("contract_award", ON, (Commitment("A", 100), Commitment("B", 200))), gov
    )
    assert [s.kind for s in result.steps] == [StepKind.DECIDE_JOINTLY]
    [joint] = result.joint
    assert joint.blocks == ("A", "B") and "block vote for each" in joint.sentence
    assert "no decision" in joint.sentence


def test_a_meeting_of_decision_makers_is_not_a_joint_committee():
    ice = BodyFact(
        "ice",
        "Integrated Commissioning Executive",
        "integrated_commissioning_executive",
        ("A", "B"),
        Voting.INDIVIDUAL,
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
        conditions=frozenset({"cumulative"}),
    )
    gov = Governance({"A": [scheme("A", d)]})
    alone = route(Proposal("revenue_commitment", ON, (Commitment("A", 60_00),)), gov)
    split = route(
        Proposal("revenue_commitment", ON, (Commitment("A", 60_00, prior=60_00),), project="P1"),
        gov,
    )
    assert alone.steps[-1].taker.post == "A/dir"
    assert (
        split.steps[-1].taker.post == "A/ceo"
        and "cumulative cost of P1" in split.steps[-1].sentence
    )


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
    assert (
        decider(("north", "devon")).taker == Taker(post="A/deputy")
        and decider(("north",)).clause == "O1"
    )
    assert decider(("north",), amount=60_00).taker == Taker(post="A/ceo")


# Validation -------------------------------------------------------------------------

DUAL = Delegation(
    "D1",
    "revenue_commitment",
    (
        Band(0, 100_000_00, Taker(post="A/director")),
        Band(100_000_00, 500_000_00, Taker(post="A/director", second=("A/ceo", "A/finance"))),
    ),
    conditions=frozenset({"within_budget", "cumulative"}),
)
BOARD = BodyFact(
    "board",
    "Board",
    "board",
    ("A",),
    Voting.MAJORITY,
    members=frozenset({"A/chair", "A/ceo", "A/lay", "A/finance"}),
    attendees=frozenset({"A/director"}),
    quorum=Quorum(3, ("lay",)),
)
GOV = Governance(
    {"A": [scheme("A", DUAL, reservations=[Reservation("R1", frozenset({"policy"}), "board")])]},
    {"board": BOARD},
    categories={"A/lay": frozenset({"lay"})},
)
HOLDINGS = {
    "A/director": [Holding("Dee", "A/director", date(2020, 1, 1))],
    "A/ceo": [Holding("Cee", "A/ceo", date(2020, 1, 1))],
    "A/finance": [
        Holding("Eff", "A/finance", date(2020, 1, 1), date(2021, 1, 1)),
        Holding("Gee", "A/finance", date(2021, 1, 2)),
    ],
    "A/chair": [Holding("Chay", "A/chair")],
    "A/lay": [Holding("Lay", "A/lay")],
}
FULL = Context(holdings=HOLDINGS, prior_spend=0, available_budget=10**12, declarations=[])


def statuses(result):
    return {c.code: c.status for c in result.checks}


def decision(amount, *deciders, kind="revenue_commitment", body=None, on=ON):
    return Decision(
        kind,
        on,
        "A",
        amount,
        tuple(Decider(p, post) for p, post in deciders),
        body=body,
        project="P1",
    )


def test_a_valid_officer_decision_passes_every_check_it_can_make():
    result = validate(decision(50_000_00, ("Dee", "A/director")), FULL, GOV)
    assert result.valid, result.reasons
    s = statuses(result)
    assert s["not-authorised"] is Status.PASSED and s["over-limit"] is Status.PASSED
    assert s["inquorate"] is Status.NOT_APPLICABLE


def test_missing_context_is_not_checked_never_passed():
    result = validate(decision(50_000_00, ("Dee", "A/director")), Context(), GOV)
    s = statuses(result)
    for code in ("not-post-holder", "cumulative-over-limit", "over-budget", "conflicted"):
        assert s[code] is Status.NOT_CHECKED, code
    assert result.valid, "unchecked is not a failure"


def test_each_failure_has_its_code_clause_and_sentence():
    cases = {
        "second-signatory-missing": (decision(200_000_00, ("Dee", "A/director")), FULL),
        "over-limit": (decision(600_000_00, ("Dee", "A/director"), ("Cee", "A/ceo")), FULL),
        "not-authorised": (decision(10_00, ("Cee", "A/ceo")), FULL),
        "not-post-holder": (decision(10_00, ("Eff", "A/director")), FULL),
        "scheme-not-in-force": (decision(10_00, ("Dee", "A/director"), on=date(2019, 1, 1)), FULL),
        "cumulative-over-limit": (
            decision(60_000_00, ("Dee", "A/director")),
            Context(HOLDINGS, prior_spend=50_000_00),
        ),
        "over-budget": (
            decision(60_000_00, ("Dee", "A/director")),
            Context(HOLDINGS, available_budget=1_000_00),
        ),
        "reserved-matter": (decision(0, ("Cee", "A/ceo"), kind="policy"), FULL),
        "conflicted": (
            decision(10_00, ("Dee", "A/director")),
            Context(HOLDINGS, declarations=[Declaration("Dee", "financial")]),
        ),
    }
    for code, (d, ctx) in cases.items():
        result = validate(d, ctx, GOV)
        assert not result.valid, code
        failed = {c.code: c for c in result.reasons}
        assert code in failed, (code, result.reasons)
        assert failed[code].sentence.endswith(".") and len(failed[code].sentence) > 30


def test_dual_sign_off_needs_the_second_signatory_who_held_the_post_that_day():
    ok = validate(decision(200_000_00, ("Dee", "A/director"), ("Gee", "A/finance")), FULL, GOV)
    assert ok.valid, ok.reasons
    wrong_day = validate(
        decision(200_000_00, ("Dee", "A/director"), ("Eff", "A/finance")), FULL, GOV
    )
    assert [c.code for c in wrong_day.reasons] == ["not-post-holder"]


def test_meeting_checks_members_quorum_and_conflicts():
    present = Meeting(
        (
            Decider("Chay", "A/chair"),
            Decider("Cee", "A/ceo"),
            Decider("Lay", "A/lay"),
            Decider("Dee", "A/director"),
        )
    )
    members = (("Chay", "A/chair"), ("Cee", "A/ceo"))
    ok = validate(
        decision(0, *members, kind="policy", body="board"),
        Context(HOLDINGS, meeting=present, declarations=[]),
        GOV,
    )
    assert ok.valid, ok.reasons
    attendee = validate(
        decision(0, ("Dee", "A/director"), kind="policy", body="board"),
        Context(HOLDINGS, meeting=present),
        GOV,
    )
    assert "attendee-not-member" in {c.code for c in attendee.reasons}
    conflicted_lay = Context(
        HOLDINGS, meeting=present, declarations=[Declaration("Lay", "non-financial personal")]
    )
    inquorate = validate(decision(0, *members, kind="policy", body="board"), conflicted_lay, GOV)
    [reason] = inquorate.reasons
    assert reason.code == "inquorate" and "a lay member" in reason.sentence


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_validation_agrees_with_routing_for_single_signatory_bands(amount, prior):
    """Whoever the route names as the sole decider is judged authorised for that amount."""
    assume(amount <= 100_000_00)
    r = route(Proposal("revenue_commitment", ON, (Commitment("A", amount),)), GOV)
    step = r.steps[-1]
    who = {"A/director": "Dee"}[step.taker.post]
    result = validate(decision(amount, (who, step.taker.post)), Context(HOLDINGS), GOV)
    assert (
        statuses(result)["over-limit"] is Status.PASSED
        and statuses(result)["not-authorised"] is Status.PASSED
    )
