"""A pool's plan for a year, read from an .xlsx workbook (`exports.plan_workbook` writes the same
layout, and the quarterly return's workbook carries it too, so an exported plan reads back as
the same plan).

The layout
----------
Five sheets, found by name (any case); any other sheet (a return's Cover, notes of your own) is
passed over. On each, row 1 holds the headings (any order, any case; "£" and brackets optional,
so "Amount", "Amount £" and "Amount (£)" are one column) and the rows follow from row 2. Rows
with nothing in them are skipped. A heading that is not one of the sheet's is refused, so a
misspelt column is not silently lost. * marks a column that must be there.

**Contributions**, a partner's funding stream a row: Partner code * (the organisation's ODS or
GSS code: a partner of the agreement), Partner name (for the reader; not read), Funding stream
(a stream's name or code in pools.yaml, such as Minimum NHS contribution or Disabled Facilities
Grant; blank: Contribution), Amount £ * (the year's contribution), then its instalments in pairs of columns, Instalment 1 due / Instalment 1 £,
Instalment 2 due / Instalment 2 £, and so on (none: the contribution has no schedule). The
instalments add up to the contribution and fall due within the agreement's term.

**Schemes**, a scheme a row: Scheme ref *, Scheme name *, Scheme type * (one of the Better Care
Fund's scheme types in pools.yaml).

**Lines**, a spend line a row: Scheme ref * (a scheme of the Schemes sheet), Line ref *, Line
name *, Cost centre (a partner's cost centre in the ledger, whose forecast is the line's; blank:
none yet), Budget £ *, Recurrent * (Y or N), Risk share (proportional, fixed or variable; blank:
proportional), Shares (a fixed line's percentages, "15N 60%; E10000008 40%", adding up to 100;
a variable line's measure per partner, "15N 12; E10000008 8"; blank on a proportional line) and
Formula (a variable line's formula, as the agreement names it).

**Reserves**, row 2: Risk reserve £ and Uncommitted £ (blank: £0).

**Metrics**, a Better Care Fund metric a row: Metric code * (as pools.yaml lists them), Metric
name (not read), Q1 plan, Q2 plan, Q3 plan, Q4 plan (blank: not planned for that quarter; the
quarterly return's checklist asks for it).

Money is in pounds to the penny, read from the cell's text as Decimal and never through float;
a number cell or text ("£1,250.50") both do; more than two decimals, a negative amount, or more
than the £10 billion a pool can hold are refused. A date is a date cell or text YYYY-MM-DD; a
date that does not exist (2021-02-30) is refused. Metrics' plans are numbers with at most two
decimal places.

What the plan must add up to: the lines' budgets, the risk reserve and the uncommitted
allocations together are what the partners contribute.

Every problem names its sheet and cell ("Lines!E3: 'n/a' is not an amount of money..."; a
missing sheet or heading at A1 of its sheet), all are collected (the first hundred listed)
before the plan is refused, and nothing is written unless there are none; then
`actions.load_plan` records the plan as a new version in one transaction. The workbook itself
is bounded by `commonweal.finance.workbook` (size, unpacked size, zip bombs, sheets, rows,
cells, DTDs) and here to `MAX_ROWS` rows a sheet.
"""

import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings

from commonweal.core.actions import Actor
from commonweal.core.errors import MAX_PROBLEMS, NotPermitted, Problem, Refused
from commonweal.core.formatting import pounds
from commonweal.core.money import to_pence
from commonweal.core.permissions import Permission
from commonweal.finance import workbook
from commonweal.finance.models import BudgetLine, FinancialYear
from commonweal.finance.returns import Found, sheet_ref

from . import actions, config, rules
from .models import Agreement, PoolPlan

CONTRIBUTIONS = "Contributions"
SCHEMES = "Schemes"
LINES = "Lines"
RESERVES = "Reserves"
METRICS = "Metrics"
PLAN_SHEETS = (CONTRIBUTIONS, SCHEMES, LINES, RESERVES, METRICS)

# A plan is a few dozen rows; a sheet of more is not a plan.
MAX_ROWS = 5_000
# Instalment columns: a contribution paid monthly has twelve.
MAX_INSTALMENTS = 60


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    required: bool = False
    most: int = 0  # the longest text it may hold (0: not text)


