"""What the pooled fund pages and the API show, shaped once: an agreement's summary, a year's
position (contributions, schemes and lines with each line's risk share, how the overspend is
met step by step and who bears what, the underspend and the action plan) and a quarterly
return with its completeness checklist.

Figures are pence in net expenditure terms (a positive variance is an overspend); `money`
and `thousands` show them in £ and £'000, each rounded from its own pence.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Max

from commonweal.core.formatting import pounds
from commonweal.core.models import Organisation, Person
from commonweal.decisions.models import Decision
from commonweal.finance import ledger
from commonweal.finance.models import Entry, FinancialYear, Kind, month_label
from commonweal.finance.presenters import shown
from commonweal.governance.models import Body
from commonweal.registry.models import System

from . import actions, config, position, quarterly, rules
from .models import ActionPlan, Agreement, MetricPlan, PoolPlan, QuarterlyReturn, UnderspendUse

RISK_SHARE_LABELS = {
    rules.RiskShare.PROPORTIONAL: "In proportion to contributions",
    rules.RiskShare.FIXED: "Fixed percentages",
    rules.RiskShare.VARIABLE: "Variable, by formula",
}
QUARTERS = (1, 2, 3, 4)


def money(pence: int) -> str:
    """£1,234 or £1,234.56; a negative amount with a minus sign (−£1,234)."""
    text = pounds(abs(pence))
    return f"−{text}" if pence < 0 else text


def thousands(pence: int) -> str:
    """£'000, rounded half away from zero from the pence: 1,235 or −100."""
    return shown(pence, "thousands")


def percent(value: Decimal | Fraction | None) -> str:
    """60%, 33.3%: one decimal place unless whole."""
    if value is None:
        return "–"
    d = (
        Decimal(value.numerator) / Decimal(value.denominator)
        if isinstance(value, Fraction)
        else value
    )
    d = d.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{abs(d):f}".removesuffix(".0")
    return f"−{text}%" if d < 0 else f"{text}%"


def quarter_label(year: FinancialYear, quarter: int) -> str:
    """Q2 2020/21, to M6 (Sep 2020)."""
    return f"Q{quarter} {year.label}, to {month_label(year.start, quarter * 3)}"


# An agreement --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerRow:
    code: str
    name: str
    host: bool
    contribution: int | None = None  # pence, in the year's plan
    share: Fraction | None = None  # of the pool's contributions
    instalments: tuple[tuple[date, int], ...] = ()
    stream: str = ""  # the funding stream's name

    @property
    def share_text(self) -> str:
        return percent(None if self.share is None else self.share * 100)


@dataclass(frozen=True)
class YearLink:
    start: int
    label: str
    plan_version: int | None  # the plan in force, None: no plan loaded


@dataclass(frozen=True)
class AgreementView:
    agreement: Agreement
    system: System
    kind_label: str
    partners: list[PartnerRow]
    host: Organisation
    manager: Person
    manager_title: str
    starts: date
    ends: date
    nhs_functions: list[str]
    council_functions: list[str]
    aims: str
    outcomes: list[str]
    review_dates: list[date]
    board: Body | None
    illustrative: bool
    note: str
    order: list[str]  # the sources an overspend is met from, in order, as sentences
    threshold: Decimal
    years: list[YearLink]

    @property
    def reference(self) -> str:
        return self.agreement.reference

    @property
    def name(self) -> str:
        return self.agreement.name


def agreement(a: Agreement) -> AgreementView:
    partners = [
        PartnerRow(p.organisation.code, p.organisation.name, p.organisation_id == a.host_id)
        for p in a.partners.select_related("organisation")
    ]
    plans = dict(
        PoolPlan.objects.filter(agreement=a)
        .values("year_id")
        .annotate(v=Max("version"))
        .values_list("year_id", "v")
    )
    years = [
        YearLink(y.start, y.label, plans.get(y.pk))
        for y in FinancialYear.objects.filter(
            system_id=a.system_id, start__gte=a.starts.year - 1, start__lte=a.ends.year
        ).order_by("start")
        if a.starts <= date(y.start + 1, 3, 31) and a.ends >= date(y.start, 4, 1)
    ]
    return AgreementView(
        agreement=a,
        system=a.system,
        kind_label=a.get_kind_display(),
        partners=partners,
        host=a.host,
        manager=a.manager,
        manager_title=a.manager_title,
        starts=a.starts,
        ends=a.ends,
        nhs_functions=list(a.nhs_functions or []),
        council_functions=list(a.council_functions or []),
        aims=a.aims,
        outcomes=list(a.outcomes or []),
        review_dates=[date.fromisoformat(d) for d in a.review_dates or []],
        board=a.board,
        illustrative=a.illustrative,
        note=a.note,
        order=[rules.SOURCE_LABELS[rules.Source(s)] for s in a.order],
        threshold=a.action_plan_threshold,
        years=years,
    )


