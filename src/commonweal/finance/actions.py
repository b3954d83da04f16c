"""Changes to the ledger, each in one transaction with an audit event and a declared
permission (MANAGE_FINANCE in the organisation whose budget it is).

Closed months take nothing; a late correction is a new entry in an open month pointing at the
one it corrects. A virement is a decision: recorded through the register of decisions, so the
scheme of delegation routes and validates it, and applied to the budget only when valid.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from commonweal.core.actions import Actor, action
from commonweal.core.errors import Conflict, Problem, Refused
from commonweal.core.formatting import pounds
from commonweal.core.models import Organisation, Person
from commonweal.core.permissions import Permission
from commonweal.decisions import actions as decisions
from commonweal.decisions.models import Decision, DecisionPart
from commonweal.governance.models import Post
from commonweal.registry.models import Area, System

from . import ledger
from .models import (
    BudgetLine,
    Entry,
    FinancialYear,
    Kind,
    Nature,
    Plan,
    PositionReport,
    Return,
    SavingsEntry,
    SavingsScheme,
    Virement,
    month_label,
    year_label,
)

VIREMENT = "virement"


def keepers(system: System) -> list[Organisation]:
    """The organisations that keep a system's finances: those with budget lines or plans in it,
    and those with a part in its decisions."""
    return list(
        Organisation.objects.filter(
            Q(pk__in=BudgetLine.objects.filter(system=system).values("organisation"))
            | Q(pk__in=Plan.objects.filter(year__system=system).values("organisation"))
            | Q(pk__in=[o.pk for o in decisions.system_keepers(system)])
        ).distinct()
    )


def system_leads(system: System) -> list[Organisation]:
    """Who keeps the system's financial calendar (opens its years, closes its months): the NHS
    commissioner responsible for the system's own footprint, which runs the system's
    consolidated monitoring. A system without one falls back to every keeper."""
    from commonweal.registry.models import AreaResponsibility

    leads = list(
        Organisation.objects.filter(
            pk__in=AreaResponsibility.objects.filter(
                area__system=system,
                area__level="system",
                role="nhs_commissioner",
                ends__isnull=True,
            ).values("organisation")
        )
    )
    return leads or keepers(system)


def month_name(year: FinancialYear, month: int) -> str:
    return month_label(year.start, month)


@action("finance.open_year", permission=Permission.MANAGE_FINANCE)
def open_year(actor: Actor, system: System, start: int) -> FinancialYear:
    actor.require_any(system_leads(system), because=f"the financial calendar of {system.name}")
    if not 2000 <= start <= 2100:
        raise Refused.at("start", "must be a financial year from 2000/01 to 2100/01")
    year, created = FinancialYear.objects.get_or_create(system=system, start=start)
    if created:
        actor.record("financial_year", str(year.pk), f"Financial year {year.label} opened")
    return year


@action("finance.close_month", permission=Permission.MANAGE_FINANCE)
def close_month(actor: Actor, year: FinancialYear, month: int) -> FinancialYear:
    """Close the next month of the year: nothing more is posted to it, ever. The system's
    months close together, at the system's month end, kept by the lead commissioner."""
    actor.require_any(
        system_leads(year.system), because=f"the financial calendar of {year.system.name}"
    )
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    if not 1 <= month <= 12:
        raise Refused.at("month", "must be a month of the year: M1 (April) to M12 (March)")
    if month != year.closed_through + 1:
        if month <= year.closed_through:
            raise Conflict.at("month", f"{month_name(year, month)} is closed already")
        raise Refused.at(
            "month",
            f"Close {month_name(year, year.closed_through + 1)} first: months close in order",
        )
    year.closed_through = month
    year.save(update_fields=["closed_through"])
    actor.record(
        "financial_year", str(year.pk), f"{month_name(year, month)} of {year.label} closed"
    )
    return year


@dataclass
class LineIn:
    organisation: Organisation
    cost_centre: str
    name: str
    programme: str = ""
    place: Area | None = None
    nature: str = Nature.EXPENDITURE


@action("finance.add_lines", permission=Permission.MANAGE_FINANCE)
def add_lines(actor: Actor, system: System, lines: Sequence[LineIn]) -> list[BudgetLine]:
    """Add budget lines, or bring existing ones' name, programme and place up to date."""
    out = []
    for org in {line.organisation.pk: line.organisation for line in lines}.values():
        actor.require(org, because=f"{org.name}'s budget")
    for line in lines:
        if line.place is not None and line.place.system_id != system.pk:
            raise Refused.at("place", f"{line.place} is not an area of {system.name}")
        found, _ = BudgetLine.objects.update_or_create(
            system=system,
            organisation=line.organisation,
            cost_centre=line.cost_centre,
            defaults={
                "name": line.name,
                "programme": line.programme,
                "place": line.place,
                "nature": line.nature,
            },
        )
        out.append(found)
    if out:
        actor.record("budget_lines", system.slug, f"{len(out):,} budget line(s) added or updated")
    return out


