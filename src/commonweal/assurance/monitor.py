"""What each line of a framework shows for a scope (the system, or a place) as at the end of a
period, from what the other capabilities hold: a row per subject with its figures, and the
reasons it is an exception (none: it is not one).

Each line reads the latest data as at the period's end and says which period that data is
for: an A&E series by month, an indicator by its own period, the ledger by its latest month.
Nothing after the period's end is read, so a period assessed later shows what was known then.
"""

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from django.db.models import Max, Q
from django.urls import reverse

from commonweal.decisions.models import Basis, Decision, DecisionEvent
from commonweal.finance import presenters as finance
from commonweal.finance.models import Entry, FinancialYear, Kind, month_label
from commonweal.outcomes import presenters as outcomes
from commonweal.outcomes import rules as outcome_rules
from commonweal.outcomes.models import Indicator, Series, Value
from commonweal.pools import position
from commonweal.pools.models import Agreement
from commonweal.registry.models import Area, AreaResponsibility, System
from commonweal.registry.rules import Level

from . import documents, rules
from .models import QualityConcern


@dataclass
class Row:
    line: str
    line_name: str
    domain: str
    subject: str  # a key: what the line is about, unique within the line
    subject_label: str
    data_period: str  # which period the figures are for
    value: str
    detail: str
    owner: str
    href: str = ""
    reasons: list[str] = field(default_factory=list)
    # An SPC chart's points as at the period: [{"x": "2019-03", "y", "mean", "lpl", "upl",
    # "type"}], and its target.
    chart: list[dict[str, Any]] = field(default_factory=list)
    target: float | None = None
    unit: str = ""
    # A pool's action plan in force (the exception's response): owner, due, actions.
    action_plan: dict[str, str] | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Scope:
    system: System
    area: Area  # the system's area, or a place
    framework: dict[str, Any]  # the version's content

    @property
    def is_system(self) -> bool:
        return self.area.level == Level.SYSTEM.value

    @property
    def place(self) -> dict[str, Any]:
        for p in self.framework.get("places", []):
            if p["place"] == self.area.code:
                return dict(p)
        return {"place": self.area.code, "providers": [], "pools": []}

    @property
    def area_key(self) -> str:
        return f"{self.system.slug}.{self.area.code}"


def _month_text(d: date) -> str:
    return f"{rules.MONTH_NAMES[d.month]} {d.year}"


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    text = f"{value:,.1f}"
    return f"{text}%" if unit == "%" else f"{text} {unit}".strip()


# Constitutional standards: providers' SPC series -------------------------------------------------


def providers(scope: Scope) -> list[str]:
    if not scope.is_system:
        return list(scope.place["providers"])
    codes = {c for p in scope.framework.get("places", []) for c in p["providers"]}
    codes |= set(
        AreaResponsibility.objects.filter(area__system=scope.system, role="provider").values_list(
            "organisation__code", flat=True
        )
    )
    return sorted(codes)


def series_rows(scope: Scope, line: dict[str, Any], period: rules.Period) -> list[Row]:
    rows = []
    wanted = set(line["exceptions"])
    for s in Series.objects.filter(organisation_code__in=providers(scope), measure=line["measure"]):
        view = outcomes.series_view(s, scope.system, until=period.end)
        present = [p for p in view.points if p.value is not None]
        href = reverse("outcomes-series", args=[scope.system.slug, s.code])
        label = s.organisation_name or s.organisation_code
        if not present:
            rows.append(
                Row(
                    line["code"],
                    line["name"],
                    "standards",
                    s.organisation_code,
                    label,
                    "",
                    "–",
                    f"no data by {_month_text(period.end)}",
                    line["owner"],
                    href,
                )
            )
            continue
        last = present[-1]
        reasons = []
        if "special_cause_concern" in wanted and rules.spc_concern(view.variation):
            rule = f" ({last.rule})" if last.rule else ""
            reasons.append(
                f"Special cause concern on the SPC chart: {_number(last.value, s.unit)} in "
                f"{_month_text(last.period)}{rule}, against a mean of {_number(last.mean, s.unit)}"
            )
        if "misses_target" in wanted and rules.misses_target(last.value, s.target, s.improvement):
            reasons.append(
                f"Misses the standard of {_number(s.target, s.unit)}: "
                f"{_number(last.value, s.unit)} in {_month_text(last.period)}"
            )
        stale = (period.end.year - last.period.year) * 12 + period.end.month - last.period.month
        detail = view.variation or "too few points"
        if view.assurance:
            detail += f"; {view.assurance}"
        if stale > 2:
            detail += f"; the latest data is {stale} months before the period's end"
        rows.append(
            Row(
                line["code"],
                line["name"],
                "standards",
                s.organisation_code,
                label,
                _month_text(last.period),
                _number(last.value, s.unit),
                detail,
                line["owner"],
                href,
                reasons,
                [
                    {
                        "x": p.period.strftime("%Y-%m"),
                        "y": p.value,
                        "mean": p.mean,
                        "lpl": p.lpl,
                        "upl": p.upl,
                        "type": p.point_type,
                    }
                    for p in view.points
                ],
                s.target,
                s.unit,
            )
        )
    return rows


