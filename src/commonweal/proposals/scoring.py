"""Scoring frameworks (seed 003's matrix): criteria scored on a scale with descriptors, a total
and the minimum that makes a proposal eligible. Pure: plain data in, problems or an explained
answer out (no Django).

The total is derived from the scores, never typed: the sum of each criterion's score times its
weight (1 unless the framework says otherwise). A proposal is eligible when every criterion has
a score and the total reaches the minimum.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median

from .rules import Location


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    descriptors: tuple[tuple[int, str], ...] = ()  # (score, words); some scores have none
    weight: Decimal = Decimal(1)

    def descriptor(self, score: int) -> str:
        return next((text for s, text in self.descriptors if s == score), "")


@dataclass(frozen=True)
class Framework:
    criteria: tuple[Criterion, ...]
    minimum: Decimal
    lowest: int = 1
    highest: int = 5
    wording: str = ""

    @property
    def scores(self) -> range:
        return range(self.lowest, self.highest + 1)

    @property
    def most(self) -> Decimal:
        return sum((c.weight * self.highest for c in self.criteria), Decimal(0))

    @property
    def least(self) -> Decimal:
        return sum((c.weight * self.lowest for c in self.criteria), Decimal(0))

    def criterion(self, code: str) -> Criterion | None:
        return next((c for c in self.criteria if c.code == code), None)


def check_framework(
    fw: Framework, places: Mapping[str, Sequence[int]] | None = None
) -> list[tuple[Location, str]]:
    """Every problem with the framework. `places` gives, per criterion code, the index in its
    list of descriptors of each descriptor (the document's order), for the locations."""
    problems: list[tuple[Location, str]] = []
    seen: dict[str, int] = {}
    for i, c in enumerate(fw.criteria):
        if c.code in seen:
            problems.append(
                (
                    ("criteria", i, "code"),
                    f"criterion '{c.code}' is already criterion {seen[c.code] + 1}",
                )
            )
        seen.setdefault(c.code, i)
        if c.weight <= 0:
            problems.append((("criteria", i, "weight"), "a weight must be more than 0"))
        given: set[int] = set()
        for j, (score, _) in enumerate(c.descriptors):
            where: Location = ("criteria", i, "descriptors", j, "score")
            if score not in fw.scores:
                problems.append(
                    (where, f"score {score} is outside the scale {fw.lowest}–{fw.highest}")
                )
            elif score in given:
                problems.append((where, f"score {score} has a descriptor already for '{c.name}'"))
            given.add(score)
    if not fw.criteria:
        problems.append((("criteria",), "a framework needs at least one criterion"))
    elif fw.minimum > fw.most:
        problems.append(
            (
                ("scoring", "minimum"),
                f"the minimum {_number(fw.minimum)} cannot be reached: the most a proposal can "
                f"score is {_number(fw.most)} ({len(fw.criteria)} criteria × {fw.highest}"
                f"{', weighted' if any(c.weight != 1 for c in fw.criteria) else ''})",
            )
        )
    return problems


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def score_problems(fw: Framework, scores: Mapping[str, object]) -> list[tuple[str, str]]:
    """(criterion, message) for every score that is not a whole number on the scale or is for
    a criterion the framework does not have."""
    problems: list[tuple[str, str]] = []
    for code, value in scores.items():
        if fw.criterion(code) is None:
            known = ", ".join(c.code for c in fw.criteria)
            problems.append((code[:60], f"no criterion '{code[:60]}'; the criteria are {known}"))
        elif value is None:
            continue
        elif isinstance(value, bool) or not isinstance(value, int) or value not in fw.scores:
            problems.append((code, f"a score is a whole number from {fw.lowest} to {fw.highest}"))
    return problems


@dataclass(frozen=True)
class Total:
    total: Decimal
    scored: int
    criteria: int
    minimum: Decimal

    @property
    def complete(self) -> bool:
        return self.scored == self.criteria

    @property
    def eligible(self) -> bool:
        return self.complete and self.total >= self.minimum

    @property
    def explanation(self) -> str:
        if not self.complete:
            return (
                f"Not yet decided: {self.criteria - self.scored} of {self.criteria} criteria "
                f"have no score (total so far {_number(self.total)})."
            )
        verdict = "reaches" if self.eligible else "is below"
        return (
            f"The total {_number(self.total)} {verdict} the minimum of {_number(self.minimum)}: "
            f"{'eligible' if self.eligible else 'not eligible'} for consideration."
        )


def total(fw: Framework, scores: Mapping[str, int | None]) -> Total:
    """The weighted total of the scores given (a criterion without one adds nothing)."""
    got = [(c, scores.get(c.code)) for c in fw.criteria]
    return Total(
        total=sum((c.weight * s for c, s in got if s is not None), Decimal(0)),
        scored=sum(1 for _, s in got if s is not None),
        criteria=len(fw.criteria),
        minimum=fw.minimum,
    )


@dataclass(frozen=True)
class Spread:
    criterion: str
    scores: tuple[int, ...]
    lowest: int | None = None
    highest: int | None = None
    middle: float | None = None
    counts: dict[int, int] = field(default_factory=dict)

    @property
    def range(self) -> int | None:
        return None if self.lowest is None or self.highest is None else self.highest - self.lowest

    @property
    def disagreement(self) -> bool:
        """Assessors two or more points apart: the moderators should talk it through."""
        return (self.range or 0) >= 2


def spread(fw: Framework, assessments: Iterable[Mapping[str, int | None]]) -> list[Spread]:
    """Per criterion, the scores the assessors gave: lowest, highest, median and how many gave
    each score."""
    sheets = list(assessments)
    out = []
    for c in fw.criteria:
        given = tuple(s for sheet in sheets if (s := sheet.get(c.code)) is not None)
        if not given:
            out.append(Spread(c.code, ()))
            continue
        out.append(
            Spread(
                c.code,
                given,
                min(given),
                max(given),
                float(median(given)),
                {s: given.count(s) for s in fw.scores if s in given},
            )
        )
    return out
