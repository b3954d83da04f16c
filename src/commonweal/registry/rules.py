"""Structure checks for a health and care system: pure rules, no Django.

Plain facts in (areas, practices, guidance), findings out. Each finding names its rule, its
severity and the thing it is about, and explains itself in a sentence a board secretary could
read aloud. The database layer (`structure.py`) assembles the facts for a system on a date.

Severities:
- error: the structure contradicts itself (a practice in two PCNs, overlapping areas, a cycle);
- warning: the structure departs from guidance or leaves something out;
- information: worth knowing, not wrong (a place that is not coterminous with a council).
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Level(StrEnum):
    REGION = "region"
    SYSTEM = "system"
    LOCAL_AUTHORITY = "local_authority"
    PLACE = "place"
    NEIGHBOURHOOD = "neighbourhood"
    LOCAL_COMMUNITY = "local_community"

    @property
    def rank(self) -> int:
        return list(Level).index(self)

    @property
    def label(self) -> str:
        return {
            "local_authority": "local authority",
            "neighbourhood": "neighbourhood (primary care network)",
            "local_community": "local community",
        }.get(self.value, self.value)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"


@dataclass(frozen=True)
class PopulationRange:
    minimum: int | None
    maximum: int | None
    source: str = ""

    def describe(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum:,} to {self.maximum:,}"
        if self.minimum is not None:
            return f"at least {self.minimum:,}"
        return f"at most {self.maximum:,}"


# The seeds' guidance on population by level. Seed 002 ("Designing integrated care systems")
# gives neighbourhoods 30,000-50,000, places 250,000-500,000 and systems 1-3 million; seed 004
# (South East London) gives places 150,000-500,000. A system document may override any of these.
DEFAULT_GUIDANCE: Mapping[Level, PopulationRange] = {
    Level.SYSTEM: PopulationRange(
        1_000_000, 3_000_000, "seed 002: systems of circa 1 to 3 million"
    ),
    Level.PLACE: PopulationRange(250_000, 500_000, "seed 002: places of circa 250,000 to 500,000"),
    Level.NEIGHBOURHOOD: PopulationRange(
        30_000, 50_000, "seed 002: neighbourhoods of circa 30,000 to 50,000"
    ),
}


@dataclass(frozen=True)
class AreaFact:
    code: str
    name: str
    level: Level
    parent: str | None = None
    population: int | None = None
    # Practices that are members of this area directly (for a PCN, its member practices).
    practices: frozenset[str] = frozenset()
    # The NHS commissioner responsible for the area, by organisation code.
    commissioner: str | None = None


@dataclass(frozen=True)
class PracticeFact:
    code: str
    name: str
    commissioner: str | None = None


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    subject: str
    explanation: str
    related: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "subject": self.subject,
            "explanation": self.explanation,
            "related": list(self.related),
        }


@dataclass
class Structure:
    """A system's structure on one date, indexed for the checks."""

    areas: Mapping[str, AreaFact]
    practices: Mapping[str, PracticeFact]
    children: dict[str, list[str]] = field(default_factory=dict)
    # Names of other organisations (commissioners), by code, for explanations.
    organisations: Mapping[str, str] = field(default_factory=dict)
    _footprints: dict[str, frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(
        cls,
        areas: Iterable[AreaFact],
        practices: Iterable[PracticeFact],
        organisations: Mapping[str, str] | None = None,
    ) -> "Structure":
        by_code = {a.code: a for a in areas}
        children: dict[str, list[str]] = defaultdict(list)
        for a in by_code.values():
            if a.parent is not None:
                children[a.parent].append(a.code)
        return cls(by_code, {p.code: p for p in practices}, dict(children), organisations or {})

    def name(self, code: str) -> str:
        if code in self.areas:
            return f"{self.areas[code].name} ({code})"
        if code in self.practices:
            return f"{self.practices[code].name} ({code})"
        if code in self.organisations:
            return f"{self.organisations[code]} ({code})"
        return code

    def ancestors(self, code: str) -> list[str]:
        """Parents upwards, stopping before any repeat (cycles are reported separately)."""
        seen = {code}
        out = []
        parent = self.areas[code].parent
        while parent is not None and parent in self.areas and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.areas[parent].parent
        return out

    def footprint(self, code: str) -> frozenset[str]:
        """Every practice in an area: its own members and its descendants' members.

        Kept once worked out: several rules ask for the same areas' footprints.
        """
        known = self._footprints.get(code)
        if known is not None:
            return known
        out: set[str] = set()
        stack, seen = [code], set()
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            out |= self.areas[current].practices
            stack.extend(self.children.get(current, ()))
        self._footprints[code] = frozenset(out)
        return self._footprints[code]


# Explanations name at most this many areas, then say how many more: a finding stays a
# sentence whether two areas are involved or two thousand.
NAMED = 10


def _names(s: Structure, codes: list[str]) -> str:
    shown = [s.name(c) for c in codes[:NAMED]]
    rest = len(codes) - len(shown)
    if rest:
        return ", ".join(shown) + f" and {rest:,} more"
    return ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else "".join(shown)


def check_structure(
    areas: Iterable[AreaFact],
    practices: Iterable[PracticeFact],
    guidance: Mapping[Level, PopulationRange] = DEFAULT_GUIDANCE,
    organisations: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every finding about a system's structure, errors first, then by rule and subject.

    `organisations` names commissioners by code, so explanations can say who they are.
    """
    s = Structure.of(areas, practices, organisations)
    findings = [
        *_parent_problems(s),
        *_population(s, guidance),
        *_practice_pcn_membership(s),
        *_overlaps_and_gaps(s),
        *_pcns_without_place(s),
        *_coterminosity(s),
        *_commissioner_mismatch(s),
    ]
    order = list(Severity)
    return sorted(findings, key=lambda f: (order.index(f.severity), f.rule, f.subject, f.related))


def _cycles(s: Structure) -> set[str]:
    """Codes of every area whose chain of parents loops back on itself."""
    in_cycle: set[str] = set()
    done: set[str] = set()
    for start in s.areas:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        while current is not None and current in s.areas and current not in done:
            if current in on_path:
                in_cycle.update(path[path.index(current) :])
                break
            path.append(current)
            on_path.add(current)
            current = s.areas[current].parent
        done.update(path)
    return in_cycle


def _parent_problems(s: Structure) -> Iterable[Finding]:
    top_rank = min((a.level.rank for a in s.areas.values()), default=0)
    looped = _cycles(s)
    for a in s.areas.values():
        if a.code in looped:
            yield Finding(
                "parent-cycle",
                Severity.ERROR,
                a.code,
                f"Following the parents of {s.name(a.code)} leads back to it, so the areas form "
                "a loop instead of a tree.",
            )
        elif a.parent is None:
            if a.level.rank > top_rank:
                yield Finding(
                    "orphan-area",
                    Severity.ERROR,
                    a.code,
                    f"{s.name(a.code)} is a {a.level.label} with no parent area, so it sits "
                    "outside the system's structure.",
                )
        elif a.parent not in s.areas:
            yield Finding(
                "orphan-area",
                Severity.ERROR,
                a.code,
                f"{s.name(a.code)} names {a.parent} as its parent, but the system has no such area.",
            )
        elif s.areas[a.parent].level.rank >= a.level.rank:
            parent = s.areas[a.parent]
            yield Finding(
                "parent-level",
                Severity.ERROR,
                a.code,
                f"{s.name(a.code)} is a {a.level.label} but its parent {s.name(parent.code)} is a "
                f"{parent.level.label}; a parent must be at a wider level.",
                (parent.code,),
            )


def _population(s: Structure, guidance: Mapping[Level, PopulationRange]) -> Iterable[Finding]:
    for a in s.areas.values():
        band = guidance.get(a.level)
        if band is None:
            continue
        if a.population is None:
            yield Finding(
                "population-unknown",
                Severity.INFORMATION,
                a.code,
                f"{s.name(a.code)} has no population recorded, so it cannot be checked against "
                f"the {a.level.label} guidance of {band.describe()}.",
            )
            continue
        low = band.minimum is not None and a.population < band.minimum
        high = band.maximum is not None and a.population > band.maximum
        if low or high:
            yield Finding(
                "population-outside-guidance",
                Severity.WARNING,
                a.code,
                f"{s.name(a.code)} has a population of {a.population:,}, "
                f"{'below' if low else 'above'} the {a.level.label} guidance of "
                f"{band.describe()}" + (f" ({band.source})." if band.source else "."),
            )


def _practice_pcn_membership(s: Structure) -> Iterable[Finding]:
    pcns = [a for a in s.areas.values() if a.level is Level.NEIGHBOURHOOD]
    if not pcns:
        return
    member_of: dict[str, list[str]] = defaultdict(list)
    for pcn in pcns:
        for practice in pcn.practices:
            member_of[practice].append(pcn.code)
    for practice in sorted(set(s.practices) | set(member_of)):
        networks = sorted(member_of.get(practice, ()))
        if not networks:
            yield Finding(
                "practice-in-no-pcn",
                Severity.WARNING,
                practice,
                f"{s.name(practice)} is a practice of this system but belongs to no primary care "
                "network.",
            )
        elif len(networks) > 1:
            yield Finding(
                "practice-in-several-pcns",
                Severity.ERROR,
                practice,
                f"{s.name(practice)} belongs to {len(networks):,} primary care networks at once "
                f"({_names(s, networks)}); a practice belongs to exactly one.",
                tuple(networks),
            )


def _overlaps_and_gaps(s: Structure) -> Iterable[Finding]:
    """Areas of one level should share no practice and, together, cover the system's practices.

    An overlap is reported once for each practice in more than one area of a level, naming
    those areas, rather than once for each pair of areas: one practice shared by n areas is one
    finding, not n(n-1)/2. Neighbourhoods are left to the PCN membership rule, which says the
    same thing in the field's words.
    """
    universe = set(s.practices).union(*(a.practices for a in s.areas.values()))
    for level in (Level.LOCAL_AUTHORITY, Level.PLACE, Level.LOCAL_COMMUNITY):
        at_level = sorted(code for code, a in s.areas.items() if a.level is level)
        areas_of: dict[str, list[str]] = defaultdict(list)
        for code in at_level:
            for practice in s.footprint(code):
                areas_of[practice].append(code)
        if not areas_of:
            continue  # no practice is assigned at this level yet: nothing to compare
        for practice in sorted(areas_of):
            areas = areas_of[practice]
            if len(areas) > 1:
                yield Finding(
                    "areas-overlap",
                    Severity.ERROR,
                    practice,
                    f"{s.name(practice)} is in {len(areas):,} {level.label} areas at once "
                    f"({_names(s, areas)}); areas of one level should not overlap.",
                    tuple(areas),
                )
        missing = sorted(universe - areas_of.keys())
        if missing:
            yield Finding(
                "practices-uncovered",
                Severity.WARNING,
                level.value,
                f"{len(missing):,} of the system's {len(universe):,} practices are in no "
                f"{level.label} area ({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''}).",
                tuple(missing),
            )


def _pcns_without_place(s: Structure) -> Iterable[Finding]:
    for a in s.areas.values():
        if a.level is not Level.NEIGHBOURHOOD:
            continue
        if not any(s.areas[p].level is Level.PLACE for p in s.ancestors(a.code)):
            yield Finding(
                "pcn-without-place",
                Severity.WARNING,
                a.code,
                f"{s.name(a.code)} is assigned to no place; set its parent to the place it serves.",
            )


def _coterminosity(s: Structure) -> Iterable[Finding]:
    councils = [a.code for a in s.areas.values() if a.level is Level.LOCAL_AUTHORITY]
    if not councils:
        return
    # Worked out once for every place, rather than every council compared with every place.
    # Structurally: the place is the only place within a council's area.
    sole_places = set()
    for council in councils:
        within = [c for c in s.children.get(council, ()) if s.areas[c].level is Level.PLACE]
        if len(within) == 1:
            sole_places.add(within[0])
    # By practices: the place and a council cover the same practices.
    council_footprints = {s.footprint(c) for c in councils} - {frozenset()}
    for place in s.areas.values():
        if place.level is not Level.PLACE:
            continue
        if place.code in sole_places or s.footprint(place.code) in council_footprints:
            continue
        yield Finding(
            "place-not-coterminous",
            Severity.INFORMATION,
            place.code,
            f"{s.name(place.code)} is not coterminous with any local authority: its "
            "boundary differs from every council's, so joint arrangements with a council "
            "cover only part of it or reach beyond it.",
        )


def _commissioner_mismatch(s: Structure) -> Iterable[Finding]:
    for a in s.areas.values():
        if a.level is not Level.NEIGHBOURHOOD or a.commissioner is None:
            continue
        for code in sorted(a.practices):
            practice = s.practices.get(code)
            if practice is None or practice.commissioner in (None, a.commissioner):
                continue
            yield Finding(
                "practice-commissioner-differs",
                Severity.WARNING,
                code,
                f"{s.name(code)} is commissioned by {s.name(practice.commissioner)} but its "
                f"primary care network {s.name(a.code)} is commissioned by "
                f"{s.name(a.commissioner)}.",
                (a.code,),
            )
