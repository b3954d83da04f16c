"""What the engine reasons about: schemes, bodies, post holders, proposals and decisions.

Plain frozen data, built by the caller (from YAML documents or the database). Money is integer
pence, VAT included. People are stable keys (`alex-morgan`), posts `ORGANISATION/post-code`,
bodies their codes; `Governance.names` gives the display name of each, for sentences.

A band covers amounts above its `lower` limit up to and including its `upper` limit; the first
band of a decision type starts at zero and includes it (policies and plans commit no money). A
scheme's bands for a type are contiguous; above a bounded top band nobody may decide.
"""

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from commonweal.core.dates import in_force


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
    # A meeting of decision makers (the Integrated Commissioning Executive): it decides nothing
    # itself; each executive decides for their own organisation under its scheme.
    INDIVIDUAL = "individual"
    # A joint committee: one decision binding each member organisation, each organisation's
    # members voting as a block, and no decision where the blocks disagree.
    BLOCK = "block"
    MAJORITY = "majority"  # a simple majority of votes cast
    CONSENSUS = "consensus"  # no vote is taken


class Vote(StrEnum):
    FOR = "for"
    AGAINST = "against"


def organisation_of(post: str) -> str:
    """The organisation a post belongs to: "15N/accountable-officer" -> "15N"."""
    return post.partition("/")[0]


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
        return f"{first} with " + " or ".join(names.get(p, p) for p in self.second)


@dataclass(frozen=True)
class Band:
    lower: int  # exclusive, except a band starting at 0, which includes 0
    upper: int | None  # inclusive; None: no upper limit
    decider: Taker

    def covers(self, amount: int) -> bool:
        above = amount > self.lower or (self.lower == 0 and amount == 0)
        return above and (self.upper is None or amount <= self.upper)


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
    # The conditions as flags, read for every decision (an enum's hash is slow).
    cumulative: bool = field(init=False, repr=False, compare=False)
    within_budget: bool = field(init=False, repr=False, compare=False)
    # Each band's clause: the delegation's clause and the band's place in it (D1.2).
    band_clauses: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        clauses = tuple(f"{self.clause}.{i + 1}" for i in range(len(self.bands)))
        object.__setattr__(self, "band_clauses", clauses)
        object.__setattr__(self, "cumulative", Condition.CUMULATIVE in self.conditions)
        object.__setattr__(self, "within_budget", Condition.WITHIN_BUDGET in self.conditions)
        # Which bands name each post as their lead, and each body: validation looks at those.
        led_by: dict[str, list[int]] = {}
        for i, b in enumerate(self.bands):
            key = b.decider.post if b.decider.post is not None else f"body:{b.decider.body}"
            led_by.setdefault(key, []).append(i)
        object.__setattr__(self, "_led_by", {k: tuple(v) for k, v in led_by.items()})

    def bands_naming(self, taker: str, body: bool = False) -> tuple[int, ...]:
        """The indexes of the bands naming this post as their lead (or this body)."""
        return self._led_by.get(f"body:{taker}" if body else taker, ())  # type: ignore[attr-defined,no-any-return]

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
    """Decision types reserved to a body; perhaps only above an amount ("contracts over
    £500,000 are reserved to the Governing Body"), below which the types may be delegated."""

    clause: str
    decision_types: frozenset[str]
    body: str
    recommend: tuple[Taker, ...] = ()
    text: str = ""
    consult: tuple[Taker, ...] = ()
    over: int | None = None  # reserved only above this amount (pence); None: any amount
    cumulative: bool = False  # the amount is the project's cumulative cost

    def reserves(self, amount: int, total: int) -> bool:
        """Whether a decision of this amount (this one alone, and with what the project has
        already committed) is reserved."""
        return self.over is None or (total if self.cumulative else amount) > self.over


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
        return in_force(on, self.in_force_from, self.in_force_to)

    def __post_init__(self) -> None:
        # Indexes for the engine's look-ups; a frozen dataclass sets them through object.
        reserved: dict[str, Reservation] = {}
        for r in self.reservations:
            for t in r.decision_types:
                reserved.setdefault(t, r)
        by_type: dict[str, list[Delegation]] = {}
        for d in self.delegations:
            by_type.setdefault(d.decision_type, []).append(d)
        onward_to: dict[str, list[OnwardDelegation]] = {}
        for o in self.onward:
            onward_to.setdefault(o.to_post, []).append(o)
        object.__setattr__(self, "_reserved", reserved)
        object.__setattr__(self, "_by_type", by_type)
        object.__setattr__(self, "_onward_to", onward_to)
        object.__setattr__(self, "_chosen", {})

    def reservation_for(self, decision_type: str) -> Reservation | None:
        return self._reserved.get(decision_type)  # type: ignore[attr-defined,no-any-return]

    def onward_to(self, post: str) -> Sequence[OnwardDelegation]:
        return self._onward_to.get(post, ())  # type: ignore[attr-defined,no-any-return]

    def delegation_for(
        self, decision_type: str, footprint_path: tuple[str, ...]
    ) -> Delegation | None:
        """The most specific delegation of this type for the footprint.

        `footprint_path` is the proposal's footprint and its ancestors, narrowest first; a
        delegation without a footprint applies everywhere, after any that name one.
        """
        key = (decision_type, footprint_path)
        chosen: dict[tuple[str, tuple[str, ...]], Delegation | None] = self._chosen  # type: ignore[attr-defined]
        if key in chosen:
            return chosen[key]
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
        chosen[key] = best
        return best


