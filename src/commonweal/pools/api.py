"""Pooled funds' API operations: a system's pools, an agreement, a year's position with how
its overspend is met, and a quarterly return with its checklist, read from the same presenters
as the pages; and the two in-year records the pooled fund manager makes, an action plan and a
use of projected underspend.

Money is given as `{"pence": 123456, "pounds": "1234.56"}`: integer pence (exact, for sums)
and pounds as a decimal string (never a float). Figures are in net expenditure terms: a
positive variance is an overspend.
"""

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from commonweal.core.actions import Actor
from commonweal.core.dates import Day
from commonweal.core.documents import Strict
from commonweal.core.errors import NotFound, NotPermitted, Refused
from commonweal.core.money import Pounds
from commonweal.core.permissions import Permission
from commonweal.finance.api import FinanceMoney, FinanceYearRef, money
from commonweal.finance.models import FinancialYear, month_label
from commonweal.registry.models import System

from . import actions, presenters
from .models import ActionPlan, Agreement, SpendLine, UnderspendUse

router = Router(tags=["pooled funds"])

START = Path(
    ...,
    ge=2000,
    le=2100,
    description="the calendar year the financial year starts: 2020 is 2020/21",
)
QUARTER = Path(..., ge=1, le=4, description="the quarter of the financial year, 1 to 4")
MONTH = Query(
    None,
    ge=1,
    le=12,
    description="as at the end of month M1 (April) to M12 (March); by default the last month "
    "with a forecast made on the pool's lines",
)


# Schemas ---------------------------------------------------------------------------------------


class PoolOrganisation(Schema):
    code: str
    name: str


class PoolPartner(PoolOrganisation):
    host: bool = Field(description="the host partner, which keeps the pool")


class PoolManager(Schema):
    person: str = Field(description="the person's key")
    name: str
    title: str


class PoolYearLink(Schema):
    start: int
    label: str
    plan_version: int | None = Field(description="the plan in force; null: none loaded")


class PoolSummary(Schema):
    reference: str
    name: str
    kind: str = Field(description="section_75 or better_care_fund")
    kind_label: str
    illustrative: bool = Field(description="invented figures, to show how a pool is kept")
    partners: list[PoolPartner]
    host: PoolOrganisation
    manager: PoolManager
    starts: date
    ends: date


class PoolAgreement(PoolSummary):
    nhs_functions: list[str]
    council_functions: list[str]
    aims: str
    outcomes: list[str]
    review_dates: list[date]
    board: str | None = Field(description="the Health and Wellbeing Board that signs off returns")
    overspend_order: list[str] = Field(description="the sources an overspend is met from, in order")
    action_plan_threshold: str = Field(
        description="a projected variance beyond this percentage of the pool asks for an action "
        "plan (a decimal string)"
    )
    note: str
    years: list[PoolYearLink]


class PoolContribution(Schema):
    organisation: PoolOrganisation
    stream: str = Field(description="the funding stream, such as Minimum NHS contribution")
    amount: FinanceMoney
    share: str = Field(description='the share of the pool, such as "60%"')
    instalments: list[dict[str, Any]] = Field(description="{due, amount} of each instalment")


class PoolShare(Schema):
    partner: str
    share: str = Field(description='such as "60%"')


class PoolLine(Schema):
    reference: str
    name: str
    scheme: str
    cost_centre: str = Field(description="the ledger line; empty: none yet")
    recurrent: bool
    budget: FinanceMoney
    actual_to_date: FinanceMoney
    forecast_outturn: FinanceMoney
    variance: FinanceMoney = Field(description="forecast outturn less budget: positive overspends")
    forecast_made: bool = Field(
        description="false: no forecast this month (taken as the actual to date and the budget for the months to come)"
    )
    risk_share: str
    formula: str
    shares: list[PoolShare]


class PoolScheme(Schema):
    reference: str
    name: str
    scheme_type: str
    lines: list[PoolLine]