@dataclass
class EntryIn:
    line: BudgetLine
    month: int
    kind: str
    amount: int  # pence, signed
    as_at: int | None = None
    label: str = ""
    corrects: Entry | None = None
    decision_part: DecisionPart | None = None
    note: str = ""
    where: str = ""  # where it came from (Sheet!C7), for problems


def check_entries(
    year: FinancialYear, entries: Sequence[EntryIn], *, closed: bool = True
) -> list[Problem]:
    """Everything wrong with entries for the year, each named where it came from (without
    `closed`, a closed month is not one of them: a return is checked for closed months once
    what it changes is known, see `restate`)."""
    problems = []
    kinds = set(Kind.values)
    for i, e in enumerate(entries):
        where = e.where or f"entries[{i}]"

        def bad(message: str, where: str = where) -> None:
            problems.append(Problem(where, message))

        if e.line.system_id != year.system_id:
            bad(f"the budget line {e.line.cost_centre} is not in {year.system}")
        if not 1 <= e.month <= 12:
            bad(f"month {e.month} is not a month of the year: M1 (April) to M12 (March)")
            continue
        if e.kind not in kinds:
            bad(f"'{e.kind}' is not a kind of entry ({', '.join(Kind.values)})")
            continue
        forecast = e.kind in (Kind.FORECAST, Kind.ALLOCATION_FORECAST)
        posted_in = e.as_at if forecast else e.month
        if forecast:
            if e.as_at is None or not 1 <= e.as_at <= 12:
                bad("a forecast says the month it was made in (as at M1 to M12)")
                continue
            if e.month <= e.as_at:
                bad(f"a forecast made in M{e.as_at} is for the months after it, not M{e.month}")
        if closed and posted_in is not None and posted_in <= year.closed_through:
            bad(
                f"{month_name(year, posted_in)} is closed: post a correction in an open month "
                "that points at the entry it corrects"
            )
        if e.corrects is not None and (
            e.corrects.line_id != e.line.pk
            or e.corrects.kind != e.kind
            or e.corrects.year_id != year.pk
        ):
            bad("a correction is of the same line, kind and year as the entry it corrects")
        if e.decision_part is not None and e.kind not in (Kind.ACTUAL, Kind.COMMITMENT):
            bad("only orders (commitments) and payments (actuals) are raised under a decision")
        if e.decision_part is not None and (
            e.decision_part.organisation_id != e.line.organisation_id
        ):
            bad("the decision's part is another organisation's")
    return problems


# The columns of one entry as written in bulk: a single INSERT run over every row, which is
# many times faster than the ORM's bulk_create for a 100,000-line return.
_ENTRY_COLUMNS = (
    "line_id", "year_id", "month", "kind", "amount", "as_at", "label", "corrects_id",
    "decision_part_id", "virement_id", "source_id", "note", "recorded", "recorded_by",
)  # fmt: skip


# What a year's ledger may hold in all (the sum of every entry's size): ten trillion pounds, a
# thousand times any system's budget and far inside what a 64-bit sum can add up, so that no
# total the database makes can overflow however the entries are grouped.
MAX_YEAR_PENCE = 1_000_000_000_000_000


def _within_bounds(year: FinancialYear, adding: int) -> None:
    from django.db.models import Func, Sum

    held = Entry.objects.filter(year=year).aggregate(t=Sum(Func("amount", function="ABS")))["t"]
    if int(held or 0) + adding > MAX_YEAR_PENCE:
        raise Refused.at(
            "amount",
            f"these entries would take {year.label}'s ledger past ten trillion pounds in all: "
            "check the amounts and their units",
        )


def write_entries(
    actor: Actor, year: FinancialYear, entries: Sequence[EntryIn], source: Return | None = None
) -> int:
    """Write checked entries in bulk (inside the caller's action)."""
    label = actor.label[:150]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [
        (
            e.line.pk,
            year.pk,
            e.month,
            str(e.kind),
            e.amount,
            e.as_at,
            e.label[:100],
            e.corrects.pk if e.corrects is not None else None,
            e.decision_part.pk if e.decision_part is not None else None,
            None,
            source.pk if source is not None else None,
            e.note[:300],
            now,
            label,
        )
        for e in entries
    ]
    _within_bounds(year, sum(abs(r[4]) for r in rows))
    sql = (
        f"INSERT INTO {Entry._meta.db_table} ({', '.join(_ENTRY_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(_ENTRY_COLUMNS))})"
    )
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 10_000):
            cursor.executemany(sql, rows[i : i + 10_000])
    return len(rows)


