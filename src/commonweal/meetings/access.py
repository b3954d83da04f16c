"""Who may see and do what at a body's meetings.

Managing a body's meetings is MANAGE_MEETINGS in one of its owners, for that body: a clerk
holds it for their own bodies only, an administrator of an owner for all of its bodies. Exempt
reports and papers are seen by the body's members and attendees (the holders of its posts on
the day) and by those who manage its meetings; everyone else sees the item's title and the
reason it is exempt, never its papers. Someone recorded present at the meeting (a substitute,
an invited officer) sees that meeting's papers. A member who withdrew from an item, or stays
without taking part, does not receive its exempt papers (NHS England's guidance on conflicts).
"""

from datetime import date, datetime
from typing import Any

from django.db.models import Q

from commonweal.core.actions import Actor
from commonweal.core.models import in_force
from commonweal.core.permissions import Permission
from commonweal.governance.models import Body, BodyMembership, PostHolding
from commonweal.meetings.models import Meeting


def may_manage(actor: Actor, body: Body) -> bool:
    return any(actor.holds(Permission.MANAGE_MEETINGS, org, body) for org in body.owners.all())


def in_the_body(actor: Actor, body: Body, on: date | None = None) -> bool:
    """Whether the actor holds, on the day, a post that is a member or attendee of the body."""
    if actor.person is None:
        return False
    on = on or date.today()
    posts = (
        BodyMembership.objects.filter(body=body, kind__in=("member", "attendee"))
        .filter(in_force(on))
        .values("post")
    )
    return (
        PostHolding.objects.filter(person=actor.person, post__in=posts)
        .filter(in_force(on))
        .exists()
    )


def may_see_exempt(
    actor: Actor, body: Body, on: date | None = None, meeting: Any | None = None
) -> bool:
    if actor.internal or may_manage(actor, body) or in_the_body(actor, body, on):
        return True
    return (
        meeting is not None
        and actor.person is not None
        and meeting.attendance.filter(person=actor.person, status="present").exists()
    )


def conflicted_on(actor: Actor, item: Any) -> bool:
    """Whether the person declared a conflict on the item (withdrawing, or not taking part)."""
    if actor.person is None:
        return False
    return item.declarations.filter(
        person=actor.person, ruling__in=("withdraw", "no_part")
    ).exists()


def agenda_public_q(now: datetime, prefix: str = "") -> Q:
    """Meetings whose agenda is public: published, or the meeting has taken place (held, or
    confirmed and begun: a past meeting not yet marked held has still met in public)."""
    return (
        Q(**{f"{prefix}published__isnull": False})
        | Q(**{f"{prefix}status": Meeting.Status.HELD})
        | Q(**{f"{prefix}status": Meeting.Status.CONFIRMED, f"{prefix}starts__lte": now})
    )


def agenda_public(m: Meeting, now: datetime) -> bool:
    return (
        m.published is not None
        or m.status == Meeting.Status.HELD
        or (m.status == Meeting.Status.CONFIRMED and m.starts <= now)
    )
