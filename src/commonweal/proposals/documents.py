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

import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, model_validator

from commonweal.core.documents import (
    DocumentError,
    Located,
    Strict,
    read_yaml,
    validate,
)
from commonweal.core.errors import Problem

from . import levels, rules, scoring

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
SHIPPED = Path(__file__).parent / "workflows"
FRAMEWORKS = Path(__file__).parent / "frameworks"
Text = Annotated[str, Field(min_length=1, max_length=2000)]

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


# South East London's options for how far council and NHS decide together at a place (seed 004).
OPTIONS = {
    "greater_involvement": "Greater involvement: separate plans, separate budgets",
    "aligned_commissioning": "Aligned commissioning: aligned plans, separate budgets",
    "joint_commissioning": "Joint commissioning: aligned plan, aligned or delegated budget",
}


class PlaceIn(Strict):
    place: Slug
    option: Literal[tuple(OPTIONS)]  # type: ignore[valid-type]
    board: Slug | None = None  # the place based board
    note: Annotated[str, Field(max_length=1000)] = ""


class SetupIn(Strict):
    system: Slug
    workflow: Slug
    bodies: dict[Slug, list[Slug]] = Field(default_factory=dict)
    programmes: list[ProgrammeIn] = Field(default_factory=list, max_length=50)
    # The level-triage tree, scoring framework and catalogue of functions (shipped codes).
    triage: Slug = "nenc-level"
    scoring: Slug = "nenc-scoring"
    catalogue: Slug = "lsc-functions"
    places: list[PlaceIn] = Field(default_factory=list, max_length=100)


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
    places: set[str] = set()
    for i, place in enumerate(doc.places):
        if place.place in places:
            problems.append(
                located.problem(
                    ("proposals", "places", i, "place"), f"'{place.place}' appears twice"
                )
            )
        places.add(place.place)
        if place.option == "joint_commissioning" and not place.board:
            problems.append(
                located.problem(
                    ("proposals", "places", i, "board"),
                    "joint commissioning needs the place based board that decides for the partners",
                )
            )
    if problems:
        raise DocumentError(problems)
    return doc


def read(source: str | Path, text: str | bytes | None = None) -> Located:
    return read_yaml(source, text)


# Level-triage trees, scoring frameworks and catalogues of functions ---------------------------


class FrameworkHeader(Strict):
    code: Slug
    name: Name
    source: str = ""


class TreeHeader(FrameworkHeader):
    start: Slug


class AnswerIn(Strict):
    answer: Annotated[str, Field(min_length=1, max_length=60)]
    next: Slug


class QuestionIn(Strict):
    code: Slug
    text: Text
    help: Annotated[str, Field(max_length=2000)] = ""
    answers: list[AnswerIn] = Field(default_factory=list, max_length=10)


class ResultIn(Strict):
    code: Slug
    level: Literal[levels.LEVELS]  # type: ignore[valid-type]
    text: Text
    advice: Annotated[str, Field(max_length=2000)] = ""


class TreeDocument(Strict):
    tree: TreeHeader
    questions: list[QuestionIn] = Field(min_length=1, max_length=50)
    results: list[ResultIn] = Field(min_length=1, max_length=50)


def tree_of(doc: TreeDocument) -> levels.Tree:
    return levels.Tree(
        start=doc.tree.start,
        questions=tuple(
            levels.Question(
                q.code, q.text, tuple(levels.Answer(a.answer, a.next) for a in q.answers), q.help
            )
            for q in doc.questions
        ),
        results=tuple(levels.Result(r.code, r.level, r.text, r.advice) for r in doc.results),
    )


class ScaleIn(Strict):
    score: StrictInt
    name: Name


class ScoringHeader(FrameworkHeader):
    minimum: Decimal = Field(ge=0, le=10_000)
    wording: Annotated[str, Field(max_length=500)] = ""
    scale: list[ScaleIn] = Field(default_factory=list, max_length=5)


class DescriptorIn(Strict):
    score: StrictInt
    text: Text


class CriterionIn(Strict):
    code: Slug
    name: Name
    weight: Decimal = Field(default=Decimal(1), ge=0, le=100)
    descriptors: list[DescriptorIn] = Field(default_factory=list, max_length=10)


class ScoringDocument(Strict):
    scoring: ScoringHeader
    criteria: list[CriterionIn] = Field(min_length=1, max_length=30)


