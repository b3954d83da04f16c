"""At which level a service should be commissioned: level-triage trees (the North East and North
Cumbria flowchart) and the Lancashire and South Cumbria catalogue of functions. Pure: plain data
in, problems or an explained answer out (no Django).

A tree is a set of questions, each answer leading to another question or to a result. It is sound
when every question can be reached from the first, every answer leads somewhere that exists, no
path comes back to a question already asked (no cycles), and so every path ends in a result.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from commonweal.governance import engine

from .rules import Location

LEVELS = ("system", "place")


@dataclass(frozen=True)
class Answer:
    answer: str
    next: str


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    answers: tuple[Answer, ...]
    help: str = ""


@dataclass(frozen=True)
class Result:
    code: str
    level: str
    text: str
    advice: str = ""


@dataclass(frozen=True)
class Tree:
    start: str
    questions: tuple[Question, ...]
    results: tuple[Result, ...]

    def question(self, code: str) -> Question | None:
        return next((q for q in self.questions if q.code == code), None)

    def result(self, code: str) -> Result | None:
        return next((r for r in self.results if r.code == code), None)


def check_tree(tree: Tree) -> list[tuple[Location, str]]:
    """Every problem with the tree, each at the place in the document that says it."""
    problems: list[tuple[Location, str]] = []
    where: dict[str, Location] = {}
    named: list[tuple[str, int, str]] = [
        *(("questions", i, q.code) for i, q in enumerate(tree.questions)),
        *(("results", i, r.code) for i, r in enumerate(tree.results)),
    ]
    for kind, i, code in named:
        if code in where:
            problems.append(((kind, i, "code"), f"'{code}' is named twice"))
        where.setdefault(code, (kind, i))
    names = ", ".join(sorted(where)) or "none"
    if tree.start not in where:
        problems.append((("tree", "start"), f"unknown question '{tree.start}'; there are: {names}"))
    for i, q in enumerate(tree.questions):
        if not q.answers:
            problems.append(
                (("questions", i, "answers"), f"'{q.code}' is a dead end: it has no answers")
            )
        seen: set[str] = set()
        for j, a in enumerate(q.answers):
            if a.answer.casefold() in seen:
                problems.append(
                    (("questions", i, "answers", j, "answer"), f"'{a.answer}' is given twice")
                )
            seen.add(a.answer.casefold())
            if a.next not in where:
                problems.append(
                    (
                        ("questions", i, "answers", j, "next"),
                        f"a dead end: '{a.next}' is neither a question nor a result; "
                        f"there are: {names}",
                    )
                )
    problems += _cycles(tree, where)
    reached = _reached(tree)
    for code, location in where.items():
        if code not in reached and tree.start in where:
            problems.append(
                (
                    (*location, "code"),
                    f"'{code}' cannot be reached from the first question '{tree.start}'",
                )
            )
    return problems


def _edges(tree: Tree) -> dict[str, list[str]]:
    return {q.code: [a.next for a in q.answers] for q in tree.questions}


def _reached(tree: Tree) -> set[str]:
    edges, seen, stack = _edges(tree), {tree.start}, [tree.start]
    while stack:
        for n in edges.get(stack.pop(), []):
            if n not in seen:
                seen.add(n)
                stack.append(n)
    return seen


def _cycles(tree: Tree, where: Mapping[str, Location]) -> list[tuple[Location, str]]:
    """A question that an answer leads back to (depth-first, each cycle reported once)."""
    edges = _edges(tree)
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    problems: list[tuple[Location, str]] = []
    for root in edges:
        if state.get(root):
            continue
        path: list[tuple[str, Iterable[str]]] = [(root, iter(edges[root]))]
        state[root] = 1
        while path:
            node, children = path[-1]
            child = next(iter(children), None)
            if child is None:
                state[node] = 2
                path.pop()
            elif child in edges and state.get(child) == 1:
                cycle = [n for n, _ in path][[n for n, _ in path].index(child) :]
                problems.append(
                    (
                        (*where[node], "answers"),
                        "a cycle: "
                        + " → ".join([*cycle, child])
                        + " (a tree asks each question at most once)",
                    )
                )
            elif child in edges and not state.get(child):
                state[child] = 1
                path.append((child, iter(edges[child])))
    return problems


@dataclass(frozen=True)
class Step:
    question: str
    text: str
    answer: str


@dataclass(frozen=True)
class Walk:
    """The path taken through a tree and where it ended: a result, or the question still to
    answer (`missing`), or an answer the question does not offer (`invalid`)."""

    path: tuple[Step, ...]
    result: Result | None
    missing: str = ""
    invalid: str = ""

    @property
    def problem(self) -> str:
        return self.missing or self.invalid


def walk(tree: Tree, answers: Mapping[str, str]) -> Walk:
    """Follow the answers from the first question. Answers to questions off the path are not
    used. Matching is by the answer's words, ignoring case."""
    path: list[Step] = []
    code = tree.start
    for _ in range(len(tree.questions) + 1):
        result = tree.result(code)
        if result is not None:
            return Walk(tuple(path), result)
        q = tree.question(code)
        if q is None:  # a checked tree never gets here
            break
        given = (answers.get(q.code) or "").strip()
        if not given:
            return Walk(tuple(path), None, missing=q.code)
        chosen = next((a for a in q.answers if a.answer.casefold() == given.casefold()), None)
        if chosen is None:
            return Walk(tuple(path), None, invalid=q.code)
        path.append(Step(q.code, q.text, chosen.answer))
        code = chosen.next
    return Walk(tuple(path), None, missing=code)


