"""Read and write the Fingertips (OHID, formerly PHE) data download layout.

The layout is one CSV row per indicator value, with the columns in `COLUMNS`. One column's
name depends on the parent area type ("Compared to Region value or percentiles",
"Compared to CCGs (from Apr 2021) value or percentiles", ...), so it is found by pattern, not
by position; newer downloads add a trailing "Time period range" column.

`read` checks the whole file and either returns every row or raises `FingertipsError` listing
the problems found, each with its CSV line number; it never returns part of a file. Besides the
layout it refuses what would break the pages later: NUL characters, numbers that are not finite
or beyond `MAX_MAGNITUDE`, a negative count, a denominator not above zero, and area codes that
are not `AREA_CODE` (they go into addresses). `write` produces the same layout, so that
`read(write(table)) == table` for every table `read` accepts.

Pure: no Django and nothing from the rest of Commonweal.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import NoReturn

from commonweal.core.formatting import spreadsheet_safe

PARENT_COLUMN = "Compared to {parent} value or percentiles"
RANGE_COLUMN = "Time period range"

COLUMNS: tuple[str, ...] = (
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    PARENT_COLUMN,
    "Time period Sortable",
    "New data",
    "Compared to goal",
)

NUMBER_COLUMNS = frozenset(
    {
        "Value",
        "Lower CI 95.0 limit",
        "Upper CI 95.0 limit",
        "Lower CI 99.8 limit",
        "Upper CI 99.8 limit",
        "Count",
        "Denominator",
    }
)
REQUIRED_COLUMNS = ("Indicator ID", "Area Code")

MAX_FIELD_CHARS = 100_000
# A real line is well under a kilobyte; anything this long is not a Fingertips file, and is
# refused before the csv module builds fields from it.
MAX_LINE_CHARS = 1_000_000
MAX_NUMBER_CHARS = 40
# No count, denominator, value or limit is anywhere near this; beyond it is a mistake or an
# attack (a sum of such values could overflow, a chart's scale would be meaningless).
MAX_MAGNITUDE = 1e12
MAX_ROWS = 2_000_000
MAX_PROBLEMS = 1000
SHOWN_PROBLEMS = 20

_PARENT_PATTERN = re.compile(r"^Compared to (.+) value or percentiles$")
_ENGLAND_COLUMN = "Compared to England value or percentiles"
# Plain decimals, optionally with an exponent, in ASCII digits. float() alone would also take
# "nan", "inf", "1_000", Arabic-Indic or full-width digits, and surrounding junk.
_NUMBER_PATTERN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DIGITS = re.compile(r"[0-9]+")
# An area's code goes into addresses (/profiles/<code>/): letters, digits, '.', '_' and '-'.
# Not starting with "-": a download would write such a code as text ("'-…"), not as itself.
AREA_CODE = re.compile(r"[A-Za-z0-9._][A-Za-z0-9._-]{0,79}")
_CODE_COLUMNS = ("Area Code", "Parent Code")
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


@dataclass(frozen=True, slots=True)  # slots: a large download holds millions of rows
class Row:
    """One Fingertips value, its confidence limits and comparisons, as the download has it."""

    indicator_id: str
    indicator_name: str
    parent_code: str
    parent_name: str
    area_code: str
    area_name: str
    area_type: str
    sex: str
    age: str
    category_type: str
    category: str
    time_period: str
    value: float | None
    lower95: float | None
    upper95: float | None
    lower998: float | None
    upper998: float | None
    count: float | None
    denominator: float | None
    value_note: str
    recent_trend: str
    compared_to_england: str
    compared_to_parent: str
    time_period_sortable: str
    new_data: str
    compared_to_goal: str
    time_period_range: str = ""


# Column name (with the placeholder for the parent comparison) → Row field, in layout order.
_FIELD_OF: dict[str, str] = dict(
    zip(COLUMNS, [f.name for f in fields(Row)][: len(COLUMNS)], strict=True)
)
_FIELD_OF[RANGE_COLUMN] = "time_period_range"

# The confidence limits that must bracket the value: (lower column, upper column).
_CI_PAIRS = (
    ("Lower CI 95.0 limit", "Upper CI 95.0 limit"),
    ("Lower CI 99.8 limit", "Upper CI 99.8 limit"),
)


@dataclass(frozen=True)
class Table:
    """A whole Fingertips download."""

    rows: tuple[Row, ...]
    parent_label: str  # the <parent> in "Compared to <parent> value or percentiles"
    has_range: bool  # whether the file has the trailing "Time period range" column
    # The file's line of each row, for naming it in later checks (not part of the table).
    lines: tuple[int, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Problem:
    line: int  # CSV line number; the header is line 1
    column: str  # "" when the problem is with the line or file as a whole
    message: str


class FingertipsError(ValueError):
    """The file is not a valid Fingertips download; `problems` says where and why."""

    def __init__(self, filename: str, problems: list[Problem]) -> None:
        self.filename = filename
        self.problems = problems
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = []
        for p in self.problems[:SHOWN_PROBLEMS]:
            where = f"{self.filename}:{p.line}: "
            lines.append(where + (f"{p.column}: {p.message}" if p.column else p.message))
        hidden = len(self.problems) - SHOWN_PROBLEMS
        if hidden > 0:
            lines.append(f"and {hidden:,} more")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self._describe()


def parent_column(parent_label: str) -> str:
    """The name of the parent comparison column for a parent area type's label."""
    return PARENT_COLUMN.format(parent=parent_label)


