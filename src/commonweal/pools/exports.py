"""A pool's spreadsheets: the quarterly return as the Better Care Fund templates lay one out,
and the year's plan in the layout `workbook` reads (so a plan exported and imported again is
the same plan, and the exported plan is the template to fill in).

`return_workbook` writes the sheets Cover (the pool, its partners, host and manager, the year,
quarter and month the figures are as at, ILLUSTRATIVE when the agreement is, and the Health and
Wellbeing Board's sign-off or "Not signed off"), Checklist (what the return still lacks, or
"Complete"), Expenditure (each spend line's budget, actual to date, forecast outturn, variance
and risk share), Risk share (how the projected overspend is met, step by step, and who bears
what), Metrics return (each BCF metric's plan and actual for the quarter) and Conditions (the
national conditions confirmed), then the plan it reported against as the plan sheets
Contributions, Schemes, Lines, Reserves and Metrics. A signed-off return's figures are those
frozen when it was signed off (`QuarterlyReturn.figures`), never recomputed; a draft's are the
ledger's as they stand.

Money is written as numbers in pounds with a £ number format, percentages as fractions with a
percent format, dates as date cells; text is always text (never run as a formula). Built on
`commonweal.finance.exports`, so pools' spreadsheets look like finance's.
"""

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

from commonweal.finance.exports import CONTENT_TYPES, CellValue, Money, Percent, Sheet, Text
from commonweal.finance.exports import to_xlsx as _to_xlsx
from commonweal.finance.models import month_label

from . import config, position, rules
from .models import MetricPlan, PoolPlan, QuarterlyReturn, SpendLine
from .quarterly import checklist, frozen_figures
from .rules import SOURCE_LABELS, Source
from .workbook import (
    COLUMNS,
    CONTRIBUTIONS,
    LINES,
    METRICS,
    QUARTERS,
    RESERVES,
    SCHEMES,
    instalment_headings,
)

XLSX = CONTENT_TYPES["xlsx"]
ILLUSTRATIVE = (
    "ILLUSTRATIVE: the agreement's terms and figures are invented to show how a pooled fund is "
    "run. Do not rely on them."
)
METRICS_RETURN = "Metrics return"
LABELS = {source.value: label for source, label in SOURCE_LABELS.items()}


def _headings(name: str) -> list[str]:
    return [c.heading for c in COLUMNS[name]]


def _figure(value: Decimal) -> str:
    """A share or measure as written in the Shares column: 60, 33.5, never 6E+1."""
    return format(value.normalize(), "f")


def shares_text(line: SpendLine) -> str:
    """A fixed line's percentages ("15N 60%; E10000008 40%") or a variable line's measures."""
    if line.risk_share == rules.RiskShare.PROPORTIONAL or not line.shares:
        return ""
    percent = "%" if line.risk_share == rules.RiskShare.FIXED else ""
    return "; ".join(
        f"{code} {_figure(Decimal(str(value)))}{percent}" for code, value in line.shares.items()
    )


def _metric_value(value: Any) -> Decimal | None:
    if value in (None, "", "None"):
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _number(value: Decimal | int | None) -> CellValue:
    """A number that is not money (a metric's value, a step's number): written as it is."""
    return cast(CellValue, value)


# The plan sheets ------------------------------------------------------------------------------