def agreements(system: System) -> list[AgreementView]:
    found = Agreement.objects.filter(system=system).select_related(
        "system", "host", "manager", "board"
    )
    return [agreement(a) for a in found.order_by("name")]


# A year's position ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    reference: str
    name: str
    scheme: str
    cost_centre: str
    budget: int
    forecast: int
    actual_to_date: int
    recurrent: bool
    forecast_made: bool
    risk_share: str
    formula: str
    shares: list[tuple[str, str]]  # (partner's name, "60%")
    pk: int

    @property
    def variance(self) -> int:
        return self.forecast - self.budget


@dataclass(frozen=True)
class SchemeRow:
    reference: str
    name: str
    scheme_type: str
    lines: list[LineRow]

    @property
    def budget(self) -> int:
        return sum(ln.budget for ln in self.lines)

    @property
    def forecast(self) -> int:
        return sum(ln.forecast for ln in self.lines)

    @property
    def variance(self) -> int:
        return self.forecast - self.budget


@dataclass(frozen=True)
class Bearer:
    who: str  # "Line B (Home care)" or a partner's name
    key: str  # the line's reference or the partner's code
    amount: int
    parts: tuple[tuple[str, int], ...] = ()  # the partners' step: (line reference, pence)


@dataclass(frozen=True)
class StepRow:
    number: int
    source: str
    label: str
    available: int
    used: int
    remaining: int
    sentence: str
    by: str  # "line" or "partner"
    bearers: list[Bearer]
    lines: list[str] = field(default_factory=list)  # the partners' step: its lines, in order


@dataclass(frozen=True)
class UseRow:
    line: str
    amount: int
    reason: str
    month: int
    recorded: date
    recorded_by: str


@dataclass(frozen=True)
class ReturnRow:
    quarter: int
    label: str
    saved: bool
    signed_off: Decision | None
    missing: int

    @property
    def status(self) -> str:
        if self.signed_off is not None:
            return "Signed off"
        if not self.saved:
            return "Not started"
        return "Complete" if not self.missing else "Incomplete"


@dataclass(frozen=True)
class YearView:
    agreement: Agreement
    year: FinancialYear
    month: int
    plan: PoolPlan | None
    contributions: list[PartnerRow] = field(default_factory=list)
    schemes: list[SchemeRow] = field(default_factory=list)
    risk_reserve: int = 0
    uncommitted: int = 0
    steps: list[StepRow] = field(default_factory=list)
    summary: str = ""
    gross_overspend: int = 0
    gross_underspend: int = 0
    net_variance: int = 0
    borne_by: list[Bearer] = field(default_factory=list)
    needs_action_plan: bool = False
    action_plan: ActionPlan | None = None
    action_plans: list[ActionPlan] = field(default_factory=list)
    underspend_left: int = 0
    underspend_available: int = 0
    uses: list[UseRow] = field(default_factory=list)
    returns: list[ReturnRow] = field(default_factory=list)

    @property
    def month_label(self) -> str:
        return month_label(self.year.start, self.month)

    @property
    def lines(self) -> list[LineRow]:
        return [ln for s in self.schemes for ln in s.lines]

    @property
    def pool_total(self) -> int:
        return sum(c.contribution or 0 for c in self.contributions)

    @property
    def budget(self) -> int:
        return sum(ln.budget for ln in self.lines)

    @property
    def forecast(self) -> int:
        return sum(ln.forecast for ln in self.lines)

    @property
    def variance(self) -> int:
        return self.forecast - self.budget

    @property
    def unforecast(self) -> int:
        return sum(1 for ln in self.lines if not ln.forecast_made)

    @property
    def variance_percent(self) -> str:
        total = self.pool_total
        return percent(Fraction(self.net_variance * 100, total)) if total else "–"

    @property
    def threshold(self) -> Decimal:
        return self.agreement.action_plan_threshold


def default_month(a: Agreement, year: FinancialYear) -> int:
    """The last month with a forecast made on the pool's lines, or the latest closed month, or
    the latest month with actuals."""
    plan = position.plan_in_force(a, year)
    if plan is not None:
        ledger_lines = [
            pk for pk in plan.schemes.values_list("lines__ledger_line", flat=True) if pk is not None
        ]
        made = (
            Entry.objects.filter(year=year, kind=Kind.FORECAST, line_id__in=ledger_lines)
            .aggregate(m=Max("as_at"))
            .get("m")
        )
        if made:
            return int(made)
    return year.closed_through or ledger.last_month_with_actuals(year)


