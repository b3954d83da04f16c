"""Finance's API operations: the financial years of a system, budget monitoring, the system
position and savings, read from the same presenters as the pages; and virements, made as
officers' decisions through the scheme of delegation.

Money is given twice, as `{"pence": 123456, "pounds": "1234.56"}`: integer pence (exact, for
sums) and pounds as a decimal string (exact, for display; never a float). Figures are in net
expenditure terms: income counts negative and a positive variance is adverse.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from commonweal.core.actions import Actor
from commonweal.core.dates import Day
from commonweal.core.documents import Strict
from commonweal.core.errors import NotFound, NotPermitted, Problem, Refused
from commonweal.core.models import Organisation
from commonweal.core.money import Pounds
from commonweal.core.permissions import Permission
from commonweal.decisions import context
from commonweal.governance.documents import PostRef
from commonweal.governance.models import Post
from commonweal.registry.models import System

from . import actions, ledger, presenters, rules
from .models import MONTHS, BudgetLine, FinancialYear, Virement

router = Router(tags=["finance"])

Dimension = Literal["organisation", "programme", "place", "cost_centre"]
RagOut = Literal["green", "amber", "red"]
START = Path(
    ...,
    ge=2000,
    le=2100,
    description="the calendar year the financial year starts: 2020 is 2020/21",
)
MONTH = Query(
    None,
    ge=1,
    le=12,
    description="as at the end of month M1 (April) to M12 (March); by default the latest month "
    "with actuals",
)

BY = Query("organisation", description="what each row is of")
ORG = Query(
    None, min_length=1, max_length=20, description="the ODS code of one organisation to look inside"
)


# Schemas ---------------------------------------------------------------------------------------


class FinanceMoney(Schema):
    pence: int = Field(description="the amount in pence, as an integer")
    pounds: str = Field(
        description='the same amount in pounds and pence, as a decimal string such as "1234.56" '
        'or "-1234.56" (never a float)'
    )


class FinanceYearRef(Schema):
    start: int = Field(description="the calendar year it starts: 2020 is 2020/21")
    label: str = Field(description='such as "2020/21"')


class FinanceMonth(Schema):
    month: int = Field(description="M1 is April, M12 March")
    label: str


class FinanceYear(FinanceYearRef):
    closed_through: int = Field(description="months M1 to this are closed; 0 when none is")
    closed: list[FinanceMonth] = Field(description="the closed months, which take no new entries")
    latest_actuals: int = Field(description="the latest month with actuals (1 when none yet)")


class FinanceOrganisation(Schema):
    code: str
    name: str


class MonitoringFigures(Schema):
    """One row's figures: the columns of the monitoring table, in its order."""

    budget: FinanceMoney = Field(description="Annual budget")
    budget_to_date: FinanceMoney = Field(description="Budget to date")
    actual_to_date: FinanceMoney = Field(description="Actual to date")
    variance_to_date: FinanceMoney = Field(description="Variance to date: actual less budget")
    allocation_to_date: FinanceMoney = Field(description="Additional allocation to date")
    revised_variance_to_date: FinanceMoney = Field(
        description="Revised variance to date: the variance less the additional allocation"
    )
    commitments: FinanceMoney = Field(description="Commitments: orders raised and not yet paid")
    forecast_outturn: FinanceMoney = Field(description="Forecast outturn for the year")
    forecast_variance: FinanceMoney = Field(description="Forecast variance: outturn less budget")
    allocation_forecast: FinanceMoney = Field(description="Additional allocation forecast")
    revised_forecast_variance: FinanceMoney = Field(
        description="Revised forecast variance: the forecast variance less the allocation forecast"
    )


class MonitoringRow(Schema):
    key: str = Field(
        description="what the row is of: an organisation's ODS code, a programme, a place's id or "
        "a budget line's id; empty for the total"
    )
    label: str
    figures: MonitoringFigures
    variance_percent: str | None = Field(
        description="the forecast variance after additional allocations (what RAG rates) as a "
        "percentage of the annual budget, to one decimal "
        'place, as a decimal string ("2.5"); null without a budget'
    )
    variance_to_date_percent: str | None = Field(
        description="the variance to date as a percentage of the budget to date, likewise"
    )
    rag: RagOut = Field(
        description="red, amber or green on the revised forecast variance against the budget"
    )
    rag_sentence: str
    lines: int = Field(description="how many budget lines the row holds")
    unforecast_lines: int = Field(
        description="lines with no forecast this month: taken at budget for the months to come"
    )