def plan_sheets(plan: PoolPlan | None) -> list[Sheet]:
    """The plan in the layout `workbook` reads: row 1 the headings, a row each from row 2. With
    no plan, the sheets are an empty template (the metrics listed, to be planned)."""
    contributions = Sheet(CONTRIBUTIONS, "pounds")
    schemes = Sheet(SCHEMES, "pounds")
    lines = Sheet(LINES, "pounds")
    reserves = Sheet(RESERVES, "pounds")
    metrics = Sheet(METRICS, "pounds")
    given = (
        list(plan.contributions.select_related("organisation").prefetch_related("instalments"))
        if plan is not None
        else []
    )
    pairs = max([len(c.instalments.all()) for c in given] + [1])
    contributions.freeze_after = contributions.header(
        *_headings(CONTRIBUTIONS),
        *(h for n in range(1, pairs + 1) for h in instalment_headings(n)),
    )
    for c in given:
        stream = config.config().stream(c.stream)
        cells: list[CellValue] = [Text(c.organisation.code), Text(c.organisation.name)]
        cells.append(Text(stream.name if stream else c.stream))
        cells.append(Money(c.amount))
        for i in c.instalments.all():
            cells += [i.due, Money(i.amount)]
        contributions.add(*cells)
    schemes.freeze_after = schemes.header(*_headings(SCHEMES))
    lines.freeze_after = lines.header(*_headings(LINES))
    reserves.freeze_after = reserves.header(*_headings(RESERVES))
    metrics.freeze_after = metrics.header(*_headings(METRICS))
    planned: dict[str, dict[int, Decimal]] = {}
    if plan is not None:
        for s in plan.schemes.all():
            schemes.add(Text(s.reference), Text(s.name), Text(s.scheme_type))
        for ln in (
            SpendLine.objects.filter(scheme__plan=plan)
            .select_related("scheme", "ledger_line")
            .order_by("scheme_id", "id")
        ):
            lines.add(
                Text(ln.scheme.reference),
                Text(ln.reference),
                Text(ln.name),
                Text(ln.ledger_line.cost_centre if ln.ledger_line is not None else ""),
                Money(ln.budget),
                Text("Y" if ln.recurrent else "N"),
                Text(ln.risk_share),
                Text(shares_text(ln)),
                Text(ln.formula),
            )
        reserves.add(Money(plan.risk_reserve), Money(plan.uncommitted))
        for m in MetricPlan.objects.filter(plan=plan):
            planned.setdefault(m.metric, {})[m.quarter] = m.value
    cfg = config.config()
    codes = [m.code for m in cfg.metrics] + sorted(set(planned) - {m.code for m in cfg.metrics})
    for code in codes:
        known = cfg.metric(code)
        values = planned.get(code, {})
        metrics.add(
            Text(code),
            Text(known.name if known is not None else ""),
            *(_number(values.get(q)) for q in range(1, len(QUARTERS) + 1)),
        )
    return [contributions, schemes, lines, reserves, metrics]


def plan_workbook(plan: PoolPlan) -> bytes:
    """A year's plan as the workbook `workbook.import_plan` reads: to change and load again."""
    return _to_xlsx(plan_sheets(plan))


def template_workbook() -> bytes:
    """An empty plan to fill in."""
    return _to_xlsx(plan_sheets(None))


def plan_file_name(plan: PoolPlan) -> str:
    a = plan.agreement
    return f"{a.system.slug}-{a.reference}-{plan.year.start}-plan-v{plan.version}.xlsx"


def return_file_name(ret: QuarterlyReturn) -> str:
    a = ret.agreement
    return f"{a.system.slug}-{a.reference}-{ret.year.start}-q{ret.quarter}-return.xlsx"


# The quarterly return ---------------------------------------------------------------------------


def _figures(ret: QuarterlyReturn) -> dict[str, Any] | None:
    """What the return reports: frozen at sign-off, else the ledger's now (None: no plan)."""
    if ret.sign_off_id is not None:
        return dict(ret.figures or {})
    if position.plan_in_force(ret.agreement, ret.year) is None:
        return None
    return frozen_figures(ret)


