"""Changes to pooled funds, each in one transaction with an audit event and a declared
permission (MANAGE_POOLS in the host partner, where the pooled fund manager works).

A year's plan is loaded whole (from a spreadsheet or a form) as a new version, after every
problem has been collected: nothing is written when anything is wrong. The Health and
Wellbeing Board's sign-off of a quarterly return is a decision recorded at the board's meeting
through the register of decisions (so it is validated like any other), and only a complete
return can be signed off.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from commonweal.core.actions import Actor, action
from commonweal.core.db import serialise
from commonweal.core.documents import DocumentError, Located
from commonweal.core.errors import Problem, Refused
from commonweal.core.formatting import pounds
from commonweal.core.models import COUNCIL_KINDS, Organisation, OrganisationKind, Person
from commonweal.core.permissions import Permission
from commonweal.decisions import actions as decisions
from commonweal.decisions.models import Decision, Outcome
from commonweal.finance.models import BudgetLine, FinancialYear, year_label
from commonweal.governance.documents import BodyKind
from commonweal.governance.models import Body
from commonweal.meetings.models import AgendaItem
from commonweal.registry.models import Area, System

from . import config, documents, position, rules
from .models import (
    ActionPlan,
    Agreement,
    Contribution,
    Instalment,
    MetricPlan,
    Partner,
    PoolPlan,
    QuarterlyReturn,
    Scheme,
    SpendLine,
    UnderspendUse,
)
from .quarterly import checklist, frozen_figures

# A pool's figures are bounded like the ledger's: no plan holds more than £10 billion a line.
MAX_PENCE = 10**12


def _host(actor: Actor, agreement: Agreement) -> None:
    actor.require(agreement.host, because=f"the pooled fund {agreement.name}")


# Agreements ----------------------------------------------------------------------------------


@action("pools.load_agreement", permission=Permission.MANAGE_POOLS)
def load_agreement(actor: Actor, located: Located) -> Agreement:
    """Load (or bring up to date) a pooled fund agreement from its document."""
    doc = documents.check(located)
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(located.problem(("agreement", field), message))

    system = System.objects.filter(slug=doc.system).first()
    if system is None:
        raise DocumentError([located.problem(("agreement", "system"), "no such system")])
    area = Area.objects.filter(system=system, code=doc.area).first()
    if area is None:
        bad("area", f"'{doc.area}' is not an area of {system.name}")
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=doc.partners)}
    missing = [c for c in doc.partners if c not in orgs]
    if missing:
        bad("partners", f"no organisation with code {', '.join(missing)}")
    kinds = {o.kind for o in orgs.values()}
    if orgs and not missing:
        if (
            OrganisationKind.NHS_COMMISSIONER not in kinds
            and OrganisationKind.NHS_TRUST not in kinds
        ):
            bad("partners", "a Section 75 pool has an NHS body among its partners")
        if not kinds & set(COUNCIL_KINDS):
            bad("partners", "a Section 75 pool has a local authority among its partners")
    assert doc.host is not None and doc.manager is not None
    manager = Person.objects.filter(key=doc.manager.person).first()
    if manager is None and not doc.manager.name:
        bad(
            "manager",
            f"no person with key '{doc.manager.person}': give their name to add them",
        )
    board = None
    if doc.board:
        board = Body.objects.filter(system=system, code=doc.board).first()
        if board is None:
            bad("board", f"'{doc.board}' is not a body of {system.name}")
        elif board.kind != BodyKind.HEALTH_AND_WELLBEING_BOARD:
            bad("board", f"{board.name} is not a Health and Wellbeing Board")
    if problems:
        raise DocumentError(problems)
    assert area is not None
    host = orgs[doc.host]
    actor.require(host, because=f"the pooled fund {doc.name}")
    serialise(f"pool:{system.slug}:{doc.reference}")
    if manager is None:
        manager = Person.objects.create(key=doc.manager.person, name=doc.manager.name)
    threshold = doc.action_plan_threshold
    if threshold is None:
        threshold = config.config().action_plan_threshold
    agreement, created = Agreement.objects.update_or_create(
        system=system,
        reference=doc.reference,
        defaults={
            "name": doc.name,
            "kind": doc.kind,
            "area": area,
            "host": host,
            "manager": manager,
            "manager_title": doc.manager.title,
            "starts": doc.starts,
            "ends": doc.ends,
            "nhs_functions": doc.nhs_functions,
            "council_functions": doc.council_functions,
            "aims": doc.aims,
            "outcomes": doc.outcomes,
            "review_dates": [d.isoformat() for d in doc.review_dates],
            "overspend_order": doc.overspend_order,
            "action_plan_threshold": threshold,
            "board": board,
            "illustrative": doc.illustrative,
            "note": doc.note,
            "document": located.file[-300:],
        },
    )
    if not created:
        # Partners whose contributions a plan holds stay partners.
        Partner.objects.filter(agreement=agreement).exclude(
            organisation__code__in=doc.partners
        ).delete()
    for code in doc.partners:
        Partner.objects.get_or_create(agreement=agreement, organisation=orgs[code])
    actor.record(
        "pool",
        f"{system.slug}/{doc.reference}",
        f"Pooled fund agreement {doc.name} {'loaded' if created else 'updated'}",
    )
    return agreement


# A year's plan -------------------------------------------------------------------------------


@dataclass
class InstalmentIn:
    due: date
    amount: int
    where: str = ""


@dataclass
class ContributionIn:
    organisation: str  # code
    amount: int
    instalments: list[InstalmentIn] = field(default_factory=list)
    where: str = ""
    stream: str = "contribution"  # a funding stream's code (pools.yaml)


@dataclass
class LineIn:
    scheme: str  # the scheme's reference
    reference: str
    name: str
    budget: int
    recurrent: bool
    cost_centre: str = ""  # the ledger line (a partner's cost centre)
    risk_share: str = rules.RiskShare.PROPORTIONAL
    shares: dict[str, Decimal] = field(default_factory=dict)
    formula: str = ""
    where: str = ""


@dataclass
class SchemeIn:
    reference: str
    name: str
    scheme_type: str
    where: str = ""


@dataclass
class MetricIn:
    metric: str
    quarter: int
    value: Decimal
    where: str = ""


@dataclass
class PlanIn:
    contributions: list[ContributionIn]
    schemes: list[SchemeIn]
    lines: list[LineIn]
    risk_reserve: int = 0
    uncommitted: int = 0
    metrics: list[MetricIn] = field(default_factory=list)
    where_reserve: str = "risk_reserve"
    where_uncommitted: str = "uncommitted"
    file_name: str = ""
    sha256: str = ""


def check_plan(agreement: Agreement, year: FinancialYear, plan: PlanIn) -> list[Problem]:
    """Everything wrong with a year's plan, each named where it came from."""
    problems: list[Problem] = []

    def bad(where: str, message: str) -> None:
        problems.append(Problem(where, message))

    partners = set(agreement.partners.values_list("organisation__code", flat=True))
    cfg = config.config()
    if year.system_id != agreement.system_id:
        bad("year", f"{year.label} is not a financial year of {agreement.system}")
    if not (
        agreement.starts <= date(year.start + 1, 3, 31) and agreement.ends >= date(year.start, 4, 1)
    ):
        bad("year", f"{year.label} is outside the agreement's term")

    def money(where: str, value: int, *, positive: bool = False) -> bool:
        if not -MAX_PENCE <= value <= MAX_PENCE:
            bad(where, f"{pounds(value)} is beyond what a pool can hold (£10 billion)")
            return False
        if value < 0 or (positive and value == 0):
            bad(where, "must be more than £0" if positive else "cannot be negative")
            return False
        return True

    seen: dict[str, str] = {}
    given: dict[tuple[str, str], str] = {}
    kinds = dict(Organisation.objects.filter(code__in=partners).values_list("code", "kind"))
    for c in plan.contributions:
        where = c.where or f"contributions[{c.organisation}]"
        if c.organisation not in partners:
            bad(where, f"{c.organisation} is not a partner of {agreement.name}")
        stream = cfg.stream(c.stream)
        if stream is None:
            bad(
                where,
                f"'{c.stream}' is not a funding stream; use one of: "
                + "; ".join(f.name for f in cfg.funding_streams),
            )
        elif c.organisation in kinds and stream.from_ != "any":
            council = kinds[c.organisation] in COUNCIL_KINDS
            if council != (stream.from_ == "council"):
                bad(
                    where,
                    f"{stream.name} comes from {'a council' if stream.from_ == 'council' else 'an NHS body'}, "
                    f"not {c.organisation}",
                )
        key = (c.organisation, stream.code if stream else c.stream)
        if key in given:
            bad(
                where,
                f"{c.organisation} gives {stream.name if stream else c.stream} twice (also "
                f"{given[key]})",
            )
        given[key] = where
        seen.setdefault(c.organisation, where)
        if money(where, c.amount, positive=True) and c.instalments:
            paid = sum(i.amount for i in c.instalments)
            for i in c.instalments:
                money(i.where or where, i.amount, positive=True)
                if not agreement.starts <= i.due <= agreement.ends:
                    bad(
                        i.where or where,
                        f"the instalment due {i.due.isoformat()} falls outside the agreement's "
                        "term",
                    )
            if paid != c.amount:
                bad(
                    where,
                    f"the instalments add up to {pounds(paid)}, not the contribution of "
                    f"{pounds(c.amount)}",
                )
    if not plan.contributions:
        bad("contributions", "the plan has no contributions")
    else:
        absent = sorted(partners - set(seen))
        if absent:
            bad(
                "contributions",
                f"every partner contributes to a pooled fund: {', '.join(absent)} "
                f"{'does' if len(absent) == 1 else 'do'} not",
            )
    schemes: dict[str, str] = {}
    for s in plan.schemes:
        where = s.where or f"schemes[{s.reference}]"
        if not s.reference.strip():
            bad(where, "a scheme has a reference")
        elif s.reference in schemes:
            bad(where, f"scheme {s.reference} is listed twice (also {schemes[s.reference]})")
        schemes[s.reference] = where
        if not s.name.strip():
            bad(where, "a scheme has a name")
        if s.scheme_type not in cfg.scheme_types:
            bad(
                where,
                f"'{s.scheme_type}' is not a scheme type; use one of: "
                + "; ".join(cfg.scheme_types),
            )
    ledger_lines = _ledger_lines(agreement, partners, plan.lines)
    refs: dict[str, str] = {}
    for ln in plan.lines:
        where = ln.where or f"lines[{ln.reference}]"
        if ln.scheme not in schemes:
            bad(where, f"scheme '{ln.scheme}' is not among the plan's schemes")
        if not ln.reference.strip():
            bad(where, "a line has a reference")
        elif ln.reference in refs:
            bad(where, f"line {ln.reference} is listed twice (also {refs[ln.reference]})")
        refs[ln.reference] = where
        if not ln.name.strip():
            bad(where, "a line has a name")
        money(where, ln.budget)
        if ln.cost_centre and len(ledger_lines.get(ln.cost_centre, ())) > 1:
            bad(
                where,
                f"more than one partner has cost centre '{ln.cost_centre}': the line cannot "
                "say whose ledger it is in",
            )
        elif ln.cost_centre and not ledger_lines.get(ln.cost_centre):
            bad(
                where,
                f"no partner has cost centre '{ln.cost_centre}' in the ledger: add the budget "
                "line first, or leave the cost centre blank",
            )
        try:
            line = rules.Line(
                ln.reference,
                ln.name,
                ln.budget,
                ln.budget,
                ln.recurrent,
                rules.RiskShare(ln.risk_share),
                ln.shares,
                ln.formula,
            )
            rules.shares(
                line, {c.organisation: 1 for c in plan.contributions} or {p: 1 for p in partners}
            )
        except ValueError as exc:
            message = str(exc)
            if "is not a valid RiskShare" in message:
                message = f"'{ln.risk_share}' is not a risk share: proportional, fixed or variable"
            bad(where, message.removeprefix(f"line {ln.reference}: "))
    if not plan.lines:
        bad("lines", "the plan has no spend lines")
    money(plan.where_reserve, plan.risk_reserve)
    money(plan.where_uncommitted, plan.uncommitted)
    contributed = sum(c.amount for c in plan.contributions)
    planned = sum(ln.budget for ln in plan.lines) + plan.risk_reserve + plan.uncommitted
    if not problems and contributed != planned:
        bad(
            "lines",
            f"the lines, risk reserve and uncommitted allocations add up to {pounds(planned)}, "
            f"but the partners contribute {pounds(contributed)}: a pool spends what it holds",
        )
    metrics: dict[tuple[str, int], str] = {}
    for m in plan.metrics:
        where = m.where or f"metrics[{m.metric}]"
        if cfg.metric(m.metric) is None:
            bad(
                where,
                f"'{m.metric}' is not a BCF metric ({', '.join(x.code for x in cfg.metrics)})",
            )
        if not 1 <= m.quarter <= 4:
            bad(where, "a quarter is Q1 to Q4")
        if (m.metric, m.quarter) in metrics:
            bad(where, f"{m.metric} Q{m.quarter} is planned twice")
        metrics[(m.metric, m.quarter)] = where
        if (problem := metric_problem(m.value)) is not None:
            bad(where, problem)
    return problems