def _names(codes: list[str]) -> dict[str, str]:
    return dict(Organisation.objects.filter(code__in=codes).values_list("code", "name"))


def _line_label(ref: str, names: dict[str, str]) -> str:
    return f"Line {ref} ({names[ref]})" if ref in names else f"Line {ref}"


def _steps(found: position.Found, partner_names: dict[str, str]) -> list[StepRow]:
    r = found.resolution
    line_names = {f.line.reference: f.line.name for f in found.lines}
    rule_lines = {f.line.reference: f.rule for f in found.lines}
    out = []
    for number, s in enumerate(r.steps, start=1):
        if s.source == rules.Source.PARTNERS:
            # Each partner's share of what is left on each line, by the line's risk share.
            parts: dict[str, dict[str, int]] = {p: {} for p in found.contributions}
            for ref, left in s.by_line.items():
                split = rules.split(left, rules.shares(rule_lines[ref], found.contributions))
                for p, v in split.items():
                    parts[p][ref] = v
            bearers = [
                Bearer(
                    partner_names.get(p, p),
                    p,
                    s.by_partner.get(p, 0),
                    tuple((ref, parts[p].get(ref, 0)) for ref in s.by_line),
                )
                for p in found.contributions
            ]
            out.append(
                StepRow(
                    number,
                    s.source.value,
                    s.label,
                    s.available,
                    s.used,
                    s.remaining,
                    s.sentence,
                    "partner",
                    bearers,
                    list(s.by_line),
                )
            )
        else:
            bearers = [
                Bearer(_line_label(ref, line_names), ref, v) for ref, v in s.by_line.items() if v
            ]
            out.append(
                StepRow(
                    number,
                    s.source.value,
                    s.label,
                    s.available,
                    s.used,
                    s.remaining,
                    s.sentence,
                    "line",
                    bearers,
                )
            )
    return out


def returns(a: Agreement, year: FinancialYear) -> list[ReturnRow]:
    stored = {
        r.quarter: r
        for r in QuarterlyReturn.objects.filter(agreement=a, year=year).select_related("sign_off")
    }
    out = []
    for q in QUARTERS:
        ret = stored.get(q) or QuarterlyReturn(agreement=a, year=year, quarter=q)
        signed = ret.sign_off if ret.sign_off_id else None
        missing = 0 if signed is not None else len(quarterly.checklist(ret))
        out.append(ReturnRow(q, quarter_label(year, q), ret.pk is not None, signed, missing))
    return out


def year_position(
    a: Agreement, year: FinancialYear, month: int, *, with_returns: bool = True
) -> YearView:
    """The pool as at a month of the year; without a plan, just that (plan None)."""
    found = position.figures(a, year, month)
    rows = returns(a, year) if with_returns else []
    if found is None:
        return YearView(agreement=a, year=year, month=month, plan=None, returns=rows)
    plan = found.plan
    names = _names([*found.contributions, *(p.organisation.code for p in a.partners.all())])
    total = sum(found.contributions.values())
    contributions = [
        PartnerRow(
            c.organisation.code,
            c.organisation.name,
            c.organisation_id == a.host_id,
            c.amount,
            Fraction(c.amount, total) if total else None,
            tuple((i.due, i.amount) for i in c.instalments.all()),
            _stream_name(c.stream),
        )
        for c in plan.contributions.select_related("organisation").prefetch_related("instalments")
    ]
    schemes: dict[str, SchemeRow] = {}
    for s in plan.schemes.all():
        schemes[s.reference] = SchemeRow(s.reference, s.name, s.scheme_type, [])
    for f in found.lines:
        ln = f.line
        schemes[f.scheme].lines.append(
            LineRow(
                reference=ln.reference,
                name=ln.name,
                scheme=f.scheme,
                cost_centre=ln.ledger_line.cost_centre if ln.ledger_line else "",
                budget=f.rule.budget,
                forecast=f.rule.forecast,
                actual_to_date=f.actual_to_date,
                recurrent=ln.recurrent,
                forecast_made=f.forecast_made,
                risk_share=RISK_SHARE_LABELS[rules.RiskShare(ln.risk_share)],
                formula=ln.formula,
                shares=[(names.get(p, p), percent(v)) for p, v in f.shares.items()],
                pk=ln.pk,
            )
        )
    r = found.resolution
    uses = [
        UseRow(
            u.line.reference,
            u.amount,
            u.reason,
            u.month,
            u.recorded.date(),
            u.recorded_by,
        )
        for u in UnderspendUse.objects.filter(agreement=a, year=year).select_related("line")
    ]
    return YearView(
        agreement=a,
        year=year,
        month=month,
        plan=plan,
        contributions=contributions,
        schemes=list(schemes.values()),
        risk_reserve=plan.risk_reserve,
        uncommitted=plan.uncommitted,
        steps=_steps(found, names),
        summary=r.summary,
        gross_overspend=r.gross_overspend,
        gross_underspend=r.gross_underspend,
        net_variance=r.net_variance,
        borne_by=[Bearer(names.get(p, p), p, v) for p, v in r.borne_by.items()],
        needs_action_plan=found.needs_action_plan,
        action_plan=found.action_plan,
        action_plans=list(ActionPlan.objects.filter(agreement=a, year=year)),
        underspend_left=r.underspend_left,
        underspend_available=found.underspend_available,
        uses=uses,
        returns=rows,
    )


