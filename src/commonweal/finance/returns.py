"""Monthly finance returns: a workbook read whole and checked whole, then written in one
transaction, or refused with every problem named by sheet and cell and nothing written.

The layout of a return
----------------------
A return is an .xlsx workbook for one system's financial year, made as at one month (the
return's month, M1 April to M12 March). Each sheet is one of:

- **ignored**: a sheet whose name starts with "_" or "Notes" (any case), for the reader;
- **savings**: a sheet whose headings include "Scheme";
- **ledger**: any other sheet.

Row 1 declares the sheet's units: A1 "Units", B1 "£" (pounds and pence) or "£'000" (also
written "£000", or with a typographic apostrophe: thousands of pounds, with as many decimals as
reach the penny). No other units are accepted ("GBP" is not), and a sheet without the
declaration is refused at its B1; a sheet with nothing in it at all is passed over. Row 2 holds
the headings (any order, any case); data starts at row 3. Rows with nothing in them are
skipped. A heading that is not one of those below is refused, so a misspelt column is not
silently lost.

Ledger sheets, one entry a row:

======================  ====================================================================
Organisation *          the ODS code of the organisation whose budget it is (15N)
Cost centre *           the budget line's code within the organisation
Name                    the line's name: needed the first time a cost centre is seen
Programme               the programme it reports under
Place                   the code of an area of the system (east, torbay); blank: system-wide
Nature                  expenditure (the default for a new line) or income
Kind *                  budget, actual, commitment, forecast, allocation, allocation forecast
Month *                 M1..M12 or 1..12
As at                   a forecast's month of making (default: the return's month); ignored
                        on other kinds
Amount *                in the sheet's units: spend positive on an expenditure line, income
                        positive on an income line, a reduction negative
Label                   an allocation's name (HDP)
Decision                a decision's reference (D00012): an order (commitment) or payment
                        (actual) raised under that decision's part for the organisation
Corrects                the id of an entry this one corrects (same line and kind)
Note                    free text, up to 300 characters
======================  ====================================================================

A cost centre already in the ledger keeps its name, programme, place and nature unless the
return gives new ones. Rows of one cost centre may not disagree about them.

Savings sheets, one scheme's month a row: Organisation *, Reference * (the scheme's code),
Scheme (its name, needed for a new scheme), Programme, Recurrent (yes or no; a new scheme is
recurrent unless it says no), Kind * (plan, delivered, forecast), Month *, As at (forecasts;
default: the return's month), Amount *.

Amounts are read from the cell's text as Decimal, never through float: in £ at most two
decimal places, in £'000 no more decimals than make whole pence (1.23456 is £1,234.56;
1.234567 is a fraction of a penny), within a trillion pounds either way. Text such as "12k" or
"n/a" is refused; so are thousands separators. A number cell is read as Excel keeps it, to 15
significant digits (`workbook` says why); text that looks like a number is read as it is.

A return states figures as they stand, not movements: for each line, kind, month (and a
forecast's month of making, and an allocation's label) the ledger is brought to the return's
figure, by an entry for the difference (`actions.restate`). So a return handed in again with a
figure corrected changes only that figure; restating earlier months changes nothing; and a
return may restate closed months only as the ledger holds them (a change to a closed month is
refused at its cell: it goes in as a correction in an open month). Rows that correct an entry
or are raised under a decision are movements, written as they are. Savings are stated the same
way.

The months a return may hold: budgets and savings plans for any month; actuals, commitments,
allocations and savings delivered up to the return's month; forecasts made at or before it,
for months after the month they were made in. Nothing may be posted in a closed month (a
forecast is posted in the month it is made), as the ledger's `check_entries` says.

Every problem names its sheet and cell ("Ledger!J7: 'n/a' is not an amount"), all are
collected (the first hundred are listed) before the return is refused, and nothing is written
unless there are none. The workbook itself is bounded (see `workbook`). The same workbook is
not imported twice into a year (its SHA-256 is kept).

Importing
---------
`request_import` keeps the uploaded workbook on a `Return` and queues `tasks.import_return_task`;
the task (`run_import`) reads it, recording rows read on the return as it goes, and
`import_return` writes everything in one transaction with one audit event, checking the
permission in every organisation the workbook names. `import_file` does the same at once, for
the command line.
"""

import hashlib
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from commonweal.core.actions import Actor, action
from commonweal.core.errors import MAX_PROBLEMS, Conflict, Problem, Refused
from commonweal.core.models import AuditEvent, Organisation
from commonweal.core.money import MAX_POUNDS
from commonweal.core.permissions import Permission
from commonweal.decisions.models import Decision, DecisionPart
from commonweal.registry.models import Area

from . import workbook
from .actions import (
    EntryIn,
    SavingsIn,
    check_entries,
    keepers,
    month_name,
    restate,
    write_entries,
    write_savings,
)
from .models import (
    FORECAST_KINDS,
    BudgetLine,
    Entry,
    FinancialYear,
    Kind,
    Nature,
    Return,
    SavingsEntry,
    SavingsScheme,
)