def _ledger_lines(
    agreement: Agreement, partners: set[str], lines: Sequence["LineIn"]
) -> dict[str, list[BudgetLine]]:
    """The partners' ledger lines with the cost centres a plan names, by cost centre."""
    named = {ln.cost_centre for ln in lines if ln.cost_centre}
    out: dict[str, list[BudgetLine]] = {}
    for b in BudgetLine.objects.filter(
        system_id=agreement.system_id, organisation__code__in=partners, cost_centre__in=named
    ):
        out.setdefault(b.cost_centre, []).append(b)
    return out


@action("pools.load_plan", permission=Permission.MANAGE_POOLS)
def load_plan(actor: Actor, agreement: Agreement, year: FinancialYear, plan: PlanIn) -> PoolPlan:
    """Record a year's plan as a new version, or refuse it whole with every problem."""
    _host(actor, agreement)
    problems = check_plan(agreement, year, plan)
    if problems:
        raise Refused(
            f"The plan was refused ({len(problems)} problem{'s' if len(problems) != 1 else ''});"
            " nothing was written.",
            problems,
        )
    serialise(f"pool-plan:{agreement.pk}:{year.pk}")
    version = PoolPlan.objects.filter(agreement=agreement, year=year).count() + 1
    stored = PoolPlan.objects.create(
        agreement=agreement,
        year=year,
        version=version,
        risk_reserve=plan.risk_reserve,
        uncommitted=plan.uncommitted,
        file_name=plan.file_name[:255],
        sha256=plan.sha256,
        recorded_by=actor.label,
    )
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(code__in=[c.organisation for c in plan.contributions])
    }
    for c in plan.contributions:
        stream = config.config().stream(c.stream)
        contribution = Contribution.objects.create(
            plan=stored,
            organisation=orgs[c.organisation],
            stream=stream.code if stream else c.stream,
            amount=c.amount,
        )
        Instalment.objects.bulk_create(
            Instalment(contribution=contribution, due=i.due, amount=i.amount) for i in c.instalments
        )
    partners = set(agreement.partners.values_list("organisation__code", flat=True))
    ledger_lines = _ledger_lines(agreement, partners, plan.lines)
    schemes = {
        s.reference: Scheme.objects.create(
            plan=stored, reference=s.reference, name=s.name, scheme_type=s.scheme_type
        )
        for s in plan.schemes
    }
    SpendLine.objects.bulk_create(
        SpendLine(
            scheme=schemes[ln.scheme],
            reference=ln.reference,
            name=ln.name,
            budget=ln.budget,
            recurrent=ln.recurrent,
            ledger_line=ledger_lines[ln.cost_centre][0] if ln.cost_centre else None,
            risk_share=ln.risk_share,
            shares={k: str(v) for k, v in ln.shares.items()},
            formula=ln.formula,
        )
        for ln in plan.lines
    )
    MetricPlan.objects.bulk_create(
        MetricPlan(plan=stored, metric=m.metric, quarter=m.quarter, value=m.value)
        for m in plan.metrics
    )
    actor.record(
        "pool_plan",
        str(stored.pk),
        f"{agreement.name}: plan for {year_label(year.start)} loaded as version {version} "
        f"({len(plan.lines)} lines, {pounds(sum(c.amount for c in plan.contributions))})",
    )
    return stored