# The columns of each sheet, in the order the export writes them.
COLUMNS: dict[str, tuple[Column, ...]] = {
    CONTRIBUTIONS: (
        Column("partner", "Partner code", True, 20),
        Column("partner_name", "Partner name"),
        Column("stream", "Funding stream", False, 100),
        Column("amount", "Amount £", True),
    ),
    SCHEMES: (
        Column("scheme", "Scheme ref", True, 40),
        Column("name", "Scheme name", True, 200),
        Column("type", "Scheme type", True, 100),
    ),
    LINES: (
        Column("scheme", "Scheme ref", True, 40),
        Column("line", "Line ref", True, 40),
        Column("name", "Line name", True, 200),
        Column("cost_centre", "Cost centre", False, 40),
        Column("budget", "Budget £", True),
        Column("recurrent", "Recurrent (Y/N)", True),
        Column("risk_share", "Risk share"),
        Column("shares", "Shares", False, 2000),
        Column("formula", "Formula", False, 200),
    ),
    RESERVES: (
        Column("risk_reserve", "Risk reserve £", True),
        Column("uncommitted", "Uncommitted £", True),
    ),
    METRICS: (
        Column("metric", "Metric code", True, 60),
        Column("metric_name", "Metric name"),
        Column("q1", "Q1 plan"),
        Column("q2", "Q2 plan"),
        Column("q3", "Q3 plan"),
        Column("q4", "Q4 plan"),
    ),
}
QUARTERS = ("q1", "q2", "q3", "q4")


def instalment_headings(n: int) -> tuple[str, str]:
    """The headings of the n-th instalment's pair of columns (1-based)."""
    return f"Instalment {n} due", f"Instalment {n} £"


def _normal(text: str) -> str:
    """A heading as compared: any case, brackets and "£" optional, spaces collapsed."""
    text = text.replace("(", " ").replace(")", " ").replace("£", " ").replace("_", " ")
    return " ".join(text.split()).lower()


_INSTALMENT = re.compile(r"^instalment ([0-9]{1,3})(?: (due|due date|amount))?$")
_SHARE = re.compile(r"^([A-Za-z0-9]{1,20})\s*[:=]?\s*([0-9]{1,13}(?:\.[0-9]{1,20})?)\s*(%?)$")
_ISO_DATE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$")
_SERIAL = re.compile(r"^[0-9]{1,7}(?:\.0*)?$")
YES = {"y", "yes", "true", "1"}
NO = {"n", "no", "false", "0"}
RISK_SHARES = {r.value: r.value for r in rules.RiskShare}
METRIC_LIMIT = Decimal(10**12)


def excel_date(serial: int, date1904: bool = False) -> date:
    """A date cell's day number as a date. In the 1900 system Excel counts 29 February 1900,
    which never was, so days from 61 on are a day behind what counting from 1900 gives."""
    if date1904:
        return date(1904, 1, 1) + timedelta(days=serial)
    if serial < 61:
        return date(1899, 12, 31) + timedelta(days=serial)
    return date(1899, 12, 30) + timedelta(days=serial)


type At = Callable[[str], str]


@dataclass
class _Table:
    """A sheet as read: its name, its reference for problems, its columns and its rows."""

    name: str
    ref: str
    columns: dict[str, str]  # key -> column letter
    rows: list[tuple[int, dict[str, str]]]
    instalments: dict[int, dict[str, str]]  # n -> {"due": letter, "amount": letter}

    def at(self, number: int) -> At:
        def where(key: str) -> str:
            column = self.columns.get(key) or key
            return f"{self.ref}!{column}{number}"

        return where