class MonitoringColumn(Schema):
    key: str
    heading: str


class RagThresholds(Schema):
    amber: str = Field(description="amber from this percentage of budget (a decimal string)")
    red: str = Field(description="red from this percentage of budget (a decimal string)")
    favourable_too: bool = Field(description="whether favourable variances are rated too")


class Monitoring(Schema):
    system: str
    year: FinanceYearRef
    month: int
    month_label: str
    by: Dimension
    by_label: str
    organisation: FinanceOrganisation | None = Field(description="the organisation looked inside")
    columns: list[MonitoringColumn] = Field(description="the figures' keys and headings, in order")
    allocation_heading: str = Field(description='such as "Additional HDP allocation"')
    thresholds: RagThresholds
    closed_through: int
    rows: list[MonitoringRow]
    total: MonitoringRow = Field(
        description="summed from the rows' pence, never from rounded figures"
    )


class BreakevenRule(Schema):
    from_year: int
    rule: Literal["system", "each_organisation"] = Field(
        description="who must break even: the NHS organisations together, or each on its own"
    )
    text: str
    source: str


class OrganisationPosition(Schema):
    code: str
    name: str
    nhs: bool = Field(description="within the NHS envelope (false: a council)")
    position: FinanceMoney | None = Field(
        description="the forecast surplus (positive) or deficit (negative); null: not reported"
    )
    planned: FinanceMoney = Field(description="the agreed (planned) position")
    flagged: bool = Field(description="fails the year's rule on its own")
    sentence: str


class SystemPosition(Schema):
    system: str
    year: FinanceYearRef
    month: int
    month_label: str
    rule: BreakevenRule
    total: FinanceMoney = Field(description="the NHS organisations' forecast positions together")
    met: bool | None = Field(description="null: some NHS organisation has not reported")
    sentence: str
    organisations: list[OrganisationPosition]


class FinancialPlan(Schema):
    organisation: FinanceOrganisation
    name: str
    agreed_on: date
    position: FinanceMoney = Field(
        description="the planned surplus (positive) or deficit (negative)"
    )
    savings_requirement: FinanceMoney | None = Field(
        description="the savings needed to deliver the plan; null: the plan holds no implicit "
        "savings target"
    )
    note: str


class SavingsScheme(Schema):
    reference: str
    name: str
    organisation: FinanceOrganisation | None
    programme: str
    recurrent: bool
    plan: FinanceMoney = Field(description="the saving planned for the whole year")
    plan_to_date: FinanceMoney
    delivered_to_date: FinanceMoney
    forecast: FinanceMoney = Field(
        description="delivered to date and forecast for the months after"
    )
    shortfall: FinanceMoney = Field(description="plan less forecast; positive is short")
    rag: RagOut
    rag_sentence: str


class Savings(Schema):
    system: str
    year: FinanceYearRef
    month: int
    month_label: str
    plans: list[FinancialPlan] = Field(description="every plan of the year, oldest first")
    schemes: list[SavingsScheme]
    total: SavingsScheme | None = Field(
        description="the schemes together; null when there are none"
    )


class VirementIn(Strict):
    organisation: str = Field(
        min_length=1, max_length=20, description="the ODS code of the organisation whose budget"
    )
    source: str = Field(
        min_length=1, max_length=40, description="the cost centre the budget moves from"
    )
    target: str = Field(
        min_length=1, max_length=40, description="the cost centre the budget moves to"
    )
    amount: Pounds
    on: Day = Field(
        description="the date of the decision (YYYY-MM-DD): in the financial year, not in the "
        "future"
    )
    decider_post: PostRef = Field(
        description="the post in which you, the person signed in, decide, such as "
        "15N/director-of-financial-planning: the scheme of delegation says up to what amount"
    )
    reason: str = Field(min_length=1, max_length=10_000)
    month: int | None = Field(
        None,
        ge=1,
        le=12,
        description="the month the budget moves from; the first open one by default",
    )


class VirementEntry(Schema):
    cost_centre: str
    month: int
    amount: FinanceMoney = Field(description="negative on the line the budget left")


class VirementMade(Schema):
    decision: str = Field(description="the reference of the officer's decision recorded")
    decision_id: int
    year: FinanceYearRef
    month: int
    month_label: str
    organisation: FinanceOrganisation
    source: str
    target: str
    amount: FinanceMoney
    entries: list[VirementEntry] = Field(description="the two budget entries made")