Progress = Callable[[int, int], None]
At = Callable[[str], str]  # a column's key -> the row's cell in it ("Ledger!J7")

# Units as B1 may declare them, and the power of ten that turns them into pence.
UNITS = {"£": 2, "£'000": 5, "£000": 5}
UNITS_TEXT = "'£' or '£'000'"

LEDGER = {
    "organisation": "organisation",
    "cost centre": "cost_centre",
    "name": "name",
    "programme": "programme",
    "place": "place",
    "nature": "nature",
    "kind": "kind",
    "month": "month",
    "as at": "as_at",
    "amount": "amount",
    "label": "label",
    "decision": "decision",
    "corrects": "corrects",
    "note": "note",
}
LEDGER_REQUIRED = ("organisation", "cost_centre", "kind", "month", "amount")
SAVINGS = {
    "organisation": "organisation",
    "reference": "reference",
    "scheme": "scheme",
    "programme": "programme",
    "recurrent": "recurrent",
    "kind": "kind",
    "month": "month",
    "as at": "as_at",
    "amount": "amount",
}
SAVINGS_REQUIRED = ("organisation", "reference", "kind", "month", "amount")
HEADINGS = {"organisation": "Organisation", "cost_centre": "Cost centre", "as_at": "As at"}

KINDS = {
    "budget": Kind.BUDGET,
    "actual": Kind.ACTUAL,
    "commitment": Kind.COMMITMENT,
    "forecast": Kind.FORECAST,
    "allocation": Kind.ALLOCATION,
    "allocation forecast": Kind.ALLOCATION_FORECAST,
}
# Kinds that record what has happened, so cannot be for a month after the return's.
HAPPENED = (Kind.ACTUAL, Kind.COMMITMENT, Kind.ALLOCATION)
SAVINGS_KINDS = {k.value: k.value for k in SavingsEntry.Kind}
WHAT: dict[str, str] = {
    Kind.BUDGET: "a budget",
    Kind.ACTUAL: "an actual",
    Kind.COMMITMENT: "a commitment",
    Kind.FORECAST: "a forecast",
    Kind.ALLOCATION: "an allocation",
    Kind.ALLOCATION_FORECAST: "an allocation forecast",
}
NATURES = frozenset(Nature.values)
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}

# Longest a field may be (the columns' sizes).
LENGTHS = {
    "cost_centre": 40,
    "name": 200,
    "programme": 100,
    "label": 100,
    "note": 300,
    "reference": 40,
    "scheme": 200,
}

_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$")
_MONTH = re.compile(r"^[Mm]?\s*([0-9]{1,3})(?:\.0*)?$")
_DECISION = re.compile(r"^[Dd]?0*([0-9]{1,9})$")
_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")
# Exact arithmetic for amounts of up to 60 digits (texts are at most 40 characters).
_EXACT = Context(prec=60)


def heading(key: str) -> str:
    return HEADINGS.get(key, key.replace("_", " ").capitalize())


def _normal(text: str) -> str:
    return " ".join(text.replace("_", " ").replace("-", " ").split()).lower()


def sheet_ref(name: str) -> str:
    """A sheet's name as Excel writes it in a reference: quoted unless plain."""
    if _PLAIN_NAME.match(name):
        return name
    return "'" + name.replace("'", "''") + "'"


class Found(Sequence[Problem]):
    """Problems as they are found: the first hundred kept and the rest counted, so a workbook
    of a million bad rows costs no more than one of a hundred (`Refused` lists the hundred and
    says how many more)."""

    def __init__(self) -> None:
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, where: str, message: str) -> None:
        self.total += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(Problem(where, message))

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index: Any) -> Any:
        return self.kept[index]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.kept)


@dataclass
class Read:
    """A return as read and checked, ready to write (or to refuse, if it has problems)."""

    year: FinancialYear
    month: int
    name: str
    rows: int = 0  # rows read, headings included
    organisations: dict[int, Organisation] = field(default_factory=dict)
    # Every budget line the rows name, by (organisation id, cost centre): stored lines, and
    # new ones not yet saved (no pk); `changed` holds the stored ones the return changes.
    lines: dict[tuple[int, str], BudgetLine] = field(default_factory=dict)
    changed: set[tuple[int, str]] = field(default_factory=set)
    entries: list[EntryIn] = field(default_factory=list)
    savings: list[SavingsIn] = field(default_factory=list)
    problems: Found = field(default_factory=Found)

    @property
    def new_lines(self) -> int:
        return sum(1 for line in self.lines.values() if line.pk is None)


@dataclass
class _Scheme:
    organisation: Organisation
    reference: str
    stored: SavingsScheme | None
    first: str  # where it is first named
    name: str = ""
    programme: str = ""
    recurrent: bool | None = None
    entries: list[tuple[int, str, int, int | None]] = field(default_factory=list)


