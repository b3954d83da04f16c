"""The rules of budget monitoring and the system position: pure Python, plain data in,
explained results out (no Django).

Figures are integer pence in *net expenditure* terms: an expenditure line counts as it is, an
income line counts negative, so that a row of any mix adds up and a variance has one meaning
everywhere: actual − budget, positive is adverse (an overspend, or income short of plan), as
seed 002 prints it. Income above plan is a negative variance: favourable.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum


class Rag(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        return {"green": "Green", "amber": "Amber", "red": "Red"}[self.value]


@dataclass(frozen=True)
class Thresholds:
    """RAG thresholds as a percentage of budget: amber from `amber`%, red from `red`%. Only
    adverse variances are rated unless `favourable_too`."""

    amber: Decimal = Decimal(2)
    red: Decimal = Decimal(5)
    favourable_too: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.amber <= self.red):
            raise ValueError("amber must be from 0 up to red")


@dataclass(frozen=True)
class Figures:
    """One row's sums for a year as at a month (all pence, net expenditure terms)."""

    budget: int = 0  # the whole year's budget
    budget_to_date: int = 0
    actual_to_date: int = 0
    commitments: int = 0  # on order, not yet paid
    forecast_outturn: int = 0  # actual to date and the forecast for the months to come
    allocation_to_date: int = 0  # additional allocations received to date
    allocation_forecast: int = 0  # additional allocations expected for the whole year
    lines: int = 0
    unforecast_lines: int = 0  # lines with no forecast this month: taken at budget

    def __add__(self, other: "Figures") -> "Figures":
        return Figures(*(a + b for a, b in zip(_values(self), _values(other), strict=True)))

    @property
    def variance_to_date(self) -> int:
        return self.actual_to_date - self.budget_to_date

    @property
    def forecast_variance(self) -> int:
        return self.forecast_outturn - self.budget

    @property
    def revised_variance_to_date(self) -> int:
        return self.variance_to_date - self.allocation_to_date

    @property
    def revised_forecast_variance(self) -> int:
        return self.forecast_variance - self.allocation_forecast


def _values(f: Figures) -> tuple[int, ...]:
    return tuple(getattr(f, n) for n in Figures.__dataclass_fields__)


def total(rows: Iterable[Figures]) -> Figures:
    out = Figures()
    for row in rows:
        out = out + row
    return out


def percent(variance: int, budget: int) -> Decimal | None:
    """The variance as a percentage of the budget, to one decimal place; None without a budget."""
    if budget == 0:
        return None
    return (Decimal(variance) * 100 / abs(Decimal(budget))).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )


@dataclass(frozen=True)
class Rating:
    rag: Rag
    sentence: str


