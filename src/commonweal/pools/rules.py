"""A pooled fund's rules, as plain data in and explained results out (no Django).

Money is integer pence; variance = forecast outturn − budget (an overspend is positive), as the
ledger counts it. Shares are exact fractions; a split into pence is by largest remainder, so
the parts always add up to the whole.

- `shares`: each line's risk share among the partners: in proportion to their contributions,
  fixed percentages the agreement names, or variable by a measure the agreement names (such as
  each partner's placements), evaluated from the figures supplied.
- `resolve`: how a projected overspend is met, in the agreement's order (by default underspends
  elsewhere in the pool, then the risk reserve, then uncommitted allocations, then the partners'
  own funds by each overspent line's risk share), with who bears what at each step.
- `underspend_use`: a projected underspend may fund only non-recurrent items.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from commonweal.core.formatting import pounds


class RiskShare(StrEnum):
    PROPORTIONAL = "proportional"  # in proportion to the partners' contributions
    FIXED = "fixed"  # percentages the agreement names for the line
    VARIABLE = "variable"  # by a formula the agreement names, from a measure per partner


class Source(StrEnum):
    UNDERSPENDS = "underspends"
    RISK_RESERVE = "risk_reserve"
    UNCOMMITTED = "uncommitted"
    PARTNERS = "partners"


SOURCE_LABELS = {
    Source.UNDERSPENDS: "Underspends elsewhere in the pool",
    Source.RISK_RESERVE: "The risk reserve",
    Source.UNCOMMITTED: "Uncommitted scheme allocations",
    Source.PARTNERS: "Partners' own funds, by each line's risk share",
}

DEFAULT_ORDER: tuple[Source, ...] = (
    Source.UNDERSPENDS,
    Source.RISK_RESERVE,
    Source.UNCOMMITTED,
    Source.PARTNERS,
)


class PoolRuleError(ValueError):
    """Figures the rules cannot work with; the message says what to fix."""


@dataclass(frozen=True)
class Line:
    """A spend line of the pool: its budget, its forecast outturn and how its risk is shared."""

    reference: str
    name: str
    budget: int
    forecast: int  # forecast outturn, pence
    recurrent: bool = True
    risk_share: RiskShare = RiskShare.PROPORTIONAL
    # FIXED: {partner: percent}; VARIABLE: {partner: the measure the formula names}
    figures: Mapping[str, Decimal] = field(default_factory=dict)
    formula: str = ""

    @property
    def variance(self) -> int:
        return self.forecast - self.budget


def check_order(order: Sequence[str]) -> tuple[Source, ...]:
    """An agreement's order for meeting an overspend: each source once, partners last (what
    is left after the pool's own resources always falls to the partners)."""
    known = {s.value for s in Source}
    unknown = [s for s in order if s not in known]
    if unknown:
        raise PoolRuleError(
            f"unknown source(s) {', '.join(map(repr, unknown))}: use {', '.join(sorted(known))}"
        )
    if len(set(order)) != len(order):
        raise PoolRuleError("each source appears once in the order")
    if not order or order[-1] != Source.PARTNERS:
        raise PoolRuleError("the partners' own funds come last: they meet whatever is left")
    return tuple(Source(s) for s in order)


def contribution_shares(contributions: Mapping[str, int]) -> dict[str, Fraction]:
    total = sum(contributions.values())
    if total <= 0 or any(v < 0 for v in contributions.values()):
        raise PoolRuleError("contributions must be positive to share risk in proportion to them")
    return {p: Fraction(v, total) for p, v in contributions.items()}


