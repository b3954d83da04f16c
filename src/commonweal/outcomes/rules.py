"""The rules of indicators, without Django: plain data in, an explained result out.

- how a comparison with the benchmark reads under the indicator's polarity;
- the spine chart's spread (worst, 25th and 75th percentiles, best) among areas of one type;
- small-number suppression on public pages and downloads, and the further figures withheld so
  that a suppressed count cannot be worked out from a total and the figures beside it;
- which methods can be summed from member practices' counts.
"""

from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from math import floor, isfinite

METHODS = ("proportion", "crude_rate", "dsr", "ratio", "mean")
POLARITIES = ("high_is_good", "low_is_good", "neither")
SIGNIFICANCE_LEVELS = ("95", "99.8")
# Methods whose value for a wider area is Σ count / Σ denominator of its member practices: a
# DSR needs age-specific counts, a ratio its expected counts and a mean the values themselves.
SUMMABLE = ("proportion", "crude_rate")
COMPARISONS = ("Higher", "Similar", "Lower", "Not compared")
DEFAULT_SMALL_NUMBER = 5
SUPPRESSED_NOTE = "Value suppressed for disclosure control: the count is below {threshold}"
COMPLEMENT_NOTE = (
    "Value withheld for disclosure control: with it, a suppressed count could be worked out "
    "from a total"
)


class OutcomeRuleError(ValueError):
    """Data the rules cannot work with, with the reason."""


def reading(comparison: str, polarity: str) -> str:
    """How a comparison reads: Higher/Lower become Better/Worse where the indicator has a
    polarity; Similar and Not compared read the same either way.

    >>> reading("Higher", "low_is_good"), reading("Lower", "neither")
    ('Worse', 'Lower')
    """
    if comparison not in COMPARISONS:
        return "Not compared"
    if polarity == "high_is_good":
        return {"Higher": "Better", "Lower": "Worse"}.get(comparison, comparison)
    if polarity == "low_is_good":
        return {"Higher": "Worse", "Lower": "Better"}.get(comparison, comparison)
    return comparison


def comparison_at(level: str, compared95: str, compared998: str) -> str:
    """The stored comparison at the indicator's significance level ("95" or "99.8")."""
    return compared998 if level == "99.8" else compared95


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """The p-th percentile (0–100) by linear interpolation between closest ranks, as Excel's
    PERCENTILE.INC and Fingertips' spine charts use."""
    if not sorted_values:
        raise OutcomeRuleError("no values to take a percentile of")
    rank = (len(sorted_values) - 1) * p / 100
    low = floor(rank)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


@dataclass(frozen=True)
class Spread:
    """The spread of one indicator among the areas of one type: worst to best, and the 25th
    and 75th percentiles oriented the same way (for "low is good", worst is the highest)."""

    areas: int
    worst: float
    q25: float
    q75: float
    best: float
    lowest: float
    highest: float


def spread(values: Sequence[float | None], polarity: str) -> Spread:
    """Fingertips' spine spread: where neither polarity applies, "worst" and "best" are the
    lowest and highest values."""
    present = sorted(v for v in values if v is not None and isfinite(v))
    if not present:
        raise OutcomeRuleError("no area of this type has a value")
    lo, hi = present[0], present[-1]
    p25, p75 = percentile(present, 25), percentile(present, 75)
    if polarity == "low_is_good":
        return Spread(len(present), hi, p75, p25, lo, lo, hi)
    return Spread(len(present), lo, p25, p75, hi, lo, hi)


def suppressed(count: float | None, threshold: int = DEFAULT_SMALL_NUMBER) -> bool:
    """Whether a figure is withheld on public pages: its count is known and below the
    threshold (a zero count is small too)."""
    return count is not None and count < threshold


def suppression_note(threshold: int) -> str:
    return SUPPRESSED_NOTE.format(threshold=threshold)


