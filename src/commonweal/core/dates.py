"""Dates as the field uses them: in force on a day, parsed with a sentence when they are not.

Pure Python (no Django): the engine and rules modules use it too.
"""

import re
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Protocol

from pydantic import BeforeValidator

# The range a date in Commonweal may take: wide enough for history and plans, narrow enough
# that a mistyped year (20199) is caught rather than stored.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")


def in_force(on: date, starts: date | None, ends: date | None) -> bool:
    """In force on a day: started by then (or undated) and not yet ended (ends is inclusive).

    The same rule as `commonweal.core.models.in_force`, for one row already in memory.
    """
    return (starts is None or starts <= on) and (ends is None or on <= ends)


class Period(Protocol):
    @property
    def starts(self) -> date | None: ...
    @property
    def ends(self) -> date | None: ...


def overlaps[T: Period](periods: Iterable[tuple[int, T]]) -> list[tuple[int, int]]:
    """Numbered periods that share a day with another, as (later, earlier) by number: each
    period that overlaps one before it is named once, with one it overlaps.

    Sorted by start and swept once (n log n), so a long list costs little. An undated start is
    the beginning of time, an undated end its end; `ends` is the last day in force.
    """
    ordered = sorted(periods, key=lambda p: (p[1].starts or date.min, p[0]))
    out: list[tuple[int, int]] = []
    furthest: tuple[int, date] | None = None  # the period that reaches furthest so far
    for number, period in ordered:
        starts, ends = period.starts or date.min, period.ends or date.max
        if furthest is not None and starts <= furthest[1]:
            out.append((max(number, furthest[0]), min(number, furthest[0])))
        if furthest is None or ends > furthest[1]:
            furthest = (number, ends)
    return out


def real_date(year: int, month: int, day: int) -> date:
    """A date from its parts, or ValueError with a sentence saying what is wrong with it."""
    if not 1 <= month <= 12:
        raise ValueError("must be a real date: the month must be between 1 and 12")
    try:
        value = date(year, month, day)
    except (ValueError, OverflowError):  # OverflowError: a part too large for the C library
        raise ValueError(
            f"must be a real date: {date(year, month, 1):%B %Y} has no day {day}"
            if 1 <= year <= 9999 and -100 < day < 100
            else "must be a real date"
        ) from None
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year}")
    return value


def parse_date(value: object) -> date:
    """A date from YYYY-MM-DD text (or a date), or ValueError with a sentence."""
    if isinstance(value, date):
        return real_date(value.year, value.month, value.day)
    text = str(value).strip()
    match = ISO_DATE.match(text)
    if not match:
        raise ValueError("must be a date written as YYYY-MM-DD, for example 2019-04-01")
    year, month, day = (int(part) for part in match.groups())
    return real_date(year, month, day)


def _day(value: object) -> date:
    if isinstance(value, bool) or not isinstance(value, str | date):
        raise ValueError("must be a date written as YYYY-MM-DD, for example 2019-04-01")
    return parse_date(value)


# A pydantic field holding a real date: documents and the API give YYYY-MM-DD text.
Day = Annotated[date, BeforeValidator(_day)]