def rate(variance: int, budget: int, thresholds: Thresholds) -> Rating:
    """Red, amber or green for a variance against a budget; adverse variances are positive."""
    if budget == 0:
        if variance > 0:
            return Rating(Rag.RED, "Spending with no budget.")
        return Rating(Rag.GREEN, "No budget and no adverse variance.")
    adverse = variance > 0
    shown = (abs(Decimal(variance)) * 100 / abs(budget)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if not adverse and not thresholds.favourable_too:
        return Rating(Rag.GREEN, f"{shown}% favourable.")
    word = "adverse" if adverse else "favourable"
    # Compared exactly (the variance against the threshold's share of the budget), not by the
    # rounded percentage shown: 4.96% is amber under a red threshold of 5%.
    size = abs(Decimal(variance)) * 100
    if size >= thresholds.red * abs(budget):
        return Rating(Rag.RED, f"{shown}% {word}: red from {thresholds.red}%.")
    if size >= thresholds.amber * abs(budget):
        return Rating(Rag.AMBER, f"{shown}% {word}: amber from {thresholds.amber}%.")
    return Rating(Rag.GREEN, f"{shown}% {word}: under the {thresholds.amber}% amber threshold.")


def thousands(pence: int) -> int:
    """£'000 rounded half away from zero from a sum in pence (never summed from rounded rows)."""
    return int((Decimal(pence) / 100_000).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_figures(
    *,
    sign: int,
    budget_by_month: Sequence[int],
    actual_to_date: int,
    commitments: int,
    forecast_after: int | None,
    allocation_to_date: int,
    allocation_forecast_after: int,
    month: int,
) -> Figures:
    """One line's figures as at a month: the forecast outturn is the actual to date and the
    forecast made this month for the months after it; a line without one is forecast at its
    budget for those months."""
    budget = sum(budget_by_month)
    to_date = sum(budget_by_month[:month])
    rest = forecast_after if forecast_after is not None else budget - to_date
    return Figures(
        budget=sign * budget,
        budget_to_date=sign * to_date,
        actual_to_date=sign * actual_to_date,
        commitments=sign * commitments,
        forecast_outturn=sign * (actual_to_date + rest),
        allocation_to_date=allocation_to_date,
        allocation_forecast=allocation_to_date + allocation_forecast_after,
        lines=1,
        unforecast_lines=int(forecast_after is None),
    )


def available(budget: int, actual: int, commitments: int, undrawn_decisions: int) -> int:
    """What a budget line has left for a new decision: budget − actual − commitments − what
    valid decisions on the line have committed and not yet raised as orders."""
    return budget - actual - commitments - undrawn_decisions


def undrawn(decided: int, raised: int) -> int:
    """What a decision has committed and not yet raised as orders (never below nothing)."""
    return max(0, decided - raised)


# The system position -------------------------------------------------------------------------


class Breakeven(StrEnum):
    """Who must break even in a year (NHS organisations; councils keep their own duty)."""

    SYSTEM = "system"  # the NHS organisations together, within the system's envelope
    EACH_ORGANISATION = "each_organisation"  # every NHS organisation on its own


@dataclass(frozen=True)
class YearRule:
    from_year: int  # the first financial year it applies to: 2020 is 2020/21
    rule: Breakeven
    text: str
    source: str = ""


@dataclass(frozen=True)
class OrgPosition:
    code: str
    name: str
    nhs: bool  # within the NHS envelope (commissioners and trusts), or not (councils)
    position: int | None  # forecast surplus (+) or deficit (-) in pence; None: not reported
    planned: int = 0  # the agreed (planned) position


@dataclass(frozen=True)
class Judged:
    org: OrgPosition
    flagged: bool
    sentence: str


@dataclass(frozen=True)
class SystemPosition:
    rule: YearRule
    total: int  # the NHS organisations' positions together
    met: bool | None  # None: some NHS organisation has not reported
    sentence: str
    organisations: list[Judged] = field(default_factory=list)


def rule_for(rules: Sequence[YearRule], start: int) -> YearRule | None:
    """The rule in force for a financial year: the newest that applies from it or before."""
    applying = [r for r in rules if r.from_year <= start]
    return max(applying, key=lambda r: r.from_year) if applying else None


def _money(pence: int) -> str:
    """£2.4m; under £100,000 in pounds, so that a small deficit never reads as "£0.0m"."""
    sign = "−" if pence < 0 else ""
    if abs(pence) >= 10_000_000:
        return f"{sign}£{abs(pence) / 100_000_000:,.1f}m"
    return f"{sign}£{abs(pence) / 100:,.2f}".removesuffix(".00")


def system_position(rule: YearRule, orgs: Sequence[OrgPosition]) -> SystemPosition:
    """Judge a system's organisations against the year's rule. Breaking even is a position of
    zero or better."""
    nhs = [o for o in orgs if o.nhs]
    missing = [o for o in nhs if o.position is None]
    together = sum(o.position or 0 for o in nhs)
    judged: list[Judged] = []
    for o in orgs:
        if not o.nhs:
            judged.append(
                Judged(
                    o,
                    False,
                    "A council: outside the NHS envelope, with its own duty to balance its budget.",
                )
            )
        elif o.position is None:
            judged.append(Judged(o, False, "No forecast reported for the year."))
        elif rule.rule == Breakeven.EACH_ORGANISATION:
            short = o.position < 0
            judged.append(
                Judged(
                    o,
                    short,
                    f"Forecast {_money(o.position)}: "
                    + (
                        "does not break even on its own, as the year's rule requires."
                        if short
                        else "breaks even."
                    ),
                )
            )
        else:
            against = o.position - o.planned
            said = f"Forecast {_money(o.position)}, agreed {_money(o.planned)}"
            said += "." if against == 0 else f" ({_money(against)} against what was agreed)."
            judged.append(Judged(o, False, said))
    if missing:
        return SystemPosition(
            rule,
            together,
            None,
            f"Not known: {len(missing)} NHS organisation(s) have not reported a forecast.",
            judged,
        )
    if rule.rule == Breakeven.EACH_ORGANISATION:
        flagged = [j for j in judged if j.flagged]
        met = not flagged
        sentence = (
            "Every NHS organisation breaks even on its own."
            if met
            else f"{len(flagged)} NHS organisation(s) do not break even on their own, as the rule requires."
        )
    else:
        met = together >= 0
        sentence = f"The NHS organisations together forecast {_money(together)}: " + (
            "the system breaks even within its envelope."
            if met
            else "the system does not break even."
        )
    return SystemPosition(rule, together, met, sentence, judged)


def rules_by_year(raw: Iterable[Mapping[str, object]]) -> list[YearRule]:
    return [
        YearRule(
            from_year=int(str(r["from_year"])),
            rule=Breakeven(str(r["rule"])),
            text=str(r["text"]),
            source=str(r.get("source", "")),
        )
        for r in raw
    ]
