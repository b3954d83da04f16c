"""Read-side queries for governance pages and the API."""

from datetime import date
from typing import Any

from commonweal.governance.models import Body, BodyMembership, Post, PostHolding, Scheme
from commonweal.registry.models import System


def holders_on(posts: list[Post], on: date) -> dict[int, list[PostHolding]]:
    out: dict[int, list[PostHolding]] = {}
    for h in PostHolding.objects.filter(post__in=posts).order_by("acting", "person"):
        if (h.starts is None or h.starts <= on) and (h.ends is None or on <= h.ends):
            out.setdefault(h.post_id, []).append(h)
    return out


def bodies(system: System) -> list[Body]:
    return list(
        system.bodies.prefetch_related("owners")
        .select_related("parent", "footprint")
        .order_by("kind", "name")
    )


def body_detail(body: Body, on: date) -> dict[str, Any]:
    memberships = list(
        body.memberships.select_related("post__organisation").order_by(
            "post__organisation__name", "post__title"
        )
    )
    holders = holders_on([m.post for m in memberships], on)
    groups: dict[str, list[dict[str, Any]]] = {k: [] for k in BodyMembership.Kind.values}
    for m in memberships:
        groups[m.kind].append({"post": m.post, "holders": holders.get(m.post_id, [])})
    return {
        "groups": groups,
        "owners": list(body.owners.order_by("name")),
        "sub_bodies": list(body.sub_bodies.order_by("name")),
    }


def schemes(system: System) -> list[Scheme]:
    return list(
        Scheme.objects.filter(system=system)
        .select_related("organisation")
        .order_by("organisation__name", "-in_force_from")
    )