def _cover(ret: QuarterlyReturn, figures: dict[str, Any] | None, plan: PoolPlan | None) -> Sheet:
    a = ret.agreement
    sheet = Sheet("Cover", "pounds")
    sheet.add(Text(f"{a.name}: Q{ret.quarter} {ret.year.label} quarterly return", "title"))
    if a.illustrative:
        sheet.add(Text(ILLUSTRATIVE, "bold"))
    sheet.blank()
    partners = list(a.partners.select_related("organisation"))
    month = int((figures or {}).get("month") or ret.month)
    decision = ret.sign_off
    rows: list[tuple[str, CellValue]] = [
        ("Pool", Text(f"{a.name} ({a.reference})")),
        ("Kind", Text(a.get_kind_display())),
        ("System", Text(a.system.name)),
        (
            "Partners",
            Text("; ".join(f"{p.organisation.name} ({p.organisation.code})" for p in partners)),
        ),
        ("Host partner", Text(f"{a.host.name} ({a.host.code})")),
        (
            "Pooled fund manager",
            Text(a.manager.name + (f", {a.manager_title}" if a.manager_title else "")),
        ),
        ("Financial year", Text(ret.year.label)),
        ("Quarter", Text(f"Q{ret.quarter}")),
        ("Figures as at", Text(month_label(ret.year.start, month))),
        (
            "Plan",
            Text(
                f"Version {plan.version}, recorded {plan.recorded:%d/%m/%Y}"
                + (f" from {plan.file_name}" if plan.file_name else "")
            )
            if plan is not None
            else Text(f"No plan is loaded for {ret.year.label}"),
        ),
        ("Health and Wellbeing Board", Text(a.board.name if a.board else "None named")),
        (
            "Sign-off",
            Text(f"Signed off: decision {decision.reference} on {decision.on:%d/%m/%Y}")
            if decision is not None
            else Text("Not signed off"),
        ),
        ("Sign-off decision", Text(decision.reference) if decision is not None else None),
        ("Signed off on", decision.on if decision is not None else None),
        (
            "Figures",
            Text(
                "Frozen when the return was signed off"
                if decision is not None
                else "The ledger's as they stand: a draft"
            ),
        ),
        ("Illustrative", Text("ILLUSTRATIVE" if a.illustrative else "No")),
    ]
    for label, value in rows:
        sheet.add(Text(label, "bold"), value)
    if ret.narrative:
        sheet.blank()
        sheet.add(Text("Narrative", "bold"), Text(ret.narrative))
    sheet.widths[1] = 28
    sheet.widths[2] = 80
    return sheet


def _checklist(ret: QuarterlyReturn) -> Sheet:
    sheet = Sheet("Checklist", "pounds")
    sheet.add(Text("Completeness checklist", "title"))
    sheet.blank()
    sheet.freeze_after = sheet.header("Missing", "Where it is entered")
    if ret.sign_off is not None:
        sheet.add(Text(f"Complete: signed off on {ret.sign_off.on:%d/%m/%Y}"))
        return sheet
    missing = checklist(ret)
    for m in missing:
        sheet.add(Text(m.text), Text(m.url))
    if not missing:
        sheet.add(Text("Complete"))
    sheet.widths[1] = 90
    sheet.widths[2] = 60
    return sheet


def _percent(share: Fraction) -> Decimal:
    return Decimal(share.numerator * 100) / Decimal(share.denominator)


