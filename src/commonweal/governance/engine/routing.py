"""Who must decide this, in which order, in each organisation, and why.

For each organisation committing money, its scheme in force that day decides the steps: a
reserved matter goes to the body it is reserved to (after any body consulted, then any that
recommends); otherwise the delegation for the proposal's footprint names the band, chosen from
the same total validation uses (this commitment plus what the project has already committed,
where the delegation's limits are cumulative), and an onward delegation passes it lower where
it applies. Where every organisation's decision falls to one joint committee voting in blocks,
it takes one decision binding them all.

Steps are consulted, then recommend, then decide: a body consulted gives its view to whoever
recommends, and the recommendation goes to the decider with that view (a council's policy: the
Health and Wellbeing Board is consulted, the Integrated Commissioning Executive recommends, the
Cabinet decides).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from commonweal.governance.engine import sentences as say
from commonweal.governance.engine.codes import Code
from commonweal.governance.engine.facts import (
    Commitment,
    Governance,
    OnwardDelegation,
    Proposal,
    Scheme,
    StepKind,
    Taker,
    Voting,
)
from commonweal.governance.engine.sentences import Sentence


@dataclass(frozen=True)
class Step:
    id: str  # stable: organisation, clause and kind
    organisation: str
    kind: StepKind
    taker: Taker
    clause: str
    words: Sentence
    # For a joint decision: the organisations whose block votes it binds.
    blocks: tuple[str, ...] = ()

    @property
    def sentence(self) -> str:
        return str(self.words)


@dataclass(frozen=True)
class OrganisationRoute:
    organisation: str
    steps: tuple[Step, ...]
    refusal: Sentence | None = None  # why no one may decide, when not decidable
    code: Code | None = None  # the refusal's code
    scheme: str = ""  # the version of the scheme used
    illustrative: bool = False
    # The total the band was chosen from: this commitment, plus the project's prior spend
    # where the limits are cumulative. Validation chooses from the same total.
    measured: int = 0

    @property
    def decidable(self) -> bool:
        return self.refusal is None

    @property
    def reason(self) -> str:
        return str(self.refusal) if self.refusal else ""


@dataclass(frozen=True)
class Route:
    proposal: Proposal
    organisations: tuple[OrganisationRoute, ...]
    joint: tuple[Step, ...] = ()

    @property
    def decidable(self) -> bool:
        return all(o.decidable for o in self.organisations)

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every step in order: each organisation's own steps, then any joint decision."""
        return (*(s for o in self.organisations for s in o.steps), *self.joint)


def route(proposal: Proposal, gov: Governance) -> Route:
    routes = [_route_one(c, proposal, gov) for c in proposal.commitments]
    # Where every organisation's decision falls to the same joint committee, it takes one
    # binding decision with a block vote for each organisation.
    last = [r.steps[-1] for r in routes if r.decidable]
    bodies = {s.taker.body for s in last}
    if len(routes) > 1 and len(last) == len(routes) and len(bodies) == 1:
        body = gov.bodies.get(next(iter(bodies)) or "")
        if body is not None and body.voting is Voting.BLOCK:
            blocks = tuple(r.organisation for r in routes)
            joint = Step(
                id=f"joint.{body.code}.{StepKind.DECIDE_JOINTLY.value}",
                organisation="+".join(blocks),
                kind=StepKind.DECIDE_JOINTLY,
                taker=Taker(body=body.code),
                clause=", ".join(f"{s.organisation} {s.clause}" for s in last),
                words=say.say(say.JOINT_DECIDES, gov.names, body=body.code, blocks=blocks),
                blocks=blocks,
            )
            own = [
                OrganisationRoute(
                    r.organisation, r.steps[:-1], None, None, r.scheme, r.illustrative, r.measured
                )
                for r in routes
            ]
            return Route(proposal, tuple(own), (joint,))
    return Route(proposal, tuple(routes))


def _step(org: str, clause: str, kind: StepKind, taker: Taker, words: Sentence, n: int = 0) -> Step:
    return Step(
        f"{org}.{clause}.{kind.value}" + (f".{n}" if n else ""), org, kind, taker, clause, words
    )


