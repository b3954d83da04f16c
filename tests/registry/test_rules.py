"""The structure rules, on plain data (no database)."""

import time
from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from commonweal.registry.rules import (
    DEFAULT_GUIDANCE,
    AreaFact,
    Level,
    PopulationRange,
    PracticeFact,
    Severity,
    check_structure,
)


def rules(findings):
    return Counter(f.rule for f in findings)


SYSTEM = AreaFact("sys", "System", Level.SYSTEM, population=1_500_000)


def test_a_sound_structure_has_no_findings():
    areas = [
        SYSTEM,
        AreaFact("la", "Council", Level.LOCAL_AUTHORITY, "sys"),
        AreaFact("place", "Place", Level.PLACE, "la", 300_000),
        AreaFact(
            "pcn1", "PCN 1", Level.NEIGHBOURHOOD, "place", 40_000, frozenset({"A", "B"}), "15N"
        ),
        AreaFact("pcn2", "PCN 2", Level.NEIGHBOURHOOD, "place", 35_000, frozenset({"C"}), "15N"),
    ]
    practices = [PracticeFact(c, f"Practice {c}", "15N") for c in "ABC"]
    assert check_structure(areas, practices) == []


def test_population_outside_guidance_names_the_range_and_source():
    areas = [SYSTEM, AreaFact("p", "Little Place", Level.PLACE, "sys", 120_000)]
    [finding] = [f for f in check_structure(areas, []) if f.rule == "population-outside-guidance"]
    assert finding.severity is Severity.WARNING
    assert finding.subject == "p"
    assert "120,000, below the place guidance of 250,000 to 500,000" in finding.explanation
    assert "seed 002" in finding.explanation


def test_guidance_is_configurable():
    areas = [SYSTEM, AreaFact("p", "Borough", Level.PLACE, "sys", 200_000)]
    london = {**DEFAULT_GUIDANCE, Level.PLACE: PopulationRange(150_000, 500_000, "seed 004")}
    assert "population-outside-guidance" in rules(check_structure(areas, []))
    assert "population-outside-guidance" not in rules(check_structure(areas, [], london))


def test_practice_in_two_pcns_is_an_error_and_in_none_a_warning():
    areas = [
        SYSTEM,
        AreaFact("n1", "North PCN", Level.NEIGHBOURHOOD, "sys", 40_000, frozenset({"A", "B"})),
        AreaFact("n2", "South PCN", Level.NEIGHBOURHOOD, "sys", 40_000, frozenset({"B"})),
    ]
    practices = [PracticeFact(c, f"Practice {c}") for c in "ABC"]
    findings = check_structure(areas, practices)
    twice = [f for f in findings if f.rule == "practice-in-several-pcns"]
    none = [f for f in findings if f.rule == "practice-in-no-pcn"]
    assert [(f.subject, f.severity, f.related) for f in twice] == [
        ("B", Severity.ERROR, ("n1", "n2"))
    ]
    assert [(f.subject, f.severity) for f in none] == [("C", Severity.WARNING)]
    assert findings[0].severity is Severity.ERROR, "errors come first"


def test_commissioner_mismatch_names_both_commissioners():
    areas = [
        SYSTEM,
        AreaFact(
            "U41591",
            "Coast and Country PCN",
            Level.NEIGHBOURHOOD,
            "sys",
            34_000,
            frozenset({"L82008"}),
            "15N",
        ),
    ]
    practices = [PracticeFact("L82008", "Stratton Medical Centre", "11N")]
    names = {"11N": "NHS Kernow CCG", "15N": "NHS Devon CCG"}
    [f] = [
        f
        for f in check_structure(areas, practices, organisations=names)
        if f.rule == "practice-commissioner-differs"
    ]
    assert f.subject == "L82008"
    assert "NHS Kernow CCG (11N)" in f.explanation and "NHS Devon CCG (15N)" in f.explanation


def test_places_not_coterminous_are_information():
    areas = [
        SYSTEM,
        AreaFact("devon", "Devon", Level.LOCAL_AUTHORITY, "sys"),
        AreaFact("torbay", "Torbay", Level.LOCAL_AUTHORITY, "sys"),
        AreaFact("torbay-place", "Torbay place", Level.PLACE, "torbay", 260_000),
        AreaFact("south", "South Devon and Torbay", Level.PLACE, "sys", 300_000),
    ]
    found = [f for f in check_structure(areas, []) if f.rule == "place-not-coterminous"]
    assert [(f.subject, f.severity) for f in found] == [("south", Severity.INFORMATION)]