# In-year management --------------------------------------------------------------------------


@action("pools.record_action_plan", permission=Permission.MANAGE_POOLS)
def record_action_plan(
    actor: Actor,
    agreement: Agreement,
    year: FinancialYear,
    *,
    month: int,
    owner: str,
    due: date,
    actions: str,
) -> ActionPlan:
    """Record what will be done about a projected variance beyond the threshold, who owns it
    and by when."""
    _host(actor, agreement)
    problems = []
    if not 1 <= month <= 12:
        problems.append(Problem("month", "a month of the year: M1 (April) to M12 (March)"))
    if not owner.strip():
        problems.append(Problem("owner", "Name who owns the action plan"))
    if not actions.strip():
        problems.append(Problem("actions", "Say what will be done"))
    if problems:
        raise Refused("The action plan was not recorded.", problems)
    found = position.figures(agreement, year, month)
    if found is None:
        raise Refused.at("month", f"{agreement.name} has no plan for {year.label}")
    if due < date(year.start, 4, 1):
        raise Refused.at("due", "The date actions are due cannot be before the year starts")
    plan = ActionPlan.objects.create(
        agreement=agreement,
        year=year,
        month=month,
        variance=found.resolution.net_variance,
        owner=owner.strip()[:200],
        due=due,
        actions=actions.strip(),
        recorded_by=actor.label,
    )
    actor.record(
        "pool_action_plan",
        str(plan.pk),
        f"{agreement.name}: action plan for M{month} of {year.label}, owned by {plan.owner}, "
        f"due {due.isoformat()}",
    )
    return plan