class PoolBearer(Schema):
    key: str = Field(description="a line's reference, or a partner's ODS code")
    who: str
    amount: FinanceMoney
    thousands: str = Field(description="the amount in £'000, rounded half away from zero")
    by_line: dict[str, FinanceMoney] = Field(
        description="the partners' step: the partner's part of each line"
    )


class PoolStep(Schema):
    number: int
    source: str = Field(description="underspends, risk_reserve, uncommitted or partners")
    label: str
    available: FinanceMoney
    used: FinanceMoney
    remaining: FinanceMoney
    sentence: str
    by: str = Field(description="who bears the step: by line, or (the partners') by partner")
    bearers: list[PoolBearer]


class PoolActionPlan(Schema):
    id: int
    month: int
    variance: FinanceMoney
    owner: str
    due: date
    actions: str
    recorded_by: str


class PoolUnderspendUse(Schema):
    id: int
    line: str
    month: int
    amount: FinanceMoney
    reason: str
    recorded_by: str


class PoolReturnRef(Schema):
    quarter: int
    label: str
    status: str = Field(description="Not started, Incomplete, Complete or Signed off")
    missing: int = Field(description="entries the checklist lists")
    sign_off: str | None = Field(description="the sign-off decision's reference")


class PoolPosition(Schema):
    system: str
    pool: str
    year: FinanceYearRef
    month: int
    month_label: str
    plan_version: int
    pool_total: FinanceMoney
    contributions: list[PoolContribution]
    schemes: list[PoolScheme]
    risk_reserve: FinanceMoney
    uncommitted: FinanceMoney
    gross_overspend: FinanceMoney
    gross_underspend: FinanceMoney
    net_variance: FinanceMoney
    steps: list[PoolStep] = Field(description="how the overspend is met, in order")
    borne_by: list[PoolBearer] = Field(description="what each partner bears from its own funds")
    summary: str
    needs_action_plan: bool
    action_plan: PoolActionPlan | None = Field(description="the one recorded for the month")
    underspend_left: FinanceMoney = Field(description="underspend left once overspends are met")
    underspend_available: FinanceMoney = Field(description="what is left after the uses made")
    underspend_uses: list[PoolUnderspendUse]
    returns: list[PoolReturnRef]


class PoolMissing(Schema):
    text: str
    anchor: str = Field(description="the entry it names")
    url: str = Field(description="the page where it is entered")


class PoolMetric(Schema):
    code: str
    name: str
    unit: str
    polarity: str
    plan: str | None = Field(description="a decimal string; null: not planned")
    actual: str | None = Field(description="a decimal string; null: missing")


class PoolCondition(Schema):
    code: str
    text: str
    met: bool | None = Field(description="null: not confirmed")
    comment: str


class PoolReturn(Schema):
    system: str
    pool: str
    year: FinanceYearRef
    quarter: int
    label: str
    month: int
    saved: bool
    complete: bool
    checklist: list[PoolMissing]
    metrics: list[PoolMetric]
    conditions: list[PoolCondition]
    narrative: str
    sign_off: str | None = Field(description="the sign-off decision's reference")
    figures: dict[str, Any] = Field(description="frozen at sign-off (pence); empty before")


class ActionPlanIn(Strict):
    month: int = Field(ge=1, le=12, description="the month whose forecast asks for it")
    owner: str = Field(min_length=1, max_length=200)
    due: Day = Field(description="the date the actions are due (YYYY-MM-DD)")
    actions: str = Field(min_length=1, max_length=10_000)


class UnderspendUseIn(Strict):
    month: int = Field(ge=1, le=12, description="the month whose forecast offers the underspend")
    line: str = Field(min_length=1, max_length=40, description="the spend line's reference")
    amount: Pounds
    reason: str = Field(min_length=1, max_length=5_000, description="what it will buy")


# Shaping ---------------------------------------------------------------------------------------


