"""Dates as the field uses them: periods in force, and which of several overlap."""

from dataclasses import dataclass
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from commonweal.core.dates import overlaps


@dataclass(frozen=True)
class Line:
    starts: date | None
    ends: date | None


def share_a_day(a: Line, b: Line) -> bool:
    return (a.starts or date.min) <= (b.ends or date.max) and (b.starts or date.min) <= (
        a.ends or date.max
    )


def test_an_undated_line_overlaps_every_other():
    lines = [Line(None, None), Line(date(2020, 1, 1), None)]
    assert overlaps(enumerate(lines)) == [(1, 0)]
    ended = [Line(None, date(2019, 12, 31)), Line(date(2020, 1, 1), None)]
    assert overlaps(enumerate(ended)) == [], "one ending the day before the next starts"


days = st.one_of(st.none(), st.integers(0, 30).map(lambda n: date(2020, 1, 1) + timedelta(n)))


@given(st.lists(st.tuples(days, days), max_size=8))
def test_overlaps_are_found_exactly_when_two_lines_share_a_day(periods):
    lines = [Line(s, e) for s, e in periods if s is None or e is None or s <= e]
    found = overlaps(enumerate(lines))
    assert all(share_a_day(lines[a], lines[b]) and a > b for a, b in found)
    any_pair = any(share_a_day(lines[i], lines[j]) for i in range(len(lines)) for j in range(i))
    assert bool(found) == any_pair
    # One pair for each line that shares a day with a line starting before it (or with it).
    order = sorted(range(len(lines)), key=lambda i: (lines[i].starts or date.min, i))
    later = [
        i for n, i in enumerate(order) if any(share_a_day(lines[i], lines[j]) for j in order[:n])
    ]
    assert len(found) == len(later)