@action("pools.use_underspend", permission=Permission.MANAGE_POOLS)
def use_underspend(
    actor: Actor,
    agreement: Agreement,
    year: FinancialYear,
    *,
    month: int,
    line: SpendLine,
    amount: int,
    reason: str,
) -> UnderspendUse:
    """Put projected underspend to a line: only a non-recurrent one, and only what is left
    once overspends are met (less what earlier uses took)."""
    _host(actor, agreement)
    # Two uses at once must not both spend the same underspend.
    if not 1 <= month <= 12:
        raise Refused.at("month", "a month of the year: M1 (April) to M12 (March)")
    serialise(f"pool-underspend:{agreement.pk}:{year.pk}")
    found = position.figures(agreement, year, month)
    if found is None:
        raise Refused.at("month", f"{agreement.name} has no plan for {year.label}")
    if line.scheme.plan_id != found.plan.pk:
        raise Refused.at("line", "That line is not in the plan in force")
    if not reason.strip():
        raise Refused.at("reason", "Say what the money will buy")
    verdict = rules.underspend_use(found.line(line), amount, found.underspend_available)
    if not verdict.allowed:
        raise Refused.at("line" if line.recurrent else "amount", verdict.reason)
    use = UnderspendUse.objects.create(
        agreement=agreement,
        year=year,
        month=month,
        line=line,
        amount=amount,
        reason=reason.strip(),
        recorded_by=actor.label,
    )
    actor.record("pool_underspend", str(use.pk), f"{agreement.name}: {verdict.reason}")
    return use