def restate(year: FinancialYear, entries: Sequence[EntryIn]) -> list[EntryIn]:
    """What a return changes. A return states values: the budget, actual, commitments,
    forecast or allocation of a line for a month (and a forecast's month of making) as they
    stand. So the entry written for each is the difference from what the ledger already holds,
    and nothing where they agree: a return handed in again, or restating earlier months,
    changes nothing, and a corrected one changes only what it corrects. Rows that correct an
    entry or are raised under a decision are movements, and pass as they are."""
    from django.db.models import Sum

    stated: dict[tuple[int, str, int, int | None, str], EntryIn] = {}
    moved: list[EntryIn] = []
    for e in entries:
        if e.corrects is not None or e.decision_part is not None:
            moved.append(e)
            continue
        key = (e.line.pk, str(e.kind), e.month, e.as_at, e.label)
        if key in stated:
            stated[key].amount += e.amount  # two rows of one key state its total
        else:
            stated[key] = EntryIn(
                e.line, e.month, e.kind, e.amount, as_at=e.as_at, label=e.label,
                note=e.note, where=e.where,
            )  # fmt: skip
    lines = {key[0] for key in stated if key[0] is not None}
    held: dict[tuple[int, str, int, int | None, str], int] = {}
    for start in range(0, len(lines), 5_000):
        chunk = sorted(lines)[start : start + 5_000]
        for line, kind, month, as_at, label, total in (
            Entry.objects.filter(year=year, line_id__in=chunk)
            .values("line", "kind", "month", "as_at", "label")
            .annotate(total=Sum("amount"))
            .values_list("line", "kind", "month", "as_at", "label", "total")
        ):
            held[(line, kind, month, as_at, label)] = int(total or 0)
    changes = []
    for key, e in stated.items():
        e.amount -= held.get(key, 0)
        if e.amount:
            changes.append(e)
    return changes + moved


def _require_lines(actor: Actor, lines: Iterable[BudgetLine]) -> None:
    orgs = {line.organisation_id for line in lines}
    for org in Organisation.objects.filter(pk__in=orgs):
        actor.require(org, because=f"{org.name}'s budget")


@action("finance.post_entries", permission=Permission.MANAGE_FINANCE)
def post_entries(actor: Actor, year: FinancialYear, entries: Sequence[EntryIn]) -> int:
    """Post entries by hand (a correction, an order raised under a decision)."""
    _require_lines(actor, [e.line for e in entries])
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    if not entries:
        raise Refused.at("entries", "Give at least one entry")
    problems = check_entries(year, entries)
    if problems:
        raise Refused("The entries were not posted", problems)
    count = write_entries(actor, year, entries)
    actor.record(
        "ledger",
        str(year.pk),
        f"{count:,} entr{'y' if count == 1 else 'ies'} posted to {year.label}",
        after={"entries": count},
    )
    return count


# Virements ------------------------------------------------------------------------------------


def _first_open(year: FinancialYear) -> int:
    if year.closed_through >= 12:
        raise Conflict.at("month", f"Every month of {year.label} is closed")
    return year.closed_through + 1


def _apply(
    actor: Actor,
    year: FinancialYear,
    decision: Decision,
    source: BudgetLine,
    target: BudgetLine,
    amount: int,
    month: int,
) -> Virement:
    virement = Virement.objects.create(
        decision=decision,
        year=year,
        month=month,
        source=source,
        target=target,
        amount=amount,
        recorded_by=actor.label[:150],
    )
    note = f"Virement under {decision.reference}"
    for line, signed in ((source, -amount), (target, amount)):
        Entry.objects.create(
            line=line,
            year=year,
            month=month,
            kind=Kind.BUDGET,
            amount=signed,
            virement=virement,
            note=note,
            recorded_by=actor.label[:150],
        )
    actor.record(
        "virement",
        str(virement.pk),
        f"{pounds(amount)} vired from {source} to {target} in {month_name(year, month)} "
        f"of {year.label} ({decision.reference})",
    )
    return virement


