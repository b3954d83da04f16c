"""Changes to governance data: governance documents (people, posts, bodies) and schemes.

Loaders compare the document with what is stored: they create what is new, change what has
changed and *end* what the document no longer describes, never deleting a post, a body, a
holding or a membership, because decisions, attendance and roles point at them. A scheme
version, once loaded, never changes: a different scheme under the same version is refused with
its differences named, and a change is a new version with its own date in force.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from commonweal.core.actions import Actor, action
from commonweal.core.dates import overlaps
from commonweal.core.db import by_field, in_chunks, serialise
from commonweal.core.documents import (
    MAX_ORGANISATIONS_NAMED,
    DocumentError,
    Located,
    first_places,
    read_yaml,
    validate,
)
from commonweal.core.errors import Conflict, Problem, Refused
from commonweal.core.formatting import pounds
from commonweal.core.models import Organisation, Person, RoleAssignment
from commonweal.core.permissions import Permission
from commonweal.core.sync import Diff, ends_for, sync
from commonweal.governance import documents
from commonweal.governance.documents import GovernanceDocument, SchemeDocument
from commonweal.governance.models import Body, BodyMembership, Post, PostHolding, Scheme
from commonweal.registry.actions import stewards
from commonweal.registry.models import Area, AreaResponsibility, System


def _system(located: Located, slug: str, loc: tuple[str | int, ...]) -> System:
    system = System.objects.filter(slug=slug).first()
    if system is None:
        raise DocumentError(
            [located.problem(loc, f"no system '{slug}': load its system document first")]
        )
    return system


def read_governance(
    source: str | Path, text: str | bytes | None = None
) -> tuple[GovernanceDocument, System]:
    """Read and check a governance document against the database; DocumentError if bad."""
    located = read_yaml(source, text)
    doc = validate(located, GovernanceDocument)
    system = _system(located, doc.system, ("system",))
    problems = _check_governance(located, doc, system)
    if problems:
        raise DocumentError(problems)
    return doc, system


def _check_governance(located: Located, doc: GovernanceDocument, system: System) -> list[Problem]:
    p = located.problem
    problems: list[Problem] = []
    named = _organisations(doc)
    if len(named) > MAX_ORGANISATIONS_NAMED:
        return [
            p(
                (),
                f"names {len(named):,} organisations; at most {MAX_ORGANISATIONS_NAMED:,} are "
                "allowed in one document",
            )
        ]
    orgs = set(in_chunks(Organisation.objects.values_list("code", flat=True), "code", named))
    areas = set(system.areas.values_list("code", flat=True))
    first_places(
        located,
        "people",
        (x.key for x in doc.people),
        field="key",
        verb="is listed twice",
        problems=problems,
    )
    people = {x.key for x in doc.people}
    wanted_keys = {h.person for post in doc.posts for h in post.holders} - people
    people |= set(in_chunks(Person.objects.values_list("key", flat=True), "key", wanted_keys))
    refs = first_places(
        located,
        "posts",
        (post.ref for post in doc.posts),
        verb="is described twice",
        problems=problems,
    )
    elsewhere = {
        f"{org_code}/{post_code}": slug
        for post_code, org_code, slug in in_chunks(
            Post.objects.exclude(system=system).values_list(
                "code", "organisation__code", "system__slug"
            ),
            "organisation__code",
            named,
        )
    }
    for i, post in enumerate(doc.posts):
        if post.organisation not in orgs:
            problems.append(
                p(("posts", i, "organisation"), f"no organisation '{post.organisation}'")
            )
        if post.ref in elsewhere:
            problems.append(
                p(
                    ("posts", i, "code"),
                    f"{post.ref} is described by the governance document of "
                    f"'{elsewhere[post.ref]}'; a post belongs to one system's document",
                )
            )
        for j, other in enumerate(post.acts_for):
            if other not in orgs:
                problems.append(p(("posts", i, "acts_for", j), f"no organisation '{other}'"))
        held: dict[str, list[tuple[int, documents.HoldingDoc]]] = {}
        for j, holder in enumerate(post.holders):
            held.setdefault(holder.person, []).append((j, holder))
            if holder.person not in people:
                problems.append(
                    p(
                        ("posts", i, "holders", j, "person"),
                        f"no person '{holder.person}': list them under people",
                    )
                )
        # One person holding one post twice on the same day says nothing new, and a record of
        # it would be counted twice.
        for key, lines in held.items():
            for later, earlier in overlaps(lines):
                problems.append(
                    p(
                        ("posts", i, "holders", later),
                        f"holders[{earlier}] names {key} as holding this post on some of the "
                        "same days: give each holding its own dates, one ending before the "
                        "next starts",
                    )
                )
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
        members = set(body.members)
        for group in ("members", "attendees", "invited"):
            for j, ref in enumerate(getattr(body, group)):
                if ref not in refs:
                    problems.append(p(("bodies", i, group, j), f"no post '{ref}' in this document"))
                elif ref in seen:
                    problems.append(
                        p(("bodies", i, group, j), f"'{ref}' is already listed under {seen[ref]}")
                    )
                seen[ref] = group
        if isinstance(body.substitutes, list):
            member_posts = set(body.members)
            for j, ref in enumerate(body.substitutes):
                if ref not in member_posts:
                    problems.append(
                        p(
                            ("bodies", i, "substitutes", j),
                            f"only a member's substitute can count as them; '{ref}' is not a "
                            "member",
                        )
                    )
        for role in ("chair", "deputy"):
            ref = getattr(body, role)
            if ref and ref not in members:
                problems.append(
                    p(("bodies", i, role), f"the {role} must be one of the members; '{ref}' is not")
                )
        for j, need in enumerate(body.quorum.required):
            if "/" in need and need not in members:
                problems.append(
                    p(
                        ("bodies", i, "quorum", "required", j),
                        f"'{need}' is not a member, so cannot be required for quorum",
                    )
                )
        if body.urgent_action is not None:
            for j, ref in enumerate(body.urgent_action.by):
                if ref not in refs:
                    problems.append(
                        p(
                            ("bodies", i, "urgent_action", "by", j),
                            f"no post '{ref}' in this document",
                        )
                    )
            for j, need in enumerate(body.urgent_action.consult):
                if "/" in need and need not in refs:
                    problems.append(
                        p(
                            ("bodies", i, "urgent_action", "consult", j),
                            f"no post '{need}' in this document",
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
    meets = _loops({b.code: b.parent for b in doc.bodies})
    for i, body in enumerate(doc.bodies):
        if meets.get(body.code):
            problems.append(
                p(
                    ("bodies", i, "parent"),
                    f"the bodies' parents go round in a circle through '{meets[body.code]}'",
                )
            )
    return problems


def _loops(parent: Mapping[str, str | None]) -> dict[str, str | None]:
    """For each body, where its chain of parents first meets a loop (itself, when it is on
    the loop), or None. Each chain is walked once, however many bodies share it: following
    every body's chain to its end would take the square of a long chain's length."""
    meets: dict[str, str | None] = {}
    for start in parent:
        path: dict[str, int] = {}  # the chain walked from start, in order
        current: str | None = start
        while current is not None and current not in meets and current not in path:
            path[current] = len(path)
            current = parent.get(current)
        walked = list(path)
        if current is not None and current in path:  # a loop not met before
            for code in walked[path[current] :]:
                meets[code] = code
            walked = walked[: path[current]]
        entry = meets.get(current) if current is not None else None
        for code in walked:
            meets[code] = entry
    return meets


def _check_renaming(actor: Actor, person: Person, organisations: list[Organisation]) -> None:
    """Renaming a person needs every organisation where they hold or held a post or a role;
    one who signs in is renamed only by themselves or the operator, since their name is how
    others know them when they sign in."""
    if person.account_id is not None:
        actor.require_self(
            person,
            refusal=f"{person.key} has a sign-in account, so only they or the operator (from the "
            "command line) may rename them; leave their name as it is in this document",
        )
    if organisations:
        actor.require_all(
            sorted(organisations, key=lambda o: o.code),
            because=f"renaming {person.key}, who holds or held a post or role there",
        )


def _organisations(doc: GovernanceDocument) -> set[str]:
    """Every organisation code the document names: posts', those they act for, bodies' owners."""
    named = {o for post in doc.posts for o in (post.organisation, *post.acts_for)}
    return named | {o for body in doc.bodies for o in body.owners}


@dataclass
class GovernanceResult:
    system: System
    posts: int
    bodies: int
    changed: bool = True


def load_governance(
    actor: Actor, source: str | Path, text: str | bytes | None = None
) -> GovernanceResult:
    """Read and check a governance document, then load it (`load_governance_document`)."""
    doc, system = read_governance(source, text)
    return load_governance_document(actor, doc, system, Path(str(source)).name)


def _sync_set(
    diff: Diff, path: str, current: Iterable[Any], wanted: Iterable[Any], key: Any
) -> bool:
    """Compare two sets of related rows by key; note and report a difference."""
    before, after = sorted(key(x) for x in current), sorted(key(x) for x in wanted)
    if before != after:
        diff.note(path, before, after)
        return True
    return False


@action("governance.load_governance", permission=Permission.LOAD_GOVERNANCE)
def load_governance_document(
    actor: Actor, doc: GovernanceDocument, system: System, name: str = "document"
) -> GovernanceResult:
    """Load a checked governance document: its people, posts, holders, bodies and memberships.

    Permission: the actor needs it in one of the organisations that look after the system; to
    change a post (or its holders), in the post's organisation; to change a body (or its
    members), in one of its owners; to rename a person, in every organisation where they hold
    or held a post or a role (and a person who signs in is renamed only by themselves or the
    command line).
    """
    serialise(f"governance:{system.slug}")
    actor.require_any(stewards(system))
    today = date.today()
    diff = Diff()
    orgs = by_field(Organisation.objects.all(), "code", _organisations(doc))

    # Who may allow each change, as things stand before the load.
    post_org = dict(
        (f"{org}/{code}", org_id)
        for code, org, org_id in Post.objects.filter(system=system).values_list(
            "code", "organisation__code", "organisation_id"
        )
    )
    body_owners: dict[str, set[int]] = {}
    for code, org_id in Body.owners.through.objects.filter(body__system=system).values_list(
        "body__code", "organisation_id"
    ):
        body_owners.setdefault(code, set()).add(org_id)
    acted_for: dict[str, set[int]] = {}
    for code, org, org_id in Post.acts_for.through.objects.filter(post__system=system).values_list(
        "post__code", "post__organisation__code", "organisation_id"
    ):
        acted_for.setdefault(f"{org}/{code}", set()).add(org_id)
    keys = {x.key for x in doc.people}
    known_people = in_chunks(Person.objects.all(), "key", keys)
    # Renaming someone renames them wherever they appear: every organisation where they hold or
    # held a post or a role must allow it, as the database stands before this load.
    person_orgs: dict[str, set[int]] = {}
    for key, org_id in [
        *in_chunks(
            PostHolding.objects.values_list("person__key", "post__organisation_id"),
            "person__key",
            keys,
        ),
        *in_chunks(
            RoleAssignment.objects.values_list("person__key", "organisation_id"),
            "person__key",
            keys,
        ),
    ]:
        person_orgs.setdefault(key, set()).add(org_id)

    people = sync(
        known_people,
        lambda x: x.key,
        {x.key: {"name": x.name} for x in doc.people},
        lambda key, fields: Person.objects.create(key=key, **fields),
        on=today,
        diff=diff,
        path="people",
        end=False,
    )
    wanted_keys = {h.person for post in doc.posts for h in post.holders} - set(people)
    people.update(by_field(Person.objects.all(), "key", wanted_keys))

    posts = _sync_posts(doc, system, orgs, people, today, diff)
    _sync_bodies(doc, system, orgs, posts, today, diff)

    # Now that the changes are known, check each is the actor's to make. A post belongs to its
    # organisation and a body to its owners; naming another organisation (as one a post acts
    # for, or as a body's owner) or ceasing to needs that organisation too, and ending a body
    # several organisations own needs every one of them.
    changed = {tuple(p.split(".")[:2]) for p in diff.changes}
    # People who were there before and whose name changes (new people are only named).
    changed_people = {x.key: x for x in known_people if ("people", x.key) in changed}
    described_posts = {d.ref: d for d in doc.posts}
    described_bodies = {b.code: b for b in doc.bodies}
    by_id = by_field(
        Organisation.objects.all(),
        "id",
        {i for ids in (*body_owners.values(), *acted_for.values()) for i in ids}
        | {i for key in changed_people for i in person_orgs.get(key, ())}
        | {o.pk for o in orgs.values()},
    )
    for section, key in sorted(changed):
        if section == "people" and key in changed_people:
            _check_renaming(
                actor, changed_people[key], [by_id[i] for i in person_orgs.get(key, ())]
            )
        elif section == "posts":
            org_id = post_org.get(key) or orgs[key.split("/")[0]].pk
            actor.require(by_id[org_id], because=f"a change to the post {key}")
            post = described_posts.get(key)
            after = {orgs[o].pk for o in post.acts_for} if post else acted_for.get(key, set())
            for org_id in sorted(acted_for.get(key, set()) ^ after):
                actor.require(by_id[org_id], because=f"the post {key} acting for them")
        elif section == "bodies":
            body = described_bodies.get(key)
            before = body_owners.get(key, set())
            if body is None:
                owners = [by_id[i] for i in sorted(before)]
                actor.require_all(owners, because=f"ending {key}, which they own together")
                continue
            after = {orgs[o].pk for o in body.owners}
            actor.require_any(
                [by_id[i] for i in sorted(before or after)], because=f"a change to {key}"
            )
            for org_id in sorted(before ^ after):
                actor.require(by_id[org_id], because=f"naming them as an owner of {key}")

    actor.record(
        "governance",
        system.slug,
        f"Loaded governance of {system.name} from {name}: {len(doc.posts)} posts, "
        f"{len(doc.bodies)} bodies" + (f"; {len(diff)} changes" if diff else "; nothing changed"),
        before=diff.before(),
        after=diff.after(),
    )
    return GovernanceResult(system, len(doc.posts), len(doc.bodies), bool(diff))


def _sync_posts(
    doc: GovernanceDocument,
    system: System,
    orgs: Mapping[str, Organisation],
    people: Mapping[str, Person],
    today: date,
    diff: Diff,
) -> dict[str, Post]:
    stored = list(
        Post.objects.filter(system=system)
        .select_related("organisation")
        .prefetch_related("acts_for", "accountable_to__organisation")
    )
    posts = sync(
        stored,
        lambda p: p.ref,
        {
            d.ref: {
                "title": d.title,
                "statutory_roles": [r.value for r in d.statutory_roles],
                "categories": d.categories,
                "system_role": d.system_role,
                "ends": None,
            }
            for d in doc.posts
        },
        lambda ref, fields: Post.objects.create(
            organisation=orgs[ref.split("/")[0]], code=ref.split("/")[1], system=system, **fields
        ),
        on=today,
        diff=diff,
        path="posts",
    )
    holdings: dict[int, list[PostHolding]] = {}
    for h in PostHolding.objects.filter(post__system=system).select_related("person"):
        holdings.setdefault(h.post_id, []).append(h)
    for d in doc.posts:
        post = posts[d.ref]
        if _sync_set(
            diff,
            f"posts.{d.ref}.acts_for",
            post.acts_for.all(),
            [orgs[o] for o in d.acts_for],
            lambda o: o.code,
        ):
            post.acts_for.set([orgs[o] for o in d.acts_for])
        accountable = [posts[r] for r in d.accountable_to]
        if _sync_set(
            diff,
            f"posts.{d.ref}.accountable_to",
            post.accountable_to.all(),
            accountable,
            lambda p: p.ref,
        ):
            post.accountable_to.set(accountable)
        sync(
            holdings.get(post.pk, []),
            lambda h: (h.person.key, h.starts),
            {(h.person, h.starts): {"ends": h.ends, "acting": h.acting} for h in d.holders},
            partial(_new_holding, post, people),
            on=today,
            diff=diff,
            path=f"posts.{d.ref}.holders",
        )
    # An ended post's holders stop holding it.
    described = {d.ref for d in doc.posts}
    for post in stored:
        if post.ref not in described:
            for h in holdings.get(post.pk, []):
                ends = ends_for(h, today)
                if ends != h.ends:
                    path = f"posts.{post.ref}.holders.{h.person.key}"
                    diff.note(f"{path}.ends", h.ends, ends)
                    h.ends = ends
                    h.save(update_fields=["ends"])
    return posts


def _sync_bodies(
    doc: GovernanceDocument,
    system: System,
    orgs: Mapping[str, Organisation],
    posts: Mapping[str, Post],
    today: date,
    diff: Diff,
) -> dict[str, Body]:
    areas = {a.code: a for a in Area.objects.filter(system=system)}
    stored = list(Body.objects.filter(system=system).prefetch_related("owners"))
    existed = {b.code for b in stored}
    bodies = sync(
        stored,
        lambda b: b.code,
        {
            b.code: {
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
                "quorum_block": b.quorum.block,
                "casting_vote": b.casting_vote,
                "substitutes": b.substitutes
                if isinstance(b.substitutes, list)
                else [b.substitutes],
                "notice_days": b.notice,
                "urgent_action": b.urgent_action.model_dump() if b.urgent_action else {},
                "attendance_note": b.attendance_note,
                "review": b.review,
                "illustrative": doc.illustrative,
                "ends": None,
            }
            for b in doc.bodies
        },
        lambda code, fields: Body.objects.create(system=system, code=code, **fields),
        on=today,
        diff=diff,
        path="bodies",
    )
    sync(
        list(bodies.values()),
        lambda b: b.code,
        {b.code: {"parent": bodies.get(b.parent or "")} for b in doc.bodies},
        lambda code, fields: bodies[code],
        on=today,
        diff=diff,
        path="bodies",
        end=False,
    )
    memberships: dict[int, list[BodyMembership]] = {}
    for m in BodyMembership.objects.filter(body__system=system).select_related(
        "post__organisation"
    ):
        memberships.setdefault(m.body_id, []).append(m)
    for b in doc.bodies:
        body = bodies[b.code]
        owners = [orgs[o] for o in b.owners]
        if _sync_set(diff, f"bodies.{b.code}.owners", body.owners.all(), owners, lambda o: o.code):
            body.owners.set(owners)
        # A member added to a body that already existed joins it today; a new body's members
        # are its members from the start.
        starts = today if b.code in existed else None
        wanted: dict[tuple[str, str], dict[str, Any]] = {
            (ref, kind): {}
            for kind, group in (
                (BodyMembership.Kind.MEMBER.value, b.members),
                (BodyMembership.Kind.ATTENDEE.value, b.attendees),
                (BodyMembership.Kind.INVITED.value, b.invited),
            )
            for ref in group
        }
        current = [m for m in memberships.get(body.pk, []) if m.ends is None or m.ends >= today]
        sync(
            current,
            lambda m: (m.post.ref, m.kind),
            wanted,
            partial(_new_membership, body, posts, starts),
            on=today,
            diff=diff,
            path=f"bodies.{b.code}.memberships",
        )
    described = {b.code for b in doc.bodies}
    for body in stored:
        if body.code not in described:
            for m in memberships.get(body.pk, []):
                ends = ends_for(m, today)
                if ends != m.ends:
                    diff.note(
                        f"bodies.{body.code}.memberships.{m.post.ref}/{m.kind}.ends", m.ends, ends
                    )
                    m.ends = ends
                    m.save(update_fields=["ends"])
    return bodies


def _new_holding(
    post: Post,
    people: Mapping[str, Person],
    key: tuple[str, date | None],
    fields: Mapping[str, Any],
) -> PostHolding:
    return PostHolding.objects.create(post=post, person=people[key[0]], starts=key[1], **fields)


def _new_membership(
    body: Body,
    posts: Mapping[str, Post],
    starts: date | None,
    key: tuple[str, str],
    fields: Mapping[str, Any],
) -> BodyMembership:
    return BodyMembership.objects.create(body=body, post=posts[key[0]], kind=key[1], starts=starts)


# Schemes of delegation ------------------------------------------------------------------


def read_scheme(
    source: str | Path, text: str | bytes | None = None
) -> tuple[SchemeDocument, System, str, Located]:
    """Read and check a scheme document; returns it with its system, its text and its lines."""
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
    if text is None:
        raw = Path(source).read_text(encoding="utf-8")
    else:
        raw = text.decode("utf-8") if isinstance(text, bytes) else text
    return doc, system, raw, located


def load_scheme(actor: Actor, source: str | Path, text: str | bytes | None = None) -> Scheme:
    """Read and check a scheme document, then load it (`load_scheme_document`)."""
    doc, system, raw, located = read_scheme(source, text)
    return load_scheme_document(actor, doc, system, raw, located, Path(str(source)).name)


def _flatten(value: Any, path: str = "") -> dict[str, Any]:
    """A compiled scheme as path -> value; list entries with a clause are keyed by it."""
    out: dict[str, Any] = {}
    if isinstance(value, dict):
        for k, v in value.items():
            out.update(_flatten(v, f"{path}.{k}" if path else k))
    elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for i, v in enumerate(value):
            name = v.get("clause") if isinstance(v.get("clause"), str) else str(i + 1)
            out.update(_flatten(v, f"{path}[{name}]"))
    else:
        out[path] = value
    return out


def _differences(
    stored: dict[str, Any], loading: dict[str, Any], located: Located
) -> list[Problem]:
    """What differs between a loaded version and a document, each against the document's line."""
    before, after = _flatten(stored), _flatten(loading)
    clause_lines: dict[str, int | None] = {}
    data = located.data if isinstance(located.data, dict) else {}
    for section in ("reserved", "delegations", "onward"):
        for i, entry in enumerate(data.get(section) or []):
            if isinstance(entry, dict) and "clause" in entry:
                clause_lines[str(entry["clause"])] = located.line_of((section, i))
    problems = []
    for path in sorted(set(before) | set(after)):
        if before.get(path, None) == after.get(path, None) or path == "format":
            continue
        clause = path.split("[", 1)[1].split("]", 1)[0] if "[" in path else ""
        header = path.split(".")[0] if "[" not in path else ""
        line = clause_lines.get(clause) or located.line_of(("scheme", header))
        problems.append(
            Problem(
                path,
                f"the loaded version has {_show(path, before.get(path))}; this document has "
                f"{_show(path, after.get(path))}",
                located.file,
                line,
            )
        )
    return problems


