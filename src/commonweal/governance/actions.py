"""Changes to governance data: governance documents (posts, bodies) and schemes."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from commonweal.core.actions import Actor, action
from commonweal.core.documents import (
    DocumentError,
    DocumentProblem,
    Located,
    first_places,
    read_yaml,
    validate,
)
from commonweal.governance import documents
from commonweal.governance.documents import GovernanceDocument, SchemeDocument
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding, Scheme
from commonweal.registry.models import Area, Organisation, System


def _system(located: Located, slug: str, loc: tuple[str | int, ...]) -> System:
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise DocumentError(
            [located.problem(loc, f"no system '{slug}': load its system document first")]
        )
    return system


def read_governance(
    source: str | Path, text: str | None = None
) -> tuple[GovernanceDocument, System]:
    located = read_yaml(source, text)
    doc = validate(located, GovernanceDocument)
    system = _system(located, doc.system, ("system",))
    problems = _check_governance(located, doc, system)
    if problems:
        raise DocumentError(problems)
    return doc, system


def _check_governance(
    located: Located, doc: GovernanceDocument, system: System
) -> list[DocumentProblem]:
    p = located.problem
    problems: list[DocumentProblem] = []
    named = {o for post in doc.posts for o in (post.organisation, *post.acts_for)}
    named |= {o for body in doc.bodies for o in body.owners}
    orgs = set(Organisation.objects.filter(code__in=named).values_list("code", flat=True))
    areas = set(system.areas.values_list("code", flat=True))
    refs = first_places(
        located,
        "posts",
        (post.ref for post in doc.posts),
        verb="is described twice",
        problems=problems,
    )
    for i, post in enumerate(doc.posts):
        if post.organisation not in orgs:
            problems.append(
                p(("posts", i, "organisation"), f"no organisation '{post.organisation}'")
            )
        for j, other in enumerate(post.acts_for):
            if other not in orgs:
                problems.append(p(("posts", i, "acts_for", j), f"no organisation '{other}'"))
    for i, post in enumerate(doc.posts):
        for j, ref in enumerate(post.accountable_to):
            if ref not in refs:
                problems.append(
                    p(("posts", i, "accountable_to", j), f"no post '{ref}' in this document")
                )
    codes = first_places(located, "bodies", (b.code for b in doc.bodies), problems=problems)
    for i, body in enumerate(doc.bodies):
        for j, owner in enumerate(body.owners):
            if owner not in orgs:
                problems.append(p(("bodies", i, "owners", j), f"no organisation '{owner}'"))
        if body.footprint and body.footprint not in areas:
            problems.append(
                p(("bodies", i, "footprint"), f"no area '{body.footprint}' in {system.slug}")
            )
        if body.parent and body.parent not in codes:
            problems.append(p(("bodies", i, "parent"), f"no body '{body.parent}' in this document"))
        seen: dict[str, str] = {}
        for group in ("members", "attendees", "invited"):
            for j, ref in enumerate(getattr(body, group)):
                if ref not in refs:
                    problems.append(p(("bodies", i, group, j), f"no post '{ref}' in this document"))
                elif ref in seen:
                    problems.append(
                        p(("bodies", i, group, j), f"'{ref}' is already listed under {seen[ref]}")
                    )
                seen[ref] = group
        for role in ("chair", "deputy"):
            ref = getattr(body, role)
            if ref and ref not in body.members:
                problems.append(
                    p(("bodies", i, role), f"the {role} must be one of the members; '{ref}' is not")
                )
        for j, need in enumerate(body.quorum.required):
            if "/" in need and need not in body.members:
                problems.append(
                    p(
                        ("bodies", i, "quorum", "required", j),
                        f"'{need}' is not a member, so cannot be required for quorum",
                    )
                )
        if body.quorum.number > len(body.members):
            problems.append(
                p(
                    ("bodies", i, "quorum", "number"),
                    f"{body.quorum.number} is more than the {len(body.members)} members",
                )
            )
    # Bodies delegate down a tree: a parent chain must not loop.
    parent = {b.code: b.parent for b in doc.bodies}
    for i, body in enumerate(doc.bodies):
        seen_codes, current = {body.code}, body.parent
        while current:
            if current in seen_codes:
                problems.append(
                    p(
                        ("bodies", i, "parent"),
                        f"the bodies' parents go round in a circle through '{current}'",
                    )
                )
                break
            seen_codes.add(current)
            current = parent.get(current)
    return problems


@dataclass
class GovernanceResult:
    system: System
    posts: int
    bodies: int


def _state(system: System) -> dict[str, Any]:
    return {
        "posts": sorted(
            p.ref for p in Post.objects.filter(system=system).select_related("organisation")
        ),
        "bodies": {
            b.code: sorted(
                f"{m.kind}:{m.post.ref}" for m in b.memberships.select_related("post__organisation")
            )
            for b in system.bodies.all()
        },
    }


@action("governance.load_governance")
def load_governance(actor: Actor, source: str | Path, text: str | None = None) -> GovernanceResult:
    doc, system = read_governance(source, text)
    before = _state(system)
    orgs = Organisation.objects.in_bulk(
        {o for post in doc.posts for o in (post.organisation, *post.acts_for)}
        | {o for b in doc.bodies for o in b.owners},
        field_name="code",
    )
    posts: dict[str, Post] = {}
    for d in doc.posts:
        post, _ = Post.objects.update_or_create(
            organisation=orgs[d.organisation],
            code=d.code,
            defaults={
                "title": d.title,
                "statutory_roles": [r.value for r in d.statutory_roles],
                "categories": d.categories,
                "system_role": d.system_role,
                "system": system,
            },
        )
        post.acts_for.set([orgs[o] for o in d.acts_for])
        post.holdings.all().delete()
        PostHolding.objects.bulk_create(
            PostHolding(post=post, person=h.person, starts=h.starts, ends=h.ends, acting=h.acting)
            for h in d.holders
        )
        posts[d.ref] = post
    for d in doc.posts:
        posts[d.ref].accountable_to.set([posts[r] for r in d.accountable_to])
    Post.objects.filter(system=system).exclude(pk__in=[p.pk for p in posts.values()]).delete()

    system.bodies.exclude(code__in=[b.code for b in doc.bodies]).delete()
    areas = {a.code: a for a in system.areas.all()}
    bodies: dict[str, Body] = {}
    for b in doc.bodies:
        body, _ = Body.objects.update_or_create(
            system=system,
            code=b.code,
            defaults={
                "name": b.name,
                "kind": b.kind.value,
                "footprint": areas.get(b.footprint or ""),
                "purpose": b.purpose,
                "delegates": b.delegates,
                "voting": b.voting.value,
                "chair": posts.get(b.chair or ""),
                "deputy": posts.get(b.deputy or ""),
                "quorum_number": b.quorum.number,
                "quorum_required": b.quorum.required,
                "attendance_note": b.attendance_note,
                "review": b.review,
                "illustrative": doc.illustrative,
            },
        )
        body.owners.set([orgs[o] for o in b.owners])
        body.memberships.all().delete()
        BodyMembership.objects.bulk_create(
            BodyMembership(body=body, post=posts[ref], kind=kind)
            for kind, group in (
                ("member", b.members),
                ("attendee", b.attendees),
                ("invited", b.invited),
            )
            for ref in group
        )
        bodies[b.code] = body
    for b in doc.bodies:
        bodies[b.code].parent = bodies.get(b.parent or "")
        bodies[b.code].save(update_fields=["parent"])
    after = _state(system)
    actor.record(
        "governance",
        system.slug,
        f"Loaded governance of {system.name} from {Path(str(source)).name}: {len(doc.posts)} posts, "
        f"{len(doc.bodies)} bodies" + ("" if before != after else "; nothing changed"),
        before=before,
        after=after,
    )
    return GovernanceResult(system, len(doc.posts), len(doc.bodies))


def read_scheme(source: str | Path, text: str | None = None) -> tuple[SchemeDocument, System, str]:
    located = read_yaml(source, text)
    doc = validate(located, SchemeDocument)
    system = _system(located, doc.scheme.system, ("scheme", "system"))
    if not Organisation.objects.filter(code=doc.scheme.organisation).exists():
        raise DocumentError(
            [
                located.problem(
                    ("scheme", "organisation"), f"no organisation '{doc.scheme.organisation}'"
                )
            ]
        )
    posts = {p.ref for p in Post.objects.filter(system=system).select_related("organisation")}
    bodies = set(system.bodies.values_list("code", flat=True))
    areas = set(Area.objects.filter(system=system).values_list("code", flat=True))
    problems = documents.check_scheme(located, doc, posts, bodies, areas)
    if problems:
        raise DocumentError(problems)
    text = text if text is not None else Path(source).read_text(encoding="utf-8")
    return doc, system, text


@action("governance.load_scheme")
def load_scheme(actor: Actor, source: str | Path, text: str | None = None) -> Scheme:
    doc, system, raw = read_scheme(source, text)
    compiled = documents.scheme_to_json(documents.compile_scheme(doc))
    h = doc.scheme
    organisation = Organisation.objects.get(code=h.organisation)
    existing = Scheme.objects.filter(organisation=organisation, version=h.version).first()
    before = existing.compiled if existing else None
    scheme, _ = Scheme.objects.update_or_create(
        organisation=organisation,
        version=h.version,
        defaults={
            "system": system,
            "title": h.title,
            "in_force_from": h.in_force_from,
            "in_force_to": h.in_force_to,
            "illustrative": h.illustrative,
            "note": h.note,
            "document": raw,
            "source": Path(str(source)).name,
            "compiled": compiled,
        },
    )
    actor.record(
        "scheme",
        f"{h.organisation}/{h.version}",
        f"Loaded {scheme} for {organisation.name}"
        + ("; nothing changed" if before == compiled else ""),
        before=before,
        after=compiled,
    )
    return scheme
