"""The populations place budgets are capitated from, read from the registry.

- Registered population: for each place, its member GP practices on the date (the practices
  that are members of the place itself or of any area within it, such as its primary care
  networks, each counted once), each at its latest list size on or before the date.
- Resident population: the place's latest population estimate on or before the date
  (`AreaPopulation`), used only when the allocation names it as its basis.
- Stated: figures the allocation itself gives, with their source, for places the registry
  cannot count yet (the Devon example's local areas, whose PCNs nobody has placed).

A place with no population on the chosen basis is refused by name: never shared nothing
silently.
"""

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from commonweal.core.formatting import long_date
from commonweal.core.models import in_force
from commonweal.registry.models import Area, AreaPractice, ListSize, System
from commonweal.registry.structure import populations_on


@dataclass(frozen=True)
class Counted:
    population: int | None  # None: nothing to count on this basis
    counted: str  # how, in words


def places_of(system: System, on: date) -> list[Area]:
    """The system's places on a date: its areas at the place level that had not ended."""
    return list(
        system.areas.filter(level="place").filter(in_force(on, starts=None)).order_by("name")
    )


def registered(system: System, places: Sequence[Area], on: date) -> dict[int, Counted]:
    """Each place's registered population on the date, from its member practices' list sizes."""
    areas = list(system.areas.filter(in_force(on, starts=None)).values_list("id", "parent_id"))
    children: dict[int, list[int]] = defaultdict(list)
    for area_id, parent_id in areas:
        if parent_id is not None:
            children[parent_id].append(area_id)
    own: dict[int, set[int]] = defaultdict(set)
    for area_id, practice_id in (
        AreaPractice.objects.filter(area__system=system)
        .filter(in_force(on))
        .values_list("area_id", "practice_id")
    ):
        own[area_id].add(practice_id)

    def practices(area_id: int) -> set[int]:
        out: set[int] = set()
        stack, seen = [area_id], set()
        while stack:
            here = stack.pop()
            if here in seen:
                continue
            seen.add(here)
            out |= own.get(here, set())
            stack.extend(children.get(here, ()))
        return out

    members = {p.pk: practices(p.pk) for p in places}
    wanted = set().union(*members.values()) if members else set()
    latest: dict[int, tuple[date, int]] = {}
    for practice_id, when, patients in (
        ListSize.objects.filter(practice_id__in=wanted, on__lte=on)
        .order_by("practice_id", "on")
        .values_list("practice_id", "on", "patients")
    ):
        latest[practice_id] = (when, patients)
    out = {}
    for place in places:
        found = [latest[p] for p in members[place.pk] if p in latest]
        if not found:
            out[place.pk] = Counted(
                None,
                f"{len(members[place.pk])} member practice(s), none with a list size on or "
                f"before {long_date(on)}",
            )
            continue
        missing = len(members[place.pk]) - len(found)
        dates = sorted({d for d, _ in found})
        said = (
            long_date(dates[-1])
            if len(dates) == 1
            else f"{long_date(dates[0])} to {long_date(dates[-1])}"
        )
        out[place.pk] = Counted(
            sum(n for _, n in found),
            f"{len(found)} practice list size(s) ({said})"
            + (f"; {missing} member practice(s) with none, not counted" if missing else ""),
        )
    return out


def resident(places: Sequence[Area], on: date) -> dict[int, Counted]:
    found = populations_on([p.pk for p in places], on)
    out = {}
    for place in places:
        row = found.get(place.pk)
        out[place.pk] = (
            Counted(
                row.population,
                f"estimate on {long_date(row.on)}" + (f" ({row.source})" if row.source else ""),
            )
            if row is not None
            else Counted(None, f"no population estimate on or before {long_date(on)}")
        )
    return out


def stated(places: Sequence[Area], figures: Mapping[str, int], source: str) -> dict[int, Counted]:
    return {
        p.pk: Counted(figures[p.code], f"stated: {source}" if source else "stated")
        if p.code in figures
        else Counted(None, "no population stated")
        for p in places
    }
