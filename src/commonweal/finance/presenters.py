"""What finance shows, shaped once for pages, the API and the spreadsheets: the monitoring
table, the months of the year for the charts, the system position, the plans and savings.

Figures are pence (net expenditure terms, see `rules`); `Units` turns them into £ or £'000 for
display, rounding each shown figure from its own pence sum (never summing rounded figures).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import Sum

from commonweal.core.models import Organisation

from . import ledger, rules
from .config import config
from .models import (
    MONTHS,
    BudgetLine,
    Entry,
    FinancialYear,
    Kind,
    Plan,
    SavingsEntry,
    SavingsScheme,
    month_label,
)

UNITS = {"thousands": "£'000", "pounds": "£"}


def in_units(pence: int, units: str) -> Decimal:
    """A figure as shown: whole £'000, or £ and pence, rounded half away from zero."""
    if units == "thousands":
        return Decimal(rules.thousands(pence))
    return (Decimal(pence) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def shown(pence: int, units: str) -> str:
    value = in_units(pence, units)
    text = f"{abs(value):,.0f}" if units == "thousands" else f"{abs(value):,.2f}"
    return f"−{text}" if value < 0 else text


# The columns of the monitoring table, in order: (key, heading, attribute of Figures).
COLUMNS = (
    ("budget", "Annual budget", "budget"),
    ("budget_to_date", "Budget to date", "budget_to_date"),
    ("actual_to_date", "Actual to date", "actual_to_date"),
    ("variance_to_date", "Variance to date", "variance_to_date"),
    ("allocation_to_date", "Additional allocation to date", "allocation_to_date"),
    ("revised_variance_to_date", "Revised variance to date", "revised_variance_to_date"),
    ("commitments", "Commitments", "commitments"),
    ("forecast_outturn", "Forecast outturn", "forecast_outturn"),
    ("forecast_variance", "Forecast variance", "forecast_variance"),
    ("allocation_forecast", "Additional allocation forecast", "allocation_forecast"),
    ("revised_forecast_variance", "Revised forecast variance", "revised_forecast_variance"),
)


@dataclass(frozen=True)
class MonitoringRow:
    key: str
    label: str
    href_key: str  # what to filter by to see inside the row ("" when it is a cost centre)
    figures: rules.Figures
    variance_percent: Decimal | None  # revised forecast variance as % of the annual budget
    variance_to_date_percent: Decimal | None
    rag: str
    rag_sentence: str

    def value(self, attribute: str) -> int:
        return int(getattr(self.figures, attribute))


@dataclass(frozen=True)
class Monitoring:
    year: FinancialYear
    month: int
    dimension: str
    dimension_label: str
    organisation: Organisation | None
    rows: list[MonitoringRow]
    total: MonitoringRow
    allocation_labels: list[str]
    thresholds: rules.Thresholds
    closed_through: int

    @property
    def month_label(self) -> str:
        return month_label(self.year.start, self.month)

    @property
    def allocation_heading(self) -> str:
        if len(self.allocation_labels) == 1:
            return f"Additional {self.allocation_labels[0]} allocation"
        return "Additional allocations"


def _row(key: Any, label: str, f: rules.Figures, t: rules.Thresholds) -> MonitoringRow:
    rating = rules.rate(f.revised_forecast_variance, f.budget, t)
    return MonitoringRow(
        key=str(key if key is not None else ""),
        label=label,
        href_key=str(key if key is not None else ""),
        figures=f,
        # The RAG's own basis, so that the percentage and the rating never disagree.
        variance_percent=rules.percent(f.revised_forecast_variance, f.budget),
        variance_to_date_percent=rules.percent(f.variance_to_date, f.budget_to_date),
        rag=rating.rag.value,
        rag_sentence=rating.sentence,
    )


def allocation_labels(year: FinancialYear) -> list[str]:
    return sorted(
        set(
            Entry.objects.filter(year=year, kind__in=(Kind.ALLOCATION, Kind.ALLOCATION_FORECAST))
            .exclude(label="")
            .values_list("label", flat=True)
            .distinct()
        )
    )


def monitoring(
    year: FinancialYear,
    month: int,
    dimension: str = "organisation",
    organisation: Organisation | None = None,
) -> Monitoring:
    """The standard monitoring table as at a month, by organisation, programme, place or cost
    centre (within one organisation, if given). RAG is on the forecast variance after additional
    allocations, against the annual budget."""
    t = config().thresholds
    found = ledger.sums(
        year, month, dimension, organisation=organisation.pk if organisation else None
    )
    names = ledger.labels(dimension, list(found))
    rows = [_row(k, names.get(k, str(k)), f, t) for k, f in found.items()]
    rows.sort(key=lambda r: r.label.lower())
    if dimension == "organisation":
        codes = dict(Organisation.objects.filter(pk__in=list(found)).values_list("pk", "code"))
        rows = [
            MonitoringRow(**{**r.__dict__, "href_key": codes.get(int(r.key), "")}) for r in rows
        ]
    total = _row("", "Total", rules.total(r.figures for r in rows), t)
    return Monitoring(
        year=year,
        month=month,
        dimension=dimension,
        dimension_label=ledger.DIMENSIONS[dimension][1],
        organisation=organisation,
        rows=rows,
        total=total,
        allocation_labels=allocation_labels(year),
        thresholds=t,
        closed_through=year.closed_through,
    )


# The months of the year, for the charts -----------------------------------------------------


@dataclass(frozen=True)
class MonthPoint:
    month: int
    label: str
    budget: int  # cumulative plan to the month's end
    actual: int | None  # cumulative actual (months up to the month shown)
    forecast: int | None  # cumulative forecast (the month shown and after)


def months(
    year: FinancialYear, month: int, organisation: Organisation | None = None
) -> list[MonthPoint]:
    """Cumulative budget, actual to date and forecast by month, in net expenditure terms, summed
    by the database month by month."""
    params: dict[str, Any] = {"year": year.pk, "m": month}
    lines = BudgetLine._meta.db_table
    where = ""
    if organisation is not None:
        where = f" AND e.line_id IN (SELECT id FROM {lines} WHERE organisation_id = %(org)s)"
        params["org"] = organisation.pk
    # Sums by month and kind over every line, less twice those over the income lines (which
    # count negative); then the budget, for the months to come, of the lines that do have a
    # forecast made this month (income negative), since a line without one is forecast at its
    # budget, as the outturn in the table is. Each sum reads only its part of an index.
    entries = Entry._meta.db_table
    income = f" AND e.line_id IN (SELECT id FROM {lines} WHERE nature = 'income')"
    monthly = f"""
        SELECT e.month, e.kind, SUM(e.amount) FROM {entries} e
        WHERE e.year_id = %(year)s {where} {{only}}
          AND (e.kind IN ('budget', 'actual')
               OR (e.kind = 'forecast' AND e.as_at = %(m)s AND e.month > %(m)s))
        GROUP BY e.month, e.kind
    """
    forecast_lines_budget = f"""
        SELECT e.month, 'forecast_lines',
          SUM(CASE WHEN e.line_id IN (SELECT id FROM {lines} WHERE nature = 'income')
                   THEN -e.amount ELSE e.amount END)
        FROM {entries} e
        WHERE e.year_id = %(year)s {where}
          AND e.kind = 'budget' AND e.month > %(m)s
          AND e.line_id IN (
            SELECT line_id FROM {entries}
            WHERE year_id = %(year)s AND kind = 'forecast' AND as_at = %(m)s AND month > %(m)s)
        GROUP BY e.month
    """
    by: dict[tuple[int, str], int] = {}
    with connection.cursor() as cursor:
        for only, factor in (("", 1), (income, -2)):
            cursor.execute(monthly.format(only=only), params)
            for m, kind, total in cursor.fetchall():
                by[(int(m), kind)] = by.get((int(m), kind), 0) + factor * int(total or 0)
        cursor.execute(forecast_lines_budget, params)
        for m, kind, total in cursor.fetchall():
            by[(int(m), kind)] = int(total or 0)
    unforecast_budget = {
        m: by.get((m, Kind.BUDGET), 0) - by.get((m, "forecast_lines"), 0)
        for m in range(month + 1, 13)
    }
    out: list[MonthPoint] = []
    budget = actual = 0
    forecast: int | None = None
    for m in range(1, 13):
        budget += by.get((m, Kind.BUDGET), 0)
        if m <= month:
            actual += by.get((m, Kind.ACTUAL), 0)
            out.append(
                MonthPoint(
                    m, f"M{m} {MONTHS[m - 1]}", budget, actual, actual if m == month else None
                )
            )
            forecast = actual
        else:
            step = by.get((m, Kind.FORECAST), 0) + unforecast_budget.get(m, 0)
            forecast = (forecast or 0) + step
            out.append(MonthPoint(m, f"M{m} {MONTHS[m - 1]}", budget, None, forecast))
    return out


# The system position -------------------------------------------------------------------------


def position(year: FinancialYear, month: int) -> rules.SystemPosition | None:
    return ledger.system_position(year, month)


# Plans and savings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SavingsRow:
    scheme: SavingsScheme
    organisation: str
    plan: int  # the whole year
    plan_to_date: int
    delivered_to_date: int
    forecast: int  # delivered to date and forecast for the months after
    recurrent: bool
    rag: str
    rag_sentence: str

    @property
    def shortfall(self) -> int:
        return self.plan - self.forecast


@dataclass(frozen=True)
class Savings:
    year: FinancialYear
    month: int
    plans: list[Plan]  # every plan of the year, oldest first: the original and its revisions
    rows: list[SavingsRow] = field(default_factory=list)
    total: SavingsRow | None = None

    @property
    def in_force(self) -> set[int]:
        """The plans in force: each organisation's newest (the plans come oldest first)."""
        newest = {plan.organisation_id: plan.pk for plan in self.plans}
        return set(newest.values())


def savings(year: FinancialYear, month: int) -> Savings:
    """Savings schemes: plan, delivered to date and forecast for the year; RAG on the shortfall
    of the forecast against plan, by the same thresholds as budgets."""
    t = config().savings_thresholds
    sums: dict[tuple[int, str], int] = {}
    for scheme_id, kind, total in (
        SavingsEntry.objects.filter(scheme__year=year)
        .filter(
            # plans for every month, deliveries to date, forecasts made this month for after it
            _counted(month)
        )
        .values("scheme", "kind")
        .annotate(total=Sum("amount"))
        .values_list("scheme", "kind", "total")
    ):
        sums[(scheme_id, kind)] = int(total or 0)
    to_date = dict(
        SavingsEntry.objects.filter(scheme__year=year, kind="plan", month__lte=month)
        .values("scheme")
        .annotate(total=Sum("amount"))
        .values_list("scheme", "total")
    )
    rows = []
    for scheme in SavingsScheme.objects.filter(year=year).select_related("organisation"):
        plan = sums.get((scheme.pk, "plan"), 0)
        delivered = sums.get((scheme.pk, "delivered"), 0)
        ahead = sums.get((scheme.pk, "forecast"))
        plan_td = int(to_date.get(scheme.pk) or 0)
        forecast = delivered + (ahead if ahead is not None else plan - plan_td)
        rating = rules.rate(plan - forecast, plan, t)
        rows.append(
            SavingsRow(
                scheme,
                scheme.organisation.name,
                plan,
                plan_td,
                delivered,
                forecast,
                scheme.recurrent,
                rating.rag.value,
                rating.sentence,
            )
        )
    rows.sort(key=lambda r: (r.organisation, r.scheme.reference))
    total = None
    if rows:
        plan = sum(r.plan for r in rows)
        forecast = sum(r.forecast for r in rows)
        rating = rules.rate(plan - forecast, plan, t)
        total = SavingsRow(
            SavingsScheme(reference="", name="Total"),
            "",
            plan,
            sum(r.plan_to_date for r in rows),
            sum(r.delivered_to_date for r in rows),
            forecast,
            all(r.recurrent for r in rows),
            rating.rag.value,
            rating.sentence,
        )
    plans = list(Plan.objects.filter(year=year).select_related("organisation"))
    return Savings(year, month, plans, rows, total)


def _counted(month: int) -> Any:
    """The savings entries a month's view adds up."""
    from django.db.models import Q

    return (
        Q(kind="plan")
        | Q(kind="delivered", month__lte=month)
        | Q(kind="forecast", as_at=month, month__gt=month)
    )