def effective_count(
    count: float | None,
    value: float | None,
    denominator: float | None,
    method: str,
    multiplier: float,
) -> float | None:
    """The count a figure gives away: its own, or, where a file left it out, the one its value
    and denominator imply for a proportion or crude rate (value = count / denominator ×
    multiplier). Other methods' counts cannot be worked back from what is shown.

    >>> effective_count(None, 2.0, 150.0, "proportion", 100)
    3.0
    """
    if count is not None:
        return count
    if method not in SUMMABLE or value is None or denominator is None or not multiplier:
        return None
    implied = value * denominator / multiplier
    return round(implied, 6) if isfinite(implied) else None


def withhold[K: Hashable](
    counts: Mapping[K, float | None], totals: Iterable[Sequence[K]], threshold: int
) -> set[K]:
    """The figures to withhold, beyond those suppressed for a small count, so that no
    suppressed count can be worked out by subtraction (complementary suppression).

    Each of `totals` is a total followed by its parts (a PCN and its practices; persons, males
    and females): the total is the sum of the parts, so if exactly one of them is withheld,
    it is the total less the others. In every such group where exactly one is withheld, the
    next smallest count is withheld too, until no group has exactly one. A group with a count
    nobody knows (None) cannot be subtracted and is passed over.

    >>> sorted(withhold({"pcn": 40, "a": 3, "b": 12, "c": 25}, [("pcn", "a", "b", "c")], 5))
    ['b']
    """
    withheld = {k for k, c in counts.items() if suppressed(c, threshold)}
    groups = [
        tuple(dict.fromkeys(g))
        for g in totals
        if len(g) > 1 and all(k in counts and counts[k] is not None for k in g)
    ]
    containing: dict[K, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        for k in g:
            containing[k].append(i)
    queue = deque(range(len(groups)))
    while queue:
        group = groups[queue.popleft()]
        shown = [k for k in group if k not in withheld]
        if len(group) - len(shown) != 1 or not shown:
            continue
        pick = min(shown, key=lambda k: (counts[k], str(k)))
        withheld.add(pick)
        queue.extend(containing[pick])
    return withheld - {k for k, c in counts.items() if suppressed(c, threshold)}


def summable(method: str) -> bool:
    return method in SUMMABLE


# Fingertips' area type names, by how they start, and ours.
AREA_TYPES = (
    ("gp", "GP practice"),
    ("pcn", "PCN"),
    ("sub-icb", "CCG"),
    ("ccg", "CCG"),
    ("icb", "STP"),
    ("stp", "STP"),
    ("nhs region", "Region"),
    ("region", "Region"),
    ("england", "England"),
)


def area_type(label: str) -> str:
    """Our area type for a Fingertips area type name ("GPs" → "GP practice"); another name
    (a county, a district) is kept as it is.

    >>> area_type("PCNs (v. 12/10/22)"), area_type("Counties & UAs (from Apr 2021)")
    ('PCN', 'Counties & UAs (from Apr 2021)')
    """
    lower = label.strip().lower()
    for start, ours in AREA_TYPES:
        if lower.startswith(start):
            return ours
    return label.strip()


def period_sortable(period: str) -> str:
    """A sortable key for a period as Fingertips writes it ("2020/21" → "20200000",
    "2019" → "20190000", "2017 Q3" → "20170300", "Mar 2017" → "20170300"): its first year,
    then month or quarter where given."""
    text = period.strip()
    year = next((text[i : i + 4] for i in range(len(text) - 3) if text[i : i + 4].isdigit()), "")
    if not year:
        return ""
    months = {
        m: i
        for i, m in enumerate(
            ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
            start=1,
        )
    }
    lower = text.lower()
    month = 0
    for name, number in months.items():
        if name in lower:
            month = number
            break
    if " q" in lower and lower[lower.index(" q") + 2 : lower.index(" q") + 3].isdigit():
        month = int(lower[lower.index(" q") + 2])
    return f"{year}{month:02d}00"
