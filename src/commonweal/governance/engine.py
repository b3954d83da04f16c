"""The decision-routing engine: who must decide this, and was this decision validly made?

Pure rules, no Django. Plain data in (schemes of reservation and delegation, bodies, post
holders, a proposal or a recorded decision), plain results out, each reason with a stable code,
the clause of the scheme that requires it, and a sentence a person can read.

Money is integer pence, VAT included. A band covers amounts above its `lower` limit up to and
including its `upper` limit; the first band of a decision type starts at zero and includes it
(policies and plans commit no money). A scheme's bands for a type are contiguous; above the top
band, if it has an upper limit, nobody may decide.

Meaning kept from DESIGN.md, "Contracts between capabilities":
- route(proposal) -> ordered steps per organisation (recommend, consult, decide, decide jointly),
  each with a stable id, the organisation, who takes it, the clause and a sentence; or an
  explicit "no one may decide this" with the reason.
- validate(decision, context) -> valid or not, with every check's code, status, clause and
  sentence; a check whose data the context lacks is "not checked", never "passed".
"""

import gc
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

# Decision types named by the seeds and DESIGN.md. Schemes may use others; these are the ones
# whose meaning the engine knows (policies and plans are decided by organisations' own bodies).
POLICY_TYPES = frozenset({"policy", "long_term_plan"})


def money(pence: int) -> str:
    pounds, rest = divmod(abs(pence), 100)
    text = f"£{pounds:,}" + (f".{rest:02d}" if rest else "")
    return ("-" if pence < 0 else "") + text


class StepKind(StrEnum):
    CONSULT = "consult"
    RECOMMEND = "recommend"
    DECIDE = "decide"
    DECIDE_JOINTLY = "decide_jointly"


class Condition(StrEnum):
    WITHIN_BUDGET = "within_budget"  # only within the budget available
    INCLUDES_VAT = "includes_vat"  # limits include VAT
    CUMULATIVE = "cumulative"  # limits apply to the cumulative cost of a project or contract


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"  # the context lacks the data for this check
    NOT_APPLICABLE = "not_applicable"  # e.g. quorum for a decision taken by an officer


class Voting(StrEnum):
    # Each executive decides for their own organisation (the Integrated Commissioning Executive).
    INDIVIDUAL = "individual"
    # A joint committee: one decision binding each member organisation, a block vote per
    # organisation, and no decision where the blocks disagree.
    BLOCK = "block"
    MAJORITY = "majority"
    CONSENSUS = "consensus"


@dataclass(frozen=True)
class Taker:
    """Who takes a step: a post, two posts (a dual sign-off band), or a body."""

    post: str | None = None
    body: str | None = None
    # A second signatory, any one of these posts (a dual sign-off band).
    second: tuple[str, ...] = ()

    def describe(self, names: Mapping[str, str]) -> str:
        if self.body:
            return names.get(self.body, self.body)
        first = names.get(self.post or "", self.post or "")
        if not self.second:
            return first
        others = " or ".join(names.get(p, p) for p in self.second)
        return f"{first} with {others}"


@dataclass(frozen=True)
class Band:
    lower: int  # exclusive, except a band starting at 0, which includes 0
    upper: int | None  # inclusive; None: no upper limit
    decider: Taker

    def covers(self, amount: int) -> bool:
        above = amount > self.lower or (self.lower == 0 and amount == 0)
        return above and (self.upper is None or amount <= self.upper)

    def describe(self) -> str:
        if self.upper is None:
            return f"over {money(self.lower)}" if self.lower else "any amount"
        if self.lower == 0:
            return f"up to {money(self.upper)}"
        return f"over {money(self.lower)} up to {money(self.upper)}"


@dataclass(frozen=True)
class Delegation:
    clause: str
    decision_type: str
    bands: tuple[Band, ...]
    footprint: str | None = None  # an area code: applies to proposals in that footprint
    recommend: tuple[Taker, ...] = ()
    consult: tuple[Taker, ...] = ()
    conditions: frozenset[Condition] = frozenset()
    text: str = ""

    def band_for(self, amount: int) -> int | None:
        """Index of the one band covering the amount, or None above the top band."""
        # Uppers strictly increase (the scheme is checked on load), so the first band whose
        # upper limit is at least the amount is the only one that can cover it.
        uppers = [b.upper if b.upper is not None else max(amount, b.lower + 1) for b in self.bands]
        i = bisect_left(uppers, amount)
        if i < len(self.bands) and self.bands[i].covers(amount):
            return i
        return None


