"""Governance documents (bodies, posts, holders) and schemes of reservation and delegation.

A *governance document* describes a system's people, posts and bodies:

    system: devon-2019
    people: [{key, name}]
    posts:  [{organisation, code, title, statutory_roles, categories, system_role,
              acts_for, accountable_to, holders: [{person (a key), starts, ends, acting}]}]
    bodies: [{code, name, kind, owners, footprint, purpose, parent, delegates, voting,
              members, attendees, invited, chair, deputy, casting_vote,
              quorum: {number, required, block}, substitutes, notice,
              urgent_action: {by, consult}, review}]

A *scheme document* is one organisation's scheme of reservation and delegation, one version:

    scheme:      {organisation, system, version, title, in_force_from, in_force_to,
                  illustrative, note, key_decision_over}
    reserved:    [{clause, decision_types, over, cumulative, body, consult, recommend, text}]
    delegations: [{clause, decision_type, footprint, conditions, recommend, consult, text,
                   bands: [{over, up_to, decider: {post | body, second}}]}]
    onward:      [{clause, from, to, decision_types, limit, footprint, text}]

Posts are named "ORGANISATION/post-code" (15N/accountable-officer); bodies by their code;
people by a stable key (alex-morgan), so that renaming someone keeps their history.
Amounts are in pounds, VAT included; the database and the engine hold pence.

A reservation may reserve its types only `over` an amount (compared with the project's
cumulative cost where `cumulative` is true): the types may then be delegated in bands that stay
at or below that amount. A body's `casting_vote` gives its chair a casting vote on a tie; a
joint committee voting in blocks needs `quorum.block` of each organisation's members present
for its block to vote. A body's `substitutes` says whose substitutes count as them ("members"
for any member, or a list of member posts; none unless it says), and `notice` how many clear
working days before a meeting its agenda and papers are published (five, the council rule,
unless it says). A body's `urgent_action` says who may take a decision on its behalf between
meetings when an item cannot be decided at one (`by`: every post named acts jointly) and whom
they must consult first (`consult`: a post, or a category such as "lay", at least one of each);
the body ratifies it at its next meeting. A council's scheme may give `key_decision_over`: an executive decision
committing more than that is proposed as a key decision.
"""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from commonweal.core.dates import Day
from commonweal.core.documents import Located, Strict
from commonweal.core.errors import Problem
from commonweal.core.formatting import pounds
from commonweal.core.money import Pounds
from commonweal.governance import engine
from commonweal.governance.engine import Condition


class DecisionType(StrEnum):
    REVENUE_COMMITMENT = "revenue_commitment"
    CAPITAL_COMMITMENT = "capital_commitment"
    CONTRACT_AWARD = "contract_award"
    NEW_INVESTMENT = "new_investment"
    BUSINESS_CASE = "business_case"
    VIREMENT = "virement"
    WRITE_OFF = "write_off"
    POLICY = "policy"
    LONG_TERM_PLAN = "long_term_plan"
    JOINT_STRATEGY = "joint_strategy"
    POOLED_FUND_CHANGE = "pooled_fund_change"
    # A year's allocation: growth, investment and disinvestment by programme, and place budgets.
    ALLOCATION = "allocation"


class BodyKind(StrEnum):
    GOVERNING_BODY = "governing_body"
    BOARD = "board"
    INTEGRATED_COMMISSIONING_EXECUTIVE = "integrated_commissioning_executive"
    JOINT_COMMITTEE = "joint_committee"
    COMMITTEES_IN_COMMON = "committees_in_common"
    COMMITTEE = "committee"
    PLACE_BASED_BOARD = "place_based_board"
    LOCAL_CARE_PARTNERSHIP_BOARD = "local_care_partnership_board"
    HEALTH_AND_WELLBEING_BOARD = "health_and_wellbeing_board"
    CABINET = "cabinet"
    COLLABORATIVE_BOARD = "collaborative_board"
    CLINICAL_CABINET = "clinical_cabinet"
    MANAGEMENT_GROUP = "management_group"
    LEADERSHIP_GROUP = "leadership_group"
    WORKING_GROUP = "working_group"