class _Reader:
    """Reads a workbook's plan sheets into a `PlanIn`, checking every cell against what the
    agreement and the configuration allow; the problems name each cell."""

    def __init__(self, agreement: Agreement, year: FinancialYear, book: workbook.Workbook):
        self.agreement = agreement
        self.year = year
        self.book = book
        self.problems = Found()
        self.cfg = config.config()
        self.partners = set(agreement.partners.values_list("organisation__code", flat=True))
        self.cost_centres = set(
            BudgetLine.objects.filter(
                system_id=agreement.system_id, organisation__code__in=self.partners
            ).values_list("cost_centre", flat=True)
        )
        # Whether every amount was read: the plan's balance is checked only then.
        self.amounts_read = True
        # Cells that hold an error, said once: nothing more is said about them.
        self.broken: set[str] = set()

    def bad(self, where: str, message: str) -> None:
        if where not in self.broken:
            self.problems.add(where, message)

    # Sheets and headings --------------------------------------------------------------------

    def table(self, name: str) -> _Table | None:
        ref = sheet_ref(name)
        sheet = next((s for s in self.book.sheets if s.name.strip().lower() == name.lower()), None)
        if sheet is None:
            have = ", ".join(s.name for s in self.book.sheets[:12]) or "none"
            self.bad(
                f"{ref}!A1",
                f"the workbook has no sheet named '{name}': a plan has the sheets "
                f"{', '.join(PLAN_SHEETS)} (this workbook's: {have})",
            )
            return None
        ref = sheet_ref(sheet.name)
        known = COLUMNS[name]
        headings: dict[str, str] = {}
        for column in known:
            headings[_normal(column.heading)] = column.key
            headings.setdefault(_normal(column.heading.replace("(Y/N)", "")), column.key)
        table = _Table(name, ref, {}, [], {})
        ok = True
        first = True
        for number, cells in self.book.rows(sheet):
            if first:
                first = False
                if number != 1:
                    self.bad(f"{ref}!A1", "row 1 holds no headings: the columns' names go in row 1")
                    return None
                ok = self.headings(name, table, cells, headings)
                continue
            if len(table.rows) >= MAX_ROWS:
                self.bad(f"{ref}!A{number}", f"a plan's sheet holds at most {MAX_ROWS:,} rows")
                break
            table.rows.append((number, cells))
        if first:
            self.bad(f"{ref}!A1", "the sheet is empty: row 1 holds the headings")
            return None
        for column in known:
            if column.required and column.key not in table.columns:
                self.bad(f"{ref}!A1", f"the headings in row 1 have no '{column.heading}' column")
                ok = False
        return table if ok else None

    def headings(
        self, name: str, table: _Table, cells: dict[str, str], known: dict[str, str]
    ) -> bool:
        ok = True
        given = sorted(cells.items(), key=lambda c: workbook.column_index(c[0]))
        for letter, text in given:
            where = f"{table.ref}!{letter}1"
            if type(text) is workbook.CellError:
                self.bad(where, str(text))
                ok = False
                continue
            normal = _normal(text)
            if not normal:
                continue
            key = known.get(normal)
            found = _INSTALMENT.match(normal) if name == CONTRIBUTIONS else None
            if key is None and found is not None:
                n = int(found.group(1))
                part = "amount" if found.group(2) in (None, "amount") else "due"
                if not 1 <= n <= MAX_INSTALMENTS:
                    self.bad(where, f"a contribution has at most {MAX_INSTALMENTS} instalments")
                    ok = False
                    continue
                pair = table.instalments.setdefault(n, {})
                if part in pair:
                    self.bad(where, f"a second '{text.strip()[:60]}' column")
                    ok = False
                else:
                    pair[part] = letter
                continue
            if key is None:
                listed = ", ".join(c.heading for c in COLUMNS[name])
                if name == CONTRIBUTIONS:
                    listed += ", and pairs of Instalment 1 due and Instalment 1 £ (2, 3 ...)"
                self.bad(
                    where,
                    f"'{text.strip()[:60]}' is not a column of the {name} sheet: the columns "
                    f"are {listed}",
                )
                ok = False
            elif key in table.columns:
                self.bad(where, f"a second '{text.strip()[:60]}' column")
                ok = False
            else:
                table.columns[key] = letter
        for n, pair in sorted(table.instalments.items()):
            due, amount = instalment_headings(n)
            if "due" not in pair:
                self.bad(f"{table.ref}!{pair['amount']}1", f"'{amount}' has no '{due}' column")
                ok = False
            elif "amount" not in pair:
                self.bad(f"{table.ref}!{pair['due']}1", f"'{due}' has no '{amount}' column")
                ok = False
        return ok

    # Cells ---------------------------------------------------------------------------------

    def values(self, table: _Table, number: int, cells: dict[str, str]) -> dict[str, str] | None:
        """The row's text by key, stripped (and instalments as "due 3", "amount 3"); None for
        a row with nothing in it. A cell that holds an error is reported and read as blank."""
        out: dict[str, str] = {}
        at = table.at(number)
        anything = False
        keys = dict(table.columns)
        for n, pair in table.instalments.items():
            keys[f"due {n}"] = pair.get("due", "")
            keys[f"amount {n}"] = pair.get("amount", "")
        for key, letter in keys.items():
            value = cells.get(letter) if letter else None
            if value is None:
                out[key] = ""
                continue
            if type(value) is workbook.CellError:
                self.bad(f"{table.ref}!{letter}{number}", str(value))
                self.broken.add(f"{table.ref}!{letter}{number}")
                out[key] = ""
                anything = True
                continue
            value = value.strip()
            out[key] = value
            if value and not key.endswith("_name"):
                anything = True
        if not anything:
            return None
        for column in COLUMNS[table.name]:
            if column.most and len(out.get(column.key, "")) > column.most:
                self.bad(at(column.key), f"is longer than {column.most} characters")
                out[column.key] = out[column.key][: column.most]
        return out

    def required(self, text: str, where: str, what: str) -> bool:
        if not text:
            self.bad(where, f"the {what} is missing")
            return False
        return True

    def money(self, text: str, where: str, *, positive: bool = False, blank: bool = False) -> int:
        """Pounds to the penny as pence; 0 (and the problem reported) when it is not."""
        if not text:
            if blank:
                return 0
            self.bad(where, "the amount is missing: give pounds and pence, such as 1250.50")
            self.amounts_read = False
            return 0
        try:
            if len(text) > 40:
                raise ValueError("must be an amount of money in pounds, such as 1250.50")
            pence = to_pence(Decimal(text) if _NUMBER.match(text) else text)
        except (ValueError, InvalidOperation) as exc:
            message = str(exc)
            if message.startswith("must be an amount"):
                message = f"'{text[:40]}' is not an amount of money: give pounds, such as 1250.50"
            elif message.startswith("must be 0 or more"):
                message = f"{text[:40]} is negative: an amount is £0 or more"
            else:
                message = f"{text[:40]} {message}"
            self.bad(where, message)
            self.amounts_read = False
            return 0
        if pence > actions.MAX_PENCE:
            self.bad(where, f"{pounds(pence)} is beyond what a pool can hold (£10 billion)")
            self.amounts_read = False
            return 0
        if positive and pence == 0:
            self.bad(where, "must be more than £0")
            self.amounts_read = False
        return pence

    def date_of(self, text: str, where: str) -> date | None:
        if _SERIAL.match(text):
            serial = int(Decimal(text))
            if 1 <= serial <= 2_958_465:  # Excel's last day, 31 December 9999
                return excel_date(serial, self.book.date1904)
        found = _ISO_DATE.match(text)
        if found is None:
            self.bad(where, f"'{text[:40]}' is not a date: give a date cell, or YYYY-MM-DD")
            return None
        try:
            return date(*(int(g) for g in found.groups()))
        except ValueError:
            self.bad(where, f"{text} is not a date that exists: check the day and month")
            return None

    def yes_no(self, text: str, where: str) -> bool | None:
        answer = text.lower()
        if answer in YES:
            return True
        if answer in NO:
            return False
        self.bad(where, f"'{text[:40]}' is not Y or N" if text else "give Y or N")
        return None

    # The sheets' rows ------------------------------------------------------------------------

    def contributions(self, table: _Table) -> list[actions.ContributionIn]:
        out: list[actions.ContributionIn] = []
        seen: dict[str, str] = {}
        starts, ends = self.agreement.starts, self.agreement.ends
        for number, cells in table.rows:
            v = self.values(table, number, cells)
            if v is None:
                continue
            at = table.at(number)
            code = v["partner"].upper()
            usable = self.required(code, at("partner"), "partner code")
            if code and code not in self.partners:
                self.bad(
                    at("partner"),
                    f"{code} is not a partner of {self.agreement.name} (its partners: "
                    f"{', '.join(sorted(self.partners))})",
                )
                usable = False
            stream_text = v.get("stream", "").strip()
            stream = self.cfg.stream(stream_text or "contribution")
            if stream is None:
                self.bad(
                    at("stream"),
                    f"'{stream_text[:60]}' is not a funding stream; use one of: "
                    + "; ".join(f.name for f in self.cfg.funding_streams),
                )
                usable = False
            key = f"{code} {stream.code if stream else stream_text}"
            if code and key in seen:
                self.bad(
                    at("partner"),
                    f"{code} gives {stream.name if stream else stream_text} twice "
                    f"(also {seen[key]})",
                )
                usable = False
            if code:
                seen.setdefault(key, at("partner"))
            amount = self.money(v["amount"], at("amount"), positive=True)
            instalments: list[actions.InstalmentIn] = []
            complete = True
            for n in sorted(table.instalments):
                due_text, paid_text = v.get(f"due {n}", ""), v.get(f"amount {n}", "")
                due_at = f"{table.ref}!{table.instalments[n].get('due', '')}{number}"
                paid_at = f"{table.ref}!{table.instalments[n].get('amount', '')}{number}"
                if not due_text and not paid_text:
                    continue
                if not due_text:
                    self.bad(due_at, f"instalment {n} has an amount but no date it falls due")
                    complete = False
                    continue
                if not paid_text:
                    self.bad(paid_at, f"instalment {n} falls due but has no amount")
                    complete = False
                    continue
                due = self.date_of(due_text, due_at)
                paid = self.money(paid_text, paid_at, positive=True)
                if due is not None and not starts <= due <= ends:
                    self.bad(
                        due_at,
                        f"{due.isoformat()} is outside the agreement's term ({starts.isoformat()} "
                        f"to {ends.isoformat()}): an instalment falls due within it",
                    )
                if due is None or not paid:
                    complete = False
                    continue
                instalments.append(actions.InstalmentIn(due, paid, where=due_at))
            if complete and amount and instalments:
                total = sum(i.amount for i in instalments)
                if total != amount:
                    self.bad(
                        at("amount"),
                        f"the instalments add up to {pounds(total)}, not the contribution of "
                        f"{pounds(amount)}",
                    )
            if usable and amount:
                out.append(
                    actions.ContributionIn(
                        code,
                        amount,
                        instalments,
                        where=at("partner"),
                        stream=stream.code if stream else "contribution",
                    )
                )
            else:
                # A contribution left out: the plan's balance cannot be checked.
                self.amounts_read = False
        if not out and not self.problems:
            self.bad(f"{table.ref}!A2", "the plan has no contributions: a partner a row")
        return out

    def schemes(self, table: _Table) -> list[actions.SchemeIn]:
        out: list[actions.SchemeIn] = []
        seen: dict[str, str] = {}
        types = {t.lower(): t for t in self.cfg.scheme_types}
        for number, cells in table.rows:
            v = self.values(table, number, cells)
            if v is None:
                continue
            at = table.at(number)
            ref = v["scheme"]
            if self.required(ref, at("scheme"), "scheme's reference"):
                if ref in seen:
                    self.bad(at("scheme"), f"scheme {ref} is listed twice (also {seen[ref]})")
                seen.setdefault(ref, at("scheme"))
            self.required(v["name"], at("name"), "scheme's name")
            kind = types.get(" ".join(v["type"].split()).lower())
            if kind is None and v["type"]:
                self.bad(
                    at("type"),
                    f"'{v['type'][:60]}' is not a scheme type; use one of: "
                    + "; ".join(self.cfg.scheme_types),
                )
            elif kind is None:
                self.bad(at("type"), "the scheme type is missing")
            out.append(actions.SchemeIn(ref, v["name"], kind or v["type"], where=at("scheme")))
        return out

    def shares(self, text: str, risk_share: str, where: str) -> tuple[dict[str, Decimal], bool]:
        """A line's shares as written ("15N 60%; E10000008 40%"), and whether they read."""
        out: dict[str, Decimal] = {}
        if not text:
            return out, True
        if risk_share == rules.RiskShare.PROPORTIONAL:
            self.bad(
                where,
                "a proportional line is shared in proportion to the contributions: leave Shares "
                "blank, or make the risk share fixed or variable",
            )
            return out, False
        ok = True
        for part in (p.strip() for p in re.split(r"[;\n]", text)):
            if not part:
                continue
            found = _SHARE.match(part)
            if found is None:
                self.bad(
                    where,
                    f"'{part[:40]}' is not a partner's share: give each as its code and figure, "
                    "such as '15N 60%; E10000008 40%'",
                )
                ok = False
                continue
            code, figure = found.group(1).upper(), Decimal(found.group(2))
            if code not in self.partners:
                self.bad(
                    where,
                    f"{code} is not a partner of {self.agreement.name} (its partners: "
                    f"{', '.join(sorted(self.partners))})",
                )
                ok = False
            elif code in out:
                self.bad(where, f"{code} is given two shares")
                ok = False
            else:
                out[code] = figure
        return out, ok

    def lines(self, table: _Table, schemes: list[actions.SchemeIn] | None) -> list[actions.LineIn]:
        """The spend lines (`schemes` None: the Schemes sheet could not be read, so the lines'
        schemes are not checked against it)."""
        out: list[actions.LineIn] = []
        seen: dict[str, str] = {}
        known = {s.reference for s in schemes or []}
        for number, cells in table.rows:
            v = self.values(table, number, cells)
            if v is None:
                continue
            at = table.at(number)
            scheme = v["scheme"]
            if (
                self.required(scheme, at("scheme"), "scheme's reference")
                and schemes is not None
                and scheme not in known
            ):
                self.bad(at("scheme"), f"scheme '{scheme}' is not among the plan's schemes")
            ref = v["line"]
            if self.required(ref, at("line"), "line's reference"):
                if ref in seen:
                    self.bad(at("line"), f"line {ref} is listed twice (also {seen[ref]})")
                seen.setdefault(ref, at("line"))
            self.required(v["name"], at("name"), "line's name")
            cost_centre = v.get("cost_centre", "")
            if cost_centre and cost_centre not in self.cost_centres:
                self.bad(
                    at("cost_centre"),
                    f"no partner has cost centre '{cost_centre}' in the ledger: add the budget "
                    "line first, or leave the cost centre blank",
                )
            budget = self.money(v["budget"], at("budget"))
            recurrent = self.yes_no(v["recurrent"], at("recurrent"))
            share_text = v.get("risk_share", "").lower() or rules.RiskShare.PROPORTIONAL.value
            risk_share = RISK_SHARES.get(share_text)
            if risk_share is None:
                self.bad(
                    at("risk_share"),
                    f"'{v['risk_share'][:40]}' is not a risk share: proportional, fixed or "
                    "variable",
                )
            shares, read = self.shares(
                v.get("shares", ""),
                risk_share or "",
                at("shares") if "shares" in table.columns else at("risk_share"),
            )
            formula = v.get("formula", "")
            if risk_share is not None and read:
                self.check_shares(ref, risk_share, shares, formula, table, at)
            out.append(
                actions.LineIn(
                    scheme=scheme,
                    reference=ref,
                    name=v["name"],
                    budget=budget,
                    recurrent=bool(recurrent),
                    cost_centre=cost_centre,
                    risk_share=risk_share or rules.RiskShare.PROPORTIONAL.value,
                    shares=shares,
                    formula=formula,
                    where=at("line"),
                )
            )
        if not out and not self.problems:
            self.bad(f"{table.ref}!A2", "the plan has no spend lines: a line a row")
        return out

    def check_shares(
        self,
        ref: str,
        risk_share: str,
        shares: dict[str, Decimal],
        formula: str,
        table: _Table,
        at: At,
    ) -> None:
        shares_at = at("shares") if "shares" in table.columns else at("risk_share")
        if risk_share == rules.RiskShare.PROPORTIONAL:
            return
        if risk_share == rules.RiskShare.VARIABLE and not formula:
            self.bad(
                at("formula") if "formula" in table.columns else at("risk_share"),
                "a variable share names its formula, as the agreement names it",
            )
            return
        if not shares:
            self.bad(
                shares_at,
                f"a {risk_share} share gives each partner's "
                + (
                    "percentage, such as '15N 60%; E10000008 40%'"
                    if risk_share == "fixed"
                    else "measure, such as '15N 12; E10000008 8'"
                ),
            )
            return
        line = rules.Line(ref, ref, 0, 0, True, rules.RiskShare(risk_share), shares, formula)
        try:
            rules.shares(line, {p: 1 for p in self.partners})
        except rules.PoolRuleError as exc:
            self.bad(shares_at, str(exc).removeprefix(f"line {ref}: "))

    def reserves(self, table: _Table) -> tuple[int, int, str, str]:
        """The risk reserve and uncommitted allocations (row 2; blank: £0), and their cells."""
        at = table.at(2)
        given: dict[str, str] = {}
        for number, cells in table.rows:
            v = self.values(table, number, cells)
            if v is None:
                continue
            if number == 2:
                given = v
            else:
                self.bad(
                    f"{table.ref}!A{number}",
                    "the reserves are in row 2 alone: one Risk reserve £ and one Uncommitted £",
                )
        reserve = self.money(given.get("risk_reserve", ""), at("risk_reserve"), blank=True)
        uncommitted = self.money(given.get("uncommitted", ""), at("uncommitted"), blank=True)
        return reserve, uncommitted, at("risk_reserve"), at("uncommitted")

    def metrics(self, table: _Table) -> list[actions.MetricIn]:
        out: list[actions.MetricIn] = []
        seen: dict[str, str] = {}
        for number, cells in table.rows:
            v = self.values(table, number, cells)
            if v is None:
                continue
            at = table.at(number)
            code = v["metric"]
            if not self.required(code, at("metric"), "metric's code"):
                continue
            if self.cfg.metric(code) is None:
                self.bad(
                    at("metric"),
                    f"'{code[:60]}' is not a BCF metric "
                    f"({', '.join(m.code for m in self.cfg.metrics)})",
                )
                continue
            if code in seen:
                self.bad(at("metric"), f"{code} is planned twice (also {seen[code]})")
                continue
            seen[code] = at("metric")
            for q, key in enumerate(QUARTERS, start=1):
                text = v.get(key, "")
                if not text:
                    continue
                value = self.metric_value(text, at(key))
                if value is not None:
                    out.append(actions.MetricIn(code, q, value, where=at(key)))
        return out

    def metric_value(self, text: str, where: str) -> Decimal | None:
        if len(text) > 40 or not _NUMBER.match(text):
            self.bad(where, f"'{text[:40]}' is not a number: give the planned value")
            return None
        value = Decimal(text)
        if not value.is_finite() or abs(value) >= METRIC_LIMIT:
            self.bad(where, f"{text[:40]} is not a number a metric can take")
            return None
        if value != value.quantize(Decimal("0.01")):
            self.bad(where, f"{text[:40]} has more than two decimal places")
            return None
        return value

    # The whole plan --------------------------------------------------------------------------

    def read(self) -> actions.PlanIn:
        tables = {name: self.table(name) for name in PLAN_SHEETS}
        contributions_table = tables[CONTRIBUTIONS]
        contributions = self.contributions(contributions_table) if contributions_table else []
        schemes_table = tables[SCHEMES]
        schemes = self.schemes(schemes_table) if schemes_table else None
        lines_table = tables[LINES]
        lines = self.lines(lines_table, schemes) if lines_table else []
        reserve = uncommitted = 0
        where_reserve, where_uncommitted = "risk_reserve", "uncommitted"
        reserves_table = tables[RESERVES]
        if reserves_table is not None:
            reserve, uncommitted, where_reserve, where_uncommitted = self.reserves(reserves_table)
        metrics_table = tables[METRICS]
        metrics = self.metrics(metrics_table) if metrics_table else []
        complete = all(t is not None for t in tables.values()) and self.amounts_read
        if complete and contributions_table is not None:
            contributed = sum(c.amount for c in contributions)
            planned = sum(ln.budget for ln in lines) + reserve + uncommitted
            if contributed != planned:
                self.bad(
                    self.balance_where(contributions_table),
                    f"the lines, risk reserve and uncommitted allocations add up to "
                    f"{pounds(planned)}, but the partners contribute {pounds(contributed)}: a "
                    "pool spends what it holds",
                )
        return actions.PlanIn(
            contributions=contributions,
            schemes=schemes or [],
            lines=lines,
            risk_reserve=reserve,
            uncommitted=uncommitted,
            metrics=metrics,
            where_reserve=where_reserve,
            where_uncommitted=where_uncommitted,
        )

    def balance_where(self, table: _Table) -> str:
        """The contributions' Amount cells: what the plan's spending must add up to."""
        column = table.columns.get("amount", "C")
        numbers = [n for n, _ in table.rows] or [2]
        first, last = min(numbers), max(numbers)
        cells = f"{column}{first}" if first == last else f"{column}{first}:{column}{last}"
        return f"{table.ref}!{cells}"