@dataclass(frozen=True)
class Reservation:
    clause: str
    decision_types: frozenset[str]
    body: str
    recommend: tuple[Taker, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class OnwardDelegation:
    """A post delegates part of its authority to another post, within a limit."""

    clause: str
    from_post: str
    to_post: str
    decision_types: frozenset[str]
    limit: int
    footprint: str | None = None
    text: str = ""


@dataclass(frozen=True)
class Scheme:
    organisation: str
    version: str
    in_force_from: date
    in_force_to: date | None = None
    reservations: tuple[Reservation, ...] = ()
    delegations: tuple[Delegation, ...] = ()
    onward: tuple[OnwardDelegation, ...] = ()
    illustrative: bool = False
    title: str = ""

    def in_force(self, on: date) -> bool:
        return self.in_force_from <= on and (self.in_force_to is None or on <= self.in_force_to)

    def __post_init__(self) -> None:
        # Indexes for the engine's look-ups; a frozen dataclass sets them through object.
        reserved: dict[str, Reservation] = {}
        for r in self.reservations:
            for t in r.decision_types:
                reserved.setdefault(t, r)
        by_type: dict[str, list[Delegation]] = {}
        for d in self.delegations:
            by_type.setdefault(d.decision_type, []).append(d)
        object.__setattr__(self, "_reserved", reserved)
        object.__setattr__(self, "_by_type", by_type)

    def reservation_for(self, decision_type: str) -> Reservation | None:
        return self._reserved.get(decision_type)  # type: ignore[attr-defined,no-any-return]

    def delegation_for(
        self, decision_type: str, footprint_path: Sequence[str]
    ) -> Delegation | None:
        """The most specific delegation of this type for the footprint.

        `footprint_path` is the proposal's footprint and its ancestors, narrowest first; a
        delegation without a footprint applies everywhere, after any that name one.
        """
        best, best_rank = None, len(footprint_path) + 1
        for d in self._by_type.get(decision_type, ()):  # type: ignore[attr-defined]
            if d.footprint is None:
                rank = len(footprint_path)
            elif d.footprint in footprint_path:
                rank = footprint_path.index(d.footprint)
            else:
                continue
            if rank < best_rank:
                best, best_rank = d, rank
        return best


@dataclass(frozen=True)
class Quorum:
    number: int = 0
    # Each entry must be present: a post reference ("15N/clinical-chair") or a category that
    # some present member's post carries ("lay", "clinical").
    required: tuple[str, ...] = ()

    def describe(self, names: Mapping[str, str] | None = None) -> str:
        names = names or {}
        needs = [names.get(r, r) if "/" in r else f"a {r} member" for r in self.required]
        count = f"{self.number} members" if self.number else "no set number of members"
        if not needs:
            return count
        return f"{count}, including " + (
            " and ".join(needs) if len(needs) < 3 else ", ".join(needs[:-1]) + " and " + needs[-1]
        )


@dataclass(frozen=True)
class BodyFact:
    code: str
    name: str
    kind: str
    owners: tuple[str, ...]  # organisation codes
    voting: Voting = Voting.MAJORITY
    members: frozenset[str] = frozenset()  # post references: count for quorum, may decide
    attendees: frozenset[str] = frozenset()  # inform, never decide
    invited: frozenset[str] = frozenset()
    quorum: Quorum = Quorum()


@dataclass(frozen=True)
class Holding:
    person: str
    post: str
    starts: date | None = None
    ends: date | None = None
    acting: bool = False

    def on(self, when: date) -> bool:
        return (self.starts is None or self.starts <= when) and (
            self.ends is None or when <= self.ends
        )


@dataclass(frozen=True)
class Commitment:
    organisation: str
    amount: int  # pence, VAT included
    # Spend already committed by this organisation on the same project or contract, when known.
    prior: int | None = None


@dataclass(frozen=True)
class Proposal:
    decision_type: str
    on: date
    commitments: tuple[Commitment, ...]
    footprint_path: tuple[str, ...] = ()  # footprint first, then its ancestors
    project: str = ""
    title: str = ""


@dataclass(frozen=True)
class Step:
    id: str
    organisation: str
    kind: StepKind
    taker: Taker
    clause: str
    sentence: str
    # For a joint decision: the organisations whose block votes it binds.
    blocks: tuple[str, ...] = ()


@dataclass(frozen=True)
class OrganisationRoute:
    organisation: str
    steps: tuple[Step, ...]
    decidable: bool
    reason: str = ""  # why no one may decide, when not decidable
    scheme: str = ""  # the version of the scheme used
    illustrative: bool = False


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
        out = [s for o in self.organisations for s in o.steps]
        return (*out, *self.joint)


@dataclass
class Governance:
    """Everything the engine knows: schemes by organisation, bodies, and names for sentences."""

    schemes: Mapping[str, Sequence[Scheme]]  # organisation -> its versions
    bodies: Mapping[str, BodyFact] = field(default_factory=dict)
    names: Mapping[str, str] = field(default_factory=dict)  # posts, bodies, organisations
    # Categories a post carries, for quorum rules such as "a lay member" or "a clinician".
    categories: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._newest_first = {
            org: sorted(versions, key=lambda s: s.in_force_from, reverse=True)
            for org, versions in self.schemes.items()
        }

    def scheme_on(self, organisation: str, on: date) -> Scheme | None:
        for scheme in self._newest_first.get(organisation, ()):
            if scheme.in_force(on):
                return scheme
        return None

    def name(self, ref: str) -> str:
        return self.names.get(ref, ref)


def _step_id(org: str, clause: str, kind: StepKind, n: int = 0) -> str:
    return f"{org}.{clause}.{kind.value}" + (f".{n}" if n else "")


def route(proposal: Proposal, gov: Governance) -> Route:
    routes = [_route_one(c, proposal, gov) for c in proposal.commitments]
    joint: list[Step] = []
    # Where every organisation's decision falls to the same joint committee, it takes one
    # binding decision with a block vote for each organisation.
    deciding = [
        (r, r.steps[-1])
        for r in routes
        if r.decidable and r.steps and r.steps[-1].kind is StepKind.DECIDE
    ]
    bodies = {s.taker.body for _, s in deciding}
    if len(routes) > 1 and len(deciding) == len(routes) and len(bodies) == 1:
        body = gov.bodies.get(next(iter(bodies)) or "")
        if body is not None and body.voting is Voting.BLOCK:
            blocks = tuple(r.organisation for r, _ in deciding)
            clauses = ", ".join(f"{r.organisation} {s.clause}" for r, s in deciding)
            joint.append(
                Step(
                    id=f"joint.{body.code}.decide_jointly",
                    organisation="+".join(blocks),
                    kind=StepKind.DECIDE_JOINTLY,
                    taker=Taker(body=body.code),
                    clause=clauses,
                    sentence=(
                        f"{body.name} takes one decision binding "
                        + ", ".join(gov.name(o) for o in blocks)
                        + ", with a block vote for each; where the blocks disagree there is no decision."
                    ),
                    blocks=blocks,
                )
            )
            routes = [
                OrganisationRoute(r.organisation, r.steps[:-1], True, "", r.scheme, r.illustrative)
                for r in routes
            ]
    return Route(proposal, tuple(routes), tuple(joint))


def _nobody(org: str, reason: str, scheme: Scheme | None = None) -> OrganisationRoute:
    return OrganisationRoute(
        org,
        (),
        False,
        reason,
        scheme.version if scheme else "",
        bool(scheme and scheme.illustrative),
    )


def _route_one(c: Commitment, p: Proposal, gov: Governance) -> OrganisationRoute:
    org = c.organisation
    org_name = gov.name(org)
    scheme = gov.scheme_on(org, p.on)
    if scheme is None:
        return _nobody(
            org,
            f"No one may decide this for {org_name}: no scheme of delegation of theirs is in force on {p.on:%-d %B %Y}.",
        )
    steps: list[Step] = []
    reserved = scheme.reservation_for(p.decision_type)
    if reserved is not None:
        for n, taker in enumerate(reserved.recommend):
            steps.append(
                Step(
                    _step_id(org, reserved.clause, StepKind.RECOMMEND, n),
                    org,
                    StepKind.RECOMMEND,
                    taker,
                    reserved.clause,
                    f"{taker.describe(gov.names)} may contribute and recommend; it may not decide, "
                    f"because {reserved.clause} reserves {p.decision_type.replace('_', ' ')} decisions to "
                    f"{gov.name(reserved.body)}.",
                )
            )
        steps.append(
            Step(
                _step_id(org, reserved.clause, StepKind.DECIDE),
                org,
                StepKind.DECIDE,
                Taker(body=reserved.body),
                reserved.clause,
                f"{gov.name(reserved.body)} decides for {org_name}: {reserved.clause} reserves "
                f"{p.decision_type.replace('_', ' ')} decisions to it.",
            )
        )
        return OrganisationRoute(org, tuple(steps), True, "", scheme.version, scheme.illustrative)

    delegation = scheme.delegation_for(p.decision_type, p.footprint_path)
    if delegation is None:
        return _nobody(
            org,
            f"No one may decide this for {org_name}: its scheme ({scheme.version}) neither reserves "
            f"nor delegates decisions of the type '{p.decision_type}'.",
            scheme,
        )
    amount = c.amount
    measured = "the amount"
    if Condition.CUMULATIVE in delegation.conditions and c.prior:
        amount += c.prior
        measured = (
            f"the cumulative cost of {p.project or 'the project'} ({money(c.prior)} before this)"
        )
    i = delegation.band_for(amount)
    if i is None:
        top = delegation.bands[-1].upper
        return _nobody(
            org,
            f"No one may decide this for {org_name}: {measured}, {money(amount)}, is above the highest "
            f"limit in {delegation.clause} ({money(top or 0)}).",
            scheme,
        )
    band = delegation.bands[i]
    for kind, takers in (
        (StepKind.CONSULT, delegation.consult),
        (StepKind.RECOMMEND, delegation.recommend),
    ):
        for n, taker in enumerate(takers):
            verb = "is consulted" if kind is StepKind.CONSULT else "recommends"
            steps.append(
                Step(
                    _step_id(org, delegation.clause, kind, n),
                    org,
                    kind,
                    taker,
                    delegation.clause,
                    f"{taker.describe(gov.names)} {verb} before the decision ({delegation.clause}).",
                )
            )
    decider, clause = band.decider, f"{delegation.clause}.{i + 1}"
    why = f"{measured} ({money(amount)}) falls in the band {band.describe()} of {delegation.clause}"
    onward = _onward_for(scheme, decider, p.decision_type, amount, p.footprint_path)
    if onward is not None:
        why += f", and {onward.clause} delegates it onward from {gov.name(onward.from_post)}"
        decider, clause = Taker(post=onward.to_post), onward.clause
    conditions = _conditions_sentence(delegation.conditions)
    steps.append(
        Step(
            _step_id(org, clause, StepKind.DECIDE),
            org,
            StepKind.DECIDE,
            decider,
            clause,
            f"{decider.describe(gov.names)} {'decide' if decider.second else 'decides'} for {org_name}: {why}.{conditions}",
        )
    )
    return OrganisationRoute(org, tuple(steps), True, "", scheme.version, scheme.illustrative)


def _conditions_sentence(conditions: frozenset[Condition]) -> str:
    parts = []
    if Condition.WITHIN_BUDGET in conditions:
        parts.append("only within the budget available")
    if Condition.INCLUDES_VAT in conditions:
        parts.append("limits include VAT")
    if Condition.CUMULATIVE in conditions:
        parts.append("limits apply to the cumulative cost of the project or contract")
    return (" Conditions: " + "; ".join(parts) + ".") if parts else ""


def _onward_for(
    scheme: Scheme, decider: Taker, decision_type: str, amount: int, path: Sequence[str]
) -> OnwardDelegation | None:
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


# Validation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decider:
    person: str
    post: str


@dataclass(frozen=True)
class Decision:
    decision_type: str
    on: date
    organisation: str
    amount: int
    deciders: tuple[Decider, ...]
    body: str | None = None  # taken at a meeting of this body
    project: str = ""
    footprint_path: tuple[str, ...] = ()
    route_step: str = ""
    id: str = ""


@dataclass(frozen=True)
class Declaration:
    person: str
    interest: str  # financial, non-financial professional, non-financial personal, indirect
    conflicted: bool = True


@dataclass(frozen=True)
class Meeting:
    present: tuple[Decider, ...]  # who attended, in which post


@dataclass(frozen=True)
class Context:
    """What the caller knows. Anything left as None is reported as not checked."""

    holdings: Mapping[str, Sequence[Holding]] | None = None  # post -> holders over time
    prior_spend: int | None = None  # on the same project or contract, by this organisation
    available_budget: int | None = None
    meeting: Meeting | None = None
    declarations: Sequence[Declaration] | None = None


class Check:
    """One check's outcome. The sentence is written only when someone reads it: validating
    a hundred thousand decisions should not format a million sentences nobody looks at."""

    __slots__ = ("_sentence", "clause", "code", "status")

    def __init__(self, code: str, status: Status, clause: str, sentence: "str | Callable[[], str]"):
        self.code, self.status, self.clause, self._sentence = code, status, clause, sentence

    @property
    def sentence(self) -> str:
        if not isinstance(self._sentence, str):
            self._sentence = self._sentence()
        return self._sentence

    def __repr__(self) -> str:
        return f"Check({self.code!r}, {self.status.value!r}, {self.clause!r}, {self.sentence!r})"

    def as_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "status": self.status.value,
            "clause": self.clause,
            "sentence": self.sentence,
        }


