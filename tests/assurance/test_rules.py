"""Assurance rules: periods of the financial year, what makes an exception, how exceptions
carry from one period to the next."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commonweal.assurance import rules
from commonweal.assurance.models import QualityConcern


def test_quarters_follow_the_financial_year():
    q4 = rules.parse("2020-21-q4")
    assert (q4.start, q4.end, q4.label) == (date(2021, 1, 1), date(2021, 3, 31), "2020/21 Q4")
    assert q4.year_start == 2020 and q4.last_month == 12
    q1 = rules.parse("2018-19-q1")
    assert (q1.start, q1.end, q1.last_month) == (date(2018, 4, 1), date(2018, 6, 30), 3)
    m10 = rules.parse("2020-21-m10")
    assert (m10.start, m10.end, m10.last_month) == (date(2021, 1, 1), date(2021, 1, 31), 10)
    assert rules.previous(q1).slug == "2017-18-q4"
    assert rules.following(q4).slug == "2021-22-q1"
    assert rules.previous(rules.parse("2020-21-m1")).slug == "2019-20-m12"


@pytest.mark.parametrize(
    ("slug", "words"),
    [
        ("2020-22-q1", "not a financial year"),
        ("2020-21-q5", "Q1 to Q4"),
        ("2020-21-m13", "M1 to M12"),
        ("2020/21 Q4", "for example 2020-21-q4"),
        ("x" * 500, "is not a period"),
        ("1999-00-q1", "not a financial year"),
    ],
)
def test_a_period_that_cannot_be_read_is_refused_with_what_is_wrong(slug, words):
    with pytest.raises(rules.PeriodError, match=words):
        rules.parse(slug)


days = st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31))


@given(days, st.sampled_from(rules.FREQUENCIES))
def test_every_day_is_in_exactly_one_period_and_periods_chain(day, frequency):
    p = rules.containing(day, frequency)
    assert p.start <= day <= p.end
    assert rules.parse(p.slug) == p
    assert rules.following(rules.previous(p)) == p
    assert rules.previous(p).end.toordinal() + 1 == p.start.toordinal()


keys = st.frozensets(st.tuples(st.sampled_from("abcd"), st.sampled_from("xyz")), max_size=12)


@given(keys, keys)
def test_carry_splits_the_exceptions_without_losing_or_inventing_one(before, now):
    c = rules.carry(before, now)
    assert c.continued | c.opened == now
    assert c.continued | c.closed == before
    assert not (c.continued & c.opened) and not (c.continued & c.closed)
    assert not (c.opened & before) and not (c.closed & now)


def test_what_makes_an_exception():
    assert rules.spc_concern("special cause concern (high)")
    assert not rules.spc_concern("special cause improvement (high)")
    assert rules.misses_target(91.7, 95, "increase") and not rules.misses_target(96, 95, "increase")
    assert rules.misses_target(7.0, 6.0, "low_is_good") and not rules.misses_target(7, 6, "neither")
    assert not rules.misses_target(None, 95, "increase")
    assert rules.at_least("severe", "high") and not rules.at_least("moderate", "high")
    assert rules.overdue(date(2021, 1, 1), date(2021, 3, 31), 60)
    assert not rules.overdue(date(2021, 3, 1), date(2021, 3, 31), 60)


def test_the_severities_are_the_models_choices():
    assert tuple(QualityConcern.Severity.values) == rules.SEVERITIES