def _year(year: FinancialYear) -> dict[str, Any]:
    return {"start": year.start, "label": year.label}


def _summary(v: presenters.AgreementView) -> dict[str, Any]:
    a = v.agreement
    return {
        "reference": a.reference,
        "name": a.name,
        "kind": a.kind,
        "kind_label": v.kind_label,
        "illustrative": v.illustrative,
        "partners": [{"code": p.code, "name": p.name, "host": p.host} for p in v.partners],
        "host": {"code": v.host.code, "name": v.host.name},
        "manager": {"person": v.manager.key, "name": v.manager.name, "title": v.manager_title},
        "starts": v.starts,
        "ends": v.ends,
    }


def _bearer(b: presenters.Bearer) -> dict[str, Any]:
    return {
        "key": b.key,
        "who": b.who,
        "amount": money(b.amount),
        "thousands": presenters.thousands(b.amount).replace("−", "-"),
        "by_line": {ref: money(v) for ref, v in b.parts},
    }


def _action_plan(p: ActionPlan) -> dict[str, Any]:
    return {
        "id": p.pk,
        "month": p.month,
        "variance": money(p.variance),
        "owner": p.owner,
        "due": p.due,
        "actions": p.actions,
        "recorded_by": p.recorded_by,
    }


def _use(u: UnderspendUse) -> dict[str, Any]:
    return {
        "id": u.pk,
        "line": u.line.reference,
        "month": u.month,
        "amount": money(u.amount),
        "reason": u.reason,
        "recorded_by": u.recorded_by,
    }


# Lookups ---------------------------------------------------------------------------------------


def _system(slug: str) -> System:
    found = System.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound.at("slug", f"no system '{slug}'")
    return found


def _agreement(slug: str, ref: str) -> Agreement:
    system = _system(slug)
    found = (
        Agreement.objects.select_related("system", "host", "manager", "board")
        .filter(system=system, reference=ref)
        .first()
    )
    if found is None:
        raise NotFound.at("ref", f"{system.name} has no pooled fund '{ref}'")
    return found


def _financial_year(a: Agreement, start: int) -> FinancialYear:
    year = FinancialYear.objects.select_related("system").filter(system_id=a.system_id, start=start)
    found = year.first()
    if found is None:
        raise NotFound.at(
            "start", f"{a.system.name} has no financial year {start}/{(start + 1) % 100:02d}"
        )
    return found


def _with_plan(a: Agreement, year: FinancialYear, month: int) -> presenters.YearView:
    v = presenters.year_position(a, year, month)
    if v.plan is None:
        raise NotFound.at("start", f"{a.name} has no plan for {year.label}")
    return v


# Reading ---------------------------------------------------------------------------------------


