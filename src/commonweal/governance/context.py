"""Assemble the engine's plain inputs from the database (the engine itself never queries)."""

from collections import defaultdict
from datetime import date

from django.db.models import Prefetch

from commonweal.core.models import Organisation, Person, in_force
from commonweal.governance import engine
from commonweal.governance.documents import scheme_from_json
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding, Scheme
from commonweal.registry.models import Area, System


def governance_for(system: System, on: date | None = None) -> engine.Governance:
    """What the engine knows of a system's governance: its schemes, its bodies with their
    members, attendees and invited posts as on a date (today unless given), and names."""
    on = on or date.today()
    schemes: dict[str, list[engine.Scheme]] = defaultdict(list)
    for row in Scheme.objects.filter(system=system).select_related("organisation"):
        schemes[row.organisation.code].append(scheme_from_json(row.compiled))
    posts = list(Post.objects.filter(system=system).select_related("organisation"))
    names: dict[str, str] = {p.ref: f"{p.title} ({p.organisation.name})" for p in posts}
    categories = {p.ref: frozenset([*p.categories, *p.statutory_roles]) for p in posts}
    bodies = {}
    memberships = BodyMembership.objects.filter(body__system=system).filter(in_force(on))
    for b in Body.objects.filter(system=system).prefetch_related(
        "owners",
        Prefetch("memberships", memberships.select_related("post__organisation"), "in_force"),
    ):
        groups: dict[str, set[str]] = defaultdict(set)
        for m in b.in_force:  # type: ignore[attr-defined]
            groups[m.kind].add(m.post.ref)
        bodies[b.code] = engine.BodyFact(
            code=b.code,
            name=b.name,
            kind=b.kind,
            owners=tuple(sorted(o.code for o in b.owners.all())),
            voting=engine.Voting(b.voting),
            members=frozenset(groups["member"]),
            attendees=frozenset(groups["attendee"]),
            invited=frozenset(groups["invited"]),
            quorum=engine.Quorum(b.quorum_number, tuple(b.quorum_required), b.quorum_block),
            casting_vote=b.casting_vote,
        )
        names[b.code] = b.name
    org_codes = set(schemes) | {o for b in bodies.values() for o in b.owners}
    names.update(Organisation.objects.filter(code__in=org_codes).values_list("code", "name"))
    # People's names, for sentences: the engine knows people by their stable keys.
    names.update(
        Person.objects.filter(holdings__post__system=system).values_list("key", "name").distinct()
    )
    return engine.Governance(schemes=schemes, bodies=bodies, names=names, categories=categories)


def holdings_for(system: System) -> dict[str, list[engine.Holding]]:
    """Who held each post, over time: people by their stable key."""
    out: dict[str, list[engine.Holding]] = defaultdict(list)
    for h in PostHolding.objects.filter(post__system=system).select_related(
        "post__organisation", "person"
    ):
        out[h.post.ref].append(engine.Holding(h.person.key, h.post.ref, h.starts, h.ends, h.acting))
    return dict(out)


def footprint_path(system: System, code: str | None) -> tuple[str, ...]:
    """The area and its ancestors, narrowest first (empty when no footprint is given)."""
    if not code:
        return ()
    parents = dict(Area.objects.filter(system=system).values_list("code", "parent__code"))
    path: list[str] = []
    current: str | None = code
    while current and current not in path:
        path.append(current)
        current = parents.get(current)
    return tuple(path)
