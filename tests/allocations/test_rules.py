"""Capitation and the allocation's summary, as pure rules: the parts add up to the total
exactly, follow the (weighted) populations, a weight of 1 is the raw population, and what
cannot be shared is refused with a clear message."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonweal.allocations.rules import (
    CapitationError,
    LineIn,
    PlaceIn,
    capitate,
    check_lines,
    summarise,
)

populations = st.lists(st.integers(min_value=0, max_value=2_000_000), min_size=1, max_size=12)
totals = st.integers(min_value=0, max_value=10**14)
factors = st.decimals(min_value=0, max_value=10, places=4, allow_nan=False, allow_infinity=False)


def _places(pops: list[int]) -> list[PlaceIn]:
    return [PlaceIn(f"p{i}", f"Place {i}", n) for i, n in enumerate(pops)]


@given(totals, populations)
def test_the_parts_add_up_to_the_total_and_each_is_within_a_penny_of_its_share(total, pops):
    if sum(pops) == 0:
        with pytest.raises(CapitationError, match="no registered population"):
            capitate(total, _places(pops))
        return
    c = capitate(total, _places(pops))
    assert sum(p.amount for p in c.places) == total
    whole = sum(pops)
    for p in c.places:
        exact = Fraction(total * p.population, whole)
        assert exact - 1 < p.amount < exact + 1
        assert p.share == Fraction(p.population, whole)
        assert p.amount >= 0


@given(totals, populations, st.data())
def test_weighted_parts_add_up_and_follow_the_weighted_population(total, pops, data):
    weights = {f"p{i}": data.draw(factors) for i in range(len(pops))}
    weighted = sum(n * Fraction(weights[f"p{i}"]) for i, n in enumerate(pops))
    if sum(pops) == 0 or weighted == 0:
        with pytest.raises(CapitationError):
            capitate(total, _places(pops), "Need index", weights)
        return
    c = capitate(total, _places(pops), "Need index", weights)
    assert sum(p.amount for p in c.places) == total
    for p in c.places:
        exact = total * p.population * Fraction(weights[p.code]) / weighted
        assert exact - 1 < p.amount < exact + 1
    assert "weighted by Need index" in c.explanation


@given(totals, populations)
def test_a_weight_of_one_everywhere_is_the_raw_population(total, pops):
    if sum(pops) == 0:
        return
    raw = capitate(total, _places(pops))
    ones = capitate(total, _places(pops), "Flat", {f"p{i}": Decimal(1) for i in range(len(pops))})
    assert [p.amount for p in raw.places] == [p.amount for p in ones.places]


@given(totals, st.integers(min_value=1, max_value=1_000_000), st.integers(2, 8))
def test_equal_populations_get_amounts_at_most_a_penny_apart(total, n, k):
    c = capitate(total, _places([n] * k))
    amounts = [p.amount for p in c.places]
    assert max(amounts) - min(amounts) <= 1


def test_a_worked_example_with_largest_remainders():
    # £100.00 among 1:1:1 leaves a penny over, given to the first by code on a tie.
    c = capitate(100_00, _places([10, 10, 10]))
    assert [p.amount for p in c.places] == [33_34, 33_33, 33_33]
    # 6,000 pence among 50,000 / 30,000 / 20,000 people: 3,000, 1,800, 1,200.
    c = capitate(6_000, _places([50_000, 30_000, 20_000]))
    assert [p.amount for p in c.places] == [3_000, 1_800, 1_200]
    assert c.places[0].share_percent == Decimal("50.00")
    assert c.population == 100_000
    assert "raw registered population" in c.explanation
    assert "£60" in c.explanation


def test_refusals_say_what_is_wrong():
    with pytest.raises(CapitationError, match="no registered population between them"):
        capitate(1_00, _places([0, 0]))
    with pytest.raises(CapitationError, match="must be zero or more"):
        capitate(1_00, _places([1, 2]), "Need", {"p0": Decimal("-1"), "p1": Decimal(1)})
    with pytest.raises(CapitationError, match="gives no factor for Place 1"):
        capitate(1_00, _places([1, 2]), "Need", {"p0": Decimal(1)})
    with pytest.raises(CapitationError, match="'p9' is not one of the places"):
        capitate(1_00, _places([1]), "Need", {"p0": Decimal(1), "p9": Decimal(1)})
    with pytest.raises(CapitationError, match="add up to nothing"):
        capitate(1_00, _places([1, 2]), "Need", {"p0": Decimal(0), "p1": Decimal(0)})
    with pytest.raises(CapitationError, match="Name the weighting"):
        capitate(1_00, _places([1]), "", {"p0": Decimal(1)})
    with pytest.raises(CapitationError, match="named twice"):
        capitate(1_00, [PlaceIn("a", "A", 1), PlaceIn("a", "A", 1)])
    with pytest.raises(CapitationError, match="must be £0 or more"):
        capitate(-1, _places([1]))
    with pytest.raises(CapitationError, match="no places"):
        capitate(1, [])


amounts = st.integers(min_value=1, max_value=10**12)
kinds = st.sampled_from(["growth", "investment", "disinvestment"])
lines = st.lists(
    st.builds(LineIn, st.sampled_from(["Acute", "Mental health", "Primary care"]), kinds, amounts),
    max_size=20,
)


@given(lines)
def test_the_summary_signs_disinvestment_and_adds_up_by_programme(ls):
    s = summarise(ls)
    growth = sum(x.amount for x in ls if x.kind == "growth")
    investment = sum(x.amount for x in ls if x.kind == "investment")
    out = sum(x.amount for x in ls if x.kind == "disinvestment")
    assert (s.growth, s.investment, s.disinvestment) == (growth, investment, -out)
    assert s.gross_new == growth + investment
    assert s.net_change == growth + investment - out
    assert sum(r.net for r in s.programmes) == s.net_change
    assert all(r.disinvestment <= 0 for r in s.programmes)


def test_lines_are_checked():
    problems = check_lines(
        [LineIn("", "growth", 1), LineIn("A", "windfall", 1), LineIn("A", "growth", 0)]
    )
    assert ("lines[0].programme", "Enter the programme") in problems
    assert problems[1][0] == "lines[1].kind"
    assert problems[2][0] == "lines[2].amount"
