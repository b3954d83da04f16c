"""Properties of routing and validation, on schemes generated with hypothesis: bands (some dual
sign-off, some to bodies), place delegations selected by footprint, onward delegations, and
reservations at any amount or above a threshold (some by cumulative cost)."""

from datetime import date

from hypothesis import event, given, settings
from hypothesis import strategies as st

from commonweal.governance.engine import (
    Band,
    BodyFact,
    Code,
    Commitment,
    Condition,
    Context,
    Decider,
    Decision,
    Delegation,
    Governance,
    OnwardDelegation,
    Part,
    Proposal,
    Reservation,
    Scheme,
    Status,
    StepKind,
    Taker,
    Voting,
    route,
    validate,
)

ORGS = ("A", "B")
TYPES = ("revenue_commitment", "contract_award", "policy")
PLACES = ("north", "south")
PATHS = ((), ("north", "county"), ("south", "county"), ("county",), ("east", "county"))
ON = date(2021, 6, 1)
BODIES = {
    "A-board": BodyFact("A-board", "Board A", "board", ("A",)),
    "B-board": BodyFact("B-board", "Board B", "board", ("B",)),
    "jc": BodyFact("jc", "Joint Committee", "joint_committee", ORGS, Voting.BLOCK),
}
# The checks that say whether the deciders had authority for this type, amount and footprint.
AUTHORITY = {
    Code.SCHEME_NOT_IN_FORCE,
    Code.RESERVED_MATTER,
    Code.NOT_AUTHORISED,
    Code.OVER_LIMIT,
    Code.SECOND_SIGNATORY_MISSING,
    Code.CUMULATIVE_OVER_LIMIT,
}
# Limits and amounts mostly on a coarse grid, so that amounts land on, just under and just over
# limits, and prior spend pushes the total across them.
LIMITS = st.integers(1, 40).map(lambda k: k * 25_000) | st.integers(1, 10**6)
AMOUNTS = st.integers(0, 48).map(lambda k: k * 25_000) | st.integers(0, 12 * 10**5)
PRIORS = st.integers(0, 20).map(lambda k: k * 25_000) | st.integers(0, 10**6)


def posts(org):
    return [f"{org}/p{i}" for i in range(4)]


@st.composite
def takers(draw, org):
    kind = draw(st.sampled_from(["post", "post", "dual", "body"]))
    if kind == "body":
        return Taker(body=draw(st.sampled_from([f"{org}-board", "jc"])))
    lead = draw(st.sampled_from(posts(org)))
    if kind == "post":
        return Taker(post=lead)
    others = [p for p in posts(org) if p != lead]
    second = draw(st.lists(st.sampled_from(others), min_size=1, max_size=2, unique=True))
    return Taker(post=lead, second=tuple(second))


@st.composite
def bands(draw, org="X", cap=None):
    """Contiguous bands from zero, strictly increasing: up to `cap` where a reservation above
    an amount caps them, otherwise the last perhaps unbounded."""
    uppers = sorted(draw(st.sets(LIMITS, min_size=1, max_size=5)))
    if cap is not None:
        uppers = sorted({u for u in uppers if u < cap} | {cap})
    out, lower = [], 0
    for upper in uppers:
        out.append(Band(lower, upper, draw(takers(org))))
        lower = upper
    if cap is None and draw(st.booleans()):
        out.append(Band(lower, None, draw(takers(org))))
    return tuple(out)


@st.composite
def schemes(draw, org):
    """A scheme that the loading rules accept (see documents.check_scheme)."""
    reservations, delegations = [], []
    for kind in sorted(draw(st.sets(st.sampled_from(TYPES), min_size=2))):
        how = draw(st.sampled_from(["delegated", "reserved", "reserved over"]))
        cap, reserved_cumulative = None, False
        if how != "delegated":
            cap = draw(LIMITS) if how == "reserved over" else None
            reserved_cumulative = cap is not None and draw(st.booleans())
            body = draw(st.sampled_from([f"{org}-board", "jc"]))
            reservations.append(
                Reservation(
                    f"R-{kind}", frozenset({kind}), body, over=cap, cumulative=reserved_cumulative
                )
            )
            if cap is None:
                continue
        for footprint in [None, *sorted(draw(st.sets(st.sampled_from(PLACES))))]:
            # Cumulative limits under a reservation by amount need it to count cumulatively too.
            cumulative = draw(st.booleans()) and (cap is None or reserved_cumulative)
            delegations.append(
                Delegation(
                    f"D-{kind}-{footprint}",
                    kind,
                    draw(bands(org, cap)),
                    footprint=footprint,
                    conditions=frozenset({Condition.CUMULATIVE}) if cumulative else frozenset(),
                )
            )
    # Onward delegation from a post that decides alone somewhere, within the most it may decide
    # for the type in any of its delegations (as the loading rules allow).
    sole = [(d, b) for d in delegations for b in d.bands if b.decider.post and not b.decider.second]
    onward = []
    for n, (d, b) in enumerate(draw(st.lists(st.sampled_from(sole), max_size=3)) if sole else []):
        own = [
            x.upper
            for e in delegations
            if e.decision_type == d.decision_type
            for x in e.bands
            if x.decider.post == b.decider.post
        ]
        most = None if None in own else max(u for u in own if u is not None)
        onward.append(
            OnwardDelegation(
                f"O{n}",
                b.decider.post,
                draw(st.sampled_from([p for p in posts(org) if p != b.decider.post])),
                frozenset({d.decision_type}),
                draw(st.integers(1, most or 10**6)),
                footprint=draw(st.sampled_from([None, *PLACES])),
            )
        )
    start = draw(st.sampled_from([date(2020, 4, 1), date(2021, 4, 1)]))
    return Scheme(org, "v1", start, None, tuple(reservations), tuple(delegations), tuple(onward))


