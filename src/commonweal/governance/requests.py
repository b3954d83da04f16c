"""Questions put to the engine: a proposal to route, a recorded decision to validate.

Both come as YAML files (the command line), JSON bodies (the API) or forms (the pages); all
three are read by these models, so each gets the same checks and the same errors.
"""

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import Field

from commonweal.core.documents import DocumentError, Located, read_yaml, validate
from commonweal.governance import engine
from commonweal.governance.context import footprint_path, governance_for, holdings_for
from commonweal.governance.documents import DecisionType, PostRef, Strict, pence
from commonweal.registry.models import Organisation, System


class CommitmentIn(Strict):
    organisation: str = Field(min_length=1)
    amount: float = Field(ge=0, description="pounds, VAT included")
    prior: float | None = Field(
        None, ge=0, description="pounds already committed on the same project"
    )


class ProposalIn(Strict):
    system: str
    decision_type: DecisionType
    on: date
    footprint: str | None = None
    project: str = ""
    title: str = ""
    commitments: list[CommitmentIn] = Field(min_length=1)


class DeciderIn(Strict):
    person: str = Field(min_length=1)
    post: PostRef


class DeclarationIn(Strict):
    person: str = Field(min_length=1)
    interest: Literal[
        "financial", "non-financial professional", "non-financial personal", "indirect"
    ]
    conflicted: bool = True


class MeetingIn(Strict):
    present: list[DeciderIn]


class ContextIn(Strict):
    prior_spend: float | None = Field(None, ge=0)
    available_budget: float | None = Field(None, ge=0)
    meeting: MeetingIn | None = None
    declarations: list[DeclarationIn] | None = None


class DecisionIn(Strict):
    system: str
    id: str = ""
    decision_type: DecisionType
    on: date
    organisation: str
    amount: float = Field(ge=0, description="pounds, VAT included")
    project: str = ""
    footprint: str | None = None
    body: str | None = None
    deciders: list[DeciderIn] = []
    route_step: str = ""
    context: ContextIn = ContextIn()


class RequestError(Exception):
    """A question that names something the system does not have."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]):
        self.problems = problems
        super().__init__("; ".join(f"{'.'.join(map(str, loc))}: {m}" for loc, m in problems))


def _system(slug: str) -> System:
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise RequestError([(("system",), f"no system '{slug}'")])
    return system


def _check_footprint(system: System, code: str | None) -> None:
    if code and not system.areas.filter(code=code).exists():
        raise RequestError([(("footprint",), f"no area '{code}' in {system.slug}")])


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
    if unknown:
        raise RequestError(unknown)
    gov = governance_for(system)
    proposal = engine.Proposal(
        decision_type=p.decision_type.value,
        on=p.on,
        commitments=tuple(
            engine.Commitment(
                c.organisation, pence(c.amount), pence(c.prior) if c.prior is not None else None
            )
            for c in p.commitments
        ),
        footprint_path=footprint_path(system, p.footprint),
        project=p.project,
        title=p.title,
    )
    return engine.route(proposal, gov), gov


def validate_decision(d: DecisionIn) -> tuple[engine.Validation, engine.Governance]:
    system = _system(d.system)
    _check_footprint(system, d.footprint)
    gov = governance_for(system)
    if d.body is not None and d.body not in gov.bodies:
        raise RequestError([(("body",), f"no body '{d.body}' in {system.slug}")])
    c = d.context
    context = engine.Context(
        holdings=holdings_for(system),
        prior_spend=pence(c.prior_spend) if c.prior_spend is not None else None,
        available_budget=pence(c.available_budget) if c.available_budget is not None else None,
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
        organisation=d.organisation,
        amount=pence(d.amount),
        deciders=tuple(engine.Decider(x.person, x.post) for x in d.deciders),
        body=d.body,
        project=d.project,
        footprint_path=footprint_path(system, d.footprint),
        route_step=d.route_step,
        id=d.id,
    )
    return engine.validate(decision, context, gov), gov


def _as_document_error(located: Located, exc: RequestError) -> DocumentError:
    return DocumentError([located.problem(loc, message) for loc, message in exc.problems])


def _from_file[M: Strict, R](source: str | Path, model: type[M], answer: Callable[[M], R]) -> R:
    """Read a question from YAML; anything it names wrongly is reported against its line."""
    located = read_yaml(source)
    try:
        return answer(validate(located, model))
    except RequestError as exc:
        raise _as_document_error(located, exc) from None


def route_file(source: str | Path) -> tuple[engine.Route, engine.Governance]:
    return _from_file(source, ProposalIn, route_proposal)


def validate_file(source: str | Path) -> tuple[engine.Validation, engine.Governance]:
    return _from_file(source, DecisionIn, validate_decision)
