"""Workflows as graphs (pure): the checks refuse what would strand a proposal, and accept what
would not, on random graphs as well as the shipped ones; route steps answered only by the right
outcome, unchanged and binding."""

from collections import deque

from hypothesis import given
from hypothesis import strategies as st

from commonweal.proposals import rules
from commonweal.proposals.rules import Answer, Graph, State, Transition


def graph(edges: list[tuple[int, int]], n: int, finals: set[int]) -> Graph:
    states = tuple(State(f"s{i}", f"State {i}", final=i in finals) for i in range(n))
    transitions = tuple(
        Transition(f"t{k}", f"T {k}", (f"s{a}",), f"s{b}", role="commissioner")
        for k, (a, b) in enumerate(edges)
        if a not in finals
    )
    return Graph("s0", states, transitions)


def reachable(g: Graph, start: str, forward: bool = True) -> set[str]:
    """Breadth first, written here again as the test's own oracle."""
    edges = [(s, t.target) for t in g.transitions for s in t.sources]
    if not forward:
        edges = [(b, a) for a, b in edges]
    seen, queue = {start}, deque([start])
    while queue:
        here = queue.popleft()
        for a, b in edges:
            if a == here and b not in seen:
                seen.add(b)
                queue.append(b)
    return seen


@st.composite
def graphs(draw):
    n = draw(st.integers(2, 8))
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=20))
    finals = draw(st.sets(st.integers(1, n - 1), min_size=1, max_size=n - 1))
    return graph(edges, n, finals)


@given(graphs())
def test_a_graph_passes_exactly_when_every_state_is_reachable_and_can_finish(g):
    problems = rules.check(g)
    from_start = reachable(g, "s0")
    sound = all(
        s.code in from_start
        and (s.final or any(f.code in reachable(g, s.code) for f in g.states if f.final))
        for s in g.states
    )
    assert (problems == []) == sound, problems
    for loc, message in problems:
        assert loc[0] == "states" and isinstance(loc[1], int)
        code = g.states[loc[1]].code
        assert f"'{code}'" in message
        assert ("cannot be reached" in message) == (code not in from_start)


@given(graphs())
def test_the_board_order_lists_every_state_once_finals_last(g):
    order = [s.code for s in rules.path(g)]
    assert sorted(order) == sorted(s.code for s in g.states)
    finals = [i for i, code in enumerate(order) if g.state(code).final]
    assert finals == list(range(len(order) - len(finals), len(order)))


def test_unknown_states_bodies_and_documents_are_named_where_written():
    g = Graph(
        "draft",
        (State("draft", "Draft"), State("done", "Done", final=True)),
        (
            Transition("go", "Go", ("draft",), "dnoe", bodies=("board",), outcomes=("decision",)),
            Transition("back", "Back", ("done",), "draft", role="commissioner", requires=("qia",)),
        ),
        bodies=("panel",),
    )
    problems = dict(rules.check(g))
    assert problems[("transitions", 0, "to")] == "unknown state 'dnoe'; the states are done, draft"
    assert "unknown body 'board'" in problems[("transitions", 0, "by", "bodies", 0)]
    assert "'done' is final" in problems[("transitions", 1, "from")]
    assert "unknown document 'qia'" in problems[("transitions", 1, "requires", 0)]


STEPS = [
    ("15N.R1.recommend", "recommend", "15N", "ice"),
    ("joint.jc.decide_jointly", "decide_jointly", "A+B", "jc"),
]
TAKERS = {"15N.R1.recommend": "ice", "joint.jc.decide_jointly": "jc"}


def answer(step, outcome, binds=(), body=None, **more):
    taker = TAKERS[step] if body is None else body
    return Answer(f"D1 {outcome}", outcome, step, taker, tuple(binds), **more)


def test_each_step_is_answered_only_by_its_own_outcome_unchanged_and_binding():
    none = rules.route_state(STEPS, [])
    assert [s.missing for s in none] == ["nothing is recorded for it yet"] * 2
    wrong = rules.route_state(
        STEPS,
        [
            answer("15N.R1.recommend", "consultation"),
            answer("joint.jc.decide_jointly", "decision", ["A"]),
        ],
    )
    assert "does not answer a recommend step" in wrong[0].missing
    assert wrong[1].missing == "the decision recorded does not bind A+B"
    gone = rules.route_state(
        STEPS,
        [
            answer("15N.R1.recommend", "recommendation", superseded=True),
            answer("joint.jc.decide_jointly", "decision", ["A", "B"], questioned=True),
        ],
    )
    assert "corrected or rescinded" in gone[0].missing
    assert "revalidation" in gone[1].missing
    good = rules.route_state(
        STEPS,
        [
            answer("15N.R1.recommend", "sign_off"),
            answer("joint.jc.decide_jointly", "decision", ["B", "A"]),
        ],
    )
    assert all(s.answered_by and not s.missing for s in good)
    # Only the body the step names answers it: not another body, nor an officer.
    elsewhere = rules.route_state(
        STEPS,
        [
            answer("15N.R1.recommend", "recommendation", body="governing-body"),
            answer("joint.jc.decide_jointly", "decision", ["A", "B"], body=""),
        ],
    )
    assert [s.missing for s in elsewhere] == ["only ice answers it", "only jc answers it"]