@st.composite
def governance(draw):
    return Governance({org: [draw(schemes(org))] for org in ORGS}, BODIES)


@st.composite
def proposals(draw, start=date(2020, 1, 1)):
    commitments = tuple(
        Commitment(org, draw(AMOUNTS), draw(st.none() | PRIORS))
        for org in draw(st.lists(st.sampled_from(ORGS), min_size=1, max_size=2, unique=True))
    )
    return Proposal(
        draw(st.sampled_from(TYPES)),
        draw(st.dates(start, date(2022, 1, 1))),
        commitments,
        draw(st.sampled_from(PATHS)),
        project="P",
    )


# Bands ----------------------------------------------------------------------------------


@given(bands(), st.integers(0, 2 * 10**6))
def test_exactly_one_band_applies_to_any_covered_amount(bs, amount):
    covering = [b for b in bs if b.covers(amount)]
    d = Delegation("D1", "revenue_commitment", bs)
    if bs[-1].upper is None or amount <= bs[-1].upper:
        assert len(covering) == 1 and bs[d.band_for(amount)] is covering[0]
    else:
        assert covering == [] and d.band_for(amount) is None


@given(bands(), st.integers(0, 2 * 10**6), st.integers(0, 2 * 10**6))
def test_raising_the_amount_never_selects_a_band_with_a_lower_limit(bs, a, b):
    low, high = sorted((a, b))
    d = Delegation("D1", "revenue_commitment", bs)
    i, j = d.band_for(low), d.band_for(high)
    if j is not None:
        assert i is not None and i <= j
        assert (bs[i].upper or 10**18) <= (bs[j].upper or 10**18)


# Routes ---------------------------------------------------------------------------------


@given(governance(), proposals())
def test_every_route_ends_in_a_decider_or_says_no_one_may_decide(gov, proposal):
    result = route(proposal, gov)
    assert len(result.organisations) == len(proposal.commitments)
    for org in result.organisations:
        if org.decidable:
            assert org.steps or result.joint
            if not result.joint:
                assert org.steps[-1].kind is StepKind.DECIDE
            # Consulted, then recommending, then deciding.
            order = [s.kind for s in org.steps]
            assert order == sorted(order, key=list(StepKind).index)
        else:
            assert org.steps == () and org.reason.startswith("No one may decide this")
            assert org.code in {Code.SCHEME_NOT_IN_FORCE, Code.NOT_AUTHORISED, Code.OVER_LIMIT}
    for step in result.steps:
        assert (step.taker.post or step.taker.body) and step.clause
        assert step.sentence.endswith(".") and "{" not in step.sentence
    ids = [s.id for s in result.steps]
    assert len(ids) == len(set(ids)), "step ids are unique"
    assert route(proposal, gov) == result, "routing is deterministic"
    assert hash(route(proposal, gov)) == hash(result), "routes are plain values"


# Route = validate -----------------------------------------------------------------------


def _authority(part_checks):
    return {c.code: c.status for c in part_checks if c.code in AUTHORITY}


def _holds(statuses):
    """No authority check failed, and one established the authority."""
    return Status.FAILED not in statuses.values() and Status.PASSED in (
        statuses.get(Code.NOT_AUTHORISED),
        statuses.get(Code.RESERVED_MATTER),
    )


