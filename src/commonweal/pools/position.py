"""A pool's position as at a month: the plan in force, each spend line's forecast outturn from
the finance ledger, and how the projected overspend is met (`rules.resolve`)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from commonweal.core.errors import Refused
from commonweal.finance import ledger
from commonweal.finance.models import FinancialYear

from . import rules
from .models import ActionPlan, Agreement, PoolPlan, SpendLine, UnderspendUse


def plan_in_force(agreement: Agreement, year: FinancialYear) -> PoolPlan | None:
    return PoolPlan.objects.filter(agreement=agreement, year=year).order_by("-version").first()


@dataclass
class LineFigures:
    line: SpendLine
    scheme: str
    rule: rules.Line
    # False: no ledger line, or no forecast this month (actuals to date and budget after them)
    forecast_made: bool
    actual_to_date: int
    shares: dict[str, Decimal]  # percent, for showing


@dataclass
class Found:
    agreement: Agreement
    year: FinancialYear
    month: int
    plan: PoolPlan
    contributions: dict[str, int]  # organisation code -> pence
    lines: list[LineFigures]
    resolution: rules.Resolution
    used_underspend: int
    needs_action_plan: bool
    action_plan: ActionPlan | None

    @property
    def pool_total(self) -> int:
        return sum(self.contributions.values())

    @property
    def underspend_available(self) -> int:
        return max(0, self.resolution.underspend_left - self.used_underspend)

    def line(self, line: SpendLine) -> rules.Line:
        return next(f.rule for f in self.lines if f.line.pk == line.pk)


def rule_line(line: SpendLine, forecast: int) -> rules.Line:
    return rules.Line(
        reference=line.reference,
        name=line.name,
        budget=line.budget,
        forecast=forecast,
        recurrent=line.recurrent,
        risk_share=rules.RiskShare(line.risk_share),
        figures={k: Decimal(v) for k, v in (line.shares or {}).items()},
        formula=line.formula,
    )


def figures(agreement: Agreement, year: FinancialYear, month: int) -> Found | None:
    """The pool as at a month of the year (None: no plan for the year)."""
    plan = plan_in_force(agreement, year)
    if plan is None:
        return None
    given = list(plan.contributions.select_related("organisation"))
    # A partner's share of the pool: all its funding streams together.
    contributions: dict[str, int] = {}
    for c in given:
        contributions[c.organisation.code] = contributions.get(c.organisation.code, 0) + c.amount
    names = {c.organisation.code: c.organisation.name for c in given}
    spend = list(
        SpendLine.objects.filter(scheme__plan=plan)
        .select_related("scheme", "ledger_line")
        .order_by("scheme_id", "id")
    )
    ledger_ids = [s.ledger_line_id for s in spend if s.ledger_line_id]
    sums = ledger.sums(year, month, "cost_centre", lines=ledger_ids) if ledger_ids else {}
    out = []
    for s in spend:
        f = sums.get(s.ledger_line_id) if s.ledger_line_id else None
        # At M12 every month is an actual: no forecast is wanted.
        made = f is not None and f.lines > 0 and (f.unforecast_lines == 0 or month == 12)
        # The ledger's forecast variance, against the pool line's budget. A line without a
        # forecast this month is taken as the ledger takes it: its actuals to date and its
        # budget for the months to come (so a variance to date still shows).
        forecast = s.budget + (f.forecast_variance if f is not None else 0)
        rule = rule_line(s, forecast)
        try:
            share = rules.shares(rule, contributions)
            shown = {
                p: Decimal(v.numerator * 100) / Decimal(v.denominator) for p, v in share.items()
            }
        except rules.PoolRuleError:
            shown = {}
        out.append(
            LineFigures(
                line=s,
                scheme=s.scheme.reference,
                rule=rule,
                forecast_made=made,
                actual_to_date=f.actual_to_date if f is not None else 0,
                shares=shown,
            )
        )
    try:
        resolution = rules.resolve(
            [f.rule for f in out],
            contributions,
            risk_reserve=plan.risk_reserve,
            uncommitted=plan.uncommitted,
            order=agreement.order,
            names=names,
        )
    except rules.PoolRuleError as exc:
        # A plan loaded before a check existed: say so, and how to put it right.
        raise Refused(
            f"The {year.label} plan in force (version {plan.version}) cannot be worked out: "
            f"{exc}. Load a corrected plan."
        ) from exc
    used = (
        UnderspendUse.objects.filter(agreement=agreement, year=year).aggregate(t=Sum("amount"))["t"]
        or 0
    )
    total = sum(contributions.values())
    # Underspend already committed to non-recurrent items is spending: the variance the
    # threshold judges is net of it.
    needs = rules.needs_action_plan(
        resolution.net_variance + used, total, agreement.action_plan_threshold
    )
    # The action plan answering this month's forecast: the latest recorded as at this month
    # or before it (a plan stands until a later forecast asks for a new one).
    action_plan = (
        ActionPlan.objects.filter(agreement=agreement, year=year, month__lte=month)
        .order_by("-month", "-id")
        .first()
        if needs
        else None
    )
    return Found(
        agreement=agreement,
        year=year,
        month=month,
        plan=plan,
        contributions=contributions,
        lines=out,
        resolution=resolution,
        used_underspend=used,
        needs_action_plan=needs,
        action_plan=action_plan,
    )