# Shaping ---------------------------------------------------------------------------------------


def money(pence: int) -> dict[str, Any]:
    pounds = presenters.in_units(pence, "pounds")
    return {"pence": pence, "pounds": format(pounds, "f")}


def _percent(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _year(year: FinancialYear) -> dict[str, Any]:
    return {"start": year.start, "label": year.label}


def _org(o: Organisation) -> dict[str, str]:
    return {"code": o.code, "name": o.name}


def _row(r: presenters.MonitoringRow) -> dict[str, Any]:
    return {
        "key": r.href_key,
        "label": r.label,
        "figures": {key: money(r.value(attribute)) for key, _, attribute in presenters.COLUMNS},
        "variance_percent": _percent(r.variance_percent),
        "variance_to_date_percent": _percent(r.variance_to_date_percent),
        "rag": r.rag,
        "rag_sentence": r.rag_sentence,
        "lines": r.figures.lines,
        "unforecast_lines": r.figures.unforecast_lines,
    }


def _month_label(month: int) -> str:
    return f"M{month} ({MONTHS[month - 1]})"


# Lookups ---------------------------------------------------------------------------------------


def _system(slug: str) -> System:
    found = System.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound.at("slug", f"no system '{slug}'")
    return found


def _financial_year(slug: str, start: int) -> FinancialYear:
    system = _system(slug)
    year = FinancialYear.objects.select_related("system").filter(system=system, start=start).first()
    if year is None:
        raise NotFound.at(
            "start", f"{system.name} has no financial year {start}/{(start + 1) % 100:02d}"
        )
    return year


def _month(year: FinancialYear, month: int | None) -> int:
    return month if month is not None else ledger.last_month_with_actuals(year)


def _keeper(system: System, code: str, field: str) -> Organisation:
    """An organisation that keeps the system's finances, by its code."""
    found = next((o for o in actions.keepers(system) if o.code == code), None)
    if found is None:
        raise Refused.at(
            field, f"no organisation with the code '{code}' keeps finances in {system.name}"
        )
    return found


# Reading ---------------------------------------------------------------------------------------


@router.get(
    "/systems/{slug}/finance/years",
    response=list[FinanceYear],
    summary="A system's financial years, with their closed months",
)
def years(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    out = []
    for year in FinancialYear.objects.filter(system=_system(slug)).select_related("system"):
        out.append(
            {
                **_year(year),
                "closed_through": year.closed_through,
                "closed": [
                    {"month": m, "label": actions.month_name(year, m)}
                    for m in range(1, year.closed_through + 1)
                ],
                "latest_actuals": ledger.last_month_with_actuals(year),
            }
        )
    return out


@router.get(
    "/systems/{slug}/finance/{start}/monitoring",
    response=Monitoring,
    summary="Budget monitoring as at a month, by organisation, programme, place or cost centre",
    description="The standard monitoring table: a row for each organisation, programme, place or "
    "cost centre (`by`), within one organisation if `org` names it, and the total. Money is given "
    "as integer pence and as pounds in a decimal string; in net expenditure terms (income counts "
    "negative; a positive variance is adverse).",
)
def monitoring(
    request: HttpRequest,
    slug: str,
    start: int = START,
    by: Dimension = BY,
    month: int | None = MONTH,
    org: str | None = ORG,
) -> dict[str, Any]:
    year = _financial_year(slug, start)
    organisation = _keeper(year.system, org, "org") if org is not None else None
    m = presenters.monitoring(year, _month(year, month), by, organisation)
    return {
        "system": year.system.slug,
        "year": _year(year),
        "month": m.month,
        "month_label": m.month_label,
        "by": m.dimension,
        "by_label": m.dimension_label,
        "organisation": _org(organisation) if organisation else None,
        "columns": [{"key": key, "heading": heading} for key, heading, _ in presenters.COLUMNS],
        "allocation_heading": m.allocation_heading,
        "thresholds": {
            "amber": format(m.thresholds.amber, "f"),
            "red": format(m.thresholds.red, "f"),
            "favourable_too": m.thresholds.favourable_too,
        },
        "closed_through": m.closed_through,
        "rows": [_row(r) for r in m.rows],
        "total": _row(m.total),
    }


@router.get(
    "/systems/{slug}/finance/{start}/position",
    response=SystemPosition,
    summary="The system's financial position against the year's break-even rule",
    description="Each organisation's forecast surplus or deficit for the year, judged against the "
    "rule of the year (the NHS organisations together, or each on its own; councils are outside "
    "the NHS envelope). Money as integer pence and as pounds in a decimal string.",
)
def position(
    request: HttpRequest, slug: str, start: int = START, month: int | None = MONTH
) -> dict[str, Any]:
    year = _financial_year(slug, start)
    shown = _month(year, month)
    p = presenters.position(year, shown)
    if p is None:
        raise NotFound.at("start", f"no break-even rule applies to {year.label}")
    return {
        "system": year.system.slug,
        "year": _year(year),
        "month": shown,
        "month_label": _month_label(shown),
        "rule": {
            "from_year": p.rule.from_year,
            "rule": p.rule.rule.value,
            "text": p.rule.text,
            "source": p.rule.source,
        },
        "total": money(p.total),
        "met": p.met,
        "sentence": p.sentence,
        "organisations": [_org_position(j) for j in p.organisations],
    }


def _org_position(j: rules.Judged) -> dict[str, Any]:
    o = j.org
    return {
        "code": o.code,
        "name": o.name,
        "nhs": o.nhs,
        "position": money(o.position) if o.position is not None else None,
        "planned": money(o.planned),
        "flagged": j.flagged,
        "sentence": j.sentence,
    }


@router.get(
    "/systems/{slug}/finance/{start}/savings",
    response=Savings,
    summary="Plans and savings schemes (QIPP and CIP): plan, delivery and forecast",
    description="The plans each organisation is monitored against (with the savings each needs, "
    "or none), and each savings scheme's plan, delivery to date and forecast, rated on its "
    "shortfall. Money as integer pence and as pounds in a decimal string.",
)
def savings(
    request: HttpRequest, slug: str, start: int = START, month: int | None = MONTH
) -> dict[str, Any]:
    year = _financial_year(slug, start)
    s = presenters.savings(year, _month(year, month))
    return {
        "system": year.system.slug,
        "year": _year(year),
        "month": s.month,
        "month_label": _month_label(s.month),
        "plans": [
            {
                "organisation": _org(plan.organisation),
                "name": plan.name,
                "agreed_on": plan.agreed_on,
                "position": money(plan.position),
                "savings_requirement": money(plan.savings_requirement)
                if plan.savings_requirement is not None
                else None,
                "note": plan.note,
            }
            for plan in s.plans
        ],
        "schemes": [_scheme(r) for r in s.rows],
        "total": _scheme(s.total, total=True) if s.total is not None else None,
    }


def _scheme(r: presenters.SavingsRow, total: bool = False) -> dict[str, Any]:
    scheme = r.scheme
    return {
        "reference": scheme.reference,
        "name": scheme.name,
        "organisation": None if total else _org(scheme.organisation),
        "programme": scheme.programme,
        "recurrent": r.recurrent,
        "plan": money(r.plan),
        "plan_to_date": money(r.plan_to_date),
        "delivered_to_date": money(r.delivered_to_date),
        "forecast": money(r.forecast),
        "shortfall": money(r.shortfall),
        "rag": r.rag,
        "rag_sentence": r.rag_sentence,
    }


# Virements -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineProblem(Problem):
    """A reason the engine gave, with its code and clause."""

    code: str = ""
    clause: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "code": self.code, "clause": self.clause}


# Where in the request each of the engine's refusals points.
_CODE_FIELDS = {
    "over-limit": "amount",
    "cumulative-over-limit": "amount",
    "over-budget": "amount",
    "second-signatory-missing": "decider_post",
    "not-authorised": "decider_post",
    "not-post-holder": "decider_post",
    "reserved-matter": "decider_post",
    "no-decider": "decider_post",
}
# Where the decision's own problems point, in the request's words.
_DECISION_FIELDS = {"parts[0].deciders": "decider_post", "parts[0].amount": "amount"}


def _line(system: System, organisation: Organisation, code: str, field: str) -> BudgetLine:
    line = (
        BudgetLine.objects.select_related("organisation")
        .filter(system=system, organisation=organisation, cost_centre=code)
        .first()
    )
    if line is None:
        raise Refused.at(field, f"{organisation.name} has no budget line '{code}' in {system.name}")
    return line


def _post(system: System, ref: str) -> Post:
    code, _, name = ref.partition("/")
    post = Post.objects.filter(system=system, organisation__code=code, code=name).first()
    if post is None:
        raise Refused.at("decider_post", f"no post '{ref}' in {system.name}")
    return post


def _explained(
    refused: Refused, system: System, body: VirementIn, person_key: str, post: Post
) -> Refused:
    """The refusal in the request's words: the engine's reasons with their codes and clauses."""
    if type(refused) is not Refused:
        return refused  # a conflict, say: as it is
    if any(p.field for p in refused.problems):
        return Refused(
            refused.message,
            [
                Problem(_DECISION_FIELDS.get(p.field, p.field), p.message, p.file, p.line)
                for p in refused.problems
            ],
        )
    # The scheme of delegation refused the decision: ask the engine the same question again
    # (nothing was written) to give each reason its code.
    data = context.DecisionData(
        outcome="decision",
        basis="officer",
        on=body.on,
        parts=(
            context.PartData(
                organisation=body.organisation,
                amount=body.amount,
                deciders=((person_key, post.ref),),
            ),
        ),
        decision_type=actions.VIREMENT,
    )
    judgement = context.judge(context.History(system), data, None, {})
    said = {
        (f"{c['organisation']}: " if c["organisation"] else "")
        + c["sentence"]
        + (f" (clause {c['clause']})" if c["clause"] else ""): c
        for c in judgement.reasons
    }
    problems: list[Problem] = []
    for p in refused.problems:
        check = said.get(p.message)
        if check is None:
            problems.append(p)
            continue
        problems.append(
            EngineProblem(
                _CODE_FIELDS.get(check["code"], ""),
                p.message,
                code=check["code"],
                clause=check["clause"],
            )
        )
    return Refused(refused.message, problems)


@router.post(
    "/systems/{slug}/finance/{start}/virements",
    response={201: VirementMade},
    summary="Move budget between two cost centres of one organisation (a virement)",
    description="A virement is an officer's decision: you, the person signed in, decide it in the "
    "post you name, and the scheme of delegation in force on the date says whether that post may, "
    "up to what amount. Needs the manage_finance permission in the organisation (403 without). A "
    "virement the scheme does not allow, or more than the source line has left, is refused (422) "
    "with the reasons as `problems`, each of the engine's with its `code` (such as over-limit or "
    "not-authorised) and `clause`; nothing is moved. When it is allowed, the decision is recorded "
    "and two budget entries move the amount. `amount` is in pounds; the answer gives money as "
    "integer pence and as pounds in a decimal string.",
)
def vire(request: HttpRequest, slug: str, body: VirementIn, start: int = START) -> Status:
    year = _financial_year(slug, start)
    system = year.system
    organisation = _keeper(system, body.organisation, "organisation")
    source = _line(system, organisation, body.source, "source")
    target = _line(system, organisation, body.target, "target")
    actor = Actor.from_user(request.user)
    if not actor.holds(Permission.MANAGE_FINANCE, organisation):
        raise NotPermitted(
            f"You may not {Permission.MANAGE_FINANCE.label} for {organisation.name}: that needs "
            "a finance role in the organisation."
        )
    if actor.person is None:
        raise Refused.at(
            "decider_post", "your account is not a person who may hold a post, so cannot decide"
        )
    post = _post(system, body.decider_post)
    try:
        virement = actions.vire(
            actor,
            year,
            source=source,
            target=target,
            amount=body.amount,
            decider=(actor.person, post),
            on=body.on,
            reason=body.reason,
            month=body.month,
        )
    except Refused as refused:
        raise _explained(refused, system, body, actor.person.key, post) from None
    return Status(201, _virement(virement))


def _virement(v: Virement) -> dict[str, Any]:
    v = (
        Virement.objects.select_related(
            "decision", "year", "source__organisation", "target", "year__system"
        )
        .prefetch_related("entries__line")
        .get(pk=v.pk)
    )
    return {
        "decision": v.decision.reference,
        "decision_id": v.decision_id,
        "year": _year(v.year),
        "month": v.month,
        "month_label": actions.month_name(v.year, v.month),
        "organisation": _org(v.source.organisation),
        "source": v.source.cost_centre,
        "target": v.target.cost_centre,
        "amount": money(v.amount),
        "entries": [
            {"cost_centre": e.line.cost_centre, "month": e.month, "amount": money(e.amount)}
            for e in v.entries.all()
        ],
    }