def test_coterminous_by_shared_practices():
    areas = [
        SYSTEM,
        AreaFact("la", "Council", Level.LOCAL_AUTHORITY, "sys", practices=frozenset({"A", "B"})),
        AreaFact("place", "Place", Level.PLACE, "sys", 300_000, frozenset({"A", "B"})),
    ]
    assert "place-not-coterminous" not in rules(check_structure(areas, []))


def test_overlapping_places_and_uncovered_practices():
    areas = [
        SYSTEM,
        AreaFact("east", "East", Level.PLACE, "sys", 300_000, frozenset({"A", "B"})),
        AreaFact("west", "West", Level.PLACE, "sys", 300_000, frozenset({"B"})),
    ]
    practices = [PracticeFact(c, c) for c in "ABC"]
    findings = check_structure(areas, practices)
    [overlap] = [f for f in findings if f.rule == "areas-overlap"]
    assert overlap.subject == "B" and overlap.related == ("east", "west")
    assert "B (B) is in 2 place areas at once (East (east) and West (west))" in overlap.explanation
    [gap] = [f for f in findings if f.rule == "practices-uncovered"]
    assert gap.related == ("C",) and "1 of the system's 3 practices" in gap.explanation


def test_an_overlap_is_one_finding_a_practice_however_many_areas_share_it():
    # 2,000 local communities sharing one practice: one finding, not one for each of the
    # 1,999,000 pairs, and its explanation names ten areas and counts the rest.
    shared = frozenset({"P1"})
    areas = [SYSTEM] + [
        AreaFact(f"c{i:04d}", f"Community {i}", Level.LOCAL_COMMUNITY, "sys", practices=shared)
        for i in range(2_000)
    ]
    started = time.perf_counter()
    findings = check_structure(areas, [PracticeFact("P1", "Practice")])
    assert time.perf_counter() - started < 2
    [overlap] = [f for f in findings if f.rule == "areas-overlap"]
    assert overlap.subject == "P1" and len(overlap.related) == 2_000
    assert "is in 2,000 local community areas at once" in overlap.explanation
    assert "Community 9 (c0009) and 1,990 more" in overlap.explanation
    assert len(overlap.explanation) < 500
    assert len(findings) < 10


def test_overlaps_are_counted_in_practices_not_pairs_of_areas():
    # n areas sharing m practices: m findings (one a practice), never n(n-1)/2.
    for n in (3, 30, 300):
        areas = [SYSTEM] + [
            AreaFact(f"p{i}", f"Place {i}", Level.PLACE, "sys", 300_000, frozenset({"A", "B"}))
            for i in range(n)
        ]
        overlaps = [f for f in check_structure(areas, []) if f.rule == "areas-overlap"]
        assert [(f.subject, len(f.related)) for f in overlaps] == [("A", n), ("B", n)]


def _many_places(n: int) -> list[AreaFact]:
    areas = [SYSTEM]
    for i in range(n):
        council = frozenset({f"C{i}"})
        areas.append(
            AreaFact(f"la{i}", f"Council {i}", Level.LOCAL_AUTHORITY, "sys", None, council)
        )
        areas.append(
            AreaFact(f"pl{i}", f"Place {i}", Level.PLACE, "sys", 300_000, frozenset({f"P{i}"}))
        )
    areas.append(AreaFact("same", "Same place", Level.PLACE, "la7", 300_000, frozenset({"C7"})))
    return areas


def _best_of_three(areas: list[AreaFact]) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        check_structure(areas, [])
        times.append(time.perf_counter() - started)
    return min(times)


def test_coterminosity_of_many_places_and_councils_grows_linearly():
    # 2,500 councils and 2,500 places (a document's 5,000 areas), no two alike: every place is
    # found not coterminous without comparing each with every council's practices (which took
    # seconds when each comparison worked out a footprint again). Ten times the areas take
    # about ten times as long, not a hundred: a ratio in one process, not a wall-clock limit,
    # so a busy machine does not fail it.
    areas = _many_places(2_500)
    found = {f.subject for f in check_structure(areas, []) if f.rule == "place-not-coterminous"}
    assert found == {f"pl{i}" for i in range(2_500)}, "only the place within la7 is coterminous"
    ratio = _best_of_three(areas) / _best_of_three(_many_places(250))
    assert ratio < 40, f"ten times the areas took {ratio:.0f} times as long"