@dataclass(frozen=True)
class Quorum:
    number: int = 0
    # Each entry must be present: a post reference ("15N/clinical-chair") or a category that
    # some present member's post carries ("lay", "clinical").
    required: tuple[str, ...] = ()
    # Where members vote in blocks (a joint committee): how many of each organisation's
    # members must be present, not conflicted, for its block to vote.
    block: int = 0


@dataclass(frozen=True)
class BodyFact:
    code: str
    name: str
    kind: str
    owners: tuple[str, ...]  # organisation codes
    voting: Voting = Voting.MAJORITY
    members: frozenset[str] = frozenset()  # post references: count for quorum, may decide
    attendees: frozenset[str] = frozenset()  # inform, never decide
    invited: frozenset[str] = frozenset()  # invited as the agenda needs; never decide
    quorum: Quorum = Quorum()
    casting_vote: bool = False  # the chair has a second or casting vote on a tie


@dataclass(frozen=True)
class Holding:
    person: str  # a person's key
    post: str
    starts: date | None = None
    ends: date | None = None
    acting: bool = False

    def on(self, when: date) -> bool:
        return in_force(when, self.starts, self.ends)


# Routing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Commitment:
    organisation: str
    amount: int  # pence, VAT included
    # Spend already committed by this organisation on the same project or contract (its
    # recorded valid decisions), when known; None: not known, and the band is chosen from
    # this amount alone.
    prior: int | None = None


@dataclass(frozen=True)
class Proposal:
    decision_type: str
    on: date
    commitments: tuple[Commitment, ...]
    footprint_path: tuple[str, ...] = ()  # footprint first, then its ancestors
    project: str = ""
    title: str = ""


# Validation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Decider:
    """A person in a post: who decided, or who was present at a meeting."""

    person: str  # a person's key
    post: str


@dataclass(frozen=True)
class Votes:
    """Votes cast on an item: by a voting body, or by one organisation's block at a joint
    committee."""

    in_favour: int
    against: int
    abstentions: int = 0
    casting_vote: Vote | None = None  # the chair's, on a tie


@dataclass(frozen=True)
class Part:
    """One organisation's part of a decision: its money, who decided it for the organisation,
    and whether the organisation consented.

    An officer decision, or an executive's at a meeting of decision makers, names its deciders
    and no body. A part decided by a body (a governing body, a cabinet, a member body of
    committees in common, a joint committee) names the body; its deciders, if recorded, are
    the members who took it, and `votes` the votes cast (at a joint committee, this
    organisation's block).
    """

    organisation: str
    amount: int  # pence, VAT included
    deciders: tuple[Decider, ...] = ()
    body: str | None = None
    route_step: str = ""
    consent: bool = True
    votes: Votes | None = None