# Quarterly returns ---------------------------------------------------------------------------


@dataclass
class ReturnIn:
    actuals: dict[str, Decimal | None] = field(default_factory=dict)
    # {condition: (met, comment)}
    confirmations: dict[str, tuple[bool | None, str]] = field(default_factory=dict)
    narrative: str = ""


def quarterly_return(agreement: Agreement, year: FinancialYear, quarter: int) -> QuarterlyReturn:
    """The return for a quarter: the stored one, or an unsaved draft."""
    found = QuarterlyReturn.objects.filter(agreement=agreement, year=year, quarter=quarter).first()
    return found or QuarterlyReturn(agreement=agreement, year=year, quarter=quarter)


def metric_problem(value: Decimal) -> str | None:
    """What is wrong with a metric's value, if anything: a finite number under a trillion, to
    at most two decimal places (as the plan holds them)."""
    if not value.is_finite() or abs(value) >= Decimal(10**12):
        return "is not a number a metric can take"
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2 and value != value.quantize(Decimal("0.01")):
        return "give it to at most two decimal places"
    return None


@action("pools.save_return", permission=Permission.MANAGE_POOLS)
def save_return(
    actor: Actor, agreement: Agreement, year: FinancialYear, quarter: int, data: ReturnIn
) -> QuarterlyReturn:
    _host(actor, agreement)
    if not 1 <= quarter <= 4:
        raise Refused.at("quarter", "a quarter is Q1 to Q4")
    cfg = config.config()
    problems = []
    for code, value in data.actuals.items():
        if cfg.metric(code) is None:
            problems.append(Problem(f"actual-{code}", "not a BCF metric"))
        elif value is not None and (problem := metric_problem(value)) is not None:
            problems.append(Problem(f"actual-{code}", problem))
    codes = {c.code for c in cfg.conditions}
    for code, (met, comment) in data.confirmations.items():
        if code not in codes:
            problems.append(Problem(f"condition-{code}", "not a national condition"))
        elif met is False and not comment.strip():
            problems.append(
                Problem(
                    f"comment-{code}", "Say why the condition is not met, and what is being done"
                )
            )
    if problems:
        raise Refused("The return was not saved.", problems)
    serialise(f"pool-return:{agreement.pk}:{year.pk}:{quarter}")
    ret = quarterly_return(agreement, year, quarter)
    if ret.sign_off_id is not None:
        raise Refused("The return was signed off: it never changes")
    ret.actuals = {k: (None if v is None else str(v)) for k, v in data.actuals.items()}
    ret.confirmations = {
        k: {"met": met, "comment": comment.strip()}
        for k, (met, comment) in data.confirmations.items()
    }
    ret.narrative = data.narrative.strip()
    ret.updated_by = actor.label
    ret.save()
    actor.record(
        "pool_return", str(ret.pk), f"{agreement.name}: Q{quarter} {year.label} return saved"
    )
    return ret