# A quarterly return --------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricRow:
    code: str
    name: str
    definition: str
    unit: str
    polarity: str
    plan: Decimal | None
    actual: str  # as entered ("" when missing)

    @property
    def plan_text(self) -> str:
        """The plan as written (190, not 190.00), to read beside the actual as entered."""
        return "" if self.plan is None else f"{self.plan.normalize():f}"

    @property
    def polarity_text(self) -> str:
        return {
            "low_is_good": "lower is better",
            "high_is_good": "higher is better",
        }.get(self.polarity, "")


@dataclass(frozen=True)
class ConditionRow:
    code: str
    text: str
    met: bool | None
    comment: str


@dataclass(frozen=True)
class ReturnView:
    agreement: Agreement
    year: FinancialYear
    quarter: int
    ret: QuarterlyReturn
    metrics: list[MetricRow]
    conditions: list[ConditionRow]
    checklist: list[quarterly.Missing]
    plan: PoolPlan | None

    @property
    def label(self) -> str:
        return quarter_label(self.year, self.quarter)

    @property
    def month(self) -> int:
        return self.quarter * 3

    @property
    def month_label(self) -> str:
        return month_label(self.year.start, self.month)

    @property
    def saved(self) -> bool:
        return self.ret.pk is not None

    @property
    def signed_off(self) -> Decision | None:
        return self.ret.sign_off if self.ret.sign_off_id else None

    @property
    def complete(self) -> bool:
        return not self.checklist

    @property
    def narrative(self) -> str:
        return self.ret.narrative


def quarterly_return(a: Agreement, year: FinancialYear, quarter: int) -> ReturnView:
    ret = actions.quarterly_return(a, year, quarter)
    plan = position.plan_in_force(a, year)
    frozen = (ret.figures or {}).get("plan") if ret.sign_off_id else None
    if frozen:
        # A signed-off return reported against the plan then in force.
        plan = PoolPlan.objects.filter(pk=frozen).first() or plan
    planned = (
        dict(MetricPlan.objects.filter(plan=plan, quarter=quarter).values_list("metric", "value"))
        if plan is not None
        else {}
    )
    cfg = config.config()
    actuals = ret.actuals or {}
    confirmations = ret.confirmations or {}
    return ReturnView(
        agreement=a,
        year=year,
        quarter=quarter,
        ret=ret,
        metrics=[
            MetricRow(
                m.code,
                m.name,
                m.definition,
                m.unit,
                m.polarity,
                planned.get(m.code),
                "" if actuals.get(m.code) is None else str(actuals.get(m.code)),
            )
            for m in cfg.metrics
        ],
        conditions=[
            ConditionRow(
                c.code,
                c.text,
                (confirmations.get(c.code) or {}).get("met"),
                (confirmations.get(c.code) or {}).get("comment") or "",
            )
            for c in cfg.conditions
        ],
        checklist=[] if ret.sign_off_id else quarterly.checklist(ret),
        plan=plan,
    )


def plan_metrics(plan: PoolPlan) -> dict[str, dict[int, Decimal]]:
    """The plan's BCF metrics: {metric: {quarter: value}}."""
    out: dict[str, dict[int, Decimal]] = {}
    for m in MetricPlan.objects.filter(plan=plan):
        out.setdefault(m.metric, {})[m.quarter] = m.value
    return out


def _stream_name(code: str) -> str:
    stream = config.config().stream(code)
    return stream.name if stream else code