def _route_one(c: Commitment, p: Proposal, gov: Governance) -> OrganisationRoute:
    org, names = c.organisation, gov.names
    scheme = gov.scheme_on(org, p.on)
    if scheme is None:
        return OrganisationRoute(
            org, (), say.say(say.NO_SCHEME, names, org=org, on=p.on), Code.SCHEME_NOT_IN_FORCE
        )
    version, illustrative = scheme.version, scheme.illustrative
    prior = c.prior or 0
    reserved = scheme.reservation_for(p.decision_type)
    if reserved is not None and reserved.reserves(c.amount, c.amount + prior):
        body = Taker(body=reserved.body)
        common = {
            "clause": reserved.clause,
            "type": p.decision_type,
            "body": reserved.body,
            "threshold": (reserved.over, reserved.cumulative),
        }
        steps = [
            _step(org, reserved.clause, kind, t, say.say(template, names, taker=t, **common), n)
            for kind, takers, template in (
                (StepKind.CONSULT, reserved.consult, say.RESERVED_CONSULTS),
                (StepKind.RECOMMEND, reserved.recommend, say.RESERVED_RECOMMENDS),
            )
            for n, t in enumerate(takers)
        ]
        total = c.amount + prior if reserved.cumulative else c.amount
        if reserved.over is None:
            decides = say.say(say.RESERVED_DECIDES, names, org=org, **common)
        else:
            measure = (p.project, prior if reserved.cumulative else 0, total)
            decides = say.say(say.RESERVED_ABOVE_DECIDES, names, org=org, measure=measure, **common)
        steps.append(_step(org, reserved.clause, StepKind.DECIDE, body, decides))
        return OrganisationRoute(org, tuple(steps), None, None, version, illustrative, total)

    delegation = scheme.delegation_for(p.decision_type, p.footprint_path)
    if delegation is None:
        return OrganisationRoute(
            org,
            (),
            say.say(say.NOT_DELEGATED, names, org=org, version=version, type=p.decision_type),
            Code.NOT_AUTHORISED,
            version,
            illustrative,
        )
    cumulative = delegation.cumulative
    measured = c.amount + prior if cumulative else c.amount
    how = (p.project, prior if cumulative else 0, measured)
    i = delegation.band_for(measured)
    if i is None:
        refusal = say.say(
            say.ABOVE_TOP_BAND,
            names,
            org=org,
            measure=how,
            clause=delegation.clause,
            top=delegation.bands[-1].upper,
            # The clause's own words often say where such a decision goes instead.
            text=f" {delegation.clause}: {delegation.text}" if delegation.text else "",
        )
        return OrganisationRoute(org, (), refusal, Code.OVER_LIMIT, version, illustrative, measured)
    band = delegation.bands[i]
    decider, clause = band.decider, delegation.band_clauses[i]
    conditions = tuple(sorted(delegation.conditions))
    onward = onward_for(scheme, decider, p.decision_type, measured, p.footprint_path)
    facts = {
        "org": org,
        "measure": how,
        "band": clause,
        "conditions": conditions,
    }
    if onward is None:
        decides = say.say(
            say.DELEGATED_DECIDES, names, decider=decider, clause=delegation.clause, **facts
        )
    else:
        decider, clause = Taker(post=onward.to_post), onward.clause
        decides = say.say(
            say.ONWARD_DECIDES,
            names,
            decider=decider,
            clause=delegation.clause,
            onward=onward.clause,
            source=onward.from_post,
            **facts,
        )
    steps = [
        _step(
            org,
            delegation.clause,
            kind,
            t,
            say.say(template, names, taker=t, decider=decider, clause=delegation.clause),
            n,
        )
        for kind, takers, template in (
            (StepKind.CONSULT, delegation.consult, say.DELEGATION_CONSULTS),
            (StepKind.RECOMMEND, delegation.recommend, say.DELEGATION_RECOMMENDS),
        )
        for n, t in enumerate(takers)
    ]
    steps.append(_step(org, clause, StepKind.DECIDE, decider, decides))
    return OrganisationRoute(org, tuple(steps), None, None, version, illustrative, measured)


def onward_for(
    scheme: Scheme, decider: Taker, decision_type: str, amount: int, path: Sequence[str]
) -> OnwardDelegation | None:
    """The onward delegation that passes a band's decision lower, where one applies (decisions
    at the lowest competent level); never for a body or a dual sign-off band."""
    if decider.post is None or decider.second:
        return None
    for o in scheme.onward:
        if (
            o.from_post == decider.post
            and decision_type in o.decision_types
            and amount <= o.limit
            and (o.footprint is None or o.footprint in path)
        ):
            return o
    return None