class StatutoryRole(StrEnum):
    ACCOUNTABLE_OFFICER = "accountable_officer"
    DASS = "dass"  # Director of Adult Social Services
    DCS = "dcs"  # Director of Children's Services
    DPH = "dph"  # Director of Public Health
    DIRECTOR_OF_FINANCE = "director_of_finance"
    CHIEF_NURSE = "chief_nurse"
    DIRECTOR_OF_COMMISSIONING = "director_of_commissioning"
    CLINICAL_CHAIR = "clinical_chair"
    LAY_MEMBER = "lay_member"
    CHIEF_EXECUTIVE = "chief_executive"
    SECTION_151_OFFICER = "section_151_officer"
    MONITORING_OFFICER = "monitoring_officer"
    COUNCIL_LEADER = "council_leader"


POST_REF = r"^[A-Za-z0-9]+/[a-z0-9][a-z0-9-]*$"
# An organisation's code (20) and a post's (60), with the slash between.
PostRef = Annotated[str, Field(pattern=POST_REF, max_length=81)]
BodyCode = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
OrganisationCode = Annotated[str, Field(min_length=1, max_length=20)]
AreaCode = Annotated[str, Field(min_length=1, max_length=40)]
# Lists a document holds are bounded far above any real system's (a body of 500 members, a
# post held by 200 people in turn), so that nothing a document describes is unbounded.
MAX_ENTRIES = 5_000
MAX_MEMBERS = 500
MAX_NAMED = 50
MAX_TEXT = 5_000


KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


def _person_key(value: Any) -> Any:
    if isinstance(value, str) and not KEY.match(value):
        raise ValueError(
            f"'{value[:40]}' is not a person's key: write the key given under people, such as "
            "alex-morgan (lower-case letters, digits and hyphens)"
        )
    return value


PersonKey = Annotated[str, BeforeValidator(_person_key)]


class PersonDoc(Strict):
    key: PersonKey
    name: str = Field(min_length=1, max_length=150)


class HoldingDoc(Strict):
    person: PersonKey
    starts: Day | None = None
    ends: Day | None = None
    acting: bool = False

    @model_validator(mode="after")
    def _dates(self) -> "HoldingDoc":
        if self.starts and self.ends and self.ends < self.starts:
            raise ValueError(f"ends ({self.ends}) is before starts ({self.starts})")
        return self


class PostDoc(Strict):
    organisation: str = Field(pattern=r"^[A-Za-z0-9]+$", max_length=20)
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)
    title: str = Field(min_length=1, max_length=200)
    statutory_roles: list[StatutoryRole] = Field([], max_length=MAX_NAMED)
    # lay, clinical, executive, elected ...
    categories: list[Annotated[str, Field(max_length=60)]] = Field([], max_length=MAX_NAMED)
    system_role: str = Field("", max_length=200)  # "CCG and system role" and the like
    # other organisations a joint appointment acts for
    acts_for: list[OrganisationCode] = Field([], max_length=MAX_NAMED)
    accountable_to: list[PostRef] = Field([], max_length=MAX_NAMED)
    holders: list[HoldingDoc] = Field([], max_length=200)

    @property
    def ref(self) -> str:
        return f"{self.organisation}/{self.code}"


class QuorumDoc(Strict):
    # Both are stored in small integer columns; no body has a thousand members present.
    number: int = Field(0, ge=0, le=1_000)
    # post references or categories
    required: list[Annotated[str, Field(max_length=81)]] = Field([], max_length=MAX_MEMBERS)
    block: int = Field(0, ge=0, le=1_000)  # voting in blocks: each organisation's members needed


