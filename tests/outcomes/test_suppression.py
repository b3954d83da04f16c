"""Secondary suppression: no figure the public sees lets a suppressed count be worked out by
subtracting from a total (a PCN less its other practices, persons less females), and a row that
leaves its count out is judged by the count its value and denominator imply."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commonweal.core.actions import Actor
from commonweal.outcomes import actions, exports, fingertips, presenters, rules, suppression
from commonweal.outcomes.models import Indicator, Value

SMOKING = "smoking-prevalence-adults"


# The rule, on plain data ------------------------------------------------------------------------


@st.composite
def networks(draw):
    """Counts of practices in a few PCNs, each PCN's total their sum, and the groups."""
    counts: dict[str, float | None] = {}
    groups = []
    for n in range(draw(st.integers(1, 4))):
        parts = draw(st.lists(st.integers(0, 60), min_size=1, max_size=6))
        names = [f"p{n}.{i}" for i in range(len(parts))]
        counts.update(zip(names, parts, strict=True))
        counts[f"pcn{n}"] = sum(parts)
        groups.append((f"pcn{n}", *names))
    counts["all"] = sum(c for k, c in counts.items() if k.startswith("pcn"))
    groups.append(("all", *(f"pcn{n}" for n in range(len(groups)))))
    return counts, groups


@settings(max_examples=300, deadline=None)
@given(networks(), st.integers(1, 20))
def test_no_group_is_left_with_one_figure_withheld(drawn, threshold):
    counts, groups = drawn
    small = {k for k, c in counts.items() if rules.suppressed(c, threshold)}
    extra = rules.withhold(counts, groups, threshold)
    hidden = small | extra
    assert not extra & small
    for group in groups:
        assert sum(k in hidden for k in group) != 1, (group, hidden)
    # Nothing is withheld where nothing is small.
    if not small:
        assert not extra


def test_the_next_smallest_is_withheld_and_a_group_with_an_unknown_count_is_passed_over():
    counts = {"pcn": 40.0, "a": 3.0, "b": 12.0, "c": 25.0}
    assert rules.withhold(counts, [("pcn", "a", "b", "c")], 5) == {"b"}
    # Two small ones already protect each other.
    assert rules.withhold({**counts, "b": 4.0}, [("pcn", "a", "b", "c")], 5) == set()
    assert rules.withhold({**counts, "pcn": None}, [("pcn", "a", "b", "c")], 5) == set()


def test_a_count_left_out_is_worked_back_for_a_proportion_not_for_a_dsr():
    assert rules.effective_count(None, 2.0, 150.0, "proportion", 100) == 3.0
    assert rules.effective_count(None, 20.0, 15_000.0, "crude_rate", 100_000) == 3.0
    assert rules.effective_count(None, 2.0, 150.0, "dsr", 100_000) is None
    assert rules.effective_count(7.0, 2.0, 150.0, "proportion", 100) == 7.0


# Through an import, the presenters and the public API ------------------------------------------


def _row(code: str, area_type: str, count: float | None, n: float, **extra) -> fingertips.Row:
    fields = {
        "indicator_id": "92443",
        "indicator_name": "Smoking prevalence in adults (18+)",
        "parent_code": "U00001" if area_type == "GPs" else "E38000230",
        "parent_name": "",
        "area_code": code,
        "area_name": f"Area {code}",
        "area_type": area_type,
        "sex": "Persons",
        "age": "18+ yrs",
        "category_type": "",
        "category": "",
        "time_period": "2019",
        "value": 100 * (count if count is not None else 3) / n,
        "lower95": None,
        "upper95": None,
        "lower998": None,
        "upper998": None,
        "count": count,
        "denominator": n,
        "value_note": "",
        "recent_trend": "",
        "compared_to_england": "",
        "compared_to_parent": "",
        "time_period_sortable": "20190000",
        "new_data": "",
        "compared_to_goal": "",
    }
    return fingertips.Row(**{**fields, **extra})


