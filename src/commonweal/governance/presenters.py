"""Governance as people read it: bodies, their terms of reference and holders, schemes, and the
engine's answers (routes and validations), shaped once for pages, API and command line."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from commonweal.core.formatting import role_label
from commonweal.core.models import in_force
from commonweal.governance import engine
from commonweal.governance.models import Body, BodyMembership, PostHolding, Scheme
from commonweal.registry.models import System

HOW_IT_DECIDES = {
    "individual": "Each executive decides for their own organisation, within its scheme of "
    "delegation; the body itself takes no decision.",
    "block": "One decision binding each member organisation, with a block vote for each "
    "organisation; no decision where the blocks disagree.",
    "majority": "By a majority of members present.",
    "consensus": "By consensus.",
}


@dataclass(frozen=True)
class Named:
    code: str
    name: str


@dataclass(frozen=True)
class Holder:
    name: str
    key: str
    acting: bool


@dataclass(frozen=True)
class PostEntry:
    ref: str
    title: str
    organisation: Named
    statutory_roles: tuple[str, ...]
    role_labels: tuple[str, ...]
    holders: tuple[Holder, ...]


@dataclass(frozen=True)
class BodyRow:
    code: str
    name: str
    kind: str
    kind_label: str
    owners: tuple[Named, ...]
    parent: Named | None
    voting: str
    ends: date | None


@dataclass(frozen=True)
class BodyView:
    row: BodyRow
    purpose: str
    delegates: str
    illustrative: bool
    footprint: Named | None
    how_it_decides: str
    chair: str | None
    deputy: str | None
    quorum_number: int
    quorum_required: tuple[str, ...]
    quorum: str
    casting_vote: bool
    attendance_note: str
    substitutes: str
    notice_days: int
    review: date | None
    review_due: bool
    on: date
    members: tuple[PostEntry, ...]
    attendees: tuple[PostEntry, ...]
    invited: tuple[PostEntry, ...]
    sub_bodies: tuple[Named, ...]


def _row(b: Body) -> BodyRow:
    return BodyRow(
        code=b.code,
        name=b.name,
        kind=b.kind,
        kind_label=b.get_kind_display(),
        owners=tuple(Named(o.code, o.name) for o in b.owners.all()),
        parent=Named(b.parent.code, b.parent.name) if b.parent else None,
        voting=b.voting,
        ends=b.ends,
    )


def bodies(system: System, on: date | None = None) -> list[BodyRow]:
    """The system's bodies in force on a date (today unless given)."""
    on = on or date.today()
    return [
        _row(b)
        for b in system.bodies.filter(in_force(on, starts=None))
        .prefetch_related("owners")
        .select_related("parent")
        .order_by("kind", "name")
    ]


def holders_on(post_ids: list[int], on: date) -> dict[int, list[Holder]]:
    out: dict[int, list[Holder]] = {}
    for h in (
        PostHolding.objects.filter(post_id__in=post_ids)
        .filter(in_force(on))
        .select_related("person")
        .order_by("acting", "person__name")
    ):
        out.setdefault(h.post_id, []).append(Holder(h.person.name, h.person.key, h.acting))
    return out


def _substitutes(body: Body, members: list[PostEntry]) -> str:
    """Whose substitutes count as them, in words."""
    if not body.substitutes:
        return "No substitute counts towards the quorum or decides."
    if "members" in body.substitutes:
        return "Any member may send a substitute, who counts as the member."
    titles = {m.ref: f"{m.title}, {m.organisation.name}" for m in members}
    return "A substitute counts as the member for: " + "; ".join(
        titles.get(ref, ref) for ref in body.substitutes
    )