class Validation:
    """The outcome of validating one decision: every check made, in order.

    Validating keeps only each check's code, status and clause; the sentences are written when
    `checks` or `reasons` are first read, by checking the decision again with words.
    """

    __slots__ = ("_checks", "_context", "_gov", "_raw", "decision")

    def __init__(
        self,
        decision: Decision,
        raw: "Sequence[tuple[str, str, str, Any]]",
        context: "Context | None" = None,
        gov: "Governance | None" = None,
    ):
        self.decision = decision
        self._raw = raw  # (code, status, clause, sentence, a function that writes it, or None)
        self._context, self._gov = context, gov
        self._checks: tuple[Check, ...] | None = None

    @property
    def checks(self) -> tuple[Check, ...]:
        if self._checks is None:
            raw = self._raw
            if (
                any(r[3] is None for r in raw)
                and self._context is not None
                and self._gov is not None
            ):
                raw = _checks(self.decision, self._context, self._gov, words=True)
            self._checks = tuple(
                Check(code, Status(status), clause, sentence)
                for code, status, clause, sentence in raw
            )
        return self._checks

    @property
    def valid(self) -> bool:
        return not any(r[1] == _FAILED for r in self._raw)

    @property
    def reasons(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status is Status.FAILED)


def validate(d: Decision, context: Context, gov: Governance) -> Validation:
    """Check a recorded decision. The sentences are written only when the checks are read."""
    return Validation(d, tuple(_checks(d, context, gov, words=False)), context, gov)