@router.get(
    "/systems/{slug}/pools",
    response=list[PoolSummary],
    summary="A system's pooled funds (Section 75 agreements and the Better Care Fund)",
)
def pools(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    return [_summary(v) for v in presenters.agreements(_system(slug))]


@router.get(
    "/systems/{slug}/pools/{ref}",
    response=PoolAgreement,
    summary="A pooled fund agreement: partners, host, manager, term, functions, aims, outcomes",
)
def pool(request: HttpRequest, slug: str, ref: str) -> dict[str, Any]:
    v = presenters.agreement(_agreement(slug, ref))
    return {
        **_summary(v),
        "nhs_functions": v.nhs_functions,
        "council_functions": v.council_functions,
        "aims": v.aims,
        "outcomes": v.outcomes,
        "review_dates": v.review_dates,
        "board": v.board.name if v.board else None,
        "overspend_order": v.agreement.order,
        "action_plan_threshold": format(v.threshold.normalize(), "f"),
        "note": v.note,
        "years": [
            {"start": y.start, "label": y.label, "plan_version": y.plan_version} for y in v.years
        ],
    }


@router.get(
    "/systems/{slug}/pools/{ref}/{start}",
    response=PoolPosition,
    summary="A pooled fund's position as at a month, with how its overspend is met",
    description="Each spend line's budget and forecast outturn from the finance ledger; the "
    "overspend met in the agreement's order (underspends elsewhere in the pool, the risk "
    "reserve, uncommitted allocations, then the partners' own funds by each line's risk share), "
    "with who bears what at each step; the underspend left for non-recurrent items; whether an "
    "action plan is needed; the quarterly returns. 404 when no plan is loaded for the year.",
)
def position(
    request: HttpRequest, slug: str, ref: str, start: int = START, month: int | None = MONTH
) -> dict[str, Any]:
    a = _agreement(slug, ref)
    year = _financial_year(a, start)
    shown = month if month is not None else presenters.default_month(a, year)
    v = _with_plan(a, year, shown)
    assert v.plan is not None
    return {
        "system": a.system.slug,
        "pool": a.reference,
        "year": _year(year),
        "month": shown,
        "month_label": month_label(year.start, shown),
        "plan_version": v.plan.version,
        "pool_total": money(v.pool_total),
        "contributions": [
            {
                "organisation": {"code": c.code, "name": c.name},
                "stream": c.stream,
                "amount": money(c.contribution or 0),
                "share": c.share_text,
                "instalments": [{"due": d, "amount": money(x)} for d, x in c.instalments],
            }
            for c in v.contributions
        ],
        "schemes": [
            {
                "reference": s.reference,
                "name": s.name,
                "scheme_type": s.scheme_type,
                "lines": [
                    {
                        "reference": ln.reference,
                        "name": ln.name,
                        "scheme": ln.scheme,
                        "cost_centre": ln.cost_centre,
                        "recurrent": ln.recurrent,
                        "budget": money(ln.budget),
                        "actual_to_date": money(ln.actual_to_date),
                        "forecast_outturn": money(ln.forecast),
                        "variance": money(ln.variance),
                        "forecast_made": ln.forecast_made,
                        "risk_share": ln.risk_share,
                        "formula": ln.formula,
                        "shares": [{"partner": p, "share": x} for p, x in ln.shares],
                    }
                    for ln in s.lines
                ],
            }
            for s in v.schemes
        ],
        "risk_reserve": money(v.risk_reserve),
        "uncommitted": money(v.uncommitted),
        "gross_overspend": money(v.gross_overspend),
        "gross_underspend": money(v.gross_underspend),
        "net_variance": money(v.net_variance),
        "steps": [
            {
                "number": s.number,
                "source": s.source,
                "label": s.label,
                "available": money(s.available),
                "used": money(s.used),
                "remaining": money(s.remaining),
                "sentence": s.sentence,
                "by": s.by,
                "bearers": [_bearer(b) for b in s.bearers],
            }
            for s in v.steps
        ],
        "borne_by": [_bearer(b) for b in v.borne_by],
        "summary": v.summary,
        "needs_action_plan": v.needs_action_plan,
        "action_plan": _action_plan(v.action_plan) if v.action_plan else None,
        "underspend_left": money(v.underspend_left),
        "underspend_available": money(v.underspend_available),
        "underspend_uses": [
            _use(u)
            for u in UnderspendUse.objects.filter(agreement=a, year=year).select_related("line")
        ],
        "returns": [
            {
                "quarter": r.quarter,
                "label": r.label,
                "status": r.status,
                "missing": r.missing,
                "sign_off": r.signed_off.reference if r.signed_off else None,
            }
            for r in v.returns
        ],
    }


def _decimal(value: Decimal | str | None) -> str | None:
    if value is None or value == "":
        return None
    return format(Decimal(str(value)), "f")


@router.get(
    "/systems/{slug}/pools/{ref}/{start}/returns/{quarter}",
    response=PoolReturn,
    summary="A pooled fund's quarterly return, with its completeness checklist",
    description="The Better Care Fund metrics' plan and actual for the quarter, the national "
    "conditions confirmed, the narrative, and every entry still missing (each with the page "
    "where it is entered). A return is signed off by the Health and Wellbeing Board only once "
    "nothing is missing; its figures are then frozen.",
)
def quarterly_return(
    request: HttpRequest, slug: str, ref: str, start: int = START, quarter: int = QUARTER
) -> dict[str, Any]:
    a = _agreement(slug, ref)
    year = _financial_year(a, start)
    r = presenters.quarterly_return(a, year, quarter)
    return {
        "system": a.system.slug,
        "pool": a.reference,
        "year": _year(year),
        "quarter": quarter,
        "label": r.label,
        "month": r.month,
        "saved": r.saved,
        "complete": r.complete,
        "checklist": [{"text": m.text, "anchor": m.anchor, "url": m.url} for m in r.checklist],
        "metrics": [
            {
                "code": m.code,
                "name": m.name,
                "unit": m.unit,
                "polarity": m.polarity,
                "plan": _decimal(m.plan),
                "actual": _decimal(m.actual),
            }
            for m in r.metrics
        ],
        "conditions": [
            {"code": c.code, "text": c.text, "met": c.met, "comment": c.comment}
            for c in r.conditions
        ],
        "narrative": r.narrative,
        "sign_off": r.signed_off.reference if r.signed_off else None,
        "figures": dict(r.ret.figures or {}) if r.signed_off else {},
    }


# Writing ---------------------------------------------------------------------------------------


@router.post(
    "/systems/{slug}/pools/{ref}/{start}/action-plans",
    response={201: PoolActionPlan},
    summary="Record an action plan for a projected variance: owner, due date and actions",
    description="Needs the manage_pools permission in the pool's host partner (403 without). "
    "The variance recorded with it is the pool's net projected variance as at the month.",
)
def record_action_plan(
    request: HttpRequest, slug: str, ref: str, body: ActionPlanIn, start: int = START
) -> Status:
    a = _agreement(slug, ref)
    year = _financial_year(a, start)
    made = actions.record_action_plan(
        Actor.from_user(request.user),
        a,
        year,
        month=body.month,
        owner=body.owner,
        due=body.due,
        actions=body.actions,
    )
    return Status(201, _action_plan(made))


@router.post(
    "/systems/{slug}/pools/{ref}/{start}/underspend-uses",
    response={201: PoolUnderspendUse},
    summary="Put projected underspend to a non-recurrent spend line",
    description="Needs the manage_pools permission in the pool's host partner (403 without). A "
    "projected underspend is one-off money: a recurrent line is refused (422, the reason at "
    "`line`), as is more than is left once the pool's overspends are met (at `amount`). "
    "`amount` is in pounds.",
)
def use_underspend(
    request: HttpRequest, slug: str, ref: str, body: UnderspendUseIn, start: int = START
) -> Status:
    a = _agreement(slug, ref)
    year = _financial_year(a, start)
    actor = Actor.from_user(request.user)
    plan = presenters.position.plan_in_force(a, year)
    line = (
        SpendLine.objects.select_related("scheme").filter(scheme__plan=plan, reference=body.line)
        if plan is not None
        else SpendLine.objects.none()
    ).first()
    if line is None:
        # Who may not keep the pool learns nothing of its lines.
        if not actor.holds(Permission.MANAGE_POOLS, a.host):
            raise NotPermitted(
                f"You may not {Permission.MANAGE_POOLS.label} for {a.host.name} (the pooled "
                f"fund {a.name})"
            )
        raise Refused.at("line", f"the plan in force has no spend line '{body.line}'")
    made = actions.use_underspend(
        actor, a, year, month=body.month, line=line, amount=body.amount, reason=body.reason
    )
    return Status(201, _use(UnderspendUse.objects.select_related("line").get(pk=made.pk)))