class UrgentActionDoc(Strict):
    """Who may act for the body between meetings, jointly, and whom they consult first (NHS
    standing orders: the chair and the accountable officer, after consulting a lay member)."""

    by: list[PostRef] = Field(min_length=1, max_length=MAX_MEMBERS)
    consult: list[Annotated[str, Field(max_length=81)]] = Field([], max_length=MAX_MEMBERS)


class BodyDoc(Strict):
    code: BodyCode
    name: str = Field(min_length=1, max_length=200)
    kind: BodyKind
    owners: list[OrganisationCode] = Field(min_length=1, max_length=MAX_NAMED)
    footprint: AreaCode | None = None
    purpose: str = Field("", max_length=MAX_TEXT)
    parent: BodyCode | None = None
    delegates: str = Field("", max_length=MAX_TEXT)
    voting: engine.Voting = engine.Voting.MAJORITY
    members: list[PostRef] = Field([], max_length=MAX_MEMBERS)
    attendees: list[PostRef] = Field([], max_length=MAX_MEMBERS)
    invited: list[PostRef] = Field([], max_length=MAX_MEMBERS)
    attendance_note: str = Field("", max_length=300)
    chair: PostRef | None = None
    deputy: PostRef | None = None
    quorum: QuorumDoc = QuorumDoc()
    casting_vote: bool = False  # the chair has a second or casting vote on a tie
    # Members whose substitute counts as them: "members" (any), or the member posts named.
    substitutes: Literal["members"] | Annotated[list[PostRef], Field(max_length=MAX_MEMBERS)] = []
    # Clear working days' notice of the agenda and papers: the council rule, by default.
    notice: int = Field(5, ge=0, le=30)
    urgent_action: UrgentActionDoc | None = None
    review: Day | None = None


class GovernanceDocument(Strict):
    system: str = Field(max_length=60)
    illustrative: bool = False
    note: str = Field("", max_length=MAX_TEXT)
    people: list[PersonDoc] = Field([], max_length=MAX_ENTRIES)
    posts: list[PostDoc] = Field([], max_length=MAX_ENTRIES)
    bodies: list[BodyDoc] = Field([], max_length=MAX_ENTRIES)


class TakerDoc(Strict):
    post: PostRef | None = None
    body: BodyCode | None = None
    second: list[PostRef] = Field([], max_length=MAX_NAMED)

    @model_validator(mode="after")
    def _one(self) -> "TakerDoc":
        if (self.post is None) == (self.body is None):
            raise ValueError("name either a post or a body")
        if self.body and self.second:
            raise ValueError("a second signatory goes with a post, not a body")
        return self

    def compile(self) -> engine.Taker:
        return engine.Taker(post=self.post, body=self.body, second=tuple(self.second))


class BandDoc(Strict):
    # Pounds in the document, pence here (through Decimal): the band starts above `over` and
    # ends at `up_to`, inclusive.
    over: Pounds | None = None
    up_to: Pounds | None = Field(None, gt=0)
    decider: TakerDoc


class ReservationDoc(Strict):
    clause: str = Field(min_length=1, max_length=30)
    decision_types: list[DecisionType] = Field(min_length=1, max_length=MAX_NAMED)
    over: Pounds | None = None  # pounds in the document: reserved only above this
    cumulative: bool = False  # `over` is compared with the project's cumulative cost
    body: BodyCode
    consult: list[TakerDoc] = Field([], max_length=MAX_NAMED)
    recommend: list[TakerDoc] = Field([], max_length=MAX_NAMED)
    text: str = Field("", max_length=MAX_TEXT)

    @model_validator(mode="after")
    def _cumulative_needs_over(self) -> "ReservationDoc":
        if self.cumulative and self.over is None:
            raise ValueError("cumulative compares an amount: give `over` too")
        return self


