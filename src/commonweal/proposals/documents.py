"""Two kinds of YAML document, each checked with every problem named by file, line and field
before anything is written.

A workflow: states, the transitions between them and who makes each, checked as a graph
(`rules.check`). Bodies are named by the workflow's own words (`clinical-leadership`), since one
workflow serves systems whose bodies differ; a system maps them to its bodies.

    workflow:
      code: four-stages
      name: ...
      source: ...                    # where it comes from
      initial: draft
    bodies: [{code: clinical-leadership, name: Clinical leadership group}, ...]
    documents: [{code: quality-impact, name: Quality impact assessment}, ...]
    states:
      - {code: draft, name: Draft}
      - {code: stage-1, name: "Stage 1: development", stage: 1}
      - {code: approved, name: Approved, final: true, public: true}
    transitions:
      - code: developed
        name: Developed with the clinical and financial leadership groups
        from: stage-1                # or a list of states
        to: stage-2
        by: {bodies: [clinical-leadership, financial-leadership], outcomes: [recommendation, sign_off]}
        # by: {role: commissioner} (someone of that role in the lead organisation)
        # by: {route: true} (every step of the governance route has a valid decision)
        requires: [quality-impact]   # documents the proposal must hold first

A system's proposals document: which workflow it runs, its bodies for the workflow's, and its
clinical programmes (each may run a workflow of its own).

    proposals:
      system: devon-2019
      workflow: four-stages
      bodies: {clinical-leadership: [clinical-cabinet], strategy-group: [ice]}
      programmes:
        - {code: specialist-services, name: Specialist services, remit: [...], workflow: ...}
"""

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from commonweal.core.documents import (
    DocumentError,
    Located,
    Strict,
    read_yaml,
    validate,
)
from commonweal.core.errors import Problem

from . import rules

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
SHIPPED = Path(__file__).parent / "workflows"

OUTCOMES = ("recommendation", "sign_off", "consultation", "decision")
# The roles that manage proposals (a transition's role is checked as well as the permission).
ROLES = ("administrator", "commissioner", "executive")


class Header(Strict):
    code: Slug
    name: Name
    source: str = ""
    initial: Slug


class Named(Strict):
    code: Slug
    name: Name


class StateIn(Strict):
    code: Slug
    name: Name
    stage: int | None = Field(default=None, ge=0, le=20)
    final: bool = False
    public: bool = False


class By(Strict):
    role: Literal[ROLES] | None = None  # type: ignore[valid-type]
    bodies: list[Slug] = Field(default_factory=list, max_length=10)
    outcomes: list[Literal[OUTCOMES]] = Field(default_factory=list)  # type: ignore[valid-type]
    route: bool = False

    @model_validator(mode="after")
    def one_way(self) -> "By":
        ways = [bool(self.role), bool(self.bodies), self.route]
        if sum(ways) != 1:
            raise ValueError("name exactly one of role, bodies or route: who makes the transition")
        if self.bodies and not self.outcomes:
            raise ValueError("name the outcomes the bodies record (recommendation, sign_off, ...)")
        if self.outcomes and not self.bodies:
            raise ValueError("outcomes are those of bodies: name the bodies")
        return self


class TransitionIn(Strict):
    code: Slug
    name: Name
    source: Slug | list[Slug] = Field(alias="from")
    to: Slug
    by: By
    requires: list[Slug] = Field(default_factory=list)


class WorkflowDocument(Strict):
    workflow: Header
    bodies: list[Named] = Field(default_factory=list, max_length=30)
    documents: list[Named] = Field(default_factory=list, max_length=30)
    states: list[StateIn] = Field(min_length=2, max_length=50)
    transitions: list[TransitionIn] = Field(min_length=1, max_length=200)


def graph_of(doc: WorkflowDocument) -> rules.Graph:
    return rules.Graph(
        initial=doc.workflow.initial,
        states=tuple(rules.State(s.code, s.name, s.stage, s.final, s.public) for s in doc.states),
        transitions=tuple(
            rules.Transition(
                code=t.code,
                name=t.name,
                sources=tuple(t.source) if isinstance(t.source, list) else (t.source,),
                target=t.to,
                role=t.by.role or "",
                bodies=tuple(t.by.bodies),
                outcomes=tuple(t.by.outcomes),
                route=t.by.route,
                requires=tuple(t.requires),
            )
            for t in doc.transitions
        ),
        bodies=tuple(b.code for b in doc.bodies),
        documents=tuple(d.code for d in doc.documents),
    )


def check_workflow(located: Located) -> tuple[WorkflowDocument, rules.Graph]:
    """The workflow and its graph, or a DocumentError naming every problem."""
    doc = validate(located, WorkflowDocument)
    graph = graph_of(doc)
    problems = [located.problem(loc, message) for loc, message in rules.check(graph)]
    for kind, items in (("bodies", doc.bodies), ("documents", doc.documents)):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.code in seen:
                problems.append(located.problem((kind, i, "code"), f"'{item.code}' appears twice"))
            seen.add(item.code)
    if problems:
        raise DocumentError(problems)
    return doc, graph


def shipped(code: str) -> Path | None:
    path = SHIPPED / f"{code}.yaml"
    return path if path.is_file() else None


# A system's proposals document ---------------------------------------------------------------


class ProgrammeIn(Strict):
    code: Slug
    name: Name
    remit: list[Annotated[str, Field(max_length=500)]] = Field(default_factory=list)
    workflow: Slug | None = None


class SetupIn(Strict):
    system: Slug
    workflow: Slug
    bodies: dict[Slug, list[Slug]] = Field(default_factory=dict)
    programmes: list[ProgrammeIn] = Field(default_factory=list, max_length=50)


class SetupDocument(Strict):
    proposals: SetupIn


def check_setup(located: Located) -> SetupIn:
    doc = validate(located, SetupDocument).proposals
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, p in enumerate(doc.programmes):
        if p.code in seen:
            problems.append(
                located.problem(("proposals", "programmes", i, "code"), f"'{p.code}' appears twice")
            )
        seen.add(p.code)
    if problems:
        raise DocumentError(problems)
    return doc


def read(source: str | Path, text: str | bytes | None = None) -> Located:
    return read_yaml(source, text)
