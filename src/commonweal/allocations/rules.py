"""The allocation's arithmetic, without Django: capitated place budgets and the summary of
growth, investment and disinvestment by programme.

Capitation shares a total (integer pence) among places in proportion to their population,
raw or multiplied by a named weighting's factor for each place. Each place's exact share
(total × weighted population ÷ weighted population of all places) is a fraction; each place
gets its share rounded down to the penny, and the pennies left over go one each to the places
with the largest remainders (largest-remainder rounding, ties to the larger weighted population
and then the place's code), so the parts always add up to the total exactly. Sums are made in
`Fraction`, never in floats.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction


class CapitationError(ValueError):
    """Capitation that cannot be done: each problem as (field, message)."""

    def __init__(self, problems: Sequence[tuple[str, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{f}: {m}" if f else m for f, m in self.problems))


@dataclass(frozen=True)
class PlaceIn:
    code: str
    name: str
    population: int


@dataclass(frozen=True)
class PlaceShare:
    code: str
    name: str
    population: int
    weight: Decimal
    weighted: Fraction  # population × weight
    share: Fraction  # of the whole, 0 to 1
    amount: int  # pence

    @property
    def share_percent(self) -> Decimal:
        """The share as a percentage to two decimal places (for display only)."""
        return (Decimal(self.share.numerator) * 100 / Decimal(self.share.denominator)).quantize(
            Decimal("0.01")
        )


@dataclass(frozen=True)
class Capitation:
    total: int
    weighting: str  # "" for raw population
    places: tuple[PlaceShare, ...]
    explanation: str

    @property
    def population(self) -> int:
        return sum(p.population for p in self.places)


MINUS = "\u2212"  # a real minus sign, as the finance pages print negatives


def money_text(pence: int) -> str:
    """£1,234.56 (whole pounds without ".00"), a negative with a real minus sign: −£2,000,000."""
    sign = MINUS if pence < 0 else ""
    return f"{sign}£{abs(pence) // 100:,}" + (f".{abs(pence) % 100:02d}" if pence % 100 else "")


def thousands_text(pence: int) -> str:
    """£'000, rounded half away from zero from the exact pence, with a real minus sign."""
    whole = (abs(pence) + 50_000) // 100_000
    return f"{MINUS if pence < 0 and whole else ''}{whole:,}"