def framework_of(doc: ScoringDocument) -> scoring.Framework:
    return scoring.Framework(
        criteria=tuple(
            scoring.Criterion(
                c.code, c.name, tuple((d.score, d.text) for d in c.descriptors), c.weight
            )
            for c in doc.criteria
        ),
        minimum=doc.scoring.minimum,
        wording=doc.scoring.wording,
    )


class HeadingIn(Strict):
    code: Slug
    name: Name
    level: Literal[levels.LEVELS]  # type: ignore[valid-type]


class FunctionIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=500)]
    heading: Slug
    terms: list[Annotated[str, Field(min_length=1, max_length=60)]] = Field(
        default_factory=list, max_length=20
    )


class CatalogueHeader(FrameworkHeader):
    wording: Annotated[str, Field(max_length=500)] = ""


class CatalogueDocument(Strict):
    catalogue: CatalogueHeader
    headings: list[HeadingIn] = Field(min_length=1, max_length=10)
    functions: list[FunctionIn] = Field(min_length=1, max_length=200)


KINDS = {"tree": "triage", "scoring": "scoring", "catalogue": "catalogue"}


def kind_of(located: Located) -> str:
    """Which kind of framework a document holds, by its first key."""
    data = located.data if isinstance(located.data, dict) else {}
    for key, kind in KINDS.items():
        if key in data:
            return kind
    raise DocumentError(
        [located.problem((), "a framework document starts with tree:, scoring: or catalogue:")]
    )


def check_framework(located: Located) -> tuple[str, Any, dict[str, Any]]:
    """(kind, document, compiled plain data) for a tree, scoring framework or catalogue, or a
    DocumentError naming every problem."""
    kind = kind_of(located)
    problems: list[Problem] = []
    doc: Any
    if kind == "triage":
        doc = validate(located, TreeDocument)
        problems += [located.problem(loc, m) for loc, m in levels.check_tree(tree_of(doc))]
    elif kind == "scoring":
        doc = validate(located, ScoringDocument)
        problems += [
            located.problem(loc, m) for loc, m in scoring.check_framework(framework_of(doc))
        ]
        for i, s in enumerate(doc.scoring.scale):
            if s.score not in range(1, 6):
                problems.append(
                    located.problem(
                        ("scoring", "scale", i, "score"),
                        f"score {s.score} is outside the scale 1–5",
                    )
                )
    else:
        doc = validate(located, CatalogueDocument)
        headings = {h.code for h in doc.headings}
        for i, f in enumerate(doc.functions):
            if f.heading not in headings:
                problems.append(
                    located.problem(
                        ("functions", i, "heading"),
                        f"unknown heading '{f.heading}'; the headings are {', '.join(sorted(headings))}",
                    )
                )
    if problems:
        raise DocumentError(sorted(problems, key=lambda p: p.line or 0))
    return kind, doc, doc.model_dump(mode="json", by_alias=True)


def shipped_framework(code: str) -> Path | None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", code):
        return None
    path = FRAMEWORKS / f"{code}.yaml"
    return path if path.is_file() else None


def compiled_tree(data: dict[str, Any]) -> levels.Tree:
    return tree_of(TreeDocument.model_validate(data))


def compiled_framework(data: dict[str, Any]) -> scoring.Framework:
    return framework_of(ScoringDocument.model_validate(data))


def compiled_functions(data: dict[str, Any]) -> list[levels.Function]:
    doc = CatalogueDocument.model_validate(data)
    return [levels.Function(f.name, f.heading, tuple(f.terms)) for f in doc.functions]


# Documents holding one proposal's answers or scores (the command line) ---------------------------

INTERESTS = (
    "none",
    "financial",
    "non_financial_professional",
    "non_financial_personal",
    "indirect",
)


class TriageSheet(Strict):
    proposal: Name
    tree: Annotated[str, Field(min_length=1, max_length=100)] = "nenc-level"
    answers: dict[Slug, Annotated[str, Field(max_length=60)]] = Field(default_factory=dict)


class TriageSheetDocument(Strict):
    triage: TriageSheet


class AssessorIn(Strict):
    name: Name
    interest: Literal[INTERESTS] = "none"  # type: ignore[valid-type]
    scores: dict[Slug, StrictInt | None] = Field(default_factory=dict)


class ModeratedIn(Strict):
    score: StrictInt
    rationale: Text


class ScoreSheet(Strict):
    proposal: Name
    framework: Annotated[str, Field(min_length=1, max_length=100)] = "nenc-scoring"
    assessors: list[AssessorIn] = Field(default_factory=list, max_length=50)
    moderated: dict[Slug, ModeratedIn] = Field(default_factory=dict)


class ScoreSheetDocument(Strict):
    scoring: ScoreSheet