@settings(max_examples=400)
@given(governance(), proposals(start=date(2021, 4, 1)), st.data())
def test_what_the_route_says_validate_accepts(gov, proposal, data):
    """A decision made by exactly the route's deciders for each organisation, with the prior
    spend the route used, passes every authority check."""
    result = route(proposal, gov)
    amounts = {c.organisation: c.amount for c in proposal.commitments}
    parts = []
    for org in result.organisations:
        if org.decidable and not result.joint:
            taker = org.steps[-1].taker
            deciders: tuple[Decider, ...] = ()
            if taker.post:
                chosen = [
                    taker.post,
                    *([data.draw(st.sampled_from(taker.second))] if taker.second else []),
                ]
                deciders = tuple(Decider(f"holder of {p}", p) for p in chosen)
            parts.append(Part(org.organisation, amounts[org.organisation], deciders, taker.body))
    for joint in result.joint:
        parts.extend(Part(org, amounts[org], body=joint.taker.body) for org in joint.blocks)
    prior = {c.organisation: c.prior for c in proposal.commitments if c.prior is not None}
    decision = Decision(
        proposal.decision_type,
        proposal.on,
        tuple(parts),
        project=proposal.project,
        footprint_path=proposal.footprint_path,
    )
    checked = validate(decision, Context(prior_spend=prior), gov)
    event(f"parts: {len(parts)}; joint: {bool(result.joint)}")
    for part in checked.parts:
        assert _holds(_authority(part.checks)), part.checks


def authorised(scheme, kind, amount, prior, path, posts_, body):
    """What the scheme gives, read straight from it: whether these posts (or this body) may
    take this decision, for this amount and prior spend, in this footprint."""
    reservation = next((r for r in scheme.reservations if kind in r.decision_types), None)
    if reservation is not None:
        if body == reservation.body:
            return True  # reserved to it above an amount, it may decide smaller ones too
        measured = amount + prior if reservation.cumulative else amount
        if reservation.over is None or measured > reservation.over:
            return False
    candidates = [
        d
        for d in scheme.delegations
        if d.decision_type == kind and (d.footprint is None or d.footprint in path)
    ]
    if not candidates:
        return False
    d = min(candidates, key=lambda d: path.index(d.footprint) if d.footprint else len(path))
    measured = amount + prior if Condition.CUMULATIVE in d.conditions else amount

    def reaches(band):
        return band.upper is None or measured <= band.upper

    for band in d.bands:
        t = band.decider
        if body is not None and t.body == body and reaches(band):
            return True
        signed = not t.second or (set(t.second) - {t.post}) & posts_
        if body is None and t.post in posts_ and signed and reaches(band):
            return True
    return body is None and any(
        o.to_post in posts_
        and kind in o.decision_types
        and (o.footprint is None or o.footprint in path)
        and measured <= o.limit
        and any(
            b.decider.post == o.from_post and not b.decider.second and reaches(b) for b in d.bands
        )
        for o in scheme.onward
    )


@st.composite
def deciders_for(draw, scheme):
    """Posts or a body: often ones the scheme names somewhere, sometimes anyone."""
    named_posts = sorted(
        {
            p
            for d in scheme.delegations
            for b in d.bands
            for p in (b.decider.post, *b.decider.second)
            if p
        }
        | {o.to_post for o in scheme.onward}
    )
    all_posts = posts("A") + posts("B")
    delegates = sorted({o.to_post for o in scheme.onward})
    how = draw(st.integers(0, 4))
    if how == 0:
        return (), draw(st.sampled_from(sorted(BODIES)))
    if how == 1 and delegates:
        return (draw(st.sampled_from(delegates)),), None
    pool = named_posts if named_posts and how > 2 else all_posts
    return tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))), None


@settings(max_examples=1000)
@given(governance(), st.data())
def test_validate_accepts_exactly_the_deciders_the_scheme_authorises(gov, data):
    """No decider to whom the scheme gives no authority passes; and a higher authority may
    still decide a smaller sum."""
    [scheme] = gov.schemes["A"]
    delegated = sorted({d.decision_type for d in scheme.delegations})
    kind = data.draw(
        st.sampled_from(delegated)
        if delegated and data.draw(st.booleans())
        else st.sampled_from(TYPES)
    )
    path = data.draw(st.sampled_from(PATHS))
    amount, prior = data.draw(AMOUNTS), data.draw(PRIORS)
    posts_, body = data.draw(deciders_for(scheme))
    part = Part("A", amount, tuple(Decider(f"holder of {p}", p) for p in posts_), body)
    decision = Decision(kind, ON, (part,), project="P", footprint_path=path)
    [checked] = validate(decision, Context(prior_spend={"A": prior}), gov).parts
    expected = authorised(scheme, kind, amount, prior, path, set(posts_), body)
    event(f"authorised: {expected}")
    assert _holds(_authority(checked.checks)) == expected, (expected, checked.checks)