def read_plan(
    agreement: Agreement, year: FinancialYear, file_name: str, data: bytes
) -> tuple[actions.PlanIn, list[Problem]]:
    """Read and check a plan's workbook (the database read, nothing written): the plan, and
    every problem with it named by sheet and cell. Raises Refused for a file that cannot be
    read as a workbook at all."""
    name = file_name or "plan.xlsx"
    limit = min(settings.UPLOAD_MAX_BYTES, workbook.MAX_BYTES)
    if len(data) > limit:
        raise _refused_file(name, f"is larger than {limit / 1_000_000:g} MB")
    try:
        with workbook.open_workbook(io.BytesIO(data), name) as book:
            reader = _Reader(agreement, year, book)
            plan = reader.read()
    except Refused as exc:
        raise Refused(
            f"{name} was not read: nothing was written",
            [_in_file(p, name) for p in exc.problems],
        ) from None
    plan.file_name = name[:255]
    plan.sha256 = hashlib.sha256(data).hexdigest()
    problems = list(reader.problems)
    unlisted = reader.problems.total - len(problems)
    # The plan's own checks, as loading makes them. The cells were checked as they were read,
    # so when they are right what these find is all there is (the year, and anything the
    # reading missed); when they are not, only the year's problems are added: the rest would
    # be the cells' problems again, or sums of figures some of which could not be read.
    for p in actions.check_plan(agreement, year, plan):
        if problems and p.field != "year":
            continue
        field = WHOLE_SHEET.get(p.field, p.field)
        if (field, p.message) not in {(q.field, q.message) for q in problems}:
            problems.append(Problem(field, p.message))
    if unlisted or len(problems) > MAX_PROBLEMS:
        unlisted += max(0, len(problems) - (MAX_PROBLEMS - 1))
        problems = problems[: MAX_PROBLEMS - 1]
        problems.append(
            Problem("", f"... and {unlisted:,} more problems, not listed; mend these first")
        )
    return plan, [_in_file(p, name) for p in problems]


