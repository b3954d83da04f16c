"""Questions put to the engine: a proposal to route, a recorded decision to validate.

Both come as YAML files (the command line), JSON bodies (the API) or forms (the pages); all
three are read by these models, so each gets the same checks and the same errors.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import Field

from commonweal.core.dates import Day
from commonweal.core.documents import DocumentError, Located, Strict, read_yaml, validate
from commonweal.core.errors import Problem, Refused, field_path
from commonweal.core.models import Organisation
from commonweal.core.money import Pounds
from commonweal.governance import engine
from commonweal.governance.context import footprint_path, governance_for, holdings_for
from commonweal.governance.documents import DecisionType, PersonKey, PostRef
from commonweal.registry.models import System


class CommitmentIn(Strict):
    organisation: str = Field(min_length=1, max_length=20)
    amount: Pounds
    prior: Pounds | None = Field(None, description="pounds already committed on the project")


class ProposalIn(Strict):
    system: str = Field(max_length=60)
    decision_type: DecisionType
    on: Day
    footprint: str | None = Field(None, max_length=40)
    project: str = Field("", max_length=200)
    title: str = Field("", max_length=300)
    commitments: list[CommitmentIn] = Field(min_length=1, max_length=20)


class DeciderIn(Strict):
    person: PersonKey
    post: PostRef


class DeclarationIn(Strict):
    person: PersonKey
    interest: Literal[
        "financial", "non-financial professional", "non-financial personal", "indirect"
    ]
    conflicted: bool = True


class MeetingIn(Strict):
    present: list[DeciderIn] = Field(max_length=200)


class ContextIn(Strict):
    # By organisation code: spend already committed on the project, and the budget available.
    # An organisation left out of `prior_spend` has committed nothing; leaving the whole field
    # out means not known, and the check is reported as not checked.
    prior_spend: dict[str, Pounds] | None = Field(None, max_length=20)
    available_budget: dict[str, Pounds] | None = Field(None, max_length=20)
    meeting: MeetingIn | None = None
    declarations: list[DeclarationIn] | None = Field(None, max_length=200)


class VotesIn(Strict):
    in_favour: int = Field(ge=0, le=10_000)
    against: int = Field(ge=0, le=10_000)
    abstentions: int = Field(0, ge=0, le=10_000)
    casting_vote: Literal["for", "against"] | None = Field(
        None, description="the chair's casting vote on a tie, where the terms of reference give one"
    )


class PartIn(Strict):
    """One organisation's part of a decision: its money, who decided, at which body."""

    organisation: str = Field(min_length=1, max_length=20)
    amount: Pounds
    deciders: list[DeciderIn] = Field([], max_length=20)
    body: str | None = Field(None, max_length=60, description="the body that decided this part")
    route_step: str = Field("", max_length=200)
    consent: bool = Field(
        True, description="the decider's consent, at a meeting of decision makers"
    )
    votes: VotesIn | None = None


class DecisionIn(Strict):
    system: str = Field(max_length=60)
    id: str = Field("", max_length=100)
    decision_type: DecisionType
    on: Day
    project: str = Field("", max_length=200)
    footprint: str | None = Field(None, max_length=40)
    meeting: str | None = Field(None, max_length=60, description="the body whose meeting it was")
    parts: list[PartIn] = Field(min_length=1, max_length=20)
    context: ContextIn = ContextIn()


def _refuse(problems: list[tuple[tuple[str | int, ...], str]]) -> Refused:
    """A question that names something the system does not have, each problem at its field."""
    return Refused(
        "; ".join(f"{field_path(loc)}: {m}" for loc, m in problems),
        [Problem(field_path(loc), m) for loc, m in problems],
    )


def _system(slug: str) -> System:
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise _refuse([(("system",), f"no system '{slug}'")])
    return system


def _check_footprint(system: System, code: str | None) -> None:
    if code and not system.areas.filter(code=code).exists():
        raise _refuse([(("footprint",), f"no area '{code}' in {system.slug}")])