def _check_virement(
    year: FinancialYear, source: BudgetLine, target: BudgetLine, amount: int, month: int
) -> None:
    problems = []
    if source.pk == target.pk:
        problems.append(Problem("target", "Choose a different line to move the budget to"))
    if source.organisation_id != target.organisation_id:
        problems.append(
            Problem("target", "A virement moves budget within one organisation's budget")
        )
    if Nature.INCOME in (source.nature, target.nature):
        problems.append(Problem("source", "A virement moves expenditure budget, not income"))
    if amount <= 0:
        problems.append(Problem("amount", "must be more than £0"))
    if not 1 <= month <= 12 or month <= year.closed_through:
        problems.append(Problem("month", "must be an open month of the year"))
    if problems:
        raise Refused("The virement was not made", problems)
    left = ledger.line_available(source, year)
    if amount > left:
        raise Refused.at(
            "amount",
            f"{pounds(amount)} is more than the {pounds(max(left, 0))} left on {source} "
            "(budget less actuals, orders and decisions not yet ordered)",
        )


@action("finance.vire", permission=Permission.MANAGE_FINANCE)
def vire(
    actor: Actor,
    year: FinancialYear,
    *,
    source: BudgetLine,
    target: BudgetLine,
    amount: int,
    decider: tuple[Person, Post],
    on: date,
    reason: str,
    month: int | None = None,
) -> Virement:
    """Move budget between two lines of one organisation, as an officer's decision: the scheme
    of delegation says who may, up to what limit; a virement it does not allow is refused and
    nothing is moved."""
    actor.require(source.organisation, because=f"{source.organisation.name}'s budget")
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    if ledger.year_start(on) != year.start:
        raise Refused.at("on", f"The decision's date is not in {year.label}")
    # From the month of the decision, or the first open month if that one is closed.
    month = month or max(_first_open(year), ledger.month_of(on))
    BudgetLine.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).first()
    _check_virement(year, source, target, amount, month)
    title = f"Virement of {pounds(amount)} from {source} to {target}"
    decision = decisions.record_officer_decision(
        actor,
        year.system,
        decisions.DecisionIn(
            title=title[:200],
            resolution=f"To move {pounds(amount)} of {year.label} budget from {source} to "
            f"{target}, from {month_name(year, month)}.",
            decision_type=VIREMENT,
            reasons=reason,
            parts=[decisions.PartIn(source.organisation, amount, [decider])],
        ),
        on,
    )
    return _apply(actor, year, decision, source, target, amount, month)


@action("finance.apply_virement", permission=Permission.MANAGE_FINANCE)
def apply_virement(
    actor: Actor,
    year: FinancialYear,
    decision: Decision,
    *,
    source: BudgetLine,
    target: BudgetLine,
    month: int | None = None,
) -> Virement:
    """Apply a virement decided at a meeting (or by urgent action) to the budget: the decision
    must be a valid virement binding the organisation, not applied before."""
    actor.require(source.organisation, because=f"{source.organisation.name}'s budget")
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    part = decision.parts.filter(organisation_id=source.organisation_id).first()
    problems = []
    if decision.system_id != year.system_id or source.system_id != year.system_id:
        problems.append(Problem("decision", f"{decision.reference} is not {year.system}'s"))
    elif ledger.year_start(decision.on) != year.start:
        problems.append(Problem("decision", f"{decision.reference} was not taken in {year.label}"))
    if decision.decision_type != VIREMENT:
        problems.append(Problem("decision", f"{decision.reference} is not a virement"))
    if not decision.valid or part is None or source.organisation.code not in decision.binds:
        problems.append(
            Problem(
                "decision",
                f"{decision.reference} is not a valid virement for {source.organisation}",
            )
        )
    if decision.changed_by.exists():
        problems.append(
            Problem("decision", f"{decision.reference} has been corrected or rescinded")
        )
    if Virement.objects.filter(decision=decision).exists():
        problems.append(Problem("decision", f"{decision.reference} has been applied already"))
    if problems:
        raise Refused("The virement was not applied", problems)
    assert part is not None
    BudgetLine.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).first()
    month = month or max(_first_open(year), ledger.month_of(decision.on))
    _check_virement(year, source, target, part.amount, month)
    return _apply(actor, year, decision, source, target, part.amount, month)


# Plans and savings ----------------------------------------------------------------------------