class _Stop(Exception):
    """Reading cannot go on (the problem is already recorded)."""


class _Problems:
    """Problems found so far; stops the reading once there are too many."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, line: int, column: str, message: str) -> None:
        self.items.append(Problem(line, column, message))
        if len(self.items) >= MAX_PROBLEMS:
            self.items.append(Problem(line, "", f"stopped reading after {MAX_PROBLEMS:,} problems"))
            raise _Stop

    def fatal(self, line: int, column: str, message: str) -> NoReturn:
        self.items.append(Problem(line, column, message))
        raise _Stop


def _bounded_lines(text: str, problems: _Problems) -> Iterator[str]:
    """The file's lines, refusing any absurdly long one before the csv module sees it.

    Lines end at CR, LF or CRLF, as io.StringIO(newline="") splits them, but without the
    copy StringIO makes (four bytes a character).
    """
    for number, match in enumerate(_LINE.finditer(text), start=1):
        if match.end() - match.start() > MAX_LINE_CHARS:
            problems.fatal(number, "", f"the line is longer than {MAX_LINE_CHARS:,} characters")
        line = match.group()
        if "\x00" in line:
            # The csv module passes NUL through, and PostgreSQL cannot store it.
            problems.add(number, "", "contains a NUL character (byte 0), which text may not")
        yield line


def _shown(text: str, limit: int = 40) -> str:
    """A field's text for a message: quoted, and cut short if long."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + "…"


def _parse_number(text: str) -> float | str | None:
    """The number in a field, None for an empty field, or a message saying what is wrong."""
    text = text.strip()
    if not text:
        return None
    if len(text) > MAX_NUMBER_CHARS:
        return f"is {len(text):,} characters long, too long for a number"
    if not _NUMBER_PATTERN.fullmatch(text):
        if not text.isascii():
            return f"{text!r} is not a number (write digits as 0 to 9)"
        return f"{text!r} is not a number"
    number = float(text)
    if not math.isfinite(number) or abs(number) > MAX_MAGNITUDE:
        return f"{text!r} is too large (numbers are at most {MAX_MAGNITUDE:,.0f} either way)"
    return number


def _check_header(header: list[str], problems: _Problems) -> tuple[str, bool, list[str]]:
    """The parent label, whether there is a range column, and each field's Row attribute."""
    parents = [
        m.group(1)
        for name in header
        if name != _ENGLAND_COLUMN and (m := _PARENT_PATTERN.match(name))
    ]
    parent_label = parents[0] if parents else ""
    if not parents:
        problems.add(1, PARENT_COLUMN.format(parent="<parent>"), "column is missing")
    elif len(parents) > 1:
        names = ", ".join(repr(parent_column(p)) for p in parents)
        problems.add(1, "", f"more than one parent comparison column: {names}")

    expected = {name: name for name in COLUMNS}
    expected[PARENT_COLUMN] = parent_column(parent_label)
    expected[RANGE_COLUMN] = RANGE_COLUMN
    attribute_of = {actual: _FIELD_OF[key] for key, actual in expected.items()}

    extra_parents = {parent_column(p) for p in parents[1:]}  # reported above
    seen: set[str] = set()
    attributes: list[str] = []
    for name in header:
        if name in seen:
            problems.add(1, name, "column appears more than once")
        seen.add(name)
        if not name.strip():
            problems.add(1, "", f"column {len(attributes) + 1} has no name")
        elif name not in attribute_of and name not in extra_parents:
            problems.add(1, name, "unknown column")
        attributes.append(attribute_of.get(name, ""))
    for key, name in expected.items():
        if key not in (RANGE_COLUMN, PARENT_COLUMN) and name not in seen:
            problems.add(1, name, "column is missing")
    return parent_label, RANGE_COLUMN in seen, attributes


