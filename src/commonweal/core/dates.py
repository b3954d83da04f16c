"""Dates as the field uses them: in force on a day, parsed with a sentence when they are not.

Pure Python (no Django): the engine and rules modules use it too.
"""

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator

# The range a date in Commonweal may take: wide enough for history and plans, narrow enough
# that a mistyped year (20199) is caught rather than stored.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)

ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def in_force(on: date, starts: date | None, ends: date | None) -> bool:
    """In force on a day: started by then (or undated) and not yet ended (ends is inclusive).

    The same rule as `commonweal.core.models.in_force`, for one row already in memory.
    """
    return (starts is None or starts <= on) and (ends is None or on <= ends)


def real_date(year: int, month: int, day: int) -> date:
    """A date from its parts, or ValueError with a sentence saying what is wrong with it."""
    if not 1 <= month <= 12:
        raise ValueError("must be a real date: the month must be between 1 and 12")
    try:
        value = date(year, month, day)
    except ValueError:
        raise ValueError(
            f"must be a real date: {date(year, month, 1):%B %Y} has no day {day}"
            if 1 <= year <= 9999
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