class DelegationDoc(Strict):
    clause: str = Field(min_length=1, max_length=30)
    decision_type: DecisionType
    footprint: AreaCode | None = None
    conditions: list[engine.Condition] = Field([], max_length=MAX_NAMED)
    recommend: list[TakerDoc] = Field([], max_length=MAX_NAMED)
    consult: list[TakerDoc] = Field([], max_length=MAX_NAMED)
    bands: list[BandDoc] = Field(min_length=1, max_length=MAX_NAMED)
    text: str = Field("", max_length=MAX_TEXT)


class OnwardDoc(Strict):
    clause: str = Field(min_length=1, max_length=30)
    from_: PostRef = Field(alias="from")
    to: PostRef
    decision_types: list[DecisionType] = Field(min_length=1, max_length=MAX_NAMED)
    limit: Pounds = Field(gt=0)
    footprint: AreaCode | None = None
    text: str = Field("", max_length=MAX_TEXT)


class SchemeHeader(Strict):
    organisation: OrganisationCode
    system: str = Field(max_length=60)
    version: str = Field(min_length=1, max_length=40)
    title: str = Field("", max_length=200)
    in_force_from: Day
    in_force_to: Day | None = None
    illustrative: bool = False
    note: str = Field("", max_length=MAX_TEXT)
    # A council's key-decision threshold: executive decisions committing more are key decisions.
    key_decision_over: Pounds | None = None

    @model_validator(mode="after")
    def _dates(self) -> "SchemeHeader":
        if self.in_force_to and self.in_force_to < self.in_force_from:
            raise ValueError("in_force_to is before in_force_from")
        return self


class SchemeDocument(Strict):
    scheme: SchemeHeader
    reserved: list[ReservationDoc] = Field([], max_length=MAX_ENTRIES)
    delegations: list[DelegationDoc] = Field([], max_length=MAX_ENTRIES)
    onward: list[OnwardDoc] = Field([], max_length=MAX_ENTRIES)