@action("pools.sign_off_return", permission=Permission.RECORD_DECISIONS)
def sign_off_return(
    actor: Actor,
    ret: QuarterlyReturn,
    item: AgendaItem,
    *,
    resolution: str,
    reasons: str = "",
) -> Decision:
    """Record the Health and Wellbeing Board's sign-off of a complete return, as a decision at
    the item of its meeting; the return's figures are frozen with it."""
    agreement = ret.agreement
    board = agreement.board
    if board is None:
        raise Refused.at(
            "item", f"{agreement.name} names no Health and Wellbeing Board to sign its returns"
        )
    actor.require_any(list(board.owners.all()), board, because=f"the decisions of {board.name}")
    if item.meeting.body_id != board.pk:
        raise Refused.at("item", f"The item is not on an agenda of {board.name}")
    if ret.pk is None:
        raise Refused("Save the return before it is signed off")
    ret = QuarterlyReturn.objects.select_for_update().get(pk=ret.pk)
    if ret.sign_off_id is not None:
        raise Refused(f"The return was signed off already ({ret.sign_off})")
    missing = checklist(ret)
    if missing:
        raise Refused(
            "The return cannot be signed off until it is complete: "
            + "; ".join(m.text for m in missing),
            [Problem(m.anchor, m.text) for m in missing],
        )
    recorded = decisions.record_at_item(
        actor,
        item,
        decisions.DecisionIn(
            title=f"{agreement.name}: Q{ret.quarter} {ret.year.label} return"[:200],
            resolution=resolution.strip() or f"To sign off the Q{ret.quarter} return.",
            outcome=Outcome.SIGN_OFF,
            reasons=reasons,
        ),
    )
    decision = recorded.decision
    if decision is None or not decision.valid:
        reasons_ = "; ".join(c.get("sentence", "") for c in (decision.checks if decision else []))
        raise Refused(f"The sign-off was not validly made: {reasons_ or 'see the register'}")
    figures = frozen_figures(ret)
    ret.sign_off = decision
    ret.plan_id = figures["plan"]
    ret.figures = figures
    ret.updated_by = actor.label
    ret.save()
    actor.record(
        "pool_return",
        str(ret.pk),
        f"{agreement.name}: Q{ret.quarter} {ret.year.label} return signed off by "
        f"{board.name} ({decision.reference})",
    )
    return decision


def require_plan_year(agreement: Agreement, start: int) -> FinancialYear:
    year = FinancialYear.objects.filter(system_id=agreement.system_id, start=start).first()
    if year is None:
        raise Refused.at("year", f"{year_label(start)} is not open in {agreement.system}")
    return year


def quarter_problems(quarter: int) -> Sequence[Problem]:
    return [] if 1 <= quarter <= 4 else [Problem("quarter", "a quarter is Q1 to Q4")]