def test_orphans_cycles_and_upside_down_parents():
    areas = [
        SYSTEM,
        AreaFact("lost", "Lost place", Level.PLACE, None, 300_000),
        AreaFact("ghost", "Ghost PCN", Level.NEIGHBOURHOOD, "nowhere", 40_000),
        AreaFact("x", "X", Level.PLACE, "y", 300_000),
        AreaFact("y", "Y", Level.PLACE, "x", 300_000),
        AreaFact("up", "Upside down", Level.SYSTEM, "n", 1_500_000),
        AreaFact("n", "PCN", Level.NEIGHBOURHOOD, "sys", 40_000),
    ]
    found = {(f.rule, f.subject) for f in check_structure(areas, [])}
    assert {("orphan-area", "lost"), ("orphan-area", "ghost")} <= found
    assert {("parent-cycle", "x"), ("parent-cycle", "y")} <= found
    assert ("parent-level", "up") in found


def test_pcn_without_place():
    areas = [
        SYSTEM,
        AreaFact("place", "Place", Level.PLACE, "sys", 300_000),
        AreaFact("placed", "Placed PCN", Level.NEIGHBOURHOOD, "place", 40_000),
        AreaFact("loose", "Loose PCN", Level.NEIGHBOURHOOD, "sys", 40_000),
    ]
    found = [f.subject for f in check_structure(areas, []) if f.rule == "pcn-without-place"]
    assert found == ["loose"]


# Property tests -----------------------------------------------------------------------

practice_codes = st.sampled_from([f"P{i:02d}" for i in range(12)])
pcn_members = st.lists(st.frozensets(practice_codes, max_size=6), min_size=1, max_size=5)


@given(pcn_members, st.frozensets(practice_codes))
def test_every_practice_is_reported_unless_in_exactly_one_pcn(members, registered):
    areas = [SYSTEM] + [
        AreaFact(f"N{i}", f"PCN {i}", Level.NEIGHBOURHOOD, "sys", 40_000, m)
        for i, m in enumerate(members)
    ]
    practices = [PracticeFact(c, c) for c in registered]
    findings = check_structure(areas, practices)
    counts = Counter(c for m in members for c in m)
    universe = set(registered) | set(counts)
    none = {f.subject for f in findings if f.rule == "practice-in-no-pcn"}
    several = {f.subject for f in findings if f.rule == "practice-in-several-pcns"}
    assert none == {c for c in universe if counts[c] == 0}
    assert several == {c for c in universe if counts[c] > 1}


@given(
    st.sampled_from([Level.SYSTEM, Level.PLACE, Level.NEIGHBOURHOOD]),
    st.integers(min_value=0, max_value=5_000_000),
)
def test_population_finding_exactly_when_outside_range(level, population):
    band = DEFAULT_GUIDANCE[level]
    parent = None if level is Level.SYSTEM else "sys"
    areas = [AreaFact("a", "Area", level, parent, population)]
    if parent:
        areas.append(SYSTEM)
    flagged = any(
        f.rule == "population-outside-guidance" and f.subject == "a"
        for f in check_structure(areas, [])
    )
    assert flagged == (population < band.minimum or population > band.maximum)


@st.composite
def structures(draw):
    levels = list(Level)
    n = draw(st.integers(min_value=1, max_value=8))
    areas = []
    for i in range(n):
        level = draw(st.sampled_from(levels))
        parent = draw(
            st.one_of(st.none(), st.sampled_from([f"A{j}" for j in range(n)] + ["missing"]))
        )
        population = draw(st.one_of(st.none(), st.integers(0, 4_000_000)))
        members = draw(st.frozensets(practice_codes, max_size=4))
        areas.append(AreaFact(f"A{i}", f"Area {i}", level, parent, population, members))
    return areas


@given(structures())
def test_findings_are_explained_ordered_and_deterministic(areas):
    findings = check_structure(areas, [])
    assert findings == check_structure(list(reversed(areas)), [])
    severities = [list(Severity).index(f.severity) for f in findings]
    assert severities == sorted(severities)
    for f in findings:
        assert f.explanation.endswith(".") and len(f.explanation) > 20
        assert f.rule and f.subject


@given(structures())
def test_a_cycle_is_reported_for_every_area_on_it(areas):
    by_code = {a.code: a for a in areas}
    cyclic = set()
    for a in areas:
        seen, current = [], a.code
        while current in by_code and current not in seen:
            seen.append(current)
            current = by_code[current].parent
        if current == a.code:
            cyclic.add(a.code)
    reported = {f.subject for f in check_structure(areas, []) if f.rule == "parent-cycle"}
    assert reported == cyclic