class _Reader:
    """Reads a workbook's rows into a `Read`, looking up what they name as it goes (each
    organisation, line, decision and entry once)."""

    def __init__(self, year: FinancialYear, month: int, name: str):
        self.year = year
        self.month = month
        self.out = Read(year, month, name)
        self.problems = self.out.problems
        self.codes: dict[str, Organisation] = {}
        self.months: dict[str, int] = {}
        self.kinds: dict[tuple[int, str], str] = {}
        # Per line, the name, programme, place and nature its last row gave (as text).
        self.described: dict[tuple[int, str], tuple[str, ...]] = {}
        self.areas = {a.code.lower(): a for a in Area.objects.filter(system_id=year.system_id)}
        self.stored_lines: dict[int, dict[str, BudgetLine]] = {}
        self.given: dict[tuple[tuple[int, str], str], tuple[Any, str]] = {}
        self.first_seen: dict[tuple[int, str], str] = {}
        self.parts: dict[tuple[int, int], DecisionPart | str] = {}
        self.corrected: dict[int, Entry | None] = {}
        self.stored_schemes: dict[int, dict[str, SavingsScheme]] = {}
        self.schemes: dict[tuple[int, str], _Scheme] = {}

    def bad(self, where: str, message: str) -> None:
        self.problems.add(where, message)

    # Sheets --------------------------------------------------------------------------------

    def sheet(
        self, book: workbook.Workbook, sheet: workbook.Sheet, step: Callable[[], None]
    ) -> None:
        ref = sheet_ref(sheet.name)
        rows = book.rows(sheet)
        exponent: int | None = None
        columns: dict[str, str] | None = None
        savings = False
        empty = True
        for number, cells in rows:
            step()
            empty = False
            if number == 1:
                exponent = self.units(ref, cells)
                if exponent is None:
                    return
                continue
            if exponent is None:
                self.units(ref, {})
                return
            if columns is None:
                found = self.headings(ref, number, cells)
                if found is None:
                    return
                columns, savings = found
                continue
            if savings:
                self.savings_row(ref, number, cells, columns, exponent)
            else:
                self.ledger_row(ref, number, cells, columns, exponent)
        # A sheet with nothing in it (Excel's "Sheet1", say) is passed over.
        if exponent is None and not empty:
            self.units(ref, {})
        elif exponent is not None and columns is None:
            self.headings(ref, 0, {})

    def units(self, ref: str, cells: dict[str, str]) -> int | None:
        label = _normal(cells.get("A", "")).rstrip(":")
        text = cells.get("B", "").strip().replace("\u2019", "'").replace(" ", "")
        if label == "units" and text in UNITS:
            return UNITS[text]
        found = f" (it says '{text[:40]}')" if text else ""
        self.bad(
            f"{ref}!B1",
            f"the sheet does not declare its units{found}: A1 'Units' and B1 {UNITS_TEXT}",
        )
        return None

    def headings(
        self, ref: str, number: int, cells: dict[str, str]
    ) -> tuple[dict[str, str], bool] | None:
        """The columns by key, and whether it is a savings sheet; None (and the problems
        reported) if the headings are not as a return's are."""
        if number != 2:
            self.bad(f"{ref}!A2", "row 2 holds no headings: the columns' names go in row 2")
            return None
        given = sorted(
            ((column, text.strip()) for column, text in cells.items() if text.strip()),
            key=lambda c: workbook.column_index(c[0]),
        )
        savings = any(_normal(text) == "scheme" for _, text in given)
        known = SAVINGS if savings else LEDGER
        columns: dict[str, str] = {}
        ok = True
        for column, text in given:
            key = known.get(_normal(text))
            if key is None:
                listed = ", ".join(heading(k) for k in known.values())
                self.bad(
                    f"{ref}!{column}2",
                    f"'{text[:60]}' is not a column of a {'savings' if savings else 'ledger'} "
                    f"sheet: the columns are {listed}",
                )
                ok = False
            elif key in columns:
                self.bad(f"{ref}!{column}2", f"a second {heading(key)} column")
                ok = False
            else:
                columns[key] = column
        for key in SAVINGS_REQUIRED if savings else LEDGER_REQUIRED:
            if key not in columns:
                self.bad(f"{ref}!A2", f"the headings in row 2 have no {heading(key)} column")
                ok = False
        return (columns, savings) if ok else None

    # Cells ---------------------------------------------------------------------------------

    def values(
        self, ref: str, number: int, cells: dict[str, str], columns: dict[str, str]
    ) -> tuple[dict[str, str], At] | None:
        """The row's values by key, stripped; None for a row with nothing in it (or with a
        cell that holds an error, which is reported)."""

        def at(key: str) -> str:
            return f"{ref}!{columns[key]}{number}"

        values: dict[str, str] = {}
        broken = False
        anything = False
        for key, column in columns.items():
            value = cells.get(column)
            if value is None:
                values[key] = ""
            elif type(value) is workbook.CellError:
                self.bad(at(key), str(value))
                broken = True
            else:
                value = value.strip()
                values[key] = value
                if value:
                    anything = True
                    most = LENGTHS.get(key)
                    if most is not None and len(value) > most:
                        self.bad(at(key), f"is longer than {most} characters")
                        values[key] = value[:most]
        if broken or not anything:
            return None
        return values, at

    # Each of these takes the row's `at` and the column's key, and names the cell only when
    # there is a problem with it.

    def organisation(self, code: str, at: At, key: str) -> Organisation | None:
        found = self.codes.get(code)
        if found is not None:
            return found
        if not code:
            self.bad(at(key), "the organisation is missing: give its ODS code")
            return None
        org = Organisation.objects.filter(code__iexact=code).first()
        if org is None:
            self.bad(at(key), f"no organisation has the ODS code '{code[:20]}'")
            return None
        self.codes[code] = org
        self.out.organisations[org.pk] = org
        return org

    def month_of(self, text: str, at: At, key: str) -> int | None:
        found = self.months.get(text)
        if found is not None:
            return found
        if not text:
            what = "as at month" if key == "as_at" else "month"
            self.bad(at(key), f"the {what} is missing: M1 (April) to M12 (March)")
            return None
        m = _MONTH.match(text)
        if m is None or not 1 <= int(m.group(1)) <= 12:
            self.bad(
                at(key), f"'{text[:20]}' is not a month of the year: M1 (April) to M12 (March)"
            )
            return None
        self.months[text] = int(m.group(1))
        return int(m.group(1))

    def amount(self, text: str, at: At, key: str, exponent: int) -> int | None:
        unit = "£'000" if exponent == 5 else "£"
        if not text:
            self.bad(at(key), "the amount is missing")
            return None
        if len(text) > 40 or not _NUMBER.match(text):
            self.bad(at(key), f"'{text[:40]}' is not an amount: give a number in {unit}")
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.bad(at(key), f"'{text[:40]}' is not an amount: give a number in {unit}")
            return None
        pounds = value.scaleb(exponent - 2, _EXACT)
        if abs(pounds) > MAX_POUNDS:
            self.bad(at(key), f"{text[:40]} {unit} is more than a trillion pounds")
            return None
        pence = value.scaleb(exponent, _EXACT)
        if pence != pence.to_integral_value():
            example = "1234.56" if exponent == 2 else "1.23456 for £1,234.56"
            self.bad(
                at(key),
                f"{text[:40]} {unit} is a fraction of a penny: give whole pence ({example})",
            )
            return None
        return int(pence)

    def kind(self, text: str, at: At, key: str, kinds: Mapping[str, str]) -> str | None:
        found = self.kinds.get((id(kinds), text))
        if found is not None:
            return found
        found = kinds.get(_normal(text))
        if found is not None:
            self.kinds[(id(kinds), text)] = found
            return found
        listed = ", ".join(kinds)
        self.bad(
            at(key),
            f"'{text[:40]}' is not a kind of entry: {listed}"
            if text
            else f"the kind is missing: {listed}",
        )
        return None

    def posted(self, kind: str, month: int, as_at: int | None, where: str, what: str) -> bool:
        """Whether the return may hold the entry for its month (see the module's docstring)."""
        if (kind in HAPPENED or kind == "delivered") and month > self.month:
            self.bad(
                where,
                f"{what} for M{month} in a return made as at M{self.month}: that month has "
                "not happened yet",
            )
            return False
        if as_at is not None and as_at > self.month:
            self.bad(
                where,
                f"a forecast made in M{as_at} in a return made as at M{self.month}: give the "
                f"month it was made in (As at), M{self.month} or before",
            )
            return False
        return True

    # Ledger rows ---------------------------------------------------------------------------

    def line(self, org: Organisation, code: str, at: At) -> BudgetLine:
        key = (org.pk, code)
        line = self.out.lines.get(key)
        if line is not None:
            return line
        if org.pk not in self.stored_lines:
            self.stored_lines[org.pk] = {
                line.cost_centre: line
                for line in BudgetLine.objects.filter(
                    system_id=self.year.system_id, organisation=org
                )
            }
        line = self.stored_lines[org.pk].get(code)
        if line is None:
            line = BudgetLine(
                system_id=self.year.system_id,
                organisation=org,
                cost_centre=code,
                name="",
                nature=Nature.EXPENDITURE,
            )
            self.first_seen[key] = at("cost_centre")
        self.out.lines[key] = line
        return line

    def describe(self, line: BudgetLine, attribute: str, value: Any, at: At, column: str) -> None:
        """A line's name, programme, place (by id) or nature as a row gives it: the same in
        every row of the return; a change to a stored line."""
        key = (line.organisation_id, line.cost_centre)
        earlier = self.given.get((key, attribute))
        if earlier is not None:
            if earlier[0] != value:
                said = attribute.removesuffix("_id")
                self.bad(
                    at(column),
                    f"cost centre {line.cost_centre} has another {said} at {earlier[1]}: "
                    "its rows must agree",
                )
            return
        self.given[(key, attribute)] = (value, at(column))
        if (
            attribute == "nature"
            and line.pk is not None
            and getattr(line, attribute) != value
            and Entry.objects.filter(line_id=line.pk).exists()
        ):
            # Turning expenditure into income would reverse the sign of every figure the line
            # has ever had, closed months and published figures included.
            self.bad(
                at(column),
                f"cost centre {line.cost_centre} is {line.nature} and has entries: its nature "
                "cannot change (open a new cost centre instead)",
            )
            return
        if getattr(line, attribute) != value:
            setattr(line, attribute, value)
            if line.pk is not None:
                self.out.changed.add(key)

    def ledger_row(
        self, ref: str, number: int, cells: dict[str, str], columns: dict[str, str], exponent: int
    ) -> None:
        got = self.values(ref, number, cells, columns)
        if got is None:
            return
        v, at = got
        org = self.organisation(v["organisation"], at, "organisation")
        code = v["cost_centre"]
        if not code:
            self.bad(at("cost_centre"), "the cost centre is missing")
        kind = self.kind(v["kind"], at, "kind", KINDS)
        month = self.month_of(v["month"], at, "month")
        amount = self.amount(v["amount"], at, "amount", exponent)
        line = self.line(org, code, at) if org is not None and code else None
        if line is not None:
            # A line's rows mostly repeat its description: compared whole, not field by field.
            said = (
                v.get("name", ""),
                v.get("programme", ""),
                v.get("place", ""),
                v.get("nature", ""),
            )
            key = (line.organisation_id, line.cost_centre)
            if self.described.get(key) != said:
                self.describe_line(line, v, at)
                self.described[key] = said
        as_at = None
        if kind in FORECAST_KINDS:
            as_at = self.month_of(v["as_at"], at, "as_at") if v.get("as_at") else self.month
            if as_at is None:
                return
        if line is None or kind is None or month is None or amount is None:
            return
        if not self.posted(kind, month, as_at, at("month"), WHAT.get(kind, kind)):
            return
        part = self.decision(v.get("decision", ""), org, kind, at) if org is not None else None
        corrects = self.corrects(v.get("corrects", ""), line, kind, at)
        if part == "bad" or corrects == "bad":
            return
        self.out.entries.append(
            EntryIn(
                line=line,
                month=month,
                kind=kind,
                amount=amount,
                as_at=as_at,
                label=v.get("label", ""),
                corrects=corrects if isinstance(corrects, Entry) else None,
                decision_part=part if isinstance(part, DecisionPart) else None,
                note=v.get("note", ""),
                where=at("month"),
            )
        )

    def describe_line(self, line: BudgetLine, v: dict[str, str], at: At) -> None:
        if v.get("name"):
            self.describe(line, "name", v["name"], at, "name")
        if v.get("programme"):
            self.describe(line, "programme", v["programme"], at, "programme")
        if v.get("place"):
            area = self.areas.get(v["place"].lower())
            if area is None:
                self.bad(
                    at("place"),
                    f"'{v['place'][:40]}' is not an area of {self.year.system.name}: give an "
                    f"area's code ({', '.join(sorted(self.areas)[:12])})",
                )
            else:
                self.describe(line, "place_id", area.pk, at, "place")
        if v.get("nature"):
            nature = _normal(v["nature"])
            if nature not in NATURES:
                self.bad(at("nature"), f"'{v['nature'][:40]}' is not expenditure or income")
            else:
                self.describe(line, "nature", nature, at, "nature")

    def decision(
        self, text: str, org: Organisation, kind: str, at: At
    ) -> DecisionPart | str | None:
        if not text:
            return None
        where = at("decision")
        m = _DECISION.match(text)
        if m is None:
            self.bad(where, f"'{text[:40]}' is not a decision's reference, such as D00012")
            return "bad"
        if kind not in (Kind.ACTUAL, Kind.COMMITMENT):
            self.bad(
                where,
                "only orders (commitments) and payments (actuals) are raised under a decision",
            )
            return "bad"
        key = (int(m.group(1)), org.pk)
        if key not in self.parts:
            decision = Decision.objects.filter(pk=key[0], system_id=self.year.system_id).first()
            if decision is None:
                self.parts[key] = f"no decision {text.upper()} in {self.year.system.name}"
            else:
                part = DecisionPart.objects.filter(decision=decision, organisation=org).first()
                self.parts[key] = part or f"{decision.reference} has no part for {org.name}"
        found = self.parts[key]
        if isinstance(found, str):
            self.bad(where, found)
            return "bad"
        return found

    def corrects(self, text: str, line: BudgetLine, kind: str, at: At) -> Entry | str | None:
        if not text:
            return None
        where = at("corrects")
        if not (text.isascii() and text.isdigit()) or len(text) > 18:
            self.bad(where, f"'{text[:40]}' is not an entry's number")
            return "bad"
        pk = int(text)
        if pk not in self.corrected:
            self.corrected[pk] = (
                Entry.objects.filter(pk=pk, year=self.year).select_related("line").first()
            )
        entry = self.corrected[pk]
        if entry is None:
            self.bad(where, f"no entry {pk} in {self.year.label}")
            return "bad"
        if entry.line_id != line.pk or entry.kind != kind:
            self.bad(
                where,
                f"entry {pk} is {WHAT.get(entry.kind, entry.kind)} of {entry.line.cost_centre}: a "
                "correction is of "
                "the same line and kind",
            )
            return "bad"
        return entry

    # Savings rows --------------------------------------------------------------------------

    def scheme(self, org: Organisation, reference: str, where: str) -> _Scheme:
        key = (org.pk, reference)
        if key not in self.schemes:
            if org.pk not in self.stored_schemes:
                self.stored_schemes[org.pk] = {
                    s.reference: s
                    for s in SavingsScheme.objects.filter(year=self.year, organisation=org)
                }
            stored = self.stored_schemes[org.pk].get(reference)
            self.schemes[key] = _Scheme(org, reference, stored, where)
        return self.schemes[key]

    def agree(self, scheme: _Scheme, attribute: str, value: Any, where: str) -> None:
        earlier = getattr(scheme, attribute)
        if earlier in ("", None):
            setattr(scheme, attribute, value)
        elif earlier != value:
            self.bad(
                where,
                f"scheme {scheme.reference} has another {attribute} in an earlier row: its "
                "rows must agree",
            )

    def savings_row(
        self, ref: str, number: int, cells: dict[str, str], columns: dict[str, str], exponent: int
    ) -> None:
        got = self.values(ref, number, cells, columns)
        if got is None:
            return
        v, at = got
        org = self.organisation(v["organisation"], at, "organisation")
        reference = v["reference"]
        if not reference:
            self.bad(at("reference"), "the scheme's reference is missing")
        kind = self.kind(v["kind"], at, "kind", SAVINGS_KINDS)
        month = self.month_of(v["month"], at, "month")
        amount = self.amount(v["amount"], at, "amount", exponent)
        scheme = self.scheme(org, reference, at("reference")) if org and reference else None
        if scheme is not None:
            if v.get("scheme"):
                self.agree(scheme, "name", v["scheme"], at("scheme"))
            if v.get("programme"):
                self.agree(scheme, "programme", v["programme"], at("programme"))
            if v.get("recurrent"):
                answer = _normal(v["recurrent"])
                if answer in YES or answer in NO:
                    self.agree(scheme, "recurrent", answer in YES, at("recurrent"))
                else:
                    self.bad(at("recurrent"), f"'{v['recurrent'][:40]}' is not yes or no")
        as_at = None
        if kind == "forecast":
            as_at = self.month_of(v["as_at"], at, "as_at") if v.get("as_at") else self.month
            if as_at is None:
                return
        if scheme is None or kind is None or month is None or amount is None:
            return
        if not self.posted(kind, month, as_at, at("month"), "a saving delivered"):
            return
        if as_at is not None and month <= as_at:
            self.bad(
                at("month"), f"a forecast made in M{as_at} is for the months after it, not M{month}"
            )
            return
        scheme.entries.append((month, kind, amount, as_at))

    # The whole return ----------------------------------------------------------------------

    def finish(self) -> Read:
        for key, where in self.first_seen.items():
            line = self.out.lines[key]
            if not line.name:
                self.bad(
                    where,
                    f"cost centre {line.cost_centre} of {line.organisation.code} is new: give "
                    "its Name",
                )
        for s in self.schemes.values():
            name = s.name or (s.stored.name if s.stored else "")
            if not name:
                self.bad(s.first, f"scheme {s.reference} is new: give its name (Scheme)")
            recurrent = s.recurrent if s.recurrent is not None else None
            if recurrent is None:
                recurrent = s.stored.recurrent if s.stored else True
            self.out.savings.append(
                SavingsIn(
                    organisation=s.organisation,
                    reference=s.reference,
                    name=name,
                    programme=s.programme or (s.stored.programme if s.stored else ""),
                    recurrent=recurrent,
                    entries=s.entries,
                    where=s.first,
                )
            )
        # Closed months are checked when the return is written, against what it changes.
        for p in check_entries(self.year, self.out.entries, closed=False):
            self.bad(p.field, p.message)
        if (
            not self.out.entries
            and not any(s.entries for s in self.out.savings)
            and not self.problems
        ):
            self.bad("", f"{self.out.name} holds no entries: nothing to import")
        return self.out