# The Lancashire and South Cumbria catalogue ---------------------------------------------------


@dataclass(frozen=True)
class Function:
    name: str
    heading: str
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    heading: str
    function: str
    matched: tuple[str, ...]


_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.casefold()))


def suggest(functions: Iterable[Function], text: str) -> list[Suggestion]:
    """The catalogue's functions whose terms all appear in the text (a proposal's service and
    title), best matched first: a suggestion for a person to weigh, with the words it matched."""
    words = _words(text)
    found: list[tuple[int, int, Suggestion]] = []
    for i, f in enumerate(functions):
        matched = tuple(t for t in f.terms if _words(t) and _words(t) <= words)
        if matched:
            weight = sum(len(_words(t)) for t in matched)
            found.append((-weight, i, Suggestion(f.heading, f.name, matched)))
    return [s for _, _, s in sorted(found, key=lambda x: (x[0], x[1]))]


# South East London's options at a place, checked against the partners' schemes ---------------

GREATER, ALIGNED, JOINT = "greater_involvement", "aligned_commissioning", "joint_commissioning"


@dataclass(frozen=True)
class Delegated:
    """What one partner's scheme gives at a place, or to its board: one band of a delegation."""

    organisation: str
    clause: str
    decision_type: str
    lower: int  # pence, exclusive (except 0)
    upper: int | None
    taker: str  # a body code or a post reference
    body: bool
    joint: bool  # the taker is a body of more than one organisation


def delegated_at(
    gov: engine.Governance,
    footprints: Sequence[str],
    board: str | None,
    partners: Iterable[str],
    on: date,
) -> list[Delegated]:
    """What each partner's scheme gives for a place: delegations and reservations that apply
    there (no footprint, the place's own, or an area it lies in: `footprints`, the place first),
    and any to its board."""
    found: list[Delegated] = []
    for org in partners:
        scheme = gov.scheme_on(org, on)
        if scheme is None:
            continue
        for d in scheme.delegations:
            applies = d.footprint is None or d.footprint in footprints
            for band, clause in zip(d.bands, d.band_clauses, strict=True):
                if not applies and not (board and band.decider.body == board):
                    continue
                found.append(
                    _delegated(
                        gov,
                        org,
                        clause,
                        d.decision_type,
                        band.lower,
                        band.upper,
                        band.decider.body,
                        band.decider.post,
                    )
                )
        for r in scheme.reservations:
            for kind in sorted(r.decision_types):
                found.append(_delegated(gov, org, r.clause, kind, r.over or 0, None, r.body, None))
    return found


def _delegated(
    gov: engine.Governance,
    org: str,
    clause: str,
    kind: str,
    lower: int,
    upper: int | None,
    body: str | None,
    post: str | None,
) -> Delegated:
    fact = gov.bodies.get(body or "")
    return Delegated(
        org,
        clause,
        kind,
        lower,
        upper,
        body or post or "",
        body is not None,
        fact is not None and len(fact.owners) > 1,
    )


def check_place(
    gov: engine.Governance,
    option: str,
    footprints: Sequence[str],
    board: str | None,
    partners: Sequence[str],
    councils: Sequence[str],
    on: date,
) -> list[str]:
    """Why the option does not match the schemes: joint commissioning needs a board of the NHS
    and council partners together, to which every partner's scheme delegates at the place;
    greater involvement and aligned commissioning mean each organisation decides separately,
    so nothing that applies at the place may go to a joint board."""
    problems: list[str] = []
    delegated = delegated_at(gov, footprints, board, partners, on)
    if option == JOINT:
        fact = gov.bodies.get(board or "")
        if fact is None:
            return [f"the system has no body '{board}' to be the place based board"]
        nhs = [o for o in partners if o not in councils]
        if not nhs or not councils:
            problems.append(
                "joint commissioning is the NHS and the council deciding together: the place "
                f"needs both among its partners (it has {_and(gov.name(o) for o in partners) or 'none'})"
            )
        missing = [o for o in partners if o not in fact.owners]
        if missing or len(fact.owners) < 2:
            problems.append(
                f"{gov.name(fact.code)} is not a body of {_and(gov.name(o) for o in missing or partners)}: "
                "under joint commissioning the place based board is the partners' joint board "
                "(a committee in common or similar)"
            )
        for org in partners:
            scheme = gov.scheme_on(org, on)
            if scheme is None:
                problems.append(
                    f"{gov.name(org)} has no scheme of delegation in force on "
                    f"{on:%-d %B %Y}, so delegates nothing to {gov.name(fact.code)}"
                )
            elif not any(
                d.organisation == org and d.taker == fact.code
                for d in delegated_at(gov, footprints, None, [org], on)
            ):
                problems.append(
                    f"{gov.name(org)}'s scheme ({scheme.version}) delegates nothing to "
                    f"{gov.name(fact.code)} at this place: under joint commissioning each "
                    "partner's scheme delegates to the place based board"
                )
    else:
        label = "greater involvement" if option == GREATER else "aligned commissioning"
        for d in delegated:
            if d.joint:
                problems.append(
                    f"under {label} each organisation decides separately, but "
                    f"{gov.name(d.organisation)}'s scheme clause {d.clause} gives "
                    f"{d.decision_type.replace('_', ' ')} to {gov.name(d.taker)}, a joint board"
                )
    return problems


def _and(names: Iterable[str]) -> str:
    items = list(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
