"""Sums over the ledger, made by the database: the monitoring table grouped by any dimension
in one query, the budget a decision may still draw on, and the positions organisations
forecast. Python adds nothing up that the database could; it only shapes the rows.
"""

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import connection

from commonweal.core.models import Organisation
from commonweal.decisions.context import DecisionData
from commonweal.registry.models import Area, System

from . import rules
from .models import BudgetLine, Entry, FinancialYear, Kind, Nature, Plan, PositionReport

DIMENSIONS = {
    "organisation": ("l.organisation_id", "Organisation"),
    "programme": ("l.programme", "Programme"),
    "place": ("l.place_id", "Place"),
    "cost_centre": ("l.id", "Cost centre"),
}


def year_start(on: date) -> int:
    """The financial year a date falls in (April to March), by the calendar year it starts."""
    return on.year if on.month >= 4 else on.year - 1


def month_of(on: date) -> int:
    """M1 is April, M12 March."""
    return (on.month - 4) % 12 + 1


def _table(model: Any) -> str:
    return str(model._meta.db_table)


# One row per budget line as at a month (`_PER_LINE`), grouped by the dimension, with income
# counted negative and lines without a forecast this month taken at their budget for the
# months to come. A financial year belongs to one system, so its entries are the system's.
_SQL = """
SELECT {key} AS k,
  SUM(s * t.budget), SUM(s * t.budget_td), SUM(s * t.actual_td), SUM(s * t.committed),
  SUM(s * (t.actual_td + CASE WHEN t.forecasts > 0 THEN t.forecast ELSE t.budget - t.budget_td END)),
  SUM(t.alloc_td), SUM(t.alloc_td + t.alloc_fc), COUNT(*),
  SUM(CASE WHEN t.forecasts > 0 THEN 0 ELSE 1 END)
FROM ({per_line}) t
JOIN (SELECT id, organisation_id, programme, place_id,
             CASE WHEN nature = 'income' THEN -1 ELSE 1 END AS s
      FROM {line}) l ON l.id = t.line_id
GROUP BY {key}
"""

# A line's sums, the same figures both ways (the tests run on both databases). SQLite streams
# the covering index summing by line and kind, then turns kinds into columns; PostgreSQL sums
# each line in one pass with FILTER clauses, which is faster there.
_PER_LINE = {
    "sqlite": """
  SELECT line_id,
    SUM(CASE WHEN kind = 'budget' THEN total ELSE 0 END) AS budget,
    SUM(CASE WHEN kind = 'budget' THEN to_date ELSE 0 END) AS budget_td,
    SUM(CASE WHEN kind = 'actual' THEN to_date ELSE 0 END) AS actual_td,
    SUM(CASE WHEN kind = 'commitment' THEN to_date ELSE 0 END) AS committed,
    SUM(CASE WHEN kind = 'forecast' THEN ahead ELSE 0 END) AS forecast,
    SUM(CASE WHEN kind = 'forecast' THEN aheads ELSE 0 END) AS forecasts,
    SUM(CASE WHEN kind = 'allocation' THEN to_date ELSE 0 END) AS alloc_td,
    SUM(CASE WHEN kind = 'allocation_forecast' THEN ahead ELSE 0 END) AS alloc_fc
  FROM (
    SELECT e.line_id, e.kind, SUM(e.amount) AS total,
      SUM(CASE WHEN e.month <= %(m)s THEN e.amount ELSE 0 END) AS to_date,
      SUM(CASE WHEN e.as_at = %(m)s AND e.month > %(m)s THEN e.amount ELSE 0 END) AS ahead,
      SUM(CASE WHEN e.as_at = %(m)s AND e.month > %(m)s THEN 1 ELSE 0 END) AS aheads
    FROM {entry} e
    WHERE e.year_id = %(year)s {inner}
    GROUP BY e.line_id, e.kind
  ) by_kind
  GROUP BY line_id
""",
    "postgresql": """
  SELECT e.line_id,
    COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'budget'), 0) AS budget,
    COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'budget' AND e.month <= %(m)s), 0) AS budget_td,
    COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'actual' AND e.month <= %(m)s), 0) AS actual_td,
    COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'commitment' AND e.month <= %(m)s), 0)
      AS committed,
    COALESCE(SUM(e.amount) FILTER (
      WHERE e.kind = 'forecast' AND e.as_at = %(m)s AND e.month > %(m)s), 0) AS forecast,
    COUNT(*) FILTER (WHERE e.kind = 'forecast' AND e.as_at = %(m)s AND e.month > %(m)s)
      AS forecasts,
    COALESCE(SUM(e.amount) FILTER (WHERE e.kind = 'allocation' AND e.month <= %(m)s), 0)
      AS alloc_td,
    COALESCE(SUM(e.amount) FILTER (
      WHERE e.kind = 'allocation_forecast' AND e.as_at = %(m)s AND e.month > %(m)s), 0) AS alloc_fc
  FROM {entry} e
  WHERE e.year_id = %(year)s {inner}
  GROUP BY e.line_id
""",
}