# Outcomes: indicators against their benchmark and target -------------------------------------


def _value_start(v: Value) -> date:
    sortable = v.period_sortable or "00000000"
    year = int(sortable[:4]) if sortable[:4].isdigit() else 1
    month = int(sortable[4:6]) if sortable[4:6].isdigit() and 1 <= int(sortable[4:6]) <= 12 else 1
    return date(max(year, 1), month, 1)


def indicator_rows(scope: Scope, line: dict[str, Any], period: rules.Period) -> list[Row]:
    if line.get("indicators"):
        listed = [("", i, i.target) for i in Indicator.objects.filter(code__in=line["indicators"])]
    else:
        listed = outcomes.framework_indicators(outcomes.framework_of(scope.system))
    wanted = set(line["exceptions"])
    values: dict[int, Value] = {}
    for found in Value.objects.filter(
        indicator_id__in=[i.pk for _, i, _ in listed],
        area_code=scope.area_key,
        sex="Persons",
        category_type="",
    ).order_by("period_sortable", "period"):
        if _value_start(found) <= period.end:
            values[found.indicator_id] = found
    rows = []
    for _, indicator, target in listed:
        v = values.get(indicator.pk)
        if v is None:
            continue
        href = reverse("outcomes-indicator", args=[scope.system.slug, indicator.code])
        comparison = outcome_rules.comparison_at(
            indicator.significance, v.compared95, v.compared998
        )
        read = outcome_rules.reading(comparison, indicator.polarity)
        reasons = []
        if "worse_than_benchmark" in wanted and read == "Worse":
            reasons.append(
                f"Significantly worse than England ({indicator.significance}% confidence): "
                f"{_number(v.value, indicator.unit)} ({_number(v.lower95)} to "
                f"{_number(v.upper95)}), {v.period}"
            )
        if "misses_target" in wanted and rules.misses_target(v.value, target, indicator.polarity):
            reasons.append(
                f"Misses its target of {_number(target, indicator.unit)}: "
                f"{_number(v.value, indicator.unit)}, {v.period}"
            )
        rows.append(
            Row(
                line["code"],
                line["name"],
                "outcomes",
                indicator.code,
                indicator.name,
                v.period,
                _number(v.value, indicator.unit),
                f"{read} than England" if read not in ("Similar", "Not compared") else read,
                line["owner"],
                href,
                reasons,
                unit=indicator.unit,
            )
        )
    return rows


# Finance, savings and pools ---------------------------------------------------------------------


def ledger_month(year: FinancialYear, period: rules.Period) -> int | None:
    """The month of the period's financial year the ledger is read at: the latest month with
    actuals up to the period's last (None: none yet)."""
    latest = Entry.objects.filter(
        year=year, kind=Kind.ACTUAL, month__lte=period.last_month
    ).aggregate(m=Max("month"))["m"]
    return int(latest) if latest else None


def _year(scope: Scope, period: rules.Period) -> tuple[FinancialYear | None, int | None, str]:
    year = FinancialYear.objects.filter(system=scope.system, start=period.year_start).first()
    if year is None:
        return None, None, f"The ledger holds no financial year {period.label.split()[0]}."
    month = ledger_month(year, period)
    if month is None:
        return year, None, f"The ledger holds no actuals for {year.label} by {period.label}."
    return year, month, ""


def finance_rows(scope: Scope, line: dict[str, Any], period: rules.Period) -> list[Row]:
    year, month, _ = _year(scope, period)
    if year is None or month is None:
        return []
    by = "organisation" if scope.is_system else "place"
    m = finance.monitoring(year, month, by)
    href = reverse("finance-year", args=[scope.system.slug, year.start]) + f"?month={month}&by={by}"
    rows = []
    for r in m.rows:
        if not scope.is_system and r.key != str(scope.area.pk):
            continue
        variance = r.figures.revised_forecast_variance
        rows.append(
            Row(
                line["code"],
                line["name"],
                "finance",
                f"{by}:{r.href_key or r.key}",
                r.label,
                month_label(year.start, month),
                finance.shown(variance, "thousands") + " (£'000 forecast variance)",
                f"{r.rag.capitalize()}: {r.rag_sentence}",
                line["owner"],
                href,
                [f"Red: {r.rag_sentence}"]
                if r.rag == "red" and "red" in line["exceptions"]
                else [],
            )
        )
    return rows


def savings_rows(scope: Scope, line: dict[str, Any], period: rules.Period) -> list[Row]:
    year, month, _ = _year(scope, period)
    if year is None or month is None:
        return []
    s = finance.savings(year, month)
    href = reverse("finance-savings", args=[scope.system.slug, year.start])
    return [
        Row(
            line["code"],
            line["name"],
            "finance",
            f"scheme:{r.scheme.pk}",
            f"{r.scheme.reference} {r.scheme.name} ({r.organisation})",
            month_label(year.start, month),
            finance.shown(r.shortfall, "thousands") + " (£'000 forecast shortfall)",
            f"{r.rag.capitalize()}: {r.rag_sentence}",
            line["owner"],
            href,
            [f"Off track: {r.rag_sentence}"] if r.rag == "red" else [],
        )
        for r in s.rows
    ]