def _expenditure(figures: dict[str, Any] | None, plan: PoolPlan | None) -> Sheet:
    sheet = Sheet("Expenditure", "pounds")
    sheet.add(Text("Expenditure by spend line", "title"))
    if figures is None or plan is None:
        sheet.add(Text("No plan is loaded for the year: nothing to report."))
        return sheet
    sheet.add(Text("Figures in £; a variance is forecast outturn less budget (an overspend +)."))
    sheet.blank()
    contributions: dict[str, int] = dict(figures.get("contributions") or {})
    codes = list(contributions)
    stored = {
        ln.reference: ln
        for ln in SpendLine.objects.filter(scheme__plan=plan).select_related("scheme")
    }
    sheet.freeze_after = sheet.header(
        "Scheme",
        "Line ref",
        "Line",
        "Recurrent",
        "Budget",
        "Actual to date",
        "Forecast outturn",
        "Variance",
        "Risk share",
        *(f"{code} share" for code in codes),
    )
    totals = [0, 0, 0, 0]
    for f in figures.get("lines") or []:
        line = stored.get(f["reference"])
        shares: dict[str, Fraction] = {}
        if line is not None:
            try:
                shares = rules.shares(position.rule_line(line, f["forecast"]), contributions)
            except rules.PoolRuleError:
                shares = {}
        amounts = [f["budget"], f["actual_to_date"], f["forecast"], f["variance"]]
        totals = [t + a for t, a in zip(totals, amounts, strict=True)]
        sheet.add(
            Text(f["scheme"]),
            Text(f["reference"]),
            Text(f["name"]),
            Text("Yes" if f["recurrent"] else "No"),
            *(Money(a) for a in amounts),
            Text(line.risk_share.capitalize() if line is not None else ""),
            *(Percent(_percent(shares[c])) if c in shares else None for c in codes),
        )
    sheet.add(Text("Spend lines", "bold"), None, None, None, *(Money(t) for t in totals), bold=True)
    # The pool's other uses, so that the sheet ties to the contributions.
    reserve, uncommitted = figures.get("risk_reserve") or 0, figures.get("uncommitted") or 0
    sheet.add(Text("Risk reserve"), None, None, None, Money(reserve))
    sheet.add(Text("Uncommitted allocations"), None, None, None, Money(uncommitted))
    sheet.add(
        Text("Pool total", "bold"),
        None,
        None,
        None,
        Money(totals[0] + reserve + uncommitted),
        bold=True,
    )
    return sheet


def _quarter_end(ret: QuarterlyReturn) -> date:
    start = ret.year.start
    return {
        1: date(start, 6, 30),
        2: date(start, 9, 30),
        3: date(start, 12, 31),
        4: date(start + 1, 3, 31),
    }[ret.quarter]


def _income(ret: QuarterlyReturn, plan: PoolPlan | None) -> Sheet:
    """The pool's income by partner and funding stream: planned for the year, and what the
    instalments make due by the quarter's end."""
    sheet = Sheet("Income", "pounds")
    sheet.add(Text("Income by partner and funding stream", "title"))
    if plan is None:
        sheet.add(Text("No plan is loaded for the year: nothing to report."))
        return sheet
    end = _quarter_end(ret)
    sheet.add(Text(f"Figures in £; instalments due on or before {end:%d/%m/%Y}."))
    sheet.blank()
    sheet.freeze_after = sheet.header(
        "Partner code", "Partner", "Funding stream", "Planned for the year", "Due to date"
    )
    cfg = config.config()
    planned = due = 0
    for c in plan.contributions.select_related("organisation").prefetch_related("instalments"):
        stream = cfg.stream(c.stream)
        owed = sum(i.amount for i in c.instalments.all() if i.due <= end)
        planned, due = planned + c.amount, due + owed
        sheet.add(
            Text(c.organisation.code),
            Text(c.organisation.name),
            Text(stream.name if stream else c.stream),
            Money(c.amount),
            Money(owed),
        )
    sheet.add(Text("Total", "bold"), None, None, Money(planned), Money(due), bold=True)
    return sheet