MONEY_KEYS = ("lower", "upper", "limit", "over", "threshold")


def _show(path: str, value: Any) -> str:
    """A compiled value as a person reads it: money in pounds, nothing as 'nothing'."""
    if value is None:
        return "nothing"
    if isinstance(value, int) and path.rsplit(".", 1)[-1] in MONEY_KEYS:
        return pounds(value)
    return repr(value)


@action("governance.load_scheme", permission=Permission.LOAD_SCHEME)
def load_scheme_document(
    actor: Actor,
    doc: SchemeDocument,
    system: System,
    raw: str,
    located: Located,
    name: str = "document",
) -> Scheme:
    """Load a checked scheme version of one organisation. A loaded version never changes."""
    h = doc.scheme
    organisation = Organisation.objects.get(code=h.organisation)
    actor.require(organisation)
    # A scheme names the system's posts and bodies as its deciders: an organisation with no
    # part in the system would be writing its own terms for them.
    if not (
        AreaResponsibility.objects.filter(area__system=system, organisation=organisation).exists()
        or system.bodies.filter(owners=organisation).exists()
    ):
        raise Refused.at(
            "scheme.system",
            f"{organisation} has no part in {system.name}: it is responsible for none of its "
            "areas and owns none of its bodies, so its scheme of delegation cannot be loaded "
            "there",
        )
    serialise(f"scheme:{h.organisation}/{h.version}")
    compiled = documents.scheme_to_json(documents.compile_scheme(doc))
    header = {
        "title": h.title,
        "in_force_from": h.in_force_from.isoformat(),
        "in_force_to": h.in_force_to.isoformat() if h.in_force_to else None,
        "illustrative": h.illustrative,
        "note": h.note,
        "key_decision_over": h.key_decision_over,
    }
    existing = Scheme.objects.filter(organisation=organisation, version=h.version).first()
    if existing is not None:
        stored = {
            **documents.scheme_to_json(documents.scheme_from_json(existing.compiled)),
            "note": existing.note,
            "key_decision_over": existing.key_decision_over,
        }
        differences = _differences(stored, {**compiled, **header}, located)
        if differences:
            raise Conflict(
                f"Version {h.version} of {organisation}'s scheme is already loaded and differs "
                f"from this document in {len(differences)} places. A loaded version never "
                "changes: give the changed scheme a new version and the date it comes into force.",
                differences,
            )
        actor.record(
            "scheme",
            f"{h.organisation}/{h.version}",
            f"Loaded {existing} for {organisation.name} from {name}; nothing changed",
        )
        return existing
    scheme = Scheme.objects.create(
        organisation=organisation,
        version=h.version,
        system=system,
        title=h.title,
        in_force_from=h.in_force_from,
        in_force_to=h.in_force_to,
        illustrative=h.illustrative,
        note=h.note,
        key_decision_over=h.key_decision_over,
        document=raw,
        source=name,
        compiled=compiled,
    )
    actor.record(
        "scheme",
        f"{h.organisation}/{h.version}",
        f"Loaded {scheme} for {organisation.name} from {name}, in force from "
        f"{h.in_force_from.isoformat()}",
        after=compiled,
    )
    return scheme