@action("finance.record_plan", permission=Permission.MANAGE_FINANCE)
def record_plan(
    actor: Actor,
    year: FinancialYear,
    organisation: Organisation,
    *,
    name: str,
    agreed_on: date,
    position: int,
    savings_requirement: int | None,
    note: str = "",
) -> Plan:
    """A plan the organisation is monitored against; a revision is a new plan."""
    actor.require(organisation, because=f"{organisation.name}'s plan")
    if not name.strip():
        raise Refused.at("name", "Name the plan")
    for field_name, value in (("position", position), ("savings_requirement", savings_requirement)):
        if value is not None and abs(value) > 100_000_000_000_000:
            raise Refused.at(field_name, "is more than a trillion pounds: check the figure")
    plan = Plan.objects.create(
        year=year,
        organisation=organisation,
        name=name.strip()[:200],
        agreed_on=agreed_on,
        position=position,
        savings_requirement=savings_requirement,
        note=note.strip(),
        recorded_by=actor.label[:150],
    )
    actor.record(
        "plan",
        str(plan.pk),
        f"{organisation.name}'s plan for {year.label} recorded: {plan.name}",
    )
    return plan


@action("finance.report_position", permission=Permission.MANAGE_FINANCE)
def report_position(
    actor: Actor,
    year: FinancialYear,
    organisation: Organisation,
    *,
    month: int,
    position: int,
    note: str = "",
) -> PositionReport:
    """An organisation's forecast surplus (+) or deficit (-) for the year, as at an open month:
    for organisations whose ledger the system does not hold (a trust reporting to the system)."""
    actor.require(organisation, because=f"{organisation.name}'s forecast")
    year = FinancialYear.objects.select_for_update().get(pk=year.pk)
    if not 1 <= month <= 12:
        raise Refused.at("month", "must be a month of the year: M1 (April) to M12 (March)")
    if month <= year.closed_through:
        raise Refused.at(
            "month", f"{month_name(year, month)} is closed: report as at an open month"
        )
    if abs(position) > 100_000_000_000_00:
        raise Refused.at("position", "is more than a billion pounds: check the figure")
    report = PositionReport.objects.create(
        year=year,
        organisation=organisation,
        month=month,
        position=position,
        note=note.strip()[:2000],
        recorded_by=actor.label[:150],
    )
    actor.record(
        "position_report",
        str(report.pk),
        f"{organisation.name} forecasts {pounds(position)} for {year.label} as at "
        f"{month_name(year, month)}",
    )
    return report


@dataclass
class SavingsIn:
    organisation: Organisation
    reference: str
    name: str
    programme: str = ""
    recurrent: bool = True
    # (month, kind, amount pence, as_at)
    entries: Sequence[tuple[int, str, int, int | None]] = ()
    where: str = ""


def write_savings(actor: Actor, year: FinancialYear, schemes: Sequence[SavingsIn]) -> int:
    """Add savings schemes (or bring their names up to date) and their entries (inside the
    caller's action, which has checked the permission)."""
    count = 0
    for s in schemes:
        scheme, _ = SavingsScheme.objects.update_or_create(
            year=year,
            organisation=s.organisation,
            reference=s.reference,
            defaults={"name": s.name, "programme": s.programme, "recurrent": s.recurrent},
        )
        # A return states each month's saving as it stands: what it changes is written.
        held = {
            (month, kind, as_at): int(total or 0)
            for month, kind, as_at, total in SavingsEntry.objects.filter(scheme=scheme)
            .values("month", "kind", "as_at")
            .annotate(total=models.Sum("amount"))
            .values_list("month", "kind", "as_at", "total")
        }
        stated: dict[tuple[int, str, int | None], int] = {}
        for month, kind, amount, as_at in s.entries:
            stated[(month, kind, as_at)] = stated.get((month, kind, as_at), 0) + amount
        changes = [
            (key, amount - held.get(key, 0))
            for key, amount in stated.items()
            if amount != held.get(key, 0)
        ]
        held_year = SavingsEntry.objects.filter(scheme__year=year).aggregate(
            t=models.Sum(models.Func("amount", function="ABS"))
        )["t"]
        if int(held_year or 0) + sum(abs(d) for _, d in changes) > MAX_YEAR_PENCE:
            raise Refused.at(
                s.where or "savings",
                f"these savings would take {year.label}'s past ten trillion pounds in all: "
                "check the amounts and their units",
            )
        for (month, kind, as_at), _ in changes:
            posted_in = as_at if as_at is not None else month
            if posted_in <= year.closed_through:
                raise Refused.at(
                    s.where or "savings",
                    f"{month_name(year, posted_in)} is closed, and the return changes scheme "
                    f"{s.reference}'s {kind} for M{month} in it",
                )
        SavingsEntry.objects.bulk_create(
            SavingsEntry(
                scheme=scheme,
                month=month,
                kind=kind,
                amount=delta,
                as_at=as_at,
                recorded_by=actor.label[:150],
            )
            for (month, kind, as_at), delta in changes
        )
        count += len(changes)
    return count


def describe_year(year: FinancialYear) -> str:
    return f"{year.system.name} {year_label(year.start)}"