def _risk_share(figures: dict[str, Any] | None) -> Sheet:
    sheet = Sheet("Risk share", "pounds")
    sheet.add(Text("How the projected overspend is met", "title"))
    if figures is None:
        sheet.add(Text("No plan is loaded for the year: nothing to report."))
        return sheet
    r = figures.get("resolution") or {}
    sheet.add(Text(r.get("summary", "")))
    sheet.blank()
    codes = list((figures.get("contributions") or {}).keys())
    gross = int(r.get("gross_overspend", 0))
    available = {
        Source.UNDERSPENDS.value: int(r.get("gross_underspend", 0)),
        Source.RISK_RESERVE.value: int(figures.get("risk_reserve", 0)),
        Source.UNCOMMITTED.value: int(figures.get("uncommitted", 0)),
    }
    sheet.freeze_after = sheet.header(
        "Step",
        "Source",
        "Available",
        "Used",
        "Remaining",
        *(f"Borne by {code}" for code in codes),
        "What happened",
    )
    remaining = gross
    steps = r.get("steps") or []
    for n, step in enumerate(steps, start=1):
        source = step["source"]
        before = remaining
        remaining = before - int(step["used"])
        by_partner = step.get("by_partner") or {}
        sheet.add(
            _number(n),
            Text(LABELS.get(source, source)),
            Money(available.get(source, before)),
            Money(int(step["used"])),
            Money(remaining),
            *(Money(int(by_partner[c])) if c in by_partner else None for c in codes),
            Text(step.get("sentence", "")),
        )
    sheet.blank()
    sheet.add(Text("Gross overspend", "bold"), Money(gross))
    sheet.add(Text("Gross underspend", "bold"), Money(int(r.get("gross_underspend", 0))))
    borne = r.get("borne_by") or {}
    for code in codes:
        sheet.add(
            Text(f"Borne by {code} from its own funds", "bold"), Money(int(borne.get(code, 0)))
        )
    # By line: what each step met of each overspent line.
    lines = sorted({ref for s in steps for ref in (s.get("by_line") or {})})
    if lines:
        sheet.blank()
        sheet.header("Line", *(LABELS.get(s["source"], s["source"]) for s in steps))
        for ref in lines:
            sheet.add(
                Text(ref),
                *(
                    Money(int(s["by_line"][ref])) if ref in (s.get("by_line") or {}) else None
                    for s in steps
                ),
            )
    sheet.widths[2] = 44
    return sheet


def _metrics(ret: QuarterlyReturn, figures: dict[str, Any] | None) -> Sheet:
    sheet = Sheet(METRICS_RETURN, "pounds")
    sheet.add(Text(f"Better Care Fund metrics: Q{ret.quarter} {ret.year.label}", "title"))
    sheet.blank()
    sheet.freeze_after = sheet.header(
        "Metric code", "Metric", "Unit", f"Q{ret.quarter} plan", f"Q{ret.quarter} actual"
    )
    cfg = config.config()
    given = {m["metric"]: m for m in (figures or {}).get("metrics") or []}
    for m in cfg.metrics:
        row = given.get(m.code, {})
        plan = _metric_value(row.get("plan"))
        actual = _metric_value(row.get("actual") if figures else (ret.actuals or {}).get(m.code))
        sheet.add(
            Text(m.code),
            Text(m.name),
            Text(m.unit),
            _number(plan) if plan is not None else Text("Not planned"),
            _number(actual) if actual is not None else Text("Missing"),
        )
    return sheet


def _conditions(ret: QuarterlyReturn) -> Sheet:
    sheet = Sheet("Conditions", "pounds")
    sheet.add(Text("National conditions", "title"))
    sheet.blank()
    sheet.freeze_after = sheet.header("Condition", "Met", "Comment")
    given = ret.confirmations or {}
    for c in config.config().conditions:
        answer = (given.get(c.code) or {}).get("met")
        met = "Not confirmed" if answer is None else "Yes" if answer else "No"
        sheet.add(Text(c.text), Text(met), Text((given.get(c.code) or {}).get("comment", "")))
    sheet.widths[1] = 80
    sheet.widths[3] = 60
    return sheet


def return_workbook(ret: QuarterlyReturn) -> bytes:
    """The quarterly return as a workbook, with the plan it reported against."""
    figures = _figures(ret)
    plan = None
    if figures is not None and figures.get("plan"):
        plan = PoolPlan.objects.filter(pk=figures["plan"]).first()
    return _to_xlsx(
        [
            _cover(ret, figures, plan),
            _checklist(ret),
            _income(ret, plan),
            _expenditure(figures, plan),
            _risk_share(figures),
            _metrics(ret, figures),
            _conditions(ret),
            *plan_sheets(plan),
        ]
    )