def route_proposal(p: ProposalIn) -> tuple[engine.Route, engine.Governance]:
    system = _system(p.system)
    _check_footprint(system, p.footprint)
    named = {c.organisation for c in p.commitments}
    known = set(Organisation.objects.filter(code__in=named).values_list("code", flat=True))
    unknown: list[tuple[tuple[str | int, ...], str]] = [
        (("commitments", i, "organisation"), f"no organisation '{c.organisation}'")
        for i, c in enumerate(p.commitments)
        if c.organisation not in known
    ]
    # One line per organisation: two lines would each be judged alone, and a contract split in
    # two would slip under a limit that the whole of it is over.
    first: dict[str, int] = {}
    for i, c in enumerate(p.commitments):
        if c.organisation in first:
            unknown.append(
                (
                    ("commitments", i, "organisation"),
                    f"'{c.organisation}' is already committed in commitment {first[c.organisation] + 1}: "
                    "give each organisation once, with the whole amount it commits",
                )
            )
        first.setdefault(c.organisation, i)
    if unknown:
        raise _refuse(unknown)
    gov = governance_for(system, p.on)
    proposal = engine.Proposal(
        decision_type=p.decision_type.value,
        on=p.on,
        commitments=tuple(
            engine.Commitment(c.organisation, c.amount, c.prior) for c in p.commitments
        ),
        footprint_path=footprint_path(system, p.footprint),
        project=p.project,
        title=p.title,
    )
    return engine.route(proposal, gov), gov


def validate_decision(d: DecisionIn) -> tuple[engine.Validation, engine.Governance]:
    system = _system(d.system)
    _check_footprint(system, d.footprint)
    gov = governance_for(system, d.on)
    named = {p.organisation for p in d.parts}
    known = set(Organisation.objects.filter(code__in=named).values_list("code", flat=True))
    unknown: list[tuple[tuple[str | int, ...], str]] = [
        (("parts", i, "organisation"), f"no organisation '{p.organisation}'")
        for i, p in enumerate(d.parts)
        if p.organisation not in known
    ]
    unknown += [
        (("parts", i, "body"), f"no body '{p.body}' in {system.slug}")
        for i, p in enumerate(d.parts)
        if p.body is not None and p.body not in gov.bodies
    ]
    if d.meeting is not None and d.meeting not in gov.bodies:
        unknown.append((("meeting",), f"no body '{d.meeting}' in {system.slug}"))
    if unknown:
        raise _refuse(unknown)
    c = d.context
    context = engine.Context(
        holdings=holdings_for(system),
        prior_spend=c.prior_spend,
        available_budget=c.available_budget,
        meeting=engine.Meeting(tuple(engine.Decider(x.person, x.post) for x in c.meeting.present))
        if c.meeting
        else None,
        declarations=(
            [engine.Declaration(x.person, x.interest, x.conflicted) for x in c.declarations]
            if c.declarations is not None
            else None
        ),
    )
    decision = engine.Decision(
        decision_type=d.decision_type.value,
        on=d.on,
        parts=tuple(
            engine.Part(
                p.organisation,
                p.amount,
                tuple(engine.Decider(x.person, x.post) for x in p.deciders),
                p.body,
                p.route_step,
                p.consent,
                engine.Votes(
                    p.votes.in_favour,
                    p.votes.against,
                    p.votes.abstentions,
                    engine.Vote(p.votes.casting_vote) if p.votes.casting_vote else None,
                )
                if p.votes
                else None,
            )
            for p in d.parts
        ),
        meeting=d.meeting,
        project=d.project,
        footprint_path=footprint_path(system, d.footprint),
        id=d.id,
    )
    return engine.validate(decision, context, gov), gov


def _as_document_error(located: Located, exc: Refused) -> DocumentError:
    """A refusal of a question read from a file, each problem against its line."""
    return DocumentError(
        Problem(p.field, p.message, located.file, _line(located, p.field)) for p in exc.problems
    )


def _line(located: Located, field: str) -> int | None:
    loc: list[str | int] = []
    for part in field.replace("]", "").replace("[", ".").split("."):
        if part:
            loc.append(int(part) if part.isdigit() else part)
    return located.line_of(loc)


def _from_file[M: Strict, R](source: str | Path, model: type[M], answer: Callable[[M], R]) -> R:
    """Read a question from YAML; anything it names wrongly is reported against its line."""
    located = read_yaml(source)
    try:
        return answer(validate(located, model))
    except Refused as exc:
        raise _as_document_error(located, exc) from None


def route_file(source: str | Path) -> tuple[engine.Route, engine.Governance]:
    return _from_file(source, ProposalIn, route_proposal)


def validate_file(source: str | Path) -> tuple[engine.Validation, engine.Governance]:
    return _from_file(source, DecisionIn, validate_decision)