def body_view(body: Body, on: date) -> BodyView:
    """A body's terms of reference and its members, attendees and invited posts on a date."""
    memberships = list(
        body.memberships.filter(in_force(on))
        .select_related("post__organisation")
        .order_by("post__organisation__name", "post__title")
    )
    holders = holders_on([m.post_id for m in memberships], on)
    groups: dict[str, list[PostEntry]] = {k: [] for k in BodyMembership.Kind.values}
    for m in memberships:
        post = m.post
        groups[m.kind].append(
            PostEntry(
                ref=post.ref,
                title=post.title,
                organisation=Named(post.organisation.code, post.organisation.name),
                statutory_roles=tuple(post.statutory_roles),
                role_labels=tuple(role_label(r) for r in post.statutory_roles),
                holders=tuple(holders.get(post.pk, [])),
            )
        )

    def post_name(post: Any) -> str | None:
        return f"{post.title}, {post.organisation.name}" if post else None

    number = f"{body.quorum_number} members" if body.quorum_number else "not set"
    required = (", including " + " and ".join(body.quorum_required)) if body.quorum_required else ""
    if body.quorum_block:
        required += (
            f"; each organisation's block needs {body.quorum_block} of its members present to vote"
        )
    return BodyView(
        row=_row(body),
        purpose=body.purpose,
        delegates=body.delegates,
        illustrative=body.illustrative,
        footprint=Named(body.footprint.code, body.footprint.name) if body.footprint else None,
        how_it_decides=HOW_IT_DECIDES.get(body.voting, body.voting),
        chair=post_name(body.chair),
        deputy=post_name(body.deputy),
        quorum_number=body.quorum_number,
        quorum_required=tuple(body.quorum_required),
        quorum=number + required,
        casting_vote=body.casting_vote,
        attendance_note=body.attendance_note,
        substitutes=_substitutes(body, groups["member"]),
        notice_days=body.notice_days,
        review=body.review,
        review_due=body.review is not None and body.review < date.today() and body.ends is None,
        on=on,
        members=tuple(groups["member"]),
        attendees=tuple(groups["attendee"]),
        invited=tuple(groups["invited"]),
        sub_bodies=tuple(
            Named(s.code, s.name)
            for s in body.sub_bodies.filter(in_force(on, starts=None)).order_by("name")
        ),
    )


@dataclass(frozen=True)
class SchemeRow:
    organisation: Named
    version: str
    title: str
    in_force_from: date
    in_force_to: date | None
    illustrative: bool


def schemes(system: System) -> list[SchemeRow]:
    return [
        SchemeRow(
            Named(s.organisation.code, s.organisation.name),
            s.version,
            s.title,
            s.in_force_from,
            s.in_force_to,
            s.illustrative,
        )
        for s in Scheme.objects.filter(system=system)
        .select_related("organisation")
        .order_by("organisation__name", "-in_force_from")
    ]


# The engine's answers ---------------------------------------------------------------------


def describe_step(s: engine.Step, gov: engine.Governance) -> dict[str, Any]:
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


def describe_route(result: engine.Route, gov: engine.Governance) -> dict[str, Any]:
    """A route as pages, the API and the command line show it."""
    return {
        "decidable": result.decidable,
        "organisations": [
            {
                "organisation": o.organisation,
                "name": gov.name(o.organisation),
                "decidable": o.decidable,
                "reason": o.reason,
                "code": o.code.value if o.code else None,
                "measured": o.measured,
                "scheme": o.scheme,
                "illustrative": o.illustrative,
                "steps": [describe_step(s, gov) for s in o.steps],
            }
            for o in result.organisations
        ],
        "joint": [describe_step(s, gov) for s in result.joint],
        "steps": [describe_step(s, gov) for s in result.steps],
    }


def describe_validation(result: engine.Validation, gov: engine.Governance) -> dict[str, Any]:
    """A validation: valid or not, whom it binds, and every check, for the decision as a whole
    and for each organisation's part."""
    return {
        "valid": result.valid,
        "binds": list(result.binds),
        "binds_names": [gov.name(o) for o in result.binds],
        "reasons": [c.as_dict() for c in result.reasons],
        "checks": [c.as_dict() for c in result.checks],
        "parts": [
            {
                "organisation": p.organisation,
                "name": gov.name(p.organisation),
                "valid": p.valid,
                "checks": [c.as_dict() for c in p.checks],
            }
            for p in result.parts
        ],
        "meeting": result.meeting.as_dict() if result.meeting else None,
    }