def sums(
    year: FinancialYear,
    month: int,
    dimension: str = "organisation",
    *,
    organisation: int | None = None,
    lines: Sequence[int] | None = None,
) -> dict[Any, rules.Figures]:
    """The year's figures as at a month, grouped by a dimension (its key: an organisation id,
    a programme, a place id or a budget line id), in one query; for one organisation's lines,
    or for the budget lines named (by id), when asked."""
    key, _ = DIMENSIONS[dimension]
    params: dict[str, Any] = {"m": month, "year": year.pk}
    inner = ""
    if organisation is not None:
        inner = f" AND e.line_id IN (SELECT id FROM {_table(BudgetLine)} WHERE organisation_id = %(org)s)"
        params["org"] = organisation
    if lines is not None:
        # Ids, not text: written into the query as integers (the index is read line by line).
        inner += f" AND e.line_id IN ({', '.join(str(int(i)) for i in lines) or 'NULL'})"
    per_line = _PER_LINE["postgresql" if connection.vendor == "postgresql" else "sqlite"]
    sql = _SQL.format(
        key=key,
        line=_table(BudgetLine),
        per_line=per_line.format(entry=_table(Entry), inner=inner),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {row[0]: rules.Figures(*(int(v or 0) for v in row[1:])) for row in rows}


def labels(dimension: str, keys: Sequence[Any]) -> dict[Any, str]:
    """Names for a dimension's keys."""
    if dimension == "organisation":
        return dict(Organisation.objects.filter(pk__in=keys).values_list("pk", "name"))
    if dimension == "place":
        named = dict(Area.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
        return {k: named.get(k, "No place (system-wide)") for k in keys}
    if dimension == "cost_centre":
        return {
            pk: f"{code} {name}"
            for pk, code, name in BudgetLine.objects.filter(pk__in=keys).values_list(
                "pk", "cost_centre", "name"
            )
        }
    return {k: k or "No programme" for k in keys}


def last_month_with_actuals(year: FinancialYear) -> int:
    """The latest month with actuals, for the page to open on (M1 if none yet)."""
    latest = (
        Entry.objects.filter(year=year, kind=Kind.ACTUAL)
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    return latest or 1


# The budget a decision may still draw on -------------------------------------------------------


def _line_available(line: BudgetLine, year: FinancialYear, exclude: int | None) -> int:
    """Budget − actual − commitments − what valid decisions on the line have committed and not
    yet raised as orders, for the whole year as recorded so far."""
    from commonweal.decisions.models import Decision, DecisionPart

    posted: dict[str, int] = {}
    for kind, total in _kind_sums(line, year):
        posted[kind] = total
    decisions = Decision.objects.filter(
        system_id=line.system_id,
        outcome="decision",
        valid=True,
        changed_by__isnull=True,
        on__gte=date(year.start, 4, 1),
        on__lt=date(year.start + 1, 4, 1),
    ).exclude(decision_type="virement")
    if exclude is not None:
        decisions = decisions.exclude(pk=exclude)
    binds = dict(decisions.values_list("id", "binds"))
    parts = list(
        DecisionPart.objects.filter(
            decision_id__in=list(binds),
            organisation_id=line.organisation_id,
            budget_line=line.cost_centre,
        ).values_list("id", "decision_id", "amount")
    )
    raised: dict[int, int] = {}
    if parts:
        for part, total in _raised([p for p, _, _ in parts]):
            raised[part] = total
    code = line.organisation.code
    waiting = sum(
        rules.undrawn(amount, raised.get(part, 0))
        for part, decision, amount in parts
        if code in (binds.get(decision) or [])
    )
    return rules.available(
        posted.get(Kind.BUDGET, 0),
        posted.get(Kind.ACTUAL, 0),
        posted.get(Kind.COMMITMENT, 0),
        waiting,
    )


def _kind_sums(line: BudgetLine, year: FinancialYear) -> list[tuple[str, int]]:
    from django.db.models import Sum

    return [
        (k, int(t or 0))
        for k, t in Entry.objects.filter(
            line=line, year=year, kind__in=(Kind.BUDGET, Kind.ACTUAL, Kind.COMMITMENT)
        )
        .values("kind")
        .annotate(t=Sum("amount"))
        .values_list("kind", "t")
    ]


def _raised(parts: list[int]) -> list[tuple[int, int]]:
    """What has been raised as orders under each decision part: orders placed and paid."""
    from django.db.models import Sum

    return [
        (p, int(t or 0))
        for p, t in Entry.objects.filter(
            decision_part_id__in=parts, kind__in=(Kind.ACTUAL, Kind.COMMITMENT)
        )
        .values("decision_part_id")
        .annotate(t=Sum("amount"))
        .values_list("decision_part_id", "t")
    ]


def available_for_decision(system: System, d: DecisionData) -> Mapping[str, int] | None:
    """For the "within budget" check: what each part's expenditure budget line has left in the
    financial year of the decision. Parts without a line, or whose line or year the ledger does
    not have, are left out (so the check is reported as not made). The lines are locked until
    the decision is written, so two decisions cannot each pass and together overspend."""
    year = FinancialYear.objects.filter(system=system, start=year_start(d.on)).first()
    if year is None:
        return None
    out: dict[str, int] = {}
    for part in d.parts:
        if not part.budget_line:
            continue
        lines = BudgetLine.objects.filter(
            system=system,
            organisation__code=part.organisation,
            cost_centre=part.budget_line,
            nature=Nature.EXPENDITURE,
        ).select_related("organisation")
        if connection.in_atomic_block and connection.features.has_select_for_update:
            lines = lines.select_for_update(of=("self",))
        line = lines.first()
        if line is None:
            continue
        out[part.organisation] = out.get(part.organisation, 0) + _line_available(line, year, d.id)
    return out or None


def budget_lines(system: System, organisation: str) -> list[str] | None:
    """The organisation's expenditure cost centres in the system's ledger; None if it has none."""
    codes = list(
        BudgetLine.objects.filter(
            system=system, organisation__code=organisation, nature=Nature.EXPENDITURE
        )
        .order_by("cost_centre")
        .values_list("cost_centre", flat=True)
    )
    return codes or None


def line_available(line: BudgetLine, year: FinancialYear) -> int:
    return _line_available(line, year, None)


# Organisations' positions --------------------------------------------------------------------


def positions(year: FinancialYear, month: int) -> list[rules.OrgPosition]:
    """Each organisation's forecast position for the year as at a month:

    - an organisation whose ledger the system holds: its agreed (planned) surplus or deficit,
      less its forecast variance after additional allocations;
    - otherwise, the latest position it reported as at the month or before;
    - otherwise nothing (None): its agreed plan is shown, but a plan is not a forecast.
    """
    from commonweal.core.models import COUNCIL_KINDS

    by_org = sums(year, month, "organisation")
    plans: dict[int, Plan] = {}
    for plan in Plan.objects.filter(year=year).order_by("agreed_on", "id"):
        plans[plan.organisation_id] = plan  # the newest wins
    reported: dict[int, int] = {}
    for org_id, stated in (
        PositionReport.objects.filter(year=year, month__lte=month)
        .order_by("month", "id")
        .values_list("organisation_id", "position")
    ):
        reported[org_id] = stated  # the latest wins
    orgs = Organisation.objects.in_bulk(set(by_org) | set(plans) | set(reported))
    out = []
    for pk, org in orgs.items():
        planned = plans[pk].position if pk in plans else 0
        figures = by_org.get(pk)
        position: int | None
        if figures is not None:
            position = planned - figures.revised_forecast_variance
        else:
            position = reported.get(pk)
        out.append(
            rules.OrgPosition(
                code=org.code,
                name=org.name,
                nhs=org.kind not in COUNCIL_KINDS,
                position=position,
                planned=planned,
            )
        )
    out.sort(key=lambda o: (not o.nhs, o.name))
    return out


def system_position(year: FinancialYear, month: int) -> rules.SystemPosition | None:
    from .config import config

    rule = rules.rule_for(config().breakeven, year.start)
    if rule is None:
        return None
    return rules.system_position(rule, positions(year, month))
