"""Read-side queries shared by the pages and the API (no writes here)."""

from collections import Counter
from datetime import date
from typing import Any

from django.db.models import Count

from commonweal.registry.models import (
    Area,
    AreaPractice,
    NetworkMembership,
    Organisation,
    System,
    in_force,
)
from commonweal.registry.rules import Level
from commonweal.registry.structure import populations_on


def level_counts(system: System) -> list[tuple[str, int]]:
    counts = Counter(system.areas.values_list("level", flat=True))
    return [(lv.value, counts[lv.value]) for lv in Level if counts[lv.value]]


def area_summaries(system: System, on: date) -> list[dict[str, Any]]:
    """Every area with its latest population and its practice count (own and descendants')."""
    areas = list(system.areas.select_related("parent").order_by("level", "name"))
    population = populations_on([a.id for a in areas], on)
    own: dict[int, set[int]] = {}
    for area_id, practice_id in (
        AreaPractice.objects.filter(area__system=system)
        .filter(in_force(on))
        .values_list("area_id", "practice_id")
    ):
        own.setdefault(area_id, set()).add(practice_id)
    children: dict[int, list[int]] = {}
    for a in areas:
        if a.parent_id:
            children.setdefault(a.parent_id, []).append(a.id)

    def practices(area_id: int, seen: frozenset[int] = frozenset()) -> set[int]:
        out = set(own.get(area_id, ()))
        for child in children.get(area_id, ()):
            if child not in seen:
                out |= practices(child, seen | {area_id})
        return out

    order = {lv.value: lv.rank for lv in Level}
    areas.sort(key=lambda a: (order[a.level], a.name))
    return [
        {
            "id": a.id,
            "code": a.code,
            "name": a.name,
            "level": a.level,
            "parent": a.parent.code if a.parent else None,
            "parent_name": a.parent.name if a.parent else None,
            "ons_code": a.ons_code,
            "population": population[a.id].population if a.id in population else None,
            "population_on": population[a.id].on if a.id in population else None,
            "practices": len(practices(a.id)),
        }
        for a in areas
    ]


def tree(system: System, on: date) -> list[dict[str, Any]]:
    """Areas nested under their parents, widest level first; each node has `children`."""
    rows = area_summaries(system, on)
    by_code = {r["code"]: {**r, "children": []} for r in rows}
    roots = []
    for r in rows:
        node = by_code[r["code"]]
        if r["parent"] and r["parent"] in by_code:
            by_code[r["parent"]]["children"].append(node)
        else:
            roots.append(node)
    return roots


def area_detail(area: Area, on: date) -> dict[str, Any]:
    rows = area_summaries(area.system, on)
    summary = next(r for r in rows if r["code"] == area.code)
    child_areas = [r for r in rows if r["parent"] == area.code]
    members = (
        AreaPractice.objects.filter(area=area)
        .filter(in_force(on))
        .select_related("practice")
        .order_by("practice__name")
    )
    return {
        **summary,
        "description": area.description,
        "origin": area.origin,
        "children": [r["code"] for r in child_areas],
        "child_areas": child_areas,
        "populations": list(area.populations.order_by("-on")),
        "responsible": list(
            area.responsibilities.select_related("organisation").order_by(
                "role", "organisation__name"
            )
        ),
        "member_practices": [m.practice for m in members],
    }


def organisation_detail(org: Organisation) -> dict[str, Any]:
    return {
        "predecessors": list(org.successions_in.select_related("predecessor").order_by("on")),
        "successors": list(org.successions_out.select_related("successor").order_by("on")),
        "networks": list(
            NetworkMembership.objects.filter(practice=org)
            .select_related("network")
            .order_by("-starts")
        ),
        "members": list(
            NetworkMembership.objects.filter(network=org)
            .select_related("practice")
            .order_by("practice__name")
        ),
        "responsibilities": list(
            org.responsibilities.select_related("area", "area__system").order_by(
                "area__system__name", "area__name"
            )
        ),
        "areas": list(
            org.area_memberships.select_related("area", "area__system").order_by(
                "area__system__name"
            )
        ),
        "commissioned": org.commissioned.aggregate(n=Count("id"))["n"],
    }