def shares(line: Line, contributions: Mapping[str, int]) -> dict[str, Fraction]:
    """Each partner's share of a line's risk, adding up to one."""
    partners = set(contributions)
    if line.risk_share == RiskShare.PROPORTIONAL:
        return contribution_shares(contributions)
    stray = set(line.figures) - partners
    if stray:
        raise PoolRuleError(
            f"line {line.reference}: {', '.join(sorted(stray))} does not contribute to the pool"
        )
    values = {p: Fraction(line.figures.get(p, Decimal(0))) for p in sorted(partners)}
    if any(v < 0 for v in values.values()):
        raise PoolRuleError(f"line {line.reference}: a share cannot be negative")
    if line.risk_share == RiskShare.FIXED:
        if sum(values.values()) != 100:
            got = sum(values.values())
            raise PoolRuleError(
                f"line {line.reference}: fixed shares add up to {float(got):g}%, not 100%"
            )
        return {p: v / 100 for p, v in values.items()}
    if not line.formula.strip():
        raise PoolRuleError(f"line {line.reference}: a variable share names its formula")
    total = sum(values.values())
    if total <= 0:
        raise PoolRuleError(
            f"line {line.reference}: the measure for '{line.formula}' is zero for every partner"
        )
    return {p: v / total for p, v in values.items()}


