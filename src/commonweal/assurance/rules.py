"""Assurance rules: reporting periods, what makes an exception, and how an exception carries
from one period to the next. No Django: plain data in, an explained answer out.

Periods follow the NHS financial year (April to March): quarters Q1 (April to June) to Q4
(January to March), or months M1 (April) to M12 (March). A period is named in addresses as
`2020-21-q4` or `2020-21-m10`.

An exception is what the data triggers, never typed: while a line's data triggers it, the
exception carries from period to period with its owner, response and actions; once a period's
data no longer triggers it, it leaves the report (it is closed at that period). Triggered again
later, it is a new exception.
"""

import calendar
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

Frequency = Literal["quarterly", "monthly"]
FREQUENCIES: tuple[Frequency, ...] = ("quarterly", "monthly")
MONTH_NAMES = tuple(calendar.month_name)
SLUG = re.compile(r"^(\d{4})-(\d{2})-([qm])(\d{1,2})$")


class PeriodError(ValueError):
    """A period that cannot be read; the message says what is wrong with it."""


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    slug: str
    label: str
    frequency: Frequency

    @property
    def year_start(self) -> int:
        """The financial year it falls in, by the calendar year that year starts in."""
        return self.start.year if self.start.month >= 4 else self.start.year - 1

    @property
    def last_month(self) -> int:
        """The financial year's month (1 = April, 12 = March) the period ends in."""
        return (self.end.month - 4) % 12 + 1

    @property
    def long_label(self) -> str:
        first, last = MONTH_NAMES[self.start.month], MONTH_NAMES[self.end.month]
        if self.start.month == self.end.month:
            return f"{self.label} ({first} {self.end.year})"
        return f"{self.label} ({first} to {last} {self.end.year})"


def _year_label(start: int) -> str:
    return f"{start}/{(start + 1) % 100:02}"


def _month_start(year_start: int, month: int) -> date:
    """The first day of a financial year's month (1 = April)."""
    calendar_month = (month + 2) % 12 + 1
    return date(year_start + (calendar_month < 4), calendar_month, 1)


def _month_end(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def quarter(year_start: int, q: int) -> Period:
    if not 1 <= q <= 4:
        raise PeriodError(f"a quarter is Q1 to Q4, not Q{q}")
    start = _month_start(year_start, 3 * q - 2)
    end = _month_end(_month_start(year_start, 3 * q))
    slug = f"{year_start}-{(year_start + 1) % 100:02}-q{q}"
    return Period(start, end, slug, f"{_year_label(year_start)} Q{q}", "quarterly")


def month(year_start: int, m: int) -> Period:
    if not 1 <= m <= 12:
        raise PeriodError(f"a month of the financial year is M1 to M12, not M{m}")
    start = _month_start(year_start, m)
    slug = f"{year_start}-{(year_start + 1) % 100:02}-m{m}"
    label = f"{_year_label(year_start)} M{m}"
    return Period(start, _month_end(start), slug, label, "monthly")


def parse(slug: str) -> Period:
    """A period from its slug ("2020-21-q4", "2020-21-m10").

    >>> parse("2020-21-q4").long_label
    '2020/21 Q4 (January to March 2021)'
    """
    found = SLUG.match(slug.strip().lower())
    if not found:
        raise PeriodError(
            f"'{slug[:40]}' is not a period: write the financial year and the quarter or month, "
            "for example 2020-21-q4 or 2020-21-m10"
        )
    first, second, kind, number = found.groups()
    start = int(first)
    if not 2000 <= start <= 2099 or int(second) != (start + 1) % 100:
        raise PeriodError(f"'{slug[:40]}': {first}-{second} is not a financial year")
    return quarter(start, int(number)) if kind == "q" else month(start, int(number))


def containing(day: date, frequency: Frequency) -> Period:
    year_start = day.year if day.month >= 4 else day.year - 1
    m = (day.month - 4) % 12 + 1
    return (
        quarter(year_start, (m - 1) // 3 + 1) if frequency == "quarterly" else month(year_start, m)
    )


def previous(period: Period) -> Period:
    before = date.fromordinal(period.start.toordinal() - 1)
    return containing(before, period.frequency)


def following(period: Period) -> Period:
    after = date.fromordinal(period.end.toordinal() + 1)
    return containing(after, period.frequency)


# What makes an exception --------------------------------------------------------------------

# The Making Data Count variation icons that mean concern (the last point's).
CONCERN = "special cause concern"


def spc_concern(variation: str) -> bool:
    """Whether the latest point of an SPC chart is special-cause variation of concern.

    >>> spc_concern("special cause concern (low)"), spc_concern("common cause")
    (True, False)
    """
    return variation.startswith(CONCERN)


def misses_target(value: float | None, target: float | None, better: str) -> bool:
    """Whether a value falls short of its target, where `better` is which way is good
    ("increase"/"high_is_good" or "decrease"/"low_is_good"); no target, no value, or neither
    way good: never.

    >>> misses_target(91.7, 95, "increase"), misses_target(4.0, 5.0, "low_is_good")
    (True, False)
    """
    if value is None or target is None:
        return False
    if better in ("increase", "high_is_good"):
        return value < target
    if better in ("decrease", "low_is_good"):
        return value > target
    return False


SEVERITIES = ("low", "moderate", "high", "severe")


def at_least(severity: str, threshold: str) -> bool:
    """Whether a quality concern's severity reaches a threshold (low < moderate < high <
    severe)."""
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)


def overdue(awaiting_since: date, on: date, days: int) -> bool:
    """Whether something awaited since a day has waited more than `days` days by another."""
    return (on - awaiting_since).days > days


# How exceptions carry ------------------------------------------------------------------------


@dataclass(frozen=True)
class Carried[K: Hashable]:
    """The exceptions of a period: those that carry on from the period before, the new ones,
    and those that leave the report (open before, no longer triggered)."""

    continued: frozenset[K]
    opened: frozenset[K]
    closed: frozenset[K]


def carry[K: Hashable](open_before: Iterable[K], triggered: Iterable[K]) -> Carried[K]:
    """Which exceptions continue, open and close, by their keys (line and subject).

    >>> c = carry({"a", "b"}, {"b", "c"})
    >>> sorted(c.continued), sorted(c.opened), sorted(c.closed)
    (['b'], ['c'], ['a'])
    """
    before, now = frozenset(open_before), frozenset(triggered)
    return Carried(before & now, now - before, before - now)


def summary(counts: Mapping[str, int]) -> str:
    """A sentence of how many exceptions each domain holds, for the report's summary.

    >>> summary({"standards": 2, "finance": 1, "outcomes": 0})
    '3 exceptions: 2 in standards, 1 in finance.'
    """
    total = sum(counts.values())
    if not total:
        return "No exceptions: nothing the framework monitors is outside its thresholds."
    parts = [f"{n} in {domain}" for domain, n in counts.items() if n]
    return f"{total} exception{'s' if total != 1 else ''}: {', '.join(parts)}."