def read(data: bytes, filename: str, *, max_rows: int = MAX_ROWS) -> Table:
    """Every row of a Fingertips download, or `FingertipsError` with all the problems found.

    Accepts UTF-8 with or without a byte order mark and either line ending. Reading stops
    after `MAX_PROBLEMS` problems, at the first line the csv module cannot parse, or at a file
    of more than `max_rows` data rows; time and memory are bounded by the file's size. A file
    with a header but no rows is a problem: there is nothing to load.
    """
    problems = _Problems()
    try:
        table = _read(data, max_rows, problems)
    except _Stop:
        pass
    else:
        if not problems.items:
            return table
    raise FingertipsError(filename, problems.items)


def _read(data: bytes, max_rows: int, problems: _Problems) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        problems.fatal(
            1, "", f"the file is not UTF-8 text (byte {error.start:,} cannot be decoded)"
        )
    # strict: a stray quote is a problem to report, not something to guess around.
    reader = csv.reader(_bounded_lines(text, problems), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        problems.fatal(1, "", f"the header cannot be read as CSV: {error}")
    if header is None:
        problems.fatal(1, "", "the file is empty")
    parent_label, has_range, attributes = _check_header(header, problems)
    if problems.items:
        raise _Stop  # without a sound header the rows cannot be checked column by column

    rows: list[Row] = []
    lines: list[int] = []
    strings: dict[str, str] = {}
    first_line_of: dict[tuple[str, ...], int] = {}
    data_rows = 0
    while True:
        line = reader.line_num + 1
        try:
            record = next(reader, None)
        except csv.Error as error:
            problems.fatal(line, "", f"cannot be read as CSV: {error}")
        if record is None:
            break
        if not record:
            continue  # a blank line, as editors leave at the end
        data_rows += 1
        if data_rows > max_rows:
            problems.fatal(line, "", f"the file has more than {max_rows:,} data rows")
        row = _check_row(record, header, attributes, line, problems, strings)
        if row is None:
            continue
        key = (
            row.indicator_id,
            row.area_code,
            row.sex,
            row.age,
            row.category_type,
            row.category,
            row.time_period,
        )
        if key in first_line_of:
            problems.add(
                line,
                "Time period",
                f"lines {first_line_of[key]} and {line} have the same indicator, area, sex, "
                "age, category and time period",
            )
        else:
            first_line_of[key] = line
        if not problems.items:  # once the file is refused, its rows are not needed
            rows.append(row)
            lines.append(line)
    if data_rows == 0:
        problems.add(2, "", "the file has no rows: it has a header and nothing under it")
    return Table(
        rows=tuple(rows), parent_label=parent_label, has_range=has_range, lines=tuple(lines)
    )


def _check_row(
    record: list[str],
    header: list[str],
    attributes: list[str],
    line: int,
    problems: _Problems,
    strings: dict[str, str],
) -> Row | None:
    if len(record) != len(header):
        problems.add(line, "", f"has {len(record)} fields; the header has {len(header)}")
        return None
    ok = True
    values: dict[str, str | float | None] = {}
    numbers: dict[str, float | None] = {}
    for name, attribute, text in zip(header, attributes, record, strict=True):
        if len(text) > MAX_FIELD_CHARS:
            problems.add(line, name, f"is longer than {MAX_FIELD_CHARS:,} characters")
            ok = False
            continue
        if name in NUMBER_COLUMNS:
            parsed = _parse_number(text)
            if isinstance(parsed, str):
                problems.add(line, name, parsed)
                ok = False
                continue
            numbers[name] = values[attribute] = parsed
        else:
            # One copy of each repeated text (names, area types, comparisons): a large
            # download repeats them on every row.
            values[attribute] = strings.setdefault(text, text)
    for name in REQUIRED_COLUMNS:
        if not str(values.get(_FIELD_OF[name], "x")).strip():
            problems.add(line, name, "is required")
            ok = False
    for name in _CODE_COLUMNS:
        code = values.get(_FIELD_OF[name])
        if isinstance(code, str) and code.strip() and not AREA_CODE.fullmatch(code):
            problems.add(
                line,
                name,
                f"{_shown(code)} is not an area code: use 1 to 80 letters, digits, '.', '_' or '-'",
            )
            ok = False
    sortable = values.get("time_period_sortable")
    if isinstance(sortable, str) and sortable and not _DIGITS.fullmatch(sortable):
        problems.add(line, "Time period Sortable", f"{_shown(sortable)} is not all digits")
        ok = False
    if not _limits_bracket_value(numbers, line, problems):
        ok = False
    if not _count_and_denominator(numbers, line, problems):
        ok = False
    if not ok:
        return None
    return Row(**values)  # type: ignore[arg-type]  # the header check made the keys right


def _limits_bracket_value(numbers: dict[str, float | None], line: int, problems: _Problems) -> bool:
    ok = True
    value = numbers.get("Value")
    for lower_name, upper_name in _CI_PAIRS:
        lower, upper = numbers.get(lower_name), numbers.get(upper_name)
        if lower is not None and upper is not None and lower > upper:
            problems.add(
                line,
                lower_name,
                f"{format_number(lower)} is above the upper limit {format_number(upper)}",
            )
            ok = False
        elif value is not None and lower is not None and lower > value:
            problems.add(
                line,
                lower_name,
                f"{format_number(lower)} is above the value {format_number(value)}",
            )
            ok = False
        elif value is not None and upper is not None and upper < value:
            problems.add(
                line,
                upper_name,
                f"{format_number(upper)} is below the value {format_number(value)}",
            )
            ok = False
    return ok


def _count_and_denominator(
    numbers: dict[str, float | None], line: int, problems: _Problems
) -> bool:
    """A count is not negative and a denominator is above zero (a rate divides by it). Whether
    the count may exceed the denominator depends on the indicator's method, which the file
    does not say: the import checks that."""
    ok = True
    count, denominator = numbers.get("Count"), numbers.get("Denominator")
    if count is not None and count < 0:
        problems.add(line, "Count", f"{format_number(count)} is negative: a count cannot be")
        ok = False
    if denominator is not None and denominator <= 0:
        problems.add(
            line,
            "Denominator",
            f"{format_number(denominator)} is not above zero: a denominator must be",
        )
        ok = False
    return ok


def format_number(number: float | None) -> str:
    """The shortest text that reads back as exactly `number`: 123 rather than 123.0."""
    if number is None:
        return ""
    if number.is_integer() and abs(number) < 1e16:
        return "-0" if math.copysign(1.0, number) < 0 and number == 0 else str(int(number))
    return repr(number)


def write(table: Table) -> bytes:
    """The table as a Fingertips download: UTF-8 without a byte order mark, LF line endings.

    Does not check the rows (`read` does); refuses only what would not read back as written.
    One exception to `read(write(table)) == table`: a text field that a spreadsheet would run
    as a formula (one starting with "=", "+", "-", "@", a tab or a carriage return, such as an
    area name "=HYPERLINK(...)") is written with a leading apostrophe, and reads back with it.
    Numbers are written as numbers: a value of -1.5 is "-1.5".
    """
    label = table.parent_label
    if not label or label == "England" or "\r" in label or "\n" in label:
        raise ValueError(f"cannot write a parent comparison column for {label!r}")
    header = [parent_column(label) if name == PARENT_COLUMN else name for name in COLUMNS]
    attributes = [_FIELD_OF[name] for name in COLUMNS]
    if table.has_range:
        header.append(RANGE_COLUMN)
        attributes.append("time_period_range")
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in table.rows:
        if not table.has_range and row.time_period_range:
            raise ValueError(
                "a row has a time period range but the table has no range column: "
                f"{row.indicator_id} {row.area_code} {row.time_period}"
            )
        writer.writerow(_field_text(getattr(row, attribute)) for attribute in attributes)
    return out.getvalue().encode("utf-8")


def _field_text(value: str | float | None) -> str:
    return spreadsheet_safe(value) if isinstance(value, str) else format_number(value)