def split(amount: int, weights: Mapping[str, Fraction]) -> dict[str, int]:
    """Pence split by weights, the remainder going to the largest fractional parts (ties to
    the first in order), so the parts add up to the amount exactly."""
    keys = list(weights)
    if not keys:
        return {}
    total = sum(weights.values())
    if total <= 0:
        raise PoolRuleError("nothing to split by")
    exact = {k: Fraction(amount) * weights[k] / total for k in keys}
    floors = {k: int(exact[k] // 1) for k in keys}
    left = amount - sum(floors.values())
    order = sorted(keys, key=lambda k: (-(exact[k] - floors[k]), keys.index(k)))
    for k in order[:left]:
        floors[k] += 1
    return floors


@dataclass(frozen=True)
class Step:
    source: Source
    available: int  # what the source had
    used: int  # what it met
    remaining: int  # overspend left after it
    # Who bears it: by line for the pool's own resources ({line: pence}); by partner for the
    # partners' step ({partner: pence}), with each line's part in `by_line`.
    by_line: Mapping[str, int]
    by_partner: Mapping[str, int]
    sentence: str

    @property
    def label(self) -> str:
        return SOURCE_LABELS[self.source]


@dataclass(frozen=True)
class Resolution:
    gross_overspend: int
    gross_underspend: int
    net_variance: int  # overspends less underspends: positive overall overspend
    steps: tuple[Step, ...]
    borne_by: Mapping[str, int]  # what each partner bears from its own funds
    # The underspend left once overspends are met: only non-recurrent items may use it.
    underspend_left: int
    summary: str


def resolve(
    lines: Sequence[Line],
    contributions: Mapping[str, int],
    *,
    risk_reserve: int = 0,
    uncommitted: int = 0,
    order: Sequence[str] = DEFAULT_ORDER,
    names: Mapping[str, str] | None = None,
) -> Resolution:
    """Meet the pool's projected overspend from its sources in order, saying at each step what
    was used and who bears it (partners named by `names`, else by their keys)."""

    def name(partner: str) -> str:
        return (names or {}).get(partner, partner)

    sources = check_order(order)
    if risk_reserve < 0 or uncommitted < 0:
        raise PoolRuleError("the risk reserve and uncommitted allocations cannot be negative")
    over = {ln.reference: ln.variance for ln in lines if ln.variance > 0}
    gross_over = sum(over.values())
    gross_under = -sum(ln.variance for ln in lines if ln.variance < 0)
    available = {
        Source.UNDERSPENDS: gross_under,
        Source.RISK_RESERVE: risk_reserve,
        Source.UNCOMMITTED: uncommitted,
    }
    # What is still unmet on each overspent line: each source is spread over the lines in
    # proportion to what is still unmet on them.
    unmet = dict(over)
    steps = []
    borne: dict[str, int] = {p: 0 for p in contributions}
    for source in sources:
        remaining = sum(unmet.values())
        if source == Source.PARTNERS:
            by_partner: dict[str, int] = {p: 0 for p in contributions}
            by_line: dict[str, int] = {}
            for ln in lines:
                left = unmet.get(ln.reference, 0)
                if left <= 0:
                    continue
                parts = split(left, shares(ln, contributions))
                by_line[ln.reference] = left
                for p, v in parts.items():
                    by_partner[p] += v
            for p, v in by_partner.items():
                borne[p] += v
            who = "; ".join(f"{name(p)} {pounds(v)}" for p, v in by_partner.items() if v)
            sentence = (
                f"{pounds(remaining)} is left for the partners' own funds, by each line's risk "
                f"share: {who}."
                if remaining
                else "Nothing is left for the partners to meet."
            )
            steps.append(Step(source, remaining, remaining, 0, by_line, by_partner, sentence))
            unmet = {k: 0 for k in unmet}
            continue
        have = available[source]
        used = min(have, remaining)
        taken = split(used, {k: Fraction(v) for k, v in unmet.items() if v > 0}) if used else {}
        for k, v in taken.items():
            unmet[k] -= v
        label = SOURCE_LABELS[source]
        if not remaining:
            sentence = f"{label}: not needed."
        elif used == remaining:
            sentence = f"{label} ({pounds(have)}) meets the remaining {pounds(used)}."
        else:
            sentence = (
                f"{label} ({pounds(have)}) meets {pounds(used)}, leaving "
                f"{pounds(remaining - used)}."
            )
        steps.append(Step(source, have, used, remaining - used, taken, {}, sentence))
    under_used = next((s.used for s in steps if s.source == Source.UNDERSPENDS), 0)
    net = gross_over - gross_under
    if not gross_over:
        summary = (
            f"No line is forecast to overspend; {pounds(gross_under)} is forecast to be "
            "underspent, which may fund only non-recurrent items."
            if gross_under
            else "Every line is forecast on budget."
        )
    else:
        met = "; ".join(
            f"{SOURCE_LABELS[s.source].lower()} {pounds(s.used)}"
            for s in steps
            if s.used and s.source != Source.PARTNERS
        )
        own = ", ".join(f"{name(p)} {pounds(v)}" for p, v in borne.items() if v)
        if not met:
            summary = (
                f"A gross overspend of {pounds(gross_over)} falls wholly on the partners' own "
                f"funds, the pool having nothing to meet it: {own}."
            )
        else:
            summary = f"A gross overspend of {pounds(gross_over)} is met from {met}" + (
                f"; the partners' own funds meet the rest: {own}." if own else "."
            )
    return Resolution(
        gross_overspend=gross_over,
        gross_underspend=gross_under,
        net_variance=net,
        steps=tuple(steps),
        borne_by=borne,
        underspend_left=gross_under - under_used,
        summary=summary,
    )


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    reason: str


def underspend_use(line: Line, amount: int, underspend_left: int) -> Verdict:
    """May the projected underspend fund this line? Only a non-recurrent item, and only what
    is left once the pool's overspends are met: a recurrent commitment funded from a one-off
    underspend would leave the pool a cost next year with nothing to pay for it."""
    if amount <= 0:
        return Verdict(False, "Give an amount of more than £0")
    if line.recurrent:
        return Verdict(
            False,
            f"Line {line.reference} ({line.name}) is recurrent: a projected underspend is "
            "one-off money and may fund only non-recurrent items",
        )
    if amount > underspend_left:
        return Verdict(
            False,
            f"Only {pounds(underspend_left)} of projected underspend is left once overspends "
            f"are met and earlier uses are taken; {pounds(amount)} asks for more",
        )
    return Verdict(
        True, f"{pounds(amount)} of projected underspend funds non-recurrent line {line.reference}"
    )


def needs_action_plan(net_variance: int, pool_total: int, threshold_percent: Decimal) -> bool:
    """A projected variance (either way) beyond the agreement's threshold, as a percentage of
    the pool, asks for an action plan. Compared exactly."""
    if pool_total <= 0:
        return net_variance != 0
    return abs(Fraction(net_variance) * 100 / pool_total) > Fraction(threshold_percent)