def check_scheme(
    located: Located, doc: SchemeDocument, posts: set[str], bodies: set[str], areas: set[str]
) -> list[Problem]:
    """What makes a scheme unusable: bands that overlap or leave gaps, deciders that do not
    exist, a reserved matter that is also delegated, onward delegation that loops or exceeds
    its source's authority."""
    problems: list[Problem] = []
    p = located.problem

    def need(loc: tuple[str | int, ...], taker: TakerDoc) -> None:
        if taker.post is not None and taker.post not in posts:
            problems.append(
                p((*loc, "post"), f"no post '{taker.post}' in the system's governance document")
            )
        if taker.body is not None and taker.body not in bodies:
            problems.append(
                p((*loc, "body"), f"no body '{taker.body}' in the system's governance document")
            )
        for k, ref in enumerate(taker.second):
            if ref not in posts:
                problems.append(
                    p((*loc, "second", k), f"no post '{ref}' in the system's governance document")
                )

    clauses: dict[str, tuple[str | int, ...]] = {}

    def clause(loc: tuple[str | int, ...], value: str) -> None:
        if value in clauses:
            problems.append(
                p(
                    loc,
                    f"clause '{value}' is used twice (also at {clauses[value][0]}[{clauses[value][1]}])",
                )
            )
        clauses[value] = loc

    reserved_types: dict[str, ReservationDoc] = {}
    for i, r in enumerate(doc.reserved):
        clause(("reserved", i, "clause"), r.clause)
        if r.body not in bodies:
            problems.append(
                p(
                    ("reserved", i, "body"),
                    f"no body '{r.body}' in the system's governance document",
                )
            )
        for j, t in enumerate(r.consult):
            need(("reserved", i, "consult", j), t)
        for j, t in enumerate(r.recommend):
            need(("reserved", i, "recommend", j), t)
        for kind in r.decision_types:
            if kind.value in reserved_types:
                problems.append(
                    p(
                        ("reserved", i, "decision_types"),
                        f"'{kind.value}' is already reserved by {reserved_types[kind.value].clause}",
                    )
                )
            reserved_types.setdefault(kind.value, r)

    seen: dict[tuple[str, str | None], int] = {}
    for i, d in enumerate(doc.delegations):
        loc: tuple[str | int, ...] = ("delegations", i)
        clause((*loc, "clause"), d.clause)
        reservation = reserved_types.get(d.decision_type.value)
        if reservation is not None and reservation.over is None:
            problems.append(
                p(
                    (*loc, "decision_type"),
                    f"'{d.decision_type.value}' is reserved to {reservation.body} by {reservation.clause} "
                    "at any amount, so it cannot also be delegated",
                )
            )
        elif reservation is not None:
            over = reservation.over or 0
            if Condition.CUMULATIVE in d.conditions and not reservation.cumulative:
                problems.append(
                    p(
                        (*loc, "conditions"),
                        f"counts the cumulative cost, but {reservation.clause} reserves "
                        f"'{d.decision_type.value}' over {pounds(over)} by the amount alone: write "
                        f"`cumulative: true` on {reservation.clause}, or a cumulative cost over "
                        "that amount would have no one to decide it",
                    )
                )
            for j, band in enumerate(d.bands):
                if band.up_to is None or band.up_to > over:
                    reach = (
                        "has no upper limit"
                        if band.up_to is None
                        else f"reaches {pounds(band.up_to)}"
                    )
                    problems.append(
                        p(
                            (*loc, "bands", j, "up_to"),
                            f"{reach}, but {reservation.clause} reserves '{d.decision_type.value}' "
                            f"over {pounds(over)} to {reservation.body}: a delegation may reach only "
                            "up to the reservation's amount",
                        )
                    )
        key = (d.decision_type.value, d.footprint)
        if key in seen:
            where = f"footprint '{d.footprint}'" if d.footprint else "the whole organisation"
            problems.append(
                p(
                    (*loc, "decision_type"),
                    f"delegations[{seen[key]}] already delegates '{d.decision_type.value}' for {where}; the bands would overlap",
                )
            )
        seen[key] = i
        if d.footprint is not None and d.footprint not in areas:
            problems.append(p((*loc, "footprint"), f"no area '{d.footprint}' in the system"))
        for j, t in enumerate(d.recommend):
            need((*loc, "recommend", j), t)
        for j, t in enumerate(d.consult):
            need((*loc, "consult", j), t)
        previous = 0
        for j, band in enumerate(d.bands):
            bloc = (*loc, "bands", j)
            need((*bloc, "decider"), band.decider)
            start = band.over if band.over is not None else previous
            if start > previous:
                problems.append(
                    p(
                        (*bloc, "over"),
                        f"leaves a gap: the band before ends at {pounds(previous)} but this one starts above {pounds(start)}",
                    )
                )
            elif start < previous:
                problems.append(
                    p(
                        (*bloc, "over"),
                        f"overlaps the band before, which runs up to {pounds(previous)}",
                    )
                )
            if band.up_to is None:
                if j != len(d.bands) - 1:
                    problems.append(
                        p((*bloc, "up_to"), "only the last band may have no upper limit")
                    )
                break
            if band.up_to <= start:
                problems.append(
                    p(
                        (*bloc, "up_to"),
                        f"{pounds(band.up_to)} is not above where the band starts ({pounds(start)})",
                    )
                )
            previous = band.up_to

    # Onward delegation: from a post that holds the authority, within its limit, without loops.
    limits = _highest_limits(doc)
    graph: dict[str, set[str]] = {}
    for i, o in enumerate(doc.onward):
        loc = ("onward", i)
        clause((*loc, "clause"), o.clause)
        for field, ref in (("from", o.from_), ("to", o.to)):
            if ref not in posts:
                problems.append(
                    p((*loc, field), f"no post '{ref}' in the system's governance document")
                )
        if o.footprint is not None and o.footprint not in areas:
            problems.append(p((*loc, "footprint"), f"no area '{o.footprint}' in the system"))
        for kind in o.decision_types:
            own = limits.get((kind.value, o.from_), False)
            if own is False:
                problems.append(
                    p(
                        (*loc, "decision_types"),
                        f"{o.from_} holds no delegated authority for '{kind.value}' to pass on",
                    )
                )
            elif own is not None and o.limit > own:
                problems.append(
                    p(
                        (*loc, "limit"),
                        f"{pounds(o.limit)} is more than the {pounds(own)} {o.from_} may itself decide for '{kind.value}'",
                    )
                )
        graph.setdefault(o.from_, set()).add(o.to)
    loop = _find_cycle(graph)
    if loop:
        first = next(i for i, o in enumerate(doc.onward) if o.from_ == loop[0])
        problems.append(
            p(("onward", first), "onward delegation goes round in a circle: " + " -> ".join(loop))
        )
    return problems


