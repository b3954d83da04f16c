"""Assemble the engine's plain inputs from the database (the engine itself never queries)."""

from collections import defaultdict
from typing import Any

from commonweal.governance import engine
from commonweal.governance.documents import scheme_from_json
from commonweal.governance.models import Body, Post, PostHolding, Scheme
from commonweal.registry.models import Area, Organisation, System


def governance_for(system: System) -> engine.Governance:
    schemes: dict[str, list[engine.Scheme]] = defaultdict(list)
    for row in Scheme.objects.filter(system=system).select_related("organisation"):
        schemes[row.organisation.code].append(scheme_from_json(row.compiled))
    posts = list(Post.objects.filter(system=system).select_related("organisation"))
    names: dict[str, str] = {p.ref: f"{p.title} ({p.organisation.name})" for p in posts}
    categories = {p.ref: frozenset([*p.categories, *p.statutory_roles]) for p in posts}
    bodies = {}
    for b in Body.objects.filter(system=system).prefetch_related(
        "owners", "memberships__post__organisation"
    ):
        groups: dict[str, set[str]] = defaultdict(set)
        for m in b.memberships.all():
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
            quorum=engine.Quorum(b.quorum_number, tuple(b.quorum_required)),
        )
        names[b.code] = b.name
    org_codes = set(schemes) | {o for b in bodies.values() for o in b.owners}
    names.update(Organisation.objects.filter(code__in=org_codes).values_list("code", "name"))
    return engine.Governance(schemes=schemes, bodies=bodies, names=names, categories=categories)


def holdings_for(system: System) -> dict[str, list[engine.Holding]]:
    out: dict[str, list[engine.Holding]] = defaultdict(list)
    for h in PostHolding.objects.filter(post__system=system).select_related("post__organisation"):
        out[h.post.ref].append(engine.Holding(h.person, h.post.ref, h.starts, h.ends, h.acting))
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


def describe_route(result: engine.Route, gov: engine.Governance) -> dict[str, Any]:
    def step(s: engine.Step) -> dict[str, Any]:
        return {
            "id": s.id,
            "organisation": s.organisation,
            "kind": s.kind.value,
            "taker": {
                "post": s.taker.post,
                "body": s.taker.body,
                "second": list(s.taker.second),
                "name": s.taker.describe(gov.names),
            },
            "clause": s.clause,
            "sentence": s.sentence,
            "blocks": list(s.blocks),
        }

    return {
        "decidable": result.decidable,
        "organisations": [
            {
                "organisation": o.organisation,
                "name": gov.name(o.organisation),
                "decidable": o.decidable,
                "reason": o.reason,
                "scheme": o.scheme,
                "illustrative": o.illustrative,
                "steps": [step(s) for s in o.steps],
            }
            for o in result.organisations
        ],
        "joint": [step(s) for s in result.joint],
        "steps": [step(s) for s in result.steps],
    }


def describe_validation(result: engine.Validation) -> dict[str, Any]:
    return {
        "valid": result.valid,
        "reasons": [c.as_dict() for c in result.reasons],
        "checks": [c.as_dict() for c in result.checks],
    }