# Statuses as plain strings inside the engine: tuples of strings are invisible to Python's
# cyclic garbage collector, which matters when a hundred thousand results are kept.
_PASSED, _FAILED, _NOT_CHECKED, _NOT_APPLICABLE = (s.value for s in Status)


def _checks(
    d: Decision, context: Context, gov: Governance, words: bool
) -> list[tuple[str, str, str, Any]]:
    checks: list[tuple[str, str, str, Any]] = []
    add = checks.append
    org_name = gov.name(d.organisation)

    # Who held the posts that day.
    if not d.deciders and d.body is None:
        add(
            (
                "no-decider",
                _FAILED,
                "",
                ("The decision records nobody who took it.") if words else None,
            )
        )
    if context.holdings is None:
        add(
            (
                "not-post-holder",
                _NOT_CHECKED,
                "",
                ("Post holders were not given, so nobody's holding of their post was checked.")
                if words
                else None,
            )
        )
    else:
        for dd in d.deciders:
            held = False
            for h in context.holdings.get(dd.post, ()):
                if h.person == dd.person and h.on(d.on):
                    held = True
                    break
            if held:
                add(
                    (
                        "not-post-holder",
                        _PASSED,
                        "",
                        (
                            lambda dd=dd: (
                                f"{dd.person} held the post of {gov.name(dd.post)} on {_day(d.on)}."
                            )
                        )
                        if words
                        else None,
                    )
                )
            else:
                add(
                    (
                        "not-post-holder",
                        _FAILED,
                        "",
                        (
                            lambda dd=dd: (
                                f"{dd.person} did not hold the post of {gov.name(dd.post)} on {_day(d.on)}."
                            )
                        )
                        if words
                        else None,
                    )
                )

    scheme = gov.scheme_on(d.organisation, d.on)
    if scheme is None:
        add(
            (
                "scheme-not-in-force",
                _FAILED,
                "",
                (lambda: f"No scheme of delegation of {org_name} was in force on {_day(d.on)}.")
                if words
                else None,
            )
        )
        return checks
    add(
        (
            "scheme-not-in-force",
            _PASSED,
            "",
            (
                lambda: (
                    f"{scheme.title or 'The scheme'} ({scheme.version}) was in force on {_day(d.on)}."
                )
            )
            if words
            else None,
        )
    )

    reserved = scheme.reservation_for(d.decision_type)
    delegation = None if reserved else scheme.delegation_for(d.decision_type, d.footprint_path)
    if reserved is not None:
        if d.body == reserved.body:
            add(
                (
                    "reserved-matter",
                    _PASSED,
                    reserved.clause,
                    (
                        lambda: (
                            f"{gov.name(reserved.body)} took a decision {reserved.clause} reserves to it."
                        )
                    )
                    if words
                    else None,
                )
            )
        else:
            add(
                (
                    "reserved-matter",
                    _FAILED,
                    reserved.clause,
                    (
                        lambda: (
                            f"{reserved.clause} reserves {d.decision_type.replace('_', ' ')} decisions to {gov.name(reserved.body)}, but this was taken by {_who(d, gov)}."
                        )
                    )
                    if words
                    else None,
                )
            )
    elif delegation is None:
        add(
            (
                "not-authorised",
                _FAILED,
                "",
                (
                    lambda: (
                        f"The scheme ({scheme.version}) neither reserves nor delegates decisions of the type '{d.decision_type}', so nobody below the board was authorised."
                    )
                )
                if words
                else None,
            )
        )
    else:
        _authority(d, context, scheme, delegation, gov, add, words)

    _meeting_checks(d, context, gov, add, words)
    return checks


