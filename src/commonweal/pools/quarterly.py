"""A quarterly return's completeness checklist (as the Better Care Fund templates keep one:
every missing entry listed, each linking to where it is entered) and the figures frozen with it
when the Health and Wellbeing Board signs it off."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.urls import reverse

from commonweal.finance.models import month_label

from . import config, position
from .models import MetricPlan, QuarterlyReturn


@dataclass(frozen=True)
class Missing:
    text: str
    anchor: str  # the field it names
    url: str  # where it is entered


def _urls(ret: QuarterlyReturn) -> dict[str, str]:
    a = ret.agreement
    args = [a.system.slug, a.reference, ret.year.start]
    return {
        "return": reverse("pool-return", args=[*args, ret.quarter]),
        "plan": reverse("pool-plan", args=args),
        "year": reverse("pool-year", args=args),
        "ledger": reverse("finance-returns", args=[a.system.slug, ret.year.start]),
    }


def percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def actual(ret: QuarterlyReturn, code: str) -> Decimal | None:
    raw = (ret.actuals or {}).get(code)
    if raw in (None, ""):
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation:
        return None


def checklist(ret: QuarterlyReturn) -> list[Missing]:
    """Everything the return still lacks; empty when it is complete."""
    cfg = config.config()
    urls = _urls(ret)
    out: list[Missing] = []
    found = position.figures(ret.agreement, ret.year, ret.month)
    if found is None:
        return [Missing(f"No plan is loaded for {ret.year.label}", "plan", urls["plan"])]
    planned = set(
        MetricPlan.objects.filter(plan=found.plan, quarter=ret.quarter).values_list(
            "metric", flat=True
        )
    )
    for m in cfg.metrics:
        if m.code not in planned:
            out.append(
                Missing(
                    f"{m.name}: no plan for Q{ret.quarter} in the year's plan",
                    f"plan-{m.code}",
                    urls["plan"] + f"#plan-{m.code}",
                )
            )
        if actual(ret, m.code) is None:
            out.append(
                Missing(
                    f"{m.name}: the actual for Q{ret.quarter} is missing",
                    f"actual-{m.code}",
                    urls["return"] + f"#actual-{m.code}",
                )
            )
    month = month_label(ret.year.start, ret.month)
    for f in found.lines:
        if f.line.ledger_line_id is None:
            out.append(
                Missing(
                    f"Line {f.line.reference} ({f.line.name}) has no cost centre in the ledger",
                    f"line-{f.line.reference}",
                    urls["plan"] + f"#line-{f.line.reference}",
                )
            )
        elif not f.forecast_made:
            out.append(
                Missing(
                    f"Line {f.line.reference} ({f.line.name}) has no forecast as at {month}",
                    f"line-{f.line.reference}",
                    urls["ledger"],
                )
            )
    confirmations = ret.confirmations or {}
    for c in cfg.conditions:
        given = confirmations.get(c.code) or {}
        if given.get("met") is None:
            out.append(
                Missing(
                    f"National condition not confirmed: {c.text}",
                    f"condition-{c.code}",
                    urls["return"] + f"#condition-{c.code}",
                )
            )
        elif given.get("met") is False and not (given.get("comment") or "").strip():
            out.append(
                Missing(
                    f"National condition not met, with no comment: {c.text}",
                    f"comment-{c.code}",
                    urls["return"] + f"#comment-{c.code}",
                )
            )
    if found.needs_action_plan and found.action_plan is None:
        out.append(
            Missing(
                f"The projected variance is beyond {percent(found.agreement.action_plan_threshold)} of "
                f"the pool as at {month}: record an action plan",
                "action-plan",
                urls["year"] + f"?month={ret.month}#action-plan",
            )
        )
    return out


def frozen_figures(ret: QuarterlyReturn) -> dict[str, Any]:
    """What the return reported, kept with it once signed off (pence as integers)."""
    found = position.figures(ret.agreement, ret.year, ret.month)
    assert found is not None
    metrics = {
        (m.metric, m.quarter): str(m.value)
        for m in MetricPlan.objects.filter(plan=found.plan, quarter=ret.quarter)
    }
    r = found.resolution
    return {
        "plan": found.plan.pk,
        "plan_version": found.plan.version,
        "month": ret.month,
        "contributions": found.contributions,
        "lines": [
            {
                "scheme": f.scheme,
                "reference": f.line.reference,
                "name": f.line.name,
                "recurrent": f.line.recurrent,
                "budget": f.rule.budget,
                "actual_to_date": f.actual_to_date,
                "forecast": f.rule.forecast,
                "variance": f.rule.variance,
                "risk_share": f.line.risk_share,
                "shares": {k: str(v) for k, v in f.shares.items()},
            }
            for f in found.lines
        ],
        "risk_reserve": found.plan.risk_reserve,
        "uncommitted": found.plan.uncommitted,
        "resolution": {
            "gross_overspend": r.gross_overspend,
            "gross_underspend": r.gross_underspend,
            "steps": [
                {
                    "source": s.source.value,
                    "available": s.available,
                    "used": s.used,
                    "remaining": s.remaining,
                    "by_line": dict(s.by_line),
                    "by_partner": dict(s.by_partner),
                    "sentence": s.sentence,
                }
                for s in r.steps
            ],
            "borne_by": dict(r.borne_by),
            "summary": r.summary,
        },
        "metrics": [
            {
                "metric": m.code,
                "plan": metrics.get((m.code, ret.quarter)),
                "actual": None if actual(ret, m.code) is None else str(actual(ret, m.code)),
            }
            for m in config.config().metrics
        ],
    }
