"""Workflows as graphs: the checks a workflow document must pass before it is loaded, and the
questions asked of it afterwards. Pure: plain data in, problems or answers out (no Django).

A workflow is a set of states joined by transitions. It is sound when every state can be reached
from the initial state, every state that is not final has a way out, and from every state some
final state can still be reached (a loop with no exit is a dead end too).
"""

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class State:
    code: str
    name: str
    stage: int | None = None
    final: bool = False
    public: bool = False


@dataclass(frozen=True)
class Transition:
    code: str
    name: str
    sources: tuple[str, ...]
    target: str
    # Who makes it: a role in the lead organisation, the recorded outcomes of bodies (by the
    # workflow's names for them), or every step of the governance route decided.
    role: str = ""
    bodies: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    route: bool = False
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class Graph:
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    bodies: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    # Where each state and transition was written (its index), for the problems' locations.
    positions: dict[str, int] = field(default_factory=dict, compare=False)

    def state(self, code: str) -> State:
        return next(s for s in self.states if s.code == code)

    def leaving(self, code: str) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if code in t.sources)


def _reach(start: Iterable[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _listed(codes: Iterable[str]) -> str:
    return ", ".join(sorted(codes)) or "none"


def check(graph: Graph) -> list[tuple[Location, str]]:
    """Every problem with the workflow, each at the place in the document that says it."""
    problems: list[tuple[Location, str]] = []
    codes: dict[str, int] = {}
    for i, s in enumerate(graph.states):
        if s.code in codes:
            problems.append(
                (("states", i, "code"), f"state '{s.code}' is already state {codes[s.code] + 1}")
            )
        codes.setdefault(s.code, i)
    if not any(s.final for s in graph.states):
        problems.append((("states",), "no state is final: a proposal could never finish"))
    if graph.initial not in codes:
        problems.append(
            (
                ("workflow", "initial"),
                f"unknown state '{graph.initial}'; the states are {_listed(codes)}",
            )
        )
    seen_transitions: set[str] = set()
    forward: dict[str, set[str]] = {}
    for i, t in enumerate(graph.transitions):
        if t.code in seen_transitions:
            problems.append((("transitions", i, "code"), f"transition '{t.code}' appears twice"))
        seen_transitions.add(t.code)
        for j, source in enumerate(t.sources):
            where: Location = (
                ("transitions", i, "from", j)
                if len(t.sources) > 1
                else (
                    "transitions",
                    i,
                    "from",
                )
            )
            if source not in codes:
                problems.append(
                    (where, f"unknown state '{source}'; the states are {_listed(codes)}")
                )
            elif graph.states[codes[source]].final:
                problems.append((where, f"'{source}' is final: no transition may leave it"))
        if t.target not in codes:
            problems.append(
                (
                    ("transitions", i, "to"),
                    f"unknown state '{t.target}'; the states are {_listed(codes)}",
                )
            )
        for source in t.sources:
            forward.setdefault(source, set()).add(t.target)
        for j, body in enumerate(t.bodies):
            if body not in graph.bodies:
                problems.append(
                    (
                        ("transitions", i, "by", "bodies", j),
                        f"unknown body '{body}'; the workflow names {_listed(graph.bodies)}",
                    )
                )
        for j, kind in enumerate(t.requires):
            if kind not in graph.documents:
                problems.append(
                    (
                        ("transitions", i, "requires", j),
                        f"unknown document '{kind}'; the workflow names {_listed(graph.documents)}",
                    )
                )
    if problems:
        return problems  # the graph's shape means little until its names are right
    reachable = _reach([graph.initial], forward)
    backward: dict[str, set[str]] = {}
    for source, targets in forward.items():
        for target in targets:
            backward.setdefault(target, set()).add(source)
    finishing = _reach([s.code for s in graph.states if s.final], backward)
    for i, s in enumerate(graph.states):
        if s.code not in reachable:
            problems.append(
                (
                    ("states", i, "code"),
                    f"state '{s.code}' cannot be reached from '{graph.initial}': no transition "
                    "from a reachable state leads to it",
                )
            )
        elif not s.final and not forward.get(s.code):
            problems.append(
                (
                    ("states", i, "code"),
                    f"state '{s.code}' is a dead end: no transition leaves it and it is not final",
                )
            )
        elif s.code not in finishing:
            problems.append(
                (
                    ("states", i, "code"),
                    f"state '{s.code}' is a dead end: from it no final state can be reached",
                )
            )
    return problems


def path(graph: Graph) -> list[State]:
    """The states in the order a proposal meets them on its way to a final state: breadth first
    from the initial state (the board's columns)."""
    order = [graph.initial]
    queue = deque(order)
    while queue:
        for t in graph.leaving(queue.popleft()):
            if t.target not in order:
                order.append(t.target)
                queue.append(t.target)
    rank = {code: i for i, code in enumerate(order)}
    return sorted(
        graph.states, key=lambda s: (s.final, s.final and not s.public, rank.get(s.code, len(rank)))
    )


# What a step of the governance route needs, and which recorded outcomes answer it ------------

ANSWERS = {
    "consult": ("consultation", "recommendation", "sign_off"),
    "recommend": ("recommendation", "sign_off"),
    "decide": ("decision",),
    "decide_jointly": ("decision",),
}


@dataclass(frozen=True)
class Answer:
    """A recorded outcome offered as an answer to a route step: `body` is the code of the body
    that recorded it ("" for an officer's)."""

    reference: str
    outcome: str
    step: str
    body: str
    binds: tuple[str, ...]
    superseded: bool = False
    questioned: bool = False


@dataclass(frozen=True)
class StepState:
    step: str
    kind: str
    organisation: str
    answered_by: str = ""
    missing: str = ""


def route_state(
    steps: Iterable[tuple[str, str, str, str]], answers: Iterable[Answer]
) -> list[StepState]:
    """For each step (id, kind, organisation, the body that takes it or "" for an officer), the
    recorded outcome that answers it, or why none does. Only the body the step names answers
    it (an officer's step: only an officer's record). A decision answers a decide step only
    where it binds the step's organisation (every one of them, for a joint decision: "A+B+C");
    a corrected or rescinded outcome, or one the latest revalidation questioned, answers
    nothing."""
    by_step: dict[str, list[Answer]] = {}
    for a in answers:
        by_step.setdefault(a.step, []).append(a)
    out = []
    for step, kind, organisation, body in steps:
        found = [a for a in by_step.get(step, []) if a.body == body]
        elsewhere = [a for a in by_step.get(step, []) if a.body != body]
        good = [
            a
            for a in found
            if a.outcome in ANSWERS[kind]
            and not a.superseded
            and not a.questioned
            and (not kind.startswith("decide") or set(organisation.split("+")) <= set(a.binds))
        ]
        if good:
            out.append(StepState(step, kind, organisation, answered_by=good[0].reference))
            continue
        if not found and elsewhere:
            why = (f"only {body}" if body else "only an officer") + " answers it"
        elif not found:
            why = "nothing is recorded for it yet"
        elif all(a.superseded for a in found):
            why = "what was recorded has been corrected or rescinded"
        elif any(a.questioned for a in found):
            why = "the latest revalidation found what was recorded no longer valid"
        elif any(a.outcome not in ANSWERS[kind] for a in found):
            why = f"a {found[0].outcome.replace('_', '-')} does not answer a {kind.replace('_', ' ')} step"
        else:
            why = f"the decision recorded does not bind {organisation}"
        out.append(StepState(step, kind, organisation, missing=why))
    return out