ROWS = [
    _row("U00001", "PCNs", 40, 400),
    _row("A00001", "GPs", 3, 100),
    _row("A00002", "GPs", 12, 100),
    _row("A00003", "GPs", 25, 200),
    _row("U00001", "PCNs", 2, 190, sex="Male"),
    _row("U00001", "PCNs", 38, 210, sex="Female"),
    # No count given: 2% of 150 is 3 people.
    _row("A00009", "GPs", None, 150, parent_code="U00009"),
]


@pytest.fixture
def imported(framework, devon):
    data = fingertips.write(fingertips.Table(tuple(ROWS), "CCGs", False))
    actions.import_fingertips(Actor.command_line(), "pcn.csv", data)
    indicator = Indicator.objects.get(code=SMOKING)
    return indicator, {(v.area_code, v.sex): v for v in Value.objects.filter(indicator=indicator)}


@pytest.mark.django_db
def test_an_import_marks_the_complements_and_the_public_figures_leave_them_out(imported):
    indicator, values = imported
    marked = {k for k, v in values.items() if v.withheld_as_complement}
    # A00002 (12) would give A00001 (3) away as 40 - 12 - 25; females (38) would give males (2).
    assert marked == {("A00002", "Persons"), ("U00001", "Female")}
    for key in marked:
        seen = presenters.figure(values[key], indicator, public=True)
        assert seen.suppressed and seen.note == rules.COMPLEMENT_NOTE
        assert (seen.value, seen.count, seen.lower95) == (None, None, None)
        assert not presenters.figure(values[key], indicator, public=False).suppressed
    # The total and the largest practice are still shown.
    for key in (("U00001", "Persons"), ("A00003", "Persons")):
        assert presenters.figure(values[key], indicator, public=True).count is not None
    # The row without a count is suppressed for the count it implies.
    implied = presenters.figure(values[("A00009", "Persons")], indicator, public=True)
    assert implied.suppressed and implied.value is None
    assert implied.note == rules.suppression_note(5)


@pytest.mark.django_db
def test_the_public_fingertips_download_withholds_the_complement_too(imported):
    indicator, _ = imported
    table = fingertips.read(exports.fingertips_csv(indicator, public=True), "download.csv")
    by = {(r.area_code, r.sex): r for r in table.rows}
    assert by[("A00002", "Persons")].count is None and by[("A00002", "Persons")].value is None
    assert by[("U00001", "Female")].count is None
    assert by[("A00003", "Persons")].count == 25


@pytest.mark.django_db
def test_a_new_threshold_is_applied_by_working_the_marks_out_again(imported, settings):
    indicator, _ = imported
    settings.OUTCOMES_SMALL_NUMBER = 13
    suppression.withhold_small_numbers(Actor.command_line())
    values = {(v.area_code, v.sex): v for v in Value.objects.filter(indicator=indicator)}
    # 3 and 12 are both small now and protect each other: nothing more is withheld for them.
    assert not values[("A00002", "Persons")].withheld_as_complement
    assert not values[("A00003", "Persons")].withheld_as_complement
    assert presenters.figure(values[("A00002", "Persons")], indicator, public=True).suppressed
    assert presenters.figure(values[("A00003", "Persons")], indicator, public=True).count == 25


@pytest.mark.django_db
def test_the_marks_are_the_same_when_a_release_comes_in_two_files(framework, devon):
    # The first file's values are marked as they are written (nothing else of the period is
    # stored); the second's find the first's beside them and the period is read back whole.
    for name, rows in (
        ("practices.csv", ROWS[1:4] + ROWS[6:]),
        ("pcns.csv", [ROWS[0], *ROWS[4:6]]),
    ):
        data = fingertips.write(fingertips.Table(tuple(rows), "CCGs", False))
        actions.import_fingertips(Actor.command_line(), name, data)
    marked = {
        (v.area_code, v.sex)
        for v in Value.objects.filter(indicator__code=SMOKING, withheld_as_complement=True)
    }
    assert marked == {("A00002", "Persons"), ("U00001", "Female")}