# Where a plan's checks name a whole part of the plan, the sheet that holds it.
WHOLE_SHEET = {
    "contributions": f"{CONTRIBUTIONS}!A2",
    "lines": f"{LINES}!A2",
    "schemes": f"{SCHEMES}!A2",
    "metrics": f"{METRICS}!A2",
}


def _in_file(problem: Problem, name: str) -> Problem:
    """A problem as `file: Sheet!Cell: message` prints it."""
    field = problem.field
    if field == name:
        field = ""
    elif field.startswith(f"{name}: "):
        field = field.removeprefix(f"{name}: ")
    return Problem(field, problem.message, file=name)


def _refused_file(name: str, message: str) -> Refused:
    return Refused(f"{name}: {message}", [Problem("", message, file=name)])


def import_plan(
    actor: Actor, agreement: Agreement, year: FinancialYear, file_name: str, data: bytes
) -> PoolPlan:
    """Read a plan's workbook and load it as the year's new version (`actions.load_plan`, one
    transaction), or refuse it whole, every problem named by sheet and cell, nothing written."""
    # Checked before the workbook is read, so its problems tell nobody else about the pool.
    if not actor.holds(Permission.MANAGE_POOLS, agreement.host):
        raise NotPermitted(
            f"You may not {Permission.MANAGE_POOLS.label} for {agreement.host} (the pooled "
            f"fund {agreement.name})"
        )
    name = file_name or "plan.xlsx"
    plan, problems = read_plan(agreement, year, name, data)
    if problems:
        count = len(problems)
        raise Refused(
            f"{name}: the plan was refused ({count} problem{'s' if count != 1 else ''}); "
            "nothing was written.",
            problems,
        )
    try:
        return actions.load_plan(actor, agreement, year, plan)
    except Refused as exc:
        raise Refused(exc.message, [_in_file(p, name) for p in exc.problems]) from None
