"""Level-triage trees and scoring frameworks as data: the shipped ones load; a tree with a dead
end or a cycle, and a framework with a score of 6, a duplicate score or a minimum it cannot
reach, are refused with file, line and field. Property tests for the pure rules."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonweal.core.documents import DocumentError
from commonweal.proposals import documents, levels, scoring

TREE = documents.shipped_framework("nenc-level")
SCORING = documents.shipped_framework("nenc-scoring")


def check(path_or_text, name="doc.yaml"):
    text = path_or_text.read_text() if hasattr(path_or_text, "read_text") else path_or_text
    return documents.check_framework(documents.read(name, text))


def refusals(text: str) -> list[str]:
    with pytest.raises(DocumentError) as refused:
        check(text)
    return [str(p) for p in refused.value.problems]


def test_the_shipped_frameworks_load_as_the_seed_has_them():
    for code in ("nenc-level", "nenc-scoring", "lsc-functions"):
        assert check(documents.shipped_framework(code))
    fw = documents.framework_of(check(SCORING)[1])
    assert [c.code for c in fw.criteria] == [
        "aspirations",
        "quality-safety",
        "finance-efficiency",
        "risk",
        "delivery-timeline",
        "contracting-procurement",
    ]
    assert fw.minimum == 15 and fw.most == 30 and "15–25" in fw.wording
    # Descriptors missing in the seed stay missing.
    contracting = fw.criterion("contracting-procurement")
    assert [s for s, _ in contracting.descriptors] == [1, 5] and contracting.descriptor(3) == ""
    assert [s for s, _ in fw.criterion("delivery-timeline").descriptors] == [3, 4, 5]


def test_a_tree_with_a_dead_end_is_refused_with_its_line():
    text = TREE.read_text().replace("next: place}", "next: nowhere}")
    problems = refusals(text)
    assert any(
        "doc.yaml:28: questions[1].answers[1].next: a dead end: 'nowhere'" in p for p in problems
    ), problems
    no_answers = TREE.read_text().replace(
        """    answers:
      - {answer: "Yes", next: system}
      - {answer: "No", next: place-after-assessment}""",
        "    answers: []",
    )
    assert any("'assessment' is a dead end: it has no answers" in p for p in refusals(no_answers))


def test_a_tree_with_a_cycle_is_refused():
    text = TREE.read_text().replace(
        '{answer: "No", next: place-after-assessment}', '{answer: "No", next: national}'
    )
    problems = refusals(text)
    assert any("a cycle: national → assessment → national" in p for p in problems), problems


def test_a_framework_with_a_score_of_6_a_duplicate_or_an_unreachable_minimum_is_refused():
    six = SCORING.read_text().replace(
        "{score: 5, text: Strong quality evidence base.}",
        "{score: 6, text: Strong quality evidence base.}",
    )
    assert any(
        "criteria[1].descriptors[4].score: score 6 is outside the scale 1–5" in p
        for p in refusals(six)
    )
    twice = SCORING.read_text().replace(
        "{score: 4, text: Adequate amount of quality evidence.}",
        "{score: 3, text: Adequate amount of quality evidence.}",
    )
    assert any("score 3 has a descriptor already" in p for p in refusals(twice))
    high = SCORING.read_text().replace("minimum: 15", "minimum: 31")
    assert any(
        "scoring.minimum: the minimum 31 cannot be reached: the most a proposal can score is 30"
        in p
        for p in refusals(high)
    )
    weighted = (
        SCORING.read_text()
        .replace("  - code: risk\n", "  - code: risk\n    weight: 2\n")
        .replace("minimum: 15", "minimum: 31")
    )
    assert check(weighted)  # 35 with risk counted twice


# Properties -------------------------------------------------------------------------------------


@st.composite
def trees(draw):
    """Random trees: questions with answers leading anywhere (or nowhere), and results."""
    n = draw(st.integers(1, 6))
    results = [f"r{i}" for i in range(draw(st.integers(1, 3)))]
    targets = [f"q{i}" for i in range(n)] + results + ["missing"]
    questions = tuple(
        levels.Question(
            f"q{i}",
            f"Q{i}?",
            tuple(
                levels.Answer(f"a{j}", draw(st.sampled_from(targets)))
                for j in range(draw(st.integers(0, 3)))
            ),
        )
        for i in range(n)
    )
    return levels.Tree("q0", questions, tuple(levels.Result(r, "place", r) for r in results))


def _paths_end(tree: levels.Tree) -> bool:
    """Brute force: from every reachable question, every answer sequence ends in a result
    within as many steps as there are questions, and everything is reachable."""
    seen, frontier = set(), [("q0", ())]
    while frontier:
        code, path = frontier.pop()
        if tree.result(code):
            seen.add(code)
            continue
        q = tree.question(code)
        if q is None or not q.answers or code in path:
            return False
        seen.add(code)
        frontier += [(a.next, (*path, code)) for a in q.answers]
    return seen == {q.code for q in tree.questions} | {r.code for r in tree.results}


@given(trees())
def test_a_tree_passes_exactly_when_every_path_ends_in_a_result(tree):
    assert (levels.check_tree(tree) == []) == _paths_end(tree)


@given(
    trees(),
    st.dictionaries(
        st.sampled_from([f"q{i}" for i in range(6)]), st.sampled_from(["a0", "a1", "a2"])
    ),
)
def test_walking_a_sound_tree_ends_in_a_result_or_names_the_question(tree, answers):
    if levels.check_tree(tree):
        return
    walked = levels.walk(tree, answers)
    if walked.result is None:
        assert walked.problem in {q.code for q in tree.questions}
    else:
        assert all(answers[s.question] == s.answer for s in walked.path)


@given(
    st.lists(st.integers(1, 5), min_size=1, max_size=8),
    st.lists(st.decimals(min_value=Decimal("0.5"), max_value=3, places=1), min_size=8, max_size=8),
)
def test_the_total_is_the_weighted_sum_and_eligibility_follows_the_minimum(scores, weights):
    criteria = tuple(
        scoring.Criterion(f"c{i}", f"C{i}", weight=weights[i]) for i in range(len(scores))
    )
    fw = scoring.Framework(criteria, minimum=Decimal(15))
    sheet = {f"c{i}": s for i, s in enumerate(scores)}
    t = scoring.total(fw, sheet)
    assert t.total == sum(w * s for w, s in zip(weights, scores, strict=False))
    assert t.eligible == (t.total >= 15)
    partial = scoring.total(fw, {**sheet, "c0": None})
    assert not partial.eligible and partial.scored == len(scores) - 1