def pool_rows(scope: Scope, line: dict[str, Any], period: rules.Period) -> list[Row]:
    year, month, _ = _year(scope, period)
    if year is None or month is None:
        return []
    pools = Agreement.objects.filter(system=scope.system).select_related("area")
    if not scope.is_system:
        pools = pools.filter(reference__in=scope.place["pools"])
    rows = []
    for a in pools:
        found = position.figures(a, year, month)
        if found is None:
            continue
        r = found.resolution
        plan = found.action_plan
        reasons = []
        if found.needs_action_plan and "action_plan_needed" in line["exceptions"]:
            reasons.append(
                f"A projected net variance of {finance.shown(r.net_variance, 'thousands')} "
                f"(£'000), beyond {a.action_plan_threshold}% of the pool, asks for an action plan"
            )
        rows.append(
            Row(
                line["code"],
                line["name"],
                "pools",
                f"pool:{a.reference}",
                a.name,
                month_label(year.start, month),
                finance.shown(r.net_variance, "thousands") + " (£'000 net variance)",
                r.summary,
                line["owner"],
                reverse("pool-year", args=[scope.system.slug, a.reference, year.start])
                + f"?month={month}",
                reasons,
                action_plan=(
                    {"owner": plan.owner, "due": plan.due.isoformat(), "actions": plan.actions}
                    if plan is not None
                    else None
                ),
            )
        )
    return rows


# Governance and quality -----------------------------------------------------------------------


def ratification_rows(scope: Scope, line: dict[str, Any], period: rules.Period) -> list[Row]:
    ratified = DecisionEvent.objects.filter(
        kind=DecisionEvent.Kind.RATIFIED, on__lte=period.end
    ).values_list("decision_id", flat=True)
    waiting = (
        Decision.objects.filter(system=scope.system, basis=Basis.URGENT, on__lte=period.end)
        .exclude(pk__in=ratified)
        .select_related("body")
    )
    rows = []
    for d in waiting:
        days = (period.end - d.on).days
        rows.append(
            Row(
                line["code"],
                line["name"],
                "governance",
                f"decision:{d.pk}",
                f"{d.reference}: {d.title}",
                _month_text(period.end),
                f"{days} days",
                f"urgent action of {d.on:%-d %B %Y} awaiting ratification"
                + (f" by {d.body.name}" if d.body else ""),
                line["owner"],
                reverse("decision", args=[d.pk]),
                [f"Awaiting ratification for {days} days, more than {line['after_days']}"]
                if rules.overdue(d.on, period.end, line["after_days"])
                else [],
            )
        )
    return rows


def open_concerns(scope: Scope, period: rules.Period) -> list[QualityConcern]:
    found = QualityConcern.objects.filter(system=scope.system, raised_on__lte=period.end).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=period.end)
    )
    if not scope.is_system:
        found = found.filter(place=scope.area)
    return list(found.select_related("provider", "place").order_by("-raised_on", "reference"))


def quality_rows(scope: Scope, line: dict[str, Any], period: rules.Period) -> list[Row]:
    return [
        Row(
            line["code"],
            line["name"],
            "quality",
            f"concern:{c.reference}",
            f"{c.reference}: {c.title} ({c.provider.name}, {c.place.name})",
            f"raised {c.raised_on:%-d %B %Y}",
            c.get_severity_display(),
            f"{c.source}. {c.description}" + (f" Actions: {c.actions}" if c.actions else ""),
            line["owner"],
            reverse("assurance-concerns", args=[scope.system.slug]) + f"#{c.reference}",
            [f"{c.get_severity_display()} quality concern ({c.source})"]
            if rules.at_least(c.severity, line["severity"])
            else [],
        )
        for c in open_concerns(scope, period)
    ]


READERS: dict[str, Callable[[Scope, dict[str, Any], rules.Period], list[Row]]] = {
    "series": series_rows,
    "indicators": indicator_rows,
    "finance": finance_rows,
    "savings": savings_rows,
    "pools": pool_rows,
    "ratification": ratification_rows,
    "quality": quality_rows,
}


@dataclass
class Found:
    rows: list[Row]
    notes: list[str]


def assess(scope: Scope, period: rules.Period) -> Found:
    """Every line of the framework watched at this scope, as at the period's end."""
    kind = "system" if scope.is_system else "place"
    rows: list[Row] = []
    notes: list[str] = []
    for line in scope.framework["lines"]:
        if kind not in line["at"]:
            continue
        found = READERS[line["kind"]](scope, line, period)
        if line["kind"] in ("finance", "savings", "pools"):
            _, _, note = _year(scope, period)
            if note and note not in notes:
                notes.append(note)
        if not found:
            notes.append(f"{line['name']}: nothing to show as at {period.long_label}.")
        rows.extend(found)
    return Found(rows, notes)


def domains(rows: Sequence[Row]) -> dict[str, list[Row]]:
    by: dict[str, list[Row]] = {d: [] for d in documents.DOMAIN_ORDER}
    for r in rows:
        by[r.domain].append(r)
    return {d: rs for d, rs in by.items() if rs}