def _highest_limits(doc: SchemeDocument) -> dict[tuple[str, str], int | None]:
    """The largest amount each post may decide for each decision type (None: no limit), worked
    out once rather than again for each onward delegation. A post absent decides nothing."""
    out: dict[tuple[str, str], int | None] = {}
    for d in doc.delegations:
        for b in d.bands:
            if b.decider.post is None:
                continue
            key = (d.decision_type.value, b.decider.post)
            if key in out and out[key] is None:
                continue  # already unlimited
            out[key] = None if b.up_to is None else max(b.up_to, out.get(key) or 0)
    return out


def _find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """A loop in the graph, as the nodes round it (the first repeated), or []. Walked with a
    stack of its own, so a chain of thousands of onward delegations needs no deep recursion."""
    state: dict[str, int] = {}  # 1: on the path being walked; 2: done
    for root in sorted(graph):
        if root in state:
            continue
        state[root] = 1
        path = [root]
        ahead = [iter(sorted(graph.get(root, ())))]
        while ahead:
            nxt = next(ahead[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                ahead.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                ahead.append(iter(sorted(graph.get(nxt, ()))))
    return []


def compile_scheme(doc: SchemeDocument) -> engine.Scheme:
    h = doc.scheme
    delegations = []
    for d in doc.delegations:
        bands, previous = [], 0
        for b in d.bands:
            lower = b.over if b.over is not None else previous
            upper = b.up_to
            bands.append(engine.Band(lower, upper, b.decider.compile()))
            previous = upper or 0
        delegations.append(
            engine.Delegation(
                clause=d.clause,
                decision_type=d.decision_type.value,
                bands=tuple(bands),
                footprint=d.footprint,
                recommend=tuple(t.compile() for t in d.recommend),
                consult=tuple(t.compile() for t in d.consult),
                conditions=frozenset(d.conditions),
                text=d.text,
            )
        )
    return engine.Scheme(
        organisation=h.organisation,
        version=h.version,
        in_force_from=h.in_force_from,
        in_force_to=h.in_force_to,
        reservations=tuple(
            engine.Reservation(
                clause=r.clause,
                decision_types=frozenset(k.value for k in r.decision_types),
                body=r.body,
                recommend=tuple(t.compile() for t in r.recommend),
                consult=tuple(t.compile() for t in r.consult),
                over=r.over,
                cumulative=r.cumulative,
                text=r.text,
            )
            for r in doc.reserved
        ),
        delegations=tuple(delegations),
        onward=tuple(
            engine.OnwardDelegation(
                o.clause,
                o.from_,
                o.to,
                frozenset(t.value for t in o.decision_types),
                o.limit,
                o.footprint,
                o.text,
            )
            for o in doc.onward
        ),
        illustrative=h.illustrative,
        title=h.title,
    )


# The compiled JSON's format. 2 added reservations' `consult`, `over` and `cumulative`; format 1
# (stored before, with no "format" key) is upgraded when read.
SCHEME_JSON_FORMAT = 2


def scheme_to_json(scheme: engine.Scheme) -> dict[str, Any]:
    """The compiled scheme as JSON for the database; `scheme_from_json` reverses it."""

    def taker(t: engine.Taker) -> dict[str, Any]:
        return {"post": t.post, "body": t.body, "second": list(t.second)}

    return {
        "format": SCHEME_JSON_FORMAT,
        "organisation": scheme.organisation,
        "version": scheme.version,
        "title": scheme.title,
        "in_force_from": scheme.in_force_from.isoformat(),
        "in_force_to": scheme.in_force_to.isoformat() if scheme.in_force_to else None,
        "illustrative": scheme.illustrative,
        "reservations": [
            {
                "clause": r.clause,
                "decision_types": sorted(r.decision_types),
                "over": r.over,
                "cumulative": r.cumulative,
                "body": r.body,
                "consult": [taker(t) for t in r.consult],
                "recommend": [taker(t) for t in r.recommend],
                "text": r.text,
            }
            for r in scheme.reservations
        ],
        "delegations": [
            {
                "clause": d.clause,
                "decision_type": d.decision_type,
                "footprint": d.footprint,
                "conditions": sorted(c.value for c in d.conditions),
                "text": d.text,
                "recommend": [taker(t) for t in d.recommend],
                "consult": [taker(t) for t in d.consult],
                "bands": [
                    {"lower": b.lower, "upper": b.upper, "decider": taker(b.decider)}
                    for b in d.bands
                ],
            }
            for d in scheme.delegations
        ],
        "onward": [
            {
                "clause": o.clause,
                "from": o.from_post,
                "to": o.to_post,
                "decision_types": sorted(o.decision_types),
                "limit": o.limit,
                "footprint": o.footprint,
                "text": o.text,
            }
            for o in scheme.onward
        ],
    }


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Stored JSON of an earlier format, as the current format."""
    version = data.get("format", 1)
    if version > SCHEME_JSON_FORMAT:
        raise ValueError(f"scheme JSON format {version} is newer than this code reads")
    if version == 1:
        # Format 1 reservations reserved their types at any amount and consulted nobody.
        reservations = [
            {"over": None, "cumulative": False, "consult": [], **r} for r in data["reservations"]
        ]
        data = {**data, "format": 2, "reservations": reservations}
    return data


def scheme_from_json(data: dict[str, Any]) -> engine.Scheme:
    def taker(t: dict[str, Any]) -> engine.Taker:
        return engine.Taker(post=t["post"], body=t["body"], second=tuple(t["second"]))

    data = _upgrade(data)

    return engine.Scheme(
        organisation=data["organisation"],
        version=data["version"],
        title=data["title"],
        in_force_from=date.fromisoformat(data["in_force_from"]),
        in_force_to=date.fromisoformat(data["in_force_to"]) if data["in_force_to"] else None,
        illustrative=data["illustrative"],
        reservations=tuple(
            engine.Reservation(
                clause=r["clause"],
                decision_types=frozenset(r["decision_types"]),
                body=r["body"],
                recommend=tuple(taker(t) for t in r["recommend"]),
                consult=tuple(taker(t) for t in r["consult"]),
                over=r["over"],
                cumulative=r["cumulative"],
                text=r["text"],
            )
            for r in data["reservations"]
        ),
        delegations=tuple(
            engine.Delegation(
                clause=d["clause"],
                decision_type=d["decision_type"],
                footprint=d["footprint"],
                conditions=frozenset(engine.Condition(c) for c in d["conditions"]),
                text=d["text"],
                recommend=tuple(taker(t) for t in d["recommend"]),
                consult=tuple(taker(t) for t in d["consult"]),
                bands=tuple(
                    engine.Band(b["lower"], b["upper"], taker(b["decider"])) for b in d["bands"]
                ),
            )
            for d in data["delegations"]
        ),
        onward=tuple(
            engine.OnwardDelegation(
                o["clause"],
                o["from"],
                o["to"],
                frozenset(o["decision_types"]),
                o["limit"],
                o["footprint"],
                o["text"],
            )
            for o in data["onward"]
        ),
    )