@dataclass(frozen=True)
class Decision:
    decision_type: str
    on: date
    parts: tuple[Part, ...]
    meeting: str | None = None  # the body at whose meeting it was taken; None: by an officer
    project: str = ""
    footprint_path: tuple[str, ...] = ()
    id: str = ""


@dataclass(frozen=True)
class Declaration:
    person: str  # a person's key
    interest: str  # financial, non-financial professional, non-financial personal, indirect
    conflicted: bool = True  # a conflicted person leaves the item or stays without deciding


@dataclass(frozen=True)
class Meeting:
    present: tuple[Decider, ...]  # who attended, in which post

    def __post_init__(self) -> None:
        by_post: dict[str, list[str]] = {}
        for x in self.present:
            by_post.setdefault(x.post, []).append(x.person)
        object.__setattr__(self, "_by_post", by_post)
        object.__setattr__(self, "_counted", {})

    def counted(
        self, members: frozenset[str], conflicted: frozenset[str], organisation: str = ""
    ) -> tuple[int, frozenset[str]]:
        """How many of these members present count towards a quorum, and the posts they fill:
        a member post is one seat (two people claiming it count once) and a person one member
        (one holding two posts counts once), none with a conflict on the item; only one
        organisation's members when it is given (a block). The largest such pairing of people
        to posts is counted. Kept, since every item of a meeting asks again."""
        key = (members, conflicted, organisation)
        found: tuple[int, frozenset[str]] | None = self._counted.get(key)  # type: ignore[attr-defined]
        if found is None:
            by_post: dict[str, list[str]] = self._by_post  # type: ignore[attr-defined]
            seats = {
                post: [x for x in by_post.get(post, ()) if x not in conflicted]
                for post in sorted(members)
                if not organisation or organisation_of(post) == organisation
            }
            filled = _pair(seats)
            found = (len(filled), frozenset(filled.values()))
            self._counted[key] = found  # type: ignore[attr-defined]
        return found


def _pair(seats: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The largest pairing of people to the posts they sit in (person -> post), each used once:
    Kuhn's augmenting paths, small enough for any meeting."""
    holder: dict[str, str] = {}  # person -> post

    def seat(post: str, seen: set[str]) -> bool:
        for person in seats[post]:
            if person in seen:
                continue
            seen.add(person)
            if person not in holder or seat(holder[person], seen):
                holder[person] = post
                return True
        return False

    for post in seats:
        seat(post, set())
    return holder


@dataclass(frozen=True)
class Context:
    """What the caller knows. Anything left as None is reported as not checked."""

    holdings: Mapping[str, Sequence[Holding]] | None = None  # post -> holders over time
    # Spend already committed on the decision's project by each organisation: the sum of its
    # recorded valid decisions on the same project reference. An organisation missing from the
    # mapping has committed nothing; None: not known.
    prior_spend: Mapping[str, int] | None = None
    # The budget available to each organisation, where finance data exists: an organisation
    # missing from the mapping is not known.
    available_budget: Mapping[str, int] | None = None
    meeting: Meeting | None = None
    declarations: Sequence[Declaration] | None = None


@dataclass
class Governance:
    """Everything the engine knows: schemes by organisation, bodies, and names for sentences."""

    schemes: Mapping[str, Sequence[Scheme]]  # organisation -> its versions
    bodies: Mapping[str, BodyFact] = field(default_factory=dict)
    # Display names of posts, bodies, organisations and people, by reference or key.
    names: Mapping[str, str] = field(default_factory=dict)
    # Categories a post carries, for quorum rules such as "a lay member" or "a clinician".
    categories: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._newest_first = {
            org: sorted(versions, key=lambda s: s.in_force_from, reverse=True)
            for org, versions in self.schemes.items()
        }
        self._on: dict[tuple[str, date], Scheme | None] = {}

    def scheme_on(self, organisation: str, on: date) -> Scheme | None:
        key = (organisation, on)
        if key not in self._on:
            self._on[key] = next(
                (s for s in self._newest_first.get(organisation, ()) if s.in_force(on)), None
            )
        return self._on[key]

    def name(self, ref: str) -> str:
        return self.names.get(ref, ref)