def ignored(name: str) -> bool:
    return name.startswith("_") or name.lower().startswith("notes")


def read_return(
    year: FinancialYear,
    month: int,
    source: str | Path | IO[bytes],
    *,
    name: str = "",
    progress: Progress | None = None,
) -> Read:
    """Read and check a return for a year as at a month. Reads the database, writes nothing.
    Raises Refused for a workbook that cannot be read at all; every other problem is in the
    result's `problems`."""
    with workbook.open_workbook(source, name) as book:
        reader = _Reader(year, month, book.name)
        sheets = [s for s in book.sheets if not ignored(s.name)]
        size = sum(s.size for s in sheets) or 1
        read = reader.out
        # Progress is rows read of the rows expected, estimated from the bytes read so far
        # (a sheet does not reliably say how many rows it has).
        state = {"next": 500}

        def step() -> None:
            read.rows += 1
            if progress is not None and read.rows >= state["next"]:
                expected = max(read.rows, read.rows * size // max(book.read_bytes, 1))
                progress(read.rows, expected)
                state["next"] = read.rows + max(500, expected // 50)

        for sheet in sheets:
            reader.sheet(book, sheet, step)
        if not sheets:
            reader.bad(book.name, "has no sheets to read (those named _… or Notes… are not read)")
        result = reader.finish()
    if progress is not None:
        progress(result.rows, result.rows)
    return result


# Writing ------------------------------------------------------------------------------------


def _save_lines(read: Read) -> None:
    """Add the return's new lines and bring the changed ones up to date; a line someone added
    since the return was read is brought up to date instead of added twice."""
    new = [line for line in read.lines.values() if line.pk is None]
    changed = [read.lines[key] for key in read.changed]
    if new:
        stored = {
            (line.organisation_id, line.cost_centre): line.pk
            for line in BudgetLine.objects.filter(
                system_id=read.year.system_id,
                organisation_id__in={line.organisation_id for line in new},
                cost_centre__in={line.cost_centre for line in new},
            )
        }
        for line in new:
            pk = stored.get((line.organisation_id, line.cost_centre))
            if pk is not None:
                line.pk = pk
                changed.append(line)
        BudgetLine.objects.bulk_create([line for line in new if line.pk is None], batch_size=500)
    if changed:
        BudgetLine.objects.bulk_update(
            changed, ["name", "programme", "place", "nature"], batch_size=500
        )


@action("finance.import_return", permission=Permission.MANAGE_FINANCE)
def import_return(actor: Actor, ret: Return, read: Read) -> Return:
    """Write a return as read: its budget lines, entries and savings, in one transaction with
    one audit event. The actor must keep the ledger of every organisation the return names."""
    if read.organisations:
        for org in read.organisations.values():
            actor.require(org, because=f"{org.name}'s budget, in {read.name}")
    else:
        actor.require_any(keepers(ret.year.system), because=f"the finances of {ret.year.system}")
    if read.problems:
        raise Refused(f"{read.name} was not imported: nothing was written", read.problems)
    year = FinancialYear.objects.select_for_update().get(pk=ret.year_id)
    ret = Return.objects.select_for_update().get(pk=ret.pk)
    if read.year.pk != year.pk or read.month != ret.month:
        raise Conflict.at("return", "the workbook was read for another year or month")
    if ret.status not in (Return.Status.WAITING, Return.Status.READING):
        raise Conflict.at("return", f"return {ret.pk} has been {ret.get_status_display().lower()}")
    if year.closed_through != read.year.closed_through:
        raise Conflict.at(
            "return",
            f"{month_name(year, year.closed_through)} was closed while the return was read: "
            "import it again",
        )
    twin = _imported_already(year, ret.sha256, ret.pk)
    if twin is not None:
        raise twin
    new_lines = read.new_lines
    _save_lines(read)
    changes = restate(year, read.entries)
    closed = check_entries(year, changes)
    if closed:
        raise Refused(
            f"{read.name} was not imported: it changes closed months (nothing was written)",
            closed,
        )
    count = write_entries(actor, year, changes, source=ret)
    saved = write_savings(actor, year, read.savings)
    ret.status = Return.Status.DONE
    ret.entries = count + saved
    ret.done = ret.total = read.rows
    ret.problems = []
    ret.finished = timezone.now()
    ret.save()
    actor.record(
        "return",
        str(ret.pk),
        f"Return {ret.file_name} for {month_name(year, ret.month)} of {year.label} imported: "
        f"{count:,} ledger entr{'y' if count == 1 else 'ies'} on {len(read.lines):,} budget "
        f"line(s) ({new_lines:,} new, {len(read.changed):,} changed), {saved:,} savings "
        f"entr{'y' if saved == 1 else 'ies'} of {len(read.savings):,} scheme(s)",
        after={
            "file": ret.file_name,
            "sha256": ret.sha256,
            "month": ret.month,
            "entries": count,
            "savings_entries": saved,
            "lines": len(read.lines),
            "new_lines": new_lines,
            "changed_lines": len(read.changed),
            "organisations": sorted(o.code for o in read.organisations.values()),
        },
    )
    return ret


def _imported_already(year: FinancialYear, sha256: str, pk: int | None) -> Refused | None:
    twin = (
        Return.objects.filter(
            year=year,
            sha256=sha256,
            status__in=(Return.Status.DONE, Return.Status.WAITING, Return.Status.READING),
        )
        .exclude(pk=pk or 0)
        .order_by("requested")
        .first()
    )
    if twin is None:
        return None
    if twin.status == Return.Status.DONE:
        return Conflict.at(
            "file",
            f"this workbook was imported already, as return {twin.pk} "
            f"({twin.file_name}, {month_name(year, twin.month)}): its entries are in the ledger",
        )
    return Conflict.at("file", f"this workbook is being imported already, as return {twin.pk}")


def _opened(upload: UploadedFile | str | Path) -> tuple[str, IO[bytes], bool]:
    """The upload's file name, its bytes open for reading, and whether we opened them."""
    if isinstance(upload, (str, Path)):
        path = Path(upload)
        try:
            return path.name, path.open("rb"), True
        except OSError as exc:
            raise Refused.at("file", f"{path}: {exc.strerror or 'could not be opened'}") from None
    return Path(upload.name or "return.xlsx").name, upload, False  # type: ignore[return-value]


@action("finance.request_import", permission=Permission.MANAGE_FINANCE)
def request_import(
    actor: Actor,
    year: FinancialYear,
    month: int,
    upload: UploadedFile | str | Path,
    *,
    queue: bool = True,
) -> Return:
    """Keep a workbook as a return of the year as at the month, and queue its import (unless
    `queue` is false: the caller imports it at once). A file that is no workbook, or is too
    large, is refused here; what is in it is checked by the import."""
    actor.require_any(keepers(year.system), because=f"the finances of {year.system.name}")
    if not 1 <= month <= 12:
        raise Refused.at("month", "must be a month of the year: M1 (April) to M12 (March)")
    name, handle, ours = _opened(upload)
    try:
        handle.seek(0, 2)
        size = handle.tell()
        if size > workbook.MAX_BYTES:
            raise Refused.at("file", f"{name} is larger than {workbook.MAX_BYTES // 1_000_000} MB")
        handle.seek(0)
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        sha256 = digest.hexdigest()
        handle.seek(0)
        try:
            workbook.open_workbook(handle, name).close()
        except Refused as exc:
            raise Refused(exc.message, [Problem("file", str(p)) for p in exc.problems]) from None
        twin = _imported_already(year, sha256, None)
        if twin is not None:
            raise twin
        handle.seek(0)
        ret = Return(
            year=year,
            month=month,
            file_name=name[:255],
            sha256=sha256,
            status=Return.Status.WAITING,
            requested_by=actor.label[:150],
        )
        # Kept under its digest, never under a name the uploader chose.
        ret.file.save(f"{sha256}.xlsx", File(handle, name=name), save=False)
        ret.save()
    finally:
        if ours:
            handle.close()
    actor.record(
        "return",
        str(ret.pk),
        f"Return {name} for {month_name(year, month)} of {year.label} asked to be imported",
        after={"file": name, "sha256": sha256, "month": month, "bytes": size},
    )
    if queue:
        from .tasks import import_return_task

        pk = ret.pk
        transaction.on_commit(lambda: import_return_task.enqueue(pk))
    return ret


def requester(ret: Return) -> Actor:
    """The task worker, acting for whoever asked for the import (found by the audit event of
    the request; the command line's requests have no person, so the worker acts as itself)."""
    event = (
        AuditEvent.objects.filter(
            action="finance.request_import", object_type="return", object_id=str(ret.pk)
        )
        .select_related("actor")
        .order_by("id")
        .first()
    )
    return Actor.task_worker(on_behalf_of=event.actor if event is not None else None)


def _failed(ret: Return, problems: Sequence[Problem]) -> None:
    Return.objects.filter(pk=ret.pk).update(
        status=Return.Status.FAILED,
        problems=[{"where": p.field, "problem": p.message} for p in problems],
        finished=timezone.now(),
    )


def _run(actor: Actor, ret: Return, progress: Progress | None, *, raising: bool) -> Return:
    """Read and import a waiting return. Progress is recorded on the return (outside the
    import's transaction, so a page can watch it) at most every 2% or so."""
    claimed = Return.objects.filter(pk=ret.pk, status=Return.Status.WAITING).update(
        status=Return.Status.READING, done=0, total=0
    )
    if not claimed:  # another worker has it, or it is finished: nothing to do twice
        ret.refresh_from_db()
        if raising:
            raise Conflict.at("return", f"return {ret.pk} is {ret.get_status_display().lower()}")
        return ret

    def report(done: int, total: int) -> None:
        Return.objects.filter(pk=ret.pk).update(done=done, total=total)
        if progress is not None:
            progress(done, total)

    try:
        # The year as it stands now (a month may have closed since the return was asked for).
        year = FinancialYear.objects.select_related("system").get(pk=ret.year_id)
        with ret.file.open("rb") as f:
            read = read_return(year, ret.month, f, name=ret.file_name, progress=report)
        import_return(actor, ret, read)
    except Refused as exc:
        # A refusal without problems (a permission refused) says why in its message.
        _failed(ret, exc.problems or [Problem("", exc.message)])
        if raising:
            raise
    except Exception:
        _failed(ret, [Problem("", "the import stopped unexpectedly: nothing was written")])
        raise
    ret.refresh_from_db()
    return ret


def run_import(return_id: int, progress: Progress | None = None) -> Return:
    """The task's work: import a waiting return for whoever asked. A refusal is kept on the
    return (status failed, with its problems), not raised."""
    ret = Return.objects.select_related("year__system").get(pk=return_id)
    return _run(requester(ret), ret, progress, raising=False)


def import_file(
    actor: Actor,
    year: FinancialYear,
    month: int,
    path: str | Path,
    progress: Progress | None = None,
) -> Return:
    """Import a workbook at once (the command line): kept as a return like any other, and
    refused (Refused raised, nothing written) with every problem."""
    ret = request_import(actor, year, month, path, queue=False)
    return _run(actor, ret, progress, raising=True)