def validate_many(
    decisions: Iterable[Decision], context: Context, gov: Governance
) -> list[Validation]:
    """Validate many decisions against one context (re-checking a whole register, say).

    The results hold no reference cycles, so Python's cyclic garbage collector is paused
    while they are built: otherwise it rescans the growing heap again and again, and takes
    most of the time. Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [validate(d, context, gov) for d in decisions]
    finally:
        if was_enabled:
            gc.enable()


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def _who(d: Decision, gov: Governance) -> str:
    if d.body:
        return gov.name(d.body)
    return " and ".join(f"{x.person} ({gov.name(x.post)})" for x in d.deciders) or "nobody"


def _authority(
    d: Decision,
    context: Context,
    scheme: Scheme,
    delegation: Delegation,
    gov: Governance,
    add,  # type: ignore[no-untyped-def]
    words: bool,
) -> None:  # type: ignore[no-untyped-def]
    clause = delegation.clause
    amount = d.amount
    # The band under which the decider acts: the lowest band naming them that covers the amount,
    # since a post authorised for larger sums may decide smaller ones.
    posts = {x.post for x in d.deciders}
    named = [
        (i, b)
        for i, b in enumerate(delegation.bands)
        if (d.body is not None and b.decider.body == d.body)
        or (b.decider.post in posts and d.body is None)
    ]
    onward = None
    if not named and d.body is None:
        onward = next(
            (
                o
                for o in scheme.onward
                if o.to_post in posts
                and d.decision_type in o.decision_types
                and (o.footprint is None or o.footprint in d.footprint_path)
            ),
            None,
        )
    if not named and onward is None:
        add(
            (
                "not-authorised",
                _FAILED,
                clause,
                (
                    lambda: (
                        f"{_who(d, gov)} {'is' if d.body or len(d.deciders) == 1 else 'are'} not authorised by {clause} to take decisions of the type '{d.decision_type}'."
                    )
                )
                if words
                else None,
            )
        )
        return
    if onward is not None:
        limit: int | None = onward.limit
        band = None
        where = onward.clause
    else:
        covering = [(i, b) for i, b in named if b.upper is None or amount <= b.upper]
        if not covering:
            i, top_band = named[-1]
            add(
                (
                    "over-limit",
                    _FAILED,
                    f"{clause}.{i + 1}",
                    (
                        lambda: (
                            f"{money(amount)} is above the limit of {money(top_band.upper or 0)} within which {top_band.decider.describe(gov.names)} may decide under {clause}.{i + 1}."
                        )
                    )
                    if words
                    else None,
                )
            )
            return
        i, band = covering[0]
        limit, where = band.upper, f"{clause}.{i + 1}"
    add(
        (
            "not-authorised",
            _PASSED,
            where,
            (
                lambda: (
                    f"{_who(d, gov)} may take decisions of the type '{d.decision_type}' under {where}."
                )
            )
            if words
            else None,
        )
    )
    if limit is not None and amount > limit:
        add(
            (
                "over-limit",
                _FAILED,
                where,
                (lambda: f"{money(amount)} is above the limit of {money(limit)} under {where}.")
                if words
                else None,
            )
        )
    else:
        add(
            (
                "over-limit",
                _PASSED,
                where,
                (
                    lambda: (
                        f"{money(amount)} is within the limit{' of ' + money(limit) if limit is not None else ''} under {where}."
                    )
                )
                if words
                else None,
            )
        )

    if band is not None and band.decider.second:
        second = [
            x for x in d.deciders if x.post in band.decider.second and x.post != band.decider.post
        ]
        if second:
            add(
                (
                    "second-signatory-missing",
                    _PASSED,
                    where,
                    (
                        lambda: (
                            f"{second[0].person} ({gov.name(second[0].post)}) signed as the second signatory {where} requires."
                        )
                    )
                    if words
                    else None,
                )
            )
        else:
            needed = " or ".join(gov.name(p) for p in band.decider.second)
            add(
                (
                    "second-signatory-missing",
                    _FAILED,
                    where,
                    (lambda: f"{where} needs a second signatory, {needed}, and none signed.")
                    if words
                    else None,
                )
            )

    if Condition.CUMULATIVE in delegation.conditions and limit is not None:
        prior = context.prior_spend
        if prior is None:
            add(
                (
                    "cumulative-over-limit",
                    _NOT_CHECKED,
                    clause,
                    (
                        lambda: (
                            f"Spend already committed on {d.project or 'the project'} was not given, so the cumulative limit was not checked."
                        )
                    )
                    if words
                    else None,
                )
            )
        elif prior + amount > limit:
            add(
                (
                    "cumulative-over-limit",
                    _FAILED,
                    clause,
                    (
                        lambda: (
                            f"With {money(prior)} already committed on {d.project or 'the project'}, the cumulative cost {money(prior + amount)} is above the limit of {money(limit)}: {clause} applies limits to the cumulative cost, so orders may not be split to stay under them."
                        )
                    )
                    if words
                    else None,
                )
            )
        else:
            add(
                (
                    "cumulative-over-limit",
                    _PASSED,
                    clause,
                    (
                        lambda: (
                            f"The cumulative cost {money(prior + amount)} is within the limit of {money(limit)}."
                        )
                    )
                    if words
                    else None,
                )
            )

    if Condition.WITHIN_BUDGET in delegation.conditions:
        budget = context.available_budget
        if budget is None:
            add(
                (
                    "over-budget",
                    _NOT_CHECKED,
                    clause,
                    ("The available budget was not given, so spending within it was not checked.")
                    if words
                    else None,
                )
            )
        elif amount > budget:
            add(
                (
                    "over-budget",
                    _FAILED,
                    clause,
                    (
                        lambda: (
                            f"{money(amount)} is more than the {money(budget)} available in the budget; {clause} delegates only within the budget available."
                        )
                    )
                    if words
                    else None,
                )
            )
        else:
            add(
                (
                    "over-budget",
                    _PASSED,
                    clause,
                    (
                        lambda: (
                            f"{money(amount)} is within the {money(budget)} available in the budget."
                        )
                    )
                    if words
                    else None,
                )
            )


def _meeting_checks(d: Decision, context: Context, gov: Governance, add, words: bool) -> None:  # type: ignore[no-untyped-def]
    conflicted = set()
    if context.declarations is None:
        add(
            (
                "conflicted",
                _NOT_CHECKED,
                "",
                ("No declarations of interest were given, so conflicts were not checked.")
                if words
                else None,
            )
        )
    else:
        conflicted = {x.person for x in context.declarations if x.conflicted}
        deciding = {x.person for x in d.deciders}
        clash = sorted(deciding & conflicted)
        if clash:
            add(
                (
                    "conflicted",
                    _FAILED,
                    "",
                    (
                        lambda: (
                            f"{', '.join(clash)} declared a conflict of interest on this item and took part in the decision."
                        )
                    )
                    if words
                    else None,
                )
            )
        else:
            add(
                (
                    "conflicted",
                    _PASSED,
                    "",
                    ("No decider had declared a conflict of interest on this item.")
                    if words
                    else None,
                )
            )

    if d.body is None:
        add(
            (
                "inquorate",
                _NOT_APPLICABLE,
                "",
                ("An officer decision, taken outside a meeting: no quorum applies.")
                if words
                else None,
            )
        )
        return
    body = gov.bodies.get(d.body)
    body_code = d.body
    if body is None:
        add(
            (
                "attendee-not-member",
                _NOT_CHECKED,
                "",
                (lambda: f"{gov.name(body_code)} is not known, so its membership was not checked.")
                if words
                else None,
            )
        )
        add(
            (
                "inquorate",
                _NOT_CHECKED,
                "",
                (lambda: f"{gov.name(body_code)} is not known, so its quorum was not checked.")
                if words
                else None,
            )
        )
        return
    not_members = [x for x in d.deciders if x.post not in body.members]
    if not_members:
        who = ", ".join(
            f"{x.person} ({gov.name(x.post)}, {'an attendee' if x.post in body.attendees or x.post in body.invited else 'not a member'})"
            for x in not_members
        )
        add(
            (
                "attendee-not-member",
                _FAILED,
                "",
                (
                    lambda: (
                        f"Only members of {body.name} may decide; {who} may inform the decision but not take it."
                    )
                )
                if words
                else None,
            )
        )
    else:
        add(
            (
                "attendee-not-member",
                _PASSED,
                "",
                (lambda: f"Everyone who decided is a member of {body.name}.") if words else None,
            )
        )
    if context.meeting is None:
        add(
            (
                "inquorate",
                _NOT_CHECKED,
                "",
                (
                    lambda: (
                        f"Attendance at the meeting was not given, so {body.name}'s quorum was not checked."
                    )
                )
                if words
                else None,
            )
        )
        return
    counted = [
        x for x in context.meeting.present if x.post in body.members and x.person not in conflicted
    ]
    missing = _quorum_missing(body.quorum, counted, gov)
    if missing:
        add(
            (
                "inquorate",
                _FAILED,
                "",
                (
                    lambda: (
                        f"{body.name} was not quorate for this item: its quorum is {body.quorum.describe(gov.names)}, and {missing}. Members with a conflict on the item do not count."
                    )
                )
                if words
                else None,
            )
        )
    else:
        add(
            (
                "inquorate",
                _PASSED,
                "",
                (
                    lambda: (
                        f"{body.name} was quorate ({len(counted)} members counted; quorum {body.quorum.describe(gov.names)})."
                    )
                )
                if words
                else None,
            )
        )


def _quorum_missing(q: Quorum, present: Iterable[Decider], gov: Governance) -> str:
    present = list(present)
    if len(present) < q.number:
        return f"only {len(present)} counted"
    posts = {x.post for x in present}
    categories = {c for x in present for c in gov.categories.get(x.post, ())}
    for need in q.required:
        if need not in posts and need not in categories:
            return f"no {gov.name(need) if '/' in need else need} was present"
    return ""