def capitate(
    total: int,
    places: Sequence[PlaceIn],
    weighting: str = "",
    weights: Mapping[str, Decimal] | None = None,
    basis: str = "registered population",
) -> Capitation:
    """Share `total` pence among the places by population (× each place's weight, when a
    weighting is named). Refuses, with every problem, a negative total, no places, a place
    named twice, a negative population, a weight that is missing, negative or for a place not
    being shared to, and populations (or weighted populations) that add up to nothing."""
    problems: list[tuple[str, str]] = []
    weights = dict(weights or {})
    weighted_by = weighting.strip()
    if total < 0:
        problems.append(("total", "must be £0 or more"))
    if not places:
        problems.append(("places", "There are no places to share the allocation between"))
    seen: set[str] = set()
    for p in places:
        if p.code in seen:
            problems.append(("places", f"{p.name} ({p.code}) is named twice"))
        seen.add(p.code)
        if p.population < 0:
            problems.append((f"population.{p.code}", f"{p.name}'s population cannot be negative"))
    if weights and not weighted_by:
        problems.append(("weighting", "Name the weighting the factors come from"))
    if weighted_by:
        for p in places:
            if p.code not in weights:
                problems.append(
                    (f"weights.{p.code}", f"The weighting gives no factor for {p.name} ({p.code})")
                )
        for code, factor in weights.items():
            if code not in seen:
                problems.append((f"weights.{code}", f"'{code}' is not one of the places"))
            elif not factor.is_finite() or factor < 0:
                problems.append(
                    (f"weights.{code}", f"The factor for {code} must be zero or more, not {factor}")
                )
    if problems:
        raise CapitationError(problems)
    if sum(p.population for p in places) == 0:
        raise CapitationError(
            [("population", f"The places have no {basis} between them to share by")]
        )
    factors = {p.code: (weights[p.code] if weighted_by else Decimal(1)) for p in places}
    weighted = {p.code: p.population * Fraction(factors[p.code]) for p in places}
    whole = sum(weighted.values(), Fraction(0))
    if whole == 0:
        raise CapitationError(
            [("weights", f"Weighted by {weighted_by}, the places' populations add up to nothing")]
        )
    exact = {code: total * w / whole for code, w in weighted.items()}
    floors = {code: q.numerator // q.denominator for code, q in exact.items()}
    left = total - sum(floors.values())
    # The pennies left over (fewer than the number of places) go to the largest remainders.
    order = sorted(
        places,
        key=lambda p: (-(exact[p.code] - floors[p.code]), -weighted[p.code], p.code),
    )
    extra = {p.code: 1 if i < left else 0 for i, p in enumerate(order)}
    shares = tuple(
        PlaceShare(
            code=p.code,
            name=p.name,
            population=p.population,
            weight=factors[p.code],
            weighted=weighted[p.code],
            share=weighted[p.code] / whole,
            amount=floors[p.code] + extra[p.code],
        )
        for p in places
    )
    n = len(places)
    how = (
        f"in proportion to their {basis} weighted by {weighted_by}"
        if weighted_by
        else f"in proportion to their raw {basis}"
    )
    explanation = (
        f"{money_text(total)} is shared among {n} place{'s' if n != 1 else ''} {how} "
        f"({sum(p.population for p in places):,} people in all); each place's share is rounded "
        "down to the penny and the pennies left over go to the largest remainders, so the "
        "place budgets add up to the total exactly."
    )
    return Capitation(total, weighted_by, shares, explanation)


# The allocation's summary ------------------------------------------------------------------


class LineKind(StrEnum):
    GROWTH = "growth"
    INVESTMENT = "investment"
    DISINVESTMENT = "disinvestment"


KIND_LABELS = {
    LineKind.GROWTH: "Growth",
    LineKind.INVESTMENT: "Investment",
    LineKind.DISINVESTMENT: "Disinvestment",
}


@dataclass(frozen=True)
class LineIn:
    programme: str
    kind: str
    amount: int  # pence, more than zero: a disinvestment's sign comes from its kind
    priority: str = ""
    place: str = ""


@dataclass(frozen=True)
class ProgrammeRow:
    programme: str
    growth: int
    investment: int
    disinvestment: int  # negative (or zero)

    @property
    def net(self) -> int:
        return self.growth + self.investment + self.disinvestment


@dataclass(frozen=True)
class Summary:
    programmes: tuple[ProgrammeRow, ...]
    growth: int
    investment: int
    disinvestment: int  # negative (or zero)

    @property
    def gross_new(self) -> int:
        """Growth and investment: the new money the allocation commits, with no disinvestment
        set against it (what the scheme of delegation's limits apply to)."""
        return self.growth + self.investment

    @property
    def net_change(self) -> int:
        return self.growth + self.investment + self.disinvestment


MAX_LINE_PENCE = 100_000_000_000_000  # a trillion pounds: far beyond any allocation


def check_lines(lines: Sequence[LineIn]) -> list[tuple[str, str]]:
    """Every problem with the lines, each at `lines[i].field`."""
    problems = []
    kinds = {k.value for k in LineKind}
    for i, line in enumerate(lines):
        if not line.programme.strip():
            problems.append((f"lines[{i}].programme", "Enter the programme"))
        if line.kind not in kinds:
            problems.append((f"lines[{i}].kind", "Choose growth, investment or disinvestment"))
        if line.amount <= 0:
            problems.append(
                (
                    f"lines[{i}].amount",
                    "must be more than £0 (a disinvestment is entered as the amount taken out)",
                )
            )
        elif line.amount > MAX_LINE_PENCE:
            problems.append((f"lines[{i}].amount", "is more than a trillion pounds"))
    return problems


def summarise(lines: Sequence[LineIn]) -> Summary:
    """Growth, investment and disinvestment (negative) by programme, in the order programmes
    first appear, with the totals."""
    rows: dict[str, list[int]] = {}
    for line in lines:
        row = rows.setdefault(line.programme.strip(), [0, 0, 0])
        if line.kind == LineKind.GROWTH:
            row[0] += line.amount
        elif line.kind == LineKind.INVESTMENT:
            row[1] += line.amount
        elif line.kind == LineKind.DISINVESTMENT:
            row[2] -= line.amount
    programmes = tuple(ProgrammeRow(name, g, i, d) for name, (g, i, d) in rows.items())
    return Summary(
        programmes,
        growth=sum(r.growth for r in programmes),
        investment=sum(r.investment for r in programmes),
        disinvestment=sum(r.disinvestment for r in programmes),
    )
